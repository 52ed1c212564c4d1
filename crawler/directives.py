"""Page-level robots directives: `<meta name="robots">` and the `X-Robots-Tag` header, read as lists.

A directive is a whole comma-separated item, so `max-image-preview:none` is not `none` and `noindexing` is not
`noindex`. An X-Robots-Tag item may start with a user agent (`googlebot: noindex`): it and the items after it,
up to the next user agent, are for that crawler only. Pure functions, no I/O.
"""
from __future__ import annotations

from dataclasses import dataclass

from .robotstxt import is_valid_agent

# Directive names that take a value after a colon ('max-snippet: 20'); anything else before a colon is a user agent.
_VALUED = {"max-snippet", "max-image-preview", "max-video-preview", "unavailable_after"}
_KNOWN = _VALUED | {"all", "none", "noindex", "nofollow", "index", "follow", "noarchive", "nocache", "nosnippet",
                    "noimageindex", "notranslate", "indexifembedded", "noodp", "noydir"}


@dataclass(frozen=True)
class Directives:
    noindex: bool = False
    nofollow: bool = False

    def __or__(self, other: "Directives") -> "Directives":
        return Directives(self.noindex or other.noindex, self.nofollow or other.nofollow)


def _of(names: set[str]) -> Directives:
    return Directives(noindex=bool(names & {"noindex", "none"}), nofollow=bool(names & {"nofollow", "none"}))


def _items(value: str) -> list[str]:
    return [item.strip().lower() for item in (value or "").split(",") if item.strip()]


def meta_directives(content: str) -> Directives:
    """The content of a `<meta name="robots">` (or one named after our crawler): 'noindex, max-snippet:-1'."""
    return _of({item.split(":", 1)[0].strip() for item in _items(content)})


def header_directives(value: str, agent: str) -> Directives:
    """An `X-Robots-Tag` value (several headers joined by commas), as far as it is meant for `agent`."""
    ours, token, scope = set(), agent.lower(), None    # scope None: for every crawler
    for item in _items(value):
        name, colon, rest = item.partition(":")
        name = name.strip()
        if colon and name not in _KNOWN and is_valid_agent(name):   # 'googlebot: noindex': agent, directive
            scope, item = name, rest.strip()
            name = item.split(":", 1)[0].strip()
        if item and scope in (None, token):
            ours.add(name)
    return _of(ours)
