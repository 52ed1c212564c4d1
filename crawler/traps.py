"""Crawler traps: URL shapes that generate endless pages. A URL with a trap shape is not enqueued."""
from __future__ import annotations

import re
from collections import Counter
from urllib.parse import parse_qsl, urlsplit

MAX_URL_LENGTH = 400
MAX_QUERY_PARAMS = 6
MAX_SEGMENT_REPEATS = 2
MAX_PATH_DEPTH = 20

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
    if segments and Counter(segments).most_common(1)[0][1] > MAX_SEGMENT_REPEATS:
        return "repeating-path"
    params = parse_qsl(parts.query, keep_blank_values=True)
    if len(params) > MAX_QUERY_PARAMS:
        return "many-parameters"
    if any(k.lower() in _CALENDAR_PARAMS and _DATE_VALUE.match(v) for k, v in params):
        return "calendar"
    if _CALENDAR_PATH.search(parts.path):
        return "calendar"
    return ""
