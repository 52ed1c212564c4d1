#!/usr/bin/env python3
"""The two backends side by side on the bundled corpus: Whoosh + SQLite (the default) against PostgreSQL.

    python bench/backends.py [--data DIR]

Starts a throwaway PostgreSQL server (as the tests do), builds the PostgreSQL index from the data directory's
crawl store, and measures: build time, relevance on the evaluation set (run.py eval's numbers), engine latency
per query kind (every search computed: no result cache), and crawl throughput over the local mirrors into a
SQLite store (the default) with one worker and a PostgreSQL store with one and with two workers. Writes
bench/results/<date>-backends.json; run_bench.py puts its relevance and crawl tables into docs/PERFORMANCE.md.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from datetime import date
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))

from store.crawl_store import CrawlStore  # noqa: E402
from indexer.pg_index import PostgresIndex  # noqa: E402
from postgres import PostgresServer  # noqa: E402
from bench.engine_latency import QUERIES, warm_latencies  # noqa: E402
from bench.stats import summary  # noqa: E402
from search.engines import open_engine  # noqa: E402
from search.evaluation import evaluate  # noqa: E402


@contextmanager
def mirrors_served(data: Path, sites_file: Path):
    """The local mirror sites served by their own process (`run.py mirror`), as real sites are: a crawl that
    serves them itself measures its own web server too."""
    proc = subprocess.Popen([sys.executable, str(REPO / "run.py"), "--data", str(data), "--sites-file",
                             str(sites_file), "mirror"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        for line in proc.stdout:
            if "Spiegels draaien" in line:
                break
        else:
            raise SystemExit("run.py mirror did not start (ports 8101-8104 taken?)")
        yield
    finally:
        proc.terminate()
        proc.wait(10)


def crawl_workers(store_url: str, workers: int, work: Path, sites_file: Path) -> dict:
    """Pages per second of `workers` crawl processes at once into one store (the local mirrors, politeness off;
    the caller serves them, see mirrors_served), and how many page URLs were fetched more than once."""
    def cmd(i: int) -> list[str]:
        return [sys.executable, str(REPO / "run.py"), "--data", str(work / f"w{i}"), "--store", store_url,
                "--sites-file", str(sites_file), "--quiet", "crawl"]

    t = time.perf_counter()
    procs = [subprocess.Popen(cmd(i), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE) for i in range(workers)]
    for p in procs:
        _, err = p.communicate(timeout=1800)
        if p.returncode:
            raise SystemExit(f"crawl worker failed: {err.decode()[-2000:]}")
    seconds = time.perf_counter() - t
    store = CrawlStore(store_url)
    with store._conn() as db:
        fetched = db.execute("SELECT COUNT(*) FROM fetches").fetchone()[0]
        twice = db.execute("SELECT COUNT(*) FROM (SELECT url FROM fetches WHERE url NOT LIKE '%robots.txt' AND "
                           "url NOT LIKE '%sitemap.xml' GROUP BY url HAVING COUNT(*) > 1) d").fetchone()[0]
    return {"workers": workers, "pages": fetched, "seconds": round(seconds, 1),
            "pages_per_s": round(fetched / seconds, 1), "urls_fetched_twice": twice,
            "documents": store.count_documents(),
            "note": "robots, sitemaps, extraction and storing every body; mirrors served by their own process"}


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
            with tempfile.TemporaryDirectory() as tmp:   # the default store, for comparison
                out["crawl"]["sqlite, 1 worker"] = crawl_workers(str(Path(tmp) / "crawl.sqlite3"), 1, Path(tmp),
                                                                 sites_file)
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
