"""Theme pages (/thema, /thema/<slug>) and cross-city comparison (/vergelijk)."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template, request
from markupsafe import Markup

from .charts import bar_chart_svg
from search.engine import QueryError, SearchRequest
from .params import ParamError, search_request

bp = Blueprint("explore", __name__)

THEME_QUERY_KEYWORDS = 12   # the first keywords of a theme are its core; they rank "most relevant"


def _engine():
    return current_app.extensions["engine"]


def _themes():
    return current_app.extensions["themes"]


def theme_query(theme) -> str:
    words = []
    for kw in theme.keywords[:THEME_QUERY_KEYWORDS]:
        words.append(f'"{kw}"' if " " in kw else kw)
    return " OR ".join(words)


def year_trend(year_counts: list[tuple[str, int]]) -> tuple[list[tuple[str, int]], int]:
    """Documents per year, every year from the first to the last (gaps as 0), and the count without a year."""
    known = {int(y): n for y, n in year_counts if y.isdigit()}
    unknown = sum(n for y, n in year_counts if not y.isdigit())
    if not known:
        return [], unknown
    first, last = min(known), max(known)
    if last - first > 60:   # old laws reach back to 1800: show the last 60 years, the rest stays in the table
        first = last - 60
    return [(str(y), known.get(y, 0)) for y in range(first, last + 1)], unknown


@bp.route("/thema")
def themes():
    engine = _engine()
    counts = dict(engine.search(SearchRequest(q=""), snippets=False).facets.get("themes", []))
    return render_template("themes.html", themes=_themes(), counts=counts, title="Thema's")


@bp.route("/thema/<slug>")
def theme(slug: str):
    theme = next((t for t in _themes() if t.slug == slug), None)
    if theme is None:
        abort(404)
    engine = _engine()
    recent = engine.search(SearchRequest(q="", filters={"themes": [slug]}, sort="datum", page_size=10), snippets=False)
    relevant = engine.search(SearchRequest(q=theme_query(theme), filters={"themes": [slug]}, page_size=10))
    trend, undated = year_trend(recent.facets.get("year", []))
    chart = Markup(bar_chart_svg(trend, f"Documenten per jaar over {theme.label}")) if trend else ""
    return render_template("theme.html", theme=theme, recent=recent, relevant=relevant, chart=chart,
                           trend=trend, all_years=sorted(((y, n) for y, n in recent.facets.get("year", [])
                                                          if y.isdigit()), reverse=True),
                           undated=undated, organisations=recent.facets.get("organisation", []), title=theme.label)


def organisation_key(name: str) -> str:
    """Sort organisations by what distinguishes them: 'Gemeente Venlo' under V, beside 'Venlo'."""
    for prefix in ("gemeente ", "provincie ", "ministerie van "):
        if name.lower().startswith(prefix):
            return name[len(prefix):].casefold()
    return name.casefold()


def organisation_choices(counts: list[tuple[str, int]], matching: dict[str, int] | None) -> list[tuple[str, int]]:
    """Every organisation with its number of documents (those matching the query and theme, when there is one),
    alphabetically."""
    return sorted(((org, n if matching is None else matching.get(org, 0)) for org, n in counts),
                  key=lambda on: organisation_key(on[0]))


@bp.route("/vergelijk")
def compare():
    engine = _engine()
    try:
        req = search_request(request.args)
    except ParamError as e:
        return render_template("error.html", title="Ongeldige vergelijking", message=str(e)), 400
    chosen = req.filters.pop("organisation", [])[:4]
    columns = []
    try:
        everything = engine.search(SearchRequest(q=""), snippets=False).facets.get("organisation", [])
        matching = (dict(engine.search(SearchRequest(q=req.q, filters=req.filters), snippets=False)
                         .facets.get("organisation", [])) if req.q or req.filters else None)
        all_orgs = organisation_choices(everything, matching)
        for org in chosen:
            filters = dict(req.filters, organisation=[org])
            columns.append((org, engine.search(SearchRequest(q=req.q, filters=filters, page_size=5))))
    except QueryError as e:
        return render_template("error.html", title="Ongeldige vergelijking", message=str(e)), 400
    return render_template("compare.html", req=req, chosen=chosen, all_orgs=all_orgs, columns=columns,
                           themes=_themes(), theme=(req.filters.get("themes") or [""])[0], title="Vergelijken")
