"""Dates of documents: read from the forms Dutch sites write them in, as ISO 'YYYY-MM-DD'.

`parse_date` reads one value ('2024-03-05T10:00', '3 maart 2024', 'di 5 mrt. 2024', '05-03-2024',
'March 5, 2024'). For an HTML page (crawler.extract) the metadata decides by priority (modified before issued
before available ...); a page without a usable date there gets the date it states after a label
('Laatst gewijzigd: 3 maart 2024'), else htmldate's reading of it (time elements, bylines, the URL).
"""
from __future__ import annotations

import logging
import re
from datetime import date

MONTHS = {
    "januari": 1, "jan": 1, "january": 1, "februari": 2, "feb": 2, "february": 2, "maart": 3, "mrt": 3,
    "mar": 3, "march": 3, "april": 4, "apr": 4, "mei": 5, "may": 5, "juni": 6, "jun": 6, "june": 6, "juli": 7,
    "jul": 7, "july": 7, "augustus": 8, "aug": 8, "august": 8, "september": 9, "sep": 9, "sept": 9,
    "oktober": 10, "okt": 10, "oct": 10, "october": 10, "november": 11, "nov": 11, "december": 12, "dec": 12,
}
_MONTH = "|".join(sorted(MONTHS, key=len, reverse=True))
_ISO = re.compile(r"\b(\d{4})-(\d{1,2})-(\d{1,2})(?!\d)")
_DAY_MONTH_YEAR = re.compile(rf"\b(\d{{1,2}})(?:e|ste|de)?\s+({_MONTH})\.?\s+(\d{{4}})\b", re.I)
_MONTH_DAY_YEAR = re.compile(rf"\b({_MONTH})\.?\s+(\d{{1,2}}),?\s+(\d{{4}})\b", re.I)
_NUMERIC_DMY = re.compile(r"\b(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})\b")     # Dutch order: day, month, year
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})")                             # 20240305, PDF-style D:20240305


def _iso(y: int, m: int, d: int) -> str:
    if not 1000 < y < 3000:
        return ""
    try:
        return date(y, m, d).isoformat()
    except ValueError:
        return ""


def parse_date(value: str | None) -> str:
    """The first date in `value` as 'YYYY-MM-DD', or '' when there is none (or it does not exist: 31 februari)."""
    value = (value or "").strip()
    if not value:
        return ""
    if m := _ISO.search(value):
        return _iso(*(int(x) for x in m.groups()))
    if m := _DAY_MONTH_YEAR.search(value):
        return _iso(int(m.group(3)), MONTHS[m.group(2).lower()], int(m.group(1)))
    if m := _MONTH_DAY_YEAR.search(value):
        return _iso(int(m.group(3)), MONTHS[m.group(1).lower()], int(m.group(2)))
    if m := _NUMERIC_DMY.search(value):
        return _iso(int(m.group(3)), int(m.group(2)), int(m.group(1)))
    if m := _COMPACT.match(value.removeprefix("D:")):
        return _iso(*(int(x) for x in m.groups()))
    return ""


def first_date(candidates) -> str:
    """The first candidate (in priority order) that holds a readable date."""
    return next((d for d in map(parse_date, candidates) if d), "")


# Words Dutch pages put before a date, strongest first as in the metadata: changed, then published.
_LABELS = [re.compile(r"(?:laatst\s+)?(?:gewijzigd|bijgewerkt|aangepast)|laatste\s+wijziging", re.I),
           re.compile(r"gepubliceerd|publicatiedatum|geplaatst|vastgesteld|datum", re.I)]
LABEL_REACH = 40          # characters after the label where its date must start
TEXT_REACH = 50_000       # how much of a page is searched for a label


def labelled_date(text: str) -> str:
    """A date the page states in words: 'Laatst gewijzigd: 3 maart 2024', 'Gepubliceerd op 12-01-2023'.
    htmldate misreads Dutch month names ('3 maart 2024' -> 2024-01-01), so this comes first."""
    text = text[:TEXT_REACH]
    for label in _LABELS:
        for m in label.finditer(text):
            found = parse_date(text[m.end():m.end() + LABEL_REACH])
            if found:
                return found
    return ""


logging.getLogger("htmldate").setLevel(logging.ERROR)


def fallback_date(html: str, url: str = "") -> str:
    """htmldate's reading of when a page without date metadata was last changed ('' when it has none).
    Its structural search only (time elements, date markup, the URL): its extensive search takes the latest
    date the text mentions, which on the bundled pages without metadata dated 106 of 207 pages by some date
    in their content (a timeline's 2025-02-02), and took twice the extraction time."""
    from htmldate import find_date    # imported late: it pulls in dateparser, which takes a while
    try:
        found = find_date(html, url=url or None, original_date=False, extensive_search=False,
                          outputformat="%Y-%m-%d", min_date="1900-01-01")
    except Exception:  # htmldate on hostile HTML: a page without a date, not a failed crawl
        return ""
    return found or ""
