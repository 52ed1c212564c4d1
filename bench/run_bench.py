#!/usr/bin/env python3
"""The engine matrix of issue 18 in one run: every engine at every corpus size, side by side, written to
bench/results/<date>-engines.json and docs/PERFORMANCE.md.

    python bench/run_bench.py [--run-dir bench-run] [--cells SCALE:ENGINE,ENGINE ...] [--redo CELL] [--quick]

A cell is one engine at one scale: full build (2 cores) and size, the nightly update of 5% changed documents,
the HTML results page over HTTP (gunicorn, 2 workers) uncached and cached, requests/s at 32 connections, peak
worker RSS (bench/index_cost.py, bench/http_load.py); the `fts5` engine is SQLite FTS5 over the same documents,
the reference. Scales: `bundled` (the crawl store of --data), `extended` (the bundled sources plus the extended
regulations, ~13.6k documents, rendered and crawled into the run directory), `synthetic-N` (N documents of
bench/synthetic.py). Preparing a scale is setup, not measured. Each finished cell is a JSON file in
<run-dir>/cells: running the same command again skips them and runs only the missing or failed ones (--redo
runs a cell again), so a crashed cell costs only itself. The markdown is written from every cell of the run
directory. Every request goes to 127.0.0.1, bounded in count and time.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import time
import traceback
from datetime import date
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))    # tests/postgres.py: the private PostgreSQL server of the test suite

from bench import http_load, report  # noqa: E402
from bench.index_cost import full_build, index_bytes, nightly_update  # noqa: E402
from bench.query_latency import read_log  # noqa: E402
from bench.stats import summary  # noqa: E402
from lang.analysis import stems  # noqa: E402
from store.crawl_store import CrawlStore  # noqa: E402

ENGINES = ("whoosh", "tantivy", "postgresql", "fts5")
# issue 18: all engines at 13.6k, Whoosh/PostgreSQL/tantivy at 100k, tantivy at 500k; the bundled 3.8k as the
# first point of every curve (and of the crossover); FTS5 as the reference at every size
MATRIX = (("bundled", ENGINES), ("extended", ENGINES), ("synthetic-100000", ENGINES),
          ("synthetic-500000", ("tantivy", "fts5")))
PROCS = 2
NIGHTLY_PERCENT = 5.0


class Settings:
    """How much each cell measures: the full run, or --quick for a check that the harness works."""

    def __init__(self, quick: bool):
        self.quick = quick
        self.latency_queries = 100 if quick else 600    # distinct queries, one connection (uncached latency)
        self.cached_sample = 50 if quick else 200       # queries asked repeatedly (cached)
        self.warm_passes = 3                            # passes over the sample before measuring it
        self.load_seconds = 5 if quick else 20          # at 32 connections, uncached
        self.cached_load_seconds = 3 if quick else 10
        self.connections = 32
        self.warm_queries = 40                          # from the end of the log, not measured


# ------------------------------------------------------------------ scales (setup, not measured)

def scale_documents(name: str) -> int | None:
    """The size a synthetic scale asks for (None for the corpora that have their own size)."""
    if name.startswith("synthetic-") and name[10:].isdigit() and int(name[10:]) > 0:
        return int(name[10:])
    if name in ("bundled", "extended"):
        return None
    raise SystemExit(f"unknown scale {name!r}: bundled, extended or synthetic-N (N documents)")


def prepare_scale(name: str, run_dir: Path, data: Path) -> tuple[Path, Path]:
    """The data directory of a scale and its crawl store, made once (a marker says it is complete)."""
    if name == "bundled":
        store = data / "crawl.sqlite3"
        if not store.exists():
            raise SystemExit(f"no crawl store in {data}: run `python run.py setup` first")
        return data, store
    work = run_dir / name
    work.mkdir(parents=True, exist_ok=True)
    store, ready = work / "crawl.sqlite3", work / "READY.json"
    if ready.exists():
        return work, store
    started = time.monotonic()
    if name == "extended":
        sites = extended_sites(work)
        subprocess.run([sys.executable, str(REPO / "run.py"), "--data", str(work), "--sites-file", str(sites),
                        "--quiet", "crawl"], check=True)
    else:
        from bench.synthetic import generate
        generate(CrawlStore(data / "crawl.sqlite3", readonly=True), CrawlStore(store), scale_documents(name))
    documents = CrawlStore(store, readonly=True).count_documents()
    ready.write_text(json.dumps({"documents": documents, "setup_s": round(time.monotonic() - started, 1)}))
    print(f"[setup] {name}: {documents} documents in {time.monotonic() - started:.0f} s", flush=True)
    return work, store


def extended_sites(work: Path) -> Path:
    """The bundled site list with the laws mirror serving core + extended regulations, on other ports."""
    text = (REPO / "corpus" / "sites.toml").read_text()
    text = text.replace('mirror = "laws"', 'mirror = "laws-extended"')
    for old, new in (("8101", "8111"), ("8102", "8112"), ("8103", "8113"), ("8104", "8114")):
        text = text.replace(f"127.0.0.1:{old}/", f"127.0.0.1:{new}/")
    sites = work / "sites-extended.toml"
    sites.write_text(text)
    return sites


# ------------------------------------------------------------------ cells

def fts5_query(text: str) -> str:
    """A query of the log as an FTS5 MATCH: its Snowball stems OR-ed (field names and quotes dropped)."""
    terms = [t for t in stems(text.replace(":", " ").replace('"', " ")) if t.isalnum()]
    return " OR ".join(f'"{t}"' for t in terms) or '""'


def fts5_cell(store: CrawlStore, work: Path, queries: list[str]) -> dict:
    """Reference: SQLite FTS5 (bm25, snippet) over the same stemmed title and text, one process."""
    path = work / "fts5.sqlite3"
    path.unlink(missing_ok=True)
    db = sqlite3.connect(path)
    db.execute("PRAGMA journal_mode=OFF")
    db.execute("PRAGMA synchronous=OFF")
    started = time.monotonic()
    db.execute("CREATE VIRTUAL TABLE docs USING fts5(url UNINDEXED, title, body)")
    n = 0
    for rec in store.documents():
        db.execute("INSERT INTO docs VALUES (?,?,?)", (rec.url, " ".join(stems(rec.title)), " ".join(stems(rec.text))))
        n += 1
    db.commit()
    seconds = time.monotonic() - started
    times = []
    for q in queries:
        t = time.perf_counter()
        db.execute("SELECT url, snippet(docs, 2, '<mark>', '</mark>', '…', 20) FROM docs WHERE docs MATCH ? "
                   "ORDER BY bm25(docs) LIMIT 10", (fts5_query(q),)).fetchall()
        times.append(1000 * (time.perf_counter() - t))
    db.close()
    size = path.stat().st_size
    path.unlink()
    return {"build": {"seconds": round(seconds, 2), "documents": n, "docs_per_s": round(n / seconds, 1),
                      "procs": 1, "size_mb": round(size / 1e6, 1)}, "fts5": summary(times)}


def http_cell(work: Path, store: Path, url: str, queries: list[str], s: Settings, logs: Path) -> dict:
    """The HTML results page served as in production, uncached then cached, and the workers' peak RSS."""
    paths = [http_load.search_path(q) for q in queries]
    warm, measured, rest = (paths[-s.warm_queries:], paths[:s.latency_queries],
                            paths[s.latency_queries:-s.warm_queries])
    out, peaks = {}, []
    with http_load.served(work, str(store), url, cache=0, log=logs) as server:
        http_load.load(server, warm, 4, 600, max_requests=len(warm))   # both workers open their searcher
        times, errors = http_load.sequential(server, measured)
        out["uncached"] = {"latency": summary(times), "errors": errors,
                           "load": http_load.load(server, rest, s.connections, s.load_seconds)}
        peaks.append(http_load.peak_rss_mb(server.workers()))
    sample = paths[:s.cached_sample]
    with http_load.served(work, str(store), url, cache=512, log=logs) as server:
        for _ in range(s.warm_passes):      # each worker caches what it answers: several passes reach both
            http_load.load(server, sample, 4, 600, max_requests=len(sample))
        times, errors = http_load.sequential(server, sample)
        out["cached"] = {"latency": summary(times), "errors": errors,
                         "load": http_load.load(server, sample, s.connections, s.cached_load_seconds)}
        peaks.append(http_load.peak_rss_mb(server.workers()))
    out["peak_rss_mb"] = max(peaks)
    return out


