"""Machine-readable views of a search: Atom feed (saved searches without accounts), CSV / JSON Lines
export of the whole result set (streamed), and an OpenSearch description for browsers."""
from __future__ import annotations

import csv
import io
import json
import re
from html import unescape
from datetime import datetime, timezone
from xml.sax.saxutils import escape, quoteattr

from flask import Blueprint, Response, current_app, request, stream_with_context, url_for

from search import exports
from search.engine import QueryError, SearchRequest
from .params import ParamError, search_request

bp = Blueprint("feeds", __name__)

FEED_ENTRIES = 50
EXPORT_MAX = 10_000     # documented in the README and the OpenAPI file
EXPORT_FIELDS = ["id", "url", "title", "organisation", "type", "date", "themes", "score", "identifier"]


def _engine():
    return current_app.extensions["engine"]


def _bad(message: str, status: int = 400) -> Response:
    return Response(json.dumps({"error": "bad_request", "message": message}, ensure_ascii=False), status,
                    mimetype="application/json")


def _iso(stamp: str) -> str:
    return stamp or datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def rfc3339(stamp: str) -> str:
    """'2026-01-01T00:00:00+00:00' or '2012-02-09' as RFC 3339 in UTC ('' when unreadable)."""
    try:
        moment = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except (AttributeError, ValueError):
        return ""
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def entry_times(doc_date: str, changed_at: str, versions: list[tuple[str, str]]) -> tuple[str, str]:
    """(published, updated) of a feed entry. Published is the document's own date (issued/modified). Updated is
    when the crawler first saw its current text, if it saw the text change after finding it; otherwise the
    document's own date, so a first crawl does not make every document look new today. Only a document without
    a date of its own falls back to when the crawler found it."""
    published = rfc3339(doc_date)
    if len(versions) > 1:
        return published, rfc3339(versions[-1][1]) or changed_at
    return published, published or changed_at


def plain_snippet(html: str) -> str:
    """The snippet as text: marks dropped, entities read."""
    return unescape(re.sub(r"</?mark>", "", html))


@bp.route("/zoeken.atom")
def atom():
    """The newest new or changed documents matching a search, by the date the crawler saw them change."""
    try:
        req = search_request(request.args)
        req.page, req.page_size = 1, FEED_ENTRIES
        result = _engine().search(req, snippets=True, facets=False, order="changed")
    except (ParamError, QueryError) as e:
        return _bad(str(e))
    store = current_app.extensions.get("store")
    args = request.args.to_dict(flat=False)
    self_url = url_for("feeds.atom", _external=True, **args)
    html_url = url_for("pages.search", _external=True, **args)
    title = f"Beleidszoeker: {req.q}" if req.q else "Beleidszoeker: nieuwe en gewijzigde documenten"
    times = [entry_times(h.date, h.changed_at, store.versions(h.url) if store is not None else [])
             for h in result.hits]
    updated = max((u for _, u in times if u), default=_iso(""))
    out = ['<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">',
           f"<title>{escape(title)}</title>", f"<id>{escape(self_url)}</id>", f"<updated>{updated}</updated>",
           f'<link rel="self" type="application/atom+xml" href={quoteattr(self_url)}/>',
           f'<link rel="alternate" type="text/html" href={quoteattr(html_url)}/>',
           "<author><name>Beleidszoeker</name></author>", '<generator>Beleidszoeker</generator>']
    for h, (published, entry_updated) in zip(result.hits, times):
        doc_url = url_for("pages.document", doc_id=h.id, _external=True)
        about = f"{h.organisation} · {h.doctype}" + (f" · {h.date}" if h.date else "")
        summary = plain_snippet(h.snippet) or about
        out += ["<entry>", f"<title>{escape(h.title)}</title>", f"<id>{escape(doc_url)}</id>",
                f"<updated>{entry_updated or _iso('')}</updated>"]
        out += [f"<published>{published}</published>"] if published else []
        out += [f"<author><name>{escape(h.organisation or 'Onbekend')}</name></author>",
                f'<link rel="alternate" type="text/html" href={quoteattr(doc_url)}/>',
                f'<link rel="via" href={quoteattr(h.url)}/>',
                f"<summary>{escape(summary)}</summary>"]
        out += [f"<category term={quoteattr(t)}/>" for t in h.themes]
        out.append("</entry>")
    out.append("</feed>")
    return Response("\n".join(out), mimetype="application/atom+xml")


