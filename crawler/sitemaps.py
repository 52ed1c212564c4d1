"""sitemap.xml reading: URL sets and sitemap indexes (gzipped or not), tolerant of junk."""
from __future__ import annotations

import gzip
from dataclasses import dataclass

import lxml.etree


@dataclass
class SitemapEntry:
    loc: str
    lastmod: str = ""


def parse_sitemap(body: bytes) -> tuple[list[SitemapEntry], list[str]]:
    """-> (page entries, child sitemap URLs). Garbage yields two empty lists, never an exception."""
    if body[:2] == b"\x1f\x8b":
        try:
            body = gzip.decompress(body)
        except (OSError, EOFError):
            return [], []
    try:
        parser = lxml.etree.XMLParser(recover=True, resolve_entities=False, no_network=True, huge_tree=False)
        root = lxml.etree.fromstring(body, parser=parser)
    except (lxml.etree.XMLSyntaxError, ValueError):
        return [], []
    if root is None:
        return [], []
    pages, children = [], []
    kind = lxml.etree.QName(root).localname if isinstance(root.tag, str) else ""
    for item in root:
        if not isinstance(item.tag, str):
            continue
        loc = lastmod = ""
        for child in item:
            if not isinstance(child.tag, str):
                continue
            name = lxml.etree.QName(child).localname
            if name == "loc":
                loc = (child.text or "").strip()
            elif name == "lastmod":
                lastmod = (child.text or "").strip()
        if not loc:
            continue
        if kind == "sitemapindex":
            children.append(loc)
        else:
            pages.append(SitemapEntry(loc, lastmod))
    return pages, children
