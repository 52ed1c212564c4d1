"""The nightly crawl job against multi-host loopback sites: politeness, incremental runs, documents,
faults, and the nightly command itself (lock, report, kill -9 and resume)."""
import gzip
import json
import os
import signal
import subprocess
import sys
import threading
import time
from email.utils import formatdate
from pathlib import Path

import pytest

from crawler.config import Site
from crawler.crawl import crawl
from store.crawl_store import CrawlStore
from indexer.build import IndexLocation, update_index
from loopback import LoopbackSite, Response, dripping, page
from pdfgen import make_pdf
from search.engine import SearchRequest
from search.whoosh_engine import SearchEngine

REPO = Path(__file__).resolve().parent.parent
TEXT = {"Content-Type": "text/plain"}
ALLOW_ALL = Response("User-agent: *\nAllow: /\n", headers=TEXT)


def site_for(s: LoopbackSite, name="t", **kw) -> Site:
    kw.setdefault("rate", 0)
    kw.setdefault("revisit_days", 0)
    return Site(name=name, title=name, start=(s.url,), allow=(s.url,), organisation="Gemeente T", **kw)


def run_crawl(store, *sites, sleep=lambda s: None):
    reports = crawl(list(sites), store, progress=False, sleep=sleep)
    return reports[0] if len(reports) == 1 else reports


def validated(body: str, etag: str | None = None, last_modified: str | None = None):
    """A route that answers conditional GETs like a real server: 304 when the validator matches."""
    def route(handler):
        if etag and handler.headers.get("If-None-Match") == etag:
            return Response("", 304, {"ETag": etag})
        if last_modified and handler.headers.get("If-Modified-Since") == last_modified:
            return Response("", 304, {"Last-Modified": last_modified})
        headers = {"Content-Type": "text/html; charset=utf-8"}
        if etag:
            headers["ETag"] = etag
        if last_modified:
            headers["Last-Modified"] = last_modified
        return Response(body, 200, headers)
    return route


@pytest.fixture()
def store(store_url):
    """The crawl store, once per backend (SQLite and a real PostgreSQL)."""
    store = CrawlStore(store_url)
    yield store
    store.close()


# ------------------------------------------------------------------ politeness and scope

def test_crawl_delay_from_robots_is_honoured(store):
    times = []

    def timed(title):
        def route(handler):
            times.append(time.monotonic())
            return Response(page(title, f"<p>{title}</p><a href='/b/'>b</a><a href='/c/'>c</a>"))
        return route
    routes = {"/robots.txt": Response("User-agent: *\nCrawl-delay: 1\nDisallow: /geheim/\n", headers=TEXT),
              "/": timed("a"), "/b/": timed("b"), "/c/": timed("c")}
    with LoopbackSite(routes) as s:
        report = run_crawl(store, site_for(s))
    assert report.documents == 3
    gaps = [b - a for a, b in zip(times, times[1:])]
    assert min(gaps) >= 0.9, gaps   # 1 s apart when sent; the server threads add some jitter


def test_per_host_rate_holds_while_two_hosts_are_crawled_in_parallel(store):
    log: list[tuple[str, float]] = []

    def site_routes(name):
        def route(handler):
            log.append((name, time.monotonic()))
            n = int(handler.path.strip("/") or 0)
            return Response(page(f"{name}{n}", f"<p>{name} {n}</p>" + (f"<a href='/{n + 1}/'>v</a>" if n < 4 else "")))
        return {"/robots.txt": ALLOW_ALL, **{f"/{n}/" if n else "/": route for n in range(5)}}

    with LoopbackSite(site_routes("a")) as a, LoopbackSite(site_routes("b")) as b:
        run_crawl(store, site_for(a, "a", rate=4), site_for(b, "b", rate=4))
    for host in "ab":
        stamps = [t for h, t in log if h == host]
        assert len(stamps) == 5
        assert min(y - x for x, y in zip(stamps, stamps[1:])) >= 0.22   # 4 requests/s per host (less thread jitter)
    a_times = [t for h, t in log if h == "a"]
    b_times = [t for h, t in log if h == "b"]
    assert min(b_times) < max(a_times) and min(a_times) < max(b_times)  # the hosts overlapped in time


