"""The crawl store: every fetch and every page's state, in SQLite (WAL) or PostgreSQL (store.database).

CrawlStore is the one object every caller uses; it is composed of the store's parts, one module per concept:
  store.schema      the tables, their migrations, the values the columns hold
  store.frontier    runs, the frontier (leases) and host slots: the work several crawl workers share
  store.writes      one write per outcome of a fetch, and when a page is due again
  store.references  what each document cites: written with the page, read per page and per regulation
  store.reads       the read models: pages, bodies, versions, documents for the index, coverage
Each part is a class of methods over the one Database (store.database.StorePart); what one part needs of another
inside a transaction (mark a URL done, replace or drop a page's references) is a function over the connection
that it imports, so the modules' dependencies are their imports: schema <- frontier, references <- writes, reads.

Every outcome of a fetch is written in one transaction (log line, page state, content, version, frontier
mark), so a crawl killed at any moment leaves a consistent store, and WAL lets the indexer and the app
read while a crawl writes. The SQL is written once for both engines; store.database holds what differs.
"""
from __future__ import annotations

from pathlib import Path

from .database import Database, open_database
from .frontier import LEASE_SECONDS, Claim, Frontier, worker_id
from .reads import KnownPage, Reads, document_key, to_record
from .references import SOURCE_CHARS, Citations, References
from .schema import (MIGRATIONS, POSTGRES_MIGRATIONS, SCHEMA_V1, SCHEMA_V2, SCHEMA_V3, SCHEMA_V4, SCHEMA_V5,
                     SCHEMA_V6, now)
from .writes import MISSING_LIMIT, Revisit, Writes, content_hash, next_visit_after

__all__ = ["CrawlStore", "Claim", "KnownPage", "References", "Revisit", "LEASE_SECONDS", "MISSING_LIMIT",
           "SOURCE_CHARS", "MIGRATIONS", "POSTGRES_MIGRATIONS", "SCHEMA_V1", "SCHEMA_V2", "SCHEMA_V3", "SCHEMA_V4",
           "SCHEMA_V5", "SCHEMA_V6", "content_hash", "document_key", "next_visit_after", "now", "to_record",
           "worker_id"]


class CrawlStore(Frontier, Writes, Citations, Reads):
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

    def close(self) -> None:
        self.db.close()