class Postgres:
    """The test suite's private PostgreSQL server (tests/postgres.py), started at the first cell that needs it.
    pg_ctl detaches it, so a run killed with SIGKILL leaves it running: the run directory names it, and the next
    run stops it first."""

    def __init__(self, run_dir: Path):
        self.server = None
        self.note = run_dir / "postgres-root"
        if self.note.exists():
            self.stop_leftover(Path(self.note.read_text()))

    def stop_leftover(self, root: Path) -> None:
        from postgres import find_bindir
        if (root / "pgdata").exists():
            runuser = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
            subprocess.run(runuser + [str(find_bindir() / "pg_ctl"), "-D", str(root / "pgdata"), "-m", "immediate",
                                      "-w", "stop"], capture_output=True, timeout=120)
        shutil.rmtree(root, ignore_errors=True)
        self.note.unlink()

    def database(self) -> str:
        if self.server is None:
            from postgres import PostgresServer
            self.server = PostgresServer()
            self.note.write_text(str(self.server.root))
            self.server.start()
        return self.server.create_database()

    def drop(self, url: str) -> None:
        self.server.drop_database(url)

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()
            self.note.unlink(missing_ok=True)


def engine_cell(engine: str, work: Path, store_path: Path, queries: list[str], s: Settings, pg: Postgres) -> dict:
    store = CrawlStore(store_path, readonly=True)
    if engine == "fts5":
        return fts5_cell(store, work, queries[:s.latency_queries])
    if engine == "postgresql":
        url = pg.database()
    else:
        shutil.rmtree(work / f"{engine}-index", ignore_errors=True)
        url = f"{engine}:///{work / f'{engine}-index'}"
    try:
        cell = {"build": full_build(store, url, PROCS)}
        cell["update"] = nightly_update(store, url, NIGHTLY_PERCENT, PROCS, cell["build"]["seconds"])
        cell["size_after_update_mb"] = round(index_bytes(url) / 1e6, 1)
        cell.update(http_cell(work, store_path, url, queries, s, work / f"{engine}-serve.log"))
    finally:
        if engine == "postgresql":
            pg.drop(url)
        else:
            shutil.rmtree(work / f"{engine}-index", ignore_errors=True)
    return cell