def test_sitemap_index_and_gzipped_sitemap_are_read(store):
    routes = {"/robots.txt": Response("User-agent: *\nAllow: /\nSitemap: {base}sitemap-index.xml\n", headers=TEXT),
              "/": Response(page("Home", "<p>geen links</p>")),
              "/sitemap-index.xml": Response('<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/'
                                             'schemas/sitemap/0.9"><sitemap><loc>{base}pages.xml.gz</loc></sitemap>'
                                             "</sitemapindex>", headers={"Content-Type": "application/xml"}),
              "/alleen-via-sitemap/": Response(page("Verborgen", "<p>Alleen via de gzip-sitemap.</p>"))}
    with LoopbackSite(routes) as s:
        for key in ("/robots.txt", "/sitemap-index.xml"):
            s.routes[key].body = s.routes[key].body.replace("{base}", s.url)
        xml = ('<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
               f"<url><loc>{s.url}alleen-via-sitemap/</loc><lastmod>2024-01-01</lastmod></url></urlset>")
        s.routes["/pages.xml.gz"] = Response(gzip.compress(xml.encode()), headers={"Content-Type": "application/gzip"})
        run_crawl(store, site_for(s))
        assert "/alleen-via-sitemap/" in s.paths()


def test_traps_are_not_followed_and_the_crawl_ends(store):
    def calendar(handler):
        day = handler.path.split("=")[-1] if "=" in handler.path else "2024-01-01"
        nxt = f"2024-01-{int(day[-2:]) + 1:02d}"
        return Response(page("Agenda", f"<p>Agenda {day}</p><a href='/agenda?datum={nxt}'>volgende dag</a>"
                                       "<a href='a/'>relatief</a>"))

    def relative_loop(handler):  # every page links one level deeper to itself
        return Response(page("Lus", "<p>lus</p><a href='a/'>dieper</a>"))
    routes = {"/robots.txt": ALLOW_ALL, "/": Response(page("Home", "<a href='/agenda'>Agenda</a><a href='/a/'>a</a>"
                                                                   "<a href='/;jsessionid=123'>sessie</a>")),
              "/agenda": calendar}
    routes.update({"/" + "a/" * n: relative_loop for n in range(1, 10)})
    with LoopbackSite(routes) as s:
        report = run_crawl(store, site_for(s))
    assert report.fetched < 12
    assert report.skipped.get("trap-calendar", 0) >= 1 and report.skipped.get("trap-repeating-path", 0) >= 1
    assert s.paths().count("/") == 1  # the session id was stripped: the same page


# ------------------------------------------------------------------ incremental

def _two_page_site():
    lm = formatdate(1700000000, usegmt=True)
    return {"/robots.txt": ALLOW_ALL,
            "/": validated(page("Home", "<a href='/etag/'>e</a> <a href='/lm/'>l</a> <a href='/weg/'>w</a>"), '"h1"'),
            "/etag/": validated(page("Woonvisie", "<p>Woningen bouwen voor starters.</p>"), '"v1"'),
            "/lm/": validated(page("Armoedebeleid", "<p>Schulden voorkomen.</p>"), last_modified=lm),
            "/weg/": validated(page("Verdwijnt", "<p>Deze pagina verdwijnt straks.</p>"), '"w1"')}


def test_second_run_uses_conditional_gets_and_reindexes_nothing(store, tmp_path):
    loc = IndexLocation(tmp_path / "index")
    with LoopbackSite(_two_page_site()) as s:
        first = run_crawl(store, site_for(s))
        assert first.new == 4 and first.changed == 0
        assert update_index(store, loc, progress=False).mode == "full"
        s.requests.clear()
        second = run_crawl(store, site_for(s))
    assert second.unchanged == 4 and second.new == second.changed == 0
    sent = {path: h for _, path, h in s.requests}
    assert sent["/etag/"].get("If-None-Match") == '"v1"'
    assert sent["/lm/"].get("If-Modified-Since")
    assert second.bytes == 0  # every answer was a 304
    again = update_index(store, loc, progress=False)
    assert again.mode == "none" and again.added == again.updated == again.deleted == 0


def test_a_changed_page_changes_exactly_that_document_and_a_removed_one_leaves_in_the_same_run(store, tmp_path):
    loc = IndexLocation(tmp_path / "index")
    engine = SearchEngine(tmp_path / "index")
    with LoopbackSite(_two_page_site()) as s:
        run_crawl(store, site_for(s))
        update_index(store, loc, progress=False)
        old_hash = store.page(s.url + "etag/")["content_hash"]
        s.routes["/etag/"] = validated(page("Woonvisie", "<p>Woningen bouwen voor studenten.</p>"), '"v2"')
        del s.routes["/weg/"]
        second = run_crawl(store, site_for(s))
    # no sitemap lists /weg/: its 404 is believed at once
    assert second.changed == 1 and second.removed == 1 and second.errors == {"http-404": 1}
    assert store.page(s.url + "weg/")["skip_reason"] == "gone"
    upd = update_index(store, loc, progress=False)
    assert (upd.mode, upd.added, upd.updated, upd.deleted) == ("incremental", 0, 1, 1)
    assert engine.search(SearchRequest(q="studenten")).total == 1
    assert engine.search(SearchRequest(q="starters")).total == 0
    assert engine.search(SearchRequest(q="verdwijnt")).total == 0
    versions = store.versions(s.url + "etag/")
    assert [h for h, _ in versions][0] == old_hash and len(versions) == 2
    assert "starters" in store.text_of(old_hash)          # the previous text is kept


