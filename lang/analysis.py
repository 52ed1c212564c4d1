"""Dutch text analysis: tokenize | lowercase | fold accents | drop stop words | stem.

The same analysis runs at index time and at query time (it is stored in the index schema). It is specified as a
Whoosh chain of small filters (dutch_analysis_chain); what runs is DutchAnalyzer, the same steps fused into one
pass that analyses each distinct word once (a corpus repeats its words: the chain costs a generator step per
filter per token). The test suite checks that both give identical tokens on the corpus.
The stemmer is the classic Snowball Dutch algorithm: PyStemmer's 'dutch_porter' (C), identical to Whoosh's and
NLTK's Python implementations and to Snowball's expected output on Snowball's whole Dutch test vocabulary (tests
pin that). The newer Kraaij-Pohlmann based Snowball 'dutch' (gemeenten -> meen) is a different algorithm and must
not be mixed in.
"""
from __future__ import annotations

import threading
from collections import Counter
from itertools import chain, compress, islice, repeat
from operator import mul

import Stemmer
from whoosh.analysis import CharsetFilter, Filter, LowercaseFilter, RegexTokenizer, StemFilter, StopFilter
from whoosh.analysis.acore import Composable, Token
from whoosh.support.charset import accent_map
from whoosh.util.text import rcompile

from .compounds import MIN_WORD, splitter
from .resources import dutch_stopwords

# Words: letters/digits, joined by inner dots or apostrophes ("auto's", "art.1" stays one token).
TOKEN_PATTERN = r"\w+(?:['’.]\w+)*"
# What the index analyzer reads: the same words, but a word-internal hyphen joins ("re-integratie" is one word,
# indexed as reintegratie with its pieces as parts) and a trailing hyphen marks an elided compound
# ("jeugd- en gezinsbeleid": jeugd- stands for jeugdbeleid).
INDEX_TOKEN_PATTERN = r"\w+(?:['’.\-]\w+)*(?:-(?!\w))?"
ELISION_GAP = rcompile(r"[\s,/]*")       # what may stand between an elided word and the rest of the enumeration
ELISION_LINKS = frozenset({"en", "of", "tot", "en/of"})
ELISION_REACH = 4                         # how many words ahead the completing compound may stand


_STEMMERS = threading.local()


def dutch_stem(word: str) -> str:
    """The classic Snowball Dutch stem of a folded word. One PyStemmer object per thread: they are not
    thread-safe."""
    try:
        stem = _STEMMERS.stem
    except AttributeError:
        stem = _STEMMERS.stem = Stemmer.Stemmer("dutch_porter").stemWord
    return stem(word)


def word_matches(text: str):
    """(raw word, start, end) for every word of `text` as the index reads it. An elided compound comes back
    completed with the head of the compound that ends its enumeration: in "jeugd- en gezinsbeleid" the match
    "jeugd-" gives "jeugdbeleid", in "huur-/koopwoning" "huur-" gives "huurwoning" (with the characters of
    "jeugd-", so highlighting marks what was written). Without such a compound the hyphen is dropped."""
    matches = list(INDEX_TOKEN_RE.finditer(text))
    for i, m in enumerate(matches):
        raw = m.group(0)
        if raw.endswith("-"):
            raw = _complete_elision(text, matches, i)
        yield raw, m.start(), m.end()


def _complete_elision(text: str, matches, i: int) -> str:
    stem_part = matches[i].group(0)[:-1]
    end, linked = matches[i].end(), False
    for m in matches[i + 1:i + 1 + ELISION_REACH]:
        gap = text[end:m.start()]
        if ELISION_GAP.fullmatch(gap) is None:
            break
        linked = linked or "," in gap or "/" in gap
        word = m.group(0)
        if word.lower() in ELISION_LINKS:
            linked, end = True, m.end()
            continue
        if word.endswith("-"):               # "huur-, koop- en sociale woningen": the next elided one
            end = m.end()
            continue
        if not linked:
            break
        head = splitter().head(fold(word))
        if head:
            return stem_part + head
        break
    return stem_part


LONG_TEXT = 2000   # texts at least this long: their scan is remembered (remember_last_long)


