"""Hostile input: fuzzed parsers, a hostile website, and limits on requests. Nothing crashes, hangs or
grows without bound; every problem ends up in the crawl report."""
import gzip
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crawler.config import Site
from crawler.crawl import crawl
from crawler.extract import extract_html
from crawler.robotstxt import parse as parse_robots
from crawler.sitemaps import parse_sitemap
from store.crawl_store import CrawlStore
from crawler.traps import trap_reason
from crawler.urls import normalize_url
from search.query import QueryBuilder

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
    for robots in (text, raw):
        assert isinstance(parse_robots(robots).allowed("Beleidszoeker", "http://x.nl/a"), bool)


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
    # 20,000 nested divs: deeper than libxml2 descends even with huge_tree; the skip reason says so
    assert store.page(url + "diep")["status"] == 200 and store.page(url + "diep")["skip_reason"] == "too-deep"
    assert "nested too deep" in store.page(url + "diep")["error"]
    assert store.page(url + "binair")["skip_reason"] == "binary"
    assert store.integrity_ok()


# ------------------------------------------------------------------ bodies that are not what they say

def _one_page_site(body: bytes, ctype: str = "text/html"):
    from loopback import LoopbackSite, Response, page
    return LoopbackSite({"/robots.txt": Response("User-agent: *\nAllow: /\n", headers={"Content-Type": "text/plain"}),
                         "/": Response(page("Home", "<a href='/doc'>doc</a><p>home</p>")),
                         "/doc": Response(body, headers={"Content-Type": ctype})})


def _crawl(s, tmp_path, **kw):
    store = CrawlStore(tmp_path / "crawl.sqlite3")
    site = Site(name="v", title="v", start=(s.url,), allow=(s.url,), rate=0, revisit_days=0, **kw)
    (report,) = crawl([site], store, progress=False, sleep=lambda s: None)
    return store, report


def test_random_bytes_served_as_html_are_skipped_as_binary_not_indexed(tmp_path):
    import random
    noise = random.Random(13).randbytes(256 * 1024)
    with _one_page_site(noise) as s:
        store, report = _crawl(s, tmp_path)
    page = store.page(s.url + "doc")
    assert page["indexable"] == 0 and page["skip_reason"] == "binary" and "binary data" in page["error"]
    assert report.skipped == {"binary": 1} and report.documents == 1


def test_c0_control_characters_never_reach_the_stored_text(tmp_path):
    from loopback import page
    prose = "<p>Het college stelt voor om de subsidieregeling voor verenigingen te verlengen.</p>" * 4
    body = page("Con\x01trole", f"<p>woord\x02en\x1b[31m kleur\x7f\tmet tab</p>{prose}").encode()
    with _one_page_site(body) as s:
        store, _ = _crawl(s, tmp_path)
    (doc,) = [d for d in store.documents() if d.url.endswith("/doc")]
    for text in [doc.title, doc.text] + [p.text for p in doc.passages]:
        assert not any(ord(c) < 32 and c not in "\t\n\r" or ord(c) == 127 for c in text), repr(text)
    assert "woorden[31m kleur" in doc.text and "met tab" in doc.text


def test_a_page_nested_hundreds_deep_is_read_not_skipped_as_empty():
    body = b"<main>" + b"<div>" * 1000 + b"diep verstopt beleid" + b"</div>" * 1000 + b"</main>"
    ex = extract_html(body, "http://x.nl/")
    assert "diep verstopt beleid" in ex.text and not ex.error


def test_stored_text_is_capped_per_document_and_dekking_says_so(tmp_path):
    from loopback import page
    body = page("Lang", "<p>" + "woord " * 400_000 + "</p>").encode()   # 2.4 MB of text on one line
    with _one_page_site(body) as s:
        store, report = _crawl(s, tmp_path, max_text_chars=100_000)
    page_row = store.page(s.url + "doc")
    (doc,) = [d for d in store.documents() if d.url.endswith("/doc")]
    assert len(doc.text) <= 100_000 and sum(len(p.text) for p in doc.passages) <= 100_000
    assert page_row["indexable"] == 1 and page_row["text_cut"] > 2_000_000
    assert report.text_capped == 1
    (entry,) = store.coverage()
    assert entry["text_capped"] == 1


def test_variants_of_a_canonical_page_stop_being_fetched_once_the_parameter_is_learnt(tmp_path):
    from loopback import LoopbackSite, Response, page
    canonical = "<link rel='canonical' href='/p'>"
    links = "".join(f"<a href='/p?x={n}'>{n}</a>" for n in range(50))
    routes = {"/robots.txt": Response("User-agent: *\nAllow: /\n", headers={"Content-Type": "text/plain"}),
              "/": Response(page("Home", links)),
              "/p": Response(page("P", "<p>de pagina</p>", head=canonical))}
    routes.update({f"/p?x={n}": Response(page("P", "<p>de pagina</p>", head=canonical)) for n in range(50)})
    with LoopbackSite(routes) as s:
        store, report = _crawl(s, tmp_path)
        fetched_variants = [p for p in s.paths() if p.startswith("/p?")]
    assert len(fetched_variants) <= 2, fetched_variants
    assert s.paths().count("/p") == 1 and store.page(s.url + "p")["indexable"] == 1
    assert report.skipped.get("canonical-variant", 0) >= 48


def test_a_10_mb_one_line_page_is_stored_capped_and_its_document_page_stays_small(tmp_path):
    from loopback import page
    from indexer.backends import index_store
    from search_app import create_app
    body = page("Eindeloos", "<p>" + "beleidswoord " * 800_000 + "slotwoord</p>").encode()   # 10 MB, one line
    with _one_page_site(body) as s:
        store, report = _crawl(s, tmp_path)                       # the default max_text_chars
    assert report.text_capped == 1 and report.documents == 2
    index_store(store, str(tmp_path / "index"), rebuild=True, progress=False)
    client = create_app({"TESTING": True, "INDEX_DIR": str(tmp_path / "index"),
                         "STORE_PATH": str(tmp_path / "crawl.sqlite3")}).test_client()
    (hit,) = client.get("/api/search?q=beleidswoord").get_json()["results"]
    html = client.get(f"/document/{hit['id']}").get_data(as_text=True)
    assert len(html) < 400_000 and "ingekort" in html
    dekking = client.get("/dekking").get_data(as_text=True)
    assert "Tekst ingekort" in dekking
