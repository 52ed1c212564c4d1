"""Did-you-mean from the index's own vocabulary, shared by both search backends: each backend only says how many
documents hold a word (`df`) and which words lie within two edits of it (`near`).

A query word gets a correction when it is rare and a near word is much more frequent, whatever the number of
results: 'schuldhulpverlenig' finds a few documents through its compound parts, yet the intended word is in
dozens. With (almost) no results any more frequent near word will do."""
from __future__ import annotations

import heapq
from typing import Callable, Iterable

RARE_DF = 3          # a word in at most this many documents may be a misspelling
MUCH_MORE = 10       # ... when a near word is in at least this many times as many documents
MIN_NEAR_DF = 5      # ... and in at least this many
FEW_RESULTS = 5      # below this many results, any more frequent near word is suggested


KNOWN_WORD_MIN = 7   # a word some documents do hold is only corrected when this long, and by one edit: names
                     # and short words (Veere, veel) are too often right


MAX_WORD = 32        # longer words get no correction: finding near words costs length² per vocabulary word
                     # (a pasted 500-letter word took 13 s), and no real word that long is misspelt by a person


def _candidate(word: str) -> bool:
    return 4 <= len(word) <= MAX_WORD and word.isalpha()


def distance_to(word: str) -> Callable[[str], int]:
    """d(other): the Damerau-Levenshtein distance of Whoosh's corrector (optimal string alignment: insertions,
    deletions, substitutions and transpositions of neighbours, no substring edited twice) between `word` and
    other, computed bit-parallel (Hyyrö 2003, "A bit-vector algorithm for computing Levenshtein and Damerau edit
    distances"): one pass over `other` with a dozen integer operations per letter, not a table of len(word) ×
    len(other) cells in Python (20 -> 6 µs a pair; a query word starting with a common prefix meets tens of
    thousands of words). Held equal to whoosh.support.levenshtein.damerau_levenshtein in the tests."""
    m = len(word)
    if not m:
        return len
    peq: dict[str, int] = {}   # per letter: the bit set of the positions where `word` has it
    for i, c in enumerate(word):
        peq[c] = peq.get(c, 0) | (1 << i)
    mask, high = (1 << m) - 1, 1 << (m - 1)

    def distance(other: str) -> int:
        vp, vn, d0, pm_prev, score = mask, 0, 0, 0, m
        for c in other:
            pm = peq.get(c, 0)
            transposed = (((~d0) & pm) << 1) & pm_prev
            d0 = ((((pm & vp) + vp) ^ vp) | pm | vn | transposed) & mask
            hp = vn | ~(d0 | vp)
            hn = d0 & vp
            if hp & high:
                score += 1
            elif hn & high:
                score -= 1
            hp = ((hp << 1) | 1) & mask
            hn = (hn << 1) & mask
            vp = (hn | ~(d0 | hp)) & mask
            vn = d0 & hp
            pm_prev = pm
        return score
    return distance


def near_words(word: str, vocabulary: Iterable[str], frequency: Callable[[str], int], maxdist: int = 2,
               limit: int = 5) -> list[str]:
    """The `limit` most frequent words of `vocabulary` within `maxdist` Damerau-Levenshtein edits of `word`, most
    frequent first (ties: alphabetical), the word itself included: what Whoosh's reader corrector returns, but a word
    whose length alone puts it too far away is skipped before the distance (29 -> 11 ms a word), and the distance
    is bit-parallel (distance_to)."""
    size, distance = len(word), distance_to(word)
    near = [w for w in vocabulary if abs(len(w) - size) <= maxdist and distance(w) <= maxdist]
    best = heapq.nlargest(limit, ((-(maxdist + 0.5 / (frequency(w) or 1)), w) for w in near))
    return [w for _, w in sorted(best, key=lambda item: (-item[0], item[1]))]


def worth_correcting(word: str, known: int, few_results: bool) -> bool:
    """Whether `word`, held by `known` documents, may get a correction at all (asked before the costly search for
    near words)."""
    if not _candidate(word) or (known and len(word) < KNOWN_WORD_MIN):
        return False
    return (few_results and known <= 2) or known <= RARE_DF


def correction(word: str, known: int, options: Iterable[tuple[str, int]], few_results: bool) -> str:
    """The near word to suggest for `word` (held by `known` documents), or '': of the near words frequent enough
    (any more frequent one when the search found (almost) nothing, else RARE_DF/MUCH_MORE/MIN_NEAR_DF), the one
    fewest edits away, then the most frequent ('schuldhulpverlenig': schuldhulpverlening, not -verlener). Edits
    are counted as near_words finds them (distance_to): two neighbouring letters swapped, the commonest typing
    slip, are one edit."""
    if not worth_correcting(word, known, few_results):
        return ""
    lenient = few_results and known <= 2
    ranked, distance_from = [], distance_to(word)
    for option, df in options:
        distance = distance_from(option)
        if option == word or (known and distance > 1) or df <= known:
            continue
        if lenient or df >= max(MUCH_MORE * known, MIN_NEAR_DF):
            ranked.append((distance, -df, option))
    return min(ranked)[2] if ranked else ""


def suggest(words: list[str], total: int, df: Callable[[str], int],
            near: Callable[[str], Iterable[tuple[str, int]]]) -> tuple[str, list[str]]:
    """(corrected query or '', the query words no document holds)."""
    corrected, changed, unknown = [], False, []
    for word in words:
        known = df(word) if _candidate(word) else 1
        if _candidate(word) and known == 0:
            unknown.append(word)
        few = total < FEW_RESULTS
        better = correction(word, known, near(word), few) if worth_correcting(word, known, few) else ""
        corrected.append(better or word)
        changed = changed or bool(better)
    return (" ".join(corrected) if changed else ""), unknown


def unknown_notice(unknown: list[str]) -> str:
    if not unknown:
        return ""
    quoted = ", ".join(f"‘{w}’" for w in unknown)
    return (f"Het woord {quoted} komt in geen enkel document voor." if len(unknown) == 1 else
            f"De woorden {quoted} komen in geen enkel document voor.")
