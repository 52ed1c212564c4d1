"""From what a person types to a Whoosh query.

Syntax is Whoosh's: its parser reads the query on *raw* words ("phrase", -word, word*, AND/OR/NOT,
titel:, gemeente:, thema:). Meaning is ours: every word is then expanded over the index fields with
their weights, with its compound parts (woningtoewijzing -> woning AND toewijzing, found together) and its
synonyms (wmo -> "wet maatschappelijke ondersteuning"); what matches is every concept of the query, with a
most-of-them fill when that set is small. Ranking knobs (including optional proximity and word-pair bonuses)
are the Weights value, not code.

Every term the expansion adds is remembered with where it came from, so a result can say why it matched.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from whoosh.analysis import LowercaseFilter, RegexTokenizer
from whoosh.fields import ID, KEYWORD, TEXT, Schema
from whoosh.qparser import AndGroup, OrGroup, QueryParser
from whoosh.qparser import plugins as qplugins
from whoosh.query import And, AndMaybe, AndNot, Every, Not, NullQuery, Or, Phrase, Prefix, Require, Term, Wildcard
from whoosh.query.spans import SpanNear2

from lang.analysis import complete_elisions, dutch_stem, folding_analyzer, word_parts
from lang.resources import dutch_stopwords, question_frame
from lang.synonyms import load_synonyms

from .passages import Concept
from .references import resolve


@dataclass(frozen=True)
class Weights:
    """Ranking knobs, measured by bench/relevance.py's cross-validation on bench/eval-themes (docs/RELEVANCE.md),
    where these defaults are one of the candidates. They are the setting chosen on the first 67 queries, except
    the proximity and word-pair bonuses: their gain on held-out queries is noise and scoring them was most of
    the extra latency, so they are off. On all 76 queries the whole-set choice differs (parts 0.7, modifier 1.0,
    b 0.2, fill_below 25, passage 0.25, grams 1.2) but scores the same without those two bonuses (0.7593 against
    0.7586, and 0.7517 against 0.7527 on bench/eval): the landscape is flat, so the defaults stayed. Change the
    values only through that measurement."""
    title: float = 1.5
    short_title: float = 1.0
    body: float = 1.0
    parts: float = 0.4          # a query compound's parts, found together (one compound or within parts_window)
    parts_window: int = 3       # positions the parts of a query compound may stand apart ("belasting op honden")
    modifier: float = 0.15      # bonus for a query compound's first part alone (ziektewet for ziektewetuitkering)
    synonym: float = 0.8
    proximity: float = 0.0      # the query words within `slop` positions of each other, in order
    slop: int = 6
    coord: float = 0.9          # Or scale: documents matching more query words rank higher (the fallback set)
    pairs: float = 0.0          # bonus per pair of query words that both occur (word-level coordination)
    b: float = 0.3              # BM25 length normalisation of the body (1 = full)
    title_b: float = 0.5        # ... of titles
    k1: float = 1.2
    decompound: bool = True
    synonyms: bool = True
    all_concepts: bool = True   # the result set: every concept of the query (else any of them, most first)
    fill_below: int = 10        # ... and when fewer documents hold every concept, those holding most follow them
    question_frame: bool = True # a question's frame words (hoe, ik, maak) are read like stop words
    modifier_fill: bool = True  # a compound's modifier alone also fills a multi-word query's small result set
    passage: float = 2.0        # weight of the best window's score (passages.best_window) beside BM25F
    passage_window: int = 50    # its size in positions (about a short article)
    grams: float = 0.8          # weight of the character 4-gram BM25 (grams field) beside BM25F
    grams_per_word: int = 8     # ... of each query word only its rarest this many grams (0: all; engine.gram_counts)


DEFAULT_WEIGHTS = Weights()
TEXT_FIELDS = ("title", "short_title", "body")
FILTERS = ("gemeente", "thema", "verwijst")   # query fields that restrict, not words to score
# A word-internal hyphen joins (re-integratie, e-mail); only a hyphen that starts a word excludes (-pleegzorg).
_HYPHENATED = re.compile(r"\w[\w'’.]*(?:-[\w'’.]+)+")
MINUS = r"(?<![^\s(])-(?=[^\s-])"
_LONE_STAR = re.compile(r"(?<!\S)\*(?!\S)")
# a question mark that ends a word ends a question ("hoe meld ik een datalek?"): punctuation, not a wildcard
_QUESTION_MARK = re.compile(r"(?<=\w)\?+(?=\s|$)")
PLUS = r"(?<![^\s(])\+(?=\S)"
# verwijst:BWBR0005537/4:81 (an Awb article): the colon inside would end the field value, so it is read as quoted
_REFERENCE_ARTICLE = re.compile(r"(?i)\bverwijst:(BWB[RV]\d{7}/[\w.]+(?::[\w.]+)+)")
WILDCARD_REFERENCE = ("verwijst: noemt een hele regeling (een BWB-nummer, citeertitel of afkorting), zonder "
                      "jokerteken; zonder verwijst: zoekt u op woorden.")


def _raw_schema() -> Schema:
    raw = RegexTokenizer(r"\w+(?:['’.-]\w+)*") | LowercaseFilter()
    return Schema(text=TEXT(analyzer=raw), titel=TEXT(analyzer=raw), gemeente=TEXT(analyzer=raw),
                  thema=KEYWORD(lowercase=True), verwijst=ID)


class Within(Require):
    """`a` (how a match scores: the query read as any of its concepts) restricted to the documents matching `b`
    (every concept), every one of which matches `a` too: the documents matching it are b's, so an engine may
    count them and their facets from b alone (tantivy: half the work of running both)."""


@dataclass
class BuiltQuery:
    query: object
    origins: dict[tuple[str, str], str] = field(default_factory=dict)  # (field, term) -> why it is there
    words: list[str] = field(default_factory=list)                    # folded content words, in order
    word_queries: list = field(default_factory=list)                  # the expansion of each of those words
    alternatives: list = field(default_factory=list)                  # synonyms of several typed words together
    base: object = None     # the query without its optional bonus clauses (what matches, and its base score)
    bonus: object = None    # the bonus clauses (proximity, word pairs), or None: they only add to a score
    modifiers: list = field(default_factory=list)   # bonus clauses: a query compound's first part alone
    concepts: list = field(default_factory=list)    # passages.Concept of each word, for passage evidence
    wider: tuple = ()   # the wider result sets that fill up a small one, narrowest first (engine.fill)
    notices: list[str] = field(default_factory=list)   # what a filter could not read (verwijst: an unknown law)
    frame: frozenset = frozenset()   # a question's frame words (hoe, maak, ik): read as stop words in this query


def _only_words(q) -> bool:
    """Whether a query is words in the text fields only (no filter, exclusion or required part)."""
    if isinstance(q, Term):
        return q.fieldname in TEXT_FIELDS
    if isinstance(q, (Phrase, SpanNear2)):
        return True
    return type(q) is Or and all(_only_words(s) for s in q.subqueries)


def first_constituent(word: str, leaves: list[str]) -> str:
    """The modifier of a compound: its first immediate constituent, the longest part it starts with
    ([[mantel zorg] ondersteuning] -> mantelzorg, ziektewetuitkering -> ziektewet), not its first smallest piece
    (mantel, ziekte), which names something else."""
    leading = [p for p in leaves if word.startswith(p) and len(p) < len(word)]
    return max(leading, key=len, default="")


class QueryBuilder:
    def __init__(self, weights: Weights = DEFAULT_WEIGHTS, stem=None):
        self.w = weights
        self.stem = stem or dutch_stem
        self.fold = folding_analyzer()
        self.stop = dutch_stopwords()
        self.question_words, self.frame_words = question_frame()
        self.synonyms = load_synonyms() if weights.synonyms else {}
        # multi-word synonym keys by their content words (stop words out), computed once
        self._phrase_keys = []
        for key, alts in self.synonyms.items():
            content = " ".join(w for w in key.split() if w not in self.stop)
            if " " in content:
                self._phrase_keys.append((f" {content} ", key, alts))
        self.parser = self._parser(AndGroup)
        self.any_parser = self._parser(OrGroup.factory(weights.coord))

    @staticmethod
    def _parser(group) -> QueryParser:
        """Whoosh's syntax on raw words; `group` says what plain words mean together: every concept (the result
        set) or any of them, most first (the fallback when every concept together finds almost nothing)."""
        parser = QueryParser("text", _raw_schema(), group=group)
        parser.add_plugin(qplugins.PlusMinusPlugin(plusexpr=PLUS, minusexpr=MINUS))
        parser.remove_plugin_class(qplugins.BoostPlugin)
        parser.add_plugin(qplugins.FieldAliasPlugin({"titel": ["title"], "gemeente": ["organisatie", "org"]}))
        return parser

    # ---------------------------------------------------------------- words
    def _folded(self, text: str) -> list[str]:
        return [t.text for t in self.fold(text)]

    def _note(self, built: BuiltQuery, fieldname: str, term: str, why: str) -> None:
        built.origins.setdefault((fieldname, term), why)

    def _term_over_fields(self, built: BuiltQuery, stem: str, boost: float, why: str, fields=TEXT_FIELDS):
        weights = {"title": self.w.title, "short_title": self.w.short_title, "body": self.w.body}
        out = []
        for f in fields:
            self._note(built, f, stem, why)
            out.append(Term(f, stem, boost=boost * weights[f]))
        return Or(out)

    def _phrase_over_fields(self, built: BuiltQuery, words: list[str], boost: float, why: str, slop: int = 1):
        stems = [self.stem(w) for w in words if w not in self.stop]
        if not stems:
            return None
        if len(stems) == 1:
            return self._term_over_fields(built, stems[0], boost, why)
        for s in stems:
            self._note(built, "body", s, why)
            self._note(built, "title", s, why)
        return Or([Phrase("body", stems, slop=slop, boost=boost * self.w.body),
                   Phrase("title", stems, slop=slop, boost=boost * self.w.title)])

    def _parts_together(self, built: BuiltQuery, word: str, parts: list[str], window: int):
        """A compound's parts standing together: in one compound of the text (its parts share its position) or
        within parts_window positions ("belasting op honden" for hondenbelasting). Each part scores with its own
        IDF, so the informative modifier counts for more than a frequent head; a head found on its own far
        from the modifier (belasting anywhere, honden anywhere) is no match."""
        stems = [self.stem(p) for p in parts]
        for p, st in zip(parts, stems):
            for f in ("title", "body"):
                self._note(built, f, st, f"deel '{p}' van '{word}'")
        weights = {"title": self.w.title, "body": self.w.body}
        return Or([SpanNear2([Term(f, st, boost=self.w.parts * weights[f]) for st in stems],
                             slop=window, ordered=False, mindist=0) for f in ("title", "body")])

    def word(self, built: BuiltQuery, raw: str, negative: bool = False):
        """One typed word (a concept): its stem in every text field, its compound parts together, its synonyms.
        A word to exclude (-word, NOT word) is only the word itself."""
        folded = self._folded(raw)
        if len(folded) > 1 and _HYPHENATED.fullmatch(raw):   # re-integratie: one word, as the index reads it
            folded = ["-".join(folded)]
        if len(folded) != 1:   # "huur/koopwoning" and the like: each piece as a word
            subs = [q for q in (self.word(built, f, negative) for f in folded) if q is not None]
            return Or(subs) if subs else None
        word = folded[0]
        if word in self.stop or word in built.frame or len(word) < 2:   # a lone digit or letter is in every text
            return None
        joined = word.replace("-", "")
        stem = self.stem(joined)
        if negative:
            return Or([Term(f, stem) for f in TEXT_FIELDS])
        clauses = [self._term_over_fields(built, stem, 1.0, f"'{joined}' (stam {stem})")]
        leaves = [p for p in word_parts(word, self.w.decompound) if len(p) < len(joined)]
        smallest = [p for p in leaves if not any(q != p and q in p for q in leaves)]
        if len(smallest) >= 2:   # the pieces of a hyphenated word stand side by side; a compound's parts near
            window = 1 if "-" in word else self.w.parts_window
            clauses.append(self._parts_together(built, joined, smallest, window))
            modifier = first_constituent(joined, leaves)
            if self.w.modifier and len(modifier) >= 4 and "-" not in word:
                built.modifiers.append(self._term_over_fields(built, self.stem(modifier), self.w.modifier,
                                                              f"deel '{modifier}' van '{joined}'",
                                                              ("title", "body")))
        synonyms = []
        for alt in self.synonyms.get(joined, ()):
            q = self._phrase_over_fields(built, alt.split(), self.w.synonym, f"synoniem '{alt}' van '{joined}'")
            if q is not None:
                clauses.append(q)
                if " " not in alt:
                    synonyms.append(self.stem(alt))
        built.concepts.append(Concept((stem, *synonyms), tuple(self.stem(p) for p in smallest)
                                      if len(smallest) >= 2 else (), 1 if "-" in word else self.w.parts_window))
        q = clauses[0] if len(clauses) == 1 else Or(clauses)
        built.words.append(joined)
        built.word_queries.append(q)
        return q

    # ---------------------------------------------------------------- the tree
    def expand(self, built: BuiltQuery, node, negative: bool = False):
        if isinstance(node, Term):
            fieldname, text = node.fieldname, node.text
            if fieldname == "thema":
                return Term("themes", text)
            if fieldname == "gemeente":
                return Or([Term("org_words", w) for w in self._folded(text)] or [NullQuery])
            if fieldname == "verwijst":   # documents citing a regulation: by BWB id, citation title or abbreviation
                keys, notice = resolve(text)
                if notice and notice not in built.notices:
                    built.notices.append(notice)
                return Or([Term("refs", k) for k in keys] or [NullQuery])
            q = self.word(built, text, negative)
            if q is not None and fieldname == "titel":
                stem = self.stem(self._folded(text)[0]) if self._folded(text) else text
                q = Or([Term("title", stem, boost=self.w.title), Term("short_title", stem, boost=self.w.short_title)])
                self._note(built, "title", stem, f"'{text}' in de titel")
            return q
        if isinstance(node, Phrase):
            words = [w for raw in node.words for w in self._folded(raw)]
            q = self._phrase_over_fields(built, words, 1.0, f'woordgroep "{" ".join(words)}"')
            built.words.extend(w for w in words if w not in self.stop)
            built.concepts.extend(Concept((self.stem(w),)) for w in words if w not in self.stop)
            return q
        if isinstance(node, (Prefix, Wildcard)):
            if node.fieldname == "verwijst":   # a regulation is named whole, not by the start of its name
                if WILDCARD_REFERENCE not in built.notices:
                    built.notices.append(WILDCARD_REFERENCE)
                return NullQuery
            text = self._folded(node.text.rstrip("*?"))
            if not text or len(text[0]) < 3:
                return None   # 'a*' would match half the index
            return Or([Prefix(f, text[0], boost=b) for f, b in (("title", self.w.title), ("body", self.w.body))])
        if isinstance(node, Not):
            inner = self.expand(built, node.query, negative=True)
            return Not(inner) if inner is not None else None
        if isinstance(node, AndNot):
            positive = self.expand(built, node.a, negative)
            excluded = self.expand(built, node.b, negative=True)
            if positive is None:
                return None
            return AndNot(positive, excluded) if excluded is not None else positive
        if isinstance(node, AndMaybe):
            a, b = self.expand(built, node.a, negative), self.expand(built, node.b, negative)
            return AndMaybe(a, b) if a is not None and b is not None else a
        if isinstance(node, (And, Or)):
            # gemeente: and thema: restrict, whatever the grouping: they are filters, not extra words
            required = [self.expand(built, s, negative) for s in node.subqueries
                        if isinstance(s, Term) and s.fieldname in FILTERS]
            subs = [self.expand(built, s, negative) for s in node.subqueries
                    if not (isinstance(s, Term) and s.fieldname in FILTERS)]
            subs = [q for q in subs if q is not None]
            subs = [q for q in subs if not isinstance(q, Every)] or subs   # "wmo *": the * adds nothing
            required = [q for q in required if q is not None]
            if isinstance(node, And):
                subs = subs + required
                return None if not subs else subs[0] if len(subs) == 1 else And(subs)
            # "a NOT b" in an OR group means a without b (Whoosh would read it as "a, or anything but b")
            excluded = [q.query for q in subs if isinstance(q, Not)]
            subs = [q for q in subs if not isinstance(q, Not)]
            rest = None if not subs else subs[0] if len(subs) == 1 else Or(subs, scale=self.w.coord)
            if rest is not None and excluded:
                rest = AndNot(rest, excluded[0] if len(excluded) == 1 else Or(excluded))
            if required:
                return And(required + ([rest] if rest is not None else []))
            return rest
        if isinstance(node, Every):   # a lone "*": every document (the parser names its raw field, not ours)
            return Every()
        return None

    def build(self, text: str) -> BuiltQuery:
        """The full query for `text`; raises nothing for odd input (the caller checks syntax first).

        What matches is every concept of the query (a concept: a word with its synonyms and its compound parts
        together). How a match scores is the query read as "any of the words" (BM25F, documents with more of them
        higher). When fewer than fill_below documents hold every concept, wider sets follow them (`wider`, narrowest
        first, engine.fill): any concept, then a compound's modifier on its own."""
        if not text.strip():
            return BuiltQuery(Every())
        if text.strip() != "*":   # Whoosh reads a lone * anywhere as "every document", whatever else is typed
            text = _LONE_STAR.sub(" ", text)
        frame = self.question_frame_of(text)
        text = _QUESTION_MARK.sub("", text)
        text = complete_elisions(_REFERENCE_ARTICLE.sub(r'verwijst:"\1"', text))
        scored = self._build(text, self.any_parser, frame)
        if not self.w.all_concepts or scored.base is None:
            return scored
        if len(scored.word_queries) < 2:
            return self._with_modifier_fallback(scored)
        condition = self._build(text, self.parser, frame).base
        if condition is None:
            return scored
        steps = [scored]
        widened = self._widened(scored) if self.w.modifier_fill else scored
        if widened is not scored:   # documents holding a concept rank before those holding only a modifier
            steps.append(widened)
        return replace(self._required(scored, condition), wider=tuple(steps))

    @staticmethod
    def _required(scored: BuiltQuery, condition) -> BuiltQuery:
        """`scored` (what a match scores) restricted to the documents meeting `condition`."""
        base = Within(scored.base, condition)   # condition: the same concepts, all of them (so a subset)
        return replace(scored, base=base, wider=(),
                       query=AndMaybe(base, scored.bonus) if scored.bonus is not None else base)

    @staticmethod
    def _with_modifier_fallback(built: BuiltQuery) -> BuiltQuery:
        """One compound typed alone (mantelzorgondersteuning): its fallback also matches its modifier on its own
        (mantelzorg), the related evidence a compound's head alone is not; used when the compound itself, or its
        parts together, are in fewer documents than fill_below."""
        if not built.modifiers or len(built.word_queries) != 1 or built.base is not built.word_queries[0]:
            return built   # only a word typed alone: no exclusion, filter or phrase that the modifier would escape
        return replace(built, wider=(QueryBuilder._widened(built),))

    @staticmethod
    def _widened(built: BuiltQuery) -> BuiltQuery:
        """Any of the concepts, or a query compound's modifier on its own (the fill when every concept together is
        in too few documents): drank- en horecavergunning is followed by documents on drank and horeca."""
        if not built.modifiers or not built.word_queries or not _only_words(built.base):
            return built   # a filter, an exclusion or a required word: the modifier alone would escape it
        wider = replace(built, base=Or([built.base] + built.modifiers), wider=())
        wider.query = AndMaybe(wider.base, wider.bonus) if wider.bonus is not None else wider.base
        return wider

    def question_frame_of(self, text: str) -> frozenset:
        """The frame words to read as stop words when `text` is a question (it starts with a question word or ends
        with a question mark), as long as a topic word is left; else nothing."""
        words = self._folded(text) if self.w.question_frame else []
        if not words or not (words[0] in self.question_words or text.rstrip().endswith("?")):
            return frozenset()
        if all(w in self.stop or w in self.frame_words for w in words):
            return frozenset()   # "wat is wonen?" keeps wonen, but "wie is wie" keeps its words
        return self.frame_words

    def _build(self, text: str, parser, frame: frozenset = frozenset()) -> BuiltQuery:
        built = BuiltQuery(NullQuery, frame=frame)
        parsed = parser.parse(text)
        parsed = Or([parsed]) if not isinstance(parsed, (And, Or)) else parsed
        main = self.expand(built, parsed)
        if main is None:
            return built
        # multi-word synonyms typed out in full ("wet maatschappelijke ondersteuning" -> wmo): alternatives
        phrase = f" {' '.join(built.words)} "   # content words only, as the keys
        alternatives = []
        for content, key, alts in self._phrase_keys:
            if content in phrase:
                for alt in alts:
                    q = self._phrase_over_fields(built, alt.split(), self.w.synonym, f"synoniem '{alt}' van '{key}'")
                    if q is not None:
                        alternatives.append(q)
        if alternatives:
            main = Or([main] + alternatives)
            built.alternatives = alternatives
        # optional bonuses, they only add to the score of documents that match anyway:
        # proximity (the words close together, in order), coordination (pairs of words both present) and a
        # query compound's modifier on its own (related evidence: Ziektewet for ziektewetuitkering)
        bonus = list(built.modifiers)
        if self.w.proximity and len(built.words) >= 2:
            stems = [self.stem(w) for w in built.words]
            bonus += [Phrase("body", stems, slop=self.w.slop, boost=self.w.proximity),
                      Phrase("title", stems, slop=self.w.slop, boost=self.w.proximity * self.w.title)]
        if self.w.pairs and 2 <= len(built.word_queries) <= 5:
            qs = built.word_queries
            bonus += [And([qs[i], qs[j]], boost=self.w.pairs) for i in range(len(qs)) for j in range(i + 1, len(qs))]
        built.base = main
        if bonus:
            built.bonus = Or(bonus)
            main = AndMaybe(main, built.bonus)
        built.query = main
        return built
