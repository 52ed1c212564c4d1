"""The crawl store: every fetch and every page's state, in SQLite (WAL) or PostgreSQL (store.database).

Tables:
  pages      one row per URL: status, final URL, validators (ETag/Last-Modified), content hash, whether it
             is a document to index, when it changed, how often it was missing, when to visit it again, and what
             belongs to the page rather than its body: its organisation and city, its links (against its own URL)
  contents   one row per distinct body (by SHA-256): the raw bytes (zlib) and what was extracted from them (title,
             text, passages, the body's own metadata), shared by every page that serves that body
  versions   per URL, every content hash it has had: old texts stay, so a changed page keeps its history
  fetches    the log of every request made, per run
  runs       one row per crawl run; site_runs one per site in a run, with its report
  frontier   the URLs a run has discovered, which are done and which a worker holds (a lease with an expiry):
             a killed run resumes from here, and several crawl workers share it without fetching a URL twice
  host_slots per host, when its last request slot started: politeness held across workers and machines

Every outcome of a fetch is written in one transaction (log line, page state, content, version, frontier
mark), so a crawl killed at any moment leaves a consistent store, and WAL lets the indexer and the app
read while a crawl writes. The SQL is written once for both engines; store.database holds what differs.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import socket
import zlib
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Iterator, NamedTuple

from .database import Database, open_database
from .record import DocumentRecord, Passage

SCHEMA_V1 = """
CREATE TABLE IF NOT EXISTS pages (
    url           TEXT PRIMARY KEY,
    site          TEXT NOT NULL,
    final_url     TEXT,
    status        INTEGER,
    fetched_at    TEXT,
    content_type  TEXT,
    etag          TEXT,
    last_modified TEXT,
    content_hash  TEXT,
    depth         INTEGER,
    indexable     INTEGER NOT NULL DEFAULT 0,
    skip_reason   TEXT,
    error         TEXT
);
CREATE INDEX IF NOT EXISTS pages_site ON pages(site, indexable);
CREATE TABLE IF NOT EXISTS contents (
    content_hash  TEXT PRIMARY KEY,
    raw           BLOB,
    title         TEXT,
    text          TEXT,
    passages      TEXT,
    meta          TEXT,
    extracted_at  TEXT
);
CREATE TABLE IF NOT EXISTS fetches (
    id            INTEGER PRIMARY KEY,
    run_id        INTEGER,
    url           TEXT NOT NULL,
    status        INTEGER,
    fetched_at    TEXT NOT NULL,
    elapsed_ms    INTEGER,
    bytes         INTEGER,
    error         TEXT
);
CREATE TABLE IF NOT EXISTS runs (
    id            INTEGER PRIMARY KEY,
    started_at    TEXT NOT NULL,
    finished_at   TEXT,
    sites         TEXT,
    stats         TEXT
);
"""

SCHEMA_V2 = """
ALTER TABLE pages ADD COLUMN first_seen TEXT;
ALTER TABLE pages ADD COLUMN last_changed TEXT;
ALTER TABLE pages ADD COLUMN unchanged_streak INTEGER NOT NULL DEFAULT 0;
ALTER TABLE pages ADD COLUMN missing_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE pages ADD COLUMN tombstoned_at TEXT;
ALTER TABLE pages ADD COLUMN next_visit TEXT;
ALTER TABLE pages ADD COLUMN sitemap_lastmod TEXT;
ALTER TABLE contents ADD COLUMN links TEXT;
CREATE TABLE IF NOT EXISTS versions (
    url           TEXT NOT NULL,
    content_hash  TEXT NOT NULL,
    first_seen    TEXT NOT NULL,
    PRIMARY KEY (url, content_hash)
);
CREATE TABLE IF NOT EXISTS site_runs (
    run_id        INTEGER NOT NULL,
    site          TEXT NOT NULL,
    finished_at   TEXT,
    report        TEXT,
    PRIMARY KEY (run_id, site)
);
CREATE TABLE IF NOT EXISTS frontier (
    run_id        INTEGER NOT NULL,
    site          TEXT NOT NULL,
    url           TEXT NOT NULL,
    depth         INTEGER NOT NULL,
    priority      INTEGER NOT NULL,
    done          INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (run_id, url)
);
CREATE INDEX IF NOT EXISTS frontier_todo ON frontier(run_id, site, done);
"""

SCHEMA_V3 = """
ALTER TABLE frontier ADD COLUMN leased_by TEXT;
ALTER TABLE frontier ADD COLUMN lease_until REAL;
CREATE INDEX IF NOT EXISTS frontier_next ON frontier(run_id, site, done, priority);
ALTER TABLE fetches ADD COLUMN worker TEXT;
CREATE TABLE IF NOT EXISTS host_slots (
    host          TEXT PRIMARY KEY,
    next_at       REAL NOT NULL
);
"""

# Planning: whether the site's sitemap lists a page (a page it stops listing is due at once), how many links a
# page has (hubs are revalidated every run), how much text was cut off; per frontier entry the sitemap lastmod
# it came with (NULL: not listed) and whether it must be fetched in this run whatever its revisit date says.
SCHEMA_V4 = """
ALTER TABLE pages ADD COLUMN in_sitemap INTEGER NOT NULL DEFAULT 0;
ALTER TABLE pages ADD COLUMN links_out INTEGER;
ALTER TABLE pages ADD COLUMN text_cut INTEGER;
ALTER TABLE frontier ADD COLUMN lastmod TEXT;
ALTER TABLE frontier ADD COLUMN due INTEGER NOT NULL DEFAULT 0;
"""

# Page data per page, content per body: a body served at several URLs (one PDF on two city sites) is stored once,
# but each page keeps what belongs to it: page_meta (JSON: organisation, city, as its own site and the body's
# metadata give them) and links (JSON: resolved against its own URL). NULL: a page stored before this; it reads
# its body's values until the crawler fetches and extracts it again (the next time it is due).
SCHEMA_V5 = """
ALTER TABLE pages ADD COLUMN page_meta TEXT;
ALTER TABLE pages ADD COLUMN links TEXT;
"""

MIGRATIONS = [SCHEMA_V1, SCHEMA_V2, SCHEMA_V3, SCHEMA_V4, SCHEMA_V5]   # user_version N: MIGRATIONS[:N] have run

# The same tables on PostgreSQL, created at once (it has no history to migrate). `rowid` is a real column
# there, named after SQLite's implicit one so that "ORDER BY rowid" (insertion order) reads the same.
POSTGRES_MIGRATIONS = ["""
CREATE TABLE pages (
    url TEXT PRIMARY KEY, site TEXT NOT NULL, final_url TEXT, status INTEGER, fetched_at TEXT, content_type TEXT,
    etag TEXT, last_modified TEXT, content_hash TEXT, depth INTEGER, indexable INTEGER NOT NULL DEFAULT 0,
    skip_reason TEXT, error TEXT, first_seen TEXT, last_changed TEXT, unchanged_streak INTEGER NOT NULL DEFAULT 0,
    missing_count INTEGER NOT NULL DEFAULT 0, tombstoned_at TEXT, next_visit TEXT, sitemap_lastmod TEXT);
