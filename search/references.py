"""`verwijst:` in a query and the "Grondslag" facet: a regulation named by its BWB id, citation title or
abbreviation, resolved with the references' own table (lang.reference_table), to the `refs` terms of the index
(indexer.fields.reference_keys)."""
from __future__ import annotations

import re
from functools import lru_cache

from lang.reference_table import load_table
from indexer.schema import doc_id as document_id  # noqa: F401  (a stored page's document in the index)
from lang.references import clean_article, normalise_title

_ID = re.compile(r"(?i)^(BWB[RV]\d{7})(?:/(.*))?$")


@lru_cache(maxsize=1)
def _abbreviations() -> dict[str, list]:
    """Abbreviations case-blind ('awb' for 'Awb'); one written two ways keeps both entries."""
    out: dict[str, list] = {}
    for short, entry in load_table().abbreviations.items():
        out.setdefault(normalise_title(short), []).append(entry)
    return out


def resolve(value: str) -> tuple[list[str], str]:
    """The refs terms a `verwijst:` value stands for, and a notice in Dutch when it names no regulation we know
    (then its words are looked for among the citations that resolved to no id, and the notice says so).
    'BWBR0005416' and 'BWBR0005416/160' are themselves; 'gemeentewet', 'Awb', 'wet maatschappelijke
    ondersteuning 2015' are the id of that title or abbreviation; a title several regulations share is all of
    them."""
    value = value.strip()
    m = _ID.match(value)
    if m:
        article = clean_article(m.group(2) or "")
        return [m.group(1).upper() + (f"/{article}" if article else "")], ""
    key = normalise_title(value)
    if not key:
        return [], "verwijst: zonder regeling; geef een BWB-nummer of een citeertitel, zoals verwijst:gemeentewet."
    table = load_table()
    entries = [table.titles[key]] if key in table.titles else _abbreviations().get(key, [])
    ids = list(dict.fromkeys(i for e in entries for i in e.ids))
    if ids:
        return ids, ""
    if entries:   # known, but its law is not in the corpus: citations of it keep their title
        return list(dict.fromkeys(normalise_title(e.title) for e in entries)), ""
    return [key], (f"'{value}' in verwijst: is geen regeling die we kennen (geen BWB-nummer, citeertitel of "
                   f"afkorting); we zoeken verwijzingen met die titel.")


def regulation_name(bwb: str) -> str:
    """The citation title of a BWB id ('Gemeentewet'), or the id itself."""
    return load_table().names.get(bwb, bwb)


def article_anchor(article: str) -> str:
    """The anchor of an article on a document page, as the sources write it ('2.3.2' -> 'artikel-2-3-2')."""
    return "artikel-" + (re.sub(r"[^0-9a-z]+", "-", article.lower()).strip("-")[:52] or "sectie")
