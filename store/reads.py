"""The read models over the crawl store: a page, what the crawler knows of a site's pages, stored links and bodies,
a page's versions, the documents to index (DocumentRecords with their page data and references, and the key an
index compares), and per site coverage and freshness (/dekking)."""
from __future__ import annotations

import hashlib
import json
import zlib
from typing import Iterator, NamedTuple

from .database import StorePart
from .record import DocumentRecord, Passage
from .references import references_of


class KnownPage(NamedTuple):
    etag: str | None
    last_modified: str | None
    next_visit: str | None
    sitemap_lastmod: str | None
    fetched_at: str | None
    content_hash: str | None
    depth: int | None
    tombstoned_at: str | None
    in_sitemap: int
    links_out: int | None
    page_data: bool = True   # its page data (organisation, city, links) is stored per page (schema 5 on)


def document_key(digest: str | None, page_meta: str | None, refs_key: str | None = None) -> str:
    """What an index compares to know a document changed: its body's hash, and with page data stored per page a
    digest of that too (a page whose organisation is set right is indexed again, its body unchanged), and the
    table its references were read with (references read again after the table changed are indexed again)."""
    key = digest or ""
    if page_meta is not None:
        key += f":{hashlib.sha256(page_meta.encode()).hexdigest()[:12]}"
    if refs_key:
        key += f":r{hashlib.sha256(refs_key.encode()).hexdigest()[:8]}"
    return key


def to_record(url, final_url, site, fetched_at, digest, title, text, passages, meta, version=1,
              changed_at=None, page_meta=None, refs_key=None, references=()) -> DocumentRecord:
    """The body's extract with the page's own data over it (page_meta; None: a page stored before page data was
    kept, which reads its body's); `references` as the index reads them."""
    key = document_key(digest, page_meta, refs_key)
    meta = {**json.loads(meta or "{}"), **json.loads(page_meta or "{}")}
    return DocumentRecord(
        url=url, final_url=final_url or url, site=site, title=title or "", text=text or "",
        passages=tuple(Passage(**p) for p in json.loads(passages or "[]")),
        organisation=meta.get("organisation", ""), city=meta.get("city", ""), doctype=meta.get("doctype", ""),
        date=meta.get("date", ""), language=meta.get("language", ""), identifier=meta.get("identifier", ""),
        short_title=meta.get("short_title", ""), description=meta.get("description", ""),
        content_hash=digest or "", fetched_at=fetched_at or "", version=version or 1,
        changed_at=changed_at or fetched_at or "", key=key, references=tuple(references))


