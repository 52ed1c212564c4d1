"""A document's text as the sections the extractor found (one per article, section or PDF page), each with the
anchor the results link to: the app's own copy of a document can be read at the passage that matched, also when
the source site is offline."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass

from search.references import article_anchor

# 'Hoofdstuk IV – De burgemeester – Artikel 61': the first article of a chapter carries the chapter's anchor
_LAST_ARTICLE = re.compile(r"(?i)\bartikel\s+([0-9A-Za-z.:]{1,20})\s*$")


@dataclass(frozen=True)
class Section:
    anchor: str             # '' for text outside any passage, or a repeated anchor
    heading: str
    paragraphs: list[str]
    article_anchor: str = ""   # 'artikel-61' when the heading ends in an article whose anchor is another one


def _article_anchor(anchor: str, heading: str, seen: set[str]) -> str:
    """The anchor a citation of the article in `heading` links to (search.references.article_anchor), when the
    passage's own anchor is a different one (a chapter's): so a link to artikel 61 lands on it."""
    m = _LAST_ARTICLE.search(heading)
    wanted = article_anchor(m.group(1)) if m else ""
    if not wanted or wanted == anchor or wanted in seen:
        return ""
    seen.add(wanted)
    return wanted


def _paragraphs(text: str) -> list[str]:
    return [p for p in (p.strip() for p in text.split("\n\n")) if p]


def _offsets(passages_json: str | None) -> list[tuple[str, str, int, int]]:
    try:
        items = json.loads(passages_json or "[]")
    except ValueError:
        return []
    return sorted((tuple(p) for p in items if isinstance(p, list) and len(p) == 4), key=lambda p: p[2])


def sections(body: str, passages_json: str | None) -> list[Section]:
    """The body cut at its passages' offsets; text between passages is kept as a section without anchor, so
    nothing of the text is lost when the offsets do not cover it all."""
    out: list[Section] = []
    seen: set[str] = set()
    pos = 0
    for anchor, heading, start, end in _offsets(passages_json):
        if start < pos or end > len(body):
            continue
        if body[pos:start].strip():
            out.append(Section("", "", _paragraphs(body[pos:start])))
        piece = body[start:end]
        if heading and piece.startswith(heading):
            piece = piece[len(heading):]
        anchor = str(anchor) if anchor and str(anchor) not in seen else ""
        seen.add(anchor)
        out.append(Section(anchor, str(heading), _paragraphs(piece), _article_anchor(anchor, str(heading), seen)))
        pos = end
    if body[pos:].strip():
        out.append(Section("", "", _paragraphs(body[pos:])))
    return out
