#!/usr/bin/env python3
"""Time bound of the compound splitter and of the search path on hostile long words (the unit tests guard the
complexity; this measures the time). A 117-letter query word once took 9.6 s: the splitter was exponential.

    python bench/long_words.py [--data DIR]      # writes bench/results/long-words.json

Words of 20 to 500 letters built from real parts (the worst case: every split point has a valid left part), each
split by a fresh splitter (no memo from earlier words), and whole queries of up to 500 characters through the
engine when an index is there. Target: every word well under 50 ms, every query under a second.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from lang.compounds import CompoundSplitter  # noqa: E402

PIECES = "stadsdeelraad" + "gemeentebelasting"


def word(length: int) -> str:
    return (PIECES * (length // len(PIECES) + 1))[:length]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=str(REPO / "data"))
    a = ap.parse_args()
    rows = []
    for length in (20, 40, 48, 60, 117, 234, 500):
        splitter = CompoundSplitter()
        t = time.perf_counter()
        splitter.split(word(length))
        rows.append({"letters": length, "split_ms": round(1000 * (time.perf_counter() - t), 2)})
    queries = []
    index = Path(a.data) / "index"
    if (index / "current").exists():
        from search.engine import SearchRequest
        from search.whoosh_engine import SearchEngine
        engine = SearchEngine(index, cache_size=0)
        for q in (word(117), word(234), word(500), " ".join([word(48)] * 10)[:500]):
            t = time.perf_counter()
            engine.search(SearchRequest(q=q))
            queries.append({"characters": len(q), "search_ms": round(1000 * (time.perf_counter() - t), 1)})
    out = {"split": rows, "search": queries}
    (REPO / "bench" / "results" / "long-words.json").write_text(json.dumps(out, indent=2), encoding="utf-8")
    for r in rows:
        print(f"split {r['letters']:4d} letters: {r['split_ms']:8.2f} ms")
    for q in queries:
        print(f"search {q['characters']:4d} characters: {q['search_ms']:8.1f} ms")


if __name__ == "__main__":
    main()