def _sitemap(base: str, entries: dict[str, str]) -> Response:
    urls = "".join(f"<url><loc>{base}{path.lstrip('/')}</loc>" + (f"<lastmod>{lastmod}</lastmod>" if lastmod else "")
                   + "</url>" for path, lastmod in entries.items())
    return Response(f'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>',
                    headers={"Content-Type": "application/xml"})


def test_a_404_of_a_page_the_sitemap_still_lists_is_asked_once_more_in_the_same_run(store):
    answers = {"/kort/": [404], "/weg/": [404, 404], "/op/": [410]}   # /kort/ is back on the second try

    def flaky(path, title):
        def route(handler):
            if state["night"] and answers[path]:
                return Response(page("Weg", "<p>weg</p>"), answers[path].pop(0))
            return Response(page(title, f"<p>{title} staat hier.</p>"))
        return route
    state = {"night": 0}
    with LoopbackSite({"/robots.txt": ALLOW_ALL, "/": Response(page("Home", "<p>home</p>")),
                       "/kort/": flaky("/kort/", "Kortstondig"), "/weg/": flaky("/weg/", "Verdwenen"),
                       "/op/": flaky("/op/", "Opgeheven")}) as s:
        s.routes["/sitemap.xml"] = _sitemap(s.url, dict.fromkeys(["/kort/", "/weg/", "/op/"], "2026-01-01"))
        run_crawl(store, site_for(s, revisit_days=1))
        state["night"] = 1
        s.routes["/sitemap.xml"] = _sitemap(s.url, dict.fromkeys(["/kort/", "/weg/", "/op/"], "2026-01-02"))
        s.requests.clear()
        report = run_crawl(store, site_for(s, revisit_days=1))
    assert s.paths().count("/kort/") == 2 and s.paths().count("/weg/") == 2
    assert s.paths().count("/op/") == 1                      # 410 Gone is believed at once
    assert store.page(s.url + "kort/")["indexable"] == 1
    assert store.page(s.url + "weg/")["skip_reason"] == store.page(s.url + "op/")["skip_reason"] == "gone"
    assert report.removed == 2 and report.errors == {"http-404": 1, "http-410": 1}


def test_a_redirect_replaces_the_old_url(store, tmp_path):
    routes = {"/robots.txt": ALLOW_ALL, "/": Response(page("Home", "<a href='/oud/'>oud</a>")),
              "/oud/": Response(page("Nota", "<p>Parkeerbeleid binnenstad.</p>"))}
    loc = IndexLocation(tmp_path / "index")
    with LoopbackSite(routes) as s:
        run_crawl(store, site_for(s))
        update_index(store, loc, progress=False)
        s.routes["/oud/"] = Response("", 301, {"Location": "/nieuw/"})
        s.routes["/nieuw/"] = Response(page("Nota", "<p>Parkeerbeleid binnenstad.</p>"))
        report = run_crawl(store, site_for(s))
    assert report.removed == 1
    upd = update_index(store, loc, progress=False)
    assert (upd.added, upd.deleted) == (1, 1)
    hits = SearchEngine(tmp_path / "index").search(SearchRequest(q="parkeerbeleid")).hits
    assert [h.url for h in hits] == [s.url + "nieuw/"]


def test_revisits_adapt_to_how_often_a_page_changes(store):
    from datetime import datetime, timedelta, timezone
    with LoopbackSite(_two_page_site()) as s:
        run_crawl(store, site_for(s, revisit_days=1))
        s.requests.clear()
        report = run_crawl(store, site_for(s, revisit_days=1))
        # only the start page is always due; the rest waits a day (their links are still followed from the store)
        assert report.not_due == 3 and [p for p in s.paths() if p not in ("/robots.txt", "/sitemap.xml")] == ["/"]
        with store.transaction() as db:   # a day later for /etag/
            db.execute("UPDATE pages SET next_visit='2000-01-01T00:00:00+00:00' WHERE url=?", (s.url + "etag/",))
        s.requests.clear()
        report = run_crawl(store, site_for(s, revisit_days=1))
        assert "/etag/" in s.paths() and report.unchanged == 2   # start page and /etag/, both 304
    due = datetime.fromisoformat(store.page(s.url + "etag/")["next_visit"])
    now = datetime.now(timezone.utc)
    # unchanged once more: the wait doubled (2 days) instead of the 1 day after a change
    assert timedelta(days=1.9) < due - now < timedelta(days=2.1)


# ------------------------------------------------------------------ documents and encodings

