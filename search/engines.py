"""The engine for an index URL (indexer.location.parse_index_url reads it). Every engine answers the Engine
protocol of search.engine with the same types; adding one is one line in ENGINES (and its index writer in
indexer.backends.INDEXES)."""
from __future__ import annotations

from importlib import import_module
from pathlib import Path

from indexer.location import parse_index_url

from .engine import CACHE_SIZE, Engine
from .query import DEFAULT_WEIGHTS, Weights

# scheme -> "module:class"; the class takes (what the URL names, weights, cache_size=...)
ENGINES = {
    "whoosh": "search.whoosh_engine:SearchEngine",
    "tantivy": "search.tantivy_engine:TantivySearchEngine",
    "postgresql": "search.postgresql_engine:PostgresSearchEngine",
}


def open_engine(url: str | Path, weights: Weights = DEFAULT_WEIGHTS, cache_size: int = CACHE_SIZE) -> Engine:
    """The engine an index URL names; IndexURLError for a scheme no engine reads (nothing is opened or made)."""
    where = parse_index_url(url, ENGINES)
    module, name = ENGINES[where.scheme].split(":")
    return getattr(import_module(module), name)(where.target, weights, cache_size=cache_size)
