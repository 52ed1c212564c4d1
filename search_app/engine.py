"""Searching the live index: query parsing with a graceful fallback, filters, facets, sorting,
paging and highlighted snippets. No Flask here: the web views, the JSON API and `run.py search`
all call SearchEngine.search() and get the same SearchResult.

One SearchEngine per process keeps one open searcher (opening one costs ~50-90 ms) and
reopens it when the live index pointer moves to a new build.
"""
from __future__ import annotations

import json
import math
import re
import threading
from bisect import bisect_left
from collections import Counter
from dataclasses import dataclass, field

from whoosh import collectors, scoring, sorting
from whoosh.query import And, NullQuery, Or, Term

from indexer.analysis import TOKEN_PATTERN, word_grams
from indexer.build import IndexLocation, IndexMissing
from indexer.schema import MISSING_DATE, SCHEMA_VERSION

from .facet_counts import FacetCounter, FacetValues
from .passages import best_window, concept_positions
from .query import DEFAULT_WEIGHTS, QueryBuilder, Weights
from .result_cache import ResultCache
from .snippets import snippet
from .spelling import near_words, suggest, unknown_notice

FACET_FIELDS = ["themes", "organisation", "doctype", "year"]
SORTS = ("relevantie", "datum")
PAGE_SIZE = 10
MAX_PAGE_SIZE = 100
MAX_PAGE = 1000
MAX_QUERY_LENGTH = 500
CACHE_SIZE = 512                # results kept per worker, per index build (the theme and facet pages repeat a lot)
FALLBACK_NOTICE = ("Weinig of geen documenten bevatten al uw zoekwoorden. Die staan bovenaan; daarna volgen "
                   "documenten met een deel ervan, die met de meeste zoekwoorden eerst.")
RESCORE_DEPTH = 200             # the bonus clauses are scored for this many best base matches, not all matches
PASSAGE_POSITIONS = 5000        # positions of a word read per document for its best passage (a law's first ones)

_OPERATOR = re.compile(r"^(AND|OR|NOT|ANDNOT|ANDMAYBE)$")


class QueryError(ValueError):
    """The request itself is unusable (not the query text: that one degrades gracefully)."""


@dataclass
class SearchRequest:
    q: str = ""
    filters: dict[str, list[str]] = field(default_factory=dict)   # index field -> accepted values (OR)
    sort: str = "relevantie"
    page: int = 1
    page_size: int = PAGE_SIZE


@dataclass
class Hit:
    id: str
    url: str
    title: str
    score: float
    themes: list[str]
    organisation: str
    doctype: str
    year: str
    date: str
    snippet: str          # HTML: escaped text with <mark> around matches, nothing else
    identifier: str
    site: str
    changed_at: str = ""  # when the crawler last saw its content change (RFC 3339, UTC)
    fetched_at: str = ""
    passage: str = ""     # heading of the best-matching article/section/page
    deep_link: str = ""   # url#anchor of that passage
    why: list[dict] = field(default_factory=list)   # [{"reason": ..., "fields": [...]}]

    @property
    def anchor(self) -> str:
        """The best passage's anchor: the same on the source page and on the app's copy (/document/<id>#…)."""
        return self.deep_link.partition("#")[2]

    def as_json(self) -> dict:
        return {"id": self.id, "url": self.url, "title": self.title, "score": round(self.score, 4),
                "themes": self.themes, "organisation": self.organisation, "type": self.doctype,
                "date": self.date or None, "snippet": self.snippet, "identifier": self.identifier,
                "passage": self.passage or None, "deep_link": self.deep_link or self.url, "why": self.why}


@dataclass
class SearchResult:
    query: str
    total: int
    hits: list[Hit]
    facets: dict[str, list[tuple[str, int]]]
    page: int
    pages: int
    page_size: int
    sort: str
    notices: list[str] = field(default_factory=list)
    interpreted_as: str = ""
    suggestion: str = ""      # a corrected query ("Bedoelde u ...?"), or ''

    def as_json(self) -> dict:
        return {"query": self.query, "total": self.total, "page": self.page, "pages": self.pages,
                "page_size": self.page_size, "sort": self.sort, "notices": self.notices,
                "suggestion": self.suggestion or None,
                "results": [h.as_json() for h in self.hits],
                "facets": {name: [{"value": v, "count": c} for v, c in values]
                           for name, values in self.facets.items()}}


