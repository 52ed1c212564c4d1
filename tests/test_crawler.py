"""The crawler against real HTTP servers on 127.0.0.1: robots, links, errors, redirects, the store."""
import socket
import subprocess
import sys
import time
import zlib

import pytest

from crawler.config import ConfigError, Site, load_run_settings, load_sites, select
from crawler.crawl import crawl
from store.crawl_store import CrawlStore
from loopback import LoopbackSite, Response, page


def make_site(base: str, **kw) -> Site:
    return Site(name=kw.pop("name", "test"), title="Test", start=(base,), allow=(base,), rate=0,
                organisation=kw.pop("organisation", "Gemeente Test"), city="Test", **kw)


def crawl_one(site: Site, store: CrawlStore):
    (report,) = crawl([site], store, progress=False, sleep=lambda s: None)
    return report


@pytest.fixture()
def store(store_url):
    """The crawl store, once per backend (SQLite and a real PostgreSQL)."""
    store = CrawlStore(store_url)
    yield store
    store.close()


@pytest.fixture()
def site():
    routes = {
        "/robots.txt": Response("User-agent: *\nDisallow: /intern/\n", headers={"Content-Type": "text/plain"}),
        "/": Response(page("Home", "<a href='/beleid/'>Beleid</a> <a href='/intern/geheim/'>Intern</a> "
                                   "<a href='/weg/'>Weg</a> <a href='/oud/'>Oud</a> <a href='mailto:x@y.nl'>mail</a> "
                                   "<a href='http://elders.example/'>elders</a> <a href='/beleid/#top'>Beleid</a>")),
        "/beleid/": Response(page("Beleid wonen", "<p>Woningen en huurders.</p><a href='/'>Home</a> "
                                                  "<a href='/beleid/nota.pdf'>Nota</a> <a href='/verborgen/'>v</a> "
                                                  "<a href='/data/export'>Export</a>")),
        "/intern/geheim/": Response(page("Geheim", "<p>Mag niet gecrawld worden.</p>")),
        "/oud/": Response("", 301, {"Location": "/nieuw/"}),
        "/nieuw/": Response(page("Nieuw", "<p>Hierheen verhuisd.</p>")),
        "/beleid/nota.pdf": Response(b"%PDF-1.4 kapot", headers={"Content-Type": "application/pdf"}),
        "/data/export": Response(b"PK\x03\x04...", headers={"Content-Type": "application/zip"}),
        "/verborgen/": Response(page("Verborgen", "<p>Niet in de index.</p>",
                                     head="<meta name='robots' content='noindex'>")),
    }
    with LoopbackSite(routes) as s:
        yield s


def test_crawl_follows_links_obeys_robots_and_stores_every_fetch(site, store):
    report = crawl_one(make_site(site.url), store)
    fetched = site.paths()
    assert "/intern/geheim/" not in fetched                     # robots.txt Disallow
    assert report.robots_blocked == 1
    assert fetched.count("/beleid/") == 1                       # fragment dropped: fetched once
    assert not any(p.startswith("http") for p in fetched)       # out of scope never requested
    assert report.errors == {"http-404": 1}                     # /weg/
    assert store.page(site.url + "weg/")["status"] == 404
    docs = {d.url: d for d in store.documents()}
    assert set(docs) == {site.url, site.url + "beleid/", site.url + "nieuw/"}
    assert docs[site.url + "beleid/"].title == "Beleid wonen"
    assert docs[site.url + "beleid/"].organisation == "Gemeente Test"


def test_a_redirect_is_stored_as_such_and_the_target_as_the_document(site, store):
    crawl_one(make_site(site.url), store)
    old = store.page(site.url + "oud/")
    assert old["final_url"] == site.url + "nieuw/" and old["indexable"] == 0 and old["skip_reason"] == "redirect"
    assert store.page(site.url + "nieuw/")["indexable"] == 1


def test_unwanted_types_broken_documents_and_noindex_pages_are_recorded_but_not_indexed(site, store):
    report = crawl_one(make_site(site.url), store)
    assert store.page(site.url + "data/export")["skip_reason"] == "type"
    broken = store.page(site.url + "beleid/nota.pdf")
    assert broken["skip_reason"] == "unreadable" and "PDF" in broken["error"]
    assert store.page(site.url + "verborgen/")["skip_reason"] == "noindex"
    assert report.skipped == {"type": 1, "noindex": 1, "unreadable": 1}


