"""Request parameters -> SearchRequest, with errors a person can read (shown with status 400)."""
from __future__ import annotations

from search.engine import MAX_PAGE, MAX_PAGE_SIZE, MAX_QUERY_LENGTH, PAGE_SIZE, SORTS, SearchRequest
from .facets import FACETS

MAX_FILTER_VALUES = 20
SEARCH_PARAMS = ("q", "thema", "gemeente", "type", "jaar", "jaar_van", "jaar_tot", "sort", "pagina", "per_pagina")


class ParamError(ValueError):
    pass


def _int(args, name: str, default: int, low: int, high: int, what: str) -> int:
    raw = args.get(name, "")
    if raw in ("", None):
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ParamError(f"'{name}' moet een heel getal zijn ({what}), niet {raw[:20]!r}") from None
    if not low <= value <= high:
        raise ParamError(f"'{name}' moet tussen {low} en {high} liggen ({what})")
    return value


def _page(args) -> int:
    """A page number beyond the results (or beyond MAX_PAGE) is not an error: the engine shows the last page and
    says so; only a page number that is not a number is."""
    page = _int(args, "pagina", 1, float("-inf"), float("inf"), "het paginanummer")
    return min(max(page, 1), MAX_PAGE)


FIRST_YEAR, LAST_YEAR = 1800, 2100


def year_range(args) -> tuple[int, int] | None:
    """(from, to) of ?jaar_van=&jaar_tot= (either may be left out; reversed bounds are put right), or None."""
    if not (args.get("jaar_van") or args.get("jaar_tot")):
        return None
    low = _int(args, "jaar_van", FIRST_YEAR, FIRST_YEAR, LAST_YEAR, "het eerste jaar")
    high = _int(args, "jaar_tot", LAST_YEAR, FIRST_YEAR, LAST_YEAR, "het laatste jaar")
    return (low, high) if low <= high else (high, low)


def search_request(args) -> SearchRequest:
    """Read q, thema, gemeente, type, jaar, sort, pagina (and per_pagina) from a MultiDict."""
    q = args.get("q", "").strip()
    if len(q) > MAX_QUERY_LENGTH:
        raise ParamError(f"De zoekvraag is te lang (meer dan {MAX_QUERY_LENGTH} tekens).")
    sort = args.get("sort", "") or "relevantie"
    if sort not in SORTS:
        raise ParamError(f"'sort' kan alleen {' of '.join(SORTS)} zijn.")
    filters = {}
    for facet in FACETS:
        values = [v.strip() for v in args.getlist(facet.param) if v.strip()]
        if len(values) > MAX_FILTER_VALUES:
            raise ParamError(f"Te veel waarden voor '{facet.param}' (hoogstens {MAX_FILTER_VALUES}).")
        if values:
            filters[facet.field] = values
    span = year_range(args)
    if span:   # a range is the years in it, OR-ed with any single years chosen in the facet
        years = filters.get("year", []) + [str(y) for y in range(span[0], span[1] + 1)]
        filters["year"] = list(dict.fromkeys(years))
    page = _page(args)
    size = _int(args, "per_pagina", PAGE_SIZE, 1, MAX_PAGE_SIZE, "resultaten per pagina")
    return SearchRequest(q=q, filters=filters, sort=sort, page=page, page_size=size)
