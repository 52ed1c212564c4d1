"""The tantivy engine: searching a published tantivy index directory (indexer.tantivy_schema), with the same
answers as the Whoosh engine. The search flow itself (checks, fill, paging, hits) is search.engine's.

The query is read by the same QueryBuilder (syntax, compound parts, synonyms, filters) and its tree is translated
clause by clause into tantivy queries that match what Whoosh matches and score what Whoosh scores where the
bindings allow it:
- BM25 per field with the same field weights and boosts; each term's boost carries the ratio of Whoosh's IDF
  (log(N/(df+1)) + 1) to tantivy's (log(1 + (N-df+0.5)/(df+0.5))), so rare and common words weigh as in Whoosh;
  the index is padded so that tantivy's fixed length normalisation is our weights' (indexer.tantivy_schema).
- A phrase or a compound's parts near each other match through tantivy's positions and score, as in Whoosh, as
  the sum of their words' BM25; the coordination of the "any of the words" reading keeps its factor (T-1)/T
  (not its small per-matching-term addition).
- Facets are tantivy aggregations over fast fields; dates sort on fast fields.
- The best RESCORE_DEPTH matches get the bonus clauses and the character-gram BM25 added in one search restricted
  to them. The best-passage evidence is not computed: the bindings give no access to a document's positions (its
  measured held-out gain is -0.002 nDCG@10, docs/RELEVANCE.md).
Snippets, "why this result" and spelling suggestions use the same pure functions as Whoosh, on the stored text.
"""
from __future__ import annotations

import json
import math
import re
from fnmatch import fnmatchcase
from contextlib import contextmanager
from pathlib import Path

from tantivy import Occur, Order, Query
from whoosh.query import And, AndMaybe, AndNot, Every, Not, NullQuery, Or, Phrase, Prefix, Require, Term, Wildcard
from whoosh.query.spans import SpanNear2

from indexer.location import IndexMissing
from indexer.tantivy_schema import CITED, FACET_FIELDS, TANTIVY_SCHEMA_VERSION, open_build, rebuild_hint, stored_row
from lang.analysis import stems

from .engine import (CACHE_SIZE, FIELD_LABELS, RESCORE_DEPTH, Hit, PublishedIndexEngine, SearchRequest,
                     every_concept_first, facet_order, gram_counts, make_hit, matched_query, matching_leaves,
                     page_of_ranked, rescoring)
from .query import DEFAULT_WEIGHTS, Weights, Within
from .spelling import near_words

SCORED_FIELDS = ("title", "short_title", "body", "org_words")   # BM25 fields: their terms get Whoosh's IDF
UNSCORED = ("themes", "refs")
FACET_ORDER = ("organisation", "doctype", "year", "themes", "refs")     # as the Whoosh engine lists them
EXPANSION = 200   # terms of a prefix or wildcard looked for in a page's hits (for their marks)
FLAGS = 20        # clauses whose matches one search tells apart (_matched_terms)
_REGEX_META = re.compile(r"([\\.+*?()|\[\]{}^$#&\-~])")


def _text(value) -> str:
    return value.decode("utf-8") if isinstance(value, bytes) else value


def whoosh_idf(n: int, df: int) -> float:
    return math.log(n / (df + 1)) + 1


def tantivy_idf(n: int, df: int) -> float:
    return math.log(1 + (n - df + 0.5) / (df + 0.5))


def _boosted(query: Query, boost: float) -> Query:
    return query if boost == 1.0 else Query.boost_query(query, boost)


def _unscored(query: Query) -> Query:
    return Query.const_score_query(query, 0.0)


def _all(queries: list[Query]) -> Query:
    return queries[0] if len(queries) == 1 else Query.boolean_query([(Occur.Must, q) for q in queries])


