"""The web app through Flask's test client: every route, facets, paging, sorting and bad input."""
import re
from urllib.parse import parse_qsl, urlsplit

import pytest

from search_app import create_app


def hits(html: str) -> list[str]:
    return re.findall(r'<li class="hit">\s*<h2><a href="[^"]+">([^<]+)</a>', html)


def test_home_shows_search_box_and_theme_entry_points(client):
    r = client.get("/")
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and '<html lang="nl">' in html
    assert '<label for="q">' in html and 'role="search"' in html
    assert html.count('href="/thema/') == 10   # the themes as entry points, to their theme pages
    assert "documenten doorzoekbaar" in html


def test_search_ranks_the_debt_counselling_act_first(client):
    r = client.get("/api/search?q=schuldhulpverlening")
    data = r.get_json()
    assert r.status_code == 200 and data["total"] >= 2
    assert "BWBR0031331" in data["results"][0]["url"]
    first = data["results"][0]
    assert set(first) >= {"url", "title", "score", "themes", "organisation", "date", "snippet"}
    assert first["date"] == "2012-02-09" and first["organisation"] == "Rijksoverheid"
    assert "<mark>schuldhulpverlening</mark>" in first["snippet"].lower()
    assert {f for f in data["facets"]} == {"themes", "organisation", "doctype", "year", "refs"}


def test_results_page_has_highlighted_snippets_metadata_and_facets(client):
    html = client.get("/zoeken?q=schuldhulpverlening").get_data(as_text=True)
    assert hits(html)[0].startswith("Wet van 9 februari 2012")
    assert "<mark>" in html and 'aria-labelledby="facet-thema"' in html
    assert re.search(r'data-facet="thema" data-value="schulden-en-armoede"', html)


def test_facet_counts_cover_the_whole_result_set(client):
    data = client.get("/api/search?q=gemeente&per_pagina=1").get_json()
    assert data["total"] > 1
    assert sum(v["count"] for v in data["facets"]["organisation"]) == data["total"]
    assert sum(v["count"] for v in data["facets"]["doctype"]) == data["total"]


def test_facet_toggle_links_keep_other_filters_and_drop_the_page(client):
    html = client.get("/zoeken?q=gemeente&type=wet&pagina=2").get_data(as_text=True)
    link = re.search(r'href="([^"]+)"[^>]*data-facet="thema"', html).group(1).replace("&amp;", "&")
    params = parse_qsl(urlsplit(link).query)
    assert ("q", "gemeente") in params and ("type", "wet") in params
    assert not any(k == "pagina" for k, _ in params) and any(k == "thema" for k, _ in params)
    # the selected type links to its own removal
    sel = re.search(r'href="([^"]+)" class="selected" aria-current="true" data-facet="type"', html).group(1)
    assert "type=" not in sel.replace("&amp;", "&")


def test_facet_values_link_exactly_as_toggling_each_one():
    """The toggle URLs of a facet's values, encoded once for all unchosen values, are the URLs toggle_url gives
    for each value alone: odd characters, a chosen value, no other parameters, a page number to drop."""
    from search_app.facets import FACET_BY_PARAM
    facet = FACET_BY_PARAM["gemeente"]
    counts = [("Gemeente 's-Hertogenbosch", 3), ("Gemeente Súdwest-Fryslân", 2), ("a&b=c + d", 1), ("Breda", 1)]
    for args in ([("q", "hondenbelasting"), ("gemeente", "Breda"), ("pagina", "3")], [], [("pagina", "2")],
                 [("q", "wmo & jeugd"), ("type", "wet")]):
        for fv in facet.values("/zoeken", args, counts):
            assert fv.toggle_url == facet.toggle_url("/zoeken", args, fv.value), (args, fv.value)


def test_filters_restrict_results(client):
    everything = client.get("/api/search?q=gemeente").get_json()["total"]
    laws = client.get("/api/search?q=gemeente&type=wet").get_json()
    assert 0 < laws["total"] < everything
    assert all(r["type"] == "wet" for r in laws["results"])
    both = client.get("/api/search?q=gemeente&type=wet&type=verordening").get_json()["total"]
    assert both > laws["total"]  # values of one facet are OR-ed


