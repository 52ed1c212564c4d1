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
from search_app.evaluation import EVAL_DIR, evaluate, read_queries  # noqa: E402
from search_app.query import DEFAULT_WEIGHTS as FULL  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run_bench import summary, warm_latencies  # noqa: E402

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


LATENCY_QUERIES = ["wmo", "ozb", "schuldhulpverlening", "woningtoewijzing urgentie", "statushouders huisvesting",
                   '"beslagvrije voet"', "jeugdzorg -pleegzorg", "subsidie duurzame energie zonnepanelen",
                   "gemeenschappelijke regeling samenwerking gemeenten"]


def latency(engine: SearchEngine, queries: list[str], rounds: int = 5) -> tuple[float, float]:
    """p50/p95 milliseconds of a page-1 search with a warm searcher (the same measurement as run_bench)."""
    stats = summary(warm_latencies(engine, queries, rounds))
    return stats["p50"], stats["p95"]


def splitter_quality() -> str:
    from indexer.compounds import splitter
    rows = [line.split("\t") for line in (EVAL_DIR / "compounds.tsv").read_text().splitlines()
            if line and not line.startswith("#")]
    s = splitter()
    compounds = [w for w, label in rows if label == "1"]
    plain = [w for w, label in rows if label == "0"]
    split_ok = [w for w in compounds if s.split(w) and all(p in w for p in s.split(w))]
    wrongly = [w for w in plain if s.split(w)]
    splits = len(split_ok) + len(wrongly)
    return (f"On `bench/eval/compounds.tsv` ({len(compounds)} compounds, {len(plain)} words that are not): "
            f"{len(split_ok)}/{len(compounds)} compounds split (recall {len(split_ok) / len(compounds):.2f}), "
            f"{len(wrongly)} of the non-compounds split (precision {len(split_ok) / max(1, splits):.2f})"
            + (f"; wrongly split: {', '.join(wrongly)}" if wrongly else "")
            + ". Examples: " + "; ".join(f"{w} → {', '.join(s.split(w))}" for w in
                                         ("woningbouwprogramma", "huisvestingsverordening", "jeugdzorgaanbieder"))
            + "; gemeente, gemeenten, wethouders, samenwerking stay whole. The list is small and was written "
            "with the splitter, so it guards against regressions rather than estimating precision on all Dutch; "
            "a known flaw is a real but unintended part now and then (huisvesting → huis + vesting).")


NOTES = """## Decisions and what the numbers say

- **Compound splitting is the big win** (see the two last rows of the table). Dutch policy language is compound-heavy and
  queries and documents use different forms (woningtoewijzing / toewijzing van woningen). Parts are indexed at
  the compound's position, so phrase queries still work and highlighting marks the whole word; at query time a
  compound also searches its parts, all required, at weight 0.7.
- **Synonyms** (small gain, no query hurt): abbreviations and official names of public administration in
  `corpus/lang/synonyms-nl.toml`; a law's name also counts without its leading "wet". The list holds no
  entries made for the evaluation queries.
- **Title weight 1**: a boosted title lost ground (rows "title weight 2/4"), as in the reference runs: long
  national laws have long, generic titles ("Wet van 9 februari 2012 tot ...").
- **Bonuses**: word-pair coordination (documents containing several query words) and proximity (words within six
  positions, in order) overlap: either alone recovers most of what having neither loses. Proximity on top of
  pairs is within noise; it is kept because it is what makes phrase-like queries work in the app without quotes.
- **Length normalisation** b stays 0.75: b=0.5 and b=0.9 differ by less than 0.01, within the noise of 16 queries.
- **Not tuned per query**: weights sit on plateaus (0.5–1.0 for pairs, 1–2 for proximity give the same score
  within 0.01); the held-out set is the real check.
- **Latency**: the full chain scores more terms per query (parts, synonyms, pair clauses) than plain BM25, so
  it costs more at the engine (table above; both with snippets from the best passage). The remaining gap to the
  benchmark issue's budget and its causes are in docs/PERFORMANCE.md.
"""


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=str(REPO / "data"))
    ap.add_argument("--set", default=str(EVAL_DIR))
    ap.add_argument("--out", default=str(REPO / "docs" / "RELEVANCE.md"))
    a = ap.parse_args()
    data, eval_dir = Path(a.data), Path(a.set)
    full = evaluate(SearchEngine(data / "index", FULL), eval_dir)
    rows = [row(name, evaluate(SearchEngine(data / "index", w), eval_dir), full) for name, w in QUERY_TIME]
    queries = LATENCY_QUERIES + [q for _, q in read_queries(eval_dir / "queries.tsv")]
    full_ms = latency(SearchEngine(data / "index", FULL, cache_size=0), queries)
    with tempfile.TemporaryDirectory() as tmp:
        build_index(CrawlStore(data / "crawl.sqlite3"), IndexLocation(tmp), procs=2, progress=False, decompound=False)
        rows.append(row("− index-time compound splitting (and query-side parts)",
                        evaluate(SearchEngine(tmp, replace(FULL, decompound=False)), eval_dir), full))
        rows.append(row("plain BM25F + classic Snowball (no splitting, synonyms, bonuses)",
                        evaluate(SearchEngine(tmp, PLAIN), eval_dir), full))
        plain_ms = latency(SearchEngine(tmp, PLAIN, cache_size=0), queries)
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

## Latency (engine, warm searcher, page 1 with snippets and facets; {len(queries)} queries × 5 rounds)

| chain | p50 ms | p95 ms |
|---|---:|---:|
| plain BM25F + Snowball, index without parts | {plain_ms[0]:.1f} | {plain_ms[1]:.1f} |
| full chain | {full_ms[0]:.1f} | {full_ms[1]:.1f} |

## Compound splitter

{splitter_quality()}

{NOTES}
## The full chain, per query

| query | nDCG@10 | P@10 | recall@100 | MRR |
|---|---:|---:|---:|---:|
{per_query}
"""
    Path(a.out).write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
