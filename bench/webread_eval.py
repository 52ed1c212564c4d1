#!/usr/bin/env python3
"""Charset and date of pages as the crawler reads them (crawler.extract.extract_html), counted against truth.

Three sets:
  fixtures  tests/fixtures/webread: pages written with a known encoding (and the HTTP charset a server sent
            with them) or a known date, including the cases a crawler gets wrong (pages.json says which)
  mirror    the bundled corpus as the mirror serves it (UTF-8, DCTERMS.modified); truth = the source's date
  koop      the officielebekendmakingen.nl pages among corpus/wetsuite-koop-fixtures; truth = the publication
            date the page states (stb 2014-07-29, stcrt 2013-04-23, gmb 2017-06-14)

Charset right: every word of the true text that has a non-ASCII letter comes out unchanged and there is no
U+FFFD or C1 control character. Date right: the date equals the truth ('' truth: no date is right).

    python bench/webread_eval.py [--n 200] [--code DIR]

--code runs another checkout's crawler (e.g. `git archive <commit> crawler | tar -x -C DIR`) on the same pages:
that is how the "before" column of docs/EXTRACTION.md was measured.
"""
from __future__ import annotations

import argparse
import json
import re
import sys
import time
from itertools import islice
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "tests" / "fixtures" / "webread"
KOOP = REPO / "corpus" / "wetsuite-koop-fixtures"
KOOP_DATES = {"stb": "2014-07-29", "stcrt": "2013-04-23", "gmb": "2017-06-14"}
WORD = re.compile(r"\w+", re.U)
BROKEN = re.compile("[\ufffd\x80-\x9f]")
ISO = re.compile(r"\d{4}-\d{2}-\d{2}")        # some register records have 'Wordt vervangen' as their date: no truth


def fixture_cases():
    for case in json.loads((FIXTURES / "pages.json").read_text(encoding="utf-8")):
        yield ("fixtures", case["file"], (FIXTURES / case["file"]).read_bytes(), case["http_charset"],
               case["text"], case["date"])


def mirror_cases(n: int):
    import lxml.html

    from mirror.render import page_html
    from mirror.sources import SOURCES
    for name, source in sorted(SOURCES.items()):
        for page in islice(source(), n):
            truth = " ".join(lxml.html.fromstring("<div>" + page.body_html + "</div>").itertext())
            yield ("mirror", f"{name}:{page.identifier}", page_html(page, "http://x/", "Spiegel").encode("utf-8"),
                   "utf-8", page.title + " " + truth, page.date if ISO.fullmatch(page.date or "") else None)


def koop_cases():
    for stem, date in sorted(KOOP_DATES.items()):
        yield "koop", stem, (KOOP / f"{stem}.html").read_bytes(), "utf-8", None, date


def charset_right(text: str, truth: str) -> bool:
    wanted = {w for w in WORD.findall(truth) if not w.isascii()}
    got = set(WORD.findall(text))
    return wanted <= got and not BROKEN.search(text)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=200, help="pages per mirror source")
    ap.add_argument("--code", type=Path, default=REPO, help="checkout whose crawler package is measured")
    ap.add_argument("--failures", action="store_true", help="list the pages that come out wrong")
    ap.add_argument("--repeat", type=int, default=5, help="warm timing passes")
    a = ap.parse_args()
    sys.path.insert(0, str(REPO))
    sys.path.insert(0, str(a.code.resolve()))
    from crawler.extract import extract_html

    counts: dict[tuple[str, str], list[int]] = {}
    seconds, pages = 0.0, 0
    for group, name, body, charset, text_truth, date_truth in (
            list(fixture_cases()) + list(mirror_cases(a.n)) + list(koop_cases())):
        started = time.perf_counter()
        ex = extract_html(body, "http://x/", charset)
        seconds, pages = seconds + time.perf_counter() - started, pages + 1
        got = ex.title + "\n" + ex.text
        if text_truth is not None:
            ok = charset_right(got, text_truth)
            counts.setdefault((group, "charset"), [0, 0])
            counts[(group, "charset")][0] += ok
            counts[(group, "charset")][1] += 1
            if a.failures and not ok:
                print(f"charset wrong: {group} {name}")
        if date_truth is not None:
            ok = ex.meta.get("date", "") == date_truth
            counts.setdefault((group, "date"), [0, 0])
            counts[(group, "date")][0] += ok
            counts[(group, "date")][1] += 1
            if a.failures and not ok:
                print(f"date wrong: {group} {name}: {ex.meta.get('date', '')!r}, truth {date_truth!r}")
    print(f"{'set':9s} {'what':8s} {'right':>6s} {'pages':>6s}")
    for (group, what), (right, total) in sorted(counts.items()):
        print(f"{group:9s} {what:8s} {right:6d} {total:6d}")
    print(f"extraction: {1000 * seconds / max(1, pages):.1f} ms/page over {pages} pages (one cold pass)")
    cases = list(fixture_cases()) + list(mirror_cases(a.n)) + list(koop_cases())
    best = float("inf")
    for _ in range(a.repeat):
        started = time.perf_counter()
        for _, _, body, charset, _, _ in cases:
            extract_html(body, "http://x/", charset)
        best = min(best, time.perf_counter() - started)
    print(f"extraction: {1000 * best / len(cases):.1f} ms/page, best of {a.repeat} warm passes")


if __name__ == "__main__":
    main()