def test_theme_entry_point_lists_documents_without_a_query(client):
    data = client.get("/api/search?thema=schulden-en-armoede").get_json()
    assert data["total"] >= 1 and all("schulden-en-armoede" in r["themes"] for r in data["results"])


def test_unknown_facet_value_gives_an_empty_result_with_the_filter_shown(client):
    r = client.get("/zoeken?q=wonen&gemeente=Gemeente+Atlantis")
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and "Geen documenten gevonden" in html
    assert "Gemeente Atlantis" in html and "Zoek zonder filters" in html


def test_sort_by_date_orders_the_whole_result_set(client):
    data = client.get("/api/search?q=gemeente&sort=datum&per_pagina=100").get_json()
    dates = [r["date"] for r in data["results"] if r["date"]]
    assert dates == sorted(dates, reverse=True) and len(dates) > 3


def test_paging_walks_through_distinct_results(client):
    p1 = client.get("/api/search?q=gemeente&per_pagina=3&pagina=1").get_json()
    p2 = client.get("/api/search?q=gemeente&per_pagina=3&pagina=2").get_json()
    assert p1["pages"] > 1 and p2["page"] == 2
    assert not {r["url"] for r in p1["results"]} & {r["url"] for r in p2["results"]}


@pytest.mark.parametrize("q", ['"beslagvrije voet', "woning AND", "AND", "(jeugd", "NOT NOT schulden"])
def test_unparsable_queries_fall_back_to_plain_terms_with_a_notice(client, q):
    r = client.get("/zoeken", query_string={"q": q})
    assert r.status_code == 200 and 'class="notice"' in r.get_data(as_text=True)
    assert client.get("/api/search", query_string={"q": q}).get_json()["notices"]


@pytest.mark.parametrize("query", ["pagina=abc", "pagina=" + "9" * 5000, "sort=random",
                                   "per_pagina=1000", "q=" + "x" * 600])
def test_bad_parameters_get_400_with_a_message(client, query):
    r = client.get("/zoeken?" + query)
    assert r.status_code == 400 and "Ongeldige zoekopdracht" in r.get_data(as_text=True)
    j = client.get("/api/search?" + query)
    assert j.status_code == 400 and j.get_json()["error"] == "bad_request"


def test_a_page_past_the_end_is_clamped_to_the_last_page(client):
    data = client.get("/api/search?q=schuldhulpverlening&pagina=500").get_json()
    assert data["page"] == data["pages"] and data["results"] and data["notices"]


def test_only_stopwords_explains_itself(client):
    data = client.get("/api/search?q=de+het+van").get_json()
    assert data["total"] == 0 and "algemeen" in data["notices"][0]


def test_query_text_is_escaped_in_the_page(client):
    html = client.get("/zoeken", query_string={"q": "<script>alert(1)</script> wonen"}).get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html


def test_document_page_shows_metadata_themes_with_reasons_text_and_source(client):
    first = client.get("/api/search?q=schuldhulpverlening").get_json()["results"][0]
    html = client.get(f"/document/{first['id']}").get_data(as_text=True)
    assert "Rijksoverheid" in html and "2012-02-09" in html and "BWBR0031331" in html
    assert f'href="{first["url"]}"' in html
    assert "op grond van:" in html and "Artikel 1" in html
    assert client.get("/document/0000000000000000").status_code == 404
    assert client.get("/document/..%2F..%2Fetc").status_code == 404


def test_security_headers_on_every_page(client):
    for url in ("/", "/zoeken?q=wonen", "/api/search?q=wonen", "/bestaat-niet"):
        r = client.get(url)
        assert "frame-ancestors 'none'" in r.headers["Content-Security-Policy"]
        assert r.headers["X-Content-Type-Options"] == "nosniff"


