#!/usr/bin/env python3
"""CPU time per HTML results page (/zoeken?q=...), in process through Flask's test client: what a gunicorn worker
spends on a request besides HTTP. CPU time (time.process_time), not wall time, so that other work on a shared
machine does not count. Uncached (result cache off, distinct queries of bench/query-log.txt) and cached (the same
queries asked again with the cache on), each after `--warm` queries that fill the searcher's and the analyzer's
caches as a running worker's are. --profile u|c prints cProfile's view of the uncached or cached requests.

    python bench/page_cpu.py --index tantivy:///data/tv --store data/crawl.sqlite3 [--warm 600] [--sample 200]
"""
from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
import time
from pathlib import Path
from urllib.parse import quote_plus

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.query_latency import read_log  # noqa: E402
from search_app import create_app  # noqa: E402


def cpu_ms_per_page(index: str, store: str, warm: list[str], sample: list[str], cache: int,
                    profile: bool = False) -> float:
    client = create_app({"INDEX_DIR": index, "STORE_PATH": store, "RESULT_CACHE": cache, "TESTING": True}).test_client()
    for q in warm + (sample if cache else []):
        client.get("/zoeken?q=" + quote_plus(q))
    profiler = cProfile.Profile() if profile else None
    if profiler:
        profiler.enable()
    start = time.process_time()
    for q in sample:
        response = client.get("/zoeken?q=" + quote_plus(q))
        if response.status_code != 200:
            raise SystemExit(f"{q!r}: HTTP {response.status_code}")
    ms = (time.process_time() - start) * 1000 / len(sample)
    if profiler:
        profiler.disable()
        pstats.Stats(profiler).sort_stats("tottime").print_stats(30)
    return ms


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--index", required=True, help="index URL or path")
    ap.add_argument("--store", required=True, help="the crawl store the app reads versions from")
    ap.add_argument("--warm", type=int, default=600, help="queries asked first and not counted")
    ap.add_argument("--sample", type=int, default=200, help="queries counted (the ones after --warm + 100)")
    ap.add_argument("--profile", choices=("u", "c"), help="profile the uncached (u) or cached (c) requests")
    args = ap.parse_args(argv)
    queries = read_log()
    warm, sample = queries[:args.warm], queries[args.warm + 100:args.warm + 100 + args.sample]
    for label, cache in (("uncached", 0), ("cached", 512)):
        ms = cpu_ms_per_page(args.index, args.store, warm, sample, cache, args.profile == label[0])
        print(f"{label:9s} CPU ms per page: {ms:.2f} ({len(sample)} queries after {len(warm)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
