"""Snippets: the passage of a hit's text that best matches the query, with the query's stems marked.

Pure functions on (text, stored passages, matched stems), shared by both search backends: the engine only says
which stems a hit matched in its body. A long text (a law) is cut to its best-matching article or page first,
which is also what the result deep-links to; the marking re-analyses only that passage, with the same analyzer
as the index, so "woningtoewijzing" is marked for a search on "woning".
"""
from __future__ import annotations

import json
import re
from html import escape as _escape

from .marks import Marker

SNIPPET_CHARS = 300
LONG_BODY = 4000          # below this, the whole text is searched for the snippet; above it, the best passage
MARK_CHAR_LIMIT = 30_000  # marking re-analyses text: at most this much of it
LEAD = 80                 # characters of context before the first mark

_MARKER = Marker()   # what it learnt of words serves every snippet of the process
_URL = re.compile(r"https?://(?:www\.)?([^/\s()]+)(/[^\s()]*)?")


def escape(text: str) -> str:
    """HTML-escaped for element content, with bare URLs shown as their host ('amsterdam.nl/…'): quotes stay
    quotes, so the API's snippets carry no '&#x27;'."""
    return _escape(_URL.sub(lambda m: m.group(1) + ("/…" if (m.group(2) or "/") != "/" else ""), text), quote=False)


_SEPARATOR_CHARS = frozenset("–—-:|·")   # besides whitespace: what may stand between repetitions of a title


def _skip_separators(text: str, pos: int) -> int:
    n = len(text)
    while pos < n and (text[pos].isspace() or text[pos] in _SEPARATOR_CHARS):
        pos += 1
    return pos


def _title_end(text: str, pos: int, words: list[str]) -> int:
    """Where one repetition of the title starting at pos ends (its lower-cased `words` in order, whitespace
    between them, separators around it), or -1. A scan, not a regular expression per title: compiling one for
    each long law title cost a third of a millisecond, and a results page meets new titles query after query."""
    p, n = _skip_separators(text, pos), len(text)
    for i, word in enumerate(words):
        if i:
            q = p
            while q < n and text[q].isspace():
                q += 1
            if q == p:
                return -1
            p = q
        if text[p:p + len(word)].lower() != word:
            return -1
        p += len(word)
    return _skip_separators(text, p)   # no word end needed: a title cut mid-word is repeated in full after it


def after_title(text: str, title: str) -> int:
    """Offset in text past its leading repetitions of the title (and the separators between them): a snippet or
    a passage heading that starts by repeating the title shows the reader nothing new."""
    words = [w.lower() for w in title.split()]
    if not words or len(title) < 4:
        return 0
    pos = 0
    while (end := _title_end(text, pos, words)) > pos:
        pos = end
    return pos


def without_title(heading: str, title: str) -> str:
    """A passage heading without the title it may start with ('Titel – Artikel 3' -> 'Artikel 3'); '' when it
    is only the title (the start of the document: the result's own title link goes there)."""
    return heading[after_title(heading, title):].strip()


def best_passage(passages_json: str | None, body: str, needles: list[str]):
    """(anchor, heading, start, end) of the passage of a long text holding the most different matched stems
    (the earliest on a tie), or None for short texts and texts without usable passages."""
    if len(body) < LONG_BODY or not needles:
        return None
    try:
        passages = [p for p in json.loads(passages_json or "[]") if len(p) == 4]
    except ValueError:
        return None
    scores = _needles_held(body, needles, [(start, end) for _, _, start, end in passages])
    best, best_score = None, 0
    for passage, score in zip(passages, scores):
        if score > best_score:
            best, best_score = tuple(passage), score
    return best


# The only characters whose lower case is not one character (İ -> i + a combining dot), or is ASCII while they are
# not (the Kelvin sign -> k).
_LOWER_UNLIKE_ASCII = ("\u0130", "\u212a")


