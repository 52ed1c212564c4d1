"""Page data per page, content per body: one PDF served by two city sites, and one listing page that both publish
byte for byte, are stored once as content, yet each page keeps its own organisation, city and links (resolved
against its own URL), and search finds the document once per site."""
from __future__ import annotations

import json

import pytest

from crawler.config import Site
from crawler.crawl import crawl
from indexer.build import IndexLocation, build_index, update_index
from loopback import LoopbackSite, Response, page
from pdfgen import make_pdf
from search.engine import SearchRequest
from search.whoosh_engine import SearchEngine
from store.crawl_store import CrawlStore

NOTA = make_pdf(["Nota mantelzorgondersteuning\nDe gemeenten in de regio ondersteunen mantelzorgers samen."],
                title="Nota mantelzorgondersteuning")
LIST = page("Regionale regelingen", "<p>Regelingen die de regio samen uitvoert.</p><a href='/regeling/'>Regeling</a>")


def city(name: str) -> LoopbackSite:
    return LoopbackSite({
        "/": Response(page(f"Gemeente {name}", "<a href='/nota.pdf'>Nota</a> <a href='/regio/'>Regio</a>")),
        "/nota.pdf": Response(NOTA, headers={"Content-Type": "application/pdf"}),
        "/regio/": Response(LIST),                      # the same bytes on both sites, with a relative link
        "/regeling/": Response(page(f"Regeling {name}", f"<p>De regeling zoals {name} die uitvoert.</p>")),
    })


def site(name: str, base: str) -> Site:
    return Site(name=name.lower(), title=f"Gemeente {name}", start=(base,), allow=(base,), rate=0,
                organisation=f"Gemeente {name}", city=name, revisit_days=0)


@pytest.fixture()
def store(store_url):
    store = CrawlStore(store_url)
    yield store
    store.close()


def test_a_pdf_on_two_city_sites_is_found_once_per_site_with_its_own_organisation(store, tmp_path):
    with city("Aa") as aa, city("Bee") as bee:
        for s in (site("Aa", aa.url), site("Bee", bee.url)):   # one after the other: Aa stores the bodies first
            (report,) = crawl([s], store, progress=False, sleep=lambda _: None)
            assert not report.failed
        assert "/regeling/" in bee.paths()            # Bee's copy of the listing led to Bee's own page

        pdfs = [store.page(aa.url + "nota.pdf"), store.page(bee.url + "nota.pdf")]
        assert pdfs[0]["content_hash"] == pdfs[1]["content_hash"]       # one body ...
        with store._conn() as db:
            assert db.execute("SELECT COUNT(*) FROM contents WHERE content_hash=?",
                              (pdfs[0]["content_hash"],)).fetchone()[0] == 1
        assert [json.loads(p["page_meta"]) for p in pdfs] == [{"organisation": "Gemeente Aa", "city": "Aa"},
                                                               {"organisation": "Gemeente Bee", "city": "Bee"}]
        for host in (aa, bee):                                            # ... its links its own
            links = store.stored_links(host.url + "regio/")
            assert host.url + "regeling/" in links and all(link.startswith(host.url) for link in links)

        build_index(store, IndexLocation(tmp_path / "index"), progress=False)
        hits = SearchEngine(tmp_path / "index").search(SearchRequest(q="mantelzorgondersteuning")).hits
        assert {(h.url, h.organisation) for h in hits} == {(aa.url + "nota.pdf", "Gemeente Aa"),
                                                           (bee.url + "nota.pdf", "Gemeente Bee")}
        listings = SearchEngine(tmp_path / "index").search(SearchRequest(q="regelingen regio")).hits
        assert {h.organisation for h in listings if h.url.endswith("/regio/")} == {"Gemeente Aa", "Gemeente Bee"}


def test_a_store_from_before_page_data_reads_as_before_and_is_set_right_by_the_next_crawl(tmp_path):
    """A store written before pages kept their own data has the first site's organisation and links in the shared
    body's extract. It keeps working as it did; the next crawl fetches such a page in full once (no conditional
    request), extracts it, and the index update picks up the page's own organisation."""
    store = CrawlStore(tmp_path / "crawl.sqlite3")
    with city("Aa") as aa, city("Bee") as bee:
        sites = [site("Aa", aa.url), site("Bee", bee.url)]
        for s in sites:
            crawl([s], store, progress=False, sleep=lambda _: None)
        digest = store.page(aa.url + "nota.pdf")["content_hash"]
        with store.transaction() as db:   # what a schema-4 store holds: page data only in the first extract
            db.execute("UPDATE pages SET page_meta = NULL, links = NULL")
            db.execute("UPDATE contents SET meta = ? WHERE content_hash = ?",
                       (json.dumps({"organisation": "Gemeente Aa", "city": "Aa"}), digest))
        location = IndexLocation(tmp_path / "index")
        build_index(store, location, progress=False)
        engine = SearchEngine(tmp_path / "index")
        before = engine.search(SearchRequest(q="mantelzorgondersteuning")).hits
        assert [h.organisation for h in before] == ["Gemeente Aa", "Gemeente Aa"]   # as it was

        bee.requests.clear()
        crawl([sites[1]], store, progress=False, sleep=lambda _: None)
        asked = {p: h for _, p, h in bee.requests}
        assert "If-None-Match" not in asked["/nota.pdf"] and "If-Modified-Since" not in asked["/nota.pdf"]
        report = update_index(store, location, progress=False)
        assert report.mode == "incremental" and report.updated >= 1
        after = engine.search(SearchRequest(q="mantelzorgondersteuning")).hits
        assert sorted(h.organisation for h in after) == ["Gemeente Aa", "Gemeente Bee"]
