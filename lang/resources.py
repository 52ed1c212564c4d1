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
RESOURCE_FILES = (STOPWORDS, WORDFREQ, SYNONYMS)   # every data file the analysis and the query reading use


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
