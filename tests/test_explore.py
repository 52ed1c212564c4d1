"""What officials and researchers come for: theme pages, comparison, versions, feeds, exports, coverage."""
import csv
import io
import json
import re
from xml.etree import ElementTree

import feedparser
import pytest

from store.crawl_store import CrawlStore
from indexer.build import IndexLocation, build_index, update_index
from search_app import create_app
from search_app.charts import bar_chart_svg
from search_app.explore import year_trend
from search_app.versions import paragraph_diff

ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture()
def full_client(corpus_data):
    data, _ = corpus_data
    app = create_app({"TESTING": True, "INDEX_DIR": str(data / "index"), "STORE_PATH": str(data / "crawl.sqlite3")})
    return app.test_client()


def test_themes_overview_lists_every_theme_with_counts(full_client):
    html = full_client.get("/thema").get_data(as_text=True)
    assert html.count('href="/thema/') == 10 and "documenten" in html


def test_theme_page_has_keywords_documents_orgs_and_an_accessible_trend(full_client):
    r = full_client.get("/thema/schulden-en-armoede")
    html = r.get_data(as_text=True)
    assert r.status_code == 200
    assert "schuldhulp*" in html                                     # the keywords
    assert "Wet gemeentelijke schuldhulpverlening" in html            # a relevant document
    assert '<svg' in html and 'role="img"' in html and "<rect" in html
    assert '<table class="data"><caption>Documenten per jaar' in html   # the text alternative
    assert "Rijksoverheid" in html and "/zoeken.atom?thema=schulden-en-armoede" in html
    assert full_client.get("/thema/bestaat-niet").status_code == 404


def test_year_trend_fills_gaps_and_counts_undated():
    points, undated = year_trend([("2012", 2), ("2015", 1), ("onbekend", 4)])
    assert points == [("2012", 2), ("2013", 0), ("2014", 0), ("2015", 1)] and undated == 4
    svg = bar_chart_svg(points, "Titel <x>")
    assert svg.count("<rect") == 4 and "Titel &lt;x&gt;" in svg


def test_compare_puts_organisations_side_by_side(full_client):
    r = full_client.get("/vergelijk?q=participatie&gemeente=Gemeente+Amsterdam&gemeente=Gemeente+Rotterdam")
    html = r.get_data(as_text=True)
    columns = re.findall(r'<section class="column"[^>]*>\s*<h2 id="col-\d">([^<]+)</h2>', html)
    assert columns == ["Gemeente Amsterdam", "Gemeente Rotterdam"]
    assert "Participatieverordening" in html
    assert full_client.get("/vergelijk").status_code == 200   # the empty form


def _feed_checks(xml: str):
    """RFC 4287 essentials, checked with a parser: feed and entries have id, title, updated; links have href."""
    parsed = feedparser.parse(xml)
    assert not parsed.bozo, parsed.get("bozo_exception")
    root = ElementTree.fromstring(xml.encode())
    assert root.tag == ATOM + "feed"
    for el in [root] + root.findall(ATOM + "entry"):
        for required in ("id", "title", "updated"):
            assert el.find(ATOM + required) is not None and el.find(ATOM + required).text
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", el.find(ATOM + "updated").text)
    assert root.find(ATOM + "author/" + ATOM + "name") is not None
    return parsed


def test_search_feed_is_valid_atom(full_client):
    r = full_client.get("/zoeken.atom?q=schuldhulpverlening")
    assert r.mimetype == "application/atom+xml"
    parsed = _feed_checks(r.get_data(as_text=True))
    assert parsed.entries and any("schuldhulpverlening" in e.title.lower() for e in parsed.entries)
    assert full_client.get("/zoeken.atom?pagina=x").status_code == 400


def test_feed_lists_the_newly_changed_document_first(tmp_path):
    store = CrawlStore(tmp_path / "crawl.sqlite3")
    for key in "abc":
        store.record_content(run_id=None, site="t", url=f"http://t.nl/{key}", status=200, content_type="text/html",
                             body=f"v1 {key}".encode(), indexable=True,
                             extract={"title": f"Nota {key}", "text": f"Woonbeleid {key}", "meta": {}})
    with store.transaction() as db:   # pretend the first crawl was long ago
        db.execute("UPDATE pages SET last_changed='2026-01-01T00:00:00+00:00'")
    loc = IndexLocation(tmp_path / "index")
    build_index(store, loc, progress=False)
    store.record_content(run_id=None, site="t", url="http://t.nl/b", status=200, content_type="text/html",
                         body=b"v2 b", indexable=True, extract={"title": "Nota b", "text": "Woonbeleid b, herzien",
                                                                "meta": {}})
    update_index(store, loc, progress=False)
    app = create_app({"TESTING": True, "INDEX_DIR": str(tmp_path / "index"), "STORE_PATH": str(tmp_path / "crawl.sqlite3")})
    parsed = _feed_checks(app.test_client().get("/zoeken.atom?q=woonbeleid").get_data(as_text=True))
    assert [e.title for e in parsed.entries][0] == "Nota b"
    assert parsed.entries[1].updated.startswith("2026-01-01")