def test_no_external_resources_in_pages(client):
    html = client.get("/zoeken?q=wonen").get_data(as_text=True)
    assert not re.search(r'(src|href)="(https?:)?//(?!127\.0\.0\.1)', html.split("<ol class=\"hits\"")[0])


def test_missing_index_gives_a_clear_503_not_a_crash(empty_index_url):
    app = create_app({"TESTING": True, "INDEX_DIR": empty_index_url})
    c = app.test_client()
    assert c.get("/").status_code == 200 and "nog niet beschikbaar" in c.get("/").get_data(as_text=True)
    r = c.get("/zoeken?q=wonen")
    assert r.status_code == 503 and "run.py index" in r.get_data(as_text=True)
    assert c.get("/api/search?q=wonen").status_code == 503
    assert c.get("/api/status").get_json()["ok"] is False


def test_document_text_with_markup_is_escaped_in_snippets_and_pages(tmp_path, empty_index_url):
    from store.crawl_store import CrawlStore
    from indexer.backends import index_store
    store = CrawlStore(tmp_path / "crawl.sqlite3")
    evil = 'Subsidie <script>alert("x")</script> <img src=x onerror=alert(1)> voor woningen'
    store.record_content(run_id=None, site="t", url="http://t.nl/x", status=200,
                         content_type="text/html", body=b"x", indexable=True,
                       extract={"title": "<b>Titel</b>", "text": evil, "meta": {}})
    index_store(store, empty_index_url, rebuild=True, progress=False)
    c = create_app({"TESTING": True, "INDEX_DIR": empty_index_url}).test_client()
    snippet = c.get("/api/search?q=woningen").get_json()["results"][0]["snippet"]
    assert "<script>" not in snippet and "<img" not in snippet and "<mark>woningen</mark>" in snippet
    html = c.get("/zoeken?q=woningen").get_data(as_text=True)
    assert "<script>alert" not in html and "<img src=x" not in html and "<b>Titel</b>" not in html
    doc_id = c.get("/api/search?q=woningen").get_json()["results"][0]["id"]
    assert "<script>alert" not in c.get(f"/document/{doc_id}").get_data(as_text=True)


def test_status_endpoint(client):
    data = client.get("/api/status").get_json()
    assert data["ok"] and data["documents"] > 100


def test_facet_counts_and_total_agree_with_counting_every_match(client, index_url):
    """The counts come from a counting collector; Whoosh's own grouping (or SQL) over all matches must agree."""
    from collections import Counter
    data = client.get("/api/search?q=wet&per_pagina=100").get_json()
    everything = [client.get(f"/api/search?q=wet&per_pagina=100&pagina={p}").get_json()["results"]
                  for p in range(1, data["pages"] + 1)]
    docs = [d for page in everything for d in page]
    assert len(docs) == data["total"] and len({d["id"] for d in docs}) == data["total"]
    assert {f["value"]: f["count"] for f in data["facets"]["doctype"]} == Counter(d["type"] for d in docs)
    assert {f["value"]: f["count"] for f in data["facets"]["organisation"]} == Counter(d["organisation"] for d in docs)
    assert {f["value"]: f["count"] for f in data["facets"]["themes"]} == Counter(t for d in docs for t in d["themes"])


def test_results_are_cached_per_index_version_on_both_backends(tmp_path, empty_index_url):
    from store.crawl_store import CrawlStore
    from indexer.backends import index_store
    from search.engines import open_engine
    from search.engine import SearchRequest
    store = CrawlStore(tmp_path / "crawl.sqlite3")

    def add(url, text):
        store.record_content(run_id=None, site="t", url=url, status=200, content_type="text/html", body=text.encode(),
                             indexable=True, extract={"title": text[:20], "text": text, "meta": {}})
    add("http://t.nl/a", "Urgentie bij woningtoewijzing in de regio.")
    index_store(store, empty_index_url, rebuild=True, progress=False)
    engine = open_engine(empty_index_url, cache_size=8)
    computed = []
    search = engine._search
    engine._search = lambda *a, **kw: computed.append(a) or search(*a, **kw)
    first = engine.search(SearchRequest(q="urgentie"))
    again = engine.search(SearchRequest(q="urgentie"))
    assert first.total == again.total == 1 and len(computed) == 1      # the repeat came from the cache
    again.hits.clear()                                                  # callers get their own copy
    assert len(engine.search(SearchRequest(q="urgentie")).hits) == 1
    add("http://t.nl/b", "Urgentieregeling voor mantelzorgers.")
    index_store(store, empty_index_url, rebuild=False, progress=False)  # a new version: the old entry is not used
    assert engine.search(SearchRequest(q="urgentie")).total == 2 and len(computed) == 2