class GuardedSearcher:
    """A tantivy searcher whose failures say what to do: the bindings report a damaged segment (found only when a
    query reads it) as ValueError, and a failed assertion inside tantivy as a PanicException, which is not even an
    Exception. Both become IndexMissing, which the app shows as "rebuild the index"."""

    def __init__(self, searcher, path: Path):
        self._searcher, self._path = searcher, path

    @property
    def num_docs(self) -> int:
        return self._searcher.num_docs

    def __getattr__(self, name):
        method = getattr(self._searcher, name)

        def guarded(*args, **kwargs):
            try:
                return method(*args, **kwargs)
            except (KeyboardInterrupt, SystemExit, MemoryError):
                raise
            except BaseException as e:   # noqa: B036 (see the class docstring)
                raise IndexMissing(f"the live index {self._path} cannot be read ({type(e).__name__}: {e}); "
                                   f"rebuild it with: {rebuild_hint(self._path)}") from None
        return guarded


class Match:
    """One match: its address in the searcher, a sortable document number and its score."""
    __slots__ = ("address", "docnum", "score")

    def __init__(self, address, score: float):
        self.address, self.docnum, self.score = address, (address.segment_ord, address.doc), score


class Translator:
    """A QueryBuilder tree -> a tantivy Query over one searcher (None: nothing can match)."""

    def __init__(self, searcher, schema):
        self.searcher, self.schema = searcher, schema
        self.n = max(1, searcher.num_docs)
        self._df: dict[tuple[str, str], int] = {}

    def df(self, field: str, term: str) -> int:
        key = (field, term)
        if key not in self._df:
            self._df[key] = self.searcher.doc_freq(field, term)
        return self._df[key]

    def term(self, field: str, text: str, boost: float = 1.0) -> Query | None:
        if field in UNSCORED:   # Whoosh's keyword fields are not scorable: a match counts as 1
            return Query.const_score_query(Query.term_query(self.schema, field, text), boost)
        df = self.df(field, text)
        if not df:
            return None
        if field in SCORED_FIELDS:
            boost *= whoosh_idf(self.n, df) / tantivy_idf(self.n, df)
        return _boosted(Query.term_query(self.schema, field, text), boost)

    def leaves(self, node) -> int:
        """How many term matchers Whoosh's matcher tree for `node` holds (terms the index has): the T of its
        coordination factor."""
        if isinstance(node, Term):
            return int(node.fieldname in UNSCORED or self.df(node.fieldname, _text(node.text)) > 0)
        if isinstance(node, Phrase):
            words = [_text(w) for w in node.words]
            return len(words) if all(self.df(node.fieldname, w) for w in words) else 0
        if isinstance(node, SpanNear2):
            found = [self.leaves(q) for q in node.qs]
            return sum(found) if all(found) else 0
        if isinstance(node, (Prefix, Wildcard)):
            return 1
        if isinstance(node, (AndNot, AndMaybe, Require)):
            return self.leaves(node.a) + (self.leaves(node.b) if isinstance(node, AndMaybe) else 0)
        if isinstance(node, Not):
            return 0
        return sum(self.leaves(s) for s in getattr(node, "subqueries", ()))

    def near(self, field: str, words: list[str], slop: int, ordered: bool, boost: float, terms) -> Query | None:
        """Words near each other (a phrase, a compound's parts), scored as Whoosh's span queries score: the sum of
        the words' own BM25, where the positions agree."""
        if any(t is None for t in terms) or len(words) < 2:
            return None if any(t is None for t in terms) else _boosted(_all(terms), boost)
        spec = words if ordered else [(0, w) for w in words]
        condition = Query.phrase_query(self.schema, field, spec, slop=slop)
        return _boosted(_all([_unscored(condition)] + terms), boost)

    def matching(self, node) -> Query | None:
        """A query matching the documents query(node) matches, cheaper to run for counting them and their facets:
        a Within's condition alone, without the scored side that holds all of its documents anyway (only where
        query(node) matches something: else the condition may match what the whole does not)."""
        if isinstance(node, AndMaybe):
            return self.matching(node.a)
        if isinstance(node, Within):
            return self.query(node.b)
        return self.query(node)

    def query(self, node) -> Query | None:
        if node is None or node is NullQuery:
            return None
        if isinstance(node, Every):
            return Query.all_query()
        if isinstance(node, Term):
            return self.term(node.fieldname, _text(node.text), node.boost)
        if isinstance(node, Phrase):
            words = [_text(w) for w in node.words]
            terms = [self.term(node.fieldname, w) for w in words]
            # Whoosh's phrase slop counts the step to the next word (1 = adjacent), tantivy's the positions between
            return self.near(node.fieldname, words, max(0, node.slop - 1), True, node.boost, terms)
        if isinstance(node, SpanNear2):
            words = [_text(q.text) for q in node.qs]
            terms = [self.query(q) for q in node.qs]
            slop = node.slop if not node.ordered else max(0, node.slop - 1)
            return self.near(node.qs[0].fieldname, words, slop, node.ordered, getattr(node, "boost", 1.0), terms)
        if isinstance(node, (Prefix, Wildcard)):
            text = _text(node.text).rstrip("*?")
            pattern = _REGEX_META.sub(r"\\\1", text) + ".*"
            return _boosted(Query.regex_query(self.schema, node.fieldname, pattern), node.boost)
        if isinstance(node, Require):   # matches both, scores as the first
            a, b = self.query(node.a), self.query(node.b)
            return None if a is None or b is None else _all([a, _unscored(b)])
        if isinstance(node, AndMaybe):
            a, b = self.query(node.a), self.query(node.b)
            if a is None or b is None:
                return a
            return Query.boolean_query([(Occur.Must, a), (Occur.Should, b)])
        if isinstance(node, AndNot):
            a, b = self.query(node.a), self.query(node.b)
            if a is None or b is None:
                return a
            return Query.boolean_query([(Occur.Must, a), (Occur.MustNot, b)])
        if isinstance(node, Not):
            inner = self.query(node.query)
            if inner is None:
                return Query.all_query()
            return Query.boolean_query([(Occur.Must, Query.all_query()), (Occur.MustNot, inner)])
        if isinstance(node, And):
            subs = [self.query(s) for s in node.subqueries]
            return None if not subs or any(s is None for s in subs) else _boosted(_all(subs), node.boost)
        if isinstance(node, Or):
            subs = [q for q in (self.query(s) for s in node.subqueries) if q is not None]
            if not subs:
                return None
            joined = subs[0] if len(subs) == 1 else Query.boolean_query([(Occur.Should, q) for q in subs])
            boost = node.boost
            if node.scale:   # Whoosh's coordination (CoordMatcher): the score times (T-1)/T
                t = self.leaves(node)
                boost *= (t - 1) / t if t else 1.0
            return _boosted(joined, boost)
        return None