def test_the_store_keeps_raw_body_compressed_with_validators_and_hash(site, store):
    crawl_one(make_site(site.url), store)
    row = store.page(site.url + "beleid/")
    body = store.raw_body(row["content_hash"])
    assert b"Woningen en huurders." in body
    with store.transaction() as db:
        raw = db.execute("SELECT raw FROM contents WHERE content_hash=?", (row["content_hash"],)).fetchone()[0]
    assert zlib.decompress(raw) == body and len(raw) < len(body)
    assert row["content_type"] == "text/html" and row["fetched_at"]


def test_honest_user_agent_is_sent(site, store):
    crawl_one(make_site(site.url, user_agent="Beleidszoeker/0.1 (test)"), store)
    assert all(h.get("User-Agent") == "Beleidszoeker/0.1 (test)" for _, _, h in site.requests)


def test_sitemap_urls_are_crawled_even_without_links(store):
    routes = {
        "/robots.txt": Response("User-agent: *\nAllow: /\n", headers={"Content-Type": "text/plain"}),
        "/": Response(page("Home", "<p>Geen links.</p>")),
        "/sitemap.xml": Response('<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
                                 "<url><loc>{base}los/</loc></url></urlset>", headers={"Content-Type": "text/xml"}),
        "/los/": Response(page("Losse pagina", "<p>Alleen via de sitemap.</p>")),
    }
    with LoopbackSite(routes) as s:
        s.routes["/sitemap.xml"].body = s.routes["/sitemap.xml"].body.replace("{base}", s.url)
        crawl_one(make_site(s.url), store)
        assert "/los/" in s.paths()


def test_robots_5xx_means_the_host_is_off_limits_and_4xx_means_allowed(store):
    with LoopbackSite({"/robots.txt": Response("kapot", 503), "/": Response(page("Home", "<p>x</p>"))}) as s:
        report = crawl_one(make_site(s.url), store)
        assert set(s.paths()) == {"/robots.txt"} and report.failed  # retried, then the host is off-limits
    with LoopbackSite({"/": Response(page("Home", "<p>x</p>"))}) as s:  # robots.txt 404
        report = crawl_one(make_site(s.url, name="b"), store)
        assert "/" in s.paths() and report.documents == 1 and not report.failed


def test_robots_429_is_a_struggling_server_so_the_host_is_off_limits_like_5xx(store):
    with LoopbackSite({"/robots.txt": Response("te druk", 429), "/": Response(page("Home", "<p>x</p>"))}) as s:
        report = crawl_one(make_site(s.url), store)
        assert set(s.paths()) == {"/robots.txt"} and report.failed


def test_robots_groups_apply_by_product_token(store):
    robots = ("User-agent: *\nDisallow: /\n\n"
              "User-agent: Beleidszoeker crawler van de G40\n"     # names our token, then words: still our group
              "Disallow: /intern/\n")
    routes = {"/robots.txt": Response(robots, headers={"Content-Type": "text/plain"}),
              "/": Response(page("Home", "<a href='/beleid/'>b</a> <a href='/intern/'>i</a>")),
              "/beleid/": Response(page("Beleid", "<p>Mag.</p>")), "/intern/": Response(page("I", "<p>Niet.</p>"))}
    with LoopbackSite(routes) as s:
        report = crawl_one(make_site(s.url), store)
        assert "/" in s.paths() and "/beleid/" in s.paths() and "/intern/" not in s.paths()
        assert report.robots_blocked == 1 and not report.failed


def test_unreachable_site_fails_alone_while_others_run(store, site):
    dead = make_site("http://127.0.0.1:9/", name="dood")  # discard port: connection refused
    reports = {r.site: r for r in crawl([dead, make_site(site.url)], store, progress=False)}
    assert reports["dood"].failed
    assert reports["test"].documents == 3 and not reports["test"].failed


def test_max_pages_limits_a_run(site, store):
    report = crawl_one(make_site(site.url, max_pages=2), store)
    assert report.fetched == 2


