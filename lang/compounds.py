"""Dutch compound splitting from a real word list with frequencies (wordfreq, corpus/lang/).

Koehn & Knight's frequency method: a word is split where its parts are known words that are, on average,
more frequent than the whole word. "woningbouwprogramma" -> woningbouw + programma, and woningbouw again
-> woning + bouw. Linking -s-/-en-/-e- between parts is allowed (huisvesting-s-verordening). Nonsense
splits are refused because a part must itself be a reasonably frequent word of at least four letters
(or one of a few short heads such as "wet"): gemeente is not gem + eente, gemeenten not gemeen + ten.
"""
from __future__ import annotations

from .resources import dutch_stopwords, word_frequencies

MIN_WORD = 7            # shorter words are never split
MAX_WORD = 48           # longer "words" are never split: no real compound is this long (the longest in the
                        # word list have about 40 letters), and splitting costs O(length²) per distinct word
MIN_PART = 4
SHORT_HEADS = frozenset({"wet", "weg", "gas", "dak", "lid", "dag", "tol", "zee", "bos", "kas", "put", "bad",
                         "vak", "dal", "bus", "tas", "wal", "ijs"})
MIN_PART_ZIPF = 3.0     # a part must be at least this common (Zipf scale: 3 = once per million words)
LINKERS = ("", "s", "en", "e", "er")
EXTRA_PART_PENALTY = 0.4   # each part beyond two costs this much Zipf: prefer the plainest reading
KNOWN_WORD_MARGIN = 0.5    # a word in the list is split only if its parts beat it by this much: lexicalised
                           # compounds (wethouder, samenwerking) are words of their own


class CompoundSplitter:
    def __init__(self, freqs: dict[str, float] | None = None):
        self.freqs = word_frequencies() if freqs is None else freqs
        self.stop = dutch_stopwords()
        self._cache: dict[str, tuple[str, ...]] = {}
        self._best_of: dict[str, tuple | None] = {}   # memo of _best: each suffix of a word is read once

    def _part_ok(self, part: str) -> bool:
        if len(part) < MIN_PART and part not in SHORT_HEADS:
            return False
        return self.freqs.get(part, 0.0) >= MIN_PART_ZIPF and part not in self.stop

    def best_split(self, word: str) -> tuple[str, str] | None:
        """The best two-way split (its head may be split further), or None."""
        found = self._best(word)
        return found[0] if found else None

    def _best(self, word: str) -> tuple[tuple[str, str], list[str]] | None:
        """-> ((left, right), leaf parts of the whole reading) maximising the mean Zipf of the leaves
        (minus a penalty per extra part), if that beats the whole word's own frequency.

        Memoised: without it the recursion over every split point of every suffix is exponential in the word's
        length (a 117-letter query word took 9.6 s); with it each suffix is solved once, O(length²) in all."""
        if not MIN_WORD <= len(word) <= MAX_WORD or not word.isalpha():
            return None
        if word in self._best_of:
            return self._best_of[word]
        found = self._best_uncached(word)
        if len(self._best_of) < 500_000:
            self._best_of[word] = found
        return found

    def _best_uncached(self, word: str):
        # the whole word's frequency, also through its singular (wethouders -> wethouder)
        whole = max(self.freqs.get(word, 0.0), self.freqs.get(word[:-1], 0.0) if word.endswith("s") else 0.0,
                    self.freqs.get(word[:-2], 0.0) if word.endswith("en") else 0.0)
        best, best_score = None, whole + KNOWN_WORD_MARGIN if whole else 0.0
        for i in range(3, len(word) - 2):
            left, rest = word[:i], word[i:]
            if not self._part_ok(left):
                continue
            for link in LINKERS:
                if link and not rest.startswith(link):
                    continue
                right = rest[len(link):]
                if self._part_ok(right):
                    leaves = [left, right]
                else:
                    sub = self._best(right) if len(right) >= MIN_WORD else None
                    if not sub:
                        continue
                    leaves = [left] + sub[1]
                score = (sum(self.freqs[p] for p in leaves) / len(leaves)
                         - EXTRA_PART_PENALTY * (len(leaves) - 2))
                if score > best_score:
                    best, best_score = ((left, right), leaves), score
        return best

    def leaves(self, word: str, offset: int = 0) -> list[tuple[int, int]]:
        """(start, end) of each smallest part in the best reading; [] for a word that is not a compound."""
        pair = self.best_split(word)
        if not pair:
            return []
        left, right = pair
        right_start = len(word) - len(right)
        spans = self.leaves(left, offset) or [(offset, offset + len(left))]
        spans += self.leaves(right, offset + right_start) or [(offset + right_start, offset + len(word))]
        return spans

    def head(self, word: str) -> str:
        """The head of a compound ("beleid" of gezinsbeleid), or '' for a word that is not one. Asked where the
        text itself says the word is a compound (the enumeration of an elided one: "wacht- en doorlooptijd"), so
        a lexicalised compound the splitter keeps whole still gives its shortest known final part ("tijd")."""
        spans = self.leaves(word)
        if len(spans) >= 2:
            return word[spans[-1][0]:]
        for i in range(len(word) - 3, MIN_PART - 1, -1):   # the shortest known final part
            if self._part_ok(word[i:]):
                return word[i:]
        return ""

    def split(self, word: str) -> tuple[str, ...]:
        """The parts of a compound that are words: the smallest parts and every run of neighbouring parts
        that is a word too (woningbouwprogramma -> woning, bouw, programma, woningbouw, bouwprogramma);
        () for a word that is not a compound."""
        cached = self._cache.get(word)
        if cached is not None:
            return cached
        spans = self.leaves(word)
        parts = [word[a:b] for a, b in spans]
        for i in range(len(spans)):
            for j in range(i + 1, len(spans)):
                run = word[spans[i][0]:spans[j][1]]
                if run != word and self.freqs.get(run, 0.0) >= MIN_PART_ZIPF:
                    parts.append(run)
        result = tuple(dict.fromkeys(parts))
        if len(self._cache) < 500_000:
            self._cache[word] = result
        return result


_SPLITTER: CompoundSplitter | None = None


def splitter() -> CompoundSplitter:
    global _SPLITTER
    if _SPLITTER is None:
        _SPLITTER = CompoundSplitter()
    return _SPLITTER
