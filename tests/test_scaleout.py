"""Scale-out: several crawl workers share one PostgreSQL store; the store moves from SQLite to PostgreSQL."""
from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from collections import Counter

import psycopg

from store.crawl_store import CrawlStore
from loopback import LoopbackSite, Response, page

from conftest import REPO

ROBOTS = Response("User-agent: *\nAllow: /\n", headers={"Content-Type": "text/plain"})


def numbered_site(n_pages: int, arrivals: list[float]):
    lock = threading.Lock()

    def numbered(handler):
        with lock:
            arrivals.append(time.monotonic())
        n = int(handler.path.strip("/") or 0)
        links = "".join(f"<a href='/{m}/'>{m}</a>" for m in range(n * 3 + 1, min(n * 3 + 4, n_pages)))
        return Response(page(f"Pagina {n}", f"<p>Beleidstekst nummer {n} over wonen.</p>{links}"))
    return {"/robots.txt": ROBOTS, **{f"/{n}/" if n else "/": numbered for n in range(n_pages)}}


def test_two_workers_share_the_frontier_fetch_every_url_once_and_keep_the_host_rate(tmp_path, postgres_url):
    n_pages, rate = 60, 10
    arrivals: list[float] = []
    with LoopbackSite(numbered_site(n_pages, arrivals)) as s:
        sites = tmp_path / "sites.toml"
        sites.write_text(f'[[site]]\nname = "gedeeld"\ngroup = "g40"\nstart = ["{s.url}"]\nallow = ["{s.url}"]\n'
                         f'rate = {rate}\nrevisit_days = 0\nmax_depth = 100\n')
        workers = [subprocess.Popen([sys.executable, str(REPO / "run.py"), "--data", str(tmp_path / f"worker{i}"),
                                     "--store", postgres_url, "--sites-file", str(sites), "--quiet", "crawl",
                                     "--group", "g40"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                   for i in range(2)]
        outputs = [w.communicate(timeout=120) for w in workers]
        assert [w.returncode for w in workers] == [0, 0], outputs
        pages = Counter(p for _, p, _ in s.requests if p not in ("/robots.txt", "/sitemap.xml"))

    assert set(pages) == {f"/{n}/" if n else "/" for n in range(n_pages)}
    assert max(pages.values()) == 1, [p for p, c in pages.items() if c > 1]     # no URL fetched twice
    with psycopg.connect(postgres_url) as conn:
        per_worker = dict(conn.execute("SELECT worker, COUNT(*) FROM fetches WHERE url NOT LIKE '%%robots.txt' "
                                       "AND url NOT LIKE '%%sitemap.xml' GROUP BY worker").fetchall())
        runs = conn.execute("SELECT COUNT(*), COUNT(finished_at) FROM runs").fetchone()
    assert len(per_worker) == 2 and min(per_worker.values()) >= 5, per_worker   # both did a real share
    assert runs == (1, 1)                                                       # one run, joined and finished
    assert CrawlStore(postgres_url).count_documents() == n_pages
    # politeness across workers: never more than `rate` page requests in any one-second window (+1 for the edge)
    arrivals.sort()
    busiest = max(sum(1 for t in arrivals if start <= t < start + 1.0) for start in arrivals)
    assert busiest <= rate + 1, busiest
    elapsed = arrivals[-1] - arrivals[0]
    assert elapsed >= (n_pages - 1) / rate * 0.9      # two workers did not double the rate


def test_migrate_copies_the_whole_store_to_postgresql_and_indexes_it_there(corpus_data, postgres_url, tmp_path):
    data, _ = corpus_data
    source = CrawlStore(data / "crawl.sqlite3", readonly=True)
    res = subprocess.run([sys.executable, str(REPO / "run.py"), "--data", str(data), "--quiet", "migrate",
                          "--to-store", postgres_url, "--to-index", postgres_url],
                         capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr
    target = CrawlStore(postgres_url)
    assert target.document_hashes() == source.document_hashes()
    for table in ("pages", "contents", "versions", "fetches", "runs", "site_runs"):
        with source._conn() as a, target._conn() as b:
            assert a.execute(f"SELECT COUNT(*) FROM {table}").fetchone() == b.execute(
                f"SELECT COUNT(*) FROM {table}").fetchone(), table
    one = next(iter(source.document_hashes()))
    assert target.raw_body(source.page(one)["content_hash"]) == source.raw_body(source.page(one)["content_hash"])
    # the migrated index answers like the original
    search = [sys.executable, str(REPO / "run.py"), "--data", str(data), "search", "--json", "schuldhulpverlening"]
    whoosh = json.loads(subprocess.run(search, capture_output=True, text=True, check=True).stdout)
    pg = json.loads(subprocess.run(search[:4] + ["--index", postgres_url] + search[4:], capture_output=True,
                                   text=True, check=True).stdout)
    assert pg["results"][0]["identifier"] == whoosh["results"][0]["identifier"] == "BWBR0031331"
    # a second migration into the now filled store refuses, and says why
    again = subprocess.run([sys.executable, str(REPO / "run.py"), "--data", str(data), "--quiet", "migrate",
                            "--to-store", postgres_url], capture_output=True, text=True, timeout=60)
    assert again.returncode != 0 and "not empty" in again.stderr
