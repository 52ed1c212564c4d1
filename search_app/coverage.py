"""/dekking: per site what the crawler knows, indexed and skipped, and its last crawl, so "why is my
document not found?" has an answer."""
from __future__ import annotations

from flask import Blueprint, current_app, render_template

bp = Blueprint("coverage", __name__)


def site_coverage(store) -> list[dict]:
    with store._conn() as db:
        rows = db.execute(
            "SELECT site, COUNT(*), SUM(indexable), SUM(skip_reason IS NOT NULL AND indexable = 0), "
            "SUM(status >= 400 OR (status IS NULL AND error IS NOT NULL)) FROM pages GROUP BY site ORDER BY site"
        ).fetchall()
        reasons = db.execute("SELECT site, skip_reason, COUNT(*) FROM pages WHERE indexable = 0 AND skip_reason "
                             "IS NOT NULL GROUP BY site, skip_reason").fetchall()
        errors = db.execute("SELECT site, COALESCE(CAST(status AS TEXT), error), COUNT(*) FROM pages "
                            "WHERE status >= 400 OR (status IS NULL AND error IS NOT NULL) "
                            "GROUP BY site, 2").fetchall()
        last = db.execute("SELECT s.site, s.finished_at, s.report FROM site_runs s JOIN "
                          "(SELECT site, MAX(run_id) AS run_id FROM site_runs WHERE finished_at IS NOT NULL "
                          "GROUP BY site) m ON m.site = s.site AND m.run_id = s.run_id").fetchall()
    import json
    by_site = {r[0]: {"site": r[0], "known": r[1], "indexed": r[2] or 0, "skipped": r[3] or 0, "errors": r[4] or 0,
                      "skip_reasons": {}, "error_kinds": {}, "last_crawl": "", "report": {}} for r in rows}
    for site, reason, n in reasons:
        by_site[site]["skip_reasons"][reason] = n
    for site, kind, n in errors:
        by_site[site]["error_kinds"][f"HTTP {kind}" if str(kind).isdigit() else kind] = n
    for site, finished, report in last:
        if site in by_site:
            by_site[site]["last_crawl"] = finished or ""
            by_site[site]["report"] = json.loads(report or "{}")
    return list(by_site.values())


@bp.route("/dekking")
def coverage():
    store = current_app.extensions.get("store")
    if store is None:
        return render_template("error.html", title="Dekking onbekend",
                               message="Er is nog geen crawl-store; draai eerst python run.py crawl."), 503
    return render_template("coverage.html", sites=site_coverage(store), title="Dekking")