def remember_last_long(scan):
    """scan(text), remembered for the last long text it read (that very object): a build reads each body several
    times (its lengths, terms, grams, themes, spelling words), and scanning it with the token pattern was the
    largest single cost. One entry: a body is read in one go, between its title's short reads. Callers get the
    remembered list itself and must not change it."""
    last: tuple = (None, None)

    def remembered(text: str) -> list[str]:
        nonlocal last
        seen = last
        if seen[0] is text:
            return seen[1]
        found = scan(text)
        if len(text) >= LONG_TEXT:
            last = (text, found)
        return found
    remembered.__doc__ = scan.__doc__
    return remembered


@remember_last_long
def _index_scan(text: str) -> list[str]:
    """INDEX_TOKEN_PATTERN's words of text, as written (elided compounds not completed)."""
    return INDEX_TOKEN_RE.findall(text)


def index_words(text: str) -> list[str]:
    """The raw words of word_matches(), without their offsets (a new list)."""
    return list(_index_words(text))


def scanned_words(text: str) -> list[str]:
    """index_words() without the copy: the list remembered for a long text, to read and not to change (a
    snippet's marking, search.marks, reads each text it shows)."""
    return _index_words(text)


@remember_last_long
def _index_words(text: str) -> list[str]:
    """The raw words of word_matches(), without their offsets: the words of the C-speed scan, and match objects
    only around each word ending in a hyphen (from the whitespace before it, where a word always begins), for
    _complete_elision. A law holds hundreds of them: a match object per word of it cost more than its analysis."""
    scanned = _index_scan(text)
    if _ELIDED.search(text) is None:
        return scanned
    words = list(scanned)
    hyphened = compress(range(len(words)), map(str.endswith, words, repeat("-")))
    pos = 0   # where the previous one ended: a word may begin there
    for i, elided in zip(hyphened, _ELIDED.finditer(text)):   # one match per word ending in a hyphen, in order
        end = elided.end()
        start = max(pos, max(text.rfind(" ", pos, end), text.rfind("\n", pos, end), text.rfind("\t", pos, end)) + 1)
        matches = INDEX_TOKEN_RE.finditer(text, start)
        m = next((m for m in matches if m.end() >= end), None)
        if m is None or m.end() != end or m.group(0) != words[i]:   # not expected: the scans disagree
            return [raw for raw, _, _ in word_matches(text)]
        words[i] = _complete_elision(text, [m, *islice(matches, ELISION_REACH)], 0)
        pos = end
    return words


def complete_elisions(text: str) -> str:
    """`text` with each elided compound written out, as word_matches reads it ("jeugd- en gezinsbeleid" ->
    "jeugdbeleid en gezinsbeleid"): for query text, where the parser must see whole words."""
    matches = list(INDEX_TOKEN_RE.finditer(text))
    out, pos = [], 0
    for i, m in enumerate(matches):
        if m.group(0).endswith("-"):
            out += [text[pos:m.start()], _complete_elision(text, matches, i)]
            pos = m.end()
    out.append(text[pos:])
    return "".join(out)


def word_parts(folded: str, decompound: bool = True) -> tuple[str, ...]:
    """The parts indexed beside a (folded) word: the pieces of a hyphenated word and, with decompound, the
    compound parts of the joined word and of each piece (coordinatie-overleg -> coordinatie, overleg;
    woningbouw-programma -> woningbouw, programma, woning, bouw, ...); () for a plain simple word."""
    parts: list[str] = []
    if "-" in folded:
        pieces = [p for p in folded.split("-") if p]
        parts += pieces
        joined = "".join(pieces)
        if decompound:
            parts += [p for piece in [joined] + pieces if len(piece) >= MIN_WORD for p in splitter().split(piece)]
    elif decompound and len(folded) >= MIN_WORD:
        parts += splitter().split(folded)
    joined = folded.replace("-", "")
    return tuple(p for p in dict.fromkeys(parts) if p != joined)


