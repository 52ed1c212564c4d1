"""/dekking: per site what the crawler knows, indexed and skipped, and its last crawl, so "why is my
document not found?" has an answer."""
from __future__ import annotations

from flask import Blueprint, current_app, render_template

bp = Blueprint("coverage", __name__)


@bp.route("/dekking")
def coverage():
    store = current_app.extensions.get("store")
    if store is None:
        return render_template("error.html", title="Dekking onbekend",
                               message="Er is nog geen crawl-store; draai eerst python run.py crawl."), 503
    return render_template("coverage.html", sites=store.coverage(), title="Dekking")
