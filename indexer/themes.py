"""G40 theme tagging: which themes a document is substantially about, and why.

Keywords come from corpus/themes.toml and are matched on analysed text (the same
lowercase/fold/stop/stem chain as the index). Mentioning a theme once is not enough:
a theme needs either the title plus support in the text, or enough distinct keywords
at a high enough density in the text. At most MAX_THEMES per document, strongest first.
"""
from __future__ import annotations

import re
import tomllib
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import compress, filterfalse
from pathlib import Path


from lang.analysis import dutch_stem
from lang.resources import dutch_stopwords

from .fields import text_words

DEFAULT_THEMES = Path(__file__).resolve().parent.parent / "corpus" / "themes.toml"

MAX_THEMES = 3
TITLE_WEIGHT = 8          # a keyword in the title counts as this many body hits
MIN_BODY_HITS = 4         # without a title hit: at least this many keyword hits in the text ...
MIN_DISTINCT = 3          # ... of at least this many different keywords ...
MIN_DENSITY = 5.0         # ... and at least this many hits per 1000 words
MIN_WORDS_FOR_DENSITY = 300   # short texts are judged as if they had this many words


@dataclass(frozen=True)
class Theme:
    slug: str
    label: str
    description: str
    keywords: tuple[str, ...]


@dataclass
class ThemeEvidence:
    slug: str
    title_hits: int = 0
    body_hits: int = 0
    density: float = 0.0      # keyword hits in the text per 1000 words
    score: float = 0.0
    keywords: Counter = field(default_factory=Counter)

    @property
    def distinct(self) -> int:
        return len(self.keywords)

    @property
    def substantial(self) -> bool:
        """The rule: named in the title and supported by the text, or dense enough in the text alone."""
        if self.title_hits >= 1 and self.body_hits >= 2:
            return True
        return (self.body_hits >= MIN_BODY_HITS and self.distinct >= MIN_DISTINCT
                and self.density >= MIN_DENSITY)


class ThemeConfigError(ValueError):
    pass


def load_themes(path: Path | str = DEFAULT_THEMES) -> list[Theme]:
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as e:
        raise ThemeConfigError(f"{path}: {e}") from None
    themes = []
    for i, raw in enumerate(data.get("theme", []), 1):
        missing = [k for k in ("slug", "label", "keywords") if not raw.get(k)]
        if missing:
            raise ThemeConfigError(f"{path}: theme #{i} lacks {', '.join(missing)}")
        if not re.fullmatch(r"[a-z0-9-]+", raw["slug"]):
            raise ThemeConfigError(f"{path}: theme slug {raw['slug']!r} must be lowercase letters, digits and '-'")
        themes.append(Theme(raw["slug"], raw["label"], raw.get("description", ""), tuple(raw["keywords"])))
    if len({t.slug for t in themes}) != len(themes):
        raise ThemeConfigError(f"{path}: theme slugs must be unique")
    return themes


