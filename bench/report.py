"""docs/PERFORMANCE.md from the cells of an engine matrix run (bench/run_bench.py): one table per scale with
the engines side by side and the issue's targets beside the numbers, and the crossover (from which corpus size
an engine misses a target). Pure: results in, markdown out."""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

ENGINES = ("whoosh", "tantivy", "postgresql", "fts5")


@dataclass(frozen=True)
class Measure:
    label: str
    value: Callable[[dict], float | None]   # the number in a cell's results, None where the cell has none
    digits: int = 1


def _get(*path: str) -> Callable[[dict], float | None]:
    def value(cell: dict):
        for key in path:
            if not isinstance(cell, dict) or key not in cell:
                return None
            cell = cell[key]
        return cell
    return value


def _percent(*path: str) -> Callable[[dict], float | None]:
    share = _get(*path)
    return lambda cell: None if share(cell) is None else 100 * share(cell)


MEASURES = (
    Measure("full build, 2 cores (s)", _get("build", "seconds")),
    Measure("documents/s", _get("build", "docs_per_s"), 0),
    Measure("index size (MB)", _get("build", "size_mb")),
    Measure("nightly update, 5% changed (s)", _get("update", "seconds")),
    Measure("nightly update (% of full build)", _percent("update", "share_of_full")),
    Measure("HTML p50, uncached (ms)", _get("uncached", "latency", "p50")),
    Measure("HTML p95, uncached (ms)", _get("uncached", "latency", "p95")),
    Measure("HTML p99, uncached (ms)", _get("uncached", "latency", "p99")),
    Measure("req/s at 32 connections, uncached", _get("uncached", "load", "requests_per_s")),
    Measure("errors at 32 connections, uncached", _get("uncached", "load", "errors"), 0),
    Measure("p95 under load, uncached (ms)", _get("uncached", "load", "latency", "p95")),
    Measure("HTML p50, cached (ms)", _get("cached", "latency", "p50")),
    Measure("HTML p95, cached (ms)", _get("cached", "latency", "p95")),
    Measure("HTML p99, cached (ms)", _get("cached", "latency", "p99")),
    Measure("req/s at 32 connections, cached", _get("cached", "load", "requests_per_s")),
    Measure("errors at 32 connections, cached", _get("cached", "load", "errors"), 0),
    Measure("peak RSS of a worker (MB)", _get("peak_rss_mb")),
    Measure("server CPU under load (cores)", _get("uncached", "load", "server_cpu_cores"), 2),
    Measure("load client CPU (cores)", _get("uncached", "load", "client_cpu_cores"), 2),
    Measure("other processes' CPU under load (cores)", _get("uncached", "load", "other_cpu_cores"), 2),
    Measure("FTS5 query p50 (ms, in process)", _get("fts5", "p50")),
    Measure("FTS5 query p95 (ms, in process)", _get("fts5", "p95")),
)
BY_LABEL = {m.label: m for m in MEASURES}


@dataclass(frozen=True)
class Target:
    measure: str     # a Measure label
    limit: float
    at_most: bool    # True: the value must be <= limit; False: >= limit

    def met(self, value: float) -> bool:
        return value <= self.limit if self.at_most else value >= self.limit

    def __str__(self) -> str:
        return f"{'≤' if self.at_most else '≥'} {self.limit:g}"


# issue 18, "Benchmarks": the targets at 13.6k documents and at 500k (latency and req/s uncached: no cache hits)
TARGETS = {
    "extended": (Target("HTML p50, uncached (ms)", 15, True), Target("HTML p95, uncached (ms)", 50, True),
                 Target("req/s at 32 connections, uncached", 200, False),
                 Target("errors at 32 connections, uncached", 0, True), Target("full build, 2 cores (s)", 45, True)),
    "synthetic-500000": (Target("HTML p95, uncached (ms)", 150, True),
                         Target("req/s at 32 connections, uncached", 60, False),
                         Target("errors at 32 connections, uncached", 0, True),
                         Target("full build, 2 cores (s)", 1200, True), Target("peak RSS of a worker (MB)", 2000, True),
                         Target("nightly update (% of full build)", 5, True)),
}
# the two the README cites: from which size an engine misses them
CROSSOVER = (Target("HTML p95, uncached (ms)", 50, True), Target("req/s at 32 connections, uncached", 200, False))


