#!/usr/bin/env python3
"""Ablation of the relevance features on the evaluation set; writes docs/RELEVANCE.md.

Every row switches one feature off (or changes one knob) from the full system and runs all queries
through the real search path. Index-time compound splitting needs a second index, built here from
the same crawl store.  usage: python bench/relevance.py [--data DIR] [--set bench/eval]
"""
from __future__ import annotations

import argparse
import sys
import tempfile
from dataclasses import replace
from datetime import date
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from crawler.store import CrawlStore  # noqa: E402
from indexer.build import IndexLocation, build_index  # noqa: E402
from search_app.engine import SearchEngine  # noqa: E402
from search_app.evaluation import EVAL_DIR, evaluate  # noqa: E402
from search_app.query import DEFAULT_WEIGHTS as FULL  # noqa: E402

QUERY_TIME = [
    ("full chain", FULL),
    ("− synonyms", replace(FULL, synonyms=False)),
    ("− query-side compound parts", replace(FULL, decompound=False)),
    ("− proximity bonus", replace(FULL, proximity=0.0)),
    ("− word-pair coordination", replace(FULL, pairs=0.0)),
    ("− both bonuses", replace(FULL, proximity=0.0, pairs=0.0)),
    ("title weight 2 (instead of 1)", replace(FULL, title=2.0, short_title=2.0)),
    ("title weight 4", replace(FULL, title=4.0, short_title=4.0)),
    ("body length normalisation b=0.9", replace(FULL, b=0.9)),
    ("body length normalisation b=0.5", replace(FULL, b=0.5)),
]
PLAIN = replace(FULL, synonyms=False, decompound=False, proximity=0.0, pairs=0.0)


def row(name, result, full) -> str:
    m = result.means
    better = sum(1 for q, s in result.per_query.items() if s["nDCG@10"] > full.per_query[q]["nDCG@10"] + 1e-9)
    worse = sum(1 for q, s in result.per_query.items() if s["nDCG@10"] < full.per_query[q]["nDCG@10"] - 1e-9)
    delta = m["nDCG@10"] - full.means["nDCG@10"]
    return (f"| {name} | {m['nDCG@10']:.3f} | {delta:+.3f} | {m['P@10']:.3f} | {m['recall@100']:.3f} | "
            f"{m['MRR']:.3f} | {result.unjudged_at_10:.3f} | {better} / {worse} |")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=str(REPO / "data"))
    ap.add_argument("--set", default=str(EVAL_DIR))
    ap.add_argument("--out", default=str(REPO / "docs" / "RELEVANCE.md"))
    a = ap.parse_args()
    data, eval_dir = Path(a.data), Path(a.set)
    full = evaluate(SearchEngine(data / "index", FULL), eval_dir)
    rows = [row(name, evaluate(SearchEngine(data / "index", w), eval_dir), full) for name, w in QUERY_TIME]
    with tempfile.TemporaryDirectory() as tmp:
        build_index(CrawlStore(data / "crawl.sqlite3"), IndexLocation(tmp), procs=2, progress=False, decompound=False)
        rows.append(row("− index-time compound splitting (and query-side parts)",
                        evaluate(SearchEngine(tmp, replace(FULL, decompound=False)), eval_dir), full))
        rows.append(row("plain BM25F + classic Snowball (no splitting, synonyms, bonuses)",
                        evaluate(SearchEngine(tmp, PLAIN), eval_dir), full))
    per_query = "\n".join(f"| {q} | {s['nDCG@10']:.3f} | {s['P@10']:.2f} | {s['recall@100']:.2f} | {s['MRR']:.2f} |"
                          for q, s in full.per_query.items())
    text = f"""# Relevance: measured

Set: `{eval_dir.relative_to(REPO) if eval_dir.is_relative_to(REPO) else eval_dir}` ({len(full.per_query)} queries with graded
judgments over the bundled corpus). Run `python run.py eval` for the current numbers and `python bench/relevance.py`
to regenerate this page. Generated {date.today().isoformat()}.

Reference points given with the set: BM25 + classic Snowball Dutch 0.55 nDCG@10, no stemming 0.57, character
4-grams 0.69. Target ≥ 0.75, and no change that raises the mean by hurting half of the queries.

## Ablation (each row changes one thing from the full chain)

"better / worse" counts the queries whose nDCG@10 went up / down against the full chain.

| variant | nDCG@10 | Δ | P@10 | recall@100 | MRR | unjudged@10 | better / worse |
|---|---:|---:|---:|---:|---:|---:|---:|
{chr(10).join(rows)}

## The full chain, per query

| query | nDCG@10 | P@10 | recall@100 | MRR |
|---|---:|---:|---:|---:|
{per_query}
"""
    Path(a.out).write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
