"""The crawl's writes, one per outcome of a fetch (a body, a 304, a redirect, a skip, a failure): each one
transaction (log line, page state, content, version, references, frontier mark), so a crawl killed at any moment
leaves a consistent store; and when each page is due again (Revisit)."""
from __future__ import annotations

import hashlib
import json
import zlib
from datetime import datetime, timedelta, timezone
from typing import NamedTuple

from .database import StorePart
from .frontier import mark_done, worker_id
from .references import References, drop_references, replace_references
from .schema import now, storable_text


class Revisit(NamedTuple):
    """When a page is asked for again: base_days after a change, doubling per unchanged visit, but never later
    than max_days (the operator's revalidation cycle: every known page is re-validated within it)."""
    base_days: float = 1.0
    max_days: float = 7.0

    def next_visit(self, unchanged_streak: int, at: datetime | None = None) -> str:
        return next_visit_after(self.base_days, unchanged_streak, at, self.max_days)


MISSING_LIMIT = 2  # a listed page answering 404 this many times in a row (retried once in the run) -> tombstone


def content_hash(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def next_visit_after(base_days: float, unchanged_streak: int, at: datetime | None = None,
                     max_days: float | None = None) -> str:
    """Adaptive revisit: a page that just changed comes back after base_days; each unchanged visit
    doubles the wait, up to 32 x base, and never beyond max_days when given."""
    at = at or datetime.now(timezone.utc)
    days = base_days * 2 ** min(unchanged_streak, 5)
    if max_days is not None:
        days = min(days, max_days)
    return (at + timedelta(days=days)).isoformat(timespec="seconds")


class Writes(StorePart):
    """What the crawler writes (part of CrawlStore)."""

    def _log(self, db, run_id, url, status, elapsed_ms, nbytes, error):
        db.execute("INSERT INTO fetches(run_id, url, status, fetched_at, elapsed_ms, bytes, error, worker) "
                   "VALUES (?,?,?,?,?,?,?,?)", (run_id, url, status, now(), elapsed_ms, nbytes, error or None,
                                                 worker_id()))

    def _upsert_page(self, db, url: str, site: str, **cols) -> None:
        cols.setdefault("first_seen", now())
        names = ["url", "site"] + list(cols)
        update = ", ".join(f"{c}=excluded.{c}" for c in ["site"] + list(cols) if c != "first_seen")
        db.execute(f"INSERT INTO pages({', '.join(names)}) VALUES ({', '.join('?' * len(names))}) "
                   f"ON CONFLICT(url) DO UPDATE SET {update}", [url, site] + list(cols.values()))

    def record_content(self, *, run_id: int | None, site: str, url: str, status: int, body: bytes,
                       extract: dict | None, indexable: bool, skip_reason: str = "", content_type: str = "",
                       etag: str = "", last_modified: str = "", depth: int = 0, elapsed_ms: int = 0,
                       revisit: Revisit = Revisit(), error: str = "", lastmod: str | None = None,
                       text_cut: int | None = None, links_out: int | None = None, page_meta: dict | None = None,
                       references: "References | None" = None) -> str:
        """A page with a body. Returns 'new', 'changed' or 'unchanged' (same content as last time).
        `extract` None: the body is one we hold already, so nothing was extracted (and nothing is stored twice).
        lastmod: the sitemap's lastmod this version came with (compared with the next sitemap's; '' when the
        sitemap lists the page without one, None when it does not list it or was not read);
        text_cut: how many characters of text there were when the stored text was cut to the cap;
        links_out: how many links its main content has (a hub has many);
        page_meta: what belongs to this page rather than to its body (organisation, city), stored on the page with
        the extract's links (resolved against this URL): a body another page stored first keeps its text, and
        this page keeps its own organisation and links.
        references: what the document cites (References), written in the same transaction, replacing the page's
        earlier ones; None keeps them (the same body: they still hold). A page that is no document has none."""
        digest = content_hash(body)
        stamp = now()
        with self.transaction() as db:
            self._log(db, run_id, url, status, elapsed_ms, len(body), error)
            prev = db.execute("SELECT content_hash, unchanged_streak, indexable, last_changed FROM pages WHERE url=?",
                              (url,)).fetchone()
            if not db.execute("SELECT 1 FROM contents WHERE content_hash=?", (digest,)).fetchone():
                if extract is None:
                    raise ValueError(f"no stored content {digest[:12]} for {url}, and no extract to store")
                passages = [{**p, "heading": storable_text(p.get("heading", "")), "text": storable_text(p.get("text", ""))}
                            for p in extract.get("passages", [])]
                # ON CONFLICT: another site's crawl may store the same body at this moment (identical pages and
                # documents across cities); on PostgreSQL both transactions see it missing
                db.execute("INSERT INTO contents(content_hash, raw, title, text, passages, meta, extracted_at) "
                           "VALUES (?,?,?,?,?,?,?) ON CONFLICT(content_hash) DO NOTHING",
                           (digest, zlib.compress(body, 6), storable_text(extract.get("title", "")),
                            storable_text(extract.get("text", "")),
                            json.dumps(passages, ensure_ascii=False),
                            json.dumps(extract.get("meta", {}), ensure_ascii=False), stamp))
            db.execute("INSERT INTO versions(url, content_hash, first_seen) VALUES (?,?,?) ON CONFLICT DO NOTHING",
                       (url, digest, stamp))
            if prev is None or prev[0] is None:
                outcome, streak, changed_at = "new", 0, stamp
            elif prev[0] != digest:
                outcome, streak, changed_at = "changed", 0, stamp
            else:
                outcome, streak, changed_at = "unchanged", prev[1] + 1, prev[3]
            self._upsert_page(db, url, site, final_url=url, status=status, fetched_at=stamp,
                              content_type=content_type, etag=etag or None, last_modified=last_modified or None,
                              content_hash=digest, depth=depth, indexable=int(indexable),
                              skip_reason=skip_reason or None, error=error or None, last_changed=changed_at,
                              unchanged_streak=streak, missing_count=0, tombstoned_at=None,
                              next_visit=revisit.next_visit(streak), **self._listing(lastmod),
                              # a body we hold already (extract None) keeps what its extraction found
                              **({} if extract is None else {
                                  "links_out": links_out, "text_cut": text_cut,
                                  "links": json.dumps(extract.get("links", [])),
                                  "page_meta": json.dumps(page_meta or {}, ensure_ascii=False)}))
            if not indexable:
                drop_references(db, url)
            elif references is not None:
                replace_references(db, url, references)
            mark_done(db, run_id, url)
        return outcome

    @staticmethod
    def _listing(lastmod: str | None) -> dict:
        """Page columns for a page fetched as listed in the sitemap with this lastmod (None: not listed)."""
        if lastmod is None:
            return {}
        return {"in_sitemap": 1, **({"sitemap_lastmod": lastmod} if lastmod else {})}

    def record_not_modified(self, *, run_id: int | None, site: str, url: str, elapsed_ms: int = 0,
                            revisit: Revisit = Revisit(), lastmod: str | None = None, etag: str = "",
                            last_modified: str = "") -> None:
        """A 304 answer to a conditional GET: nothing to extract, nothing to re-index. Validators it sends
        replace the stored ones (RFC 9111 4.3.4), so the next request asks with the current ones."""
        with self.transaction() as db:
            self._log(db, run_id, url, 304, elapsed_ms, 0, "")
            row = db.execute("SELECT unchanged_streak FROM pages WHERE url=?", (url,)).fetchone()
            streak = (row[0] if row else 0) + 1
            db.execute("UPDATE pages SET fetched_at=?, unchanged_streak=?, missing_count=0, error=NULL, next_visit=?, "
                       "sitemap_lastmod=COALESCE(?, sitemap_lastmod), in_sitemap=in_sitemap | ?, "
                       "etag=COALESCE(?, etag), last_modified=COALESCE(?, last_modified) WHERE url=?",
                       (now(), streak, revisit.next_visit(streak), lastmod or None, int(lastmod is not None),
                        etag or None, last_modified or None, url))
            mark_done(db, run_id, url)

    def record_redirect(self, *, run_id: int | None, site: str, url: str, target: str, status: int,
                        depth: int = 0, elapsed_ms: int = 0) -> bool:
        """The URL now redirects: it stops being a document (its target replaces it). True if it was one."""
        with self.transaction() as db:
            self._log(db, run_id, url, status, elapsed_ms, 0, "")
            prev = db.execute("SELECT indexable FROM pages WHERE url=?", (url,)).fetchone()
            self._upsert_page(db, url, site, final_url=target, status=status, fetched_at=now(), depth=depth,
                              indexable=0, skip_reason="redirect", error=None)
            drop_references(db, url)
            mark_done(db, run_id, url)
        return bool(prev and prev[0])

    def record_skip(self, *, run_id: int | None, site: str, url: str, reason: str, status: int | None = None,
                    content_type: str = "", depth: int = 0, elapsed_ms: int = 0, fetched: bool = True,
                    error: str = "") -> bool:
        """Not a document (robots, content type, noindex, too large ...). True if it was one before."""
        with self.transaction() as db:
            if fetched:
                self._log(db, run_id, url, status, elapsed_ms, 0, error or reason)
            prev = db.execute("SELECT indexable FROM pages WHERE url=?", (url,)).fetchone()
            self._upsert_page(db, url, site, final_url=url, status=status, fetched_at=now() if fetched else None,
                              content_type=content_type, depth=depth, indexable=0, skip_reason=reason,
                              error=error or None)
            drop_references(db, url)
            mark_done(db, run_id, url)
        return bool(prev and prev[0])

    def record_failure(self, *, run_id: int | None, site: str, url: str, status: int | None, error: str,
                       depth: int = 0, elapsed_ms: int = 0, revisit: Revisit = Revisit(),
                       listed: bool = False) -> str:
        """An error answer. A 410, or a 404 of a URL the site's sitemap does not list, tombstones the page at
        once; a 404 of a listed URL does so on its MISSING_LIMIT-th visit in a row (the crawl asks once more in
        the same run). Any other failure (5xx, timeout) keeps the page as it was.
        -> 'removed' (a document was tombstoned), 'gone' (tombstoned, was no document), 'missing' (a 404 that
        did not tombstone yet) or '' (another failure)."""
        gone = status in (404, 410)
        with self.transaction() as db:
            self._log(db, run_id, url, status, elapsed_ms, 0, error)
            prev = db.execute("SELECT indexable, missing_count FROM pages WHERE url=?", (url,)).fetchone()
            missing = (prev[1] if prev else 0) + 1 if gone else (prev[1] if prev else 0)
            tombstone = status == 410 or (status == 404 and (not listed or missing >= MISSING_LIMIT))
            cols = dict(status=status, fetched_at=now(), error=error, depth=depth, missing_count=missing,
                        next_visit=revisit.next_visit(0))
            if prev is None:
                cols.update(final_url=url, indexable=0, skip_reason="error")
            if tombstone:
                cols.update(indexable=0, skip_reason="gone", tombstoned_at=now())
            self._upsert_page(db, url, site, **cols)
            if tombstone:
                drop_references(db, url)
            mark_done(db, run_id, url)
        if tombstone:
            return "removed" if prev and prev[0] else "gone"
        return "missing" if gone else ""

    def mark_listed(self, site: str, urls) -> None:
        """The site's sitemaps, just read, list exactly these URLs."""
        with self.transaction() as db:
            db.execute("UPDATE pages SET in_sitemap=0 WHERE site=? AND in_sitemap=1", (site,))
            db.executemany("UPDATE pages SET in_sitemap=1 WHERE url=? AND site=?", [(u, site) for u in urls])