class Reads(StorePart):
    """What the crawler, the indexer and the app read (part of CrawlStore)."""

    def page(self, url: str) -> dict | None:
        with self._conn() as db:
            cur = db.execute("SELECT * FROM pages WHERE url=?", (url,))
            row = cur.fetchone()
            return dict(zip([c[0] for c in cur.description], row)) if row else None

    def known_pages(self, site: str) -> dict[str, "KnownPage"]:
        """What the crawler needs to know about each page of a site it has seen before."""
        with self._conn() as db:
            rows = db.execute("SELECT url, etag, last_modified, next_visit, sitemap_lastmod, fetched_at, "
                              "content_hash, depth, tombstoned_at, in_sitemap, links_out, "
                              "CASE WHEN page_meta IS NULL THEN 0 ELSE 1 END FROM pages WHERE site=?",
                              (site,)).fetchall()
        return {r[0]: KnownPage(*r[1:-1], page_data=bool(r[-1])) for r in rows}

    def stored_links(self, url: str) -> list[str] | None:
        """The links of a page as last extracted (for a page answered with 304, or not due), resolved against its
        own URL; a page stored before page data was kept reads its body's. None: only the raw body is kept (stored
        before links were), for the crawler to parse again; [] for a page without a body."""
        with self._conn() as db:
            row = db.execute("SELECT p.links, c.links, c.raw IS NOT NULL FROM pages p JOIN contents c "
                             "ON c.content_hash = p.content_hash WHERE p.url=?", (url,)).fetchone()
        if not row:
            return []
        if row[0] is not None or row[1] is not None:
            return json.loads(row[0] if row[0] is not None else row[1])
        return None if row[2] else []

    def raw_body(self, digest: str) -> bytes | None:
        with self._conn() as db:
            row = db.execute("SELECT raw FROM contents WHERE content_hash=?", (digest,)).fetchone()
        return zlib.decompress(row[0]) if row and row[0] is not None else None

    def versions(self, url: str) -> list[tuple[str, str]]:
        """(content_hash, first_seen) of every version of the page, oldest first."""
        with self._conn() as db:
            return db.execute("SELECT content_hash, first_seen FROM versions WHERE url=? ORDER BY first_seen, rowid",
                              (url,)).fetchall()

    def text_of(self, digest: str) -> str:
        with self._conn() as db:
            row = db.execute("SELECT text FROM contents WHERE content_hash=?", (digest,)).fetchone()
        return row[0] if row else ""

    def count_documents(self, sites: list[str] | None = None) -> int:
        sql, args = "SELECT COUNT(*) FROM pages WHERE indexable=1", []
        if sites:
            sql += f" AND site IN ({','.join('?' * len(sites))})"
            args = sites
        with self._conn() as db:
            return db.execute(sql, args).fetchone()[0]

    def document_hashes(self, site: str | None = None) -> dict[str, str]:
        """url -> document key of every indexable page (what the index should contain): DocumentRecord.key, which
        changes with its body and with its page data."""
        sql, args = "SELECT url, content_hash, page_meta, refs_key FROM pages WHERE indexable=1", ()
        if site:
            sql, args = sql + " AND site=?", (site,)
        with self._conn() as db:
            return {url: document_key(digest, page_meta, refs_key)
                    for url, digest, page_meta, refs_key in db.execute(sql, args)}

    def documents(self, sites: list[str] | None = None, urls: list[str] | None = None) -> Iterator[DocumentRecord]:
        """Indexable pages as DocumentRecords, in URL order (optionally only these sites or URLs)."""
        sql = ("SELECT p.url, p.final_url, p.site, p.fetched_at, p.content_hash, c.title, c.text, c.passages, c.meta, "
               "(SELECT COUNT(*) FROM versions v WHERE v.url = p.url), p.last_changed, p.page_meta, p.refs_key "
               "FROM pages p JOIN contents c ON c.content_hash = p.content_hash WHERE p.indexable = 1")
        args: list = []
        if sites:
            sql += f" AND p.site IN ({','.join('?' * len(sites))})"
            args += list(sites)
        if urls is None:
            yield from self._with_references(self.db.stream(sql + " ORDER BY p.url", args))
            return
        wanted = sorted(set(urls))
        for i in range(0, len(wanted), 500):   # in URL order, chunk after chunk
            chunk = wanted[i:i + 500]
            yield from self._with_references(self.db.stream(
                f"{sql} AND p.url IN ({','.join('?' * len(chunk))}) ORDER BY p.url", args + chunk))

    def _with_references(self, rows, batch: int = 200) -> Iterator[DocumentRecord]:
        """Records of the rows, each with its references (read per batch of rows)."""
        rows = iter(rows)
        while True:
            chunk = [row for _, row in zip(range(batch), rows)]
            if not chunk:
                return
            with self._conn() as db:
                refs = references_of(db, [row[0] for row in chunk])
            for row in chunk:
                yield to_record(*row, references=refs.get(row[0], ()))

    def coverage(self) -> list[dict]:
        """Per site: pages known, indexed, skipped (by reason), failing (by kind), and the last finished crawl."""
        with self._conn() as db:
            rows = db.execute(
                "SELECT site, COUNT(*), SUM(indexable), "
                "SUM(CASE WHEN skip_reason IS NOT NULL AND indexable = 0 THEN 1 ELSE 0 END), "
                "SUM(CASE WHEN status >= 400 OR (status IS NULL AND error IS NOT NULL) THEN 1 ELSE 0 END) "
                "FROM pages GROUP BY site ORDER BY site"
            ).fetchall()
            reasons = db.execute("SELECT site, skip_reason, COUNT(*) FROM pages WHERE indexable = 0 AND skip_reason "
                                 "IS NOT NULL GROUP BY site, skip_reason").fetchall()
            errors = db.execute("SELECT site, COALESCE(CAST(status AS TEXT), error), COUNT(*) FROM pages "
                                "WHERE status >= 400 OR (status IS NULL AND error IS NOT NULL) "
                                "GROUP BY site, 2").fetchall()
            last = db.execute("SELECT s.site, s.finished_at, s.report FROM site_runs s JOIN "
                              "(SELECT site, MAX(run_id) AS run_id FROM site_runs WHERE finished_at IS NOT NULL "
                              "GROUP BY site) m ON m.site = s.site AND m.run_id = s.run_id").fetchall()
        by_site = {r[0]: {"site": r[0], "known": r[1], "indexed": r[2] or 0, "skipped": r[3] or 0,
                          "errors": r[4] or 0, "skip_reasons": {}, "error_kinds": {}, "last_crawl": "", "report": {}}
                   for r in rows}
        for site, reason, n in reasons:
            by_site[site]["skip_reasons"][reason] = n
        for site, kind, n in errors:
            by_site[site]["error_kinds"][f"HTTP {kind}" if str(kind).isdigit() else kind] = n
        for site, finished, report in last:
            if site in by_site:
                by_site[site]["last_crawl"] = finished or ""
                by_site[site]["report"] = json.loads(report or "{}")
        for entry in by_site.values():
            entry.update(self._freshness(entry["site"]))
        return list(by_site.values())

    def _freshness(self, site: str) -> dict:
        """What the site's last crawl did to its documents: live, new and changed in it, removed (tombstoned) in
        it, not revalidated by it and the oldest check of those (since when), and texts cut to the cap."""
        with self._conn() as db:
            row = db.execute("SELECT r.started_at FROM site_runs s JOIN runs r ON r.id = s.run_id WHERE s.site=? "
                             "AND s.finished_at IS NOT NULL ORDER BY s.run_id DESC LIMIT 1", (site,)).fetchone()
            started = row[0] if row else ""
            counts = db.execute(
                "SELECT SUM(indexable), "
                "SUM(CASE WHEN indexable = 1 AND first_seen >= ? THEN 1 ELSE 0 END), "
                "SUM(CASE WHEN indexable = 1 AND first_seen < ? AND last_changed >= ? THEN 1 ELSE 0 END), "
                "SUM(CASE WHEN tombstoned_at >= ? THEN 1 ELSE 0 END), "
                "SUM(CASE WHEN indexable = 1 AND fetched_at < ? THEN 1 ELSE 0 END), "
                "MIN(CASE WHEN indexable = 1 AND fetched_at < ? THEN fetched_at END), "
                "SUM(CASE WHEN indexable = 1 AND text_cut IS NOT NULL THEN 1 ELSE 0 END) "
                "FROM pages WHERE site=?", (started,) * 6 + (site,)).fetchone()
        live, new, changed, removed, stale, since, capped = counts
        return {"live": live or 0, "run_started": started, "new_last_run": new or 0,
                "changed_last_run": changed or 0, "removed_last_run": removed or 0,
                "not_revalidated": stale or 0, "not_revalidated_since": since or "", "text_capped": capped or 0}

    def integrity_ok(self) -> bool:
        return self.db.integrity_ok()