# ------------------------------------------------------------------ query text

def syntax_problem(q: str) -> str:
    """What is wrong with the query syntax, in Dutch, or '' when it is fine."""
    if q.count('"') % 2:
        return "een aanhalingsteken zonder partner"
    depth = 0
    for ch in q:
        depth += (ch == "(") - (ch == ")")
        if depth < 0:
            break
    if depth:
        return "haakjes die niet kloppen"
    words = q.split()
    ops = [bool(_OPERATOR.match(w)) for w in words]
    if words and (ops[0] or ops[-1]):
        return "een los AND/OR/NOT aan het begin of eind"
    if any(a and b for a, b in zip(ops, ops[1:])):
        return "twee operatoren achter elkaar"
    return ""


def plain_terms(q: str) -> str:
    """The words of q without any query syntax."""
    words = re.findall(TOKEN_PATTERN, q, flags=re.UNICODE)
    return " ".join(w for w in words if not _OPERATOR.match(w))


FIELD_LABELS = {"title": "titel", "short_title": "citeertitel", "body": "tekst"}


def explain(matched: set[tuple[str, str]], origins: dict[tuple[str, str], str]) -> list[dict]:
    """Which query words, compound parts and synonyms a document matched, and in which fields."""
    reasons: dict[str, list[str]] = {}
    for fieldname, term in sorted(matched):
        why = origins.get((fieldname, term))
        if why is None or fieldname not in FIELD_LABELS:
            continue
        fields = reasons.setdefault(why, [])
        if FIELD_LABELS[fieldname] not in fields:
            fields.append(FIELD_LABELS[fieldname])
    return [{"reason": why, "fields": fields} for why, fields in reasons.items()]


def _day(value) -> str:
    return value.strftime("%Y-%m-%d") if value and value != MISSING_DATE else ""


def _timestamp(value) -> str:
    """UTC timestamp as RFC 3339 ('' when unknown)."""
    return value.strftime("%Y-%m-%dT%H:%M:%SZ") if value and value != MISSING_DATE else ""


# ------------------------------------------------------------------ shared by both search backends

LAST_PAGE_NOTICE = "Er zijn maar {pages} pagina's met resultaten; u ziet de laatste."


def check_request(req: SearchRequest) -> None:
    if req.sort not in SORTS:
        raise QueryError(f"sort must be one of {', '.join(SORTS)}")
    if not 1 <= req.page <= MAX_PAGE:
        raise QueryError(f"page must be between 1 and {MAX_PAGE}")
    if not 1 <= req.page_size <= MAX_PAGE_SIZE:
        raise QueryError(f"page size must be between 1 and {MAX_PAGE_SIZE}")
    if len(req.q) > MAX_QUERY_LENGTH:
        raise QueryError(f"the query is longer than {MAX_QUERY_LENGTH} characters")
    for fieldname in req.filters:
        if fieldname not in FACET_FIELDS:
            raise QueryError(f"unknown filter field {fieldname!r}")


def parse_query(builder: QueryBuilder, q: str, notices: list[str]):
    """The query tree for q; what had to be read differently is told in `notices`, never raised."""
    problem = syntax_problem(q)
    if problem:
        notices.append(f"Uw zoekvraag bevat {problem}. We hebben gezocht op de losse woorden: "
                       f"{plain_terms(q) or '(geen)'}.")
        q = plain_terms(q)
    try:
        built = builder.build(q)
    except Exception:  # the parser is lenient, but a query string must never cause a 500
        notices.append("Uw zoekvraag kon niet gelezen worden. We hebben gezocht op de losse woorden.")
        built = builder.build(plain_terms(q))
    if built.query is NullQuery:
        notices.append("Uw zoekvraag bevat alleen woorden die te algemeen zijn om op te zoeken "
                       "(zoals 'de', 'het', 'van').")
    return built


