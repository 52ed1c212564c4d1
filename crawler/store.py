"""The crawl store: every fetch and every page's latest state, in SQLite (WAL).

Tables:
  pages     one row per URL: latest status, final URL, validators (ETag/Last-Modified), content hash
  contents  one row per distinct body (by SHA-256): the raw bytes (zlib) and what was extracted from them;
            old versions stay, so a changed page keeps its previous text
  fetches   the log of every request made, per run
  runs      one row per crawl run with its statistics

WAL lets the indexer and the app read while a crawl writes; each write is a short transaction,
so a killed crawl leaves a consistent store.
"""
from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
import zlib
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator

from .record import DocumentRecord, Passage

SCHEMA = """
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
PRAGMA user_version = 1;
"""


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def content_hash(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


class CrawlStore:
    """Thread-safe: one SQLite connection per thread, writes serialised by SQLite's own lock."""

    def __init__(self, path: Path | str):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        with self._conn() as db:
            db.executescript(SCHEMA)

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=60, isolation_level=None)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        db.execute("PRAGMA busy_timeout=60000")
        return db

    @contextmanager
    def _conn(self) -> Iterator[sqlite3.Connection]:
        db = getattr(self._local, "db", None)
        if db is None:
            db = self._local.db = self._connect()
        yield db

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        with self._conn() as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")

    def close(self) -> None:
        db = getattr(self._local, "db", None)
        if db is not None:
            db.close()
            self._local.db = None

    # ------------------------------------------------------------ runs
    def start_run(self, sites: list[str]) -> int:
        with self.transaction() as db:
            cur = db.execute("INSERT INTO runs(started_at, sites) VALUES (?, ?)", (now(), json.dumps(sites)))
            return cur.lastrowid

    def finish_run(self, run_id: int, stats: dict) -> None:
        with self.transaction() as db:
            db.execute("UPDATE runs SET finished_at=?, stats=? WHERE id=?", (now(), json.dumps(stats), run_id))

    # ------------------------------------------------------------ writes
    def record_fetch(self, *, run_id: int | None, site: str, url: str, final_url: str | None,
                     status: int | None, content_type: str = "", etag: str = "", last_modified: str = "",
                     body: bytes | None = None, extract: dict | None = None, depth: int = 0,
                     indexable: bool = False, skip_reason: str = "", error: str = "",
                     elapsed_ms: int = 0) -> str | None:
        """Store one fetch atomically: the log line, the page's new state and (new) content.

        Returns the content hash when a body was stored."""
        fetched_at = now()
        digest = content_hash(body) if body is not None else None
        with self.transaction() as db:
            db.execute("INSERT INTO fetches(run_id, url, status, fetched_at, elapsed_ms, bytes, error) "
                       "VALUES (?,?,?,?,?,?,?)",
                       (run_id, url, status, fetched_at, elapsed_ms, len(body) if body else 0, error or None))
            if digest is not None:
                exists = db.execute("SELECT 1 FROM contents WHERE content_hash=?", (digest,)).fetchone()
                if not exists:
                    ex = extract or {}
                    db.execute(
                        "INSERT INTO contents(content_hash, raw, title, text, passages, meta, extracted_at) "
                        "VALUES (?,?,?,?,?,?,?)",
                        (digest, zlib.compress(body, 6), ex.get("title", ""), ex.get("text", ""),
                         json.dumps(ex.get("passages", []), ensure_ascii=False),
                         json.dumps(ex.get("meta", {}), ensure_ascii=False), fetched_at))
            db.execute(
                "INSERT INTO pages(url, site, final_url, status, fetched_at, content_type, etag, last_modified, "
                "content_hash, depth, indexable, skip_reason, error) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?) "
                "ON CONFLICT(url) DO UPDATE SET site=excluded.site, final_url=excluded.final_url, "
                "status=excluded.status, fetched_at=excluded.fetched_at, content_type=excluded.content_type, "
                "etag=excluded.etag, last_modified=excluded.last_modified, "
                "content_hash=COALESCE(excluded.content_hash, pages.content_hash), depth=excluded.depth, "
                "indexable=excluded.indexable, skip_reason=excluded.skip_reason, error=excluded.error",
                (url, site, final_url, status, fetched_at, content_type, etag or None, last_modified or None,
                 digest, depth, int(indexable), skip_reason or None, error or None))
        return digest

    # ------------------------------------------------------------ reads
    def page(self, url: str) -> dict | None:
        with self._conn() as db:
            db.row_factory = sqlite3.Row
            row = db.execute("SELECT * FROM pages WHERE url=?", (url,)).fetchone()
            db.row_factory = None
            return dict(row) if row else None

    def raw_body(self, digest: str) -> bytes | None:
        with self._conn() as db:
            row = db.execute("SELECT raw FROM contents WHERE content_hash=?", (digest,)).fetchone()
        return zlib.decompress(row[0]) if row and row[0] is not None else None

    def count_documents(self, sites: list[str] | None = None) -> int:
        sql, args = "SELECT COUNT(*) FROM pages WHERE indexable=1", []
        if sites:
            sql += f" AND site IN ({','.join('?' * len(sites))})"
            args = sites
        with self._conn() as db:
            return db.execute(sql, args).fetchone()[0]

    def documents(self, sites: list[str] | None = None) -> Iterator[DocumentRecord]:
        """Every indexable page as a DocumentRecord, in URL order."""
        sql = ("SELECT p.url, p.final_url, p.site, p.fetched_at, p.content_hash, c.title, c.text, c.passages, c.meta "
               "FROM pages p JOIN contents c ON c.content_hash = p.content_hash WHERE p.indexable = 1")
        args: list = []
        if sites:
            sql += f" AND p.site IN ({','.join('?' * len(sites))})"
            args = list(sites)
        sql += " ORDER BY p.url"
        db = self._connect()  # own connection: a long read must not hold the thread's writer
        try:
            for url, final_url, site, fetched_at, digest, title, text, passages, meta in db.execute(sql, args):
                yield to_record(url, final_url, site, fetched_at, digest, title, text, passages, meta)
        finally:
            db.close()

    def stats(self) -> dict:
        with self._conn() as db:
            rows = db.execute("SELECT site, COUNT(*), SUM(indexable), SUM(status >= 400 OR status IS NULL) "
                              "FROM pages GROUP BY site").fetchall()
        return {site: {"pages": n, "documents": docs or 0, "errors": errs or 0} for site, n, docs, errs in rows}


def to_record(url, final_url, site, fetched_at, digest, title, text, passages, meta) -> DocumentRecord:
    meta = json.loads(meta or "{}")
    return DocumentRecord(
        url=url, final_url=final_url or url, site=site, title=title or "", text=text or "",
        passages=tuple(Passage(**p) for p in json.loads(passages or "[]")),
        organisation=meta.get("organisation", ""), city=meta.get("city", ""), doctype=meta.get("doctype", ""),
        date=meta.get("date", ""), language=meta.get("language", ""), identifier=meta.get("identifier", ""),
        short_title=meta.get("short_title", ""), description=meta.get("description", ""),
        content_hash=digest or "", fetched_at=fetched_at or "")
