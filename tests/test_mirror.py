"""The local mirror sites: real pages with working links, metadata, robots.txt and sitemap.xml."""
import re

import requests

from mirror.sources import dutch_date, law_pages, register_pages, regelrecht_pages, algoritmekader_pages


def test_law_pages_keep_the_bwb_id_in_the_path_and_have_metadata():
    (page,) = list(law_pages(only={"BWBR0031331"}))
    assert page.path == "wet/wet/gemeentelijke/schuldhulpverlening/BWBR0031331/"
    assert page.identifier == "BWBR0031331" and page.doctype == "wet" and page.date == "2012-02-09"
    assert page.short_title == "wet gemeentelijke schuldhulpverlening"
    assert '<h3 id="artikel-1">' in page.body_html  # deep-linkable articles


def test_every_source_renders_with_its_own_ids():
    kader = {p.identifier: p for p in algoritmekader_pages()}
    assert len(kader) == 250 and kader["algoritmekader:index"].path == ""
    assert kader["algoritmekader:onderwerpen/bias-en-non-discriminatie"].path == "onderwerpen/bias-en-non-discriminatie/"
    register = list(register_pages())
    assert len(register) == 117 and all(re.fullmatch(r"algoritme/\d{8}/", p.path) for p in register)
    regs = {p.identifier: p for p in regelrecht_pages()}
    venlo = regs["regelrecht:venlo/verordening_rioolheffing/2025-01-01.yaml"]
    assert venlo.organisation == "Gemeente Venlo" and venlo.date == "2024-12-03" and venlo.doctype == "verordening"


def test_dutch_dates():
    assert dutch_date("Wet van 9 februari 2012 tot ...") == "2012-02-09"
    assert dutch_date("Besluit van 31 december 1999") == "1999-12-31"
    assert dutch_date("geen datum") == ""


def test_served_mirror_has_robots_sitemap_working_links_and_404s(corpus_data):
    _, sites = corpus_data
    wetten = next(s for s in sites if s.name == "wetten")
    base = wetten.allow[0]
    robots = requests.get(base + "robots.txt", timeout=5).text
    assert "Disallow: /zoeken/" in robots and f"Sitemap: {base}sitemap.xml" in robots
    sitemap = requests.get(base + "sitemap.xml", timeout=5).text
    law_url = base + "wet/wet/gemeentelijke/schuldhulpverlening/BWBR0031331/"
    assert f"<loc>{law_url}</loc>" in sitemap
    html = requests.get(law_url, timeout=5).text
    assert '<meta name="DCTERMS.identifier" content="BWBR0031331">' in html
    assert '<meta name="DCTERMS.creator" content="Rijksoverheid">' in html
    overview = requests.get(base + "overzicht/", timeout=5)
    assert "noindex" in overview.text and law_url.replace(base, "../") in overview.text
    assert requests.get(base + "bestaat/niet/", timeout=5).status_code == 404


def test_links_between_algoritmekader_pages_resolve(corpus_data):
    _, sites = corpus_data
    base = next(s for s in sites if s.name == "algoritmekader").allow[0]
    html = requests.get(base + "onderwerpen/", timeout=5).text
    hrefs = re.findall(r'href="(\.\./[^"#]*|[a-z][^":#]*/)"', html)
    assert hrefs
    for href in hrefs[:10]:
        url = requests.compat.urljoin(base + "onderwerpen/", href)
        assert requests.get(url, timeout=5).status_code == 200, url