def _export(req: SearchRequest):
    total, hits = _engine().all_hits(req, EXPORT_MAX)
    rows = ({"id": h.id, "url": h.url, "title": h.title, "organisation": h.organisation, "type": h.doctype,
             "date": h.date, "themes": h.themes, "score": round(h.score, 4), "identifier": h.identifier}
            for h in hits)
    return total, rows


def _csv(header: list[str], rows, delimiter: str = ",", bom: bool = False):
    """The header and rows as CSV text in chunks of about 64 kB (the export streams); every cell guarded against
    formula injection."""
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=delimiter)
    buf.write("\ufeff" if bom else "")
    writer.writerow(header)
    for row in rows:
        writer.writerow(exports.guarded(row))
        if buf.tell() > 64 * 1024:
            yield buf.getvalue()
            buf.seek(0)
            buf.truncate()
    yield buf.getvalue()


@bp.route("/export.<any(csv, jsonl, xlsx):fmt>")
def export(fmt: str):
    """The whole result set of a search (up to EXPORT_MAX), streamed, in rank order (or by date). CSV comes in two
    forms: plain (comma, UTF-8, English column names: for scripts) and ?voor=excel (what Dutch Excel opens right:
    semicolon, UTF-8 with BOM, Dutch column names, theme names, a link to the document page); .xlsx is a real
    workbook with the Dutch columns. No spreadsheet cell can run as a formula."""
    try:
        req = search_request(request.args)
        total, rows = _export(req)
    except (ParamError, QueryError) as e:
        return _bad(str(e))
    excel = fmt == "xlsx" or (fmt == "csv" and request.args.get("voor") == "excel")
    name = exports.filename(req.q, datetime.now(timezone.utc).date(), fmt) if excel else f"beleidszoeker.{fmt}"
    headers = {"X-Total-Count": str(total), "X-Export-Max": str(EXPORT_MAX),
               "X-Export-Truncated": "true" if total > EXPORT_MAX else "false",
               "Content-Disposition": exports.attachment(name)}
    if fmt == "jsonl":
        return Response(stream_with_context(json.dumps(row, ensure_ascii=False) + "\n" for row in rows),
                        mimetype="application/x-ndjson", headers=headers)
    if not excel:
        plain = (exports.plain_row(row, EXPORT_FIELDS) for row in rows)
        return Response(stream_with_context(_csv(EXPORT_FIELDS, plain)), mimetype="text/csv", headers=headers)
    labels = {t.slug: t.label for t in current_app.extensions["themes"]}
    dutch = (exports.dutch_row(row, labels, url_for("pages.document", doc_id=row["id"], _external=True))
             for row in rows)
    if fmt == "xlsx":
        return Response(exports.workbook(dutch), headers=headers,
                        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    return Response(stream_with_context(_csv(exports.DUTCH_HEADERS, dutch, ";", bom=True)), mimetype="text/csv",
                    headers=headers)


@bp.route("/opensearch.xml")
def opensearch():
    search = url_for("pages.search", _external=True)
    atom_url = url_for("feeds.atom", _external=True)
    xml = f"""<?xml version="1.0" encoding="UTF-8"?>
<OpenSearchDescription xmlns="http://a9.com/-/spec/opensearch/1.1/">
  <ShortName>Beleidszoeker</ShortName>
  <Description>Zoeken in beleid van de G40-steden</Description>
  <InputEncoding>UTF-8</InputEncoding>
  <Language>nl</Language>
  <Url type="text/html" method="get" template="{escape(search)}?q={{searchTerms}}"/>
  <Url type="application/atom+xml" method="get" template="{escape(atom_url)}?q={{searchTerms}}"/>
</OpenSearchDescription>"""
    return Response(xml, mimetype="application/opensearchdescription+xml")
