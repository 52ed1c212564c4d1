"""The crawl loop: per site a prioritised frontier in the store, all sites in parallel threads.

Pieces with narrow jobs: Fetcher/Retrying/Redirecting (HTTP, crawler.fetch), RobotsCache (may we?),
Throttle (when may we?), trap_reason (should we?), extract_html/extract_document (what is in it?),
CrawlStore (remember it, and the frontier, so a killed run resumes). This module decides what to fetch
next and classifies each answer into the outcomes the nightly report counts.

The frontier lives in the store, not in memory: a worker claims one URL at a time (a lease), so a killed run
resumes where it stopped and several workers (processes, or machines sharing a PostgreSQL store) crawl one run
together without fetching a URL twice. Each site's frontier starts with a "seed" entry: whoever claims it reads
the start pages, sitemaps and due known pages.
"""
from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone

from .config import Site
from .directives import header_directives
from .documents import DOCUMENT_TYPES, extract_document
from .extract import Extract, extract_html
from .fetch import Fetcher, Redirecting, Retrying
from .robots import RobotsCache
from .sitemaps import parse_sitemap
from .store import LEASE_SECONDS, CrawlStore, content_hash
from .traps import trap_reason
from .urls import host_of, looks_like_asset, normalize_url

log = logging.getLogger("beleidszoeker.crawler")

HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
ALLOWED_TYPES = HTML_TYPES | frozenset(DOCUMENT_TYPES)

# Frontier priorities (lower first): seeding, pages the sitemap says changed, start pages, then by depth.
PRIO_SEED, PRIO_SITEMAP_CHANGED, PRIO_START = -3, -2, -1
WAIT_FOR_OTHERS_S = 0.2   # nothing to claim, but another worker holds URLs whose pages may add links


class Throttle:
    """At most one request per interval per host, across all threads that share this object."""

    def __init__(self):
        self._next: dict[str, float] = {}
        self._lock = threading.Lock()

    def wait(self, host: str, interval: float) -> None:
        if interval <= 0:
            return
        with self._lock:
            now = time.monotonic()
            at = max(now, self._next.get(host, 0.0))
            self._next[host] = at + interval
        if at > now:
            time.sleep(at - now)


class PageBudget:
    """A site's max_pages, shared by the crawl loops of one process (each worker process has its own): a loop
    takes one page before it claims a URL and gives it back when that URL needed no request."""

    def __init__(self, pages: int):
        self.left = pages
        self._lock = threading.Lock()

    def take(self) -> bool:
        with self._lock:
            if self.left <= 0:
                return False
            self.left -= 1
            return True

    def give_back(self) -> None:
        with self._lock:
            self.left += 1


def seed_url(site: Site) -> str:
    """The frontier entry whose claimer reads the site's start pages, sitemaps and due known pages."""
    return f"seed:{site.name}"


class SharedThrottle:
    """The same politeness, held in the store: requests by workers in other processes and machines count too."""

    def __init__(self, store: CrawlStore, sleep=time.sleep):
        self.store = store
        self.sleep = sleep

    def wait(self, host: str, interval: float) -> None:
        if interval <= 0:
            return
        delay = self.store.host_slot(host, interval)
        if delay > 0:
            self.sleep(delay)


@dataclass
class SiteReport:
    site: str
    fetched: int = 0
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    removed: int = 0
    not_due: int = 0
    robots_blocked: int = 0
    skipped: dict[str, int] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)
    bytes: int = 0
    duration_s: float = 0.0
    resumed: bool = False
    failed: str = ""          # why the whole site failed ('' when it ran)

    @property
    def documents(self) -> int:
        return self.new + self.changed + self.unchanged

    def as_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "SiteReport":
        return cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})


