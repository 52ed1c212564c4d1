"""The Whoosh engine: searching a published Whoosh index directory (indexer.location) with BM25F, rescored with
compound-modifier and bonus clauses, the best passage and the character grams; facets from arrays read once per
searcher. The search flow itself (checks, fill, paging, hits) is search.engine's.

One SearchEngine per process keeps one open searcher (opening one costs ~50-90 ms) and reopens it when the live
index pointer moves to a new build.
"""
from __future__ import annotations

import json
import math
from bisect import bisect_left
from contextlib import contextmanager

from whoosh import collectors, scoring, sorting
from whoosh.query import And, Or, Term

from indexer.location import IndexMissing
from indexer.schema import SCHEMA_VERSION, day, timestamp

from .engine import (CACHE_SIZE, RESCORE_DEPTH, Hit, PublishedIndexEngine, SearchRequest, every_concept_first, facet_order,
                     gram_counts, make_hit, page_of_ranked, rescoring)
from .facet_counts import FacetCounter, FacetValues
from .passages import best_window, concept_positions
from .query import DEFAULT_WEIGHTS, Weights
from .spelling import near_words

PASSAGE_POSITIONS = 5000        # positions of a word read per document for its best passage (a law's first ones)


def bm25f(weights: Weights) -> scoring.BM25F:
    return scoring.BM25F(B=weights.b, K1=weights.k1, title_B=weights.title_b, short_title_B=weights.title_b)


def _read_postings(m, docnums: list[int], read, offset: int, out: dict) -> None:
    """out[docnum + offset] = read(m) for each of `docnums` (sorted, segment-local) that the postings `m` hold.
    Inside a block of Whoosh's own postings the position is found by bisection, not posting by posting: reading
    the grams and positions of the best 200 matches was a quarter of a query's time (whoosh-reloaded is pinned, so
    its block layout is fixed; any other matcher takes the public skip_to)."""
    leaf = hasattr(m, "_read_ids") and hasattr(m, "_skip_to_block")
    for d in docnums:
        if not m.is_active():
            break
        if leaf:
            if d > m.block_max_id():
                m._skip_to_block(lambda: d > m.block_max_id())
                if not m.is_active():
                    break
            if m._ids is None:
                m._read_ids()
            m._i = bisect_left(m._ids, d, m._i)
        elif m.id() < d:
            m.skip_to(d)
        if m.is_active() and m.id() == d:
            out[d + offset] = read(m)


class _Matches:
    """The hits and the facet counter of one query (search.engine.Matches)."""

    def __init__(self, results, counter):
        self.results, self.counter, self.total = results, counter, counter.total

    def ids(self) -> set:
        return {h.docnum for h in self.results}


class _AllMatches:
    def __init__(self, results):
        self.results, self.total = results, len(results)

    def ids(self) -> set:
        return {h.docnum for h in self.results}