def test_pdfs_are_read_per_page_and_broken_ones_are_recorded_not_fatal(store, tmp_path):
    pdf = make_pdf(["Armoedebeleid 2024\nschuldhulpverlening voor inwoners", "Bijlage: minimaregelingen"],
                   title="Nota armoedebeleid")
    routes = {"/robots.txt": ALLOW_ALL,
              "/": Response(page("Home", "<a href='/nota.pdf'>nota</a> <a href='/kapot.pdf'>kapot</a>"
                                         "<a href='/leeg/'>x</a>")),
              "/nota.pdf": Response(pdf, headers={"Content-Type": "application/pdf"}),
              "/kapot.pdf": Response(b"%PDF-1.4\n1 0 obj << >>\ntrailer", headers={"Content-Type": "application/pdf"}),
              "/leeg/": Response(page("Leeg", "<p>ok</p>"))}
    with LoopbackSite(routes) as s:
        report = run_crawl(store, site_for(s))
    assert report.skipped == {"unreadable": 1} and report.documents == 3
    assert "PDF" in store.page(s.url + "kapot.pdf")["error"]
    (doc,) = [d for d in store.documents() if d.url.endswith("nota.pdf")]
    assert doc.title == "Nota armoedebeleid" and doc.doctype == "pdf" and doc.date == "2024-03-15"
    assert [(p.anchor, p.text.split("\n")[0]) for p in doc.passages] == [
        ("page=1", "Armoedebeleid 2024"), ("page=2", "Bijlage: minimaregelingen")]


def test_windows_1252_and_malformed_html_are_read(store):
    cp1252 = "<html><body><main><h1>Coördinatie</h1><p>Financiën – één café</p></main></body></html>".encode("cp1252")
    routes = {"/robots.txt": ALLOW_ALL,
              "/": Response(page("Home", "<a href='/oud/'>oud</a><a href='/stuk/'>stuk</a>")),
              "/oud/": Response(cp1252, headers={"Content-Type": "text/html"}),
              "/stuk/": Response(b"<html><body><main><h1>Stuk<p>Niet gesloten <b>tags <div>en meer</main>",
                                 headers={"Content-Type": "text/html; charset=utf-8"})}
    with LoopbackSite(routes) as s:
        run_crawl(store, site_for(s))
    docs = {d.url: d for d in store.documents()}
    assert "Financiën – één café" in docs[s.url + "oud/"].text
    assert "Niet gesloten" in docs[s.url + "stuk/"].text


# ------------------------------------------------------------------ faults

def test_redirect_chains_are_followed_and_loops_caught(store):
    routes = {"/robots.txt": ALLOW_ALL,
              "/": Response(page("Home", "<a href='/r1/'>1</a> <a href='/lus1/'>lus</a>")),
              "/r1/": Response("", 301, {"Location": "/r2/"}), "/r2/": Response("", 302, {"Location": "/doel/"}),
              "/doel/": Response(page("Doel", "<p>Eindelijk.</p>")),
              "/lus1/": Response("", 302, {"Location": "/lus2/"}), "/lus2/": Response("", 302, {"Location": "/lus1/"})}
    with LoopbackSite(routes) as s:
        report = run_crawl(store, site_for(s))
    assert store.page(s.url + "r1/")["final_url"] == s.url + "doel/"
    assert store.page(s.url + "doel/")["indexable"] == 1
    assert report.errors == {"redirect-loop": 1}


def test_429_with_retry_after_is_retried_and_500_keeps_the_document(store):
    state = {"n": 0, "fail": False}
    waits = []

    def busy(handler):
        state["n"] += 1
        if state["n"] == 1:
            return Response("te druk", 429, {"Retry-After": "2", "Content-Type": "text/plain"})
        return Response(page("Druk", "<p>Nu wel.</p>"))

    def flaky(handler):
        return Response("stuk", 500, TEXT) if state["fail"] else Response(page("Wankel", "<p>Soms stuk.</p>"))
    routes = {"/robots.txt": ALLOW_ALL, "/": Response(page("Home", "<a href='/druk/'>d</a><a href='/wankel/'>w</a>")),
              "/druk/": busy, "/wankel/": flaky}
    with LoopbackSite(routes) as s:
        report = run_crawl(store, site_for(s), sleep=waits.append)
        assert waits == [2.0] and report.documents == 3
        state["fail"] = True
        report = run_crawl(store, site_for(s), sleep=waits.append)
    assert report.errors == {"http-500": 1}
    assert store.page(s.url + "wankel/")["indexable"] == 1   # a server error does not remove a document


def test_slow_and_oversize_answers_are_cut_off(store):
    def slow(handler):
        time.sleep(3)
        return Response(page("Traag", "<p>te laat</p>"))
    routes = {"/robots.txt": ALLOW_ALL, "/": Response(page("Home", "<a href='/traag/'>t</a><a href='/groot/'>g</a>")),
              "/traag/": slow, "/groot/": Response(page("Groot", "<p>" + "x" * 300_000 + "</p>"))}
    with LoopbackSite(routes) as s:
        started = time.monotonic()
        report = run_crawl(store, site_for(s, timeout=1, max_bytes=100_000))
    assert time.monotonic() - started < 12
    assert report.errors.get("timeout") == 1 and report.skipped.get("too-large") == 1
    assert store.page(s.url + "groot/")["indexable"] == 0


