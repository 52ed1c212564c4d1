"""The search engine for an index URL (see indexer.backends): SearchEngine over a Whoosh directory, or
PostgresSearchEngine. Both answer search / all_hits / document / similar / status with the same types."""
from __future__ import annotations

from pathlib import Path

from store.database import is_postgres_url
from indexer.backends import whoosh_path

from .engine import CACHE_SIZE, SearchEngine
from .query import DEFAULT_WEIGHTS, Weights


def open_engine(url: str | Path, weights: Weights = DEFAULT_WEIGHTS, cache_size: int = CACHE_SIZE):
    if is_postgres_url(url):
        from .postgresql_engine import PostgresSearchEngine
        return PostgresSearchEngine(str(url), weights, cache_size=cache_size)
    return SearchEngine(whoosh_path(url), weights, cache_size=cache_size)
