"""Which words of a text a snippet marks: every word whose indexed term, or the stem of one of its compound parts,
is among the terms a hit matched ("woningtoewijzing" for a search on "woning").

The words are read as the index reads them (lang.analysis: the same scan, the same analyzer), but nothing here
decides an index term: the index's fingerprint (lang.fingerprint) hashes the analysis modules and not this one,
so a change to how snippets are marked needs no rebuild.
"""
from __future__ import annotations

import threading
from itertools import compress, islice

from lang.analysis import INDEX_TOKEN_RE, DutchAnalyzer, dutch_analyzer, fold, scanned_words

CARRIED_WORDS = 200_000   # words a Marker indexes by the terms they carry: ~0.3 kB each (109k after 2,000 pages
#                           at 13.6k documents); words past it are checked one by one, as before the index
MAX_CARRY_KEYS = 64       # more terms than this (a wide wildcard): every new word is analysed, as before carry_key


def carry_key(term: str) -> str:
    """A piece of `term` that every word carrying it (as its own term or a compound part's) holds in its folded
    form without hyphens: the stem's first letters short of its last two, at most four. Not the whole stem:
    Snowball Dutch rewrites a word's end (maan -> man, snelheden -> snelheid). Marker.spans analyses a word it
    meets for the first time only when the word holds a key of the terms it marks (most words of a snippet's text
    are met once, and analysing each was the larger part of a cold worker's snippet time), and a word met again
    always. That every term's key is in its word is tested on the Snowball vocabulary and held on the 416k
    distinct words of the 13.6k corpus."""
    return term[:max(1, min(4, len(term) - 2))]


class Marker:
    """spans(text, terms) with what it learnt of words kept across texts: one per process (a results page marks
    ten texts, and the same words come back page after page)."""

    def __init__(self, analyzer: DutchAnalyzer | None = None):
        self.analyzer = analyzer or dutch_analyzer()
        self._carrying: set[str] = set()              # the words indexed in _carriers
        self._carriers: dict[str, set[str]] = {}       # term -> the words that carry it
        self._flat: dict[str, str] = {}                # word met once -> folded without hyphens, for _may_carry
        self._lock = threading.Lock()   # a threaded server's requests share it: a set that grows while another
        #                                 thread intersects it would raise

    def spans(self, text: str, terms: set[str]) -> list[tuple[int, int]]:
        """(start, end) of every word of `text` whose indexed term or one of its parts is in `terms`, in order. The
        same words the analyzer's token stream would give, without a Python step per word (that was most of a
        results page's snippet time): the words come from the C-speed scan, the marked ones are found by set
        intersection with the words known to carry each term (_carry: a distinct word analysed once per process;
        when first met, only if it may carry a term asked for: carry_key), and match objects are made only for
        them (the scan's matches before them skipped in C)."""
        words = scanned_words(text)
        distinct = set(words)
        with self._lock:
            unknown = distinct.difference(self._carrying)
            if len(self._carrying) < CARRIED_WORDS:
                if unknown:   # a word met for the first time is analysed only if it may carry a term (carry_key)
                    keys = {carry_key(t) for t in terms}
                    for raw in unknown:
                        if raw in self._flat or len(keys) > MAX_CARRY_KEYS or self._may_carry(raw, keys):
                            self._carry(raw)   # met again: a word that recurs is worth knowing
                unknown = ()
            marked = set()
            for term in terms:
                carriers = self._carriers.get(term)
                if carriers:
                    marked |= distinct.intersection(carriers)
        marked |= {raw for raw in unknown if self._marks(raw, terms)}   # only when the index above is full
        if not marked:
            return []
        out, matches, before = [], INDEX_TOKEN_RE.finditer(text), 0
        for i in compress(range(len(words)), map(marked.__contains__, words)):
            out.append(next(islice(matches, i - before, None)).span())
            before = i + 1
        return out

    def _carry(self, raw: str) -> None:
        """Remember which terms a word carries (its term and its parts' stems; none for a stop word), as an index
        from term to words, so spans() finds a text's marked words by set intersection."""
        stopped, term, parts = self.analyzer.word(raw)
        self._carrying.add(raw)
        self._flat.pop(raw, None)
        if not stopped:
            for t in (term, *parts):
                self._carriers.setdefault(t, set()).add(raw)

    def _may_carry(self, raw: str, keys: set[str]) -> bool:
        """Whether a word holds one of the carry_key()s of some terms (folded, hyphens out): a word without them
        carries none of those terms, so it need not be analysed for them."""
        flat = self._flat.get(raw)
        if flat is None:
            flat = fold(raw).replace("-", "")
            if len(self._flat) < CARRIED_WORDS:
                self._flat[raw] = flat
        return any(key in flat for key in keys)

    def _marks(self, raw: str, terms: set[str]) -> bool:
        stopped, term, parts = self.analyzer.word(raw)
        return not stopped and (term in terms or any(p in terms for p in parts))