def commit() -> str:
    """The commit measured; '+changes' when tracked files differ from it."""
    head = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"], capture_output=True,
                          text=True).stdout.strip() or "unknown"
    dirty = subprocess.run(["git", "-C", str(REPO), "status", "--porcelain", "--untracked-files=no"],
                           capture_output=True, text=True).stdout.strip()
    return head + ("+changes" if dirty else "")


# ------------------------------------------------------------------ the run

def parse_cells(specs: list[str] | None) -> list[tuple[str, tuple[str, ...]]]:
    """SCALE:ENGINE,ENGINE specs (or the issue's matrix) as (scale, engines), checked."""
    if not specs:
        return list(MATRIX)
    plan = []
    for spec in specs:
        scale, _, names = spec.partition(":")
        scale_documents(scale)
        engines = tuple(names.split(",")) if names else ENGINES
        unknown = [e for e in engines if e not in ENGINES]
        if unknown:
            raise SystemExit(f"unknown engine {unknown[0]!r} in {spec!r}: one of {', '.join(ENGINES)}")
        plan.append((scale, engines))
    return plan


def collect(run_dir: Path) -> dict:
    """Every finished cell of the run directory, the size of each scale, and the cells that failed."""
    cells, failed, scales = {}, {}, {}
    for f in sorted((run_dir / "cells").glob("*.json")):
        c = json.loads(f.read_text())
        cells[f"{c['scale']}:{c['engine']}"] = c
        scales[c["scale"]] = {"documents": c["documents"]}
    for f in sorted((run_dir / "cells").glob("*.error")):
        failed[f.stem.replace(".", ":", 1)] = f.read_text().strip().splitlines()[-1]
    missing = [f"{scale}:{engine}" for scale, engines in MATRIX for engine in engines
               if f"{scale}:{engine}" not in cells and f"{scale}:{engine}" not in failed]
    return {"cpus": os.cpu_count(), "scales": scales, "cells": cells, "failed": failed, "missing": missing}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default=str(REPO / "data"), help="data directory with the bundled crawl store")
    ap.add_argument("--run-dir", default=str(REPO / "bench-run"),
                    help="scales, indexes and finished cells of this run (re-running resumes it)")
    ap.add_argument("--cells", action="append", metavar="SCALE:ENGINE,...",
                    help="cells to measure (repeatable; default: the issue's matrix). Engines: " + ", ".join(ENGINES))
    ap.add_argument("--redo", action="append", default=[], metavar="SCALE[:ENGINE]",
                    help="measure these cells again even if finished")
    ap.add_argument("--quick", action="store_true", help="fewer queries and shorter loads: checks the harness")
    ap.add_argument("--report-only", action="store_true", help="measure nothing: write the JSON and markdown")
    ap.add_argument("--results", help="raw results file (default bench/results/<date>-engines.json)")
    ap.add_argument("--markdown", default=str(REPO / "docs" / "PERFORMANCE.md"))
    a = ap.parse_args(argv)
    run_dir, data = Path(a.run_dir).resolve(), Path(a.data).resolve()
    cells_dir = run_dir / "cells"
    cells_dir.mkdir(parents=True, exist_ok=True)
    for spec in a.redo:
        scale, _, engine = spec.partition(":")
        for f in cells_dir.glob(f"{scale}.{engine or '*'}.json"):
            f.unlink()
    if not a.report_only:
        measure(parse_cells(a.cells), run_dir, data, Settings(a.quick))
    results = collect(run_dir)
    results_path = Path(a.results) if a.results else REPO / "bench" / "results" / f"{date.today()}-engines.json"
    results_path.write_text(json.dumps(results, indent=2) + "\n")
    command = "python bench/run_bench.py" + (" --quick" if a.quick else "")
    backends = sorted((REPO / "bench" / "results").glob("*-backends.json"))
    Path(a.markdown).write_text(report.markdown(results, results_path.name, command, backends and (
        json.loads(backends[-1].read_text()), backends[-1].name)) + "\n")
    print(f"written: {results_path}, {a.markdown}" + (f"; failed cells: {', '.join(results['failed'])}"
                                                      if results["failed"] else ""), flush=True)
    return 1 if results["failed"] else 0


