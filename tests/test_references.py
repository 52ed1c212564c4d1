"""References: which regulation (and article) a document cites, from real snippets of each bundled source.

Extraction and resolution are pinned on text copied from the corpus: national regulations (laws-markdown),
the algorithm register's legal-basis field, regelrecht's municipal regulations, algoritmekader pages and the
KOOP publication files of wetsuite. Resolution uses the shipped table (corpus/references/)."""
import json
import re

import pytest
import yaml

from lang.reference_table import (
    CORPUS, check_abbreviations, citeertitels, load_table, manifest_ids, read_abbreviations, read_titles,
    title_rows,
)
from lang.references import Table, TitleEntry, extract_references, reference_from_link

GEMEENTEWET, AWB, WMO_2015, PARTICIPATIEWET = "BWBR0005416", "BWBR0005537", "BWBR0035362", "BWBR0015703"


@pytest.fixture(scope="module")
def table():
    return load_table()


def cited(text, table, links=(), **kw):
    """(target, article, kind) of every reference, in order."""
    return [(r.target, r.article, r.kind) for r in extract_references(text, links, table, **kw)]


# ------------------------------------------------------------------ laws-markdown (national regulations)

def test_an_article_with_its_lid_of_a_law_cited_by_its_citation_title(table):
    # Besluit zorgverzekering / AOW texts, as crawled
    text = ("ondersteuning ten laste van een persoonsgebonden budget als bedoeld in artikel 2.3.6 van de Wet "
            "maatschappelijke ondersteuning 2015, of die voldoet aan artikel 14a van de Zorgverzekeringswet,")
    refs = extract_references(text, (), table)
    assert [(r.target, r.article) for r in refs] == [(WMO_2015, "2.3.6"), ("BWBR0018450", "14a")]
    assert refs[0].source == "artikel 2.3.6 van de Wet maatschappelijke ondersteuning 2015"
    assert refs[0].title == "Wet maatschappelijke ondersteuning 2015"
    assert text[refs[0].start:].startswith(refs[0].source)


def test_a_list_of_articles_gives_one_reference_per_article(table):
    text = "In afwijking van de artikelen 4:7 en 4:8 van de Algemene wet bestuursrecht worden voorafgaand"
    assert cited(text, table) == [(AWB, "4:7", "text"), (AWB, "4:8", "text")]


def test_a_range_of_articles_is_every_article_in_it(table):
    text = ("Op de in het tweede en derde lid bedoelde commissieleden zijn de artikelen 11 tot en met 14 van de "
            "Kaderwet adviescolleges van overeenkomstige toepassing")
    assert [a for _, a, _ in cited(text, table)] == ["11", "12", "13", "14"]


def test_the_burgerlijk_wetboek_resolves_by_its_book(table):
    # Opiumwet ('Wetboek van Strafrecht'), a wijzigingswet (Boek 2), a regelrecht APV ('5:42')
    assert cited("2. Artikel 140, derde en vierde lid, van het Wetboek van Strafrecht is van overeenkomstige "
                 "toepassing.", table) == [("BWBR0001854", "140", "text")]
    assert cited("het verzoek als bedoeld in artikel 345 van boek 2 van het Burgerlijk Wetboek is ingediend",
                 table) == [("BWBR0003045", "345", "text")]
    assert cited("In afwijking van artikel 5:42 lid 2 van het Burgerlijk Wetboek bedraagt", table) == [
        ("BWBR0005288", "42", "text")]
    # without a book the Burgerlijk Wetboek is no single regulation
    assert cited("volgens het Burgerlijk Wetboek", table) == [(None, None, "text")]


def test_links_between_laws_name_the_bwb_id(table):
    # a mirror link of laws-markdown's '[artikel 61c van de Gemeentewet](../../wet/gemeentewet/BWBR0005416/README.md)'
    link = "http://127.0.0.1:8101/wet/gemeentewet/BWBR0005416/"
    assert cited("", table, links=[link, "http://127.0.0.1:8101/overzicht/"]) == [(GEMEENTEWET, None, "link")]
    ref = reference_from_link("https://wetten.overheid.nl/BWBR0005537/2022-11-01#Hoofdstuk3_Artikel3:2", table)
    assert (ref.target, ref.article, ref.title) == (AWB, "3:2", "Algemene wet bestuursrecht")
    assert reference_from_link("http://wetten.overheid.nl/Illustration/253892", table) is None