def _needles_held(body: str, needles: list[str], spans: list[tuple[int, int]]) -> list[int]:
    """For each (start, end): how many of the needles body.lower()[start:end] holds.

    Lowering a long law as text (every character through Unicode's case tables) and searching each passage for
    each needle (passages nest, so the text was searched several times over) was the largest cost of a page's
    snippets. For needles that are all ASCII word characters the text is lowered as ASCII bytes instead, every
    other character one '?', so offsets stay those of the text and a needle occurs exactly where it occurs in the
    lowered text (as long as the text holds neither of _LOWER_UNLIKE_ASCII); and each needle's next occurrence is
    remembered, so passages in text order read the text once per needle."""
    if (not all(n and n.isascii() and "?" not in n for n in needles) or any(c in body for c in _LOWER_UNLIKE_ASCII)
            or any(start < 0 or end < 0 for start, end in spans)):
        lower = body.lower()
        return [sum(1 for n in needles if n in lower[start:end]) for start, end in spans]
    text = body.encode("ascii", "replace").lower()
    held = [0] * len(spans)
    for needle in (n.encode() for n in needles):
        since, at, size = 0, text.find(needle), len(needle)   # at: its first occurrence from `since` on, or -1
        for i, (start, end) in enumerate(spans):
            if start < since or 0 <= at < start:
                since, at = start, text.find(needle, start)
            if 0 <= at <= end - size:
                held[i] += 1
    return held


def passage_at(passages_json: str | None, offset: int) -> tuple[str, str]:
    """(heading, anchor) of the passage that holds character `offset` of the body."""
    try:
        passages = json.loads(passages_json or "[]")
    except ValueError:
        return "", ""
    for item in passages:
        if len(item) == 4 and item[2] <= offset < item[3]:
            return item[1], item[0]
    return "", ""


def first_chars(text: str, n: int = SNIPPET_CHARS) -> str:
    text = " ".join(text.split())
    if len(text) <= n:
        return escape(text)
    cut = text.rfind(" ", 0, n)
    return escape(text[: cut if cut > 0 else n]) + " …"


def mark(text: str, stems: set[str], maxchars: int = SNIPPET_CHARS) -> tuple[str, int]:
    """(escaped text around the densest cluster of the stems with <mark> around each, offset of that window in
    text); ('', -1) when none of the stems occurs."""
    spans = _MARKER.spans(text[:MARK_CHAR_LIMIT], stems)
    if not spans:
        return "", -1
    starts = [s for s, _ in spans]
    best, most, j = 0, 0, 0
    for i, s in enumerate(starts):   # the window of maxchars from each mark holding the most marks
        while j < len(starts) and starts[j] < s + maxchars - LEAD:
            j += 1
        if j - i > most:
            best, most = i, j - i
    start = max(0, starts[best] - LEAD)
    start = text.rfind(" ", 0, start) + 1 if start else 0
    end = min(len(text), start + maxchars)
    if end < len(text) and text.rfind(" ", start, end) > starts[best]:
        end = text.rfind(" ", start, end)   # end at a word: no '… D …'
    out, pos = [], start
    for s, e in spans:
        if s < pos or e > end:
            continue
        out += [escape(text[pos:s]), "<mark>", escape(text[s:e]), "</mark>"]
        pos = e
    out.append(escape(text[pos:end]))
    snippet = " ".join("".join(out).split())
    return ("… " if start else "") + snippet + (" …" if end < len(text) else ""), starts[best]


def snippet(body: str, passages_json: str | None, url: str, stems: set[str],
            title: str = "") -> tuple[str, str, str]:
    """(snippet HTML, heading of its passage, deep link to that passage) for a hit that matched `stems` in its
    body; the start of the text when nothing can be marked. Neither starts by repeating the title (shown above
    it), and a passage's snippet does not repeat its heading (shown beside it)."""
    if not body:
        return "", "", ""
    best = best_passage(passages_json, body, sorted(stems, key=len, reverse=True))
    if best is not None:
        anchor, heading, start, end = best
        chunk = body[start:end]
        chunk = chunk[len(heading):] if heading and chunk.startswith(heading) else chunk
        chunk = chunk[after_title(chunk, title):]
        html, _ = mark(chunk, stems)
        fallback = chunk
    else:
        skip = after_title(body, title)
        html, at = mark(body[skip:], stems)
        heading, anchor = passage_at(passages_json, at + skip) if at >= 0 else ("", "")
        fallback = body[skip:]
    return (html or first_chars(fallback), without_title(heading, title) if heading else "",
            f"{url}#{anchor}" if anchor else "")