def fallback_needed(built, total: int, weights: Weights = DEFAULT_WEIGHTS) -> bool:
    """Whether the result set of every concept is too small (fewer than weights.fill_below documents) and the
    query has a most-of-them fallback: then the documents holding every concept come first and those holding
    most of the concepts follow them."""
    return built.fallback is not None and total < weights.fill_below


def every_concept_first(hits: list, strict: set) -> list:
    """Hits in their order, but those of the every-concept set (`strict`) before the others."""
    return sorted(hits, key=lambda h: h.docnum not in strict) if strict else hits


def whoosh_idf(n: int, df: int) -> float:
    """Whoosh's IDF (log(N / (df + 1)) + 1): every backend weighs rare and common words as the Whoosh engine does."""
    return math.log(n / (df + 1)) + 1


def clamp_page(total: int, req: SearchRequest, notices: list[str]) -> tuple[int, int]:
    """(page, pages) for `total` results: a page past the end is the last one, and `notices` says so."""
    pages = max(1, math.ceil(total / req.page_size))
    if req.page > pages:
        notices.append(LAST_PAGE_NOTICE.format(pages=pages))
        return pages, pages
    return req.page, pages


def rescoring(weights: Weights, built, sort: str, order) -> bool:
    """Whether the best base matches get their bonus, passage and gram scores added (relevance order only)."""
    return (sort == "relevantie" and order is None and built.base is not None
            and (built.bonus is not None or (weights.passage > 0 and bool(built.concepts))
                 or (weights.grams > 0 and bool(built.words))))


def gram_counts(words: list[str]) -> Counter:
    """The query's character n-grams with how often each occurs in the query words (BM25's query term
    frequency)."""
    return Counter(g for w in words for g in word_grams(w))


def facet_order(counted) -> list[tuple[str, int]]:
    """Facet values, most frequent first, then alphabetical."""
    return sorted(counted, key=lambda kv: (-kv[1], kv[0]))


def stored_hit(stored: dict, score: float, matched: set[tuple[str, str]], origins=None,
               snippets: bool = True) -> Hit:
    """A Hit from a document's stored fields (as the Whoosh schema stores them) and the (field, term) pairs of the
    query it matched: snippet and "why" only with `snippets`."""
    text, passage, deep_link = "", "", ""
    if snippets:
        text, passage, deep_link = snippet(stored.get("body") or "", stored.get("passages"), stored["url"],
                                           {t for f, t in matched if f == "body"}, stored.get("title", ""))
    return Hit(id=stored["id"], url=stored["url"], title=stored.get("title", ""), score=score,
               themes=[t for t in stored.get("themes", "").split(",") if t],
               organisation=stored.get("organisation", ""), doctype=stored.get("doctype", ""),
               year=stored.get("year", ""),
               date=_day(stored.get("date")),
               snippet=text, identifier=stored.get("identifier", ""), site=stored.get("site", ""),
               passage=passage, deep_link=deep_link,
               changed_at=_timestamp(stored.get("changed_at")), fetched_at=stored.get("fetched_at", ""),
               why=explain(matched, origins or {}) if snippets else [])


def stored_document(stored) -> dict:
    """One document's stored fields for the document page: themes as a list, evidence parsed, dates as days."""
    doc = dict(stored)
    doc["themes"] = [t for t in doc.get("themes", "").split(",") if t]
    doc["theme_evidence"] = json.loads(doc.get("theme_evidence") or "{}")
    doc["date"] = _day(doc.get("date"))
    doc["changed_at"] = _day(doc.get("changed_at"))
    return doc


# ------------------------------------------------------------------ the engine

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