# ------------------------------------------------------------------ the nightly command

def _sites_file(tmp_path, *sites) -> Path:
    lines = []
    for name, url in sites:
        lines.append(f'[[site]]\nname = "{name}"\ngroup = "g40"\nstart = ["{url}"]\nallow = ["{url}"]\n'
                     f'rate = 0\nrevisit_days = 0\norganisation = "Gemeente {name}"\n')
    path = tmp_path / "sites.toml"
    path.write_text("\n".join(lines))
    return path


def nightly(tmp_path, sites_file, *extra, timeout=120):
    cmd = [sys.executable, str(REPO / "run.py"), "--data", str(tmp_path / "data"), "--sites-file", str(sites_file),
           "--quiet", "--log-format", "json", "nightly", "--group", "g40", *extra]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)


def test_nightly_reports_per_site_and_fails_when_a_site_fails_entirely(tmp_path):
    with LoopbackSite(_two_page_site()) as s:
        sites = _sites_file(tmp_path, ("goed", s.url), ("dood", "http://127.0.0.1:9/"))
        res = nightly(tmp_path, sites)
        assert res.returncode == 1, res.stderr
        report = json.loads((tmp_path / "data" / "reports" / "latest.json").read_text())
        assert report["failed_sites"] == ["dood"]
        goed = report["sites"]["goed"]
        assert goed["new"] == 4 and goed["fetched"] >= 4 and goed["bytes"] > 0
        assert report["index"]["mode"] == "full" and report["index"]["documents"] == 4
        assert "goed" in res.stdout and "MISLUKT" in res.stdout
        events = [json.loads(line) for line in res.stderr.splitlines() if line.startswith("{")]
        assert any(e["message"] == "nightly done" and e["exit_code"] == 1 for e in events)

        sites = _sites_file(tmp_path, ("goed", s.url))
        res = nightly(tmp_path, sites)
        assert res.returncode == 0
        report = json.loads((tmp_path / "data" / "reports" / "latest.json").read_text())
        assert report["sites"]["goed"]["unchanged"] == 4 and report["index"]["mode"] == "none"
        assert "niets opnieuw geïndexeerd" in res.stdout