def merge_reports(old: dict, new: dict) -> dict:
    """Two workers' reports of one site in one run, as one: counts add up, the site failed only if both say so."""
    out = dict(new)
    for key, value in old.items():
        other = new.get(key)
        if key == "duration_s":
            out[key] = max(value, other or 0)
        elif key == "failed":
            out[key] = value if value and other else ""
        elif isinstance(value, bool):
            out[key] = value or bool(other)
        elif isinstance(value, (int, float)):
            out[key] = value + (other or 0)
        elif isinstance(value, dict):
            merged = dict(value)
            for k, n in (other or {}).items():
                merged[k] = merged.get(k, 0) + n
            out[key] = merged
    return out


def _later(a: str | None, b: str | None) -> bool:
    """ISO timestamp a is after b (dates without time count as midnight UTC)."""
    if not a or not b:
        return False
    try:
        ta = datetime.fromisoformat(a.replace("Z", "+00:00"))
        tb = datetime.fromisoformat(b.replace("Z", "+00:00"))
    except ValueError:
        return False
    ta = ta if ta.tzinfo else ta.replace(tzinfo=timezone.utc)
    tb = tb if tb.tzinfo else tb.replace(tzinfo=timezone.utc)
    return ta > tb


class SiteCrawler:
    def __init__(self, site: Site, store: CrawlStore, run_id: int, throttle: Throttle | None = None,
                 on_fetch=None, sleep=time.sleep, resumed: bool = False, budget: PageBudget | None = None):
        self.site = site
        self.store = store
        self.run_id = run_id
        self.on_fetch = on_fetch or (lambda: None)
        self.http = Fetcher(site.user_agent, site.timeout, site.max_bytes, ALLOWED_TYPES, throttle or Throttle())
        # robots.txt and sitemaps: any content type, redirects followed wherever they lead (RFC 9309
        # allows five), same politeness per host.
        self._raw_http = Fetcher(site.user_agent, site.timeout, site.max_bytes, throttle=self.http.throttle)
        self._raw_http.min_interval = self.http.min_interval
        self.raw = Redirecting(Retrying(self._raw_http, sleep=sleep), lambda url: "", max_hops=5)
        self.robots = RobotsCache(self.raw, site.user_agent)
        self.download = Redirecting(Retrying(self.http, sleep=sleep), self._refusal)
        self.report = SiteReport(site.name, resumed=resumed)
        self.budget = budget or PageBudget(site.max_pages)
        self._skipped: Counter = Counter()
        self._errors: Counter = Counter()
        self.seen: set[str] = set()   # this worker's cache of what the run's frontier already holds
        self.seed_url = seed_url(site)
        self.known = store.known_pages(site.name)
        self.starts = {normalize_url(u) for u in site.start}
        self.was_document = set(store.document_hashes(site.name))   # indexable when this run started
        self._now = datetime.now(timezone.utc).isoformat(timespec="seconds")

    # ------------------------------------------------------------ scope and frontier
    def _refusal(self, url: str) -> str:
        """Why a URL may not be fetched ('' when it may): scope, trap shape, robots.txt."""
        if not self.site.in_scope(url):
            return "out-of-scope"
        trap = trap_reason(url)
        if trap:
            return f"trap-{trap}"
        if not self.robots.allowed(url):
            return "robots"
        return ""

    def _enqueue(self, candidates, depth: int, priority: int | None = None) -> None:
        new = []
        for url in candidates:
            if not url or url in self.seen or depth > self.site.max_depth:
                continue
            if not self.site.in_scope(url) or looks_like_asset(url):
                continue
            trap = trap_reason(url)
            if trap:
                self._skipped[f"trap-{trap}"] += 1
                self.seen.add(url)
                continue
            self.seen.add(url)
            new.append((url, depth, depth if priority is None else priority))
        self.store.frontier_add(self.run_id, self.site.name, new)

    def _seed(self) -> None:
        starts = [normalize_url(u) for u in self.site.start]
        self._enqueue(starts, 0, PRIO_START)
        sitemap_urls = set()
        for url in filter(None, starts):
            sitemap_urls.update(self.robots.rules_for(url).sitemaps)
            sitemap_urls.add(normalize_url("/sitemap.xml", url))
        changed, listed = [], []
        todo, done = sorted(filter(None, sitemap_urls)), set()
        while todo and len(done) < 50:
            sm = todo.pop()
            if sm in done or self._refusal(sm):
                continue
            done.add(sm)
            res = self.raw.get(sm)
            if res.status != 200 or res.error:
                continue
            pages, children = parse_sitemap(res.body)
            todo.extend(normalize_url(c) for c in children if normalize_url(c))
            for entry in pages:
                url = normalize_url(entry.loc)
                if not url:
                    continue
                known = self.known.get(url)
                if known and entry.lastmod and _later(entry.lastmod, known.fetched_at):
                    changed.append(url)
                    self.store.note_sitemap_lastmod(url, entry.lastmod)
                else:
                    listed.append(url)
        self._enqueue(changed, 1, PRIO_SITEMAP_CHANGED)
        self._enqueue(listed, 1)
        # Known pages come back when due, even if nothing links to them any more (that is how a
        # removed page is noticed and tombstoned).
        due = [(u, k.depth or 1) for u, k in self.known.items() if not k.tombstoned_at and self._due(u)]
        for url, depth in sorted(due, key=lambda x: x[1]):
            self._enqueue([url], depth)

    def _due(self, url: str) -> bool:
        known = self.known.get(url)
        if known is None or self.site.revisit_days <= 0:
            return True
        if url in self.starts or not known.next_visit or known.next_visit <= self._now:
            return True
        return _later(known.sitemap_lastmod, known.fetched_at)

    # ------------------------------------------------------------ one URL
    def _process(self, url: str, depth: int) -> None:
        site = self.site
        rules = self.robots.rules_for(url)
        if not rules.allowed(url, self.robots.agent):
            self.report.robots_blocked += 1
            self.store.record_skip(run_id=self.run_id, site=site.name, url=url, reason="robots", depth=depth,
                                   fetched=False)
            return
        interval = 1.0 / site.rate if site.rate > 0 else 0.0
        self.http.min_interval[host_of(url)] = max(interval, rules.crawl_delay(self.robots.agent) or 0.0)
        known = self.known.get(url)
        if not self._due(url):
            self.report.not_due += 1
            self._enqueue(self.store.stored_links(known.content_hash, url) if known.content_hash else [], depth + 1)
            self.store.frontier_done(self.run_id, url)
            return
        headers = {}
        if known and known.content_hash:  # we hold its content: ask only for a newer one
            if known.etag:
                headers["If-None-Match"] = known.etag
            if known.last_modified:
                headers["If-Modified-Since"] = known.last_modified
        res = self.download.get(url, headers or None)
        self.report.fetched += 1
        self.report.bytes += len(res.body)
        self.on_fetch()
        common = dict(run_id=self.run_id, site=site.name, depth=depth, elapsed_ms=res.elapsed_ms)

        for hop, status in res.redirects:  # each URL that redirected stops being a document
            if self.store.record_redirect(url=hop, target=res.final_url, status=status, **common):
                self.report.removed += 1
        if res.redirects and not res.error:
            if res.final_url != url and not self.store.frontier_offer(self.run_id, site.name, res.final_url, depth,
                                                                      depth, lease_s=LEASE_SECONDS):
                return   # the run already has the target: whoever has it stores it
            self.seen.add(res.final_url)
            url = res.final_url

        if res.error:
            kind = res.error_kind or "error"
            if kind in ("type", "too-large"):
                self._skipped[kind] += 1
                if self.store.record_skip(url=url, reason=kind, status=res.status, content_type=res.content_type,
                                          error=res.error, **common):
                    self.report.removed += 1
            else:
                self._errors[kind] += 1
                self.store.record_failure(url=url, status=res.status, error=res.error,
                                          revisit_days=site.revisit_days, **common)
            log.info("fetch problem", extra={"site": site.name, "url": url, "kind": kind, "detail": res.error})
            return
        if res.status == 304:
            if url in self.was_document:
                self.report.unchanged += 1
            self.store.record_not_modified(run_id=self.run_id, site=site.name, url=url, elapsed_ms=res.elapsed_ms,
                                           revisit_days=site.revisit_days, etag=res.headers.get("etag", ""),
                                           last_modified=res.headers.get("last-modified", ""))
            self._enqueue(self.store.stored_links(known.content_hash, url) if known and known.content_hash else [],
                          depth + 1)
            return
        if res.status is None or res.status >= 300:
            self._errors[f"http-{res.status}"] += 1
            if self.store.record_failure(url=url, status=res.status, error=f"HTTP {res.status}",
                                         revisit_days=site.revisit_days, **common):
                self.report.removed += 1
            return
        self._store_content(url, depth, res, common)

    def _same_document(self, url: str, res, header) -> bool:
        """The body is byte for byte the one this URL's document already has: extracting it again would give
        the same text, so it is not done. A header that now says noindex takes the full path, where it is weighed."""
        known = self.known.get(url)
        return (url in self.was_document and known is not None and not header.noindex
                and known.content_hash == content_hash(res.body))

    def _store_content(self, url: str, depth: int, res, common: dict) -> None:
        site = self.site
        header = header_directives(res.headers.get("x-robots-tag", ""), self.robots.agent)
        if self._same_document(url, res, header):
            self.store.record_content(
                url=url, status=res.status, body=res.body, extract=None, indexable=True,
                content_type=res.content_type, etag=res.headers.get("etag", ""),
                last_modified=res.headers.get("last-modified", ""), revisit_days=site.revisit_days, **common)
            self.report.unchanged += 1
            if not header.nofollow:
                self._enqueue(self.store.stored_links(self.known[url].content_hash, url), depth + 1)
            return
        is_html = res.content_type in HTML_TYPES
        try:
            ex = extract_html(res.body, url, res.charset) if is_html else extract_document(res.body, res.content_type)
        except Exception as e:  # an extractor bug must cost one page, not the crawl
            log.exception("extraction failed", extra={"site": site.name, "url": url})
            ex = Extract(error=f"extraction failed: {type(e).__name__}: {e}")
        reason = ""
        if ex.error:
            reason = "unreadable"
        elif ex.noindex or header.noindex:
            reason = "noindex"
        elif ex.canonical and ex.canonical != url and site.in_scope(ex.canonical):
            reason = "canonical"
            self._enqueue([ex.canonical], depth)
        elif not ex.text.strip():
            reason = "empty"
        meta = dict(ex.meta)
        meta.setdefault("organisation", site.organisation)
        if site.city:
            meta.setdefault("city", site.city)
        follow = not (ex.nofollow or header.nofollow)
        extract = {"title": ex.title, "text": ex.text, "meta": meta, "links": ex.links if follow else [],
                   "passages": [asdict(p) for p in ex.passages]}
        was_document = url in self.was_document
        outcome = self.store.record_content(
            url=url, status=res.status, body=res.body, extract=extract, indexable=not reason, skip_reason=reason,
            content_type=res.content_type, etag=res.headers.get("etag", ""),
            last_modified=res.headers.get("last-modified", ""), revisit_days=site.revisit_days, error=ex.error,
            **common)
        if reason:
            self._skipped[reason] += 1
            if was_document:
                self.report.removed += 1
        elif outcome == "unchanged" and not was_document:
            self.report.new += 1      # same bytes, but it was not a document before (e.g. noindex lifted)
        else:
            setattr(self.report, outcome, getattr(self.report, outcome) + 1)
        if follow:
            self._enqueue(ex.links, depth + 1)

    # ------------------------------------------------------------ the loop
    def run(self) -> SiteReport:
        started = time.monotonic()
        try:
            if self.report.resumed:
                log.info("joining", extra={"site": self.site.name,
                                           "pending": self.store.frontier_pending(self.run_id, self.site.name)})
            while self.budget.take():
                claim = self.store.frontier_claim(self.run_id, self.site.name)
                if claim is None:
                    self.budget.give_back()
                    if not self.store.frontier_pending(self.run_id, self.site.name):
                        break
                    time.sleep(WAIT_FOR_OTHERS_S)
                    continue
                url, depth = claim
                fetched = self.report.fetched
                if url == self.seed_url:
                    self._seed()
                    self.store.frontier_done(self.run_id, url)
                else:
                    self._process(url, depth)
                if self.report.fetched == fetched:
                    self.budget.give_back()
            attempted = self.report.fetched + self.report.robots_blocked
            if attempted and not (self.report.documents or self.report.not_due) and (
                    sum(self._errors.values()) == self.report.fetched):
                self.report.failed = "every request failed" if self.report.fetched else "robots.txt allows nothing"
            elif not attempted and not self.report.not_due:
                self.report.failed = "no page could be fetched (robots.txt or scope)"
        except Exception as e:  # a bug or a store failure must end this site, not the whole run
            log.exception("site crawl failed", extra={"site": self.site.name})
            self.report.failed = f"{type(e).__name__}: {e}"
        finally:
            self.http.close()
            self._raw_http.close()
        self.report.skipped = dict(self._skipped)
        self.report.errors = dict(self._errors)
        self.report.duration_s = round(time.monotonic() - started, 2)
        if not self.report.failed or self.report.fetched:
            self.store.finish_site_run(self.run_id, self.site.name, self.report.as_dict(), merge=merge_reports)
        self.store.close()
        return self.report


