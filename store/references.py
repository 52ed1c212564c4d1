"""What each document cites (issue 17): a page's references, written with its outcome (store.writes) or by the
backfill (crawler.reference_sync), and read per page, per cited regulation and for the index."""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Iterator

from .database import StorePart
from .schema import storable_text

SOURCE_CHARS = 400   # the stored text a citation came from (the span, or the link)


@dataclass(frozen=True)
class References:
    """A document's references as the store keeps them: `items` have target, title, article, kind, source and
    start (lang.references.Reference); `key` is the body's hash and the resolution table's stamp they were read
    with; `regulation` the document's own BWB id, if it is a regulation."""
    items: tuple
    key: str
    regulation: str | None = None


def replace_references(db, url: str, refs: References) -> None:
    """Write a page's references in place of its earlier ones, inside the caller's transaction."""
    db.execute("DELETE FROM refs WHERE url=?", (url,))
    db.executemany("INSERT INTO refs(url, seq, target, title, article, kind, source, pos) VALUES (?,?,?,?,?,?,?,?)",
                   [(url, n, r.target, storable_text(r.title), r.article, r.kind,
                     storable_text(r.source)[:SOURCE_CHARS], r.start) for n, r in enumerate(refs.items)])
    db.execute("UPDATE pages SET refs_key=?, regulation=? WHERE url=?", (refs.key, refs.regulation, url))


def drop_references(db, url: str) -> None:
    """A page that is no document (any more) cites nothing, inside the caller's transaction."""
    db.execute("DELETE FROM refs WHERE url=?", (url,))
    db.execute("UPDATE pages SET refs_key=NULL, regulation=NULL WHERE url=?", (url,))


def references_of(db, urls: list[str]) -> dict[str, tuple]:
    """url -> its references as (target, title, article), for the index."""
    out: dict[str, list] = {}
    for i in range(0, len(urls), 500):
        chunk = urls[i:i + 500]
        for url, target, title, article in db.execute(
                f"SELECT url, target, title, article FROM refs WHERE url IN ({','.join('?' * len(chunk))}) "
                "ORDER BY url, seq", chunk):
            out.setdefault(url, []).append((target, title, article))
    return {url: tuple(refs) for url, refs in out.items()}


class Citations(StorePart):
    """A page's references: the backfill's writes and every read of them (part of CrawlStore)."""

    def has_references(self) -> bool:
        """Whether the store has the reference table: a read-only app on a store of an older version (not migrated
        yet: the next crawl or `run.py references` does it) shows no references rather than failing."""
        if not getattr(self, "_has_references", False):
            self._has_references = self.db.has_table("refs")
        return self._has_references

    def write_references(self, url: str, refs: "References") -> None:
        """Replace a page's references (the backfill: crawler.reference_sync)."""
        with self.transaction() as db:
            replace_references(db, url, refs)

    def references_due(self, table_stamp: str, rebuild: bool = False) -> Iterator[tuple]:
        """(url, content hash, title, text, links, identifier) of every document whose references were not read
        from its current body with this resolution table (every document with rebuild): what the backfill reads."""
        sql = ("SELECT p.url, p.content_hash, c.title, c.text, COALESCE(p.links, c.links), c.meta FROM pages p "
               "JOIN contents c ON c.content_hash = p.content_hash WHERE p.indexable = 1")
        args: list = []
        if not rebuild:
            sql += " AND (p.refs_key IS NULL OR p.refs_key <> p.content_hash || ':' || ?)"
            args.append(table_stamp)
        for url, digest, title, text, links, meta in self.db.stream(sql + " ORDER BY p.url", args):
            yield (url, digest, title or "", text or "", json.loads(links or "[]"),
                   json.loads(meta or "{}").get("identifier", ""))

    def references_from(self, url: str) -> list[dict]:
        """What a page cites, in text order (links last), each with the URL of the cited regulation's document
        when we hold it (`target_url`)."""
        with self._conn() as db:
            cur = db.execute("SELECT r.target, r.title, r.article, r.kind, r.source, r.pos, "
                             "(SELECT MIN(p.url) FROM pages p WHERE p.regulation = r.target AND p.indexable = 1) "
                             "FROM refs r WHERE r.url=? ORDER BY r.seq", (url,))
            return [dict(zip(("target", "title", "article", "kind", "source", "pos", "target_url"), row))
                    for row in cur.fetchall()]

    def references_to(self, target: str, article: str | None = None) -> list[dict]:
        """Every document citing a regulation (or one article of it), in URL order: its title, organisation,
        type, date, the articles it cites, how often, and the text of its first citation."""
        sql = ("SELECT p.url, p.site, c.title, c.meta, p.page_meta, r.article, r.source FROM refs r "
               "JOIN pages p ON p.url = r.url JOIN contents c ON c.content_hash = p.content_hash "
               "WHERE r.target=? AND p.indexable = 1")
        args = [target]
        if article:
            sql, args = sql + " AND r.article=?", args + [article]
        with self._conn() as db:
            rows = db.execute(sql + " ORDER BY p.url, r.seq", args).fetchall()
        out: dict[str, dict] = {}
        for url, site, title, meta, page_meta, art, source in rows:
            doc = out.get(url)
            if doc is None:
                m = {**json.loads(meta or "{}"), **json.loads(page_meta or "{}")}
                doc = out[url] = {"url": url, "site": site, "title": title or url,
                                  "organisation": m.get("organisation") or "Onbekend",
                                  "doctype": m.get("doctype", ""), "date": m.get("date", ""), "articles": [],
                                  "source": source or "", "citations": 0}
            doc["citations"] += 1
            if art and art not in doc["articles"]:
                doc["articles"].append(art)
        return list(out.values())

    def regulation_pages(self, ids) -> dict[str, str]:
        """BWB id -> the URL of the document that is that regulation (where we hold it)."""
        ids = sorted({i for i in ids if i})
        out: dict[str, str] = {}
        with self._conn() as db:
            for i in range(0, len(ids), 500):
                chunk = ids[i:i + 500]
                out.update(db.execute(f"SELECT regulation, MIN(url) FROM pages WHERE indexable = 1 AND regulation IN "
                                      f"({','.join('?' * len(chunk))}) GROUP BY regulation", chunk).fetchall())
        return out

    def citation_counts(self) -> dict[str, int]:
        """BWB id -> how many documents cite it."""
        with self._conn() as db:
            return dict(db.execute("SELECT r.target, COUNT(DISTINCT r.url) FROM refs r JOIN pages p ON p.url = r.url "
                                   "WHERE r.target IS NOT NULL AND p.indexable = 1 GROUP BY r.target").fetchall())