def test_a_second_nightly_while_one_runs_exits_with_a_clear_message(tmp_path):
    release = threading.Event()

    def slow(handler):
        release.wait(20)
        return Response(page("Traag", "<p>traag</p>"))
    with LoopbackSite({"/robots.txt": ALLOW_ALL, "/": slow}) as s:
        sites = _sites_file(tmp_path, ("traag", s.url))
        first = subprocess.Popen([sys.executable, str(REPO / "run.py"), "--data", str(tmp_path / "data"),
                                  "--sites-file", str(sites), "--quiet", "nightly", "--group", "g40"],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            deadline = time.monotonic() + 20
            while not any(p == "/" for p in s.paths()) and time.monotonic() < deadline:
                time.sleep(0.1)
            second = nightly(tmp_path, sites)
            assert second.returncode == 3
            assert "draait al" in second.stderr and str(first.pid) in second.stderr
        finally:
            release.set()
            first.wait(30)
    assert first.returncode == 0


def test_kill_9_mid_crawl_leaves_a_consistent_store_and_the_next_run_resumes(tmp_path):
    n_pages = 60

    def numbered(handler):
        n = int(handler.path.strip("/") or 0)
        links = "".join(f"<a href='/{m}/'>{m}</a>" for m in range(n + 1, min(n + 4, n_pages)))
        return Response(page(f"Pagina {n}", f"<p>Beleidstekst nummer {n}.</p>{links}"))
    routes = {"/robots.txt": ALLOW_ALL, **{f"/{n}/" if n else "/": numbered for n in range(n_pages)}}
    with LoopbackSite(routes) as s:
        sites = tmp_path / "sites.toml"
        sites.write_text(f'[[site]]\nname = "veel"\ngroup = "g40"\nstart = ["{s.url}"]\nallow = ["{s.url}"]\n'
                         f'rate = 20\nrevisit_days = 0\nmax_depth = 100\n')
        proc = subprocess.Popen([sys.executable, str(REPO / "run.py"), "--data", str(tmp_path / "data"),
                                 "--sites-file", str(sites), "--quiet", "nightly", "--group", "g40"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        while len([p for p in s.paths() if p != "/robots.txt"]) < 20 and time.monotonic() < deadline:
            time.sleep(0.05)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        fetched_before = {p for p in s.paths() if p not in ("/robots.txt", "/sitemap.xml")}
        assert 10 <= len(fetched_before) < n_pages

        store = CrawlStore(tmp_path / "data" / "crawl.sqlite3")
        assert store.integrity_ok()
        stored = {u[len(s.url) - 1:] for u in store.document_hashes()}     # as paths: '/', '/1/', ...
        assert stored <= fetched_before and len(fetched_before - stored) <= 2   # at most the requests in flight
        assert not (tmp_path / "data" / "index" / "current").exists()   # nothing half-built was published
        s.requests.clear()
        res = nightly(tmp_path, sites)
        assert res.returncode == 0, res.stderr
        refetched = {p for p in s.paths() if p not in ("/robots.txt", "/sitemap.xml")}
        assert not refetched & stored            # what was stored before the kill is not fetched again
        assert refetched | stored == {f"/{n}/" if n else "/" for n in range(n_pages)}
        assert "hervat" in res.stdout and "vorige run" in res.stdout
    report = json.loads((tmp_path / "data" / "reports" / "latest.json").read_text())
    assert report["sites"]["veel"]["resumed"] is True
    assert CrawlStore(tmp_path / "data" / "crawl.sqlite3").count_documents() == n_pages
    assert report["index"]["documents"] == n_pages


def _docx(paragraphs: list[tuple[str, str]]) -> bytes:
    import io
    import docx
    d = docx.Document()
    d.core_properties.title = "Woonvisie"
    for style, text in paragraphs:
        d.add_heading(text, level=1) if style == "h" else d.add_paragraph(text)
    out = io.BytesIO()
    d.save(out)
    return out.getvalue()


def _odt(paragraphs: list[tuple[str, str]]) -> bytes:
    import io
    from odf.opendocument import OpenDocumentText
    from odf.text import H, P
    d = OpenDocumentText()
    for style, text in paragraphs:
        d.text.addElement(H(outlinelevel=1, text=text) if style == "h" else P(text=text))
    out = io.BytesIO()
    d.save(out)
    return out.getvalue()


def test_office_documents_and_x_robots_tag(store):
    parts = [("h", "Inleiding"), ("p", "Wij bouwen woningen voor starters."), ("h", "Uitvoering"),
             ("p", "De corporaties doen mee.")]
    docx_type = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    routes = {"/robots.txt": ALLOW_ALL,
              "/": Response(page("Home", "<a href='/visie.docx'>d</a><a href='/visie.odt'>o</a><a href='/priv/'>p</a>")),
              "/visie.docx": Response(_docx(parts), headers={"Content-Type": docx_type}),
              "/visie.odt": Response(_odt(parts), headers={"Content-Type": "application/vnd.oasis.opendocument.text"}),
              "/priv/": Response(page("Privé", "<p>niet indexeren</p>"),
                                 headers={"Content-Type": "text/html", "X-Robots-Tag": "noindex"})}
    with LoopbackSite(routes) as s:
        report = run_crawl(store, site_for(s))
    docs = {d.url.rsplit("/", 1)[-1] or d.url.rstrip("/").rsplit("/", 1)[-1]: d for d in store.documents()}
    for name in ("visie.docx", "visie.odt"):
        doc = docs[name]
        assert "woningen voor starters" in doc.text
        assert [p.heading for p in doc.passages] == ["Inleiding", "Uitvoering"]
    assert docs["visie.docx"].title == "Woonvisie"
    assert report.skipped == {"noindex": 1}


# ------------------------------------------------------------------ planning: what is due in a run

def test_robots_txt_and_the_sitemap_wait_for_the_hosts_interval_too(store):
    stamps: list[tuple[str, float]] = []

    def timed(response):
        def route(handler):
            stamps.append((handler.path, time.monotonic()))
            return response
        return route
    with LoopbackSite() as s:
        s.routes.update({"/robots.txt": timed(ALLOW_ALL), "/": timed(Response(page("Home", "<p>home</p>"))),
                         "/sitemap.xml": timed(_sitemap(s.url, {"/": "2026-01-01"}))})
        run_crawl(store, site_for(s, rate=2))
    assert [p for p, _ in stamps] == ["/robots.txt", "/sitemap.xml", "/"]
    gaps = [b - a for (_, a), (_, b) in zip(stamps, stamps[1:])]
    assert min(gaps) >= 0.4, gaps    # 2 requests/s: 0.5 s apart (less the jitter of threads on a busy machine)


def test_crawl_delay_applies_to_the_sitemap_request(store):
    stamps = []

    def timed(response):
        def route(handler):
            stamps.append(time.monotonic())
            return response
        return route
    with LoopbackSite() as s:
        s.routes.update({"/robots.txt": timed(Response("User-agent: *\nCrawl-delay: 1\n", headers=TEXT)),
                         "/": timed(Response(page("Home", "<p>home</p>"))),
                         "/sitemap.xml": timed(_sitemap(s.url, {"/": "2026-01-01"}))})
        run_crawl(store, site_for(s, rate=0))
    assert len(stamps) == 3 and stamps[1] - stamps[0] >= 0.9 and stamps[2] - stamps[1] >= 0.9


def sites_at_once(store, n: int, **crawl_args) -> int:
    """Crawl n one-page sites whose start page takes 0.6 s; -> how many were being crawled at the same moment."""
    in_flight, most = [0], [0]
    lock = threading.Lock()

    def home(handler):
        with lock:
            in_flight[0] += 1
            most[0] = max(most[0], in_flight[0])
        time.sleep(0.6)
        with lock:
            in_flight[0] -= 1
        return Response(page("Home", "<p>home</p>"))
    servers = [LoopbackSite({"/robots.txt": ALLOW_ALL, "/": home}) for _ in range(n)]
    try:
        crawl([site_for(s, f"s{i}") for i, s in enumerate(servers)], store, progress=False, **crawl_args)
    finally:
        for s in servers:
            s.close()
    return most[0]


def test_more_sites_than_32_are_crawled_all_at_once(store):
    assert sites_at_once(store, 36) == 36   # no fixed pool of 32


def test_the_parallel_setting_bounds_the_sites_crawled_at_once(store):
    assert sites_at_once(store, 6, parallel=2) == 2


def test_listing_pages_are_revalidated_every_night_so_new_pages_are_found_without_a_sitemap(store):
    items = list(range(30))

    def listing(handler):
        return Response(page("Nieuws", "<ul>" + "".join(f"<li><a href='/nieuws/{n}/'>Bericht {n}</a></li>"
                                                        for n in items) + "</ul>"))
    routes = {"/robots.txt": ALLOW_ALL, "/": Response(page("Home", "<a href='/nieuws/'>Nieuws</a>")),
              "/nieuws/": listing}
    routes.update({f"/nieuws/{n}/": Response(page(f"Bericht {n}", f"<p>Bericht {n}.</p>")) for n in range(31)})
    with LoopbackSite(routes) as s:
        run_crawl(store, site_for(s, revisit_days=1))
        items.append(30)
        s.requests.clear()
        report = run_crawl(store, site_for(s, revisit_days=1))
    assert "/nieuws/30/" in s.paths() and report.new == 1
    assert "/nieuws/1/" not in s.paths()   # an article is not due yet: its revisit date decides


def test_every_known_page_is_revalidated_within_revalidate_days(store):
    from datetime import datetime, timedelta, timezone
    with LoopbackSite(_two_page_site()) as s:
        run_crawl(store, site_for(s, revisit_days=4, revalidate_days=5))
        with store.transaction() as db:   # unchanged for months, and due now
            db.execute("UPDATE pages SET unchanged_streak=9, next_visit='2000-01-01T00:00:00+00:00'")
        run_crawl(store, site_for(s, revisit_days=4, revalidate_days=5))
    due = datetime.fromisoformat(store.page(s.url + "etag/")["next_visit"])
    # without the cycle the wait would be 4 x 32 = 128 days
    assert due - datetime.now(timezone.utc) < timedelta(days=5.1)


def test_a_page_the_sitemap_stops_listing_is_revalidated_at_once(store):
    with LoopbackSite(_two_page_site()) as s:
        s.routes["/sitemap.xml"] = _sitemap(s.url, {"/etag/": "2026-01-01", "/lm/": "2026-01-01"})
        run_crawl(store, site_for(s, revisit_days=1))
        s.routes["/sitemap.xml"] = _sitemap(s.url, {"/etag/": "2026-01-01"})
        s.requests.clear()
        run_crawl(store, site_for(s, revisit_days=1))
        assert "/lm/" in s.paths() and "/etag/" not in s.paths()
        s.requests.clear()
        run_crawl(store, site_for(s, revisit_days=1))   # known as unlisted now: no longer due at once
        assert "/lm/" not in s.paths()


# ------------------------------------------------------------------ bounded: deadlines and budgets

def test_a_slow_drip_answer_ends_at_the_request_deadline(store):
    stop = threading.Event()
    routes = {"/robots.txt": ALLOW_ALL, "/": Response(page("Home", "<a href='/drup/'>d</a><p>home</p>"))}
    with LoopbackSite(routes) as s:
        s.routes["/drup/"] = dripping(stop)
        try:
            started = time.monotonic()
            report = run_crawl(store, site_for(s, timeout=5, request_deadline=2, min_transfer_rate=0))
            took = time.monotonic() - started
        finally:
            stop.set()
    assert report.errors == {"deadline": 1} and report.documents == 1
    assert took < 10   # the read timeout (5 s) alone would never fire: a byte arrives every 0.2 s
    assert "within 2 s" in store.page(s.url + "drup/")["error"]


def test_an_answer_slower_than_the_minimum_rate_is_given_up(store):
    stop = threading.Event()
    with LoopbackSite({"/robots.txt": ALLOW_ALL, "/": Response(page("Home", "<a href='/drup/'>d</a>"))}) as s:
        s.routes["/drup/"] = dripping(stop, every=0.1)   # about 10 bytes/s
        try:
            report = run_crawl(store, site_for(s, timeout=1, request_deadline=60, min_transfer_rate=100))
        finally:
            stop.set()
    assert report.errors == {"too-slow": 1}
    assert "slower than 100 bytes/s" in store.page(s.url + "drup/")["error"]


def test_a_sites_time_budget_ends_its_crawl_and_the_nightly_report_says_what_was_cut(tmp_path):
    def slow(handler):
        time.sleep(0.5)
        n = int(handler.path.strip("/") or 0)
        return Response(page(f"Pagina {n}", f"<p>Pagina {n}.</p>" + "".join(
            f"<a href='/{m}/'>{m}</a>" for m in range(n + 1, n + 4))))
    routes = {"/robots.txt": ALLOW_ALL, **{f"/{n}/" if n else "/": slow for n in range(40)}}
    with LoopbackSite(routes) as s:
        sites = tmp_path / "sites.toml"
        sites.write_text(f'[run]\nbudget_minutes = 10\n\n[[site]]\nname = "traag"\ngroup = "g40"\nstart = ["{s.url}"]\n'
                         f'allow = ["{s.url}"]\nrate = 0\nrevisit_days = 0\nbudget_minutes = 0.05\n')
        started = time.monotonic()
        res = nightly(tmp_path, sites)
        took = time.monotonic() - started
    assert res.returncode == 0, res.stderr
    report = json.loads((tmp_path / "data" / "reports" / "latest.json").read_text())
    traag = report["sites"]["traag"]
    assert "time budget" in report["cut_sites"]["traag"] and traag["not_visited"] > 0
    assert 3 <= traag["fetched"] < 15 and took < 60
    assert report["index"]["documents"] == traag["new"]     # the index step ran after the cut
    assert "INGEKORT" in res.stdout


def test_the_runs_time_budget_cuts_every_site(store):
    def slow(handler):
        time.sleep(0.4)
        n = int(handler.path.strip("/") or 0)
        return Response(page(f"P{n}", f"<p>P{n}</p><a href='/{n + 1}/'>volgende</a>"))
    routes = {"/robots.txt": ALLOW_ALL, **{f"/{n}/" if n else "/": slow for n in range(50)}}
    with LoopbackSite(routes) as a, LoopbackSite(routes) as b:
        reports = crawl([site_for(a, "a"), site_for(b, "b")], store, progress=False, budget_s=2)
    for r in reports:
        assert r.cut.startswith("time budget reached") and r.fetched < 10 and not r.failed


# ------------------------------------------------------------------ logs

def test_logs_to_a_pipe_have_no_progress_bars_and_json_logs_are_one_object_per_line(tmp_path):
    with LoopbackSite(_two_page_site()) as s:
        sites = _sites_file(tmp_path, ("goed", s.url))
        cmd = [sys.executable, str(REPO / "run.py"), "--data", str(tmp_path / "data"), "--sites-file", str(sites),
               "--log-format", "json", "nightly", "--group", "g40"]   # no --quiet: the README's cron line
        res = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
        assert res.returncode == 0, res.stderr
        lines = [line for line in res.stderr.splitlines() if line.strip()]
        assert lines and all(json.loads(line)["message"] for line in lines)
        text = subprocess.run([arg for arg in cmd if arg not in ("--log-format", "json")], capture_output=True,
                              text=True, timeout=120)   # text logs to a file or pipe (cron): no bars either
    assert text.returncode == 0 and "\r" not in text.stderr and "it/s" not in text.stderr, text.stderr


def test_a_page_with_a_big_menu_is_not_a_hub(store):
    menu = "<nav>" + "".join(f"<a href='/menu/{n}/'>Menu {n}</a>" for n in range(40)) + "</nav>"
    article = f"<html><body>{menu}<main><h1>Artikel</h1><p>Gewoon een artikel.</p></main></body></html>"
    routes = {"/robots.txt": ALLOW_ALL, "/": Response(page("Home", "<a href='/artikel/'>a</a>")),
              "/artikel/": Response(article)}
    routes.update({f"/menu/{n}/": Response(page(f"Menu {n}", "<p>m</p>")) for n in range(40)})
    with LoopbackSite(routes) as s:
        run_crawl(store, site_for(s, revisit_days=1))
        s.requests.clear()
        run_crawl(store, site_for(s, revisit_days=1))
    assert "/artikel/" not in s.paths()   # 40 links, all in the menu: not due before its revisit date
