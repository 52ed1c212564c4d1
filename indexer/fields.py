"""How a DocumentRecord becomes an index document: the values of every field of the index format
(indexer.schema), shared by the Whoosh and the PostgreSQL index."""
from __future__ import annotations

import json
from datetime import datetime, timezone

from lang.analysis import folded_words, remember_last_long
from lang.reference_table import load_table
from store.record import DocumentRecord

from .schema import MISSING_DATE, doc_id


def _parse_date(value: str) -> datetime:
    try:
        return datetime.strptime(value[:10], "%Y-%m-%d")
    except (TypeError, ValueError):
        return MISSING_DATE


def _parse_datetime(value: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except (AttributeError, ValueError):
        return MISSING_DATE
    return parsed.replace(tzinfo=None) if parsed.tzinfo is None else parsed.astimezone(timezone.utc).replace(tzinfo=None)


def passage_offsets(rec: DocumentRecord) -> list[list]:
    """[anchor, heading, start, end] of each passage within the body text, which the extractors build as
    the passages' "heading\ntext" pieces joined by blank lines; [] if the text was built otherwise."""
    out, pos = [], 0
    for p in rec.passages:
        piece = (p.heading + "\n" + p.text).strip()
        if not piece:
            continue
        if rec.text[pos:pos + len(piece)] != piece:
            return []
        out.append([p.anchor, p.heading, pos, pos + len(piece)])
        pos += len(piece) + 2
    return out


@remember_last_long
def text_words(text: str) -> list[str]:
    """lang.analysis.folded_words(text), remembered for the last long text (that very object): a build reads each
    body for its themes (indexer.themes) and then for its spelling words, and folding its words was, after the scan
    lang.analysis remembers, the larger part of each read. Callers must not change the list."""
    return folded_words(text)


def spelling_words(*texts: str) -> str:
    """The distinct folded words of the texts (4 to 30 letters), for suggestions from the index's own vocabulary."""
    words = set().union(*map(text_words, texts))
    return " ".join(sorted({w for w in words if 4 <= len(w) <= 30 and w.isalpha()}))


def reference_keys(references) -> list[str]:
    """The `refs` terms of a document's references (what `verwijst:` filters on): each cited regulation's BWB id
    and id/article ('BWBR0005416', 'BWBR0005416/160'); a citation that resolved to no id by its title's words
    ('afvalstoffenverordening den haag'). Distinct, in order."""
    keys: dict[str, None] = {}
    table = load_table() if references else None
    for target, title, article in references:
        if target:
            keys[target] = None
            if article:
                keys[f"{target}/{article}"] = None
        elif table.key_of(title or ""):
            keys[table.key_of(title)] = None
    return [k.replace(",", " ") for k in keys]


def scored_fields(rec: DocumentRecord) -> dict[str, str]:
    """The analysed text fields of a record, the ones BM25 scores (and counts the length of)."""
    return {"title": rec.title or rec.url, "short_title": rec.short_title, "body": rec.text,
            "grams": (rec.title or "") + "\n" + rec.text, "org_words": rec.organisation}


def to_index_fields(rec: DocumentRecord, themes: list) -> dict:
    """Index fields for one record; `themes` are ThemeEvidence objects (strongest first)."""
    return {
        "id": doc_id(rec.url),
        "url": rec.url,
        "identifier": rec.identifier,
        **scored_fields(rec),
        "site": rec.site,
        "organisation": rec.organisation or "Onbekend",
        "city": rec.city,
        "doctype": rec.doctype or "pagina",
        "year": rec.year or "onbekend",
        "date": _parse_date(rec.date),
        "themes": ",".join(ev.slug for ev in themes),
        "refs": ",".join(reference_keys(rec.references)),
        "theme_evidence": json.dumps({ev.slug: dict(ev.keywords.most_common(8)) for ev in themes},
                                     ensure_ascii=False),
        "passages": json.dumps(passage_offsets(rec), ensure_ascii=False),
        "spell": spelling_words(rec.title, rec.text),   # read apart: the body's words are remembered (text_words)
        "content_hash": rec.content_hash,
        "fetched_at": rec.fetched_at,
        "changed_at": _parse_datetime(rec.changed_at),
    }