def test_a_law_naming_itself_is_no_reference(table):
    text = ("Artikel 28\nDeze wet wordt aangehaald als: Wet tegemoetkoming chronisch zieken en gehandicapten.")
    assert cited(text, table, self_id="BWBR0025003") == []
    # its dated official title names it too, even where several laws share the date
    heading = "Wet van 16 juni 1994, houdende wijziging van de Huurprijzenwet woonruimte"
    assert all(t != "BWBR0006748" for t, _, _ in cited(heading, table, self_id="BWBR0006748"))


def test_an_abbreviation_the_text_defines_is_read_in_the_rest_of_it(table):
    text = ("als bedoeld in de Wet politiegegevens (Wpg). De Wpg is een wettelijke regeling. Zie art. 36a Wpg.")
    assert cited(text, table) == [("BWBR0022463", None, "text"), ("BWBR0022463", None, "text"),
                                  ("BWBR0022463", "36a", "text")]


def test_two_letter_abbreviations_count_only_with_an_article(table):
    assert cited("als bedoeld in artikel 36f, eerste lid, Sr ten behoeve van", table) == [("BWBR0001854", "36f", "text")]
    assert cited("Mr. Sr. de Vries", table) == []


# ------------------------------------------------------------------ algoritmeregister (legal basis field)

def test_register_legal_basis_with_the_article_after_the_law(table):
    text = ("Gemeentewet. Artikel 172 Handhaving openbare orde (camerabeelden) en Artikel 151C (verwerking "
            "camerabeelden onder regie van de politie).")
    refs = extract_references(text, (), table)
    assert (refs[0].target, refs[0].article, refs[0].source) == (GEMEENTEWET, "172", "Gemeentewet. Artikel 172")


def test_register_legal_basis_keeps_what_it_cannot_resolve(table):
    refs = extract_references("Art. 151c Gemeentewet, jo. APV en Afvalstoffenverordening Den Haag", (), table)
    assert [(r.target, r.article, r.title) for r in refs] == [
        (GEMEENTEWET, "151c", "Gemeentewet"), (None, None, "APV"), (None, None, "Afvalstoffenverordening Den Haag")]


def test_register_legal_basis_with_a_wetten_overheid_url_in_the_text(table):
    text = ("Volgens artikel 3 lid 1a Kadasterwet <https://wetten.overheid.nl/BWBR0004541/2021-07-01/"
            "#Hoofdstuk1_Artikel3> is het onze wettelijke taak om de Basisregistratie Kadaster te beheren")
    assert cited(text, table) == [("BWBR0004541", "3", "text"), ("BWBR0004541", "3", "link")]


def test_register_abbreviations_resolve_and_an_ambiguous_one_does_not(table):
    assert cited("De juridische grondslag is uitvoering van de wettelijke taak Participatiewet (met als onderdeel "
                 "de wet SUWI)", table)[:2] == [(PARTICIPATIEWET, None, "text"), ("BWBR0013060", None, "text")]
    assert cited("de Wet WOZ (waardering onroerende zaken)", table) == [("BWBR0007119", None, "text")]
    # 'Wmo' is used for the 2007 and the 2015 law: kept, unresolved; 'Wmo 2015' is one law
    assert cited("de gemeente is verantwoordelijk voor de uitvoering van de Wmo", table) == [(None, None, "text")]
    assert cited("artikel 2.3.5 Wmo 2015", table) == [(WMO_2015, "2.3.5", "text")]
    # part of a word is no citation
    assert cited("aanmeldingen jeugdhulp en Wmo-ondersteuning", table) == []


def test_eu_law_is_kept_by_its_name_without_an_id(table):
    text = ("De genoemde bepalingen voorzien in de rechtsgrond als bedoeld in artikel 6, derde lid, van de AVG in "
            "samenhang met artikel 9 tweede lid, onder g, van de AVG. Dit betreft een eis die is gesteld door de "
            "Europese Unie (Verordening 2252/2005).")
    refs = extract_references(text, (), table)
    assert [(r.target, r.article, r.title) for r in refs] == [
        (None, "6", "AVG"), (None, "9", "AVG"), (None, None, "Verordening 2252/2005")]


# ------------------------------------------------------------------ regelrecht (municipal regulations)

def test_regelrecht_articles_cite_the_participatiewet():
    text = ("1. het niet of onvoldoende meewerken aan het opstellen, uitvoeren en evalueren van een plan van aanpak als\n"
            "bedoeld in artikel 44a van de Participatiewet;\n"
            "2. het niet binnen vier weken na melding als bedoeld in artikel 43, vierde en vijfde lid, van de\n"
            "Participatiewet voldoende meewerken")
    assert cited(text, load_table()) == [(PARTICIPATIEWET, "44a", "text"), (PARTICIPATIEWET, "43", "text")]