class DutchTokenizer(RegexTokenizer):
    """RegexTokenizer over INDEX_TOKEN_PATTERN whose tokens are word_matches(): elided compounds completed."""

    def __init__(self):
        super().__init__(INDEX_TOKEN_PATTERN)

    def __call__(self, value, positions=False, chars=False, keeporiginal=False, removestops=True, start_pos=0,
                 start_char=0, tokenize=True, mode="", **kwargs):
        if not tokenize:
            yield from super().__call__(value, positions, chars, keeporiginal, removestops, start_pos,
                                        start_char, tokenize, mode, **kwargs)
            return
        t = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        for pos, (raw, start, end) in enumerate(word_matches(value)):
            t.text = raw
            t.boost = 1.0
            if keeporiginal:
                t.original = raw
            t.stopped = False
            if positions:
                t.pos = start_pos + pos
            if chars:
                t.startchar = start_char + start
                t.endchar = start_char + end
            yield t


class ApostropheFilter(Filter):
    """Dutch plural/genitive apostrophe: "auto's" -> "auto", "pagina’s" -> "pagina"; other apostrophes go
    ("zo'n" -> "zon"). The Snowball stemmer does not know the apostrophe and would leave "auto'"."""

    def __call__(self, tokens):
        for t in tokens:
            text = t.text
            if "'" in text or "’" in text:
                if text.endswith(("'s", "’s")):
                    text = text[:-2]
                t.text = text.replace("'", "").replace("’", "")
            yield t


class DecompoundFilter(Filter):
    """A hyphenated word joined (re-integratie -> reintegratie, so it meets reïntegratie and reintegratie),
    then its word_parts at the same position and characters (woningbouwprogramma -> + woning, bouw,
    programma, woningbouw), so a search for a part finds the compound and highlighting marks the whole word.
    The splitter is loaded lazily and is not part of the pickled schema."""

    def __init__(self, decompound: bool = True):
        self.decompound = decompound

    def __call__(self, tokens):
        for t in tokens:
            original = t.text   # read before yielding: later filters change t.text in place
            t.text = original.replace("-", "")
            yield t
            if t.stopped:
                continue
            for part in word_parts(original, self.decompound):
                t.text = part
                yield t


def dutch_analysis_chain(decompound: bool = True):
    """The Dutch analysis as a Whoosh chain of filters: the specification DutchAnalyzer is checked against."""
    return (DutchTokenizer()
            | LowercaseFilter()
            | CharsetFilter(accent_map)
            | ApostropheFilter()
            | StopFilter(stoplist=dutch_stopwords(), minsize=1, maxsize=None)
            | DecompoundFilter(decompound)
            | StemFilter(lang="nl", cachesize=-1))


def fold(word: str) -> str:
    """Lowercase, fold accents, apply the apostrophe rule: what the chain does to a word before stop words."""
    text = word.lower().translate(accent_map)
    if "'" in text or "’" in text:
        if text.endswith(("'s", "’s")):
            text = text[:-2]
        text = text.replace("'", "").replace("’", "")
    return text