CREATE INDEX pages_site ON pages(site, indexable);
CREATE TABLE contents (
    content_hash TEXT PRIMARY KEY, raw BYTEA, title TEXT, text TEXT, passages TEXT, meta TEXT, extracted_at TEXT,
    links TEXT);
CREATE TABLE fetches (
    id BIGSERIAL PRIMARY KEY, run_id INTEGER, url TEXT NOT NULL, status INTEGER, fetched_at TEXT NOT NULL,
    elapsed_ms INTEGER, bytes INTEGER, error TEXT, worker TEXT);
CREATE TABLE runs (id SERIAL PRIMARY KEY, started_at TEXT NOT NULL, finished_at TEXT, sites TEXT, stats TEXT);
CREATE TABLE versions (
    url TEXT NOT NULL, content_hash TEXT NOT NULL, first_seen TEXT NOT NULL, rowid BIGSERIAL,
    PRIMARY KEY (url, content_hash));
CREATE TABLE site_runs (
    run_id INTEGER NOT NULL, site TEXT NOT NULL, finished_at TEXT, report TEXT, PRIMARY KEY (run_id, site));
CREATE TABLE frontier (
    run_id INTEGER NOT NULL, site TEXT NOT NULL, url TEXT NOT NULL, depth INTEGER NOT NULL,
    priority INTEGER NOT NULL, done INTEGER NOT NULL DEFAULT 0, leased_by TEXT, lease_until DOUBLE PRECISION,
    rowid BIGSERIAL, PRIMARY KEY (run_id, url));
