"""Relevance evaluation: every query of a TREC-style set through the real search path, scored with the
set's own scorer (bench/eval/score.py), so the numbers are the ones the project reports."""
from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from pathlib import Path

from .engine import Engine, SearchRequest

EVAL_DIR = Path(__file__).resolve().parent.parent / "bench" / "eval"
DEPTH = 100


def _scorer(eval_dir: Path):
    """The set's own score.py, else the dev set's (one scorer for every set that brings none)."""
    path = eval_dir / "score.py" if (eval_dir / "score.py").exists() else EVAL_DIR / "score.py"
    spec = importlib.util.spec_from_file_location("eval_score", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def read_queries(path: Path) -> list[tuple[str, str]]:
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            qid, _, text = line.partition("\t")
            out.append((qid.strip(), text.strip()))
    return out


@dataclass
class EvalResult:
    means: dict[str, float]
    per_query: dict[str, dict[str, float]]
    unjudged_at_10: float
    run: dict[str, list[str]]
    unjudged: dict[str, list[str]]   # per query: the top-10 documents the set has no judgment for


def run_queries(engine: Engine, eval_dir: Path = EVAL_DIR) -> dict[str, list[str]]:
    """Every query of the set through the real search path: qid -> document ids, best first."""
    run: dict[str, list[str]] = {}
    for qid, text in read_queries(eval_dir / "queries.tsv"):
        result = engine.search(SearchRequest(q=text, page_size=DEPTH), snippets=False, facets=False)
        run[qid] = [h.identifier or h.url for h in result.hits]
    return run


def score_run(run: dict[str, list[str]], eval_dir: Path = EVAL_DIR, k: int = 10) -> EvalResult:
    """A run scored with the set's judgments (queries without a relevant document are left out)."""
    scorer = _scorer(eval_dir)
    qrels = scorer.read_qrels(str(eval_dir / "qrels.tsv"))
    per_query, totals, unjudged, missing = {}, {}, 0.0, {}
    used = [q for q in sorted(qrels) if any(g >= 1 for g in qrels[q].values())]
    for qid in used:
        scores = scorer.score_query(run.get(qid, []), qrels[qid], k, DEPTH)
        per_query[qid] = scores
        missing[qid] = [d for d in run.get(qid, [])[:k] if d not in qrels[qid]]
        unjudged += len(missing[qid]) / k
        for name, value in scores.items():
            totals[name] = totals.get(name, 0.0) + value
    n = max(1, len(used))
    return EvalResult({m: v / n for m, v in totals.items()}, per_query, unjudged / n, run, missing)


def evaluate(engine: Engine, eval_dir: Path = EVAL_DIR, k: int = 10) -> EvalResult:
    return score_run(run_queries(engine, eval_dir), eval_dir, k)


def write_run(result: EvalResult, path: Path, tag: str = "beleidszoeker") -> None:
    """TREC run file, readable by score.py."""
    with open(path, "w", encoding="utf-8") as f:
        for qid, docs in result.run.items():
            for rank, doc in enumerate(docs, 1):
                f.write(f"{qid} Q0 {doc} {rank} {DEPTH - rank + 1} {tag}\n")
