"""Query parameters a site shows to be irrelevant: learnt from its rel=canonical links.

When /p?x=3 says its canonical URL is /p, the parameter x does not change the page. Fifty ?x=N variants of one
page would otherwise cost fifty fetches before each is skipped as "canonical"; once x is learnt, every URL of the
site is stripped of it before it is enqueued or fetched. What is learnt holds for the site for one run.
"""
from __future__ import annotations

import threading
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit


def dropped_params(url: str, canonical: str) -> set[str]:
    """Names of the query parameters of `url` that its canonical URL (same scheme, host and path) drops;
    empty when the canonical is another page or changes a parameter's value."""
    u, c = urlsplit(url), urlsplit(canonical)
    if (u.scheme, u.netloc, u.path) != (c.scheme, c.netloc, c.path):
        return set()
    mine = parse_qsl(u.query, keep_blank_values=True)
    theirs = parse_qsl(c.query, keep_blank_values=True)
    if not set(theirs) <= set(mine):
        return set()
    kept = {k for k, _ in theirs}
    return {k for k, _ in mine if k not in kept}


def strip_params(url: str, names: set[str] | frozenset[str]) -> str:
    """url without the query parameters named."""
    if not names:
        return url
    parts = urlsplit(url)
    params = parse_qsl(parts.query, keep_blank_values=True)
    kept = [(k, v) for k, v in params if k not in names]
    if len(kept) == len(params):
        return url
    return urlunsplit(parts._replace(query=urlencode(kept)))


class IgnorableParams:
    """The parameters learnt for one site, shared by its crawl loops in this process."""

    def __init__(self):
        self.names: frozenset[str] = frozenset()
        self._lock = threading.Lock()

    def learn(self, url: str, canonical: str) -> set[str]:
        """Learn from one page's canonical link; returns the names that are new."""
        new = dropped_params(url, canonical) - self.names
        if new:
            with self._lock:
                self.names = self.names | new
        return new

    def strip(self, url: str) -> str:
        return strip_params(url, self.names)