class ThemeMatcher:
    """Counts theme keywords in a text; pure and reusable across documents (it memoises per word)."""

    def __init__(self, themes: list[Theme]):
        self.themes = themes
        self._stop = dutch_stopwords()
        self._stem = lru_cache(maxsize=None)(dutch_stem)
        self._words: dict[str, tuple[str, ...]] = {}   # stem -> keywords (exact, one word)
        self._phrases: dict[str, list[tuple[tuple[str, ...], str]]] = {}  # first stem -> (stems, keyword)
        self._prefixes: list[tuple[str, str]] = []   # (folded prefix, keyword)
        self._keyword_theme: dict[str, list[str]] = {}
        self._memo: dict[str, tuple[str, ...]] = {}    # word -> the keywords it counts for
        self._starts: dict[str, bool] = {}              # word -> does its stem start a phrase keyword?
        for theme in themes:
            for kw in theme.keywords:
                self._keyword_theme.setdefault(kw, []).append(theme.slug)
        for kw in self._keyword_theme:
            if kw.endswith("*"):
                folded = self._folded(kw[:-1])
                if len(folded) != 1:
                    raise ThemeConfigError(f"keyword {kw!r}: a prefix keyword must be one word")
                self._prefixes.append((folded[0], kw))
                continue
            kw_stems = self.analyse(kw)
            if len(kw_stems) == 1:
                self._words.setdefault(kw_stems[0], (kw,))  # 'woning'/'woningen': the first one counts
            elif kw_stems:
                known = self._phrases.setdefault(kw_stems[0], [])
                if all(p != tuple(kw_stems) for p, _ in known):  # 'regeling'/'regelingen': one phrase
                    known.append((tuple(kw_stems), kw))
        self._prefix_start = tuple(prefix for prefix, _ in self._prefixes)
        self._longest = max((len(p) for known in self._phrases.values() for p, _ in known), default=1)

    def _folded(self, text: str) -> list[str]:
        return list(filterfalse(self._stop.__contains__, text_words(text)))   # a body's: as its spelling words read them

    def analyse(self, text: str) -> list[str]:
        return [self._stem(w) for w in self._folded(text)]

    def _keywords_of_word(self, word: str) -> tuple[str, ...]:
        """The keywords this word counts for: at most one per theme, so 'woningen' is one hit for
        wonen even though both 'woning' and 'woningbouw*'-style entries could claim it."""
        found = self._memo.get(word)
        if found is None:
            candidates = self._words.get(self._stem(word), ())
            if word.startswith(self._prefix_start):   # any prefix keyword at all (one C call)
                candidates += tuple(kw for prefix, kw in self._prefixes if word.startswith(prefix))
            claimed: set[str] = set()
            chosen = []
            for kw in candidates:
                themes = set(self._keyword_theme[kw])
                if themes - claimed:
                    chosen.append(kw)
                    claimed |= themes
            self._memo[word] = found = tuple(chosen)
            self._starts[word] = self._stem(word) in self._phrases
        return found

    def count(self, text: str) -> tuple[Counter, int]:
        """-> (hits per keyword, in the order of their first hit; number of non-stop words). Read word by word:
        at each word its keywords, then the phrases starting there. Computed per distinct word and only at the
        words that start a phrase (a text repeats its words: a Python step per word was most of a build's theme
        cost); the order of the first hits is kept, as the stored evidence lists ties in that order."""
        words = self._folded(text)
        counts = Counter(words)
        for word in filterfalse(self._memo.__contains__, counts):
            self._keywords_of_word(word)
        hits_at = []   # (position, 0 for a word's keywords and 1 for phrases, order there, keyword, hits)
        for word in filter(self._memo.__getitem__, counts):
            at = words.index(word)
            for j, kw in enumerate(self._memo[word]):
                hits_at.append((at, 0, j, kw, counts[word]))
        for i in compress(range(len(words)), map(self._starts.__getitem__, words)):
            stems = tuple(map(self._stem, words[i:i + self._longest]))
            for j, (phrase, kw) in enumerate(self._phrases[stems[0]]):
                if stems[:len(phrase)] == phrase:
                    hits_at.append((i, 1, j, kw, 1))
        hits: Counter = Counter()
        for *_, kw, n in sorted(hits_at):
            hits[kw] += n
        return hits, len(words)

    def evidence(self, title: str, text: str) -> list[ThemeEvidence]:
        """Per theme with any hit: the counts that decide whether it is assigned, strongest first."""
        title_hits, _ = self.count(title)
        body_hits, n_words = self.count(text)
        out: dict[str, ThemeEvidence] = {}
        for hits, in_title in ((title_hits, True), (body_hits, False)):
            for kw, n in hits.items():
                for slug in self._keyword_theme[kw]:
                    ev = out.setdefault(slug, ThemeEvidence(slug))
                    ev.keywords[kw] += n
                    if in_title:
                        ev.title_hits += n
                    else:
                        ev.body_hits += n
        for ev in out.values():
            ev.density = round(1000.0 * ev.body_hits / max(n_words, MIN_WORDS_FOR_DENSITY), 3)
            ev.score = ev.density + TITLE_WEIGHT * min(ev.title_hits, 2)
        return sorted(out.values(), key=lambda e: -e.score)

    def assign(self, title: str, text: str) -> list[ThemeEvidence]:
        """The themes the document is substantially about (strongest first, at most MAX_THEMES)."""
        return [ev for ev in self.evidence(title, text) if ev.substantial][:MAX_THEMES]
