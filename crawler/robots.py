"""robots.txt per host (protego), fetched once per run and cached.

RFC 9309: a 4xx answer means no rules (everything allowed); a 5xx or an unreachable
robots.txt means the host is treated as fully disallowed for this run.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass

from protego import Protego

from .fetch import Fetcher
from .urls import host_of


@dataclass
class HostRules:
    parser: Protego | None      # None with allow_all/deny_all
    allow_all: bool = False
    deny_all: bool = False
    sitemaps: tuple[str, ...] = ()
    reason: str = ""

    def allowed(self, url: str, agent: str) -> bool:
        if self.deny_all:
            return False
        if self.allow_all or self.parser is None:
            return True
        return self.parser.can_fetch(url, agent)

    def crawl_delay(self, agent: str) -> float | None:
        if self.parser is None:
            return None
        delay = self.parser.crawl_delay(agent)
        return float(delay) if delay is not None else None


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
        if res.error or res.status is None:
            return HostRules(None, deny_all=True, reason=f"robots.txt unreachable ({res.error})")
        if res.status >= 500:
            return HostRules(None, deny_all=True, reason=f"robots.txt answered {res.status}")
        if res.status >= 400:
            return HostRules(None, allow_all=True, reason=f"robots.txt answered {res.status}")
        text = res.body.decode("utf-8", errors="replace")
        parser = Protego.parse(text)
        return HostRules(parser, sitemaps=tuple(parser.sitemaps))

    def allowed(self, url: str) -> bool:
        return self.rules_for(url).allowed(url, self.agent)
