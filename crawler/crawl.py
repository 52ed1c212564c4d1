"""The crawl loop: per site a breadth-first frontier, all sites in parallel threads.

Pieces with narrow jobs: Fetcher (HTTP), RobotsCache (may we?), Throttle (when may we?),
extract_html (what is in it?), CrawlStore (remember it). This module only decides what to
fetch next and how to classify each answer.
"""
from __future__ import annotations

import logging
import threading
import time
from collections import Counter, deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field

from .config import Site
from .extract import extract_html
from .fetch import Fetcher
from .robots import RobotsCache
from .sitemaps import parse_sitemap
from .store import CrawlStore
from .urls import host_of, looks_like_asset, normalize_url

log = logging.getLogger("beleidszoeker.crawler")

HTML_TYPES = {"text/html", "application/xhtml+xml"}


class Throttle:
    """At most one request per `interval` seconds per host (thread-safe)."""

    def __init__(self, rate: float):
        self.interval = 1.0 / rate if rate > 0 else 0.0
        self._next: dict[str, float] = {}
        self._lock = threading.Lock()

    def wait(self, host: str, min_interval: float = 0.0) -> None:
        interval = max(self.interval, min_interval)
        if interval <= 0:
            return
        with self._lock:
            now = time.monotonic()
            at = max(now, self._next.get(host, 0.0))
            self._next[host] = at + interval
        if at > now:
            time.sleep(at - now)


@dataclass
class SiteReport:
    site: str
    fetched: int = 0
    documents: int = 0
    robots_blocked: int = 0
    skipped: dict[str, int] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)
    bytes: int = 0
    duration_s: float = 0.0
    failed: str = ""          # why the whole site failed ('' when it ran)

    def as_dict(self) -> dict:
        return asdict(self)


def _error_kind(status: int | None, error: str) -> str:
    if error:
        return error.split(":")[0].split(" (")[0].replace(" ", "-")
    return f"http-{status}"


