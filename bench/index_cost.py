"""What an index costs to make and keep: a full build, its size, and a nightly update in which a share of the
documents changed, for any index URL (indexer.backends.INDEXES: whoosh, tantivy, postgresql).

A nightly update is simulated in the index, not in the store, so every engine of a scale reads the same store:
the key (content hash) the index recorded for every n-th document is made stale, and the update deletes and
re-adds exactly those documents, as after a crawl that changed them.
"""
from __future__ import annotations

import json

from indexer.backends import index_store
from indexer.location import MANIFEST, IndexLocation, parse_index_url
from store.crawl_store import CrawlStore

SEARCH_TABLES = ("search_documents", "search_lexemes", "search_spelling", "search_meta")


def full_build(store: CrawlStore, url: str, procs: int) -> dict:
    """Build the index at `url` from scratch: seconds, documents, documents/s and size on disk."""
    r = index_store(store, url, rebuild=True, procs=procs, progress=False, reason="benchmark")
    return {"seconds": r.seconds, "documents": r.documents, "docs_per_s": r.docs_per_second, "procs": procs,
            "size_mb": round(index_bytes(url) / 1e6, 1)}


def index_bytes(url: str) -> int:
    """Bytes the live index takes: its build directory, or PostgreSQL's search tables with their indexes."""
    where = parse_index_url(url, ("whoosh", "tantivy", "postgresql"))
    if where.scheme == "postgresql":
        import psycopg
        with psycopg.connect(where.target) as conn:
            return sum(conn.execute("SELECT pg_total_relation_size(%s)", (t,)).fetchone()[0] for t in SEARCH_TABLES)
    live = IndexLocation(where.target).live_path()
    return sum(f.stat().st_size for f in live.rglob("*") if f.is_file())


def mark_stale(url: str, percent: float) -> int:
    """Make every n-th document (by URL) look changed to the next update; returns how many."""
    where = parse_index_url(url, ("whoosh", "tantivy", "postgresql"))
    step = max(1, round(100 / percent))
    if where.scheme == "postgresql":
        import psycopg
        with psycopg.connect(where.target) as conn:
            urls = [u for (u,) in conn.execute("SELECT url FROM search_documents ORDER BY url").fetchall()][::step]
            conn.execute("UPDATE search_documents SET doc_key = 'stale' WHERE url = ANY(%s)", (urls,))
        return len(urls)
    path = IndexLocation(where.target).live_path() / MANIFEST
    manifest = json.loads(path.read_text())
    stale = sorted(manifest)[::step]
    manifest.update({u: "stale" for u in stale})
    path.write_text(json.dumps(manifest))
    return len(stale)


def nightly_update(store: CrawlStore, url: str, percent: float, procs: int, full_seconds: float) -> dict:
    """The incremental update after `percent` % of the documents changed, against the full build's seconds."""
    changed = mark_stale(url, percent)
    r = index_store(store, url, rebuild=False, procs=procs, progress=False)
    return {"percent": percent, "changed": changed, "updated": r.updated, "mode": r.mode, "seconds": r.seconds,
            "share_of_full": round(r.seconds / full_seconds, 3) if full_seconds else None}
