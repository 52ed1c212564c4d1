"""The Engine protocol and what every engine shares: the request and result types, request checks, query
parsing with a graceful fallback, the every-concept fill, paging and hit building. One module per engine
(search.whoosh_engine, search.postgresql_engine) supplies only how its index matches, ranks, counts facets and
knows words; search.engines opens the one an index URL names. No Flask here: the web views, the JSON API,
`run.py search`, `run.py eval` and bench/ all call Engine.search() and get the same SearchResult.
"""
from __future__ import annotations

import math
import re
import threading
from collections import Counter
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Callable, Protocol

from whoosh.query import AndNot, Not, NullQuery, Phrase, Prefix, Term, Wildcard
from whoosh.query.spans import SpanNear2

from indexer.location import IndexLocation, IndexMissing  # IndexMissing: raised by every engine, caught from here
from lang.analysis import TOKEN_PATTERN, word_grams

from .query import DEFAULT_WEIGHTS, QueryBuilder, Weights
from .result_cache import ResultCache
from .snippets import snippet
from .spelling import suggest, unknown_notice

FACET_FIELDS = ["themes", "organisation", "doctype", "year", "refs"]   # refs: the cited regulations (Grondslag)
SORTS = ("relevantie", "datum")
PAGE_SIZE = 10
MAX_PAGE_SIZE = 100
MAX_PAGE = 1000
MAX_QUERY_LENGTH = 500
CACHE_SIZE = 512                # results kept per worker, per index build (the theme and facet pages repeat a lot)
RESCORE_DEPTH = 200             # the bonus clauses are scored for this many best base matches, not all matches
FALLBACK_NOTICE = ("Weinig of geen documenten bevatten al uw zoekwoorden. Die staan bovenaan; daarna volgen "
                   "documenten met een deel ervan, die met de meeste zoekwoorden eerst.")

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


def matching_leaves(node) -> dict:
    """{leaf: its (field, term) pairs} of a query tree: the clauses that match a document on their own (a term, a
    phrase, a compound's parts near each other; a prefix or wildcard, whose terms the engine finds), negated
    clauses left out. A document matched a query term when it
    matches a leaf holding it, which is what Whoosh's matched terms say (a compound's part far from its other part,
    or a word only a bonus clause outside the matched query asks for, matched nothing): an engine that cannot
    report matched terms asks each leaf, so its snippets, passages and "why this result" are Whoosh's."""
    out: dict = {}

    def text(value) -> str:
        return value.decode("utf-8") if isinstance(value, bytes) else value

    def walk(n) -> None:
        if isinstance(n, Term):
            out.setdefault(n, frozenset({(n.fieldname, text(n.text))}))
        elif isinstance(n, Phrase):
            out.setdefault(n, frozenset((n.fieldname, text(w)) for w in n.words))
        elif isinstance(n, SpanNear2):
            out.setdefault(n, frozenset((q.fieldname, text(q.text)) for q in n.qs))
        elif isinstance(n, (Prefix, Wildcard)):
            out.setdefault(n, frozenset())   # its terms are the index's: the engine expands it
        elif isinstance(n, AndNot):
            walk(n.a)
        elif not isinstance(n, Not):
            for child in n.children():
                walk(child)
    if node is not None:
        walk(node)
    return out


def matched_query(weights: Weights, built, sort: str, order):
    """The query whose terms a hit matched: the base query when the best matches were rescored (the bonus clauses
    only add to their scores), else the whole query."""
    return built.base if rescoring(weights, built, sort, order) else built.query


# ------------------------------------------------------------------ shared by every engine

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
    notices.extend(n for n in built.notices if n not in notices)
    if built.query is NullQuery and not built.notices:   # a filter that said why it matches nothing said enough
        notices.append("Uw zoekvraag bevat alleen woorden die te algemeen zijn om op te zoeken "
                       "(zoals 'de', 'het', 'van').")
    return built