def test_export_streams_the_whole_result_set(full_client):
    total = full_client.get("/api/search?q=gemeente").get_json()["total"]
    r = full_client.get("/export.csv?q=gemeente")
    rows = list(csv.DictReader(io.StringIO(r.get_data(as_text=True))))
    assert r.mimetype == "text/csv" and r.headers["X-Total-Count"] == str(total) and len(rows) == total > 10
    assert set(rows[0]) == {"id", "url", "title", "organisation", "type", "date", "themes", "score", "identifier"}
    lines = full_client.get("/export.jsonl?q=gemeente").get_data(as_text=True).splitlines()
    records = [json.loads(line) for line in lines]
    assert [x["id"] for x in records] == [x["id"] for x in rows]          # same order, stable ids
    assert full_client.get("/export.csv?sort=onzin").status_code == 400


def test_export_has_a_documented_maximum(full_client, monkeypatch):
    from search_app import feeds
    monkeypatch.setattr(feeds, "EXPORT_MAX", 3)
    r = full_client.get("/export.jsonl?q=gemeente")
    assert len(r.get_data(as_text=True).splitlines()) == 3 and r.headers["X-Export-Truncated"] == "true"


def test_opensearch_description(full_client):
    root = ElementTree.fromstring(full_client.get("/opensearch.xml").data)
    urls = root.findall("{http://a9.com/-/spec/opensearch/1.1/}Url")
    assert any("{searchTerms}" in u.get("template") and u.get("type") == "text/html" for u in urls)
    assert 'rel="search"' in full_client.get("/").get_data(as_text=True)


def test_coverage_explains_what_was_skipped_and_why(full_client):
    html = full_client.get("/dekking").get_data(as_text=True)
    assert "wetten" in html and "algoritmekader" in html
    assert "noindex" in html and "niet gevonden (404)" in html and "robots" in html
    assert "opgehaald" in html   # the last crawl's report


def test_coverage_without_a_store_says_so(tmp_path, index_dir):
    app = create_app({"TESTING": True, "INDEX_DIR": str(index_dir), "STORE_PATH": str(tmp_path / "geen.sqlite3")})
    r = app.test_client().get("/dekking")
    assert r.status_code == 503 and "run.py crawl" in r.get_data(as_text=True)


def test_document_page_shows_versions_diff_and_similar(tmp_path):
    store = CrawlStore(tmp_path / "crawl.sqlite3")
    for n, text in enumerate(["Artikel 1\nDe huur is 500 euro.\nArtikel 2\nSlot.",
                              "Artikel 1\nDe huur is 650 euro.\nArtikel 2\nSlot."]):
        store.record_content(run_id=None, site="t", url="http://t.nl/huur", status=200, content_type="text/html",
                             body=text.encode(), indexable=True, extract={"title": "Huurbeleid", "text": text, "meta": {}})
    store.record_content(run_id=None, site="t", url="http://t.nl/ander", status=200, content_type="text/html",
                         body=b"x", indexable=True, extract={"title": "Huur en huurders", "text": "De huur van huurders.",
                                                            "meta": {}})
    build_index(store, IndexLocation(tmp_path / "index"), progress=False)
    app = create_app({"TESTING": True, "INDEX_DIR": str(tmp_path / "index"), "STORE_PATH": str(tmp_path / "crawl.sqlite3")})
    c = app.test_client()
    doc_id = next(r["id"] for r in c.get("/api/search?q=huurbeleid").get_json()["results"] if r["url"].endswith("huur"))
    html = c.get(f"/document/{doc_id}").get_data(as_text=True)
    assert "2 keer" in html
    assert "<del><span class=\"visually-hidden\">Verwijderd: </span>De huur is 500 euro.</del>" in html
    assert "<ins><span class=\"visually-hidden\">Toegevoegd: </span>De huur is 650 euro.</ins>" in html
    assert "Lijkt op" in html and "Huur en huurders" in html


def test_paragraph_diff_folds_long_unchanged_runs():
    old = "\n".join(f"regel {i}" for i in range(10))
    new = old.replace("regel 5", "regel vijf")
    ops = [op for op, _ in paragraph_diff(old, new)]
    assert ops.count("skip") == 2 and ("del", "regel 5") in paragraph_diff(old, new)   # 5 lines before, 4 after
    assert ("ins", "regel vijf") in paragraph_diff(old, new) and len(ops) == 8
