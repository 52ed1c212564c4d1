"""Beleidszoeker's web front end: a Flask app factory with two blueprints (pages, api)."""
from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import unquote

from flask import Flask

from store.crawl_store import CrawlStore
from indexer.themes import DEFAULT_THEMES, load_themes

from search.engines import open_engine

REPO = Path(__file__).resolve().parent.parent


def default_data_dir() -> Path:
    return Path(os.environ.get("BELEIDSZOEKER_DATA", REPO / "data"))


SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
                               "frame-ancestors 'none'; base-uri 'self'; form-action 'self'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}


def create_app(test_config: dict | None = None) -> Flask:
    app = Flask(__name__)
    app.config.from_mapping(
        # where the index and the crawl store live: a path, or a URL (whoosh:///, sqlite:///, postgresql://)
        INDEX_DIR=os.environ.get("BELEIDSZOEKER_INDEX") or str(default_data_dir() / "index"),
        STORE_PATH=os.environ.get("BELEIDSZOEKER_STORE") or str(default_data_dir() / "crawl.sqlite3"),
        RESULT_CACHE=int(os.environ.get("BELEIDSZOEKER_RESULT_CACHE", "512")),   # results per worker; 0 = off
        THEMES_FILE=str(DEFAULT_THEMES),
        JSON_SORT_KEYS=False,
    )
    if test_config:
        app.config.from_mapping(test_config)
    app.json.sort_keys = False
    app.json.ensure_ascii = False

    app.extensions["engine"] = open_engine(app.config["INDEX_DIR"], cache_size=app.config["RESULT_CACHE"])
    app.jinja_env.filters["display_url"] = lambda url: unquote(url or "")
    app.extensions["themes"] = load_themes(app.config["THEMES_FILE"])
    try:   # the store holds versions and coverage; the app works without it
        app.extensions["store"] = CrawlStore(app.config["STORE_PATH"], readonly=True)
    except (FileNotFoundError, ConnectionError):
        app.extensions["store"] = None

    from . import api, coverage, explore, feeds, pages
    for blueprint in (pages.bp, api.bp, explore.bp, feeds.bp, coverage.bp):
        app.register_blueprint(blueprint)

    @app.after_request
    def security_headers(resp):
        for name, value in SECURITY_HEADERS.items():
            resp.headers.setdefault(name, value)
        return resp

    return app
