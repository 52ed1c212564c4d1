#!/usr/bin/env python3
"""What the C stemmer (PyStemmer's dutch_porter) saves in an index build: the build's analysis (every scored text
field of every document, through DutchAnalyzer and its per-word cache, as a build runs it) timed in CPU seconds
with Whoosh's Python stemmer and with PyStemmer, each in a fresh process (cold caches, as a build starts), the
stemmer's own calls counted. Both stemmers give the same stems (tests/test_analysis.py checks Snowball's whole
Dutch vocabulary), so the analysis output is identical.

    python bench/stemmer_speed.py [--store data/crawl.sqlite3]
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


def analyse(store_path: str, stemmer: str) -> dict:
    from indexer.fields import scored_fields
    from lang import analysis
    from store.crawl_store import CrawlStore
    if stemmer == "whoosh":
        from whoosh.lang import stemmer_for_language
        python_stem = stemmer_for_language("nl")
        analysis.dutch_stem = python_stem
    calls = {"n": 0}
    original = analysis.dutch_stem

    def counted(word):
        calls["n"] += 1
        return original(word)
    analysis.dutch_stem = counted
    analyzer = analysis.dutch_analyzer()
    records = list(CrawlStore(store_path, readonly=True).documents())
    started = time.process_time()
    tokens = 0
    for rec in records:
        fields = scored_fields(rec)
        for name in ("title", "short_title", "body"):
            tokens += sum(1 for _ in analyzer(fields[name] or "", positions=True, chars=True))
    return {"stemmer": stemmer, "cpu_s": round(time.process_time() - started, 2), "documents": len(records),
            "tokens": tokens, "stem_calls": calls["n"]}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--store", default=str(REPO / "data" / "crawl.sqlite3"))
    p.add_argument("--one", choices=("whoosh", "pystemmer"), help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.one:
        print(json.dumps(analyse(args.store, args.one)))
        return 0
    for stemmer in ("whoosh", "pystemmer", "whoosh", "pystemmer"):
        out = subprocess.run([sys.executable, __file__, "--store", args.store, "--one", stemmer],
                             capture_output=True, text=True, check=True).stdout
        print(out.strip(), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
