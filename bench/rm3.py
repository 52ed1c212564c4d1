"""Pseudo-relevance feedback (RM3) tried on the shipped ranking, measured by the same 5-fold cross-validation as
bench/relevance.py (its folds), so it can be kept only if it helps queries it was not tuned on.

RM3 here: the top `docs` documents of the shipped ranking (their title and first 20,000 characters, analysed by the
index's own Dutch analysis) give a feedback model P(w|R) = sum over D of P(w|D) * score(D) / sum of scores (stop
words, digits and the query's own stems out; optionally times idf); its `terms` best words are added as a bonus with
weight `lam` over the rescored candidates (the result set does not change, only the order).

    python bench/rm3.py        # writes bench/results/rm3.json and prints the table (about 20 min on 2 cores)

The measured outcome is in docs/RELEVANCE.md: it did not help held-out queries, so the product has no RM3.
"""
from __future__ import annotations

import json
import math
import sys
from collections import Counter
from pathlib import Path

from whoosh.query import Or, Term

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

import search.whoosh_engine as E  # noqa: E402
from lang.analysis import stems  # noqa: E402
from relevance import folds_of  # noqa: E402
from search.evaluation import run_queries, score_run  # noqa: E402

CHARS = 20000
SETS = {"themes": REPO / "bench" / "eval-themes", "dev": REPO / "bench" / "eval"}
GRID = [dict(lam=0.0)] + [dict(docs=d, terms=t, lam=lam, idf=i) for d in (5, 10) for t in (10, 20)
                          for lam in (0.1, 0.3, 0.6) for i in (True, False)]


class FeedbackEngine(E.SearchEngine):
    """The shipped engine, with RM3 feedback terms added after its own rescoring."""
    rm3: dict = {}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._stems: dict[int, Counter] = {}

    def _text_stems(self, searcher, docnum: int) -> Counter:
        if docnum not in self._stems:
            stored = searcher.stored_fields(docnum)
            text = stored.get("title", "") + "\n" + (stored.get("body") or "")[:CHARS]
            self._stems[docnum] = Counter(s for s in stems(text) if len(s) >= 3 and not s.isdigit())
        return self._stems[docnum]

    def _rescored(self, searcher, hits, built):
        ranked = super()._rescored(searcher, hits, built)
        cfg = self.rm3
        if not cfg.get("lam") or not ranked:
            return ranked
        feedback = ranked[:cfg["docs"]]
        total = sum(max(h.score, 0.0) for h in feedback) or 1.0
        model: Counter = Counter()
        for h in feedback:
            tf = self._text_stems(searcher, h.docnum)
            length = sum(tf.values()) or 1
            for w, c in tf.items():
                model[w] += c / length * max(h.score, 0.0) / total
        if cfg["idf"]:
            n = searcher.doc_count_all()
            for w in list(model):
                df = searcher.doc_frequency("body", w)
                model[w] *= math.log(1 + (n - df + 0.5) / (df + 0.5)) if df else 0.0
        own = {s for c in built.concepts for s in c.stems + c.parts}
        terms = [(w, p) for w, p in model.most_common(cfg["terms"] + len(own)) if w not in own][:cfg["terms"]]
        if not terms or terms[0][1] <= 0:
            return ranked
        top = terms[0][1]
        q = Or([Term(f, w, boost=cfg["lam"] * p / top) for w, p in terms for f in ("body", "title")])
        extra = {x.docnum: x.score for x in searcher.search(q, filter={h.docnum for h in ranked}, limit=None)}
        for h in ranked:
            h.score += extra.get(h.docnum, 0.0)
        return sorted(ranked, key=lambda h: (-h.score, h.docnum))


def mean(scores: dict, qids) -> float:
    qids = list(qids)
    return sum(scores[q] for q in qids) / max(1, len(qids))


def main() -> None:
    engine = FeedbackEngine(REPO / "data" / "index", cache_size=0)
    out = {}
    for cfg in GRID:
        FeedbackEngine.rm3 = cfg
        key = json.dumps(cfg, sort_keys=True)
        out[key] = {name: {q: v["nDCG@10"] for q, v in score_run(run_queries(engine, d), d).per_query.items()}
                    for name, d in SETS.items()}
        print(key, *(f"{mean(out[key][s], out[key][s]):.4f}" for s in SETS), flush=True)
    base = json.dumps(GRID[0], sort_keys=True)
    qids = sorted(out[base]["themes"])
    held, chosen = {}, []
    for fold in folds_of(qids, 5):
        train = [q for q in qids if q not in fold]
        best = max(out, key=lambda k: mean(out[k]["themes"], train))
        chosen.append(best)
        held.update({q: (out[best]["themes"][q], out[base]["themes"][q]) for q in fold})
    summary = {
        "cv_rm3": mean({q: a for q, (a, _) in held.items()}, held),
        "cv_without": mean({q: b for q, (_, b) in held.items()}, held),
        "helped": sum(a > b + 1e-9 for a, b in held.values()),
        "hurt": sum(a < b - 1e-9 for a, b in held.values()),
        "chosen_per_fold": chosen,
    }
    whole = max(out, key=lambda k: mean(out[k]["themes"], qids))
    summary["check_set_with_whole_set_choice"] = mean(out[whole]["dev"], out[whole]["dev"])
    summary["check_set_without"] = mean(out[base]["dev"], out[base]["dev"])
    (REPO / "bench" / "results" / "rm3.json").write_text(json.dumps({"summary": summary, "per_setting": out},
                                                                    indent=1), encoding="utf-8")
    print(json.dumps(summary, indent=1))


if __name__ == "__main__":
    main()
