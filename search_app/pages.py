"""HTML pages: home, results, document, in Dutch, working without JavaScript."""
from __future__ import annotations

from dataclasses import replace
from urllib.parse import parse_qsl, quote, urlencode

from flask import Blueprint, abort, current_app, render_template, request, url_for

from search.engine import IndexMissing, QueryError
from search.references import article_anchor, regulation_name

from .facets import FACET_BY_PARAM, FACETS, FacetValue
from .params import SEARCH_PARAMS, ParamError, search_request, year_range
from .references import document_references
from .sections import sections
from .versions import paragraph_diff

ANCHOR_SAFE = "%!#$&'()*+,/:;=?@"   # what url_for leaves unquoted in an anchor (Flask's url_for)

bp = Blueprint("pages", __name__)


def engine():
    return current_app.extensions["engine"]


def theme_labels() -> dict[str, str]:
    return {t.slug: t.label for t in current_app.extensions["themes"]}


@bp.app_errorhandler(IndexMissing)
def index_missing(e):
    return render_template("error.html", title="Zoekmachine nog niet klaar",
                           message="Er is nog geen zoekindex beschikbaar.", detail=str(e)), 503


@bp.app_errorhandler(ConnectionError)
def store_unreachable(e):
    """The crawl store (versions, coverage) is a PostgreSQL server that does not answer: say so, do not crash."""
    return render_template("error.html", title="Gegevens tijdelijk niet bereikbaar",
                           message="De crawl-store is op dit moment niet bereikbaar. Probeer het later opnieuw.",
                           detail=str(e)), 503


@bp.app_errorhandler(404)
def not_found(e):
    return render_template("error.html", title="Pagina niet gevonden",
                           message="Deze pagina bestaat niet (meer)."), 404


@bp.app_errorhandler(500)
def server_error(e):
    return render_template("error.html", title="Er ging iets mis",
                           message="Er ging iets mis bij het verwerken van uw verzoek. Probeer het later opnieuw."), 500


@bp.route("/favicon.ico")
def favicon():
    """Browsers ask for /favicon.ico on pages that name no icon (feeds, JSON): the same SVG icon."""
    return current_app.send_static_file("favicon.svg")


@bp.route("/")
def home():
    status = engine().status()
    return render_template("home.html", themes=current_app.extensions["themes"], status=status)


@bp.route("/zoeken")
def search():
    try:
        req = search_request(request.args)
        result = engine().search(req)
    except (ParamError, QueryError) as e:
        return _invalid_search(e)
    args = list(request.args.items(multi=True))
    path = url_for("pages.search")
    labels = theme_labels()
    kept = [(k, v) for k, v in args if k not in ("pagina",)]
    facets, unlisted = [], {}
    for f in FACETS:
        counts = result.facets.get(f.field, [])
        listed = f.listed(counts, args)
        if len(listed) < len(counts):
            unlisted[f.param] = (len(counts), url_for("pages.facet_values", param=f.param, **_multi(kept)))
        facets.append((f, f.values(path, args, listed, facet_labels(f.field, listed, args, labels))))
    active = [fv for _, values in facets for fv in values if fv.selected]
    span = year_range(request.args)
    without_range = [(k, v) for k, v in kept if k not in ("jaar_van", "jaar_tot")]
    if span:
        label = (f"Jaar {span[0]}–{span[1]}" if request.args.get("jaar_van") and request.args.get("jaar_tot")
                 else f"Jaar vanaf {span[0]}" if request.args.get("jaar_van") else f"Jaar tot en met {span[1]}")
        active.append(FacetValue(f"{span[0]}-{span[1]}", label, result.total, True,
                                 url_for("pages.search", **_multi(without_range))))

    def page_url(n: int) -> str:
        return url_for("pages.search", **_multi(kept + [("pagina", str(n))]))

    def sort_url(sort: str) -> str:
        return url_for("pages.search", **_multi([(k, v) for k, v in kept if k != "sort"] + [("sort", sort)]))

    suggestion_url = url_for("pages.search", **_multi([(k, v) for k, v in kept if k != "q"]
                                                      + [("q", result.suggestion)])) if result.suggestion else ""
    plain = _multi(kept)
    came_from = search_state(args)

    return render_template("results.html", req=req, query=req.q, result=result, facets=facets, active=active,
                           unlisted=unlisted,
                           doc_url=document_links(came_from), year_span=span, range_hidden=without_range,
                           page_url=page_url, sort_url=sort_url, theme_labels=labels, suggestion_url=suggestion_url,
                           feed_url=url_for("feeds.atom", **plain), csv_url=url_for("feeds.export", fmt="csv", **plain),
                           jsonl_url=url_for("feeds.export", fmt="jsonl", **plain),
                           excel_url=url_for("feeds.export", fmt="csv", voor="excel", **plain),
                           xlsx_url=url_for("feeds.export", fmt="xlsx", **plain))


