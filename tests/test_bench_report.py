"""The pure parts of the engine benchmark (bench/stats.py, bench/report.py, bench/http_load.py): percentiles,
the crossover the README cites, and the tables of docs/PERFORMANCE.md. No timing here: numbers are given."""
from __future__ import annotations

import pytest

from bench.http_load import status_kb
from bench.report import CROSSOVER, Target, crossover, crossover_text, markdown, scale_table
from bench.stats import percentile, summary

P95_50MS = Target("HTML p95, uncached (ms)", 50, at_most=True)
RPS_200 = Target("req/s at 32 connections, uncached", 200, at_most=False)


def cell(engine: str, scale: str, documents: int, p95: float, rps: float, build_s: float = 30.0) -> dict:
    return {"engine": engine, "scale": scale, "documents": documents, "date": "2026-12-06", "commit": "abc1234",
            "build": {"seconds": build_s, "docs_per_s": documents / build_s, "size_mb": 100.0},
            "uncached": {"latency": {"p50": p95 / 3, "p95": p95, "p99": p95 * 2},
                         "load": {"requests_per_s": rps, "errors": 0}}}


def test_percentiles_are_measured_values_by_nearest_rank():
    ms = [float(v) for v in range(1, 101)]          # 1 .. 100 ms
    assert percentile(ms, 95) == 95.0
    assert percentile(ms, 99) == 99.0
    assert percentile([7.0], 95) == 7.0
    assert summary([10.0, 20.0, 30.0, 40.0]) == {"p50": 25.0, "p95": 40.0, "p99": 40.0, "n": 4}
    with pytest.raises(ValueError):
        percentile([], 50)


def test_crossover_between_the_last_size_met_and_the_first_missed():
    # p95 30 ms at 3,000 documents, 120 ms at 12,000: four times the documents, four times the latency, so on
    # the log-log line 50 ms falls at 5,000 documents
    c = crossover([(12_000, 120.0), (3_000, 30.0)], P95_50MS)
    assert c == {"met_up_to": 3_000, "missed_from": 12_000, "estimate": 5_000}
    assert crossover_text(c) == "met at 3,000, missed at 12,000, ≈ 5,000 interpolated"


def test_crossover_for_throughput_that_falls_with_size():
    c = crossover([(3_841, 400.0), (13_581, 210.0), (100_000, 40.0)], RPS_200)
    assert (c["met_up_to"], c["missed_from"]) == (13_581, 100_000)
    assert 13_581 < c["estimate"] < 20_000


def test_crossover_when_every_size_meets_or_none_does():
    assert crossover_text(crossover([(13_581, 12.0), (500_000, 48.0)], P95_50MS)) == \
        "met at every measured size (up to 500,000)"
    assert crossover_text(crossover([(3_841, 66.0), (13_581, 127.0)], P95_50MS)) == \
        "missed already at 3,841 (the smallest measured)"
    assert crossover_text(crossover([], P95_50MS)) == "not measured"


def test_scale_table_puts_engines_side_by_side_with_the_target_met_or_missed():
    cells = {"whoosh": cell("whoosh", "extended", 13_581, 127.0, 50.5, build_s=110.0),
             "tantivy": cell("tantivy", "extended", 13_581, 41.0, 230.0, build_s=40.0)}
    table = scale_table("extended", cells).splitlines()
    assert table[0] == "| measure | target | whoosh | tantivy |"
    assert "| full build, 2 cores (s) | ≤ 45 | 110.0 ✗ | 40.0 ✓ |" in table
    assert "| HTML p95, uncached (ms) | ≤ 50 | 127.0 ✗ | 41.0 ✓ |" in table
    assert "| req/s at 32 connections, uncached | ≥ 200 | 50.5 ✗ | 230.0 ✓ |" in table
    assert not any(line.startswith("| nightly update") for line in table)   # no cell measured it: no row


def test_a_scale_without_targets_has_an_empty_target_column():
    table = scale_table("synthetic-100000", {"whoosh": cell("whoosh", "synthetic-100000", 100_000, 392.0, 11.3)})
    assert "| HTML p95, uncached (ms) |  | 392.0 |" in table


def test_markdown_has_a_table_per_scale_and_the_crossover_per_engine():
    results = {"cpus": 2, "scales": {"bundled": {"documents": 3_841}, "extended": {"documents": 13_581}},
               "cells": {"bundled:whoosh": cell("whoosh", "bundled", 3_841, 66.0, 82.0),
                         "extended:whoosh": cell("whoosh", "extended", 13_581, 127.0, 50.0),
                         "extended:tantivy": cell("tantivy", "extended", 13_581, 41.0, 230.0)},
               "failed": {"synthetic-500000:tantivy": "MemoryError"}, "missing": ["synthetic-100000:whoosh"]}
    text = markdown(results, "2026-12-06-engines.json", "python bench/run_bench.py")
    assert "## Cells not measured yet" in text and "- `synthetic-100000:whoosh`" in text
    assert text.index("## 3,841 documents") < text.index("## 13,581 documents")
    assert "| whoosh | missed already at 3,841 (the smallest measured) |" in text
    assert "| tantivy | met at every measured size (up to 13,581) | met at every measured size" in text
    assert "- `synthetic-500000:tantivy`: MemoryError" in text
    assert [t.limit for t in CROSSOVER] == [50, 200]


def test_peak_rss_is_read_from_proc_status():
    status = "Name:\tgunicorn\nVmPeak:\t  812345 kB\nVmHWM:\t  402112 kB\nVmRSS:\t  380000 kB\n"
    assert status_kb(status, "VmHWM") == 402_112
    assert status_kb(status, "VmSwap") == 0


def test_cells_are_named_scale_colon_engines_and_default_to_the_issues_matrix():
    from bench.run_bench import MATRIX, parse_cells
    assert parse_cells(None) == list(MATRIX)
    assert ("synthetic-500000", ("tantivy", "fts5")) in MATRIX
    assert parse_cells(["synthetic-3000:whoosh,fts5", "bundled"]) == [
        ("synthetic-3000", ("whoosh", "fts5")), ("bundled", ("whoosh", "tantivy", "postgresql", "fts5"))]
    with pytest.raises(SystemExit, match="unknown engine 'lucene'"):
        parse_cells(["extended:lucene"])
    with pytest.raises(SystemExit, match="unknown scale 'synthetic'"):
        parse_cells(["synthetic:tantivy"])
