"""Crawler traps: URL shapes that generate endless pages. A URL with a trap shape is not enqueued."""
from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlsplit

MAX_URL_LENGTH = 400
MAX_QUERY_PARAMS = 6
# Relative-link loops: one segment four times in a row (/a/a/a/a/), or a block of two or three segments three
# times in a row (/a/b/a/b/a/b/). Real paths repeat less: the BWB has /wijzigingswet/wet/wet/wet/...
_REPEATING_BLOCK = re.compile(r"(?:(/[^/]+)\1{3}|(/[^/]+(?:/[^/]+){1,2})\2\2)(?:/|$)")
MAX_PATH_DEPTH = 30   # BWB citation-title paths reach 20+ segments

# Query parameters that page through dates (calendars, agendas, archives).
_CALENDAR_PARAMS = {"date", "datum", "day", "dag", "month", "maand", "year", "jaar", "week", "from", "to", "van",
                    "tot", "start", "end", "calendar", "kalender", "agenda"}
_DATE_VALUE = re.compile(r"^\d{4}(-?\d{2}){0,2}$")
_CALENDAR_PATH = re.compile(r"/(?:kalender|calendar|agenda)/\d{4}(?:/\d{1,2}){0,2}/?$|/\d{4}/\d{1,2}/\d{1,2}/(?:\d{4}/)", re.I)


def trap_reason(url: str) -> str:
    """Why this URL looks like a trap ('' when it does not)."""
    if len(url) > MAX_URL_LENGTH:
        return "long-url"
    parts = urlsplit(url)
    segments = [s for s in parts.path.split("/") if s]
    if len(segments) > MAX_PATH_DEPTH:
        return "deep-path"
    if _REPEATING_BLOCK.search(parts.path):
        return "repeating-path"
    params = parse_qsl(parts.query, keep_blank_values=True)
    if len(params) > MAX_QUERY_PARAMS:
        return "many-parameters"
    if any(k.lower() in _CALENDAR_PARAMS and _DATE_VALUE.match(v) for k, v in params):
        return "calendar"
    if _CALENDAR_PATH.search(parts.path):
        return "calendar"
    return ""