class SiteCrawler:
    def __init__(self, site: Site, store: CrawlStore, run_id: int | None = None, on_fetch=None):
        self.site = site
        self.store = store
        self.run_id = run_id
        self.on_fetch = on_fetch or (lambda: None)
        self.fetcher = Fetcher(site.user_agent, site.timeout)
        self.robots = RobotsCache(self.fetcher, site.user_agent)
        self.throttle = Throttle(site.rate)
        self.report = SiteReport(site.name)
        self._skipped: Counter = Counter()
        self._errors: Counter = Counter()
        self.seen: set[str] = set()
        self.frontier: deque[tuple[str, int]] = deque()

    # ------------------------------------------------------------ frontier
    def _enqueue(self, url: str | None, depth: int) -> None:
        if not url or url in self.seen or depth > self.site.max_depth:
            return
        if not self.site.in_scope(url) or looks_like_asset(url):
            return
        self.seen.add(url)
        self.frontier.append((url, depth))

    def _seed(self) -> None:
        for url in self.site.start:
            self._enqueue(normalize_url(url), 0)
        sitemap_urls = set()
        for url in list(self.site.start):
            rules = self.robots.rules_for(url)
            sitemap_urls.update(rules.sitemaps)
            root = normalize_url("/sitemap.xml", url)
            if root:
                sitemap_urls.add(root)
        todo, done = list(sitemap_urls), set()
        while todo and len(done) < 50:
            sm = todo.pop()
            if sm in done or not self.robots.allowed(sm):
                continue
            done.add(sm)
            res = self.fetcher.get(sm)
            if res.status != 200 or res.error:
                continue
            pages, children = parse_sitemap(res.body)
            todo.extend(children)
            for entry in pages:
                self._enqueue(normalize_url(entry.loc), 1)

    # ------------------------------------------------------------ one URL
    def _fetch_one(self, url: str, depth: int) -> None:
        site = self.site
        rules = self.robots.rules_for(url)
        if not rules.allowed(url, self.robots.agent):
            self.report.robots_blocked += 1
            self.store.record_fetch(run_id=self.run_id, site=site.name, url=url, final_url=None, status=None,
                                    depth=depth, skip_reason="robots")
            return
        self.throttle.wait(host_of(url), rules.crawl_delay(self.robots.agent) or 0.0)
        res = self.fetcher.get(url)
        self.report.fetched += 1
        self.report.bytes += len(res.body)
        self.on_fetch()
        final = normalize_url(res.final_url) if res.final_url else url
        common = dict(run_id=self.run_id, site=site.name, content_type=res.content_type,
                      etag=res.headers.get("etag", ""), last_modified=res.headers.get("last-modified", ""),
                      depth=depth, elapsed_ms=res.elapsed_ms)

        if res.error or res.status is None or res.status >= 400:
            kind = _error_kind(res.status, res.error)
            self._errors[kind] += 1
            self.store.record_fetch(url=url, final_url=final, status=res.status, error=res.error or kind, **common)
            log.info("fetch failed", extra={"url": url, "kind": kind})
            return

        if final != url:
            # The old URL now points elsewhere: remember the redirect, store the content under the target.
            self.store.record_fetch(url=url, final_url=final, status=301, skip_reason="redirect", **common)
            if final in self.seen:
                return
            self.seen.add(final)
            if not site.in_scope(final):
                self._skipped["redirect-out-of-scope"] += 1
                return
            url = final

        if res.content_type not in HTML_TYPES:
            self._skipped["type"] += 1
            self.store.record_fetch(url=url, final_url=final, status=res.status, skip_reason="type", **common)
            return

        ex = extract_html(res.body, url, res.charset)
        reason = ""
        if ex.error:
            reason = "unparsable"
        elif ex.noindex or "noindex" in res.headers.get("x-robots-tag", "").lower():
            reason = "noindex"
        elif ex.canonical and ex.canonical != url and site.in_scope(ex.canonical):
            reason = "canonical"
            self._enqueue(ex.canonical, depth)
        elif not ex.text.strip():
            reason = "empty"
        meta = dict(ex.meta)
        meta.setdefault("organisation", site.organisation)
        if site.city:
            meta.setdefault("city", site.city)
        extract = {"title": ex.title, "text": ex.text, "meta": meta,
                   "passages": [asdict(p) for p in ex.passages]}
        self.store.record_fetch(url=url, final_url=final, status=res.status, body=res.body, extract=extract,
                                indexable=not reason, skip_reason=reason, error=ex.error, **common)
        if reason:
            self._skipped[reason] += 1
        else:
            self.report.documents += 1
        nofollow = ex.nofollow or "nofollow" in res.headers.get("x-robots-tag", "").lower()
        if not nofollow:
            for link in ex.links:
                self._enqueue(link, depth + 1)

    # ------------------------------------------------------------ the loop
    def run(self) -> SiteReport:
        started = time.monotonic()
        try:
            self._seed()
            while self.frontier and self.report.fetched < self.site.max_pages:
                url, depth = self.frontier.popleft()
                self._fetch_one(url, depth)
            if self.report.fetched and self._errors and sum(self._errors.values()) == self.report.fetched:
                self.report.failed = "every request failed"
            elif not self.report.fetched and self.report.robots_blocked:
                self.report.failed = "robots.txt disallows every start URL"
        except Exception as e:  # a bug or a store failure must end this site, not the whole run
            log.exception("site crawl failed", extra={"site": self.site.name})
            self.report.failed = f"{type(e).__name__}: {e}"
        finally:
            self.fetcher.close()
            self.store.close()
        self.report.skipped = dict(self._skipped)
        self.report.errors = dict(self._errors)
        self.report.duration_s = round(time.monotonic() - started, 2)
        return self.report


def crawl(sites: list[Site], store: CrawlStore, progress: bool = True) -> list[SiteReport]:
    """Crawl all sites in parallel (one thread per site); returns one report per site."""
    run_id = store.start_run([s.name for s in sites])
    bar = None
    if progress:
        from tqdm import tqdm
        bar = tqdm(desc="crawl", unit=" pagina's", total=None)
    lock = threading.Lock()

    def tick():
        if bar is not None:
            with lock:
                bar.update(1)

    with ThreadPoolExecutor(max_workers=max(1, min(len(sites), 16))) as pool:
        reports = list(pool.map(lambda s: SiteCrawler(s, store, run_id, tick).run(), sites))
    if bar is not None:
        bar.close()
    store.finish_run(run_id, {r.site: r.as_dict() for r in reports})
    return reports