class SearchEngine(PublishedIndexEngine):
    def __init__(self, index_root, weights: Weights = DEFAULT_WEIGHTS, cache_size: int = CACHE_SIZE):
        super().__init__(index_root, weights, cache_size)
        self._ix = None
        self._facet_values: FacetValues | None = None

    # -- the open searcher
    def _current(self):
        """The searcher for the live build, reopened when the pointer moved. Raises IndexMissing."""
        target = self.location.live_target()
        if target is None:
            self._close()
            raise IndexMissing(f"no index published in {self.location.root}; build one with: python run.py index")
        if target != self._target or self._searcher is None:
            built_with = self.location.info().get("schema_version")
            if built_with != SCHEMA_VERSION:
                raise IndexMissing(f"the live index was built by an older version (schema {built_with}, this code "
                                   f"needs {SCHEMA_VERSION}); rebuild it with: python run.py index --rebuild")
            ix = self.location.open_live()
            self._close()
            try:
                searcher = ix.searcher(weighting=bm25f(self.weights))
            except Exception as e:  # damaged segment files
                raise IndexMissing(f"the live index cannot be read ({type(e).__name__}: {e}); "
                                   f"rebuild it with: python run.py index --rebuild") from None
            self._ix, self._target, self._searcher = ix, target, searcher
            self._facet_values = FacetValues(searcher)
        return self._searcher

    def _close(self):
        if self._searcher is not None:
            self._searcher.close()
        self._searcher = self._ix = self._target = None

    @staticmethod
    def _documents(searcher) -> int:
        return searcher.doc_count()

    # -- query
    @staticmethod
    def _filter(filters: dict[str, list[str]]):
        parts = []
        for fieldname, values in filters.items():   # field names were checked by check_request
            values = [v for v in values if v]
            if values:
                parts.append(Or([Term(fieldname, v) for v in values]) if len(values) > 1
                             else Term(fieldname, values[0]))
        if not parts:
            return None
        return parts[0] if len(parts) == 1 else And(parts)

    # -- the steps of the search flow (search.engine.BaseEngine)
    @contextmanager
    def _reading(self, _state):
        with self._lock:
            yield self._current()

    def _match(self, searcher, built, req: SearchRequest, sort: str, order, snippets: bool, facets: bool):
        sortedby = None
        if order == "changed":      # Atom feeds: the most recently new or changed documents first
            sortedby = sorting.MultiFacet([sorting.FieldFacet("changed_at", reverse=True), sorting.ScoreFacet()])
        elif sort == "datum":
            sortedby = sorting.FieldFacet("date", reverse=True)
        # limit covers the requested page; a page past the end is clamped to the last one, whose hits are within
        # that limit too.
        return _Matches(*self._collect(searcher, built, req, sort, sortedby, order, snippets,
                                       self._filter(req.filters)))

    def _page(self, searcher, matches: _Matches, built, req: SearchRequest, sort: str, order, start: int,
              snippets: bool, tiers: tuple) -> list[Hit]:
        shown, scored = page_of_ranked(matches.results, built, req, sort, order, start, tiers, self.weights,
                                       lambda hits: self._rescored(searcher, hits, built))
        return [self._hit(h, built.origins, scored=scored, snippets=snippets) for h in shown]

    @staticmethod
    def _facet_counts(matches: _Matches) -> dict:
        return {name: facet_order(values) for name, values in matches.counter.facet_counts().items()}

    def _collect(self, searcher, built, req: SearchRequest, sort: str, sortedby, order, snippets: bool,
                 filter_query):
        """(results, facet counter) of one query: every match visited (the total and the facets count them all),
        so the collector that keeps them all is the right one: a top-N collector would prune the query with a
        minimum score, which changes both what matches and how it scores."""
        rescore = rescoring(self.weights, built, sort, order)
        depth = max(RESCORE_DEPTH, req.page * req.page_size) if rescore else req.page * req.page_size
        query = built.base if rescore else built.query
        top = collectors.SortingCollector(sortedby, limit=depth) if sortedby else collectors.UnlimitedCollector()
        counter = FacetCounter(top, self._facet_values)
        collector = collectors.TermsCollector(counter) if snippets else counter
        if filter_query is not None:   # the filter wraps last, so it sees every document first
            collector = collectors.FilterCollector(collector, filter_query, None)
        searcher.search_with_collector(query, collector)
        return collector.results(), counter

    def _rescored(self, searcher, hits: list, built) -> list:
        """The hits of the base query with the bonus clauses', the best passage's and the character grams' scores
        added, best first. The bonus is exactly what the full query (AndMaybe) would add, but collected only for
        these documents instead of every match: for two or three common words that halves the cost. (Visiting them
        with skip_to was measured too: no faster.)"""
        if built.bonus is not None:
            extra = {h.docnum: h.score for h in searcher.search(built.bonus, filter={h.docnum for h in hits},
                                                                 limit=None)}
            for h in hits:
                h.score += extra.get(h.docnum, 0.0)
        docnums = [h.docnum for h in hits]
        if self.weights.passage > 0 and built.concepts:
            for h, score in zip(hits, self._passage_scores(searcher, docnums, built.concepts)):
                h.score += self.weights.passage * score
        if self.weights.grams > 0 and built.words:
            for h, score in zip(hits, self._gram_scores(searcher, docnums, built.words)):
                h.score += self.weights.grams * score
        return sorted(hits, key=lambda h: (-h.score, h.docnum))

    @staticmethod
    def _postings_for(searcher, fieldname: str, term: str, docnums: list[int], read):
        """{docnum: read(matcher)} for the documents of `docnums` (sorted) that hold `term`, segment by segment."""
        out = {}
        leaves = searcher.leaf_searchers()
        for i, (sub, offset) in enumerate(leaves):
            end = leaves[i + 1][1] if i + 1 < len(leaves) else math.inf
            local = [d - offset for d in docnums if offset <= d < end]
            if local and (fieldname, term) in sub.reader():
                _read_postings(sub.postings(fieldname, term), local, read, offset, out)
        return out

    def _gram_scores(self, searcher, docnums: list[int], words: list[str]) -> list[float]:
        """BM25 of the query words' character n-grams in the grams field, for these documents only."""
        wanted = sorted(set(docnums))
        n, k1, b = searcher.doc_count_all(), self.weights.k1, self.weights.b
        reader = searcher.reader()
        avg = max(1.0, reader.field_length("grams") / max(1, n))
        scores = dict.fromkeys(wanted, 0.0)
        norms = {d: k1 * (1 - b + b * reader.doc_field_length(d, "grams", 0) / avg) for d in wanted}
        dfs: dict[str, int] = {}

        def df_of(gram: str) -> int:
            if gram not in dfs:
                dfs[gram] = searcher.doc_frequency("grams", gram)
            return dfs[gram]

        for gram, qtf in gram_counts(words, df_of, self.weights.grams_per_word).items():
            df = dfs[gram]
            idf = math.log(1 + (n - df + 0.5) / (df + 0.5))
            for d, tf in self._postings_for(searcher, "grams", gram, wanted, lambda m: m.weight()).items():
                scores[d] += qtf * idf * tf * (k1 + 1) / (tf + norms[d])
        return [scores[d] for d in docnums]

    def _passage_scores(self, searcher, docnums: list[int], concepts) -> list[float]:
        """passages.best_window of each document's body, from the index's own positions."""
        stems = sorted({s for c in concepts for s in c.stems + c.parts})
        positions: dict[int, dict[str, list[int]]] = {d: {} for d in docnums}
        wanted = sorted(set(docnums))
        n = searcher.doc_count_all()
        idf = {}
        for stem in stems:
            df = searcher.doc_frequency("body", stem)
            idf[stem] = math.log(1 + (n - df + 0.5) / (df + 0.5)) if df else 0.0
            if df:
                read = self._postings_for(searcher, "body", stem, wanted,
                                          lambda m: m.value_as("positions")[:PASSAGE_POSITIONS])
                for d, found in read.items():
                    positions[d][stem] = found
        weights = [max([idf[s] for s in c.stems + c.parts] or [0.0]) for c in concepts]
        return [best_window([concept_positions(c, positions[d]) for c in concepts], weights,
                            self.weights.passage_window, self.weights.k1) for d in docnums]

    @staticmethod
    def _df(searcher, word: str) -> int:
        return searcher.doc_frequency("spell", word)

    @staticmethod
    def _near(searcher, word: str) -> list[tuple[str, int]]:
        reader = searcher.reader()
        vocabulary = (b.decode("utf-8") for b in reader.expand_prefix("spell", word[:2]))
        return [(o, searcher.doc_frequency("spell", o))
                for o in near_words(word, vocabulary, lambda o: reader.frequency("spell", o))]

    def _hit(self, hit, origins=None, scored: bool = True, snippets: bool = True) -> Hit:
        stored = hit.fields()
        matched = {(f, t.decode("utf-8") if isinstance(t, bytes) else t) for f, t in (hit.matched_terms() or [])} \
            if snippets else set()
        row = dict(stored, title=stored.get("title", ""), themes=[t for t in stored.get("themes", "").split(",") if t],
                   date=day(stored.get("date")), changed_at=timestamp(stored.get("changed_at")))
        return make_hit(row, hit.score if scored else 0.0, matched, origins or {}, snippets)

    # -- one document
    def document(self, doc_id: str) -> dict | None:
        with self._lock:
            searcher = self._current()
            stored = searcher.document(id=doc_id)
            if stored is None:
                return None
            doc = dict(stored)
            doc["themes"] = [t for t in doc.get("themes", "").split(",") if t]
            doc["theme_evidence"] = json.loads(doc.get("theme_evidence") or "{}")
            doc["date"] = day(doc.get("date"))
            doc["changed_at"] = day(doc.get("changed_at"))
            doc["docnum"] = searcher.document_number(id=doc_id)
            return doc

    def similar(self, doc_id: str, top: int = 5) -> list[Hit]:
        """Documents that look like this one ("lijkt op"): Whoosh more-like-this on the first part of the text."""
        with self._lock:
            searcher = self._current()
            docnum = searcher.document_number(id=doc_id)
            if docnum is None:
                return []
            body = searcher.stored_fields(docnum).get("body", "")[:20_000]
            results = searcher.more_like(docnum, "body", text=body, top=top, numterms=12)
            return [self._hit(h, snippets=False) for h in results]

    def _match_all(self, searcher, built, req: SearchRequest, limit: int) -> _AllMatches:
        kwargs = dict(filter=self._filter(req.filters), limit=limit)
        if req.sort == "datum" or not req.q.strip():
            kwargs["sortedby"] = sorting.FieldFacet("date", reverse=True)
        return _AllMatches(searcher.search(built.query, **kwargs))

    def _all(self, searcher, matches: _AllMatches, built, req: SearchRequest, limit: int, tiers) -> list[Hit]:
        scored = req.sort == "relevantie" and bool(req.q.strip())
        results = matches.results
        if tiers is not None and scored:
            results = every_concept_first(list(results), tiers)
        return [self._hit(h, scored=scored, snippets=False) for h in results]
