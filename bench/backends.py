#!/usr/bin/env python3
"""The two backends side by side on the bundled corpus: Whoosh + SQLite (the default) against PostgreSQL.

    python bench/backends.py [--data DIR]

Starts a throwaway PostgreSQL server (as the tests do), builds the PostgreSQL index from the data directory's
crawl store, and measures: build time, relevance on the evaluation set (run.py eval's numbers), engine latency
per query kind (every search computed: no result cache), and crawl throughput over the local mirrors into a
PostgreSQL store with one and with two workers. Writes bench/results/<date>-backends.json; run_bench.py puts
it into docs/PERFORMANCE.md.
"""
from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))

from store.crawl_store import CrawlStore  # noqa: E402
from indexer.pg_index import PostgresIndex  # noqa: E402
from postgres import PostgresServer  # noqa: E402
from run_bench import QUERIES, crawl_workers, mirrors_served, summary, warm_latencies  # noqa: E402
from search.engines import open_engine  # noqa: E402
from search.evaluation import evaluate  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=str(REPO / "data"))
    ap.add_argument("--rounds", type=int, default=5)
    a = ap.parse_args()
    data = Path(a.data)
    store = CrawlStore(data / "crawl.sqlite3", readonly=True)
    server = PostgresServer().start()
    try:
        index_url = server.create_database()
        report = PostgresIndex(index_url).build(store, progress=False)
        engines = {"whoosh": open_engine(data / "index", cache_size=0),   # every search computed, on both
                   "postgresql": open_engine(index_url, cache_size=0)}
        out = {"date": date.today().isoformat(), "documents": store.count_documents(),
               "build": {"postgresql": {"seconds": report.seconds, "docs_per_s": report.docs_per_second,
                                        "procs": 1}},
               "relevance": {}, "engine": {}, "crawl": {}}
        for name, engine in engines.items():
            out["relevance"][name] = {k: round(v, 4) for k, v in evaluate(engine).means.items()}
            out["engine"][name] = {kind: summary(warm_latencies(engine, qs, a.rounds)) for kind, qs in QUERIES.items()}
        work = data.parent / "bench-backends"
        sites_file = REPO / "corpus" / "sites.toml"
        with mirrors_served(data, sites_file):
            for workers in (1, 2):
                out["crawl"][f"postgresql, {workers} worker{'s' if workers > 1 else ''}"] = crawl_workers(
                    server.create_database(), workers, work, sites_file)
    finally:
        server.stop()
    path = REPO / "bench" / "results" / f"{out['date']}-backends.json"
    path.write_text(json.dumps(out, indent=2))
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
