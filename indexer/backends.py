"""The index an index URL names (indexer.location.parse_index_url reads it), to build or update from the store.
Adding an engine is one line in INDEXES (and its reader in search.engines.ENGINES)."""
from __future__ import annotations

from importlib import import_module
from pathlib import Path

from store.crawl_store import CrawlStore

from .build import BuildReport
from .location import parse_index_url

# scheme -> "module:class"; the class takes (what the URL names, procs=...) and has build(store, progress, reason)
# and update(store, progress)
INDEXES = {
    "whoosh": "indexer.build:WhooshIndex",
    "tantivy": "indexer.tantivy_index:TantivyIndex",
    "postgresql": "indexer.pg_index:PostgresIndex",
}


def open_index(url: str | Path, procs: int = 1):
    """The index writer an index URL names; IndexURLError for a scheme nothing writes (nothing is made)."""
    where = parse_index_url(url, INDEXES)
    module, name = INDEXES[where.scheme].split(":")
    return getattr(import_module(module), name)(where.target, procs=procs)


def index_store(store: CrawlStore, url: str | Path, rebuild: bool, procs: int = 1, progress: bool = True,
                reason: str = "") -> BuildReport:
    """Bring the index at `url` in line with the store: a full build, or only what changed."""
    index = open_index(url, procs)
    if rebuild:
        return index.build(store, progress=progress, reason=reason)
    return index.update(store, progress=progress)
