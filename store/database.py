"""Where the crawl store lives: SQLite (one machine, the default) or PostgreSQL (shared by many crawlers).

The store's SQL is written once, in the dialect both engines accept (`?` placeholders, ON CONFLICT upserts,
RETURNING, CASE instead of boolean sums). What differs lives here and only here: how to connect, how a
transaction starts, the schema DDL, the clock, row locking for claims (FOR UPDATE SKIP LOCKED on PostgreSQL;
SQLite serialises writers itself) and streaming a large read.

A store is named by a URL: `sqlite:////abs/path/crawl.sqlite3` (or a plain path) and `postgresql://user@host/db`.
"""
from __future__ import annotations

import sqlite3
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator


def is_postgres_url(url: str | Path) -> bool:
    return str(url).startswith(("postgresql://", "postgres://"))


def sqlite_path(url: str | Path) -> Path:
    """The file of a sqlite:/// URL or a plain path. As in SQLAlchemy: sqlite:///relative/path and
    sqlite:////absolute/path."""
    text = str(url)
    return Path(text[len("sqlite:///"):] if text.startswith("sqlite:///") else text)


def redact(url: str | Path) -> str:
    """A store URL fit for logs and error messages (no password)."""
    text = str(url)
    if is_postgres_url(text) and "@" in text:
        scheme, rest = text.split("://", 1)
        cred, host = rest.rsplit("@", 1)
        return f"{scheme}://{cred.split(':', 1)[0]}@{host}"
    return text


class Database:
    """One connection per thread; `transaction()` is the only way to write."""

    name = ""
    for_update = ""          # appended to the SELECT of a claim: lock rows, skip those another worker holds
    lock_row = ""            # appended to a SELECT that reads a row to update it
    now_sql = ""             # the database's clock in seconds since the epoch: workers on several machines agree
    shared = False           # may several machines use it at once?

    def __init__(self):
        self._local = threading.local()

    def connect(self):
        raise NotImplementedError

    @contextmanager
    def connection(self) -> Iterator:
        db = getattr(self._local, "db", None)
        if db is None:
            db = self._local.db = self.connect()
        yield db

    def lock_table_sql(self, table: str) -> str:
        """A statement that keeps other writers of `table` out until the transaction ends."""
        return "SELECT 1"   # SQLite: BEGIN IMMEDIATE already holds the only write lock

    def close(self) -> None:
        db = getattr(self._local, "db", None)
        if db is not None:
            db.close()
            self._local.db = None


class SQLiteDatabase(Database):
    name = "sqlite"
    now_sql = "((julianday('now') - 2440587.5) * 86400.0)"

    def __init__(self, path: Path | str, readonly: bool = False):
        super().__init__()
        self.path = Path(path)
        self.readonly = readonly
        if readonly and not self.path.exists():
            raise FileNotFoundError(f"no crawl store at {self.path}")
        if not readonly:
            self.path.parent.mkdir(parents=True, exist_ok=True)

    def __str__(self):
        return str(self.path)

    def connect(self) -> sqlite3.Connection:
        if self.readonly:
            db = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, timeout=60, isolation_level=None,
                                 check_same_thread=False)
            db.execute("PRAGMA busy_timeout=60000")
            return db
        db = sqlite3.connect(self.path, timeout=60, isolation_level=None, check_same_thread=False)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        db.execute("PRAGMA busy_timeout=60000")
        return db

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        with self.connection() as db:
            db.execute("BEGIN IMMEDIATE")   # take the write lock now: no upgrade deadlocks between writers
            try:
                yield db
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")

    def stream(self, sql: str, args) -> Iterator[tuple]:
        """Rows of a long read on a connection of its own (it must not hold this thread's writer)."""
        db = self.connect()
        try:
            yield from db.execute(sql, args)
        finally:
            db.close()

    def schema_version(self, db) -> int:
        return db.execute("PRAGMA user_version").fetchone()[0]

    def migrate(self, db, scripts: list[str]) -> None:
        version = self.schema_version(db)
        for n, script in enumerate(scripts[version:], start=version + 1):
            db.executescript("BEGIN IMMEDIATE;\n" + script + f"\nPRAGMA user_version = {n};\nCOMMIT;")

    def integrity_ok(self) -> bool:
        with self.connection() as db:
            return db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"

    def has_table(self, name: str) -> bool:
        with self.connection() as db:
            return db.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name=?", (name,)).fetchone() is not None