class DutchAnalyzer(Composable):
    """dutch_analysis_chain in one pass: per distinct word, fold, stop word check, compound parts and stems are
    computed once and remembered. Tokens, positions (stop words renumbered away), characters and the stopped
    flag are those of the chain; calls the fast path does not cover go to the chain itself."""

    def __init__(self, decompound: bool = True):
        self.decompound = decompound
        self._init()

    def _init(self):
        self.chain = dutch_analysis_chain(self.decompound)
        self._stem = dutch_stem
        self._stops = dutch_stopwords()
        self._words: dict[str, tuple[bool, str, tuple[str, ...]]] = {}
        self._terms: dict[str, tuple[str, ...]] = {}

    def __getstate__(self):   # the index schema pickles its analyzers: no caches in there
        return {"decompound": self.decompound}

    def __setstate__(self, state):
        self.decompound = state["decompound"]
        self._init()

    def __eq__(self, other):
        return self.__class__ is other.__class__ and self.decompound == other.decompound

    def word(self, raw: str) -> tuple[bool, str, tuple[str, ...]]:
        """(stop word?, the indexed term (folded for a stop word, else stemmed), the stems of its parts)."""
        found = self._words.get(raw)
        if found is None:
            folded = fold(raw)
            if folded in self._stops:
                found = (True, folded.replace("-", ""), ())
            else:
                parts = tuple(self._stem(p) for p in word_parts(folded, self.decompound))
                found = (False, self._stem(folded.replace("-", "")), parts)
            if len(self._words) < 1_000_000:
                self._words[raw] = found
        return found

    def terms_of(self, raw: str) -> tuple[str, ...]:
        """The terms a word is indexed as, at its position: (term, *parts), () for a stop word."""
        found = self._terms.get(raw)
        if found is None:
            stopped, term, parts = self.word(raw)
            found = () if stopped else (term,) + parts
            if len(self._terms) < 1_000_000:
                self._terms[raw] = found
        return found

    def _terms_per_word(self, words: list[str]) -> list[tuple[str, ...]]:
        """terms_of() of each word: the distinct words new to the cache analysed once, the rest looked up at C
        speed (a text repeats its words: the per-token Python loop was most of a build's analysis)."""
        known = self._terms
        for raw in set(words).difference(known):
            self.terms_of(raw)
        if len(known) >= 1_000_000:   # the cache is full: what is not in it is analysed each time
            return [known.get(raw) or self.terms_of(raw) for raw in words]
        return list(map(known.__getitem__, words))

    def length(self, value: str) -> int:
        """How many tokens this analyzer makes of `value` (what BM25 counts as its length), without making them
        (an elided compound counts as written)."""
        counts = Counter(_index_scan(value))
        return sum(map(mul, map(len, self._terms_per_word(list(counts))), counts.values()))

    def terms_and_positions(self, text: str) -> tuple[list[str], list[int]]:
        """The terms of every token this analyzer yields for `text` (stop words removed) and their positions, without
        tokens or character offsets: for an engine fed pre-tokenized text. Kept words are numbered consecutively
        from the first kept word's place (the stop filter's renumbering, as in __call__); parts share their
        word's position."""
        per_word = self._terms_per_word(_index_words(text))
        kept = list(filter(None, per_word))
        if not kept:
            return [], []
        first = next(i for i, terms in enumerate(per_word) if terms)
        positions = list(chain.from_iterable(map(repeat, range(first, first + len(kept)), map(len, kept))))
        return list(chain.from_iterable(kept)), positions

    def positioned(self, text: str) -> list[tuple[str, int]]:
        """(term, position) of every token this analyzer yields for `text` (terms_and_positions, paired)."""
        return list(zip(*self.terms_and_positions(text)))

    def __call__(self, value, positions=False, chars=False, keeporiginal=False, removestops=True, start_pos=0,
                 start_char=0, tokenize=True, mode="", **kwargs):
        if not tokenize or keeporiginal:
            yield from self.chain(value, positions=positions, chars=chars, keeporiginal=keeporiginal,
                                  removestops=removestops, start_pos=start_pos, start_char=start_char,
                                  tokenize=tokenize, mode=mode, **kwargs)
            return
        t = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        pos = None
        for i, (raw, start, end) in enumerate(word_matches(value)):
            stopped, text, parts = self.word(raw)
            if stopped and removestops:
                continue
            t.boost = 1.0
            t.stopped = stopped
            if positions:
                if stopped:
                    t.pos = start_pos + i
                else:   # the stop filter renumbers kept words: consecutive from the first one's position
                    pos = start_pos + i if pos is None else pos + 1
                    t.pos = pos
            if chars:
                t.startchar = start_char + start
                t.endchar = start_char + end
            t.text = text
            yield t
            for part in parts:
                t.text = part
                yield t


GRAM = 4   # character n-gram length of the grams field


def word_grams(folded: str, n: int = GRAM) -> tuple[str, ...]:
    """The character n-grams of one folded word with its boundaries marked ("_wmo_" -> _wmo, wmo_): what
    stemming and splitting miss (schuldhulp / schuldhulpverlening, spelling variants) still shares grams."""
    padded = f"_{folded.replace('-', '')}_"
    return tuple(padded[i:i + n] for i in range(max(1, len(padded) - n + 1)))


