"""Dutch text analysis: tokenize | lowercase | fold accents | drop stop words | stem.

The same chain runs at index time and at query time (it is stored in the index schema).
The stemmer is the classic Snowball Dutch algorithm (Whoosh's implementation, identical to
NLTK's SnowballStemmer('dutch'); tests pin that). The newer Kraaij-Pohlmann based Snowball
'dutch' (gemeenten -> meen) is a different algorithm and must not be mixed in.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from whoosh.analysis import CharsetFilter, Filter, LowercaseFilter, RegexTokenizer, StemFilter, StopFilter
from whoosh.support.charset import accent_map

LANG_DIR = Path(__file__).resolve().parent.parent / "corpus" / "lang"

# Words: letters/digits, joined by inner dots or apostrophes ("auto's", "art.1" stays one token).
TOKEN_PATTERN = r"\w+(?:['’.]\w+)*"


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
    return load_wordlist(LANG_DIR / "stopwords-nl.txt")


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


def dutch_analyzer():
    """The Whoosh analysis chain for Dutch text fields."""
    return (RegexTokenizer(TOKEN_PATTERN)
            | LowercaseFilter()
            | CharsetFilter(accent_map)
            | ApostropheFilter()
            | StopFilter(stoplist=dutch_stopwords(), minsize=1, maxsize=None)
            | StemFilter(lang="nl", cachesize=-1))


def folding_analyzer():
    """Tokenize, lowercase and fold accents, without stemming: for exact-ish fields and highlighting tests."""
    return RegexTokenizer(TOKEN_PATTERN) | LowercaseFilter() | CharsetFilter(accent_map) | ApostropheFilter()


_ANALYZER = None


def stems(text: str) -> list[str]:
    """The analysed terms of `text`, in order (what the index sees)."""
    global _ANALYZER
    if _ANALYZER is None:
        _ANALYZER = dutch_analyzer()
    return [t.text for t in _ANALYZER(text)]
