"""The search engine for an index URL (see indexer.backends): SearchEngine over a Whoosh directory,
TantivySearchEngine over a tantivy directory, or PostgresSearchEngine. All answer search / all_hits / document /
similar / status with the same types."""
from __future__ import annotations

from pathlib import Path

from indexer.backends import index_url_kind

from .engine import CACHE_SIZE, SearchEngine
from .query import DEFAULT_WEIGHTS, Weights


def open_engine(url: str | Path, weights: Weights = DEFAULT_WEIGHTS, cache_size: int = CACHE_SIZE):
    kind, where = index_url_kind(url)
    if kind == "postgresql":
        from .pg_engine import PostgresSearchEngine
        return PostgresSearchEngine(str(url), weights, cache_size=cache_size)
    if kind == "tantivy":
        from search.tantivy_engine import TantivySearchEngine
        return TantivySearchEngine(where, weights, cache_size=cache_size)
    return SearchEngine(where, weights, cache_size=cache_size)