class _PgConnection:
    """psycopg's connection with the sqlite3 calls the store uses (`?` placeholders, executemany)."""

    def __init__(self, conn):
        self.conn = conn

    @staticmethod
    def _sql(sql: str) -> str:
        return sql.replace("%", "%%").replace("?", "%s")

    def execute(self, sql: str, args=()):
        return self.conn.execute(self._sql(sql), tuple(args) if args else None)

    def executemany(self, sql: str, rows):
        with self.conn.cursor() as cur:
            cur.executemany(self._sql(sql), [tuple(r) for r in rows])

    def close(self):
        self.conn.close()


class PostgresDatabase(Database):
    name = "postgresql"
    for_update = " FOR UPDATE SKIP LOCKED"
    lock_row = " FOR UPDATE"
    now_sql = "extract(epoch from clock_timestamp())::float8"
    shared = True

    def __init__(self, url: str, readonly: bool = False):
        super().__init__()
        import psycopg  # noqa: F401  (fail here, with the URL in the message, when it is missing)
        self.url = url
        self.readonly = readonly

    def __str__(self):
        return redact(self.url)

    def connect(self) -> _PgConnection:
        import psycopg
        try:
            conn = psycopg.connect(self.url, autocommit=True, connect_timeout=10)
        except psycopg.OperationalError as e:
            raise ConnectionError(f"cannot reach the crawl store {redact(self.url)}: {str(e).strip()}") from None
        if self.readonly:
            conn.execute("SET default_transaction_read_only = on")
        return _PgConnection(conn)

    @contextmanager
    def transaction(self) -> Iterator[_PgConnection]:
        with self.connection() as db:
            with db.conn.transaction():
                yield db

    def stream(self, sql: str, args) -> Iterator[tuple]:
        db = self.connect()
        try:
            with db.conn.transaction(), db.conn.cursor(name="stream") as cur:   # server-side: bounded memory
                cur.itersize = 200
                cur.execute(db._sql(sql), tuple(args) if args else None)
                yield from cur
        finally:
            db.close()

    def schema_version(self, db) -> int:
        db.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
        row = db.execute("SELECT version FROM schema_version").fetchone()
        return row[0] if row else 0

    def migrate(self, db, scripts: list[str]) -> None:
        with db.conn.transaction():
            db.execute("SELECT pg_advisory_xact_lock(781234)")   # two workers starting at once migrate once
            version = self.schema_version(db)
            for script in scripts[version:]:
                db.conn.execute(script)
            if version < len(scripts):
                db.execute("DELETE FROM schema_version")
                db.execute("INSERT INTO schema_version VALUES (?)", (len(scripts),))

    def lock_table_sql(self, table: str) -> str:
        return f"LOCK TABLE {table} IN SHARE ROW EXCLUSIVE MODE"

    def has_table(self, name: str) -> bool:
        with self.connection() as db:
            return db.execute("SELECT to_regclass(?) IS NOT NULL", (name,)).fetchone()[0]

    def integrity_ok(self) -> bool:
        with self.connection() as db:
            return db.execute("SELECT 1").fetchone()[0] == 1


def open_database(url: str | Path, readonly: bool = False) -> Database:
    if is_postgres_url(url):
        return PostgresDatabase(str(url), readonly=readonly)
    return SQLiteDatabase(sqlite_path(url), readonly=readonly)


class StorePart:
    """What each part of the crawl store (store.frontier, store.writes, store.references, store.reads) works over:
    one Database, read through the thread's connection and written in one transaction per call. CrawlStore is
    these parts composed; a part holds no state of its own."""

    db: Database

    def _conn(self):
        return self.db.connection()

    def transaction(self):
        return self.db.transaction()
