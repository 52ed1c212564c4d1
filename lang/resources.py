"""Where the language resources live (corpus/lang/) and how they are read: stop words, word frequencies,
synonyms. The lowest module of lang/: the analysis, the splitter and the synonyms read their data here, so none
of them needs another to find a file."""
from __future__ import annotations

import gzip
from functools import lru_cache
from pathlib import Path

LANG_DIR = Path(__file__).resolve().parent.parent / "corpus" / "lang"
STOPWORDS = LANG_DIR / "stopwords-nl.txt"
WORDFREQ = LANG_DIR / "wordfreq-nl.tsv.gz"
SYNONYMS = LANG_DIR / "synonyms-nl.toml"
QUESTION_FRAME = LANG_DIR / "question-frame-nl.txt"
RESOURCE_FILES = (STOPWORDS, WORDFREQ)            # every data file the analysis reads (a change rebuilds the index)
QUERY_FILES = (QUESTION_FRAME, SYNONYMS)          # data files only the query reading uses (no rebuild needed)


def load_wordlist(path: Path) -> frozenset[str]:
    """One word per line; '#' starts a comment."""
    words = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip().lower()
        if line:
            words.add(line)
    return frozenset(words)


@lru_cache(maxsize=1)
def dutch_stopwords() -> frozenset[str]:
    return load_wordlist(STOPWORDS)


@lru_cache(maxsize=1)
def question_frame(path: Path = QUESTION_FRAME) -> tuple[frozenset[str], frozenset[str]]:
    """(words that make a query a question, words of the question's frame): see the file's header."""
    sections: dict[str, set[str]] = {}
    current = None
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip().lower()
        if line.startswith("[") and line.endswith("]"):
            current = sections.setdefault(line[1:-1], set())
        elif line and current is not None:
            current.add(line)
    return frozenset(sections.get("vraagwoorden", ())), frozenset(sections.get("kader", ()))


@lru_cache(maxsize=1)
def word_frequencies(path: Path = WORDFREQ) -> dict[str, float]:
    """word -> Zipf frequency (wordfreq's list for Dutch)."""
    freqs: dict[str, float] = {}
    with gzip.open(path, "rt", encoding="utf-8") as f:
        for line in f:
            if line.startswith("#"):
                continue
            word, _, zipf = line.rstrip("\n").partition("\t")
            freqs[word] = float(zipf)
    return freqs