CREATE INDEX frontier_next ON frontier(run_id, site, done, priority, rowid);
CREATE TABLE host_slots (host TEXT PRIMARY KEY, next_at DOUBLE PRECISION NOT NULL);
""", SCHEMA_V4, SCHEMA_V5]

LEASE_SECONDS = 120   # a URL a worker claimed and did not finish goes back to the others after this


def worker_id() -> str:
    """Who holds a lease and made a fetch: host and process, so a dead local worker's leases can be freed."""
    return f"{socket.gethostname()}:{os.getpid()}"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


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


class Claim(NamedTuple):
    """A frontier entry a worker now holds."""
    url: str
    depth: int
    lastmod: str | None     # the sitemap's lastmod for it ('' listed without one; None: the sitemap does not list it)
    due: bool               # fetch it in this run, whatever its revisit date says

    @property
    def listed(self) -> bool:
        return self.lastmod is not None


class Revisit(NamedTuple):
    """When a page is asked for again: base_days after a change, doubling per unchanged visit, but never later
    than max_days (the operator's revalidation cycle: every known page is re-validated within it)."""
    base_days: float = 1.0
    max_days: float = 7.0

    def next_visit(self, unchanged_streak: int, at: datetime | None = None) -> str:
        return next_visit_after(self.base_days, unchanged_streak, at, self.max_days)


MISSING_LIMIT = 2  # a listed page answering 404 this many times in a row (retried once in the run) -> tombstone


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


_C0 = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _text(value: str) -> str:
    """Text as every backend can store and every page can show it: no C0 control characters (PostgreSQL's text
    cannot hold NUL; the others are mojibake of binary bytes). Tabs and line ends stay."""
    return _C0.sub("", value) if value else value


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


