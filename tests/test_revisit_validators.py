"""Revisits cost as little as the README says: a 304 brings the validators it sends into the store, and a body
identical to the stored one is not extracted again."""
import crawler.crawl
from loopback import LoopbackSite, Response, page
from test_nightly import ALLOW_ALL, run_crawl, site_for, store  # noqa: F401  (store: the fixture, per backend)


def test_a_304_updates_the_stored_etag_and_last_modified(store):
    state = {"etag": '"v1"', "lm": "Mon, 04 Mar 2024 10:00:00 GMT"}

    def nota(handler):
        if handler.headers.get("If-None-Match"):     # the server moved on to new validators, same content
            state.update(etag='"v2"', lm="Tue, 05 Mar 2024 10:00:00 GMT")
            return Response("", 304, {"ETag": state["etag"], "Last-Modified": state["lm"]})
        return Response(page("Nota", "<p>Tekst.</p>"), headers={"Content-Type": "text/html; charset=utf-8",
                                                                "ETag": state["etag"], "Last-Modified": state["lm"]})
    with LoopbackSite({"/robots.txt": ALLOW_ALL, "/": Response(page("Home", "<a href='/nota/'>n</a>")),
                       "/nota/": nota}) as s:
        run_crawl(store, site_for(s))
        second = run_crawl(store, site_for(s))
        assert second.unchanged >= 1
        row = store.page(s.url + "nota/")
        assert row["etag"] == '"v2"' and row["last_modified"] == "Tue, 05 Mar 2024 10:00:00 GMT"
        s.requests.clear()
        run_crawl(store, site_for(s))
        sent = {path: h for _, path, h in s.requests}
        assert sent["/nota/"]["If-None-Match"] == '"v2"'
        assert sent["/nota/"]["If-Modified-Since"] == "Tue, 05 Mar 2024 10:00:00 GMT"


def test_an_identical_body_is_not_extracted_again(store, monkeypatch):
    """A server without validators sends the whole page every time; when its bytes are the same, the stored
    extraction stands and its links are still followed."""
    routes = {"/robots.txt": ALLOW_ALL, "/": Response(page("Home", "<a href='/nota/'>n</a>")),
              "/nota/": Response(page("Nota", "<p>Tekst.</p><a href='/bijlage/'>b</a>")),
              "/bijlage/": Response(page("Bijlage", "<p>Meer tekst.</p>"))}
    with LoopbackSite(routes) as s:
        first = run_crawl(store, site_for(s))
        assert first.new == 3
        extracted = []
        real = crawler.crawl.extract_html
        monkeypatch.setattr(crawler.crawl, "extract_html", lambda body, url, *a: extracted.append(url) or
                            real(body, url, *a))
        s.routes["/bijlage/"] = Response(page("Bijlage", "<p>Nieuwe tekst.</p>"))
        s.requests.clear()
        second = run_crawl(store, site_for(s))
        assert "/bijlage/" in s.paths()                          # reached through the stored links of /nota/
        assert extracted == [s.url + "bijlage/"]                 # only the page whose bytes changed
        assert second.unchanged == 2 and second.changed == 1
        assert {d.url: d.title for d in store.documents()}[s.url + "nota/"] == "Nota"


def test_an_identical_body_with_a_new_noindex_header_leaves_the_index(store):
    routes = {"/robots.txt": ALLOW_ALL, "/": Response(page("Home", "<a href='/nota/'>n</a>")),
              "/nota/": Response(page("Nota", "<p>Tekst.</p>"))}
    with LoopbackSite(routes) as s:
        run_crawl(store, site_for(s))
        s.routes["/nota/"] = Response(page("Nota", "<p>Tekst.</p>"),
                                      headers={"Content-Type": "text/html; charset=utf-8", "X-Robots-Tag": "noindex"})
        second = run_crawl(store, site_for(s))
        assert store.page(s.url + "nota/")["skip_reason"] == "noindex" and second.removed == 1
