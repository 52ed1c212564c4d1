"""Verwijzingen: which documents build on which regulation. The page (and CSV and JSON) per regulation and per
article lists who cites it, per organisation with counts, filtered by theme and year; the document page's
"Grondslag / verwijst naar" and "Wordt genoemd in" are built here too. Who cites what comes from the index
(`refs` field: filters and facets, as any search) and the crawl store's reference table (which articles, and
the text each citation came from)."""
from __future__ import annotations

import csv
import io
import re
from datetime import date

from flask import Blueprint, Response, abort, current_app, jsonify, render_template, request, url_for

from search.engine import QueryError, SearchRequest
from search.exports import attachment, guarded
from search.references import article_anchor, clean_article, document_id, regulation_name

from .facets import FACET_BY_PARAM
from .params import ParamError, search_request

bp = Blueprint("references", __name__)
BWB = re.compile(r"^BWB[RV]\d{7}$")
ARTICLE = re.compile(r"^[0-9A-Za-z.:]{1,20}$")
MAX_CITING = 5000          # documents listed on one regulation's page, its CSV and its JSON
SHOWN_PER_GROUP = 10       # documents per organisation and type under "Wordt genoemd in" (the rest: its page)
FILTERS = ("thema", "jaar", "jaar_van", "jaar_tot")   # what the page filters by, and so its CSV and JSON


def _store():
    """The crawl store, when it has the reference table (else the pages show what the index knows)."""
    store = current_app.extensions.get("store")
    return store if store is not None and store.has_references() else None


def _checked(bwb: str, article: str | None) -> str:
    if not BWB.match(bwb) or (article is not None and not ARTICLE.match(article)):
        abort(404)
    return f"{bwb}/{clean_article(article)}" if article else bwb


def citing(bwb: str, article: str | None, args) -> dict:
    """Who cites the regulation (or the article): the documents, grouped per organisation with counts, the
    theme and year counts to filter by, and per document the articles it cites and the text of a citation."""
    key = _checked(bwb, article)
    picked = {k: v for k, v in search_request(args).filters.items() if k in ("themes", "year")}
    req = SearchRequest(q="", filters={"refs": [key], **picked}, sort="datum", page_size=1)
    engine = current_app.extensions["engine"]
    counts = engine.search(req, snippets=False)
    total, hits = engine.all_hits(req, MAX_CITING)
    store = _store()
    detail = {d["url"]: d for d in store.references_to(bwb, key.partition("/")[2] or None)} if store else {}
    own = store.regulation_pages([bwb]).get(bwb) if store else None
    articles: dict[str, int] = {}
    for d in (store.references_to(bwb) if store and not article else []):
        for a in d["articles"]:
            articles[a] = articles.get(a, 0) + 1
    groups: dict[str, list] = {}
    for h in hits:
        d = detail.get(h.url, {})
        groups.setdefault(h.organisation or "Onbekend", []).append({
            "id": h.id, "url": h.url, "title": h.title, "organisation": h.organisation or "Onbekend",
            "type": h.doctype, "date": h.date or None, "themes": h.themes, "articles": d.get("articles", []),
            "citation": d.get("source") or None})
    organisations = [{"organisation": org, "count": len(docs), "documents": docs}
                     for org, docs in sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0]))]
    return {"regulation": bwb, "title": regulation_name(bwb), "article": key.partition("/")[2] or None,
            "document_id": document_id(own) if own else None, "total": total, "truncated": total > len(hits),
            "organisations": organisations,
            "articles": [{"article": a, "count": n} for a, n in sorted(articles.items(), key=lambda kv: (-kv[1], kv[0]))],
            "facets": {name: [{"value": v, "count": c} for v, c in counts.facets.get(field, [])]
                       for name, field in (("themes", "themes"), ("year", "year"))}}


def _bad(e):
    return render_template("error.html", title="Ongeldige vraag", message=str(e)), 400


