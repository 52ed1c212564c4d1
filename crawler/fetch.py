"""HTTP, the polite way. Three layers with one job each:

  Fetcher      one request: honest User-Agent, connect/read timeouts, allowed content types checked
               before the body is read, body streamed and cut off at max_bytes, or when TransferLimits
               (a wall-clock deadline and a minimum rate) say the server is too slow
  Retrying     429/502/503/504 and connection errors: wait (Retry-After when given, else exponential
               backoff) and try again, a bounded number of times
  Redirecting  follows 3xx itself, so every hop is throttled, checked against scope and robots.txt,
               and loops are caught

The throttle is asked before every single request, retries and redirect hops included.
"""
from __future__ import annotations

import email.utils
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Callable

import requests
import urllib3

from .urls import host_of, normalize_url

DEFAULT_MAX_BYTES = 20 * 1024 * 1024
RETRY_STATUSES = {429, 502, 503, 504}


@dataclass
class FetchResult:
    url: str
    final_url: str = ""
    status: int | None = None
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    elapsed_ms: int = 0
    error: str = ""          # '' on a completed HTTP exchange (any status), else what went wrong
    error_kind: str = ""     # short machine word for reports: timeout, connection, too-large, type, redirect-loop ...
    redirects: list[tuple[str, int]] = field(default_factory=list)   # (url, status) of each hop before final_url
    attempts: int = 1

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip().lower()

    @property
    def charset(self) -> str | None:
        for part in self.headers.get("content-type", "").split(";")[1:]:
            key, _, value = part.partition("=")
            if key.strip().lower() == "charset" and value.strip():
                return value.strip().strip('"\'')
        return None


@dataclass(frozen=True)
class TransferLimits:
    """When to give up on a response: the read timeout only bounds the wait for the next byte, so a server
    that drips one byte every few seconds would hold a crawl forever. A request gets a wall-clock deadline,
    and once `grace_s` has passed its average rate must stay above `min_rate` bytes per second."""
    deadline_s: float = 120.0
    min_rate: float = 1024.0
    grace_s: float = 20.0

    def problem(self, elapsed_s: float, size: int) -> tuple[str, str]:
        """-> (error, kind) when the request must stop now, ('', '') while it may go on."""
        if elapsed_s > self.deadline_s:
            return f"no complete answer within {self.deadline_s:g} s ({size} bytes read)", "deadline"
        if elapsed_s > self.grace_s and size < self.min_rate * elapsed_s:
            return (f"answer slower than {self.min_rate:g} bytes/s ({size} bytes in {elapsed_s:.0f} s)",
                    "too-slow")
        return "", ""


class Fetcher:
    """One HTTP request, nothing more (no redirects followed, no retries)."""

    def __init__(self, user_agent: str, timeout: float = 20.0, max_bytes: int = DEFAULT_MAX_BYTES,
                 allowed_types: frozenset[str] | None = None, throttle=None, limits: TransferLimits | None = None):
        self.session = requests.Session()
        self.session.headers["User-Agent"] = user_agent
        self.session.headers["Accept-Language"] = "nl,en;q=0.5"
        self.timeout = (min(10.0, timeout), timeout)  # (connect, read)
        self.max_bytes = max_bytes
        self.allowed_types = allowed_types
        self.throttle = throttle
        self.min_interval: dict[str, float] = {}      # per host, e.g. robots.txt Crawl-delay
        self.default_interval = 0.0                   # for a host not in min_interval (its robots.txt included)
        self.limits = limits or TransferLimits(grace_s=timeout)

    def get(self, url: str, headers: dict[str, str] | None = None) -> FetchResult:
        if self.throttle is not None:
            host = host_of(url)
            self.throttle.wait(host, self.min_interval.get(host, self.default_interval))
        started = time.monotonic()
        result = FetchResult(url=url, final_url=url)
        try:
            with self.session.get(url, headers=headers, timeout=self.timeout, stream=True,
                                  allow_redirects=False) as resp:
                result.status = resp.status_code
                result.headers = {k.lower(): v for k, v in resp.headers.items()}
                if (self.allowed_types is not None and resp.status_code == 200
                        and result.content_type not in self.allowed_types):
                    result.error, result.error_kind = f"content type {result.content_type!r} not wanted", "type"
                else:
                    declared = resp.headers.get("content-length", "")
                    if declared.isdigit() and int(declared) > self.max_bytes:
                        result.error = f"body of {declared} bytes is larger than {self.max_bytes}"
                        result.error_kind = "too-large"
                    else:
                        self._read_body(resp, result, started)
        except (requests.Timeout, urllib3.exceptions.TimeoutError):
            result.error, result.error_kind = "timeout", "timeout"
        except urllib3.exceptions.HTTPError as e:   # raised by the raw body read: a broken or undecodable stream
            result.error, result.error_kind = f"connection error: {type(e).__name__}", "connection"
        except requests.ConnectionError as e:
            result.error, result.error_kind = f"connection error: {type(e).__name__}", "connection"
        except requests.RequestException as e:
            result.error, result.error_kind = f"request failed: {type(e).__name__}: {e}", "request"
        result.elapsed_ms = int((time.monotonic() - started) * 1000)
        return result

    def _read_body(self, resp, result: FetchResult, started: float) -> None:
        chunks, size = [], 0
        while True:
            # read1: whatever has arrived (up to 64 KiB), so the limits are checked at least once per read timeout
            chunk = resp.raw.read1(64 * 1024, decode_content=True)
            if not chunk:
                break
            size += len(chunk)
            result.error, result.error_kind = self.limits.problem(time.monotonic() - started, size)
            if result.error:
                return
            if size > self.max_bytes:
                result.error = f"body larger than {self.max_bytes} bytes (cut off)"
                result.error_kind = "too-large"
                return
            chunks.append(chunk)
        result.body = b"".join(chunks)

    def close(self) -> None:
        self.session.close()


