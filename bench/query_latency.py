#!/usr/bin/env python3
"""Engine latency on the query log (bench/query-log.txt): every query once, page 1 with snippets and facets, as
the results page asks for it, on a warm searcher with the result cache off (uncached: each query is distinct), then
the same for a sample asked twice with the cache on (cached). Engines side by side:

    python bench/query_latency.py --index data/index --index tantivy:///data/tantivy [--limit N] [--json FILE]
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.stats import summary  # noqa: E402
from search.engine import SearchRequest  # noqa: E402
from search.engines import open_engine  # noqa: E402

LOG = REPO / "bench" / "query-log.txt"
WARM = 30          # queries run first and not counted (opening the searcher, loading caches)
CACHED_SAMPLE = 200


def read_log(path: Path = LOG) -> list[str]:
    return [line.strip() for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip() and not line.startswith("#")]


def timed(engine, queries: list[str]) -> tuple[list[float], int]:
    times, errors = [], 0
    for q in queries:
        t = time.perf_counter()
        try:
            engine.search(SearchRequest(q=q))
        except Exception:   # counted, not hidden: a load test reports its errors
            errors += 1
        times.append(1000 * (time.perf_counter() - t))
    return times, errors


def measure(url: str, queries: list[str]) -> dict:
    engine = open_engine(url, cache_size=0)
    timed(engine, queries[:WARM])
    cpu = time.process_time()
    uncached, errors = timed(engine, queries)
    cpu = time.process_time() - cpu
    cached_engine = open_engine(url)
    sample = queries[:CACHED_SAMPLE]
    timed(cached_engine, sample)
    cached, _ = timed(cached_engine, sample)
    return {"index": url, "queries": len(queries), "errors": errors,
            "uncached_ms": {**summary(uncached), "mean": round(statistics.fmean(uncached), 1)},
            "cpu_ms_per_query": round(1000 * cpu / len(queries), 1),
            "cached_ms": summary(cached)}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--index", action="append", required=True, help="an index URL; repeat for engines side by side")
    p.add_argument("--limit", type=int, default=0, help="only the first N queries of the log")
    p.add_argument("--json", help="also write the results to this file")
    args = p.parse_args(argv)
    queries = read_log()
    queries = queries[:args.limit] if args.limit else queries
    print(f"{len(queries)} queries, load average at start {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    results = []
    for url in args.index:
        r = measure(url, queries)
        results.append(r)
        u, c = r["uncached_ms"], r["cached_ms"]
        print(f"{url:32s} uncached p50 {u['p50']:7.1f} ms  p95 {u['p95']:7.1f}  p99 {u['p99']:7.1f}  mean {u['mean']:6.1f}"
              f"  cpu/query {r['cpu_ms_per_query']:5.1f} ms | cached p50 {c['p50']:.2f} p95 {c['p95']:.2f}"
              f" | errors {r['errors']}", flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