class CrawlStore:
    """Thread-safe: one connection per thread; every write is one transaction."""

    def __init__(self, location: Path | str | Database, readonly: bool = False):
        """location: a path, sqlite:/// or postgresql:// URL, or an open Database. readonly=True (the web app):
        no migration, no writes, and a missing store is an error."""
        self.db = location if isinstance(location, Database) else open_database(location, readonly=readonly)
        self.readonly = readonly
        if not readonly:
            with self.db.connection() as db:
                self.db.migrate(db, POSTGRES_MIGRATIONS if self.db.shared else MIGRATIONS)

    def __str__(self):
        return str(self.db)

    @property
    def shared(self) -> bool:
        """Several crawl workers (on several machines) may use this store at once."""
        return self.db.shared

    def _conn(self):
        return self.db.connection()

    def transaction(self):
        return self.db.transaction()

    def close(self) -> None:
        self.db.close()

    # ------------------------------------------------------------ runs
    def start_run(self, sites: list[str]) -> int:
        with self.transaction() as db:
            return db.execute("INSERT INTO runs(started_at, sites) VALUES (?, ?) RETURNING id",
                              (now(), json.dumps(sites))).fetchone()[0]

    def join_or_start_run(self, sites: list[str]) -> tuple[int, bool]:
        """-> (run id, joined): the unfinished run if there is one (a killed run to resume, or the run other
        workers are crawling), else a new one. Atomic: workers starting together end up in one run."""
        with self.transaction() as db:
            db.execute(self.db.lock_table_sql("runs"))
            row = db.execute("SELECT id, finished_at FROM runs ORDER BY id DESC LIMIT 1").fetchone()
            if row and row[1] is None:
                return row[0], True
            return db.execute("INSERT INTO runs(started_at, sites) VALUES (?, ?) RETURNING id",
                              (now(), json.dumps(sites))).fetchone()[0], False

    def finish_run(self, run_id: int, stats: dict) -> None:
        with self.transaction() as db:
            db.execute("UPDATE runs SET finished_at=?, stats=? WHERE id=?", (now(), json.dumps(stats), run_id))

    def site_run_report(self, run_id: int, site: str) -> dict | None:
        """The stored report of a site that already finished in this run (when resuming)."""
        with self._conn() as db:
            row = db.execute("SELECT report FROM site_runs WHERE run_id=? AND site=? AND finished_at IS NOT NULL",
                             (run_id, site)).fetchone()
        return json.loads(row[0]) if row else None

    def finish_site_run(self, run_id: int, site: str, report: dict, merge=None) -> dict:
        """Store a site's report for this run. When another worker already stored one, merge(old, new) makes
        them one (under a row lock). Returns the stored report."""
        with self.transaction() as db:
            db.execute("INSERT INTO site_runs(run_id, site) VALUES (?,?) ON CONFLICT DO NOTHING", (run_id, site))
            row = db.execute(f"SELECT report FROM site_runs WHERE run_id=? AND site=?{self.db.lock_row}",
                             (run_id, site)).fetchone()
            if row[0] and merge is not None:
                report = merge(json.loads(row[0]), report)
            db.execute("UPDATE site_runs SET finished_at=?, report=? WHERE run_id=? AND site=?",
                       (now(), json.dumps(report), run_id, site))
        return report

    # ------------------------------------------------------------ frontier
    def frontier_add(self, run_id: int, site: str, entries: list[tuple]) -> None:
        """Remember discovered URLs (url, depth, priority[, sitemap lastmod[, due]]) of a run. A URL the run
        already has keeps its place, but learns its sitemap lastmod, and becomes due (and as urgent) when the
        new entry says so and it was not visited yet."""
        if not entries:
            return
        rows = [(run_id, site, e[0], e[1], e[2], e[3] if len(e) > 3 else None, int(len(e) > 4 and bool(e[4])))
                for e in entries]
        with self.transaction() as db:
            db.executemany(
                "INSERT INTO frontier(run_id, site, url, depth, priority, lastmod, due) VALUES (?,?,?,?,?,?,?) "
                "ON CONFLICT(run_id, url) DO UPDATE SET lastmod = COALESCE(excluded.lastmod, frontier.lastmod), "
                "due = CASE WHEN frontier.done = 0 AND excluded.due > frontier.due THEN excluded.due "
                "ELSE frontier.due END, "
                "priority = CASE WHEN frontier.done = 0 AND excluded.due > frontier.due THEN excluded.priority "
                "ELSE frontier.priority END", rows)

    def frontier_retry(self, run_id: int, url: str, priority: int) -> None:
        """Visit a URL once more in this run, after what is queued before `priority` (a 404 that may be brief)."""
        with self.transaction() as db:
            db.execute("UPDATE frontier SET done=0, due=1, priority=?, leased_by=NULL, lease_until=NULL "
                       "WHERE run_id=? AND url=?", (priority, run_id, url))

    def frontier_offer(self, run_id: int, site: str, url: str, depth: int, priority: int,
                       lease_s: float | None = None) -> bool:
        """Add one URL, leased to this worker when lease_s is given. False when the run already knew it
        (another worker has it, or had it)."""
        now_sql = self.db.now_sql
        with self.transaction() as db:
            row = db.execute(
                f"INSERT INTO frontier(run_id, site, url, depth, priority, leased_by, lease_until) "
                f"VALUES (?,?,?,?,?,?, {now_sql} + ?) ON CONFLICT DO NOTHING RETURNING url",
                (run_id, site, url, depth, priority, worker_id() if lease_s else None, lease_s)).fetchone()
        return row is not None

    def frontier_claim(self, run_id: int, site: str, lease_s: float = LEASE_SECONDS) -> Claim | None:
        """The site's most urgent URL nobody holds, now leased to this worker; None when there is none.
        On PostgreSQL, rows another worker is claiming at this moment are skipped, not waited for."""
        now_sql = self.db.now_sql
        with self.transaction() as db:
            row = db.execute(
                f"SELECT url, depth, lastmod, due FROM frontier WHERE run_id=? AND site=? AND done=0 AND "
                f"(lease_until IS NULL OR lease_until < {now_sql}) ORDER BY priority, rowid LIMIT 1"
                f"{self.db.for_update}", (run_id, site)).fetchone()
            if row is None:
                return None
            db.execute(f"UPDATE frontier SET leased_by=?, lease_until={now_sql} + ? WHERE run_id=? AND url=?",
                       (worker_id(), lease_s, run_id, row[0]))
        return Claim(row[0], row[1], row[2], bool(row[3]))

    def frontier_pending(self, run_id: int, site: str) -> int:
        """URLs of the site not done yet in this run, held by a worker or not."""
        with self._conn() as db:
            return db.execute("SELECT COUNT(*) FROM frontier WHERE run_id=? AND site=? AND done=0",
                              (run_id, site)).fetchone()[0]

    def frontier_release_abandoned(self) -> int:
        """Give back the leases of crawl processes on this machine that are gone (killed): a resumed run need
        not wait for their expiry. Leases of other machines expire by themselves. Returns how many."""
        mine = [worker_id().rsplit(":", 1)[0] + ":%"]
        released = 0
        with self.transaction() as db:
            owners = [r[0] for r in db.execute("SELECT DISTINCT leased_by FROM frontier WHERE done=0 AND "
                                               "leased_by LIKE ?", mine).fetchall()]
            for owner in owners:
                pid = owner.rsplit(":", 1)[1]
                if pid.isdigit() and not _alive(int(pid)):
                    released += db.execute("UPDATE frontier SET leased_by=NULL, lease_until=NULL WHERE done=0 AND "
                                           "leased_by=?", (owner,)).rowcount
        return released

    def frontier_done(self, run_id: int, url: str) -> None:
        with self.transaction() as db:
            self._done(db, run_id, url)

    def frontier_clear(self, site: str, keep_run: int | None = None) -> None:
        with self.transaction() as db:
            db.execute("DELETE FROM frontier WHERE site=? AND run_id IS DISTINCT FROM ?", (site, keep_run))

    def host_slot(self, host: str, interval: float) -> float:
        """Reserve the next request slot for a host, `interval` seconds after the one before it, whichever worker
        took that; returns the seconds to wait until it. The database's clock is the one all workers share.
        The table keeps the start of the last slot, so the interval is the one that holds now (a Crawl-delay
        learnt from robots.txt applies to the very next request)."""
        now_sql = self.db.now_sql
        with self.transaction() as db:
            return max(0.0, db.execute(
                f"INSERT INTO host_slots(host, next_at) VALUES (?, {now_sql}) ON CONFLICT(host) DO UPDATE SET "
                f"next_at = CASE WHEN host_slots.next_at + ? > {now_sql} THEN host_slots.next_at + ? "
                f"ELSE {now_sql} END RETURNING next_at - {now_sql}", (host, interval, interval)).fetchone()[0])

    # ------------------------------------------------------------ writes: one per outcome
    def _log(self, db, run_id, url, status, elapsed_ms, nbytes, error):
        db.execute("INSERT INTO fetches(run_id, url, status, fetched_at, elapsed_ms, bytes, error, worker) "
                   "VALUES (?,?,?,?,?,?,?,?)", (run_id, url, status, now(), elapsed_ms, nbytes, error or None,
                                                 worker_id()))

    @staticmethod
    def _done(db, run_id, url):
        if run_id is not None:
            db.execute("UPDATE frontier SET done=1, leased_by=NULL, lease_until=NULL WHERE run_id=? AND url=?",
                       (run_id, url))

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
                       text_cut: int | None = None, links_out: int | None = None, page_meta: dict | None = None) -> str:
        """A page with a body. Returns 'new', 'changed' or 'unchanged' (same content as last time).
        `extract` None: the body is one we hold already, so nothing was extracted (and nothing is stored twice).
        lastmod: the sitemap's lastmod this version came with (compared with the next sitemap's; '' when the
        sitemap lists the page without one, None when it does not list it or was not read);
        text_cut: how many characters of text there were when the stored text was cut to the cap;
        links_out: how many links its main content has (a hub has many);
        page_meta: what belongs to this page rather than to its body (organisation, city), stored on the page with
        the extract's links (resolved against this URL): a body another page stored first keeps its text, and
        this page keeps its own organisation and links."""
        digest = content_hash(body)
        stamp = now()
        with self.transaction() as db:
            self._log(db, run_id, url, status, elapsed_ms, len(body), error)
            prev = db.execute("SELECT content_hash, unchanged_streak, indexable, last_changed FROM pages WHERE url=?",
                              (url,)).fetchone()
            if not db.execute("SELECT 1 FROM contents WHERE content_hash=?", (digest,)).fetchone():
                if extract is None:
                    raise ValueError(f"no stored content {digest[:12]} for {url}, and no extract to store")
                passages = [{**p, "heading": _text(p.get("heading", "")), "text": _text(p.get("text", ""))}
                            for p in extract.get("passages", [])]
                # ON CONFLICT: another site's crawl may store the same body at this moment (identical pages and
                # documents across cities); on PostgreSQL both transactions see it missing
                db.execute("INSERT INTO contents(content_hash, raw, title, text, passages, meta, extracted_at) "
                           "VALUES (?,?,?,?,?,?,?) ON CONFLICT(content_hash) DO NOTHING",
                           (digest, zlib.compress(body, 6), _text(extract.get("title", "")),
                            _text(extract.get("text", "")),
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
            self._done(db, run_id, url)
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
            self._done(db, run_id, url)

    def record_redirect(self, *, run_id: int | None, site: str, url: str, target: str, status: int,
                        depth: int = 0, elapsed_ms: int = 0) -> bool:
        """The URL now redirects: it stops being a document (its target replaces it). True if it was one."""
        with self.transaction() as db:
            self._log(db, run_id, url, status, elapsed_ms, 0, "")
            prev = db.execute("SELECT indexable FROM pages WHERE url=?", (url,)).fetchone()
            self._upsert_page(db, url, site, final_url=target, status=status, fetched_at=now(), depth=depth,
                              indexable=0, skip_reason="redirect", error=None)
            self._done(db, run_id, url)
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
            self._done(db, run_id, url)
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
            self._done(db, run_id, url)
        if tombstone:
            return "removed" if prev and prev[0] else "gone"
        return "missing" if gone else ""

    def mark_listed(self, site: str, urls) -> None:
        """The site's sitemaps, just read, list exactly these URLs."""
        with self.transaction() as db:
            db.execute("UPDATE pages SET in_sitemap=0 WHERE site=? AND in_sitemap=1", (site,))
            db.executemany("UPDATE pages SET in_sitemap=1 WHERE url=? AND site=?", [(u, site) for u in urls])

    # ------------------------------------------------------------ reads
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
        sql, args = "SELECT url, content_hash, page_meta FROM pages WHERE indexable=1", ()
        if site:
            sql, args = sql + " AND site=?", (site,)
        with self._conn() as db:
            return {url: document_key(digest, page_meta) for url, digest, page_meta in db.execute(sql, args)}

    def documents(self, sites: list[str] | None = None, urls: list[str] | None = None) -> Iterator[DocumentRecord]:
        """Indexable pages as DocumentRecords, in URL order (optionally only these sites or URLs)."""
        sql = ("SELECT p.url, p.final_url, p.site, p.fetched_at, p.content_hash, c.title, c.text, c.passages, c.meta, "
               "(SELECT COUNT(*) FROM versions v WHERE v.url = p.url), p.last_changed, p.page_meta "
               "FROM pages p JOIN contents c ON c.content_hash = p.content_hash WHERE p.indexable = 1")
        args: list = []
        if sites:
            sql += f" AND p.site IN ({','.join('?' * len(sites))})"
            args += list(sites)
        if urls is None:
            for row in self.db.stream(sql + " ORDER BY p.url", args):
                yield to_record(*row)
            return
        wanted = sorted(set(urls))
        for i in range(0, len(wanted), 500):   # in URL order, chunk after chunk
            chunk = wanted[i:i + 500]
            for row in self.db.stream(f"{sql} AND p.url IN ({','.join('?' * len(chunk))}) ORDER BY p.url",
                                      args + chunk):
                yield to_record(*row)

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


def document_key(digest: str | None, page_meta: str | None) -> str:
    """What an index compares to know a document changed: its body's hash, and with page data stored per page a
    digest of that too (a page whose organisation is set right is indexed again, its body unchanged)."""
    if page_meta is None:
        return digest or ""
    return f"{digest or ''}:{hashlib.sha256(page_meta.encode()).hexdigest()[:12]}"


def to_record(url, final_url, site, fetched_at, digest, title, text, passages, meta, version=1,
              changed_at=None, page_meta=None) -> DocumentRecord:
    """The body's extract with the page's own data over it (page_meta; None: a page stored before page data was
    kept, which reads its body's)."""
    key = document_key(digest, page_meta)
    meta = {**json.loads(meta or "{}"), **json.loads(page_meta or "{}")}
    return DocumentRecord(
        url=url, final_url=final_url or url, site=site, title=title or "", text=text or "",
        passages=tuple(Passage(**p) for p in json.loads(passages or "[]")),
        organisation=meta.get("organisation", ""), city=meta.get("city", ""), doctype=meta.get("doctype", ""),
        date=meta.get("date", ""), language=meta.get("language", ""), identifier=meta.get("identifier", ""),
        short_title=meta.get("short_title", ""), description=meta.get("description", ""),
        content_hash=digest or "", fetched_at=fetched_at or "", version=version or 1,
        changed_at=changed_at or fetched_at or "", key=key)
