"""The crawl loop: per site a prioritised frontier in the store, all sites in parallel threads.

Pieces with narrow jobs: Fetcher/Retrying/Redirecting (HTTP, crawler.fetch), RobotsCache (may we?),
Throttle (when may we?), trap_reason (should we?), extract_html/extract_document (what is in it?),
CrawlStore (remember it, and the frontier, so a killed run resumes). This module decides what to fetch
next and classifies each answer into the outcomes the nightly report counts.

The frontier lives in the store, not in memory: a worker claims one URL at a time (a lease), so a killed run
resumes where it stopped and several workers (processes, or machines sharing a PostgreSQL store) crawl one run
together without fetching a URL twice. Each site's frontier starts with a "seed" entry: whoever claims it reads
the start pages, sitemaps and due known pages.

Planning, so that what changed on a site yesterday is searchable this morning:
  - a page whose sitemap <lastmod> differs from the lastmod its stored version came with is due in this run
    (lastmod is compared with lastmod, never with our clock); the server's validators (ETag/Last-Modified)
    make the rest of the revisits cheap
  - a page the sitemap listed before and no longer lists is due at once; a 410, or a 404 of an unlisted URL,
    tombstones it in the same run (a 404 of a listed URL is asked once more at the end of the run)
  - hubs (start pages and pages with many links) are revalidated every run, so new pages are found by links too
  - every known page is revalidated within `revalidate_days`
  - the site's and the run's time budget end a crawl with a report of what was cut
"""
from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone

from .bodies import binary_reason, cap_text
from .config import Site
from .directives import header_directives
from .documents import DOCUMENT_TYPES, extract_document
from .extract import Extract, extract_html
from .fetch import Fetcher, Redirecting, Retrying, TransferLimits
from .robots import HostRules, RobotsCache
from .sitemaps import parse_sitemap
from store.crawl_store import LEASE_SECONDS, Claim, CrawlStore, Revisit, content_hash
from .traps import trap_reason
from .urls import host_of, looks_like_asset, normalize_url
from .variants import IgnorableParams

log = logging.getLogger("beleidszoeker.crawler")

HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
ALLOWED_TYPES = HTML_TYPES | frozenset(DOCUMENT_TYPES)

# Frontier priorities (lower first): seeding, pages the sitemap says changed, start pages, then by depth;
# a 404 asked once more comes after everything else.
PRIO_SEED, PRIO_SITEMAP_CHANGED, PRIO_START, PRIO_RETRY = -3, -2, -1, 1_000_000
MAX_SITEMAPS = 50
WAIT_FOR_OTHERS_S = 0.2   # nothing to claim, but another worker holds URLs whose pages may add links


class Throttle:
    """At most one request per interval per host, across all threads that share this object. Every request is
    remembered (even one without an interval, such as the first robots.txt), so a Crawl-delay learnt from a
    response counts from that response's request."""

    def __init__(self):
        self._last: dict[str, float] = {}
        self._lock = threading.Lock()

    def reserve(self, host: str, interval: float) -> float:
        """The time.monotonic() at which this request may start, taken as the host's latest slot."""
        with self._lock:
            at = max(time.monotonic(), self._last.get(host, -interval) + interval)
            self._last[host] = at
        return at

    def wait(self, host: str, interval: float) -> None:
        at = self.reserve(host, interval)
        if at > time.monotonic():
            time.sleep(max(0.0, at - time.monotonic()))


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
    """The same politeness, held in the store: requests by workers in other processes and machines count too.
    This process's own requests are also spaced on its own clock, so a database answer that comes late for one
    request and fast for the next cannot bunch the two together."""

    def __init__(self, store: CrawlStore, sleep=time.sleep):
        self.store = store
        self.sleep = sleep
        self.local = Throttle()

    def wait(self, host: str, interval: float) -> None:
        at = self.local.reserve(host, interval)
        at = max(at, time.monotonic() + self.store.host_slot(host, interval))
        if at > time.monotonic():
            self.sleep(max(0.0, at - time.monotonic()))


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
    text_capped: int = 0      # documents whose stored text was cut to max_text_chars
    cut: str = ""             # what a budget or limit cut off ('' when the site's frontier was finished)
    not_visited: int = 0      # URLs of the frontier left when it was cut

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
        elif key == "not_visited":
            out[key] = max(value, other or 0)
        elif key == "cut":
            out[key] = value or other or ""
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


