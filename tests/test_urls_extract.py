"""URL normalisation and HTML extraction: pure functions, tested on strings."""
import pytest

from crawler.encoding import detect
from crawler.extract import extract_html
from crawler.urls import looks_like_asset, normalize_url


@pytest.mark.parametrize("raw,expected", [
    ("HTTP://Example.NL:80/a/./b/../c?x=1#deel", "http://example.nl/a/c?x=1"),
    ("https://example.nl:443", "https://example.nl/"),
    ("http://example.nl/a%7eb/c d", "http://example.nl/a~b/c%20d"),
    ("http://example.nl/wet/(ba)/enz./BWBR1/", "http://example.nl/wet/(ba)/enz./BWBR1/"),
    ("http://[::1]:8080/x", "http://[::1]:8080/x"),
])
def test_normalize_gives_one_spelling(raw, expected):
    assert normalize_url(raw) == expected


@pytest.mark.parametrize("raw", [
    "http://example.nl/zoek?q=a%26b",          # an escaped '&' is part of the value, not a new parameter
    "http://example.nl/zoek?q=a%3Db",          # '%3D' is not '='
    "http://example.nl/zoek?q=a%2Bb",          # '%2B' is a plus, '+' would be a space to many servers
    "http://example.nl/a%2Fb",                 # one segment 'a/b', not two
    "http://example.nl/doc%E9.pdf",            # Latin-1 'é': not UTF-8, so it must not become U+FFFD
    "http://example.nl//a//b",                 # empty segments are part of the path
    "http://example.nl/zoek?b=2&a=1",          # the query keeps its order
    "http://example.nl/zoek?q",                # 'q' and 'q=' are different queries
])
def test_normalize_keeps_what_rfc_3986_does_not_call_equivalent(raw):
    assert normalize_url(raw) == raw


@pytest.mark.parametrize("raw,expected", [
    ("http://example.nl/%62%61%7a", "http://example.nl/baz"),              # escaped unreserved = unreserved
    ("http://example.nl/a%2fb?x=%e9", "http://example.nl/a%2Fb?x=%E9"),  # escapes in upper case
    ("http://example.nl/caf\u00e9?q=\u00e9", "http://example.nl/caf%C3%A9?q=%C3%A9"),  # IRI: UTF-8 escapes
    ("http://Ex\u00e4mple.NL/", "http://xn--exmple-cua.nl/"),
    ("http://example.nl/a?utm_source=x&id=7&PHPSESSID=1", "http://example.nl/a?id=7"),
    ("http://example.nl/a;jsessionid=AB12?x=1", "http://example.nl/a?x=1"),
    ("http://example.nl/a/..//b", "http://example.nl//b"),
])
def test_normalize_makes_rfc_3986_equivalents_one_spelling(raw, expected):
    assert normalize_url(raw) == expected


@pytest.mark.parametrize("raw", ["mailto:info@gemeente.nl", "javascript:void(0)", "tel:14020", "", "http://"])
def test_normalize_rejects_what_is_not_a_web_page(raw):
    assert normalize_url(raw) is None


def test_relative_links_resolve_against_the_page():
    assert normalize_url("../b/", "http://x.nl/a/c/") == "http://x.nl/a/b/"
    assert normalize_url("#top", "http://x.nl/a") == "http://x.nl/a"


def test_assets_are_recognised():
    assert looks_like_asset("http://x.nl/logo.PNG") and not looks_like_asset("http://x.nl/beleid.pdf")


PAGE = b"""<!DOCTYPE html><html lang="nl-NL"><head><meta charset="utf-8">
<title>Armoedebeleid | Gemeente Test</title>
<meta name="DCTERMS.creator" content="Gemeente Test"><meta name="DCTERMS.modified" content="2024-03-05T10:00:00">
<meta name="DCTERMS.type" content="beleidsnota"><link rel="canonical" href="/armoede/">
</head><body><header><nav><a href="/">Home</a><a href="/contact/">Contact</a></nav></header>
<main><h1>Armoedebeleid</h1><p>Inleiding over <b>minima</b>.</p>
<h2 id="artikel-1">Artikel 1 Doel</h2><p>Schulden voorkomen.</p><ul><li>punt een</li><li>punt twee</li></ul>
<h2 id="artikel-2">Artikel 2</h2><p>Meer tekst <a href="/regeling/" rel="nofollow">regeling</a> en <a href="/plan/">plan</a>.</p>
<script>var x = "geen tekst";</script></main>
<footer>Footer met <a href="/privacy/">privacy</a></footer></body></html>"""


def test_extraction_keeps_main_content_and_drops_boilerplate():
    ex = extract_html(PAGE, "http://gemeente.test/armoede/")
    assert ex.title == "Armoedebeleid"
    assert "Schulden voorkomen." in ex.text and "punt twee" in ex.text
    assert "Contact" not in ex.text and "Footer" not in ex.text and "geen tekst" not in ex.text


def test_extraction_splits_passages_at_headings_with_their_anchors():
    ex = extract_html(PAGE, "http://gemeente.test/armoede/")
    anchors = [(p.anchor, p.heading) for p in ex.passages]
    assert ("artikel-1", "Artikel 1 Doel") in anchors and ("artikel-2", "Artikel 2") in anchors
    art1 = next(p for p in ex.passages if p.anchor == "artikel-1")
    assert "Schulden voorkomen." in art1.text and "Meer tekst" not in art1.text


def test_extraction_reads_metadata_links_and_canonical():
    ex = extract_html(PAGE, "http://gemeente.test/armoede/")
    assert ex.meta["organisation"] == "Gemeente Test"
    assert ex.meta["date"] == "2024-03-05" and ex.meta["doctype"] == "beleidsnota" and ex.meta["language"] == "nl"
    assert ex.canonical == "http://gemeente.test/armoede/"
    assert "http://gemeente.test/plan/" in ex.links
    assert "http://gemeente.test/regeling/" not in ex.links  # rel=nofollow


def test_meta_robots_noindex_nofollow():
    html = b"<html><head><meta name='robots' content='noindex, nofollow'></head><body><p>x</p></body></html>"
    ex = extract_html(html, "http://x.nl/")
    assert ex.noindex and ex.nofollow


def test_windows_1252_page_without_declaration_is_decoded():
    html = "<html><body><main><p>Coördinatie van één café – €5</p></main></body></html>".encode("cp1252")
    assert detect(html, None) == ("cp1252", "detected")
    assert "Coördinatie van één café – €5" in extract_html(html, "http://x.nl/").text


def test_http_charset_wins_over_guessing_and_bom_wins_over_all():
    latin = "<p>financiën</p>".encode("latin-1")
    assert "financiën" in extract_html(latin, "http://x.nl/", charset="iso-8859-1").text
    assert detect(b"\xef\xbb\xbf<p>x</p>", "iso-8859-1") == ("utf-8", "bom")


@pytest.mark.parametrize("body", [b"", b"   ", b"\x00\x01\x02", b"<html><body><main>" + b"<div>" * 5000 + b"diep"])
def test_garbage_and_deep_html_do_not_crash(body):
    ex = extract_html(body, "http://x.nl/")
    assert isinstance(ex.text, str)