class RankedSearch:
    """The search flow of an engine that matches and ranks in an index directory of its own (Whoosh, tantivy):
    the every-concept set filled up when small, the bonus/passage/gram rescoring of the best RESCORE_DEPTH,
    every-concept documents first, paging, facets and spelling, cached per index build. A subclass says how to
    open its searcher (_current, _close), plan a request (_plan: sorting, filters), collect matches (_collect),
    rescore (_rescored), read a page's hits (_page_hits), count facets (_facet_counts) and suggest (_suggest)."""

    def __init__(self, index_root, weights: Weights = DEFAULT_WEIGHTS, cache_size: int = CACHE_SIZE):
        self.location = IndexLocation(index_root)
        self.weights = weights
        self.builder = QueryBuilder(weights)
        self._lock = threading.RLock()
        self._cache = ResultCache(cache_size)
        self._target: str | None = None
        self._searcher = None

    def search(self, req: SearchRequest, snippets: bool = True, facets: bool = True,
               order: str | None = None) -> SearchResult:
        """Cached per index build: the same request on the same build gives the same result."""
        key = self._cache.key(self.location.live_target(), req, snippets, facets, order)
        return self._cache.get(key, lambda: self._search(req, snippets, facets, order))

    def close(self):
        with self._lock:
            self._close()

    def _search(self, req: SearchRequest, snippets: bool, facets: bool, order: str | None) -> SearchResult:
        check_request(req)
        with self._lock:
            searcher = self._current()
            notices: list[str] = []
            built = parse_query(self.builder, req.q, notices)
            sort = req.sort if req.q.strip() else "datum"
            plan = self._plan(req, sort, order)
            # limit covers the requested page; a page past the end is clamped to the last one,
            # whose hits are within that limit too.
            results, total, collected = self._collect(searcher, built, req, sort, order, snippets, plan)
            strict: set = set()
            fallback_used = fallback_needed(built, total, self.weights)
            if fallback_used:
                strict = {h.docnum for h in results}
                built = built.fallback
                results, total, collected = self._collect(searcher, built, req, sort, order, snippets, plan)
                if total > len(strict):
                    notices.append(FALLBACK_NOTICE)
            depth = req.page * req.page_size
            # the best RESCORE_DEPTH base matches get their bonuses, the rest keep their base order after them: the
            # same for every page, so paging never shows a document twice
            ranked = (self._rescored(searcher, results[:RESCORE_DEPTH], built, plan) + results[RESCORE_DEPTH:depth]
                      if rescoring(self.weights, built, sort, order) else results[:depth])
            if sort == "relevantie" and order is None:
                ranked = every_concept_first(ranked, strict)
            page, pages = clamp_page(total, req, notices)
            start = (page - 1) * req.page_size
            scored = sort == "relevantie" and order is None
            hits = self._page_hits(searcher, ranked[start:start + req.page_size], built, scored, snippets, plan)
            facet_counts = self._facet_counts(searcher, collected) if facets else {}
            # how many documents hold every concept (not the filled-up set) decides whether a spelling is doubtful
            held = len(strict) if fallback_used else total
            suggestion = self._suggest(searcher, built.words, held, notices) if req.q.strip() else ""
            return SearchResult(query=req.q, total=total, hits=hits, facets=facet_counts, page=page,
                                pages=pages, page_size=req.page_size, sort=sort, notices=notices,
                                interpreted_as=str(built.query), suggestion=suggestion)