def fallback_needed(built, total: int, weights: Weights = DEFAULT_WEIGHTS) -> bool:
    """Whether the result set of every concept is too small (fewer than weights.fill_below documents) and the
    query has wider sets to fill up with (BuiltQuery.wider): then the documents holding every concept come first
    and those of the wider sets follow them, narrowest first."""
    return bool(built.wider) and total < weights.fill_below


def every_concept_first(hits: list, tiers: tuple) -> list:
    """Hits in their order, but by tier first: the every-concept set (`tiers[0]`), then the documents holding any
    of the concepts (`tiers[1]`, when the fill also took compound modifiers), then the others."""
    if not tiers:
        return hits
    return sorted(hits, key=lambda h: next((i for i, tier in enumerate(tiers) if h.docnum in tier), len(tiers)))


def facet_order(counted) -> list[tuple[str, int]]:
    """Facet values, most frequent first, then alphabetical: two stable sorts by C key functions (a page counts
    up to a thousand cited regulations; one sort by a Python key function took three times as long)."""
    return sorted(sorted(counted, key=itemgetter(0)), key=itemgetter(1), reverse=True)



class Matches(Protocol):
    """What an engine's match step found: how many documents (`total`), and on demand which (their ids in the
    engine's own terms, for ranking the every-concept set first)."""
    total: int

    def ids(self) -> set: ...


def fill(built, weights: Weights, match: Callable[[object], Matches], notices: list[str]):
    """The every-concept rule with its most-of-them fill, for any engine: match the query; when fewer documents
    than weights.fill_below hold every concept, match its wider sets one at a time, narrowest first (any
    concept, then a compound's modifier alone: BuiltQuery.wider), until one holds fill_below documents or none is
    left; the sets passed rank first, in their order (the tiers).
    -> (query matched, its matches, those tiers of ids, or None when no fill was needed)."""
    found = match(built)
    if not fallback_needed(built, found.total, weights):
        return built, found, None
    tiers: tuple = ()
    for step in built.wider:
        tiers += (found.ids(),)
        built, found = step, match(step)
        if found.total >= weights.fill_below:
            break
    if found.total > len(tiers[0]):
        notices.append(FALLBACK_NOTICE)
    return built, found, tiers


def page_window(total: int, req: SearchRequest, notices: list[str]) -> tuple[int, int, int]:
    """(page shown, pages, offset of its first hit): a page past the end shows the last one and says so."""
    pages = max(1, math.ceil(total / req.page_size))
    page = req.page
    if page > pages:
        notices.append(LAST_PAGE_NOTICE.format(pages=pages))
        page = pages
    return page, pages, (page - 1) * req.page_size


def rescoring(weights: Weights, built, sort: str, order) -> bool:
    """Whether the best base matches get their bonus, passage and gram scores added (relevance order only)."""
    return (sort == "relevantie" and order is None and built.base is not None
            and (built.bonus is not None or (weights.passage > 0 and bool(built.concepts))
                 or (weights.grams > 0 and bool(built.words))))


def gram_counts(words: list[str], df: Callable[[str], int], per_word: int = 0) -> Counter:
    """The query words' character n-grams (lang.analysis.word_grams) that some document holds, each with how often
    the query holds it: of each word only its `per_word` rarest by document frequency (ties by the gram; all of
    them when 0). A long compound has a dozen grams or more, and its commonest (ing_, heid, ning) are in most
    documents: they say little, and scoring their long posting lists was the largest part of a results page at
    500k documents (the best 200 documents of 500k lie in nearly every window tantivy's union reads)."""
    out: Counter = Counter()
    for word in words:
        grams = [g for g in word_grams(word) if df(g)]
        if per_word and len(set(grams)) > per_word:
            rarest = set(sorted(set(grams), key=lambda g: (df(g), g))[:per_word])
            grams = [g for g in grams if g in rarest]
        out.update(grams)
    return out


