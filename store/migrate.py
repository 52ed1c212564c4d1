"""Moving a crawl store to another database (the embedded SQLite store to PostgreSQL, for scale-out).

Everything is copied: pages, bodies and extracts, every version, the fetch log, runs and their reports, and the
frontier of an unfinished run. Each table is copied in one transaction and its row count checked afterwards; the
target must be empty, so a migration is never mixed into an existing store.
"""
from __future__ import annotations

from .crawl_store import CrawlStore

# In dependency order, each with the column that keeps insertion order (what "ORDER BY rowid" reads).
TABLES = [("runs", "id"), ("pages", "url"), ("contents", "content_hash"), ("versions", "rowid"),
          ("fetches", "id"), ("site_runs", "run_id, site"), ("frontier", "rowid")]
SERIALS = [("runs", "id"), ("fetches", "id")]
BATCH = 500


class MigrationError(RuntimeError):
    pass


def _columns(store: CrawlStore, table: str) -> list[str]:
    with store._conn() as db:
        cur = db.execute(f"SELECT * FROM {table} WHERE 1 = 0")
        return [c[0] for c in cur.description if c[0] != "rowid"]


def _clean(value):
    """PostgreSQL text cannot hold NUL characters; SQLite's can."""
    return value.replace("\x00", "") if isinstance(value, str) else value


def copy_store(source: CrawlStore, target: CrawlStore, log=lambda msg: None) -> dict[str, int]:
    """Copy every row of `source` into the empty `target`; returns rows per table."""
    with target._conn() as db:
        if db.execute("SELECT COUNT(*) FROM pages").fetchone()[0]:
            raise MigrationError(f"the target store {target} is not empty; migrate into a new database")
    copied = {}
    for table, order in TABLES:
        in_target = set(_columns(target, table))
        columns = [c for c in _columns(source, table) if c in in_target]
        insert = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
        n = 0
        with target.transaction() as db:
            batch = []
            for row in source.db.stream(f"SELECT {', '.join(columns)} FROM {table} ORDER BY {order}", []):
                batch.append([_clean(v) for v in row])
                if len(batch) >= BATCH:
                    db.executemany(insert, batch)
                    n += len(batch)
                    batch = []
            if batch:
                db.executemany(insert, batch)
                n += len(batch)
        with source._conn() as a, target._conn() as b:
            want = a.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
            have = b.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
        if want != have:
            raise MigrationError(f"{table}: {want} rows in the source, {have} in the target")
        copied[table] = n
        log(f"{table:10s} {n} rijen")
    if target.shared:   # PostgreSQL: new runs and fetches continue after the copied ids
        with target.transaction() as db:
            for table, column in SERIALS:
                db.execute(f"SELECT setval(pg_get_serial_sequence('{table}', '{column}'), "
                           f"COALESCE((SELECT MAX({column}) FROM {table}), 0) + 1, false)")
    return copied