class SearchEngine(RankedSearch):
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

    def status(self) -> dict:
        """What the app should say about the index: {'ok': bool, 'message', 'documents', 'built_at'}."""
        with self._lock:
            try:
                searcher = self._current()
                info = self.location.info()
                return {"ok": True, "documents": searcher.doc_count(), "built_at": info.get("built_at", "")}
            except IndexMissing as e:
                return {"ok": False, "message": str(e)}

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

    def _plan(self, req: SearchRequest, sort: str, order: str | None):
        """(sort facet or None, filter query or None) of a request."""
        sortedby = None
        if order == "changed":      # Atom feeds: the most recently new or changed documents first
            sortedby = sorting.MultiFacet([sorting.FieldFacet("changed_at", reverse=True), sorting.ScoreFacet()])
        elif sort == "datum":
            sortedby = sorting.FieldFacet("date", reverse=True)
        return sortedby, self._filter(req.filters)

    def _page_hits(self, searcher, shown: list, built, scored: bool, snippets: bool, plan) -> list[Hit]:
        return [self._hit(h, built.origins, scored=scored, snippets=snippets) for h in shown]

    @staticmethod
    def _facet_counts(searcher, counter) -> dict[str, list[tuple[str, int]]]:
        return {name: facet_order(values) for name, values in counter.facet_counts().items()}

    def _collect(self, searcher, built, req: SearchRequest, sort: str, order, snippets: bool, plan):
        """(results, total, facet counter) of one query: every match visited (the total and the facets count them
        all), so the collector that keeps them all is the right one: a top-N collector would prune the query with
        a minimum score, which changes both what matches and how it scores."""
        sortedby, filter_query = plan
        rescore = rescoring(self.weights, built, sort, order)
        depth = max(RESCORE_DEPTH, req.page * req.page_size) if rescore else req.page * req.page_size
        query = built.base if rescore else built.query
        top = collectors.SortingCollector(sortedby, limit=depth) if sortedby else collectors.UnlimitedCollector()
        counter = FacetCounter(top, self._facet_values)
        collector = collectors.TermsCollector(counter) if snippets else counter
        if filter_query is not None:   # the filter wraps last, so it sees every document first
            collector = collectors.FilterCollector(collector, filter_query, None)
        searcher.search_with_collector(query, collector)
        return collector.results(), counter.total, counter

    def _rescored(self, searcher, hits: list, built, plan=None) -> list:
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
        for gram, qtf in gram_counts(words).items():
            df = searcher.doc_frequency("grams", gram)
            if not df:
                continue
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
    def _suggest(searcher, words: list[str], total: int, notices: list[str]) -> str:
        """A corrected query from the index's own vocabulary (search_app.spelling); the query words that no
        document holds are told in `notices`."""
        reader = searcher.reader()

        def near(word):
            vocabulary = (b.decode("utf-8") for b in reader.expand_prefix("spell", word[:2]))
            return [(o, searcher.doc_frequency("spell", o))
                    for o in near_words(word, vocabulary, lambda o: reader.frequency("spell", o))]
        corrected, unknown = suggest(words, total, lambda w: searcher.doc_frequency("spell", w), near)
        if unknown_notice(unknown):
            notices.append(unknown_notice(unknown))
        return corrected

    def _hit(self, hit, origins=None, scored: bool = True, snippets: bool = True) -> Hit:
        matched = {(f, t.decode("utf-8") if isinstance(t, bytes) else t) for f, t in (hit.matched_terms() or [])} \
            if snippets else set()
        return stored_hit(hit.fields(), float(hit.score or 0.0) if scored else 0.0, matched, origins, snippets)

    # -- one document
    def document(self, doc_id: str) -> dict | None:
        with self._lock:
            searcher = self._current()
            stored = searcher.document(id=doc_id)
            if stored is None:
                return None
            return stored_document(stored)

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

    def all_hits(self, req: SearchRequest, limit: int):
        """Every result of a search up to `limit`, in rank (or date) order, without snippets: for exports."""
        check_request(req)
        with self._lock:
            searcher = self._current()
            built = parse_query(self.builder, req.q, [])
            kwargs = dict(filter=self._filter(req.filters), limit=limit)
            if req.sort == "datum" or not req.q.strip():
                kwargs["sortedby"] = sorting.FieldFacet("date", reverse=True)
            results = searcher.search(built.query, **kwargs)
            scored = req.sort == "relevantie" and bool(req.q.strip())
            if fallback_needed(built, len(results), self.weights):
                strict = {h.docnum for h in results}
                results = searcher.search(built.fallback.query, **kwargs)
                results = every_concept_first(list(results), strict) if scored else results
            return len(results), [self._hit(h, scored=scored, snippets=False) for h in results]