def retry_after_seconds(value: str | None) -> float | None:
    """Retry-After as seconds: either a number or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())


class Retrying:
    """Retry what a server says is temporary, waiting as it asks (capped) or backing off exponentially."""

    def __init__(self, fetcher: Fetcher, tries: int = 3, backoff: float = 1.0, max_wait: float = 60.0,
                 sleep: Callable[[float], None] = time.sleep):
        self.fetcher, self.tries, self.backoff, self.max_wait, self.sleep = fetcher, tries, backoff, max_wait, sleep

    def get(self, url: str, headers: dict[str, str] | None = None) -> FetchResult:
        for attempt in range(1, self.tries + 1):
            result = self.fetcher.get(url, headers)
            result.attempts = attempt
            temporary = result.status in RETRY_STATUSES or result.error_kind in ("connection", "timeout")
            if not temporary or attempt == self.tries:
                return result
            wait = retry_after_seconds(result.headers.get("retry-after"))
            if wait is None:
                wait = self.backoff * 2 ** (attempt - 1)
            if wait > self.max_wait:
                return result   # the server asks for more patience than one run has: try next run
            self.sleep(wait)
        return result


class Redirecting:
    """Follow redirects hop by hop; `may_follow(url)` says whether a hop target is in scope and allowed."""

    def __init__(self, inner, may_follow: Callable[[str], str], max_hops: int = 10):
        self.inner, self.may_follow, self.max_hops = inner, may_follow, max_hops

    def get(self, url: str, headers: dict[str, str] | None = None) -> FetchResult:
        hops: list[tuple[str, int]] = []
        seen = {url}
        current, send = url, headers
        while True:
            result = self.inner.get(current, send)
            if result.status not in (301, 302, 303, 307, 308) or not result.headers.get("location"):
                result.url, result.final_url, result.redirects = url, current, hops
                return result
            target = normalize_url(result.headers["location"], current)
            hops.append((current, result.status))
            problem = ""
            if target is None:
                problem, kind = "redirect to something that is not a web page", "redirect-invalid"
            elif target in seen:
                problem, kind = f"redirect loop back to {target}", "redirect-loop"
            elif len(hops) > self.max_hops:
                problem, kind = f"more than {self.max_hops} redirects", "redirect-loop"
            else:
                refusal = self.may_follow(target)
                if refusal:
                    problem, kind = f"redirect to {target}: {refusal}", f"redirect-{refusal}"
            if problem:
                result.url, result.final_url, result.redirects = url, target or current, hops
                result.error, result.error_kind = problem, kind
                return result
            seen.add(target)
            current, send = target, None   # validators belong to the first URL only
