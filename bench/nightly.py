#!/usr/bin/env python3
"""How long a night takes: the planning's prediction against a measurement on the simulated G40 (tests/g40sim.py).

    python bench/nightly.py [--cities 41] [--pages 58] [--rate 10] [--parallel 0]

Night 0 finds every page; between the nights 5 pages per city change, 2 disappear, 2 appear; night 1 is what
cron runs every night. The prediction: a site needs one request per page it must ask for (robots.txt, its
sitemap, start page, hubs, pages that are due) at `rate` requests per second, and sites run side by side,
`parallel` crawl loops at a time (0 = all). Writes bench/results/<date>-nightly-rate<r>[-parallel<p>].json.
"""
from __future__ import annotations

import argparse
import json
import math
import sys
import tempfile
import time
from dataclasses import replace
from datetime import date
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))

from crawler.config import load_sites  # noqa: E402
from crawler.crawl import crawl  # noqa: E402
from store.crawl_store import CrawlStore  # noqa: E402
from g40sim import SECTION_SIZE, SimCity  # noqa: E402
from indexer.build import IndexLocation, update_index  # noqa: E402

CHANGED, REMOVED, ADDED = [3, 17, 31, 44, 57], [8, 40], 2


def predicted_seconds(requests_per_site: int, sites: int, rate: float, parallel: int) -> float:
    """Requests of one site one after the other at the site's rate; `parallel` sites at a time (0 = all)."""
    rounds = math.ceil(sites / parallel) if parallel else 1
    return rounds * requests_per_site / rate


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cities", type=int, default=41)
    ap.add_argument("--pages", type=int, default=58)
    ap.add_argument("--rate", type=float, default=10.0)
    ap.add_argument("--parallel", type=int, default=0)
    a = ap.parse_args()
    template = next(s for s in load_sites() if s.group == "g40")    # sites.toml's defaults for a city
    cities = [SimCity(i, a.pages) for i in range(a.cities)]
    sites = [replace(template, name=f"stad{c.index}", start=(c.url,), allow=(c.url,), rate=a.rate) for c in cities]
    sections = math.ceil(a.pages / SECTION_SIZE)
    with tempfile.TemporaryDirectory() as tmp:
        store = CrawlStore(Path(tmp) / "crawl.sqlite3")
        location = IndexLocation(Path(tmp) / "index")
        nights = []
        # night 0: robots.txt, sitemap, home, sections, every page
        # night 1: robots.txt, sitemap, home, sections (hubs), changed, removed (unlisted: due at once), added
        plans = [2 + 1 + sections + a.pages, 2 + 1 + sections + len(CHANGED) + len(REMOVED) + ADDED]
        for night, requests in enumerate(plans):
            if night:
                for c in cities:
                    c.night(CHANGED, REMOVED, ADDED, date.today().isoformat())
            started = time.monotonic()
            reports = crawl(sites, store, progress=False, parallel=a.parallel)
            crawled = time.monotonic() - started
            started = time.monotonic()
            update_index(store, location, progress=False)
            indexed = time.monotonic() - started
            made = max(r.fetched + 2 for r in reports)    # + robots.txt and sitemap.xml
            nights.append({"night": night, "requests_per_site_planned": requests, "requests_per_site_made": made,
                           "predicted_crawl_s": round(predicted_seconds(requests, a.cities, a.rate, a.parallel), 1),
                           "measured_crawl_s": round(crawled, 1), "index_update_s": round(indexed, 1),
                           "changed": sum(r.changed for r in reports), "removed": sum(r.removed for r in reports),
                           "new": sum(r.new for r in reports)})
        store.close()
    for c in cities:
        c.close()
    result = {"cities": a.cities, "pages_per_city": a.pages, "rate": a.rate, "parallel": a.parallel,
              "nights": nights}
    for n in nights:
        print(f"night {n['night']}: {n['requests_per_site_made']} requests per site "
              f"(planned {n['requests_per_site_planned']}), crawl predicted {n['predicted_crawl_s']} s, "
              f"measured {n['measured_crawl_s']} s, index update {n['index_update_s']} s; "
              f"new {n['new']}, changed {n['changed']}, removed {n['removed']}")
    suffix = f"-rate{a.rate:g}" + (f"-parallel{a.parallel}" if a.parallel else "")
    out = REPO / "bench" / "results" / f"{date.today().isoformat()}-nightly{suffix}.json"
    out.write_text(json.dumps(result, indent=2))
    print(f"written: {out}")


if __name__ == "__main__":
    main()