def test_several_crawl_loops_share_the_sites_frontier_and_its_page_limit(store):
    n_pages = 40

    def numbered(handler):
        n = int(handler.path.strip("/") or 0)
        links = "".join(f"<a href='/{m}/'>{m}</a>" for m in range(n * 2 + 1, min(n * 2 + 3, n_pages)))
        return Response(page(f"Pagina {n}", f"<p>Tekst {n}.</p>{links}"))
    routes = {"/robots.txt": Response("User-agent: *\nAllow: /\n", headers={"Content-Type": "text/plain"}),
              **{f"/{n}/" if n else "/": numbered for n in range(n_pages)}}
    with LoopbackSite(routes) as s:
        report = crawl_one(make_site(s.url, workers=4), store)
        pages = [p for _, p, _ in s.requests if p != "/robots.txt" and p != "/sitemap.xml"]
        assert report.fetched == len(pages) == n_pages == len(set(pages))   # all, each once, one report
        assert report.new == n_pages and not report.failed
    with LoopbackSite(routes) as s:
        limited = crawl_one(make_site(s.url, workers=4, max_pages=7), CrawlStore(store.db))
        assert limited.fetched == 7


def test_the_configured_sites_load_and_the_g40_list_is_complete():
    sites = load_sites()
    g40 = select(sites, group="g40")
    assert len(g40) == 42  # 41 member cities + g40stedennetwerk.nl
    assert {s.city for s in g40} >= {"Eindhoven", "'s-Hertogenbosch", "Alphen aan den Rijn", "Amstelveen"}
    assert all(s.group == "mirror" and s.rate == 0 for s in select(sites, group="mirror"))
    with pytest.raises(ConfigError, match="unknown site"):
        select(sites, ["bestaatniet"])


def test_bad_site_config_gets_a_clear_message(tmp_path):
    f = tmp_path / "sites.toml"
    f.write_text('[[site]]\nname = "x"\nstart = ["ftp://x"]\nallow = ["http://x/"]\n')
    with pytest.raises(ConfigError, match="start"):
        load_sites(f)
    f.write_text('[[site]]\nname = "x"\n')
    with pytest.raises(ConfigError, match="'start' is required"):
        load_sites(f)
    f.write_text('[run]\nparallel = -1\n')
    with pytest.raises(ConfigError, match="'parallel' must be a whole number >= 0"):
        load_run_settings(f)
    f.write_text('[run]\nparalel = 4\n')
    with pytest.raises(ConfigError, match="unknown setting"):
        load_run_settings(f)
    f.write_text('[[site]]\nname = "x"\nstart = ["http://x/"]\nallow = ["http://x/"]\nrequest_deadline = -5\n')
    with pytest.raises(ConfigError, match="'request_deadline' must be a number >= 0"):
        load_sites(f)


def test_the_shipped_run_settings_bound_the_night_by_configuration():
    settings = load_run_settings()
    assert settings.parallel == 0 and settings.budget_minutes > 0   # all sites at once, within a time budget


# ------------------------------------------------------------------ the shared frontier (both store backends)

def test_a_claimed_url_is_leased_to_one_worker_until_done_or_expired(store):
    run = store.start_run(["s"])
    store.frontier_add(run, "s", [("http://s.nl/a", 1, 1), ("http://s.nl/b", 1, 2), ("http://s.nl/a", 1, 1)])
    assert store.frontier_pending(run, "s") == 2
    first = store.frontier_claim(run, "s", lease_s=0.3)
    second = store.frontier_claim(run, "s", lease_s=0.3)
    assert first[:2] == ("http://s.nl/a", 1) and second[:2] == ("http://s.nl/b", 1)   # priority order, each once
    assert store.frontier_claim(run, "s") is None                            # both held
    store.frontier_done(run, "http://s.nl/a")
    time.sleep(0.5)                                                            # b's holder vanished
    assert store.frontier_claim(run, "s")[:2] == ("http://s.nl/b", 1)         # its lease expired: b again
    store.frontier_done(run, "http://s.nl/b")
    assert store.frontier_claim(run, "s") is None and store.frontier_pending(run, "s") == 0


