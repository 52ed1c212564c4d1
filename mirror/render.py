"""Write a source's pages as a static website: HTML pages, an overview page, robots.txt, sitemap.xml.

The pages look like a real government site to the crawler: navigation and footer around a <main>,
OWMS/Dublin Core metadata in <meta> tags, a canonical link, and relative links between pages.
"""
from __future__ import annotations

import json
import os
import shutil
from collections import defaultdict
from html import escape
from pathlib import Path
from typing import Iterable
from urllib.parse import unquote

from .sources import Page

STAMP = ".mirror.json"
RENDER_VERSION = 4     # 4: a regelrecht regulation's legal basis; 3: Markdown residue repaired

PAGE = """<!DOCTYPE html>
<html lang="nl">
<head>
<meta charset="utf-8">
<title>{title} | {site_title}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
{meta}{robots}
<link rel="canonical" href="{canonical}">
</head>
<body>
<header class="site-header"><a class="logo" href="{root}">{site_title}</a>
<nav aria-label="Hoofdmenu"><ul><li><a href="{root}">Home</a></li><li><a href="{root}overzicht/">Overzicht</a></li><li><a href="{root}zoeken/">Zoeken</a></li></ul></nav>
</header>
<main id="inhoud">
<h1>{title}</h1>
{body}
</main>
<footer class="site-footer"><p>{site_title} &middot; <a href="{root}overzicht/">Alle pagina's</a> &middot; <a href="{root}overzicht/">Sitemap</a></p></footer>
</body>
</html>
"""


def _meta_tags(page: Page) -> str:
    tags = [("DCTERMS.title", page.title), ("DCTERMS.creator", page.organisation),
            ("DCTERMS.type", page.doctype), ("DCTERMS.identifier", page.identifier),
            ("DCTERMS.modified", page.date), ("DCTERMS.spatial", page.city),
            ("DCTERMS.alternative", page.short_title), ("DCTERMS.language", "nl")]
    return "\n".join(f'<meta name="{name}" content="{escape(value)}">' for name, value in tags if value)


def _root_from(path: str) -> str:
    """Relative prefix that leads from a page at `path` back to the site root."""
    return "../" * path.count("/") or "./"


def page_html(page: Page, base_url: str, site_title: str, index: bool = True) -> str:
    """The page as HTML; index=False marks navigation pages 'noindex, follow' as real sites do."""
    body = page.body_html
    if page.links:
        body += "\n<ul class=\"bronnen\">" + "".join(
            f'<li><a href="{escape(href)}">{escape(label)}</a></li>' for href, label in page.links) + "</ul>"
    return PAGE.format(title=escape(page.title), site_title=escape(site_title), meta=_meta_tags(page),
                       canonical=escape(base_url + page.path),
                       robots="" if index else '\n<meta name="robots" content="noindex, follow">', root=_root_from(page.path), body=body)


def _write(out: Path, rel_path: str, html: str) -> None:
    target = out / unquote(rel_path) / "index.html"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(html, encoding="utf-8")


def render_site(pages: Iterable[Page], out: Path, base_url: str, site_title: str) -> int:
    """Render all pages into `out` (replaced whole); returns the number of content pages."""
    if not base_url.endswith("/"):
        base_url += "/"
    tmp = out.with_name(out.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    listed: dict[str, list[Page]] = defaultdict(list)
    urls = []
    has_home = False
    for page in pages:
        _write(tmp, page.path, page_html(page, base_url, site_title))
        listed[page.doctype or "pagina"].append(page)
        urls.append(base_url + page.path)
        has_home = has_home or page.path == ""
    n = len(urls)

    overview = []
    for doctype in sorted(listed):
        items = sorted(listed[doctype], key=lambda p: p.title.lower())
        overview.append(f'<h2 id="{escape(doctype)}">{escape(doctype.capitalize())} ({len(items)})</h2><ul>'
                        + "".join(f'<li><a href="../{p.path}">{escape(p.title)}</a></li>' for p in items)
                        + "</ul>")
    _write(tmp, "overzicht/", page_html(Page("overzicht/", "Overzicht van alle pagina's", "\n".join(overview)),
                                        base_url, site_title, index=False))
    if not has_home:
        intro = (f"<p>Deze site bevat {n} documenten.</p>"
                 + "<ul>" + "".join(f'<li><a href="overzicht/#{escape(d)}">{escape(d.capitalize())}</a></li>'
                                    for d in sorted(listed)) + "</ul>")
        _write(tmp, "", page_html(Page("", site_title, intro), base_url, site_title, index=False))
    # A search page that robots.txt keeps crawlers out of, as on real sites.
    _write(tmp, "zoeken/", page_html(Page("zoeken/", "Zoeken", "<p>Zoek op deze site.</p>"), base_url, site_title,
                                     index=False))

    (tmp / "robots.txt").write_text(
        f"User-agent: *\nDisallow: /zoeken/\n\nSitemap: {base_url}sitemap.xml\n", encoding="utf-8")
    with open(tmp / "sitemap.xml", "w", encoding="utf-8") as f:
        f.write('<?xml version="1.0" encoding="UTF-8"?>\n'
                '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n')
        for url in [base_url] + urls:
            f.write(f"<url><loc>{escape(url)}</loc></url>\n")
        f.write("</urlset>\n")
    (tmp / STAMP).write_text(json.dumps({"base_url": base_url, "pages": n, "version": RENDER_VERSION}))

    old = out.with_name(out.name + ".old")
    shutil.rmtree(old, ignore_errors=True)
    if out.exists():
        os.rename(out, old)
    os.rename(tmp, out)
    shutil.rmtree(old, ignore_errors=True)
    return n


def is_rendered(out: Path, base_url: str) -> bool:
    """True when `out` holds a complete rendering for this base URL (the stamp is written last)."""
    try:
        stamp = json.loads((out / STAMP).read_text())
    except (OSError, ValueError):
        return False
    if not base_url.endswith("/"):
        base_url += "/"
    return stamp.get("base_url") == base_url and stamp.get("version") == RENDER_VERSION