def test_regelrecht_juriconnect_links_in_the_yaml():
    path = CORPUS / "regelrecht-gemeentelijke-verordeningen" / "rotterdam" / "uitvoeringsbeleid"
    texts = [yaml.safe_load(p.read_text(encoding="utf-8")) for p in sorted(path.glob("*.yaml"))]
    article_texts = "\n".join(a.get("text", "") for doc in texts for a in doc.get("articles") or [])
    jci = [(r.target, r.article) for r in extract_references(article_texts, (), load_table()) if r.kind == "jci"]
    assert (PARTICIPATIEWET, "18a") in jci           # '[artikel 18a Participatiewet](1.0:v:BWBR0015703&artikel=18a)'


def test_a_municipal_regulation_naming_itself_is_no_reference(table):
    text = "Participatieverordening Rotterdam 2015 – Artikel 9 Premie participatieplaats\nals bedoeld in artikel 10a van de Participatiewet"
    assert cited(text, table, self_title="Participatieverordening Rotterdam 2015") == [(PARTICIPATIEWET, "10a", "text")]


# ------------------------------------------------------------------ algoritmekader (pages)

def test_algoritmekader_sources_cite_eu_articles_in_their_own_notation(table):
    refs = extract_references("Bronnen\nArtikel 5 lid 1 sub d Algemene Verordening Gegevensbescherming\n\n"
                              "Artikel 16(e) AI-verordening", (), table)
    assert [(r.target, r.article, r.title) for r in refs] == [
        (None, "5", "Algemene Verordening Gegevensbescherming"), (None, "16", "AI-verordening")]
    assert [a for _, a, _ in cited("Artikel 15 - 21 Algemene Verordening Gegevensbescherming", table)] == [
        str(n) for n in range(15, 22)]


def test_algoritmekader_links_to_wetten_overheid_and_eur_lex(table):
    links = ["https://wetten.overheid.nl/jci1.3:c:BWBR0007376&hoofdstuk=I&artikel=1&z=2024-06-19&g=2024-06-19",
             "https://wetten.overheid.nl/jci1.3:c:BWBR0005537&hoofdstuk=3&afdeling=3.4&z=2024-05-01&g=2024-05-01",
             "https://eur-lex.europa.eu/legal-content/NL/TXT/HTML/?uri=CELEX:32016R0679",
             "https://www.rijksoverheid.nl/documenten/publicaties/2024/10/10/advies-artikel-22-avg"]
    refs = extract_references("", links, table)
    assert [(r.target, r.article, r.kind) for r in refs] == [
        ("BWBR0007376", "1", "jci"), (AWB, None, "jci"), (None, None, "link")]
    assert refs[2].title == "CELEX:32016R0679" and refs[0].source == links[0]


# ------------------------------------------------------------------ KOOP publication files (wetsuite fixtures)

def test_cvdr_xml_extrefs_are_juriconnect_references(table):
    xml = (CORPUS / "wetsuite-koop-fixtures" / "cvdr_example3.xml").read_text(encoding="utf-8")
    links = re.findall(r'<extref doc="([^"]+)"', xml)
    refs = [(r.target, r.article, r.kind) for r in extract_references("", links, table)]
    assert ("BWBR0013798", None, "jci") in refs                  # Wet Bibob
    assert ("BWBR0024779", "2.1", "jci") in refs                 # Wabo, artikel 2.1 (&amp; in the XML)


def test_bwb_xml_jci_in_the_text(table):
    xml = (CORPUS / "wetsuite-koop-fixtures" / "bwb_toestand_3.xml").read_text(encoding="utf-8")
    refs = [(r.target, r.article) for r in extract_references(xml, (), table) if r.kind == "jci"]
    assert ("BWBR0001950", "129b") in refs and ("BWBR0001950", "124") in refs


# ------------------------------------------------------------------ the resolution table

def test_citeertitels_are_read_from_the_law_itself():
    assert citeertitels("Artikel 90\nDeze wet wordt aangehaald als: Participatiewet. ") == ["Participatiewet"]
    assert citeertitels("Deze wet kan worden aangehaald als: Gemeentewet.  ") == ["Gemeentewet"]
    assert citeertitels("Deze wet wordt aangehaald als «Wet op het primair onderwijs».") == ["Wet op het primair onderwijs"]
    assert citeertitels("Deze wet wordt aangehaald als: Elektriciteitswet met vermelding van het jaartal") == [
        "Elektriciteitswet"]
    # the Aanwijzingen voor de regelgeving give an example, which is no title of the circular itself
    example = "overeenkomstig het volgende voorbeeld geformuleerd: *Deze wet wordt aangehaald als: Handelsregisterwet.*"
    assert citeertitels(example, is_act=False) == []


