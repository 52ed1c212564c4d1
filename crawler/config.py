"""The site list (corpus/sites.toml) as plain values, checked on load with messages a person can act on."""
from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

DEFAULT_SITES = Path(__file__).resolve().parent.parent / "corpus" / "sites.toml"


class ConfigError(ValueError):
    """The site configuration is wrong; the message says where and how."""


@dataclass(frozen=True)
class Site:
    name: str
    title: str
    start: tuple[str, ...]
    allow: tuple[str, ...]
    group: str = "g40"
    deny: tuple[str, ...] = ()
    organisation: str = ""
    city: str = ""
    rate: float = 1.0
    workers: int = 1               # crawl loops per site in one process, sharing its frontier (and its rate)
    max_pages: int = 20000
    max_depth: int = 12
    timeout: float = 20.0
    max_bytes: int = 20 * 1024 * 1024
    revisit_days: float = 1.0      # 0 = revisit every run (the local mirrors)
    revalidate_days: float = 7.0   # every known page is asked again (conditional GET) at least this often
    hub_links: int = 25            # this many links in its main content make a page a hub: revalidated every run
    budget_minutes: float = 0.0    # the site's time budget per run (0 = only the run's budget applies)
    request_deadline: float = 120.0   # seconds for one whole request, body included
    min_transfer_rate: float = 1024.0   # bytes/s a body must average once the read timeout has passed
    max_text_chars: int = 1_000_000   # stored text per document; the rest is cut, and /dekking says so
    user_agent: str = "Beleidszoeker/0.1"
    mirror: str = ""
    verified: bool = True
    extra: dict = field(default_factory=dict, compare=False, hash=False)

    def in_scope(self, url: str) -> bool:
        return (any(url.startswith(p) for p in self.allow)
                and not any(url.startswith(p) for p in self.deny))

    def with_base(self, base_url: str) -> "Site":
        """The same site served elsewhere (a test mirror on another port): start/allow rebased."""
        if not base_url.endswith("/"):
            base_url += "/"
        old = self.allow[0]

        def move(u: str) -> str:
            return base_url + u[len(old):] if u.startswith(old) else u
        return replace(self, start=tuple(move(u) for u in self.start),
                        allow=tuple(move(u) for u in self.allow), deny=tuple(move(u) for u in self.deny))


_KNOWN = {f.name for f in fields(Site)} - {"extra"}
_LISTS = {"start", "allow", "deny"}


def _site_from(raw: dict, defaults: dict, where: str) -> Site:
    values = {**{k: v for k, v in defaults.items() if k in _KNOWN}, **raw}
    for key in ("name", "start", "allow"):
        if not values.get(key):
            raise ConfigError(f"{where}: '{key}' is required")
    name = values["name"]
    if not isinstance(name, str) or not name.replace("-", "").replace("_", "").isalnum():
        raise ConfigError(f"{where}: name {name!r} must be letters, digits, '-' or '_'")
    for key in _LISTS:
        value = values.get(key, [])
        if isinstance(value, str):
            value = [value]
        if not all(isinstance(u, str) and u.startswith(("http://", "https://")) for u in value):
            raise ConfigError(f"{where} ({name}): every entry of '{key}' must be an http(s) URL")
        values[key] = tuple(value)
    for key in ("rate", "timeout", "revisit_days", "revalidate_days", "budget_minutes", "request_deadline",
                "min_transfer_rate"):
        if not isinstance(values.get(key, 0), (int, float)) or values.get(key, 0) < 0:
            raise ConfigError(f"{where} ({name}): '{key}' must be a number >= 0")
    if not isinstance(values.get("workers", 1), int) or not 1 <= values.get("workers", 1) <= 32:
        raise ConfigError(f"{where} ({name}): 'workers' must be a whole number from 1 to 32")
    for key in ("max_pages", "max_depth", "max_bytes", "hub_links", "max_text_chars"):
        if not isinstance(values.get(key, 1), int) or values.get(key, 1) < 0:
            raise ConfigError(f"{where} ({name}): '{key}' must be a whole number >= 0")
    unknown = {k: v for k, v in values.items() if k not in _KNOWN}
    known = {k: v for k, v in values.items() if k in _KNOWN}
    known.setdefault("title", name)
    return Site(**known, extra=unknown)


@dataclass(frozen=True)
class RunSettings:
    """What bounds a whole crawl run (the [run] table of sites.toml)."""
    parallel: int = 0              # crawl loops running at once over all sites (0 = every site's loops at once)
    budget_minutes: float = 0.0    # the whole crawl's time budget (0 = none); the index update and report follow


def _read_toml(path: Path) -> dict:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: file not found") from None
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"{path}: not valid TOML: {e}") from None


def load_run_settings(path: Path | str = DEFAULT_SITES) -> RunSettings:
    path = Path(path)
    raw = _read_toml(path).get("run", {})
    unknown = set(raw) - {f.name for f in fields(RunSettings)}
    if unknown:
        raise ConfigError(f"{path} [run]: unknown setting(s) {', '.join(sorted(unknown))}; known: parallel, "
                          "budget_minutes")
    if not isinstance(raw.get("parallel", 0), int) or raw.get("parallel", 0) < 0:
        raise ConfigError(f"{path} [run]: 'parallel' must be a whole number >= 0 (0 = all sites at once)")
    if not isinstance(raw.get("budget_minutes", 0), (int, float)) or raw.get("budget_minutes", 0) < 0:
        raise ConfigError(f"{path} [run]: 'budget_minutes' must be a number >= 0 (0 = no budget)")
    return RunSettings(**raw)


def load_sites(path: Path | str = DEFAULT_SITES) -> list[Site]:
    path = Path(path)
    data = _read_toml(path)
    defaults = data.get("defaults", {})
    sites = [_site_from(raw, defaults, f"{path} [[site]] #{i + 1}") for i, raw in enumerate(data.get("site", []))]
    seen: set[str] = set()
    for site in sites:
        if site.name in seen:
            raise ConfigError(f"{path}: site name {site.name!r} is used twice")
        seen.add(site.name)
    return sites


def select(sites: list[Site], names: list[str] | None = None, group: str | None = None) -> list[Site]:
    """Sites by name (an unknown name is an error, not silently nothing) or by group."""
    if names:
        by_name = {s.name: s for s in sites}
        missing = [n for n in names if n not in by_name]
        if missing:
            raise ConfigError(f"unknown site(s): {', '.join(missing)}; known: {', '.join(sorted(by_name))}")
        return [by_name[n] for n in names]
    if group:
        return [s for s in sites if s.group == group]
    return sites