def page_of_ranked(results: list, built, req: SearchRequest, sort: str, order, start: int, tiers: tuple,
                   weights: Weights, rescore: Callable[[list], list]) -> tuple[list, bool]:
    """(the hits of one page, whether their scores mean anything) from an engine's matches in base order: the best
    RESCORE_DEPTH rescored (`rescore` adds an engine's bonus, passage and gram scores and sorts them), the rest in
    their base order after them, the same for every page, so paging never shows a document twice; in relevance
    order the every-concept set first."""
    depth = req.page * req.page_size
    scored = sort == "relevantie" and order is None
    if scored and tiers:   # a tier is never cut off by the documents of a later one
        results = every_concept_first(list(results), tiers)
    ranked = (rescore(results[:RESCORE_DEPTH]) + results[RESCORE_DEPTH:depth]
              if rescoring(weights, built, sort, order) else results[:depth])
    if scored:
        ranked = every_concept_first(ranked, tiers)
    return ranked[start:start + req.page_size], scored


def make_hit(row: dict, score: float, matched: set, origins: dict, snippets: bool) -> Hit:
    """A Hit from a document's stored values as plain text (every engine converts its own to these: `themes` a
    list, `date` yyyy-mm-dd or '', `changed_at` RFC 3339 or ''), with its snippet, best passage and "why this
    result" from the (field, stem) pairs it `matched` when `snippets`."""
    title = row.get("title") or ""
    text, passage, deep_link = "", "", ""
    if snippets:
        text, passage, deep_link = snippet(row.get("body") or "", row.get("passages"), row["url"],
                                           {t for f, t in matched if f == "body"}, title)
    return Hit(id=row["id"], url=row["url"], title=title, score=float(score or 0.0), themes=row["themes"],
               organisation=row.get("organisation") or "", doctype=row.get("doctype") or "",
               year=row.get("year") or "", date=row["date"], snippet=text, identifier=row.get("identifier") or "",
               site=row.get("site") or "", passage=passage, deep_link=deep_link, changed_at=row["changed_at"],
               fetched_at=row.get("fetched_at") or "", why=explain(matched, origins or {}) if snippets else [])


# ------------------------------------------------------------------ the protocol

class Engine(Protocol):
    """What the app, the command line, the evaluation and the bench ask of a search engine; every engine answers
    alike (tests/test_engine_contract.py holds them to it). An engine raises IndexMissing when its index cannot
    be read, QueryError for an unusable request; the query text itself never raises (it degrades, with notices).

    - search(req, snippets, facets, order) -> SearchResult: one page of hits in relevance or date order
      (order='changed': newest change first, for feeds), with, in the same answer, the facet counts over every
      match (theme, organisation, document type, year), the spelling suggestion and unknown-word notices, and per
      hit its snippet and "why this result" (which words, parts and synonyms matched in which fields).
    - all_hits(req, limit) -> (total, hits): every result up to `limit` in rank or date order, no snippets
      (exports).
    - document(doc_id) -> dict | None: one document's stored fields (the document page).
    - similar(doc_id, top) -> list[Hit]: documents that look like it ("Lijkt op").
    - status() -> {'ok': bool, 'documents', 'built_at'} or {'ok': False, 'message'}.
    - close(): let go of the index (connections, open files)."""

    def search(self, req: SearchRequest, snippets: bool = True, facets: bool = True,
               order: str | None = None) -> SearchResult: ...

    def all_hits(self, req: SearchRequest, limit: int) -> tuple[int, list[Hit]]: ...

    def document(self, doc_id: str) -> dict | None: ...

    def similar(self, doc_id: str, top: int = 5) -> list[Hit]: ...

    def status(self) -> dict: ...

    def close(self) -> None: ...