def test_title_rows_from_real_laws():
    sample = CORPUS / "laws-markdown" / "sample" / "wet"
    regs = []
    for readme in sorted(sample.rglob("README.md")):
        bwb = readme.parent.name
        title = re.search(r"^##\s*(.+?)\s*$", readme.read_text(encoding="utf-8"), re.M).group(1)
        regs.append((bwb, title, readme.read_text(encoding="utf-8"), readme.relative_to(sample.parent).as_posix()))
    rows = {r[0]: (r[1], r[2]) for r in title_rows(regs)}
    assert rows["Gemeentewet"] == (GEMEENTEWET, "citeertitel+path")
    assert rows["Wet maatschappelijke ondersteuning 2015"][0] == WMO_2015
    assert rows["Wet van 14 februari 1992"] == (GEMEENTEWET, "dated")


def test_a_title_shared_by_several_regulations_resolves_to_none():
    t = Table.build([TitleEntry("Spoorwegwet", ("BWBR0001848", "BWBR0015007"), "citeertitel")])
    assert cited("op grond van de Spoorwegwet", t) == [(None, None, "text")]


def test_every_hand_made_id_is_in_the_manifests(table):
    lines, problems = check_abbreviations(table, manifest_ids())
    assert problems == []
    assert "Gemw\tGemeentewet\tBWBR0005416" in lines
    assert "AVG\tAlgemene verordening gegevensbescherming\t-" in lines


def test_bad_table_files_get_clear_messages():
    with pytest.raises(ValueError, match="titles.tsv line 2: expected 3"):
        read_titles("# header\nGemeentewet\tBWBR0005416\n")
    with pytest.raises(ValueError, match="entry 1: missing source"):
        read_abbreviations('[[abbreviation]]\nshort = "Gemw"\ntitle = "Gemeentewet"\n')
    with pytest.raises(ValueError, match="'Gemw': 'Gemeentewet' is BWBR0005416 in the titles, not BWBR0000001"):
        Table.build([TitleEntry("Gemeentewet", (GEMEENTEWET,), "citeertitel")],
                    [("Gemw", "Gemeentewet", "BWBR0000001", "test")])


def test_the_shipped_abbreviations_say_where_they_come_from():
    rows = read_abbreviations((CORPUS / "references" / "abbreviations.toml").read_text(encoding="utf-8"))
    assert len(rows) >= 30 and all(source.strip() for _, _, _, source, _ in rows)


def test_the_gold_sample_scores_with_the_shipped_extractor():
    """The measurement's own sanity: every gold quote is in its passage and the script's counts add up."""
    from bench.references_eval import GOLD, evaluate
    items = [json.loads(line) for line in GOLD.read_text(encoding="utf-8").splitlines()]
    counts, _ = evaluate(items, load_table())
    assert counts["all"]["gold"] >= 200
    assert {i["source"] for i in items} == {"laws-markdown", "algoritmeregister", "regelrecht", "algoritmekader"}
    assert counts["all"]["matched"] <= min(counts["all"]["gold"], counts["all"]["found"])


def test_a_juriconnect_article_that_is_no_article_number_is_dropped(table):
    good = reference_from_link("https://wetten.overheid.nl/jci1.3:c:BWBR0005416&artikel=228a", table)
    odd = reference_from_link("https://wetten.overheid.nl/jci1.3:c:BWBR0005416&artikel=a%2Fb%3Cscript%3E", table)
    long = reference_from_link("https://wetten.overheid.nl/jci1.3:c:BWBR0005416&artikel=" + "1" * 500, table)
    assert good.target == "BWBR0005416" and good.article == "228a"
    assert odd.target == long.target == "BWBR0005416" and odd.article is None and long.article is None


def test_verwijst_reads_articles_as_the_store_writes_them():
    """Roman numerals are upper case, article letters lower case, a trailing slash is no article, and an Awb
    article with its colon (4:81) stays one value without quotes."""
    from search.query import WILDCARD_REFERENCE, QueryBuilder
    from search.references import resolve
    assert resolve("BWBR0024168/ii") == (["BWBR0024168/II"], "")
    assert resolve("bwbr0005416/228A") == (["BWBR0005416/228a"], "")
    assert resolve("BWBR0005416/") == (["BWBR0005416"], "")
    built = QueryBuilder().build("verwijst:BWBR0005537/4:81 bezwaar")
    assert "refs:BWBR0005537/4:81" in str(built.query) and not built.notices
    wildcard = QueryBuilder().build("verwijst:gemeente*")
    assert wildcard.notices == [WILDCARD_REFERENCE] and "gemeente" not in str(wildcard.query)
