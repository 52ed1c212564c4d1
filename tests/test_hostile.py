"""Hostile input: fuzzed parsers, a hostile website, and limits on requests. Nothing crashes, hangs or
grows without bound; every problem ends up in the crawl report."""
import gzip
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from protego import Protego

from crawler.config import Site
from crawler.crawl import crawl
from crawler.extract import extract_html
from crawler.sitemaps import parse_sitemap
from crawler.store import CrawlStore
from crawler.traps import trap_reason
from crawler.urls import normalize_url
from search_app.query import QueryBuilder

FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
html_bits = st.sampled_from(["<div>", "</div>", "<p>", "<h2 id='x'>", "</h2>", "<main>", "<script>", "</script>",
                             "<nav>", "<a href='", "'>", "<meta charset='", "<!--", "-->", "&amp;", "&#0;", "\x00",
                             "tekst", "<![CDATA[", "<table><tr><td>", "é", "\udcff".encode("utf-8", "surrogatepass")
                             .decode("utf-8", "replace")])


@FUZZ
@given(st.lists(html_bits, max_size=60).map("".join), st.binary(max_size=200))
def test_html_extraction_never_crashes(text, noise):
    for body in (text.encode("utf-8", "replace"), noise, text.encode("utf-8", "replace") + noise):
        ex = extract_html(body, "http://x.nl/a/")
        assert isinstance(ex.text, str) and all(link.startswith("http") for link in ex.links)


@FUZZ
@given(st.binary(max_size=300), st.text(max_size=200))
def test_sitemap_and_robots_parsing_never_crash(raw, text):
    pages, children = parse_sitemap(raw)
    parse_sitemap(gzip.compress(raw))
    parse_sitemap(("<urlset>" + text + "</urlset>").encode())
    assert isinstance(pages, list) and isinstance(children, list)
    rules = Protego.parse(text)
    rules.can_fetch("http://x.nl/a", "Beleidszoeker")


@FUZZ
@given(st.text(max_size=300), st.sampled_from(["", "http://x.nl/a/b", "https://[::1]:8080/"]))
def test_url_normalisation_and_trap_checks_never_crash(url, base):
    out = normalize_url(url, base or None)
    assert out is None or out.startswith(("http://", "https://"))
    if out:
        assert normalize_url(out) == out   # normalising twice changes nothing
        trap_reason(out)


@FUZZ
@given(st.text(max_size=200))
def test_query_building_never_crashes(text):
    QueryBuilder().build(text)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(max_size=120))
def test_any_query_string_gets_an_answer_not_an_error(client, text):
    r = client.get("/api/search", query_string={"q": text})
    assert r.status_code in (200, 400)


def test_request_limits_answer_fast_with_4xx(client):
    started = time.monotonic()
    assert client.get("/zoeken", query_string={"q": "woning " * 200}).status_code == 400
    # a page number past the end is not an error (issue 15): the last page, at once
    assert client.get("/api/search?pagina=999999999999999999999").get_json()["notices"]
    assert client.get("/zoeken?" + "&".join(f"thema=t{i}" for i in range(50))).status_code == 400
    assert client.get("/api/search?per_pagina=100000").status_code == 400
    assert time.monotonic() - started < 5


class HostileHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"

    def log_message(self, *a):
        pass

    def send(self, body: bytes, ctype="text/html; charset=utf-8", extra=None, length=True):
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        if length:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        p = self.path
        if p == "/robots.txt":
            return self.send(b"User-agent: *\nAllow: /\n", "text/plain")
        if p == "/":
            links = ["/eindeloos/1", "/lus/a", "/groot", "/bom", "/binair", "/utf8", "/diep", "/lange-regel"]
            return self.send(("<html><body><main><h1>Vijandig</h1>" +
                              "".join(f"<a href='{link}'>x</a>" for link in links) + "</main></body></html>").encode())
        if p.startswith("/eindeloos/"):   # every page links to two new ones
            n = int(p.rsplit("/", 1)[1])
            return self.send(f"<main><p>pagina {n}</p><a href='/eindeloos/{2 * n}'>a</a>"
                             f"<a href='/eindeloos/{2 * n + 1}'>b</a></main>".encode())
        if p.startswith("/lus/"):
            self.send_response(302)
            self.send_header("Location", "/lus/b" if p.endswith("a") else "/lus/a")
            self.end_headers()
            return
        if p == "/groot":                 # a 1 GB body, streamed: the crawler must cut it off
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(1 << 30))
            self.end_headers()
            chunk = b"<p>" + b"x" * 65536 + b"</p>"
            try:
                for _ in range((1 << 30) // len(chunk)):
                    self.wfile.write(chunk)
            except (BrokenPipeError, ConnectionResetError):
                pass
            return
        if p == "/bom":                   # 10 MB of zeros, gzip-compressed to a few kB
            return self.send(gzip.compress(b"0" * (10 << 20)), extra={"Content-Encoding": "gzip"})
        if p == "/binair":
            return self.send(bytes(range(256)) * 400)
        if p == "/utf8":
            return self.send(b"<main><p>geldig \xff\xfe ongeldig \xc3\x28 utf-8</p></main>")
        if p == "/diep":
            return self.send(b"<main>" + b"<div>" * 20000 + b"diep" + b"</div>" * 20000 + b"</main>")
        if p == "/lange-regel":
            return self.send(b"<main><p>" + b"woord " * ((10 << 20) // 6) + b"</p></main>")
        self.send_error(404)


def test_a_hostile_site_is_crawled_in_bounded_time_with_every_problem_reported(tmp_path):
    server = ThreadingHTTPServer(("127.0.0.1", 0), HostileHandler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/"
    site = Site(name="vijandig", title="v", start=(url,), allow=(url,), rate=0, revisit_days=0, max_pages=60,
                max_depth=8, max_bytes=5 << 20, timeout=10)
    store = CrawlStore(tmp_path / "crawl.sqlite3")
    started = time.monotonic()
    try:
        (report,) = crawl([site], store, progress=False, sleep=lambda s: None)
    finally:
        server.shutdown()
    assert time.monotonic() - started < 60
    assert report.fetched <= 60                                   # endless links end at max_pages
    assert report.errors.get("redirect-loop") == 1
    assert report.skipped.get("too-large", 0) == 3   # 1 GB body, gzip bomb, 10 MB single line: cut off
    assert store.page(url + "groot")["indexable"] == 0
    assert "ongeldig" in store.text_of(store.page(url + "utf8")["content_hash"])
    # 20,000 nested divs: libxml2 stops descending at its depth limit, so the page is recorded as empty
    assert store.page(url + "diep")["status"] == 200 and store.page(url + "diep")["skip_reason"] == "empty"
    assert store.integrity_ok()
