"""Shared fixtures: a small but real corpus (rendered mirror sites on loopback ports, crawled into a
store, indexed with Whoosh), built once per test session."""
from __future__ import annotations

import os
import sys
from dataclasses import replace
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(Path(__file__).resolve().parent))

# National laws that the tests search for: Wet gemeentelijke schuldhulpverlening, Woningwet,
# Huisvestingswet 2014, Wmo 2015, Jeugdwet, Gemeentewet, plus some that mention their subjects.
TEST_LAWS = {"BWBR0031331", "BWBR0005181", "BWBR0035303", "BWBR0035362", "BWBR0034925", "BWBR0005416",
             "BWBR0013551", "BWBR0035333", "BWBR0008597", "BWBR0033721", "BWBR0016637", "BWBR0015703",
             "BWBR0004574", "BWBR0014544", "BWBR0005674", "BWBR0007736"}


@pytest.fixture(scope="session")
def postgres():
    """A real PostgreSQL server for the session (tests/postgres.py). Skipped where PostgreSQL is not installed,
    unless BELEIDSZOEKER_REQUIRE_POSTGRES=1 (CI), where that is a failure."""
    from postgres import PostgresServer, find_bindir
    if find_bindir() is None:
        if os.environ.get("BELEIDSZOEKER_REQUIRE_POSTGRES"):
            pytest.fail("PostgreSQL is required (BELEIDSZOEKER_REQUIRE_POSTGRES) but not installed")
        pytest.skip("PostgreSQL is not installed")
    server = PostgresServer().start()
    yield server
    server.stop()


@pytest.fixture()
def postgres_url(postgres):
    """An empty database of its own for one test."""
    url = postgres.create_database()
    yield url
    postgres.drop_database(url)


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request, tmp_path):
    """Where a crawl store lives: each test that uses it runs once per storage backend."""
    if request.param == "sqlite":
        return str(tmp_path / "crawl.sqlite3")
    return request.getfixturevalue("postgres_url")


@pytest.fixture(scope="session")
def corpus_data(tmp_path_factory):
    """Data directory with a crawl store and a live index of a small corpus, and the mirror sites serving it.

    Yields (data_dir, sites)."""
    import mirror
    from crawler.config import load_sites, select
    from crawler.crawl import crawl
    from store.crawl_store import CrawlStore
    from indexer.build import IndexLocation, build_index
    from mirror.render import render_site
    from mirror.sources import SOURCES, law_pages

    data = tmp_path_factory.mktemp("data")
    configured = [s for s in select(load_sites(), group="mirror")]
    server = mirror.MirrorServer()
    sites = []
    for site in configured:
        pages = law_pages(only=TEST_LAWS) if site.mirror == "laws" else SOURCES[site.mirror]()
        out = data / "mirror" / site.name
        # Bind first (port 0 = any free port), then render for that address.
        out.mkdir(parents=True)
        base = server.add(out)
        render_site(pages, out, base, site.title)
        sites.append(replace(site.with_base(base)))
    store = CrawlStore(data / "crawl.sqlite3")
    reports = crawl(sites, store, progress=False)
    assert all(not r.failed for r in reports), reports
    build_index(store, IndexLocation(data / "index"), procs=1, progress=False)
    yield data, sites
    server.close()


@pytest.fixture(scope="session")
def index_dir(corpus_data):
    return corpus_data[0] / "index"


@pytest.fixture(scope="session")
def postgres_index(corpus_data, postgres):
    """The same corpus indexed into the PostgreSQL search backend."""
    from store.crawl_store import CrawlStore
    from indexer.pg_index import PostgresIndex
    url = postgres.create_database()
    PostgresIndex(url).build(CrawlStore(corpus_data[0] / "crawl.sqlite3", readonly=True), progress=False)
    return url


@pytest.fixture(scope="session")
def tantivy_index(corpus_data):
    """The same corpus indexed into a tantivy index (indexer.tantivy_index)."""
    from store.crawl_store import CrawlStore
    from indexer.backends import index_store
    url = f"tantivy:///{corpus_data[0] / 'tantivy'}"
    index_store(CrawlStore(corpus_data[0] / "crawl.sqlite3", readonly=True), url, rebuild=True, progress=False)
    return url


@pytest.fixture(params=["whoosh", "tantivy", "postgresql"])
def index_url(request, index_dir):
    """Where the search index lives: each test that uses it runs once per search backend."""
    if request.param == "whoosh":
        return str(index_dir)
    return request.getfixturevalue({"tantivy": "tantivy_index", "postgresql": "postgres_index"}[request.param])


@pytest.fixture(params=["whoosh", "tantivy", "postgresql"])
def empty_index_url(request, tmp_path):
    """Where a test builds an index of its own: once per search backend."""
    if request.param == "whoosh":
        return str(tmp_path / "index")
    if request.param == "tantivy":
        return f"tantivy:///{tmp_path / 'tantivy'}"
    return request.getfixturevalue("postgres_url")


@pytest.fixture()
def app(index_url):
    from search_app import create_app
    return create_app({"TESTING": True, "INDEX_DIR": index_url})


@pytest.fixture()
def client(app):
    return app.test_client()
