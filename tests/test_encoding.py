"""Encodings as a browser reads them: WHATWG labels (iso-8859-1 means windows-1252), and a declared UTF-8 that
the bytes are not does not turn a windows-1252 page into U+FFFD."""
import pytest

from crawler.crawl import crawl
from crawler.encoding import decode_html, detect, label_to_codec
from crawler.extract import extract_html
from store.crawl_store import CrawlStore
from loopback import LoopbackSite, Response, page
from test_crawler import make_site

TEXT = "Coördinatie “beleid” – kosten € 5 … één café"     # € “ ” – … are 0x80-0x9F in windows-1252
CP1252 = f"<html><body><main><p>{TEXT}</p></main></body></html>".encode("cp1252")


@pytest.mark.parametrize("label", ["iso-8859-1", "ISO-8859-1", "latin1", "l1", "us-ascii", "ascii", "windows-1252",
                                   "cp1252"])
def test_whatwg_labels_that_mean_windows_1252(label):
    assert label_to_codec(label) == "cp1252"
    assert TEXT in extract_html(CP1252, "http://x.nl/", charset=label).text


def test_meta_charset_label_is_read_the_whatwg_way():
    body = b"<html><head><meta charset='iso-8859-1'></head>" + CP1252[6:]
    assert detect(body) == ("cp1252", "meta")
    assert TEXT in extract_html(body, "http://x.nl/").text


@pytest.mark.parametrize("where", ["http", "meta"])
def test_a_wrong_utf8_declaration_does_not_beat_a_windows_1252_body(where):
    head = b"<html><head><meta charset='utf-8'></head>" if where == "meta" else b""
    body = head + CP1252
    charset = "utf-8" if where == "http" else None
    assert detect(body, charset) == ("cp1252", "detected")
    text = extract_html(body, "http://x.nl/", charset=charset).text
    assert TEXT in text and "\ufffd" not in text


def test_a_wrong_utf8_header_gives_way_to_a_meta_that_fits():
    body = b"<html><head><meta http-equiv='Content-Type' content='text/html; charset=windows-1252'></head>" + CP1252
    assert detect(body, "utf-8") == ("cp1252", "meta")


def test_declarations_are_believed_when_the_bytes_fit():
    utf8 = f"<p>{TEXT}</p>".encode("utf-8")
    assert detect(utf8, "utf-8") == ("utf-8", "http")
    assert detect("<p>Ελλάδα</p>".encode("iso-8859-7"), "iso-8859-7")[1] == "http"
    assert decode_html("<p>Ελλάδα</p>".encode("iso-8859-7"), "iso-8859-7").text == "<p>Ελλάδα</p>"
    assert detect(utf8, "bogus-label") == ("utf-8", "detected")     # unknown label: as if none was given


def test_bom_wins_and_meta_utf16_means_utf8():
    assert detect(b"\xef\xbb\xbf<p>x</p>", "iso-8859-1") == ("utf-8", "bom")
    assert decode_html("\ufeff<p>één</p>".encode("utf-16-le"), "utf-8").text == "<p>één</p>"
    assert detect("<meta charset='utf-16'><p>één</p>".encode("utf-8")) == ("utf-8", "meta")


def test_crawled_pages_keep_euro_signs_and_quotes(tmp_path):
    routes = {"/robots.txt": Response("User-agent: *\nAllow: /\n", headers={"Content-Type": "text/plain"}),
              "/": Response(page("Home", "<a href='/latin/'>l</a> <a href='/liegt/'>u</a>")),
              "/latin/": Response(CP1252, headers={"Content-Type": "text/html; charset=ISO-8859-1"}),
              "/liegt/": Response(CP1252, headers={"Content-Type": "text/html; charset=utf-8"})}
    store = CrawlStore(tmp_path / "crawl.sqlite3")
    with LoopbackSite(routes) as s:
        crawl([make_site(s.url)], store, progress=False, sleep=lambda x: None)
        docs = {d.url: d.text for d in store.documents()}
        assert TEXT in docs[s.url + "latin/"] and TEXT in docs[s.url + "liegt/"]
    store.close()