def measure(plan: list[tuple[str, tuple[str, ...]]], run_dir: Path, data: Path, s: Settings) -> None:
    queries = read_log()
    measured = commit()   # the code this process loaded, whatever changes during the run
    pg = Postgres(run_dir)
    try:
        for scale, engines in plan:
            pending = [e for e in engines if not (run_dir / "cells" / f"{scale}.{e}.json").exists()]
            if not pending:
                continue
            try:
                work, store = prepare_scale(scale, run_dir, data)
            except (Exception, SystemExit):   # the other scales can still be measured
                for engine in pending:
                    (run_dir / "cells" / f"{scale}.{engine}.error").write_text(traceback.format_exc())
                print(f"[setup] {scale} FAILED: its cells are not measured", flush=True)
                continue
            documents = CrawlStore(store, readonly=True).count_documents()
            for engine in pending:
                name = run_dir / "cells" / f"{scale}.{engine}"
                Path(f"{name}.error").unlink(missing_ok=True)
                print(f"[cell] {scale}:{engine} ({documents} documents) ...", flush=True)
                started, load = time.monotonic(), os.getloadavg()[0]
                try:
                    cell = engine_cell(engine, work, store, queries, s, pg)
                except Exception:   # recorded, and the run goes on: the next run re-measures only this cell
                    Path(f"{name}.error").write_text(traceback.format_exc())
                    print(f"[cell] {scale}:{engine} FAILED (see {name}.error)", flush=True)
                    continue
                cell.update({"scale": scale, "engine": engine, "documents": documents, "date": str(date.today()),
                             "commit": measured, "quick": s.quick, "load_average_at_start": load,
                             "wall_s": round(time.monotonic() - started, 1)})
                Path(f"{name}.json").write_text(json.dumps(cell, indent=2) + "\n")
                print(f"[cell] {scale}:{engine} done in {cell['wall_s']} s", flush=True)
    finally:
        pg.stop()


if __name__ == "__main__":
    sys.exit(main())