class GramAnalyzer(Composable):
    """Text -> the character n-grams of its words (stop words out), one token per gram occurrence; no positions
    are needed (the grams field is only scored, never phrase-matched). Each distinct word is analysed once."""

    def __init__(self):
        self._init()

    def _init(self):
        self._stops = dutch_stopwords()
        self._grams: dict[str, tuple[str, ...]] = {}
        self._joined: dict[str, str] = {}

    def __getstate__(self):
        return {}

    def __setstate__(self, state):
        self._init()

    def __eq__(self, other):
        return self.__class__ is other.__class__

    def grams(self, raw: str) -> tuple[str, ...]:
        found = self._grams.get(raw)
        if found is None:
            folded = fold(raw)
            found = () if folded in self._stops else word_grams(folded)
            if len(self._grams) < 1_000_000:
                self._grams[raw] = found
        return found

    def length(self, value: str) -> int:
        """How many n-grams this analyzer makes of `value`, without making them."""
        counts = Counter(_index_scan(value))
        return sum(map(mul, map(len, map(self.grams, counts)), counts.values()))

    def _joined_of(self, raw: str) -> str:
        found = self._joined.get(raw)
        if found is None:
            found = " ".join(self.grams(raw))
            if len(self._joined) < 1_000_000:
                self._joined[raw] = found
        return found

    def joined(self, value: str) -> str:
        """The n-grams of `value` as one space-separated string, for an engine that splits on whitespace (each
        distinct word's grams are joined once; the words are looked up at C speed)."""
        words, known = _index_words(value), self._joined
        for raw in set(words).difference(known):
            self._joined_of(raw)
        found = map(known.__getitem__, words) if len(known) < 1_000_000 else map(self._joined_of, words)
        return " ".join(filter(None, found))

    def __call__(self, value, positions=False, chars=False, keeporiginal=False, removestops=True, start_pos=0,
                 start_char=0, tokenize=True, mode="", **kwargs):
        t = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        t.boost, t.stopped, pos = 1.0, False, start_pos
        for raw, start, end in word_matches(value):
            for gram in self.grams(raw):
                t.text = gram
                if positions:
                    t.pos = pos
                    pos += 1
                if chars:
                    t.startchar, t.endchar = start_char + start, start_char + end
                yield t


def dutch_analyzer(decompound: bool = True) -> DutchAnalyzer:
    """The analyzer for Dutch text fields (index and highlighting)."""
    return DutchAnalyzer(decompound)


def folded_words(text: str) -> list[str]:
    """The folded words of a text: the texts of folding_analyzer's tokens, without the token machinery (each
    distinct word folded once, the rest looked up at C speed)."""
    cache, words = _FOLDED, _words(text)
    for raw in set(words).difference(cache):
        if len(cache) >= 1_000_000:   # the cache is full: what is not in it is folded each time
            return [cache[raw] if raw in cache else fold(raw) for raw in words]
        cache[raw] = fold(raw)
    return list(map(cache.__getitem__, words))


@remember_last_long
def _words(text: str) -> list[str]:
    """TOKEN_PATTERN's words of text. A long text's are its index words (INDEX_TOKEN_PATTERN) cut at their hyphens,
    which is the same list (every word character is in an index word; within one, the word pattern stops exactly
    at its hyphens), so a body is scanned once for both."""
    if len(text) < LONG_TEXT:
        return _TOKEN_RE.findall(text)
    return " ".join(_index_scan(text)).replace("-", " ").split()


_TOKEN_RE = rcompile(TOKEN_PATTERN)
INDEX_TOKEN_RE = rcompile(INDEX_TOKEN_PATTERN)
_ELIDED = rcompile(r"\w-(?!\w)")   # a word ending in a hyphen: an elided compound ("jeugd- en gezinsbeleid")
_FOLDED: dict[str, str] = {}


def folding_analyzer():
    """Tokenize, lowercase and fold accents, without stemming: for exact-ish fields and highlighting tests."""
    return RegexTokenizer(TOKEN_PATTERN) | LowercaseFilter() | CharsetFilter(accent_map) | ApostropheFilter()


_ANALYZERS: dict[bool, object] = {}


def stems(text: str, decompound: bool = False) -> list[str]:
    """The analysed terms of `text`, in order (with decompound=True: what the index sees, parts included)."""
    if decompound not in _ANALYZERS:
        _ANALYZERS[decompound] = dutch_analyzer(decompound)
    return [t.text for t in _ANALYZERS[decompound](text)]
