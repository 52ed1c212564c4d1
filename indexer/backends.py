"""Which search backend an index URL names: `whoosh:///path` (or a plain path; the default, in the data
directory) or `postgresql://…`. Only this module and its twin search.engines know both."""
from __future__ import annotations

from pathlib import Path

from store.database import is_postgres_url
from store.crawl_store import CrawlStore

from .build import BuildReport, IndexLocation, build_index, update_index


def whoosh_path(url: str | Path) -> Path:
    """As sqlite:///: whoosh:///relative/path and whoosh:////absolute/path."""
    text = str(url)
    return Path(text[len("whoosh:///"):] if text.startswith("whoosh:///") else text)


def index_store(store: CrawlStore, url: str | Path, rebuild: bool, procs: int = 1, progress: bool = True,
                reason: str = "") -> BuildReport:
    """Bring the index at `url` in line with the store: a full build, or only what changed."""
    if is_postgres_url(url):
        from .pg_index import PostgresIndex
        index = PostgresIndex(str(url))
        if rebuild:
            return index.build(store, progress=progress, reason=reason)
        return index.update(store, progress=progress)
    location = IndexLocation(whoosh_path(url))
    if rebuild:
        return build_index(store, location, procs=procs, progress=progress, reason=reason)
    return update_index(store, location, procs=procs, progress=progress)