@bp.route("/regeling/<bwb>")
@bp.route("/regeling/<bwb>/artikel/<article>")
def regulation(bwb: str, article: str | None = None):
    try:
        data = citing(bwb, article, request.args)
    except (ParamError, QueryError) as e:
        return _bad(e)
    args = [(k, v) for k, v in request.args.items(multi=True) if k in FILTERS]
    path = request.path
    themes = {t.slug: t.label for t in current_app.extensions["themes"]}
    facets = [(FACET_BY_PARAM[p], FACET_BY_PARAM[p].values(path, args, [(x["value"], x["count"]) for x in data["facets"][name]],
                                                           themes if p == "thema" else None))
              for p, name in (("thema", "themes"), ("jaar", "year"))]
    kept = {k: [v for kk, v in args if kk == k] for k in FILTERS if any(kk == k for kk, _ in args)}
    csv_url = url_for("references.regulation_csv", bwb=bwb, article=article, **kept)
    api_url = url_for("references.regulation_json", bwb=bwb, article=article, **kept)
    heading = data["title"] + (f", artikel {data['article']}" if data["article"] else "")
    return render_template("regulation.html", data=data, facets=facets, title=heading, csv_url=csv_url,
                           api_url=api_url, theme_labels=themes, article_anchor=article_anchor)


@bp.route("/regeling/<bwb>.csv")
@bp.route("/regeling/<bwb>/artikel/<article>.csv")
def regulation_csv(bwb: str, article: str | None = None):
    """Semicolon-separated UTF-8 with BOM, as Dutch Excel opens it; no cell runs as a formula."""
    try:
        data = citing(bwb, article, request.args)
    except (ParamError, QueryError) as e:
        return Response(str(e), status=400, mimetype="text/plain")
    out = io.StringIO()
    out.write("\ufeff")
    w = csv.writer(out, delimiter=";", lineterminator="\r\n")
    w.writerow(["Organisatie", "Titel", "Soort document", "Datum", "Aangehaalde artikelen", "Verwijzing",
                "Link in Beleidszoeker", "Bron"])
    for group in data["organisations"]:
        for d in group["documents"]:
            w.writerow(guarded([d["organisation"], d["title"], d["type"], d["date"] or "", ", ".join(d["articles"]),
                                d["citation"] or "", url_for("pages.document", doc_id=d["id"], _external=True),
                                d["url"]]))
    name = f"beleidszoeker-verwijzingen-{bwb}{'-artikel-' + article if article else ''}-{date.today().isoformat()}.csv"
    return Response(out.getvalue(), mimetype="text/csv; charset=utf-8",
                    headers={"Content-Disposition": attachment(re.sub(r"[^A-Za-z0-9.-]+", "-", name))})


@bp.route("/api/regeling/<bwb>")
@bp.route("/api/regeling/<bwb>/artikel/<article>")
def regulation_json(bwb: str, article: str | None = None):
    if not BWB.match(bwb) or (article is not None and not ARTICLE.match(article)):
        return jsonify(error="not_found", message="geen BWB-nummer (BWBR0005416) of artikelnummer"), 404
    try:
        return jsonify(citing(bwb, article, request.args))
    except (ParamError, QueryError) as e:
        return jsonify(error="bad_request", message=str(e)), 400


def document_references(doc: dict) -> tuple[list[dict], list[dict], int]:
    """For a document page: what it cites (one entry per regulation or unresolved title, its articles linked to
    our copy's anchors when we hold the regulation), and, for a regulation, who cites it grouped by organisation
    and type (at most SHOWN_PER_GROUP documents each;
    the counts say how many in all)."""
    store = _store()
    if store is None:
        return [], [], 0
    outgoing: dict[str, dict] = {}
    for r in store.references_from(doc["url"]):
        key = r["target"] or r["title"].lower()
        entry = outgoing.get(key)
        if entry is None:
            entry = outgoing[key] = {
                "target": r["target"], "title": regulation_name(r["target"]) if r["target"] else r["title"],
                "as_found": r["title"], "articles": [], "citations": 0,
                "document_id": document_id(r["target_url"]) if r["target_url"] else None}
        entry["citations"] += 1
        if r["article"] and r["article"] not in entry["articles"]:
            entry["articles"].append(r["article"])
    incoming: dict[tuple, list] = {}
    total = 0
    own = doc.get("identifier") or ""
    if BWB.match(own):
        cited_by = store.references_to(own)
        total = len(cited_by)
        for d in cited_by:
            incoming.setdefault((d["organisation"], d["doctype"] or "document"), []).append(d)
    groups = [{"organisation": org, "type": kind, "count": len(docs),
               "documents": [dict(d, id=document_id(d["url"])) for d in docs[:SHOWN_PER_GROUP]]}
              for (org, kind), docs in sorted(incoming.items(), key=lambda kv: (-len(kv[1]), kv[0]))]
    return sorted(outgoing.values(), key=lambda e: (e["target"] is None, -e["citations"])), groups, total