def crossover(points: list[tuple[int, float]], target: Target) -> dict:
    """Where along the corpus sizes a target is first missed. points: (documents, value) at each measured size.
    Returns met_up_to (the largest size met before the first miss), missed_from (the first size missed) and, when
    both exist, estimate: the size where the value crosses the limit, interpolated linearly in log(size) and
    log(value) between those two sizes (latency and throughput follow power laws of the corpus size)."""
    points = sorted(points)
    met_up_to = None
    for documents, value in points:
        if not target.met(value):
            estimate = None
            if met_up_to is not None:
                n1, v1 = met_up_to
                if v1 > 0 and value > 0 and value != v1:
                    slope = (math.log(documents) - math.log(n1)) / (math.log(value) - math.log(v1))
                    estimate = round(math.exp(math.log(n1) + (math.log(target.limit) - math.log(v1)) * slope))
            return {"met_up_to": met_up_to and met_up_to[0], "missed_from": documents, "estimate": estimate}
        met_up_to = (documents, value)
    return {"met_up_to": met_up_to and met_up_to[0], "missed_from": None, "estimate": None}


def crossover_text(c: dict) -> str:
    if c["missed_from"] is None:
        return f"met at every measured size (up to {c['met_up_to']:,})" if c["met_up_to"] else "not measured"
    if c["met_up_to"] is None:
        return f"missed already at {c['missed_from']:,} (the smallest measured)"
    estimate = f", ≈ {c['estimate']:,} interpolated" if c["estimate"] else ""
    return f"met at {c['met_up_to']:,}, missed at {c['missed_from']:,}{estimate}"


def fmt(value, digits: int) -> str:
    if value is None:
        return "—"
    return f"{value:,.{digits}f}" if digits else f"{round(value):,}"


def scale_table(scale: str, cells: dict[str, dict]) -> str:
    """One scale: a row per measure, a column per engine, the target (if the issue sets one) and ✓/✗ per value."""
    engines = [e for e in ENGINES if e in cells]
    targets = {t.measure: t for t in TARGETS.get(scale, ())}
    head = "| measure | target | " + " | ".join(engines) + " |"
    rows = [head, "|---|---|" + "---:|" * len(engines)]
    for m in MEASURES:
        values = [m.value(cells[e]) for e in engines]
        if all(v is None for v in values):
            continue
        target = targets.get(m.label)
        shown = []
        for v in values:
            mark = "" if target is None or v is None else (" ✓" if target.met(v) else " ✗")
            shown.append(fmt(v, m.digits) + mark)
        rows.append(f"| {m.label} | {target or ''} | " + " | ".join(shown) + " |")
    return "\n".join(rows)


def crossover_table(results: dict) -> str:
    """Per engine and target of CROSSOVER: from which measured corpus size it is missed."""
    rows = ["| engine | " + " | ".join(f"{t.measure} {t}" for t in CROSSOVER) + " |",
            "|---|" + "---|" * len(CROSSOVER)]
    for engine in ENGINES:
        cells = [c for c in results["cells"].values() if c["engine"] == engine]
        if engine == "fts5" or not cells:
            continue
        texts = []
        for t in CROSSOVER:
            points = [(c["documents"], BY_LABEL[t.measure].value(c)) for c in cells]
            texts.append(crossover_text(crossover([p for p in points if p[1] is not None], t)))
        rows.append(f"| {engine} | " + " | ".join(texts) + " |")
    return "\n".join(rows)


def provenance(cells: dict[str, dict]) -> str:
    """When and at which commit each cell was measured."""
    seen = {(c["date"], c["commit"]) for c in cells.values()}
    if len(seen) == 1:
        d, commit = seen.pop()
        return f"measured {d} at commit {commit}"
    return "; ".join(f"{e} {c['date']} at {c['commit']}" for e, c in sorted(cells.items()))


SCALE_NAMES = {"bundled": "the bundled corpus", "extended": "the extended corpus (bundled + extended regulations)"}


def scale_title(scale: str, documents: int) -> str:
    what = SCALE_NAMES.get(scale) or "synthetic documents (bench/synthetic.py)"
    return f"{documents:,} documents: {what}"


