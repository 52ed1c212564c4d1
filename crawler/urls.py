"""URL normalisation: one spelling per page, so the crawler never fetches the same page twice in a run."""
from __future__ import annotations

import posixpath
import re
from urllib.parse import parse_qsl, quote, unquote, urlencode, urljoin, urlsplit, urlunsplit

_DEFAULT_PORTS = {"http": 80, "https": 443}
# Characters that may stay as they are in a path; everything else is percent-encoded once.
_PATH_SAFE = "/:@!$&'()*+,;=-._~%"
_QUERY_SAFE = _PATH_SAFE + "?"
# Query parameters that identify a visitor or a campaign, not a page: dropped, so one page has one URL.
SESSION_PARAMS = {"jsessionid", "phpsessid", "sid", "sessionid", "session_id", "sessid", "aspsessionid",
                  "utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content", "fbclid", "gclid"}
_PATH_SESSION = re.compile(r";(?:jsessionid|phpsessid|sessionid)=[^/?#]*", re.I)


def _requote(part: str, safe: str) -> str:
    """Decode then encode again, so '%7E', '~' and '%7e' come out the same and spaces become %20."""
    return quote(unquote(part), safe=safe.replace("%", "")) if "%" in part else quote(part, safe=safe)


def normalize_url(url: str, base: str | None = None) -> str | None:
    """Absolute, canonical form of `url` (relative to `base`), or None for what is not a web page link.

    Lowercases scheme and host, drops default ports and the fragment, resolves dot segments,
    normalises percent-encoding. The query string keeps its order (it can carry meaning).
    """
    url = (url or "").strip()
    if not url:
        return None
    if base:
        url = urljoin(base, url)
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.hostname:
        return None
    host = parts.hostname.lower().rstrip(".")
    if ":" in host:
        host = f"[{host}]"
    if port and port != _DEFAULT_PORTS[scheme]:
        host = f"{host}:{port}"
    path = _PATH_SESSION.sub("", parts.path) or "/"
    trailing = path.endswith("/")
    path = posixpath.normpath(path)
    if path.startswith("//"):
        path = "/" + path.lstrip("/")
    if trailing and not path.endswith("/"):
        path += "/"
    path = _requote(path, _PATH_SAFE)
    query = parts.query
    if query and any(k.lower() in SESSION_PARAMS for k, _ in parse_qsl(query, keep_blank_values=True)):
        query = urlencode([(k, v) for k, v in parse_qsl(query, keep_blank_values=True)
                           if k.lower() not in SESSION_PARAMS])
    query = _requote(query, _QUERY_SAFE) if query else ""
    return urlunsplit((scheme, host, path, query, ""))


def host_of(url: str) -> str:
    """'http://127.0.0.1:8101/a' -> '127.0.0.1:8101' (the unit of politeness)."""
    return urlsplit(url).netloc.lower()


_SKIP_EXT = re.compile(r"\.(?:jpe?g|png|gif|svg|webp|ico|css|js|mp4|mp3|zip|gz|woff2?|ttf)$", re.I)


def looks_like_asset(url: str) -> bool:
    """Images, styles, scripts and archives are not policy documents; skip them before fetching."""
    return bool(_SKIP_EXT.search(urlsplit(url).path))
