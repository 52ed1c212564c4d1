#!/usr/bin/env python3
"""Main-content extraction: our lxml heuristic (crawler.extract) vs trafilatura, measured.

Ground truth: for the KOOP publication fixtures, the text of the XML edition of the same publication;
for mirror pages, the text of the page's content before it was wrapped in the site template.
Scores are token precision/recall/F1 (multiset overlap of lowercase word tokens), averaged per page,
plus milliseconds per page.   usage: python bench/extraction_eval.py [--n 60]
"""
from __future__ import annotations

import argparse
import re
import sys
import time
from collections import Counter
from itertools import islice
from pathlib import Path

import lxml.html

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from crawler.extract import extract_html  # noqa: E402
from mirror.render import page_html  # noqa: E402
from mirror.sources import algoritmekader_pages, law_pages  # noqa: E402

KOOP = REPO / "corpus" / "wetsuite-koop-fixtures"
WORD = re.compile(r"\w+", re.U)


def tokens(text: str) -> Counter:
    return Counter(w.lower() for w in WORD.findall(text or ""))


def prf(pred: str, truth: str) -> tuple[float, float, float]:
    p, t = tokens(pred), tokens(truth)
    overlap = sum((p & t).values())
    prec = overlap / max(1, sum(p.values()))
    rec = overlap / max(1, sum(t.values()))
    return prec, rec, (2 * prec * rec / (prec + rec) if prec + rec else 0.0)


def koop_cases():
    """Real officielebekendmakingen.nl pages (no <main>); truth = their #broodtekst (the publication body)."""
    for path in sorted(KOOP.glob("*.html")):
        html = path.read_bytes()
        body = lxml.html.fromstring(html).xpath("//*[@id='broodtekst']")
        if body:
            yield f"koop:{path.stem}", html, " ".join(body[0].itertext())


def mirror_cases(n: int):
    """Mirror pages as served, and the same pages without <main> (as on many municipal sites)."""
    for page in list(islice(law_pages(), n)) + list(islice(algoritmekader_pages(), n)):
        truth = " ".join(lxml.html.fromstring("<div>" + page.body_html + "</div>").itertext()) + " " + page.title
        html = page_html(page, "http://x/", "Spiegel")
        yield "mirror:" + page.identifier, html.encode(), truth
        # the same page as a <div> soup: no <main>, navigation and footer as classed divs
        no_main = (html.replace('<main id="inhoud">', '<div class="content">').replace("</main>", "</div>")
                   .replace("<header", '<div class="site-header"').replace("</header>", "</div>")
                   .replace("<nav", '<div class="main-menu"').replace("</nav>", "</div>")
                   .replace("<footer", '<div class="page-footer"').replace("</footer>", "</div>"))
        yield "nomain:" + page.identifier, no_main.encode(), truth


def ours(html: bytes) -> str:
    ex = extract_html(html, "http://x/")
    return ex.title + "\n" + ex.text


def traf(html: bytes) -> str:
    import trafilatura
    return trafilatura.extract(html.decode("utf-8", "replace"), include_tables=True, include_comments=False,
                               favor_recall=True) or ""


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=60)
    a = ap.parse_args()
    rows = {"ours": [], "trafilatura": []}
    times = {"ours": 0.0, "trafilatura": 0.0}
    groups = {}
    for case, html, truth in list(koop_cases()) + list(mirror_cases(a.n)):
        for name, fn in (("ours", ours), ("trafilatura", traf)):
            t = time.perf_counter()
            out = fn(html)
            times[name] += time.perf_counter() - t
            score = prf(out, truth)
            rows[name].append(score)
            groups.setdefault((case.split(":")[0], name), []).append(score)
    print(f"{'set':8s} {'extractor':12s} {'pages':>5s} {'prec':>6s} {'recall':>6s} {'F1':>6s}")
    for (group, name), scores in sorted(groups.items()):
        n = len(scores)
        p, r, f = (sum(s[i] for s in scores) / n for i in range(3))
        print(f"{group:8s} {name:12s} {n:5d} {p:6.3f} {r:6.3f} {f:6.3f}")
    n = len(rows["ours"])
    for name in rows:
        print(f"{name}: {1000 * times[name] / n:.1f} ms/page")


if __name__ == "__main__":
    main()