def test_a_dead_local_workers_leases_are_given_back_at_once(store):
    run = store.start_run(["s"])
    store.frontier_add(run, "s", [("http://s.nl/a", 1, 1)])
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    with store.transaction() as db:   # as if that (now finished) process had claimed it for two minutes
        db.execute("UPDATE frontier SET leased_by = ?, lease_until = ? WHERE url = 'http://s.nl/a'",
                   (f"{socket.gethostname()}:{dead.stdout.strip()}", time.time() + 120))
    assert store.frontier_claim(run, "s") is None
    assert store.frontier_release_abandoned() == 1
    assert store.frontier_claim(run, "s")[:2] == ("http://s.nl/a", 1)


def test_host_slots_space_requests_of_all_workers_by_the_interval(store):
    waits = [store.host_slot("s.nl", 0.5) for _ in range(4)]     # four workers asking at once
    assert waits[0] == pytest.approx(0.0, abs=0.05)
    assert [round(b - a, 1) for a, b in zip(waits, waits[1:])] == [0.5, 0.5, 0.5]
    assert store.host_slot("other.nl", 0.5) == pytest.approx(0.0, abs=0.05)   # per host


def test_workers_starting_together_join_one_run(store):
    first, joined_first = store.join_or_start_run(["s"])
    second, joined_second = store.join_or_start_run(["s"])
    assert first == second and (joined_first, joined_second) == (False, True)
    store.finish_run(first, {})
    third, joined = store.join_or_start_run(["s"])
    assert third != first and not joined


def test_text_with_nul_characters_is_stored_on_every_backend(store):
    store.record_content(run_id=None, site="s", url="http://s.nl/nul", status=200, content_type="text/html",
                         body=b"x\x00y", indexable=True,
                         extract={"title": "Ti\x00tel", "text": "tek\x00st", "meta": {}})
    (record,) = store.documents()
    assert (record.title, record.text) == ("Titel", "tekst")


def test_links_with_reserved_and_latin1_escapes_are_fetched_as_written(store):
    """'%E9' (Latin-1 é), '%2F' and '%26' reach the server unchanged: decoding them asks for another page."""
    routes = {"/robots.txt": Response("User-agent: *\nAllow: /\n", headers={"Content-Type": "text/plain"}),
              "/": Response(page("Home", "<a href='/doc%E9.html'>doc</a> <a href='/a%2Fb'>a/b</a> "
                                         "<a href='/zoek?q=a%26b'>zoek</a>")),
              "/doc%E9.html": Response(page("Notitie", "<p>Latijn-1 in de naam.</p>")),
              "/a%2Fb": Response(page("Een segment", "<p>Eén segment.</p>")),
              "/zoek?q=a%26b": Response(page("Zoeken", "<p>a en b.</p>"))}
    with LoopbackSite(routes) as s:
        report = crawl_one(make_site(s.url), store)
        assert {"/doc%E9.html", "/a%2Fb", "/zoek?q=a%26b"} <= set(s.paths())
        assert report.errors == {} and report.new == 4


def test_robots_directives_for_other_crawlers_or_other_things_do_not_stop_us(store):
    html = {"Content-Type": "text/html; charset=utf-8"}
    routes = {"/robots.txt": Response("User-agent: *\nAllow: /\n", headers={"Content-Type": "text/plain"}),
              "/": Response(page("Home", "<a href='/plaatjes/'>p</a> <a href='/google/'>g</a> <a href='/wij/'>w</a>")),
              "/plaatjes/": Response(page("Plaatjes", "<p>Geen grote voorbeelden.</p><a href='/verder/'>v</a>",
                                          head="<meta name='robots' content='max-image-preview:none'>")),
              "/verder/": Response(page("Verder", "<p>Gevolgd.</p>")),
              "/google/": Response(page("Google", "<p>Alleen Google niet.</p>"),
                                   headers={**html, "X-Robots-Tag": "googlebot: noindex, nofollow"}),
              "/wij/": Response(page("Wij", "<p>Wij niet.</p>"), headers={**html, "X-Robots-Tag": "beleidszoeker: noindex"})}
    with LoopbackSite(routes) as s:
        crawl_one(make_site(s.url), store)
        assert store.page(s.url + "plaatjes/")["indexable"] == 1 and "/verder/" in s.paths()
        assert store.page(s.url + "google/")["indexable"] == 1
        assert store.page(s.url + "wij/")["skip_reason"] == "noindex"
