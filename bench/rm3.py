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
from relevance import feature_trial  # noqa: E402

CHARS = 20000
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


def main() -> None:
    engine = FeedbackEngine(REPO / "data" / "index", cache_size=0)
    feature_trial(engine, lambda cfg: setattr(FeedbackEngine, "rm3", cfg), GRID,
                  REPO / "bench" / "results" / "rm3.json")


if __name__ == "__main__":
    main()
