"""Static local websites rendered from the bundled corpus, for the demo and the tests.

`run.py mirror` renders each site that has `mirror = "<source>"` in corpus/sites.toml into
<data>/mirror/<site>/ and serves it on the host and port of its start URL.
"""
from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from .render import is_rendered, render_site
from .serve import MirrorServer
from .sources import SOURCES

__all__ = ["ensure_rendered", "serve_sites", "MirrorServer", "SOURCES", "render_site"]


def site_dir(data_dir: Path, site) -> Path:
    return Path(data_dir) / "mirror" / site.name


def ensure_rendered(sites, data_dir: Path, force: bool = False, log=print) -> None:
    """Render each mirror site that is missing or was rendered for another address."""
    for site in sites:
        if not site.mirror:
            continue
        if site.mirror not in SOURCES:
            raise ValueError(f"site {site.name}: unknown mirror source {site.mirror!r} "
                             f"(known: {', '.join(sorted(SOURCES))})")
        out = site_dir(data_dir, site)
        if force or not is_rendered(out, site.allow[0]):
            log(f"spiegel {site.name}: pagina's schrijven naar {out} ...")
            n = render_site(SOURCES[site.mirror](), out, site.allow[0], site.title)
            log(f"spiegel {site.name}: {n} pagina's")


def serve_sites(sites, data_dir: Path) -> MirrorServer:
    """Start serving every mirror site on the host:port of its first allowed prefix."""
    server = MirrorServer()
    try:
        for site in sites:
            if site.mirror:
                parts = urlsplit(site.allow[0])
                server.add(site_dir(data_dir, site), parts.hostname, parts.port or 80)
    except OSError:
        server.close()
        raise
    return server