# -- a facet with more values than a page lists

def test_a_facet_lists_its_first_values_and_every_chosen_one_however_far_down():
    from search_app.facets import Facet
    facet = Facet("grondslag", "refs", "Grondslag", limit=2, most=3)
    counts = [("A", 9), ("B", 7), ("C", 5), ("D", 3), ("E", 1)]
    assert facet.listed(counts, [("q", "x")]) == [("A", 9), ("B", 7), ("C", 5)]
    assert facet.listed(counts, [("grondslag", "E"), ("grondslag", "B")]) == [("A", 9), ("B", 7), ("C", 5), ("E", 1)]
    assert facet.listed(counts[:3], []) == counts[:3]


def test_a_long_facet_links_to_a_page_with_all_its_values_that_adds_one_to_the_search(client, monkeypatch):
    from dataclasses import replace

    import search_app.pages as pages
    everything = client.get("/api/search?q=gemeente").get_json()["facets"]["organisation"]
    assert len(everything) > 3
    short = replace(pages.FACET_BY_PARAM["gemeente"], limit=1, most=2)
    monkeypatch.setattr(pages, "FACETS", tuple(short if f.param == "gemeente" else f for f in pages.FACETS))
    monkeypatch.setattr(pages, "FACET_BY_PARAM", {**pages.FACET_BY_PARAM, "gemeente": short})

    html = client.get("/zoeken?q=gemeente&type=verordening&pagina=1").get_data(as_text=True)
    section = html[html.index('id="facet-gemeente"'):].split("</section>")[0]
    assert section.count('data-facet="gemeente"') == 2
    link = re.search(r'<p class="all-values"><a href="([^"]+)">Alle (\d+) waarden van organisatie</a>', section)
    counted = client.get("/api/search?q=gemeente&type=verordening").get_json()["facets"]["organisation"]
    assert link and int(link.group(2)) == len(counted) > 2
    url = link.group(1).replace("&amp;", "&")
    assert urlsplit(url).path == "/zoeken/filter/gemeente" and "pagina" not in url

    page = client.get(url)
    listed = re.findall(r'href="([^"]+)" data-facet="gemeente" data-value="([^"]+)">', page.get_data(as_text=True))
    assert page.status_code == 200 and [v for _, v in listed] == [v["value"] for v in counted]
    last_url, last = listed[-1]   # a value the results page did not list: choosing it filters the search
    query = parse_qsl(urlsplit(last_url.replace("&amp;", "&")).query)
    assert urlsplit(last_url).path == "/zoeken" and ("q", "gemeente") in query and ("gemeente", last) in query
    chosen = client.get(last_url.replace("&amp;", "&")).get_data(as_text=True)
    section = chosen[chosen.index('id="facet-gemeente"'):].split("</section>")[0]
    assert re.search(rf'class="selected" aria-current="true" data-facet="gemeente" data-value="{re.escape(last)}"',
                     section)


def test_the_page_of_a_facet_that_does_not_exist_names_the_ones_there_are(client):
    r = client.get("/zoeken/filter/stad?q=wmo")
    html = r.get_data(as_text=True)
    assert r.status_code == 404 and "Er is geen filter &#39;stad&#39;" in html
    assert "thema, gemeente, type, jaar, grondslag" in html
    assert client.get("/zoeken/filter/thema?q=wmo&sort=willekeurig").status_code == 400
