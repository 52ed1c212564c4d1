"""Verwijzingen in the app, on every engine over the test corpus: a regulation's page lists who builds on it per
organisation (the Gemeentewet: the municipal regulations and register records whose legal basis it is), filters
by theme and year, exports CSV and answers in JSON; a document page says what it cites and who cites it."""
from __future__ import annotations

import csv
import io
import re
from html import unescape

import pytest

from search.references import document_id


@pytest.fixture()
def client(index_url, corpus_data):
    from search_app import create_app
    return create_app({"TESTING": True, "INDEX_DIR": index_url,
                       "STORE_PATH": str(corpus_data[0] / "crawl.sqlite3")}).test_client()


def site_url(corpus_data, name: str) -> str:
    return next(s.start[0] for s in corpus_data[1] if s.name == name)


def test_the_gemeentewet_page_lists_the_municipal_regulations_and_register_records_that_cite_it(client):
    data = client.get("/api/regeling/BWBR0005416").get_json()
    assert data["title"] == "Gemeentewet" and data["document_id"]
    by_org = {g["organisation"]: g for g in data["organisations"]}
    assert data["total"] == sum(g["count"] for g in data["organisations"])
    venlo = by_org["Gemeente Venlo"]["documents"]
    assert [(d["title"], d["type"], d["articles"]) for d in venlo] == [
        ("Verordening op de heffing en de invordering van rioolheffing 2025", "verordening", ["228a"])]
    assert "Gemeentewet, artikel 228a" in venlo[0]["citation"]
    records = [d for g in data["organisations"] for d in g["documents"] if d["type"] == "algoritme"]
    assert records and all(g.startswith("Gemeente") for g in {d["organisation"] for d in records})
    assert {"228a", "172"} <= {a["article"] for a in data["articles"]}

    html = client.get("/regeling/BWBR0005416").get_data(as_text=True)
    assert "Wie bouwt op Gemeentewet?" in html and "Gemeente Venlo" in html and "Gemeente Almere" in html
    assert 'href="/regeling/BWBR0005416/artikel/228a"' in html


def test_a_regulation_page_filters_by_theme_and_year_and_per_article(client):
    everything = client.get("/api/regeling/BWBR0005416").get_json()
    years = everything["facets"]["year"]
    assert years
    year, n = years[0]["value"], years[0]["count"]
    one_year = client.get(f"/api/regeling/BWBR0005416?jaar={year}").get_json()
    assert one_year["total"] == n < everything["total"] or one_year["total"] == n == everything["total"]
    assert all(d["date"] is None if year == "onbekend" else d["date"].startswith(year)
               for g in one_year["organisations"] for d in g["documents"])
    article = client.get("/api/regeling/BWBR0005416/artikel/228a").get_json()
    assert article["article"] == "228a"
    assert {g["organisation"] for g in article["organisations"]} >= {"Gemeente Venlo", "Gemeente Almere"}
    assert all("228a" in d["articles"] for g in article["organisations"] for d in g["documents"])
    html = client.get(f"/regeling/BWBR0005416?jaar={year}").get_data(as_text=True)
    assert re.search(rf'data-facet="jaar" data-value="{year}"', html) and 'aria-current="true"' in html


def test_a_regulation_exports_csv_for_excel_and_bad_addresses_are_said(client):
    r = client.get("/regeling/BWBR0005416.csv")
    assert r.status_code == 200 and "BWBR0005416" in r.headers["Content-Disposition"]
    text = r.get_data(as_text=True)
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))
    assert rows[0][:5] == ["Organisatie", "Titel", "Soort document", "Datum", "Aangehaalde artikelen"]
    assert any(row[0] == "Gemeente Venlo" and row[4] == "228a" for row in rows[1:])
    assert len(rows) - 1 == client.get("/api/regeling/BWBR0005416").get_json()["total"]
    assert client.get("/regeling/gemeentewet").status_code == 404
    assert client.get("/api/regeling/BWBR12").status_code == 404
    assert client.get("/api/regeling/BWBR0005416?jaar_van=abc").status_code == 400


def test_a_document_page_says_what_it_cites_and_who_cites_it(client, corpus_data):
    venlo = site_url(corpus_data, "verordeningen") + "verordeningen/venlo/verordening_rioolheffing/2025-01-01/"
    html = client.get(f"/document/{document_id(venlo)}").get_data(as_text=True)
    section = html[html.index('id="doc-grondslag"'):]
    gemeentewet = client.get("/api/regeling/BWBR0005416").get_json()["document_id"]
    assert f'href="/document/{gemeentewet}#artikel-228a"' in section       # our copy, at the article
    assert 'href="/regeling/BWBR0005416"' in section

    law = client.get(f"/document/{gemeentewet}").get_data(as_text=True)
    cited_in = law[law.index('id="doc-genoemd"'):]
    assert "Gemeente Venlo · verordening" in cited_in and "algoritme" in cited_in
    assert f'href="/document/{document_id(venlo)}"' in cited_in


def test_the_results_page_has_a_grondslag_facet_named_by_citation_title(client):
    html = client.get("/zoeken?q=rioolheffing").get_data(as_text=True)
    facet = html[html.index('id="facet-grondslag"'):]
    assert re.search(r'data-facet="grondslag" data-value="BWBR0005416">.*?Gemeentewet', facet, re.S)
    narrowed = client.get("/api/search?q=rioolheffing&grondslag=BWBR0005416").get_json()
    assert narrowed["total"] and dict((f["value"], f["count"]) for f in narrowed["facets"]["refs"])[
        "BWBR0005416"] == narrowed["total"]
    notice = client.get("/api/search?q=verwijst:Nergenswet").get_json()["notices"]
    assert any("Nergenswet" in n for n in notice)


def test_a_year_range_on_a_regulation_page_also_narrows_its_export(client):
    ranged = client.get("/api/regeling/BWBR0005416?jaar_van=2000&jaar_tot=2015").get_json()
    everything = client.get("/api/regeling/BWBR0005416").get_json()
    assert 0 < ranged["total"] < everything["total"]
    html = client.get("/regeling/BWBR0005416?jaar_van=2000&jaar_tot=2015").get_data(as_text=True)
    link = unescape(re.search(r'href="([^"]*\.csv[^"]*)"', html).group(1))
    assert "jaar_van=2000" in link and "jaar_tot=2015" in link
    rows = client.get(link).get_data(as_text=True).lstrip("\ufeff").splitlines()
    assert len(rows) - 1 == ranged["total"]
