"""Citation counts as a ranking prior (issue 17), measured by the same 5-fold cross-validation as
bench/relevance.py (its folds), so it is kept only if it helps queries it was not tuned on.

The prior: a regulation that many documents of the corpus cite (the reference table: documents citing its BWB id)
gets its score raised after the shipped rescoring, either multiplied by 1 + lam * ln(1 + citations) ("mult") or
plus lam * the top score * ln(1 + citations) / ln(1 + the most citations of any document) ("add"). The result set
does not change, only the order. lam = 0 is the shipped ranking and is one of the candidates.

    python bench/citation_prior.py     # reads data/index and data/crawl.sqlite3; writes bench/results/citation-prior.json
"""
from __future__ import annotations

import math
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

import search.whoosh_engine as E  # noqa: E402
from relevance import feature_trial  # noqa: E402
from store.crawl_store import CrawlStore  # noqa: E402

GRID = [dict(form="none", lam=0.0)] + [dict(form=f, lam=lam) for f in ("mult", "add")
                                         for lam in (0.02, 0.05, 0.1, 0.2, 0.4)]


class PriorEngine(E.SearchEngine):
    """The shipped engine, with the citation prior applied after its own rescoring."""
    prior: dict = {}
    citations: dict[str, int] = {}

    def _rescored(self, searcher, hits, built):
        ranked = super()._rescored(searcher, hits, built)
        cfg = self.prior
        if not cfg.get("lam") or not ranked:
            return ranked
        most = math.log1p(max(self.citations.values()))
        top = max(h.score for h in ranked)
        for h in ranked:
            c = math.log1p(self.citations.get(searcher.stored_fields(h.docnum).get("identifier", ""), 0))
            h.score = h.score * (1 + cfg["lam"] * c) if cfg["form"] == "mult" else h.score + cfg["lam"] * top * c / most
        return sorted(ranked, key=lambda h: (-h.score, h.docnum))


def main() -> None:
    PriorEngine.citations = CrawlStore(REPO / "data" / "crawl.sqlite3", readonly=True).citation_counts()
    engine = PriorEngine(REPO / "data" / "index", cache_size=0)
    feature_trial(engine, lambda cfg: setattr(PriorEngine, "prior", cfg), GRID,
                  REPO / "bench" / "results" / "citation-prior.json")


if __name__ == "__main__":
    main()
