"""robots.txt as RFC 9309 says: parse once, then answer "may this agent fetch this URL?".

Pure: text in, answers out (robots.py does the fetching and the 4xx/5xx policy). Our own because neither
protego (0.7) nor robotspy (0.13) passes the RFC 9309 cases of Google's robots.txt test suite
(tests/robots_rfc9309_cases.py): both decode the URL before matching, so `%62%61%7A` matches `baz` and a raw
`ツ` matches its encoded rule, and protego does not read `User-agent: Foo Bar` as a group for `Foo`.

The rules, in short: a group is one or more user-agent lines and the rules after them; all groups that name
our product token apply (merged), else all `*` groups, else none; the longest matching pattern wins, allow on
a tie; `*` matches any run of characters and `$` at the end anchors. Patterns are percent-encoded (non-ASCII
as UTF-8) and compared octet by octet with the URL's path and query as the caller gives them: the crawler's
URLs are normalised (crawler/urls.py) before they get here.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

MAX_BYTES = 500 * 1024          # RFC 9309 2.5: parse at least 500 KiB; we stop there
_UTF8_BOM = b"\xef\xbb\xbf"
_LINE_END = re.compile(r"\r\n|\r|\n")
_VALID_AGENT = re.compile(r"[A-Za-z_-]+")
_AGENT_PREFIX = re.compile(r"[A-Za-z_-]*")
_HEX_ESCAPE = re.compile(r"%([0-9a-fA-F]{2})")
_KNOWN_KEYS = {"user-agent", "allow", "disallow", "sitemap", "crawl-delay"}


def is_valid_agent(token: str | None) -> bool:
    """A product token a crawler may name itself by: letters, '_' and '-' only (RFC 9309 2.2.1)."""
    return bool(token) and bool(_VALID_AGENT.fullmatch(token))


def escape_pattern(pattern: str) -> str:
    """Percent-encode non-ASCII octets (as UTF-8) and write existing escapes in upper case: '/á%aa' -> '/%C3%A1%AA'."""
    pattern = _HEX_ESCAPE.sub(lambda m: "%" + m.group(1).upper(), pattern)
    return "".join(c if ord(c) < 128 else "".join(f"%{b:02X}" for b in c.encode("utf-8")) for c in pattern)


def path_of(url: str) -> str:
    """What rules are matched against: path, params and query, as given; '/' when there is no path."""
    parts = urlsplit(url)
    path = parts.path or "/"
    return f"{path}?{parts.query}" if parts.query else path


def pattern_matches(pattern: str, path: str) -> bool:
    """Does `path` start with `pattern` ('*' any run, '$' at the end: path ends here)? Linear in both lengths:
    the set of path positions reachable so far, never backtracking, so a hostile pattern costs no more."""
    positions = [0]
    last = len(pattern) - 1
    for i, c in enumerate(pattern):
        if c == "$" and i == last:
            return positions[-1] == len(path)
        if c == "*":
            positions = list(range(positions[0], len(path) + 1))
        else:
            positions = [p + 1 for p in positions if p < len(path) and path[p] == c]
            if not positions:
                return False
    return True


@dataclass
class Group:
    agents: list[str] = field(default_factory=list)          # product tokens, lower case; '*' for everyone
    rules: list[tuple[str, bool]] = field(default_factory=list)  # (escaped pattern, allowed)
    crawl_delay: float | None = None


@dataclass
class RobotsTxt:
    groups: list[Group] = field(default_factory=list)
    sitemaps: list[str] = field(default_factory=list)
    recognised: int = 0      # lines with a directive we know (user-agent, allow, disallow, sitemap, crawl-delay)
    unknown: int = 0         # lines with some other key, or garbage

    def _groups_for(self, agent: str) -> list[Group]:
        token = agent.lower()
        mine = [g for g in self.groups if token in g.agents]
        return mine or [g for g in self.groups if "*" in g.agents]

    def allowed(self, agent: str, url: str) -> bool:
        """May `agent` (a product token, e.g. 'Beleidszoeker') fetch `url`? The longest match decides."""
        path = path_of(url)
        best_len, best_allowed = -1, True
        for group in self._groups_for(agent):
            for pattern, allow in group.rules:
                n = len(pattern)
                if n < best_len or (n == best_len and best_allowed):
                    continue
                if pattern_matches(pattern, path):
                    best_len, best_allowed = n, allow if n > best_len else (allow or best_allowed)
        return best_allowed

    def crawl_delay(self, agent: str) -> float | None:
        """The first Crawl-delay of the groups that apply (not in RFC 9309, but widely used and polite)."""
        return next((g.crawl_delay for g in self._groups_for(agent) if g.crawl_delay is not None), None)


def _key_value(line: str) -> tuple[str, str] | None:
    """'Disallow: /x' -> ('disallow', '/x'); also 'disallow /x' (a missing colon is an obvious slip)."""
    key, colon, value = line.partition(":")
    if not colon:
        bits = line.split(None, 1)
        if len(bits) != 2:
            return None
        key, value = bits
    return key.strip().lower(), value.strip()


def _agent_token(value: str) -> str:
    """The product token a user-agent line names: '*', or its leading letters, '_' and '-' ('Foo Bar' -> 'foo')."""
    if value.startswith("*"):
        return "*"
    return _AGENT_PREFIX.match(value).group(0).lower()


def parse(body: bytes | str) -> RobotsTxt:
    """Read a robots.txt. Never fails: what it cannot read is counted as unknown and ignored."""
    if isinstance(body, bytes):
        body = body[:MAX_BYTES]
        for n in (3, 2, 1):   # a whole or partial UTF-8 byte order mark at the start is skipped
            if body[:n] == _UTF8_BOM[:n]:
                body = body[n:]
                break
        body = body.decode("utf-8", errors="replace")
    out = RobotsTxt()
    group: Group | None = None
    in_rules = False        # a user-agent line after rules starts a new group
    for raw in _LINE_END.split(body):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        kv = _key_value(line)
        if kv is None or kv[0] not in _KNOWN_KEYS:
            out.unknown += 1
            continue
        out.recognised += 1
        key, value = kv
        if key == "sitemap":
            if value:
                out.sitemaps.append(value)
        elif key == "user-agent":
            if group is None or in_rules:
                group = Group()
                out.groups.append(group)
                in_rules = False
            token = _agent_token(value)
            if token:
                group.agents.append(token)
        elif group is None:
            continue          # rules before any user-agent line belong to no group
        elif key == "crawl-delay":
            in_rules = True
            try:
                delay = float(value)
            except ValueError:
                continue
            if delay >= 0 and group.crawl_delay is None:
                group.crawl_delay = delay
        else:
            in_rules = True
            if value:         # an empty Disallow or Allow says nothing
                group.rules.append((escape_pattern(value), key == "allow"))
    return out
