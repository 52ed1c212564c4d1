"""The reference table in the crawl store (issue 17), on both store backends: the crawl writes what each page
cites with the page, a changed page replaces its references, a removed page loses them; a store from before
references gets them from `run.py references` (and `run.py index`), and the index filters on them."""
from __future__ import annotations

import pytest

from crawler.config import Site
from crawler.crawl import crawl
from crawler.reference_sync import sync_references
from indexer.build import IndexLocation, build_index
from loopback import LoopbackSite, Response, page
from search.engine import SearchRequest
from search.whoosh_engine import SearchEngine
from store.crawl_store import CrawlStore

PARKEREN = page("Parkeerverordening Zwolle 2024", (
    "<p>De raad van de gemeente Zwolle; gelet op artikel 149 van de Gemeentewet en artikel 225, eerste lid, van "
    "de Gemeentewet;</p><h2 id='artikel-1'>Artikel 1</h2><p>Een parkeervergunning wordt aangevraagd met een "
    "formulier (artikel 4:1 Awb).</p>"))
PARKEREN_2025 = page("Parkeerverordening Zwolle 2025", (
    "<p>Gelet op artikel 2.1 van de Wet milieubeheer;</p><h2 id='artikel-1'>Artikel 1</h2><p>Een "
    "parkeervergunning wordt digitaal aangevraagd.</p>"))
HOME = page("Gemeente Zwolle", "<a href='/parkeren/'>Parkeren</a> <a href='/afval/'>Afval</a>")
AFVAL = page("Afvalstoffenverordening Zwolle", "<p>Op grond van artikel 10.23 van de Wet milieubeheer.</p>")


def zwolle(base: str) -> Site:
    return Site(name="zwolle", title="Gemeente Zwolle", start=(base,), allow=(base,), rate=0,
                organisation="Gemeente Zwolle", city="Zwolle", revisit_days=0)


@pytest.fixture()
def store(store_url):
    store = CrawlStore(store_url)
    yield store
    store.close()


def cited(store: CrawlStore, url: str) -> list[tuple]:
    return [(r["target"], r["article"], r["kind"]) for r in store.references_from(url)]


def test_the_crawl_stores_what_a_page_cites_and_a_changed_or_removed_page_replaces_it(store):
    with LoopbackSite({"/": Response(HOME), "/parkeren/": Response(PARKEREN), "/afval/": Response(AFVAL)}) as site:
        crawl([zwolle(site.url)], store, progress=False, sleep=lambda _: None)
        parkeren = site.url + "parkeren/"
        assert cited(store, parkeren) == [("BWBR0005416", "149", "text"), ("BWBR0005416", "225", "text"),
                                          ("BWBR0005537", "4:1", "text")]
        assert [d["url"] for d in store.references_to("BWBR0005416")] == [parkeren]
        assert store.references_to("BWBR0005416", "225")[0]["articles"] == ["225"]
        assert store.references_to("BWBR0005416")[0]["organisation"] == "Gemeente Zwolle"

        site.routes["/parkeren/"] = Response(PARKEREN_2025)      # the council changed it: a new legal basis
        site.routes["/afval/"] = Response("weg", status=410)      # and withdrew this one
        crawl([zwolle(site.url)], store, progress=False, sleep=lambda _: None)
        assert cited(store, parkeren) == [("BWBR0003245", "2.1", "text")]
        assert store.references_to("BWBR0005416") == []
        assert cited(store, site.url + "afval/") == []
        assert store.citation_counts() == {"BWBR0003245": 1}


def test_a_store_from_before_references_gets_them_and_the_index_filters_on_them(store, tmp_path):
    with LoopbackSite({"/": Response(HOME), "/parkeren/": Response(PARKEREN), "/afval/": Response(AFVAL)}) as site:
        crawl([zwolle(site.url)], store, progress=False, sleep=lambda _: None)
    with store.transaction() as db:          # as a store written before there were references
        db.execute("DELETE FROM refs")
        db.execute("UPDATE pages SET refs_key = NULL, regulation = NULL")
    before = store.document_hashes()
    assert store.references_to("BWBR0005416") == []
    assert sync_references(store) == 3 and sync_references(store) == 0   # the home page, parkeren, afval
    assert [d["url"] for d in store.references_to("BWBR0005416")] == [site.url + "parkeren/"]
    assert store.document_hashes() != before            # so the next index update carries them
    assert sync_references(store, rebuild=True) == 3

    build_index(store, IndexLocation(tmp_path / "index"), progress=False)
    engine = SearchEngine(tmp_path / "index")
    for q in ("verwijst:BWBR0005416", "verwijst:gemeentewet", "verwijst:Gemw", "parkeervergunning verwijst:gemeentewet",
              "verwijst:BWBR0005416/225"):
        assert [h.url for h in engine.search(SearchRequest(q=q)).hits] == [site.url + "parkeren/"], q
    milieu = engine.search(SearchRequest(q='verwijst:"Wet milieubeheer"'))
    assert [h.url for h in milieu.hits] == [site.url + "afval/"]
    assert dict(engine.search(SearchRequest(q="")).facets["refs"]) == {"BWBR0005416": 1, "BWBR0005537": 1,
                                                                        "BWBR0003245": 1}
    unknown = engine.search(SearchRequest(q="verwijst:Zwolsewet"))
    assert unknown.total == 0 and any("Zwolsewet" in n and "geen regeling" in n for n in unknown.notices)
