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


class DecompoundFilter(Filter):
    """After each compound, its parts at the same position and characters (woningbouwprogramma ->
    + woning, bouw, programma, woningbouw), so a search for a part finds the compound and highlighting
    marks the whole word. The splitter is loaded lazily and is not part of the pickled schema."""

    def __getstate__(self):
        return {}

    def __setstate__(self, state):
        pass

    def __call__(self, tokens):
        from .compounds import MIN_WORD, splitter
        split = splitter().split
        for t in tokens:
            original = t.text   # read before yielding: later filters change t.text in place
            yield t
            if t.stopped or len(original) < MIN_WORD:
                continue
            for part in split(original):
                t.text = part
                yield t


def dutch_analyzer(decompound: bool = True):
    """The Whoosh analysis chain for Dutch text fields."""
    chain = (RegexTokenizer(TOKEN_PATTERN)
             | LowercaseFilter()
             | CharsetFilter(accent_map)
             | ApostropheFilter()
             | StopFilter(stoplist=dutch_stopwords(), minsize=1, maxsize=None))
    if decompound:
        chain = chain | DecompoundFilter()
    return chain | StemFilter(lang="nl", cachesize=-1)


def folding_analyzer():
    """Tokenize, lowercase and fold accents, without stemming: for exact-ish fields and highlighting tests."""
    return RegexTokenizer(TOKEN_PATTERN) | LowercaseFilter() | CharsetFilter(accent_map) | ApostropheFilter()


_ANALYZERS: dict[bool, object] = {}


def stems(text: str, decompound: bool = False) -> list[str]:
    """The analysed terms of `text`, in order (with decompound=True: what the index sees, parts included)."""
    if decompound not in _ANALYZERS:
        _ANALYZERS[decompound] = dutch_analyzer(decompound)
    return [t.text for t in _ANALYZERS[decompound](text)]