class BaseEngine:
    """The search flow every engine shares (check, cache, parse, fill, page, facets, spelling); an engine supplies
    the steps that touch its index:

    _version()                 -> (cache key of the index version, state handed to _reading)
    _reading(state)            a context: the reader one search uses (a searcher under a lock, a connection ...)
    _match(reader, built, req, sort, order, snippets, facets) -> Matches   (every match counted, facets with it)
    _page(reader, matches, built, req, sort, order, start, snippets, tiers) -> the hits of one page
    _facet_counts(matches)     -> {field: [(value, count)]} in facet_order
    _df(reader, word), _near(reader, word)   the spelling vocabulary (search.spelling)
    _match_all / _all          the same for all_hits (every result up to a limit, no snippets)"""

    def __init__(self, weights: Weights = DEFAULT_WEIGHTS, cache_size: int = 0):
        self.weights = weights
        self.builder = QueryBuilder(weights)
        self._cache = ResultCache(cache_size)

    def _version(self) -> tuple[object, object]:
        raise NotImplementedError

    def _reading(self, state) -> AbstractContextManager:
        raise NotImplementedError

    def search(self, req: SearchRequest, snippets: bool = True, facets: bool = True,
               order: str | None = None) -> SearchResult:
        """Cached per index version: the same request on the same version gives the same result."""
        check_request(req)
        version, state = self._version()
        key = self._cache.key(version, req, snippets, facets, order)
        return self._cache.get(key, lambda: self._search(req, snippets, facets, order, state))

    def _search(self, req: SearchRequest, snippets: bool, facets: bool, order: str | None, state) -> SearchResult:
        notices: list[str] = []
        with self._reading(state) as reader:
            built = parse_query(self.builder, req.q, notices)
            sort = req.sort if req.q.strip() else "datum"
            built, matches, tiers = fill(built, self.weights, lambda b: self._match(
                reader, b, req, sort, order, snippets, facets), notices)
            page, pages, start = page_window(matches.total, req, notices)
            hits = self._page(reader, matches, built, req, sort, order, start, snippets, tiers or ())
            facet_counts = self._facet_counts(matches) if facets else {}
            # how many documents hold every concept (not the filled-up set) decides whether a spelling is doubtful
            held = len(tiers[0]) if tiers is not None else matches.total
            suggestion = self._suggest(reader, built.words, held, notices) if req.q.strip() else ""
        return SearchResult(query=req.q, total=matches.total, hits=hits, facets=facet_counts, page=page,
                            pages=pages, page_size=req.page_size, sort=sort, notices=notices,
                            interpreted_as=str(built.query), suggestion=suggestion)

    def _suggest(self, reader, words: list[str], total: int, notices: list[str]) -> str:
        """A corrected query from the index's own vocabulary (search.spelling); the query words that no
        document holds are told in `notices`."""
        corrected, unknown = suggest(words, total, lambda w: self._df(reader, w), lambda w: self._near(reader, w))
        if unknown_notice(unknown):
            notices.append(unknown_notice(unknown))
        return corrected

    def all_hits(self, req: SearchRequest, limit: int) -> tuple[int, list[Hit]]:
        """Every result of a search up to `limit`, in rank (or date) order, without snippets: for exports."""
        check_request(req)
        _, state = self._version()
        with self._reading(state) as reader:
            built = parse_query(self.builder, req.q, [])
            built, matches, tiers = fill(built, self.weights, lambda b: self._match_all(reader, b, req, limit), [])
            return matches.total, self._all(reader, matches, built, req, limit, tiers)


class PublishedIndexEngine(BaseEngine):
    """An engine over a directory of published builds (indexer.location: Whoosh, tantivy): one open searcher per
    process under a lock, reopened when the live pointer moves. A subclass opens it (_current, _close) and says
    how many documents it holds (_documents)."""

    def __init__(self, index_root, weights: Weights = DEFAULT_WEIGHTS, cache_size: int = CACHE_SIZE):
        super().__init__(weights, cache_size)
        self.location = IndexLocation(index_root)
        self._lock = threading.RLock()
        self._target: str | None = None
        self._searcher = None

    def _version(self):
        return self.location.live_target(), None

    def close(self):
        with self._lock:
            self._close()

    def status(self) -> dict:
        """What the app should say about the index: {'ok': bool, 'message', 'documents', 'built_at'}."""
        with self._lock:
            try:
                searcher = self._current()
                info = self.location.info()
                return {"ok": True, "documents": self._documents(searcher), "built_at": info.get("built_at", "")}
            except IndexMissing as e:
                return {"ok": False, "message": str(e)}
