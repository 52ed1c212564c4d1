"""JSON API: /api/search takes the same parameters as /zoeken and returns the same result."""
from __future__ import annotations

from pathlib import Path

from flask import Blueprint, current_app, jsonify, request

from search.engine import IndexMissing, QueryError

from .params import ParamError, search_request

bp = Blueprint("api", __name__, url_prefix="/api")
OPENAPI = Path(__file__).resolve().parent / "openapi.json"


@bp.errorhandler(IndexMissing)
def index_missing(e):
    return jsonify(error="index_missing", message=str(e)), 503


@bp.route("/search")
def search():
    try:
        req = search_request(request.args)
        result = current_app.extensions["engine"].search(req)
    except (ParamError, QueryError) as e:
        return jsonify(error="bad_request", message=str(e)), 400
    return jsonify(result.as_json())


@bp.route("/openapi.json")
def openapi():
    """The API described as OpenAPI 3 (search_app/openapi.json)."""
    return current_app.response_class(OPENAPI.read_bytes(), mimetype="application/json")


@bp.route("/status")
def status():
    st = current_app.extensions["engine"].status()
    return jsonify(st), (200 if st["ok"] else 503)
