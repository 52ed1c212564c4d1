"""A small simulated G40: several city sites on loopback at once, each with sections (listing pages) of policy
pages, a sitemap with date-only <lastmod>, ETag and Last-Modified on every page, and nights between which pages
change, disappear and appear. Used by tests/test_g40_simulation.py and bench/nightly.py.

Every page carries a made-up code word (letters only, so the Dutch analysis leaves it whole) that changes with
each version, so search can tell the old text from the new.
"""
from __future__ import annotations

import string
from dataclasses import dataclass, field
from email.utils import formatdate

import random
import threading

from loopback import LoopbackSite, Response, dripping, page

SECTION_SIZE = 30   # links per listing page: above the default hub_links, as on real city sites


def code_word(*numbers: int) -> str:
    """'kodeqx…k': a word no dictionary has, unique per number sequence."""
    letters = "".join(string.ascii_lowercase[(n // 26 ** i) % 26] for n in numbers for i in range(3))
    return f"kode{letters}k"


@dataclass
class SimPage:
    number: int
    version: int = 0
    changed_on: str = "2026-11-01"     # date-only lastmod, as many CMSs write it

    def code(self, city: int) -> str:
        return code_word(city, self.number, self.version)


@dataclass
class SimCity:
    """One city site. pages: number -> SimPage; removed: numbers that answer 404 now. A hostile city also links
    from its home page to /traag/ (headers, then a byte every 0.2 s, forever) and /bestand/ (random bytes served
    as text/html)."""
    index: int
    n_pages: int
    hostile: bool = False
    pages: dict[int, SimPage] = field(default_factory=dict)
    removed: dict[int, SimPage] = field(default_factory=dict)
    site: LoopbackSite | None = None
    stop: threading.Event = field(default_factory=threading.Event)

    def __post_init__(self):
        self.pages = {n: SimPage(n) for n in range(self.n_pages)}
        self.site = LoopbackSite()
        self.publish()

    @property
    def url(self) -> str:
        return self.site.url

    def sections(self) -> dict[int, list[int]]:
        out: dict[int, list[int]] = {}
        for n in sorted(self.pages):
            out.setdefault(n // SECTION_SIZE, []).append(n)
        return out

    def publish(self) -> None:
        """Serve the current state: home, sections, pages (conditional GETs answered), sitemap, 404 for removed."""
        routes = {"/robots.txt": Response("User-agent: *\nAllow: /\n", headers={"Content-Type": "text/plain"})}
        sections = self.sections()
        hostile = "<p><a href='/traag/'>Traag</a> <a href='/bestand/'>Bestand</a></p>" if self.hostile else ""
        routes["/"] = Response(page(f"Gemeente {self.index}", hostile + "".join(
            f"<p><a href='/sectie/{s}/'>Sectie {s}</a></p>" for s in sections)))
        if self.hostile:
            routes["/traag/"] = dripping(self.stop)
            routes["/bestand/"] = Response(random.Random(self.index).randbytes(64 * 1024),
                                           headers={"Content-Type": "text/html"})
        lastmods = {}
        for s, numbers in sections.items():
            html = page(f"Sectie {s}", "<ul>" + "".join(f"<li><a href='/beleid/{n}/'>Nota {n}</a></li>"
                                                        for n in numbers) + "</ul>")
            routes[f"/sectie/{s}/"] = Response(html)
            lastmods[f"/sectie/{s}/"] = max(self.pages[n].changed_on for n in numbers)
        for n, p in self.pages.items():
            routes[f"/beleid/{n}/"] = _validated(
                page(f"Nota {n}", f"<p>Beleidsnota {n} van gemeente {self.index}: {p.code(self.index)}.</p>"),
                etag=f'"{n}-{p.version}"', last_modified=formatdate(1_700_000_000 + p.version * 86400, usegmt=True))
            lastmods[f"/beleid/{n}/"] = p.changed_on
        urls = "".join(f"<url><loc>{self.url}{path.lstrip('/')}</loc><lastmod>{lm}</lastmod></url>"
                       for path, lm in lastmods.items())
        routes["/sitemap.xml"] = Response('<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/'
                                          f'sitemap/0.9">{urls}</urlset>', headers={"Content-Type": "application/xml"})
        self.site.routes = routes   # one assignment: a request sees the old state or the new one

    def night(self, changed: list[int], removed: list[int], added: int, today: str) -> None:
        """Between two crawls: change, remove and add pages (their sitemap lastmod is `today`, date only)."""
        for n in changed:
            self.pages[n].version += 1
            self.pages[n].changed_on = today
        for n in removed:
            self.removed[n] = self.pages.pop(n)
        start = max(list(self.pages) + list(self.removed)) + 1
        for n in range(start, start + added):
            self.pages[n] = SimPage(n, changed_on=today)
        self.publish()

    def close(self) -> None:
        self.stop.set()
        self.site.close()


def _validated(body: str, etag: str, last_modified: str):
    def route(handler):
        if handler.headers.get("If-None-Match") == etag or handler.headers.get("If-Modified-Since") == last_modified:
            return Response("", 304, {"ETag": etag, "Last-Modified": last_modified})
        return Response(body, 200, {"Content-Type": "text/html; charset=utf-8", "ETag": etag,
                                    "Last-Modified": last_modified})
    return route