@bp.route("/zoeken/filter/<param>")
def facet_values(param: str):
    """Every value of one facet for a search, with its count and the link that adds it to the search (or takes it
    off): what a results page lists only the first FACET.most of."""
    facet = FACET_BY_PARAM.get(param)
    if facet is None:
        return render_template("error.html", title="Onbekend filter",
                               message=f"Er is geen filter '{param}'. Filters: {', '.join(FACET_BY_PARAM)}.",
                               query=request.args.get("q", ""), search_form=True, back=url_for("pages.home")), 404
    try:
        req = search_request(request.args)
        result = engine().search(replace(req, page=1, page_size=1), snippets=False)
    except (ParamError, QueryError) as e:
        return _invalid_search(e)
    args = [(k, v) for k, v in request.args.items(multi=True) if k != "pagina"]
    counts = result.facets.get(facet.field, [])
    labels = facet_labels(facet.field, counts, args, theme_labels())
    values = facet.values(url_for("pages.search"), args, counts, labels)
    return render_template("facet_values.html", facet=facet, values=values, query=req.q, result=result,
                           back=url_for("pages.search", **_multi(args)))


def document_links(came_from: str):
    """doc_url(doc_id, anchor='') of a results page: the document page's URL with ?zoek=came_from, as url_for
    writes it, but url_for called once per page, not for each hit and each best passage."""
    head, _, tail = url_for("pages.document", doc_id="0", zoek=came_from or None).partition("/document/0")

    def doc_url(doc_id: str, anchor: str = "") -> str:
        if not (doc_id.isascii() and doc_id.isalnum()):   # not a plain id: as url_for writes (and quotes) it
            return url_for("pages.document", doc_id=doc_id, zoek=came_from or None, _anchor=anchor or None)
        return f"{head}/document/{doc_id}{tail}" + (f"#{quote(anchor, safe=ANCHOR_SAFE)}" if anchor else "")
    return doc_url


def _invalid_search(e: Exception):
    """The page for a search whose parameters or query cannot be read: what is wrong, and the box to try again."""
    return render_template("error.html", title="Ongeldige zoekopdracht", message=str(e),
                           query=request.args.get("q", ""), search_form=True, back=url_for("pages.home")), 400


def facet_labels(field: str, counts: list[tuple[str, int]], args, themes: dict[str, str]) -> dict[str, str] | None:
    """How the `counts` of a facet are named: themes by their label, cited regulations by their citation title
    (a chosen regulation too, when no result cites it any more)."""
    if field == "themes":
        return themes
    if field == "refs":
        return {v: regulation_name(v) for v in [v for v, _ in counts] + [v for k, v in args if k == "grondslag"]}
    return None


def search_state(pairs) -> str:
    """The search parameters of a results page as one query string: the document page gets it (?zoek=) to lead
    back to the same results and keep the query in its search box."""
    return urlencode([(k, v) for k, v in pairs if k in SEARCH_PARAMS and v])


def _multi(pairs):
    out: dict[str, list[str]] = {}
    for k, v in pairs:
        out.setdefault(k, []).append(v)
    return out


# The document page shows this much of the text (a few hundred kB of HTML); the whole text is searchable and
# the source link has the rest.
DOCUMENT_PAGE_CHARS = 200_000


@bp.route("/document/<doc_id>")
def document(doc_id: str):
    if not doc_id.isalnum() or len(doc_id) > 40:
        abort(404)
    doc = engine().document(doc_id)
    if doc is None:
        abort(404)
    versions, diff, pair = _versions(doc)
    came_from = [(k, v) for k, v in parse_qsl(request.args.get("zoek", "")[:2000]) if k in SEARCH_PARAMS]
    query = next((v for k, v in came_from if k == "q"), "")
    back_url = url_for("pages.search", **_multi(came_from)) if came_from else ""
    body = doc.get("body") or ""
    outgoing, incoming, cited_by = document_references(doc)
    return render_template("document.html", outgoing=outgoing, incoming=incoming, cited_by=cited_by,
                           article_anchor=article_anchor, doc=doc, theme_labels=theme_labels(), versions=versions, diff=diff,
                           pair=pair, similar=engine().similar(doc_id), title=doc["title"], query=query,
                           back_url=back_url, sections=sections(body[:DOCUMENT_PAGE_CHARS], doc.get("passages")),
                           body_cut=len(body) > DOCUMENT_PAGE_CHARS)


def _versions(doc):
    """The page's versions from the crawl store and the diff between two of them (?van=&naar=, short hashes)."""
    store = current_app.extensions.get("store")
    if store is None:
        return [], [], None
    versions = store.versions(doc["url"])
    if len(versions) < 2:
        return versions, [], None
    by_prefix = {h[:12]: h for h, _ in versions}
    old = by_prefix.get(request.args.get("van", "")[:12], versions[-2][0])
    new = by_prefix.get(request.args.get("naar", "")[:12], versions[-1][0])
    return versions, paragraph_diff(store.text_of(old), store.text_of(new)), (old, new)