class SiteCrawler:
    def __init__(self, site: Site, store: CrawlStore, run_id: int, throttle: Throttle | None = None,
                 on_fetch=None, sleep=time.sleep, resumed: bool = False, budget: PageBudget | None = None,
                 deadline: float | None = None, params: IgnorableParams | None = None):
        """deadline: time.monotonic() at which this crawl stops (the site's or the run's time budget)."""
        self.site = site
        self.store = store
        self.run_id = run_id
        self.on_fetch = on_fetch or (lambda: None)
        self.deadline = deadline
        self.params = params or IgnorableParams()
        self.revisit = Revisit(site.revisit_days, site.revalidate_days)
        limits = TransferLimits(site.request_deadline, site.min_transfer_rate, grace_s=site.timeout)
        self.http = Fetcher(site.user_agent, site.timeout, site.max_bytes, ALLOWED_TYPES, throttle or Throttle(),
                            limits=limits)
        # robots.txt and sitemaps: any content type, redirects followed wherever they lead (RFC 9309
        # allows five), same politeness per host: the site's rate from the very first request to a host,
        # and its Crawl-delay as soon as its robots.txt is read.
        self._raw_http = Fetcher(site.user_agent, site.timeout, site.max_bytes, throttle=self.http.throttle,
                                 limits=limits)
        self._raw_http.min_interval = self.http.min_interval
        self.interval = 1.0 / site.rate if site.rate > 0 else 0.0
        self.http.default_interval = self._raw_http.default_interval = self.interval
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

    def _rules(self, url: str) -> HostRules:
        """The host's robots.txt rules; its Crawl-delay applies to every later request to the host."""
        rules = self.robots.rules_for(url)
        host = host_of(url)
        if host not in self.http.min_interval:
            self.http.min_interval[host] = max(self.interval, rules.crawl_delay(self.robots.agent) or 0.0)
        return rules

    def _without_ignorable(self, url: str) -> str:
        """The URL without the parameters rel=canonical showed this site ignores (as it is, when none are known)."""
        return normalize_url(self.params.strip(url)) if self.params.names else url

    def _enqueue(self, candidates, depth: int, priority: int | None = None, lastmods: dict | None = None,
                 due: bool = False) -> None:
        """Add URLs to the run's frontier. lastmods: url -> sitemap lastmod of the listed ones; due: fetch them
        in this run whatever their revisit date (sitemap changes; pages the sitemap stopped listing)."""
        new = []
        for url in candidates:
            url = self._without_ignorable(url) if url else url
            if not url or (url in self.seen and not due) or depth > self.site.max_depth:
                continue
            if not self.site.in_scope(url) or looks_like_asset(url):
                continue
            trap = trap_reason(url)
            if trap:
                self._skipped[f"trap-{trap}"] += 1
                self.seen.add(url)
                continue
            self.seen.add(url)
            entry = (url, depth, depth if priority is None else priority)
            if lastmods is not None or due:
                entry += ((lastmods or {}).get(url), due)
            new.append(entry)
        self.store.frontier_add(self.run_id, self.site.name, new)

    def _read_sitemaps(self, starts: list[str]) -> tuple[dict[str, str], bool]:
        """-> (url -> lastmod, '' when it has none, of every page the site's sitemaps list; whether that list is
        complete: at least one sitemap was read and none failed, so a page missing from it is really unlisted)."""
        sitemap_urls = set()
        for url in starts:
            sitemap_urls.update(self._rules(url).sitemaps)
            sitemap_urls.add(normalize_url("/sitemap.xml", url))
        listing: dict[str, str] = {}
        read, failed = 0, 0
        todo, done = sorted(filter(None, sitemap_urls)), set()
        while todo and len(done) < MAX_SITEMAPS and not self._out_of_time():
            sm = todo.pop()
            if sm in done or self._refusal(sm):
                continue
            self._rules(sm)   # its host's Crawl-delay, before the request
            done.add(sm)
            res = self.raw.get(sm)
            if res.status == 404 and not res.error:
                continue   # no sitemap at this address: nothing listed, nothing failed
            if res.status != 200 or res.error:
                failed += 1
                continue
            pages, children = parse_sitemap(res.body)
            if not (pages or children):   # an error page served as 200, or an empty file: lists nothing for sure
                failed += 1
                continue
            read += 1
            todo.extend(normalize_url(c) for c in children if normalize_url(c))
            for entry in pages:
                url = normalize_url(entry.loc)
                if url:
                    listing[url] = entry.lastmod
        complete = bool(read) and not failed and not todo
        return listing, complete

    def _seed(self) -> None:
        starts = [u for u in (normalize_url(u) for u in self.site.start) if u]
        self._enqueue(starts, 0, PRIO_START)
        listing, complete = self._read_sitemaps(starts)
        changed, listed = [], []
        for url, lastmod in listing.items():
            known = self.known.get(url)
            # The sitemap's lastmod against the lastmod our version came with (not against our clock): any
            # difference means the site says it changed. A tombstoned page it lists again is asked for again.
            if known and (known.tombstoned_at or (lastmod and lastmod != (known.sitemap_lastmod or ""))):
                changed.append(url)
            else:
                listed.append(url)
        self._enqueue(changed, 1, PRIO_SITEMAP_CHANGED, lastmods=listing, due=True)
        if complete:   # a page it listed before and lists no more: removed or moved, find out now
            unlisted = [u for u, k in self.known.items() if k.in_sitemap and not k.tombstoned_at and u not in listing]
            self.store.mark_listed(self.site.name, listing)
            for url in unlisted:
                self._enqueue([url], self.known[url].depth or 1, PRIO_SITEMAP_CHANGED, due=True)
        self._enqueue(listed, 1, lastmods=listing)
        # Known pages come back when due, even if nothing links to them any more.
        due = [(u, k.depth or 1) for u, k in self.known.items() if not k.tombstoned_at and self._due(u)]
        for url, depth in sorted(due, key=lambda x: x[1]):
            self._enqueue([url], depth)

    def _due(self, url: str) -> bool:
        """Whether a page is asked for in this run by its own schedule: new, a start page or a hub (whose links
        lead to new pages), or its revisit date (at most revalidate_days away) has come."""
        known = self.known.get(url)
        if known is None or self.site.revisit_days <= 0:
            return True
        if url in self.starts or (known.links_out or 0) >= self.site.hub_links:   # links in its main content
            return True
        return not known.next_visit or known.next_visit <= self._now

    def _out_of_time(self) -> bool:
        return self.deadline is not None and time.monotonic() >= self.deadline

    # ------------------------------------------------------------ one URL
    def _process(self, claim: Claim) -> None:
        site = self.site
        url, depth = claim.url, claim.depth
        stripped = self._without_ignorable(url)
        if stripped != url:   # a variant of a page by a parameter its canonical link showed to be irrelevant
            self._skipped["canonical-variant"] += 1
            self.store.record_skip(run_id=self.run_id, site=site.name, url=url, reason="canonical-variant",
                                   depth=depth, fetched=False)
            self._enqueue([stripped], depth)
            return
        rules = self._rules(url)
        if not rules.allowed(url, self.robots.agent):
            self.report.robots_blocked += 1
            self.store.record_skip(run_id=self.run_id, site=site.name, url=url, reason="robots", depth=depth,
                                   fetched=False)
            return
        known = self.known.get(url)
        if not (claim.due or self._due(url)):
            self.report.not_due += 1
            self._enqueue(self._stored_links(url, known), depth + 1)
            self.store.frontier_done(self.run_id, url)
            return
        headers = {}
        # we hold its content: ask only for a newer one (a page stored before page data was kept per page is asked
        # for in full once, so that its own organisation and links are extracted)
        if known and known.content_hash and known.page_data:
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
                self.store.record_failure(url=url, status=res.status, error=res.error, revisit=self.revisit,
                                          listed=claim.listed, **common)
            log.info("fetch problem", extra={"site": site.name, "url": url, "kind": kind, "detail": res.error})
            return
        if res.status == 304:
            if url in self.was_document:
                self.report.unchanged += 1
            self.store.record_not_modified(run_id=self.run_id, site=site.name, url=url, elapsed_ms=res.elapsed_ms,
                                           revisit=self.revisit, lastmod=claim.lastmod,
                                           etag=res.headers.get("etag", ""),
                                           last_modified=res.headers.get("last-modified", ""))
            self._enqueue(self._stored_links(url, known), depth + 1)
            return
        if res.status is None or res.status >= 300:
            outcome = self.store.record_failure(url=url, status=res.status, error=f"HTTP {res.status}",
                                                revisit=self.revisit, listed=claim.listed, **common)
            if outcome == "missing" and claim.listed:   # the sitemap still lists it: ask once more, later
                self.store.frontier_retry(self.run_id, url, PRIO_RETRY)
                log.info("404 of a listed page, asked again at the end of the run", extra={"site": site.name,
                                                                                           "url": url})
                return
            self._errors[f"http-{res.status}"] += 1
            if outcome == "removed":
                self.report.removed += 1
            return
        self._store_content(url, depth, res, common, claim.lastmod)

    def _stored_links(self, url: str, known) -> list[str]:
        """The links the page had when last extracted (a 304, or a page not due); a body stored before links were
        kept is parsed again."""
        if not (known and known.content_hash):
            return []
        links = self.store.stored_links(url)
        if links is None:
            raw = self.store.raw_body(known.content_hash)
            links = extract_html(raw, url).links if raw else []
        return links

    def _same_document(self, url: str, res, header) -> bool:
        """The body is byte for byte the one this URL's document already has: extracting it again would give
        the same text, so it is not done. A header that now says noindex takes the full path, where it is weighed."""
        known = self.known.get(url)
        return (url in self.was_document and known is not None and not header.noindex and known.page_data
                and known.content_hash == content_hash(res.body))

    def _store_content(self, url: str, depth: int, res, common: dict, lastmod: str | None = None) -> None:
        site = self.site
        header = header_directives(res.headers.get("x-robots-tag", ""), self.robots.agent)
        if self._same_document(url, res, header):
            self.store.record_content(
                url=url, status=res.status, body=res.body, extract=None, indexable=True,
                content_type=res.content_type, etag=res.headers.get("etag", ""),
                last_modified=res.headers.get("last-modified", ""), revisit=self.revisit, lastmod=lastmod,
                **common)
            self.report.unchanged += 1
            if not header.nofollow:
                self._enqueue(self._stored_links(url, self.known[url]), depth + 1)
            return
        is_html = res.content_type in HTML_TYPES
        binary = binary_reason(res.body) if is_html else ""
        try:
            if binary:
                ex = Extract(error=binary, error_kind="binary")
            else:
                ex = (extract_html(res.body, url, res.charset) if is_html
                      else extract_document(res.body, res.content_type))
        except Exception as e:  # an extractor bug must cost one page, not the crawl
            log.exception("extraction failed", extra={"site": site.name, "url": url})
            ex = Extract(error=f"extraction failed: {type(e).__name__}: {e}")
        reason = ""
        if ex.error:
            reason = ex.error_kind or "unreadable"
        elif ex.noindex or header.noindex:
            reason = "noindex"
        elif ex.canonical and ex.canonical != url and site.in_scope(ex.canonical):
            reason = "canonical"
            learnt = self.params.learn(url, ex.canonical)
            if learnt:
                log.info("ignorable parameters learnt from rel=canonical",
                         extra={"site": site.name, "params": sorted(learnt), "url": url})
            self._enqueue([ex.canonical], depth)
        elif not ex.text.strip():
            reason = "empty"
        # the body's own metadata names its organisation and city; else the site serving this page does
        page_meta = {"organisation": ex.meta.get("organisation") or site.organisation,
                     "city": ex.meta.get("city") or site.city}
        follow = not (ex.nofollow or header.nofollow)
        extract = {"title": ex.title, "text": ex.text, "meta": dict(ex.meta), "links": ex.links if follow else [],
                   "passages": [asdict(p) for p in ex.passages]}
        extract, text_cut = cap_text(extract, site.max_text_chars)
        if text_cut and not reason:
            self.report.text_capped += 1
        was_document = url in self.was_document
        outcome = self.store.record_content(
            url=url, status=res.status, body=res.body, extract=extract, indexable=not reason, skip_reason=reason,
            content_type=res.content_type, etag=res.headers.get("etag", ""),
            last_modified=res.headers.get("last-modified", ""), revisit=self.revisit, error=ex.error,
            lastmod=lastmod, text_cut=text_cut, links_out=ex.content_links, page_meta=page_meta, **common)
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
    def _cut(self, why: str) -> None:
        """Stop with URLs left: the report says so (they are due again next run)."""
        left = self.store.frontier_pending(self.run_id, self.site.name)
        if left:
            self.report.cut = f"{why}: {left} URLs not visited in this run"
            self.report.not_visited = left
            log.warning("site crawl cut short", extra={"site": self.site.name, "why": why, "not_visited": left})

    def run(self) -> SiteReport:
        started = time.monotonic()
        try:
            if self.report.resumed:
                log.info("joining", extra={"site": self.site.name,
                                           "pending": self.store.frontier_pending(self.run_id, self.site.name)})
            while True:
                if self._out_of_time():
                    self._cut("time budget reached")
                    break
                if not self.budget.take():
                    self._cut(f"max_pages ({self.site.max_pages}) reached")
                    break
                claim = self.store.frontier_claim(self.run_id, self.site.name)
                if claim is None:
                    self.budget.give_back()
                    if not self.store.frontier_pending(self.run_id, self.site.name):
                        break
                    time.sleep(WAIT_FOR_OTHERS_S)
                    continue
                fetched = self.report.fetched
                if claim.url == self.seed_url:
                    self._seed()
                    self.store.frontier_done(self.run_id, claim.url)
                else:
                    self._process(claim)
                if self.report.fetched == fetched:
                    self.budget.give_back()
            attempted = self.report.fetched + self.report.robots_blocked
            if attempted and not (self.report.documents or self.report.not_due) and (
                    sum(self._errors.values()) == self.report.fetched):
                self.report.failed = "every request failed" if self.report.fetched else "robots.txt allows nothing"
            elif not attempted and not self.report.not_due and not self.report.cut:
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