def crawl(sites: list[Site], store: CrawlStore, progress: bool = True, sleep=time.sleep) -> list[SiteReport]:
    """Crawl all sites in parallel (one thread per crawl loop: `site.workers` per site), resuming a killed run or
    joining the run other workers are crawling in the same store; one report per site (all workers' work, as far
    as it is finished)."""
    run_id, joined = store.join_or_start_run([s.name for s in sites])
    if joined:
        log.info("resuming or joining run", extra={"run": run_id})
    store.frontier_release_abandoned()
    for site in sites:   # what earlier runs left over
        store.frontier_clear(site.name, keep_run=run_id)
    throttle = SharedThrottle(store) if store.shared else Throttle()
    bar = None
    if progress:
        from tqdm import tqdm
        bar = tqdm(desc="crawl", unit=" pagina's", total=None)
    lock = threading.Lock()

    def tick():
        if bar is not None:
            with lock:
                bar.update(1)

    # A site whose frontier this run already has was started before: by a process that was killed, or by
    # another worker that is still at it. Either way this process carries on with it.
    resumed = {site.name: not store.frontier_offer(run_id, site.name, seed_url(site), 0, PRIO_SEED)
               for site in sites}
    budgets = {site.name: PageBudget(site.max_pages) for site in sites}

    def one(site: Site) -> SiteReport:
        done = store.site_run_report(run_id, site.name)
        if done is not None:   # finished before the previous process was killed, or by another worker
            report = SiteReport.from_dict(done)
            report.resumed = True
            return report
        return SiteCrawler(site, store, run_id, throttle, tick, sleep=sleep, resumed=resumed[site.name],
                           budget=budgets[site.name]).run()

    # One thread per crawl loop: `workers` loops for a site claim from its frontier side by side.
    loops = [site for site in sites for _ in range(site.workers)]
    with ThreadPoolExecutor(max_workers=max(1, min(len(loops), 32))) as pool:
        finished = list(pool.map(one, loops))
    if bar is not None:
        bar.close()
    reports = []
    for site in sites:   # one report per site: the stored one adds up every loop's and every worker's share
        first = finished[loops.index(site)]
        stored = store.site_run_report(run_id, site.name)
        report = SiteReport.from_dict(stored) if stored else first
        report.resumed = report.resumed or first.resumed
        reports.append(report)
    store.finish_run(run_id, {r.site: r.as_dict() for r in reports})
    store.close()
    return reports
