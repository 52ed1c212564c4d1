"""The operator's promise, on a small simulated G40 (tests/g40sim.py): what changed on the city sites before a
night is searchable after it. Several hosts at once, sitemaps with date-only lastmod, ETag/Last-Modified,
changes, removals and additions, two nights, with the default revisit settings, checked through search. One city
is hostile too: a URL that drips a byte every 0.2 s forever and a URL of random bytes served as HTML."""
import time
from datetime import date

import pytest

from crawler.config import Site
from crawler.crawl import crawl
from store.crawl_store import CrawlStore
from g40sim import SimCity
from indexer.build import IndexLocation, update_index
from search.engine import SearchRequest
from search.whoosh_engine import SearchEngine

CITIES, PAGES = 4, 58   # two full sections: the new pages join the second
CHANGED, REMOVED, ADDED = [3, 17, 31, 44, 57], [8, 40], 2


def city_site(city: SimCity) -> Site:
    """sites.toml defaults (revisit_days 1, hub_links, revalidate_days …), except the rate and the request
    deadline: a test does not wait."""
    return Site(name=f"stad{city.index}", title=f"Stad {city.index}", start=(city.url,), allow=(city.url,),
                organisation=f"Gemeente {city.index}", rate=0, timeout=2, request_deadline=3)


@pytest.fixture()
def cities():
    made = [SimCity(i, PAGES, hostile=i == 0) for i in range(CITIES)]
    yield made
    for c in made:
        c.close()


def hits(engine: SearchEngine, word: str) -> int:
    return engine.search(SearchRequest(q=word)).total


def test_after_one_night_changes_removals_and_additions_are_in_search(cities, store_url, tmp_path):
    store = CrawlStore(store_url)   # SQLite and PostgreSQL
    location = IndexLocation(tmp_path / "index")
    sites = [city_site(c) for c in cities]
    started = time.monotonic()
    night0 = crawl(sites, store, progress=False)
    assert time.monotonic() - started < 30   # the dripping URL is given up at its deadline, not waited for
    assert [r.new for r in night0] == [PAGES + 2 + 1] * CITIES, night0   # pages, two sections, home
    assert sum(night0[0].errors.values()) == 1 and night0[0].skipped.get("binary") == 1, night0[0]
    update_index(store, location, progress=False)
    engine = SearchEngine(tmp_path / "index")
    old_codes = {(c.index, n): c.pages[n].code(c.index) for c in cities for n in CHANGED + REMOVED}
    assert all(hits(engine, code) == 1 for code in old_codes.values())

    today = date.today().isoformat()   # date-only lastmod of today: not "later" than our own fetch times
    time.sleep(1.1)   # the store keeps times to the second: the nights must not share one
    for c in cities:
        c.night(CHANGED, REMOVED, ADDED, today)
    night1 = crawl(sites, store, progress=False)
    update = update_index(store, location, progress=False)

    for c, report in zip(cities, night1):
        assert report.removed == len(REMOVED) and report.new == ADDED, report
        assert report.changed >= len(CHANGED)   # the pages, and the listing pages that list other pages now
        for n in CHANGED:
            assert hits(engine, c.pages[n].code(c.index)) == 1, f"new text of {c.index}/{n} not found"
            assert hits(engine, old_codes[c.index, n]) == 0, f"old text of {c.index}/{n} still found"
        for n in REMOVED:
            assert hits(engine, old_codes[c.index, n]) == 0, f"removed page {c.index}/{n} still found"
        for n in sorted(c.pages)[-ADDED:]:
            assert hits(engine, c.pages[n].code(c.index)) == 1, f"new page {c.index}/{n} not found"
    assert update.deleted == CITIES * len(REMOVED) and update.added == CITIES * ADDED
    # the hostile URLs are in no search result, and the hostile city's policy pages are all there like the others'
    # (listing pages are left out of the comparison: their bodies are the same on every city site, and a body
    # shared by sites is indexed once, under the first site's organisation, a known defect of the layout issue)
    found = [{h.url.split("/", 3)[3] for h in engine.search(SearchRequest(
        filters={"organisation": [f"Gemeente {c.index}"]}, page_size=100)).hits} for c in cities]
    assert not found[0] & {"traag/", "bestand/"}
    assert len({frozenset(p for p in paths if p.startswith("beleid/")) for paths in found}) == 1

    # /dekking's data says the same: per site live, changed, removed, and what this night did not revalidate
    coverage = {entry["site"]: entry for entry in store.coverage()}
    for c in cities:
        entry = coverage[f"stad{c.index}"]
        assert entry["live"] == PAGES - len(REMOVED) + ADDED + 2 + 1
        assert entry["removed_last_run"] == len(REMOVED) and entry["new_last_run"] == ADDED
        assert entry["changed_last_run"] == night1[c.index].changed
        # unchanged policy pages are not due yet (revisit_days = 1): not revalidated, since night 0
        unchanged = PAGES - len(CHANGED) - len(REMOVED)
        assert entry["not_revalidated"] == unchanged
        assert entry["not_revalidated_since"] < entry["run_started"]

    # and the page shows it (plain: its look is another issue's)
    from search_app import create_app
    client = create_app({"TESTING": True, "INDEX_DIR": str(tmp_path / "index"),
                         "STORE_PATH": store_url}).test_client()
    html = client.get("/dekking").get_data(as_text=True)
    assert "Niet opnieuw gecontroleerd" in html and "Verwijderd" in html
    assert f"<td>{unchanged} (sinds " in html