class Reader:
    """What one search reads with: the searcher, the schema and a Translator (its document frequencies are read
    once per search)."""

    def __init__(self, searcher, schema):
        self.searcher, self.schema = searcher, schema
        self.translator = Translator(searcher, schema)


class Matches:
    """The best matches of one query and how many there are (search.engine.Matches); the facets are counted on
    demand from `query`, which matches the same documents (Translator.matching)."""

    def __init__(self, hits: list[Match], total: int, query: Query, searcher):
        self.hits, self.total, self.query, self.searcher = hits, total, query, searcher

    def ids(self) -> set:
        return {h.docnum for h in self.hits}


def _sort_field(sort: str, order) -> str | None:
    return "changed_at" if order == "changed" else "date" if sort == "datum" else None


class TantivySearchEngine(PublishedIndexEngine):
    """A tantivy index directory (indexer.location layout, indexer.tantivy_schema format) behind the Engine
    protocol; one open searcher per process, reopened when the live pointer moves to a new build."""

    def __init__(self, index_root, weights: Weights = DEFAULT_WEIGHTS, cache_size: int = CACHE_SIZE):
        super().__init__(index_root, weights, cache_size)
        self._index = None
        self._prefixes: dict[str, dict[str, int]] = {}

    def __str__(self):
        return f"tantivy:///{self.location.root}"

    # -- the open searcher
    def _current(self):
        target = self.location.live_target()
        if target is None:
            self._close()
            raise IndexMissing(f"no index published in {self.location.root}; build one with: python run.py index "
                               f"(and --index tantivy:///{self.location.root})")
        if target != self._target or self._searcher is None:
            built_with = self.location.info().get("schema_version")
            if built_with != TANTIVY_SCHEMA_VERSION:
                raise IndexMissing(f"the live index in {self.location.root} is not a tantivy index of this version "
                                   f"(schema {built_with}, this code needs {TANTIVY_SCHEMA_VERSION}); rebuild it "
                                   f"with: python run.py index --rebuild (and --index tantivy:///{self.location.root})")
            path = self.location.live_path()
            index = open_build(path)
            self._index, self._target = index, target
            self._searcher = GuardedSearcher(index.searcher(), path)
            self._prefixes = {}
        return self._searcher

    def _close(self):
        self._index = self._searcher = self._target = None

    @staticmethod
    def _documents(searcher) -> int:
        return searcher.num_docs

    # -- the steps of the search flow (search.engine.BaseEngine)
    @contextmanager
    def _reading(self, _state):
        with self._lock:
            searcher = self._current()
            yield Reader(searcher, self._index.schema)

    @staticmethod
    def _filtered(reader: Reader, query: Query | None, filters: dict[str, list[str]]) -> Query:
        if query is None:
            return Query.empty_query()
        conditions = []
        for fieldname, values in filters.items():   # field names were checked by check_request
            values = [v for v in values if v]
            if values:
                conditions.append(Query.term_set_query(reader.schema, fieldname, values) if len(values) > 1
                                  else Query.term_query(reader.schema, fieldname, values[0]))
        return _all([query] + [_unscored(c) for c in conditions])

    @staticmethod
    def _top(searcher, query: Query, limit: int, sort_field: str | None) -> tuple[list[Match], int]:
        """The best `limit` matches (by score, or newest first by `sort_field`) and how many there are."""
        if sort_field:
            found = searcher.search(query, max(1, limit), count=True, order_by_field=sort_field, order=Order.Desc)
            return [Match(address, 0.0) for _, address in found.hits], found.count
        found = searcher.search(query, max(1, limit), count=True)
        return sorted((Match(a, score) for score, a in found.hits), key=lambda h: (-h.score, h.docnum)), found.count

    def _match(self, reader: Reader, built, req: SearchRequest, sort: str, order, snippets: bool,
               facets: bool) -> Matches:
        """The best max(RESCORE_DEPTH, page end) matches by base score, or the page end's worth by date."""
        rescore = rescoring(self.weights, built, sort, order)
        limit = max(RESCORE_DEPTH, req.page * req.page_size) if rescore else req.page * req.page_size
        node = built.base if rescore else built.query
        whole = reader.translator.query(node)
        query = self._filtered(reader, whole, req.filters)
        counted = self._filtered(reader, reader.translator.matching(node), req.filters) if whole is not None else query
        return Matches(*self._top(reader.searcher, query, limit, _sort_field(sort, order)), counted, reader.searcher)

    def _page(self, reader: Reader, matches: Matches, built, req: SearchRequest, sort: str, order, start: int,
              snippets: bool, tiers: tuple) -> list[Hit]:
        shown, scored = page_of_ranked(matches.hits, built, req, sort, order, start, tiers, self.weights,
                                       lambda hits: self._rescored(reader, hits, built))
        matched = self._matched_terms(reader, shown, matched_query(self.weights, built, sort, order),
                                      built.origins) if snippets else {}
        return [make_hit(stored_row(reader.searcher.doc(h.address), text=snippets), h.score if scored else 0.0,
                         matched.get(h.docnum, set()), built.origins, snippets) for h in shown]

    @staticmethod
    def _facet_counts(matches: Matches) -> dict[str, list[tuple[str, int]]]:
        fields = {**{name: name for name in FACET_FIELDS}, "refs": CITED}
        found = matches.searcher.aggregate(matches.query, {name: {"terms": {"field": field, "size": 100_000}}
                                                           for name, field in fields.items()})
        return {name: facet_order([(b["key"], b["doc_count"]) for b in found[name]["buckets"] if b["key"]])
                for name in FACET_ORDER}

    @staticmethod
    def _keys(reader: Reader, hits: list[Match]) -> Query:
        """A query matching exactly these hits' documents (by their numeric key): a term query per key, not one
        term-set query, which walks the key field's whole term dictionary (200 keys: 2.3 against 0.4 ms at 100k
        documents, 0.8 against 0.5 ms at 13.6k)."""
        keys = reader.searcher.fast_field_values("key", [h.address for h in hits])
        return Query.boolean_query([(Occur.Should, Query.term_query(reader.schema, "key", key)) for key in keys])

    def _rescored(self, reader: Reader, hits: list[Match], built) -> list[Match]:
        """The hits with the bonus clauses' and the character grams' BM25 (weights.grams) added, best first: one
        search restricted to these documents."""
        clauses = []
        if built.bonus is not None:
            bonus = reader.translator.query(built.bonus)
            if bonus is not None:
                clauses.append(bonus)
        if self.weights.grams > 0 and built.words:
            grams = [_boosted(Query.term_query(reader.schema, "grams", gram), float(qtf)) for gram, qtf in
                     gram_counts(built.words, lambda g: reader.translator.df("grams", g),
                                 self.weights.grams_per_word).items()]
            if grams:
                clauses.append(_boosted(Query.boolean_query([(Occur.Should, g) for g in grams]), self.weights.grams))
        if hits and clauses:
            query = Query.boolean_query([(Occur.Must, _unscored(self._keys(reader, hits)))]
                                        + [(Occur.Should, c) for c in clauses])
            found = reader.searcher.search(query, len(hits), count=False).hits
            extra = {(a.segment_ord, a.doc): score for score, a in found}
            for h in hits:
                h.score += extra.get(h.docnum, 0.0)
        return sorted(hits, key=lambda h: (-h.score, h.docnum))

    def _matched_terms(self, reader: Reader, hits: list[Match], query, origins) -> dict:
        """{docnum: {(field, term)}}: which of the query's own text-field terms each hit matched (for the snippet's
        marks and "why this result"): those of each leaf of the matched query the hit matches
        (search.engine.matching_leaves), as Whoosh reports them."""
        out: dict = {h.docnum: set() for h in hits}
        if not hits:
            return out
        keys = self._keys(reader, hits)
        clauses = self._leaf_clauses(reader, query, origins, keys)
        for batch in (clauses[i:i + FLAGS] for i in range(0, len(clauses), FLAGS)):
            # one search per batch, not one per clause: clause i scores 2**i where a hit matches it, so a hit's score
            # is the bit set of the clauses it matches (exact in the f32 score: distinct powers of two below 2**24)
            query = Query.boolean_query([(Occur.Must, _unscored(keys))] + [
                (Occur.Should, Query.const_score_query(condition, float(1 << i))) for i, (_, condition) in
                enumerate(batch)])
            for score, a in reader.searcher.search(query, len(hits), count=False).hits:
                flags = round(score)
                for i, (wanted, _) in enumerate(batch):
                    if flags >> i & 1:
                        out[(a.segment_ord, a.doc)] |= wanted
        return out

    def _leaf_clauses(self, reader: Reader, query, origins, keys: Query) -> list[tuple[set, Query]]:
        """(the (field, term) pairs a hit matching it matched, the clause) for each leaf of the query that can tell
        (a prefix or wildcard: each of its terms the hits `keys` names hold, as Whoosh reports them)."""
        clauses = []
        for leaf, pairs in matching_leaves(query).items():
            if isinstance(leaf, (Prefix, Wildcard)):
                clauses += [({(leaf.fieldname, term)}, Query.term_query(reader.schema, leaf.fieldname, term))
                            for term in self._expanded(reader, leaf, keys)]
                continue
            wanted = {(f, t) for f, t in pairs if f in FIELD_LABELS and (f, t) in origins}
            condition = reader.translator.query(leaf) if wanted else None
            if condition is not None:
                clauses.append((wanted, condition))
        return clauses

    @staticmethod
    def _expanded(reader: Reader, leaf, keys: Query) -> list[str]:
        """The terms of a prefix or wildcard that the documents `keys` names hold."""
        pattern = _text(leaf.text)
        prefix = re.split(r"[*?]", pattern, maxsplit=1)[0]
        found = reader.searcher.terms_with_prefix(leaf.fieldname, prefix, filter_query=keys, limit=EXPANSION)
        return [term for term, _ in found if isinstance(leaf, Prefix) or fnmatchcase(term, pattern)]

    # -- spelling: the words sharing a query word's first two letters (as Whoosh's suggestions), read once per
    #    prefix and build; in the spelling field a word's frequency is its document frequency
    @staticmethod
    def _df(reader: Reader, word: str) -> int:
        return reader.searcher.doc_freq("spell", word)

    def _near(self, reader: Reader, word: str) -> list[tuple[str, int]]:
        vocabulary = self._prefixes.get(word[:2])
        if vocabulary is None:
            vocabulary = self._prefixes[word[:2]] = dict(reader.searcher.terms_with_prefix("spell", word[:2]))
        return [(o, vocabulary[o]) for o in near_words(word, vocabulary, vocabulary.get)]

    # -- exports
    def _match_all(self, reader: Reader, built, req: SearchRequest, limit: int) -> Matches:
        query = self._filtered(reader, reader.translator.query(built.query), req.filters)
        by_date = req.sort == "datum" or not req.q.strip()
        return Matches(*self._top(reader.searcher, query, limit, "date" if by_date else None), query, reader.searcher)

    def _all(self, reader: Reader, matches: Matches, built, req: SearchRequest, limit: int, tiers) -> list[Hit]:
        scored = req.sort == "relevantie" and bool(req.q.strip())
        hits = every_concept_first(matches.hits, tiers) if tiers is not None and scored else matches.hits
        return [make_hit(stored_row(reader.searcher.doc(h.address), text=False), h.score if scored else 0.0, set(),
                         {}, snippets=False) for h in hits[:limit]]

    # -- one document
    def _address(self, searcher, doc_id: str):
        found = searcher.search(Query.term_query(self._index.schema, "id", doc_id), 1, count=False).hits
        return found[0][1] if found else None

    def document(self, doc_id: str) -> dict | None:
        with self._lock:
            searcher = self._current()
            address = self._address(searcher, doc_id)
            if address is None:
                return None
            doc = stored_row(searcher.doc(address))
            doc["theme_evidence"] = json.loads(doc.get("theme_evidence") or "{}")
            doc["changed_at"] = doc["changed_at"][:10]
            return doc

    def similar(self, doc_id: str, top: int = 5) -> list[Hit]:
        """Documents that look like this one ("lijkt op"): tantivy's more-like-this over the analysed first part of
        the text."""
        with self._lock:
            searcher = self._current()
            address = self._address(searcher, doc_id)
            if address is None:
                return []
            schema = self._index.schema
            body = stored_row(searcher.doc(address))["body"][:20_000]
            like = Query.more_like_this_document_fields_query(
                schema, {"body": " ".join(stems(body, decompound=True))}, min_doc_frequency=1, min_term_frequency=1,
                max_query_terms=12)
            query = Query.boolean_query([(Occur.Must, like), (Occur.MustNot, Query.term_query(schema, "id", doc_id))])
            return [make_hit(stored_row(searcher.doc(a), text=False), score, set(), {}, snippets=False)
                    for score, a in searcher.search(query, max(1, top), count=False).hits]