def crawl(sites: list[Site], store: CrawlStore, progress: bool = True, sleep=time.sleep, parallel: int = 0,
          budget_s: float = 0.0) -> list[SiteReport]:
    """Crawl all sites in parallel (one thread per crawl loop: `site.workers` per site; at most `parallel` loops at
    once, 0 = all), resuming a killed run or joining the run other workers are crawling in the same store; one
    report per site (all workers' work, as far as it is finished). budget_s: the whole crawl's time budget (0 =
    none); a site also stops at its own budget_minutes, counted from when its first loop starts."""
    run_deadline = time.monotonic() + budget_s if budget_s else None
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
    params = {site.name: IgnorableParams() for site in sites}
    site_deadlines: dict[str, float | None] = {}

    def deadline_of(site: Site) -> float | None:
        with lock:
            if site.name not in site_deadlines:
                own = time.monotonic() + site.budget_minutes * 60 if site.budget_minutes else None
                site_deadlines[site.name] = min((d for d in (own, run_deadline) if d is not None), default=None)
            return site_deadlines[site.name]

    def one(site: Site) -> SiteReport:
        done = store.site_run_report(run_id, site.name)
        if done is not None:   # finished before the previous process was killed, or by another worker
            report = SiteReport.from_dict(done)
            report.resumed = True
            return report
        return SiteCrawler(site, store, run_id, throttle, tick, sleep=sleep, resumed=resumed[site.name],
                           budget=budgets[site.name], deadline=deadline_of(site), params=params[site.name]).run()

    # One thread per crawl loop: `workers` loops for a site claim from its frontier side by side.
    loops = [site for site in sites for _ in range(site.workers)]
    with ThreadPoolExecutor(max_workers=max(1, parallel or len(loops))) as pool:
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
