"""robots.txt per host, fetched once per run and cached; the rules themselves are crawler.robotstxt.

RFC 9309 2.3.1: a 4xx answer means no rules (everything allowed); a 5xx, a 429 (too many requests: the server
is struggling, not saying "there is no file") or an unreachable robots.txt means the host is treated as fully
disallowed for this run.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass

from . import robotstxt
from .fetch import Fetcher
from .urls import host_of


def availability(status: int | None, error: str) -> str:
    """What an answer to GET /robots.txt means: 'rules', 'allow-all' or 'deny-all'."""
    if error or status is None or status >= 500 or status == 429:
        return "deny-all"
    if status >= 400:
        return "allow-all"
    return "rules"


@dataclass
class HostRules:
    parsed: robotstxt.RobotsTxt | None      # None with allow_all/deny_all
    allow_all: bool = False
    deny_all: bool = False
    sitemaps: tuple[str, ...] = ()
    reason: str = ""

    def allowed(self, url: str, agent: str) -> bool:
        if self.deny_all:
            return False
        if self.allow_all or self.parsed is None:
            return True
        return self.parsed.allowed(agent, url)

    def crawl_delay(self, agent: str) -> float | None:
        return self.parsed.crawl_delay(agent) if self.parsed is not None else None


class RobotsCache:
    def __init__(self, fetcher: Fetcher, agent: str):
        self.fetcher = fetcher
        self.agent = agent.split("/")[0]  # product token, as robots.txt groups name it
        self._rules: dict[str, HostRules] = {}
        self._lock = threading.Lock()

    def rules_for(self, url: str) -> HostRules:
        host = host_of(url)
        with self._lock:
            if host not in self._rules:
                scheme = url.split("://", 1)[0]
                self._rules[host] = self._load(f"{scheme}://{host}/robots.txt")
            return self._rules[host]

    def _load(self, robots_url: str) -> HostRules:
        res = self.fetcher.get(robots_url)
        verdict = availability(res.status, res.error)
        if verdict == "deny-all":
            why = f"unreachable ({res.error})" if res.error or res.status is None else f"answered {res.status}"
            return HostRules(None, deny_all=True, reason=f"robots.txt {why}")
        if verdict == "allow-all":
            return HostRules(None, allow_all=True, reason=f"robots.txt answered {res.status}")
        parsed = robotstxt.parse(res.body)
        return HostRules(parsed, sitemaps=tuple(parsed.sitemaps))

    def allowed(self, url: str) -> bool:
        return self.rules_for(url).allowed(url, self.agent)
