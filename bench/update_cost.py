#!/usr/bin/env python3
"""What a nightly update costs against a full build: a full build of the store into a temporary index, then an
incremental update in which every n-th document counts as changed (its content hash in the live build's manifest
is made stale, so the update deletes and re-adds exactly those documents, as after a crawl that changed them).

    python bench/update_cost.py [--engine tantivy|whoosh] [--percent 5] [--store data/crawl.sqlite3]
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from indexer.backends import index_store  # noqa: E402
from indexer.location import MANIFEST, IndexLocation  # noqa: E402
from store.crawl_store import CrawlStore  # noqa: E402


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--engine", choices=("tantivy", "whoosh"), default="tantivy")
    p.add_argument("--percent", type=float, default=5.0)
    p.add_argument("--store", default=str(REPO / "data" / "crawl.sqlite3"))
    args = p.parse_args(argv)
    store = CrawlStore(args.store, readonly=True)
    with tempfile.TemporaryDirectory() as tmp:
        url = f"{args.engine}:///{Path(tmp) / 'index'}"
        full = index_store(store, url, rebuild=True, progress=False)
        manifest_path = IndexLocation(Path(tmp) / "index").live_path() / MANIFEST
        manifest = json.loads(manifest_path.read_text())
        step = max(1, round(100 / args.percent))
        stale = sorted(manifest)[::step]
        manifest.update({u: "stale" for u in stale})
        manifest_path.write_text(json.dumps(manifest))
        update = index_store(store, url, rebuild=False, progress=False)
    result = {"engine": args.engine, "documents": full.documents, "full_build_s": full.seconds,
              "changed": update.updated, "update_s": update.seconds, "mode": update.mode,
              "update_share_of_full": round(update.seconds / full.seconds, 3) if full.seconds else None}
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
