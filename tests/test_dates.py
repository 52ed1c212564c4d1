"""Dates: metadata priority really decides (not document order), Dutch dates are read, and a page without date
metadata gets htmldate's reading of the page."""
import pytest

from crawler.dates import parse_date
from crawler.extract import extract_html


@pytest.mark.parametrize("value,expected", [
    ("2024-03-05T10:00:00+01:00", "2024-03-05"),
    ("2024-3-5", "2024-03-05"),
    ("3 maart 2024", "2024-03-03"),
    ("dinsdag 5 MAART 2024", "2024-03-05"),
    ("5 mrt. 2024", "2024-03-05"),
    ("Vastgesteld op 17 oktober 2023", "2023-10-17"),
    ("1 mei 2022", "2022-05-01"),
    ("05-03-2024", "2024-03-05"),              # Dutch order: day, month, year
    ("5/3/2024", "2024-03-05"),
    ("March 5, 2024", "2024-03-05"),
    ("D:20240305101500+01'00'", "2024-03-05"),  # PDF
    ("31 februari 2024", ""),                 # no such day
    ("binnenkort", ""),
    ("", ""),
])
def test_parse_date_reads_iso_and_dutch_dates(value, expected):
    assert parse_date(value) == expected


def _page(head: str, body: str = "<p>Tekst van de nota.</p>") -> bytes:
    return f"<html lang='nl'><head><meta charset='utf-8'>{head}</head><body><main>{body}</main></body></html>".encode()


def test_modified_wins_over_issued_whatever_comes_first():
    head = ("<meta name='DCTERMS.issued' content='2020-01-10'>"
            "<meta name='DCTERMS.available' content='2019-12-01'>"
            "<meta name='DCTERMS.modified' content='2024-03-05'>")
    assert extract_html(_page(head), "http://x.nl/").meta["date"] == "2024-03-05"


def test_a_meta_without_a_readable_date_is_passed_over():
    head = "<meta name='DCTERMS.modified' content='onbekend'><meta name='DCTERMS.issued' content='3 maart 2024'>"
    assert extract_html(_page(head), "http://x.nl/").meta["date"] == "2024-03-03"


def test_a_page_without_date_metadata_gets_a_date_from_htmldate():
    body = "<h1>Nota armoedebeleid</h1><p class='datum'>Gepubliceerd: <time datetime='2023-06-14'>14 juni 2023</time></p>"
    assert extract_html(_page("", body), "http://x.nl/nota/").meta["date"] == "2023-06-14"


def test_a_page_without_any_date_has_none():
    assert "date" not in extract_html(_page("", "<p>Geen datum hier.</p>"), "http://x.nl/").meta


@pytest.mark.parametrize("body,expected", [
    ("<p>Laatst gewijzigd: 3 maart 2024</p>", "2024-03-03"),     # htmldate alone says 2024-01-01
    ("<p>Gepubliceerd op 12 oktober 2022</p><footer>Gewijzigd op 1 mei 2023</footer>", "2023-05-01"),
    ("<p>Vastgesteld door de raad op 17-10-2023.</p>", "2023-10-17"),
])
def test_a_page_without_date_metadata_gets_the_date_it_states(body, expected):
    assert extract_html(_page("", body), "http://x.nl/nota/").meta["date"] == expected
