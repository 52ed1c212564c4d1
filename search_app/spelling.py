"""Did-you-mean from the index's own vocabulary, shared by both search backends: each backend only says how many
documents hold a word (`df`) and which words lie within two edits of it (`near`).

A query word gets a correction when it is rare and a near word is much more frequent, whatever the number of
results: 'schuldhulpverlenig' finds a few documents through its compound parts, yet the intended word is in
dozens. With (almost) no results any more frequent near word will do."""
from __future__ import annotations

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


def edits(a: str, b: str, limit: int | None = None) -> int:
    """Levenshtein distance (short words: the plain dynamic programme). With `limit`, the work stops as soon as the
    distance must exceed it (a row's minimum never decreases), and limit + 1 is returned."""
    row = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        prev, row[0] = row[0], i
        for j, cb in enumerate(b, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (ca != cb))
        if limit is not None and min(row) > limit:
            return limit + 1
    return row[-1]


def near_words(word: str, vocabulary: Iterable[tuple[str, int]], limit: int = 5,
               maxdist: int = 2) -> list[tuple[str, int]]:
    """The `limit` most frequent words of (word, df) `vocabulary` within `maxdist` edits of `word` (not the word
    itself), as Whoosh's suggest() chooses them: for an engine whose index lists its terms by prefix but cannot
    search them by edit distance."""
    near = [(option, df) for option, df in vocabulary
            if option != word and abs(len(option) - len(word)) <= maxdist and edits(option, word, maxdist) <= maxdist]
    return sorted(near, key=lambda pair: (-pair[1], pair[0]))[:limit]


def correction(word: str, known: int, options: Iterable[tuple[str, int]], few_results: bool) -> str:
    """The near word to suggest for `word` (held by `known` documents), or '': of the near words frequent enough
    (any more frequent one when the search found (almost) nothing, else RARE_DF/MUCH_MORE/MIN_NEAR_DF), the one
    fewest edits away, then the most frequent ('schuldhulpverlenig': schuldhulpverlening, not -verlener)."""
    if known and len(word) < KNOWN_WORD_MIN:
        return ""
    lenient = few_results and known <= 2
    if not lenient and known > RARE_DF:
        return ""
    ranked = []
    for option, df in options:
        distance = edits(option, word)
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
        better = correction(word, known, near(word), total < FEW_RESULTS) if _candidate(word) and \
            known <= max(RARE_DF, 2) else ""
        corrected.append(better or word)
        changed = changed or bool(better)
    return (" ".join(corrected) if changed else ""), unknown


def unknown_notice(unknown: list[str]) -> str:
    if not unknown:
        return ""
    quoted = ", ".join(f"‘{w}’" for w in unknown)
    return (f"Het woord {quoted} komt in geen enkel document voor." if len(unknown) == 1 else
            f"De woorden {quoted} komen in geen enkel document voor.")
