#!/usr/bin/env python3
"""What a nightly update costs against a full build, for one engine on one store (bench/index_cost.py; the
engine matrix of bench/run_bench.py measures the same in every cell):

    python bench/update_cost.py [--engine tantivy|whoosh] [--percent 5] [--procs 1] [--store data/crawl.sqlite3]
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.index_cost import full_build, nightly_update  # noqa: E402
from store.crawl_store import CrawlStore  # noqa: E402


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--engine", choices=("tantivy", "whoosh"), default="tantivy")
    p.add_argument("--percent", type=float, default=5.0)
    p.add_argument("--procs", type=int, default=1)
    p.add_argument("--store", default=str(REPO / "data" / "crawl.sqlite3"))
    args = p.parse_args(argv)
    store = CrawlStore(args.store, readonly=True)
    with tempfile.TemporaryDirectory() as tmp:
        url = f"{args.engine}:///{Path(tmp) / 'index'}"
        full = full_build(store, url, args.procs)
        update = nightly_update(store, url, args.percent, args.procs, full["seconds"])
    print(json.dumps({"engine": args.engine, "full_build": full, "update": update}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