HOW = """How each cell is measured (`bench/run_bench.py`; every request to 127.0.0.1):
- **Build**: a full build from the scale's crawl store with 2 processes/threads (PostgreSQL writes in one
  transaction of one connection), seconds as the indexer reports them; the size of the live index on disk
  (PostgreSQL: its search tables with their indexes).
- **Nightly update**: 5% of the documents (every 20th by URL) made stale in the index, then the incremental update
  (delete + add by document id) that a night with those changes runs; its seconds against the full build's.
- **HTML over HTTP**: `run.py serve` as served (gunicorn, 2 sync workers) on the same 2 cores as the client.
  *Uncached*: result cache 0, distinct queries of `bench/query-log.txt` (officials' queries): latency of 600 of
  them with one connection (each request alone, p50/p95/p99), then requests/s at 32 connections for 20 s with
  further queries of the log. *Cached*: result cache 512 per worker, 200 queries of the log asked again after
  three warming passes, then 10 s at 32 connections (`--quick`: 100 and 50 queries, 5 and 3 s). Peak RSS: the largest VmHWM (/proc) of the workers over both servers.
- **Load client**: one process, a thread per connection, a new connection per request (gunicorn's sync workers
  do not keep connections alive); its own CPU and the workers' CPU during the load are in the table: the client
  uses a small share of the 2 cores, the workers the rest. *Other processes' CPU* is what else ran on the
  machine meanwhile: more than a tenth of a core means a shared machine slowed the cell down, except in a
  PostgreSQL cell, where the database server's own processes (which do the matching) are counted there too.
- **FTS5**: SQLite FTS5 (bm25, snippet) over the same Snowball-stemmed title and text, built in one process,
  terms OR-ed, the same distinct queries in process (no HTTP, no facets): the reference for what a compiled
  matching loop costs.
- **Memory**: the workers' peak RSS; PostgreSQL's own server processes are not in it."""


def backends_section(r: dict, name: str) -> str:
    """Relevance of Whoosh against PostgreSQL and crawl speed into each store (bench/backends.py)."""
    rel = r["relevance"]
    engines = list(rel)
    rows = [f"| {m} | " + " | ".join(str(rel[e][m]) for e in engines) + " |" for m in rel[engines[0]]]
    crawl = [f"| {k} | {v['pages']} | {v['seconds']} | {v['pages_per_s']} | {v['urls_fetched_twice']} |"
             for k, v in r["crawl"].items()]
    return "\n".join([
        f"## Relevance and crawl by backend ({r['documents']:,} documents, {r['date']})", "",
        f"`python bench/backends.py` (raw: `bench/results/{name}`): a private PostgreSQL server on this machine.", "",
        "| relevance (dev set) | " + " | ".join(engines) + " |", "|---|" + "---:|" * len(engines), *rows, "",
        "| crawl (local mirrors, politeness off) | requests | seconds | pages/s | URLs fetched twice |",
        "|---|---:|---:|---:|---:|", *crawl])


def markdown(results: dict, results_name: str, command: str, backends: tuple[dict, str] | None = None) -> str:
    """The whole docs/PERFORMANCE.md; `backends`: the latest bench/backends.py results and their file name."""
    scales = results["scales"]
    lines = ["# Performance", "",
             f"Generated by `{command}` on a {results['cpus']}-core machine from one run's cells (raw: "
             f"`bench/results/{results_name}`). ✓/✗: the target of issue 18 met or missed; latency and "
             "requests/s targets are judged on the uncached numbers (no result-cache hits).", "", HOW, ""]
    for scale in sorted(scales, key=lambda s: scales[s]["documents"]):
        cells = {c["engine"]: c for c in results["cells"].values() if c["scale"] == scale}
        if not cells:
            continue
        lines += [f"## {scale_title(scale, scales[scale]['documents'])}", "",
                  f"Scale `{scale}`; {provenance(cells)}.", "", scale_table(scale, cells), ""]
    lines += ["## Crossover", "",
              "From which corpus size an engine misses the 13.6k targets (uncached HTML p95 ≤ 50 ms, ≥ 200 "
              "requests/s at 32 connections), over the sizes measured above:", "", crossover_table(results), ""]
    if backends:
        lines += [backends_section(*backends), ""]
    missing = results.get("missing") or []
    if missing:
        lines += ["## Cells not measured yet", "",
                  "Of the issue's matrix, these cells have no result in this run yet (`python bench/run_bench.py "
                  "--run-dir DIR` measures only what is missing):", ""] + [f"- `{cell}`" for cell in missing] + [""]
    failed = results.get("failed") or {}
    if failed:
        lines += ["## Cells that failed", ""] + [f"- `{cell}`: {why}" for cell, why in sorted(failed.items())] + [""]
    return "\n".join(lines)
