"""Which search backend an index URL names: `whoosh:///path` (or a plain path; the default, in the data
directory), `tantivy:///path` or `postgresql://…`. Only this module and its twin search_app.backends know them all;
any other scheme is an error that names these."""
from __future__ import annotations

from pathlib import Path

from crawler.database import is_postgres_url
from crawler.store import CrawlStore

from .build import BuildReport, IndexLocation, build_index, update_index

DIRECTORY_SCHEMES = ("whoosh", "tantivy")   # an index in a local directory: scheme:///relative, scheme:////absolute


class IndexURLError(ValueError):
    """An index URL this program cannot use; the message names the forms there are."""


def index_url_kind(url: str | Path) -> tuple[str, str | Path]:
    """('whoosh' | 'tantivy', directory) or ('postgresql', url). As sqlite:///: scheme:///relative/path and
    scheme:////absolute/path; a plain path is a Whoosh directory."""
    text = str(url)
    if is_postgres_url(text):
        return "postgresql", text
    scheme, sep, rest = text.partition("://")
    if not sep:
        return "whoosh", Path(text)
    if scheme in DIRECTORY_SCHEMES and rest.startswith("/") and len(rest) > 1:
        return scheme, Path(rest[1:])
    raise IndexURLError(f"index URL {text!r} is not usable: use a directory path, whoosh:///path, tantivy:///path "
                        f"(relative; an absolute path after four slashes) or postgresql://user@host/db")


def whoosh_path(url: str | Path) -> Path:
    """The directory of a Whoosh index URL."""
    kind, where = index_url_kind(url)
    if kind != "whoosh":
        raise IndexURLError(f"{url} is not a Whoosh index")
    return where


def index_store(store: CrawlStore, url: str | Path, rebuild: bool, procs: int = 1, progress: bool = True,
                reason: str = "") -> BuildReport:
    """Bring the index at `url` in line with the store: a full build, or only what changed."""
    kind, where = index_url_kind(url)
    if kind == "postgresql":
        from .pg_index import PostgresIndex
        index = PostgresIndex(str(url))
        if rebuild:
            return index.build(store, progress=progress, reason=reason)
        return index.update(store, progress=progress)
    target = None
    if kind == "tantivy":
        from .tantivy_index import TantivyBuild
        target = TantivyBuild(procs)
    location = IndexLocation(where)
    if rebuild:
        return build_index(store, location, procs=procs, progress=progress, reason=reason, target=target)
    return update_index(store, location, procs=procs, progress=progress, target=target)
