"""URL normalisation: one spelling per page, so the crawler never fetches the same page twice in a run."""
from __future__ import annotations

import re
from urllib.parse import unquote, urljoin, urlsplit, urlunsplit

from w3lib.url import safe_url_string

_DEFAULT_PORTS = {"http": 80, "https": 443}
# Query parameters that identify a visitor or a campaign, not a page: dropped, so one page has one URL.
SESSION_PARAMS = {"jsessionid", "phpsessid", "sid", "sessionid", "session_id", "sessid", "aspsessionid",
                  "utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content", "fbclid", "gclid"}
_PATH_SESSION = re.compile(r";(?:jsessionid|phpsessid|sessionid)=[^/?#]*", re.I)
_ESCAPE = re.compile(r"%([0-9A-Fa-f]{2})")
_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")


def normalize_escapes(part: str) -> str:
    """RFC 3986 6.2.2.1-2: hex digits in upper case, escaped unreserved characters decoded ('%7e' -> '~').
    Reserved ('%2F', '%26', '%3D', '%2B') and non-UTF-8 ('%E9') escapes stay as they are: decoding them changes
    what the URL means."""
    def one(m: re.Match) -> str:
        char = chr(int(m.group(1), 16))
        return char if char in _UNRESERVED else "%" + m.group(1).upper()
    return _ESCAPE.sub(one, part)


def remove_dot_segments(path: str) -> str:
    """RFC 3986 5.2.4: '/a/./b/../c' -> '/a/c'. Empty segments ('//') are kept: they are part of the path."""
    out: list[str] = []
    segments = path.split("/")
    for i, seg in enumerate(segments):
        last = i == len(segments) - 1
        if seg == ".":
            if last:
                out.append("")
        elif seg == "..":
            if len(out) > 1:
                out.pop()
            if last:
                out.append("")
        else:
            out.append(seg)
    result = "/".join(out)
    return result if result.startswith("/") else "/" + result


def _without_session_params(query: str) -> str:
    """Drop session and tracking parameters; every other parameter stays byte for byte, in its order."""
    if not query:
        return ""
    kept = [pair for pair in query.split("&")
            if unquote(pair.split("=", 1)[0]).lower() not in SESSION_PARAMS]
    return "&".join(kept)


def normalize_url(url: str, base: str | None = None) -> str | None:
    """Absolute, canonical form of `url` (relative to `base`), or None for what is not a web page link.

    Only what RFC 3986 (section 6) says is equivalent is made the same: case of scheme and host, default
    ports, dot segments, case of escapes, escaped unreserved characters. Characters that must be escaped are
    escaped (w3lib: non-ASCII as UTF-8, spaces), existing escapes are never decoded into reserved characters,
    the query keeps its order; the fragment and session parameters go.
    """
    url = (url or "").strip()
    if not url:
        return None
    try:
        if base:
            url = urljoin(base, url)
        parts = urlsplit(safe_url_string(url))
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.hostname:
        return None
    host = parts.hostname.lower().rstrip(".")
    if not host:
        return None
    if ":" in host:
        host = f"[{host}]"
    if port and port != _DEFAULT_PORTS[scheme]:
        host = f"{host}:{port}"
    path = normalize_escapes(remove_dot_segments(_PATH_SESSION.sub("", parts.path) or "/"))
    query = normalize_escapes(_without_session_params(parts.query))
    return urlunsplit((scheme, host, path, query, ""))


def host_of(url: str) -> str:
    """'http://127.0.0.1:8101/a' -> '127.0.0.1:8101' (the unit of politeness)."""
    return urlsplit(url).netloc.lower()


_SKIP_EXT = re.compile(r"\.(?:jpe?g|png|gif|svg|webp|ico|css|js|mp4|mp3|zip|gz|woff2?|ttf)$", re.I)


def looks_like_asset(url: str) -> bool:
    """Images, styles, scripts and archives are not policy documents; skip them before fetching."""
    return bool(_SKIP_EXT.search(urlsplit(url).path))
