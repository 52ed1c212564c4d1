"""Percentiles and latency summaries: one definition for every benchmark script, so their numbers compare."""
from __future__ import annotations

import statistics


def percentile(values: list[float], p: float) -> float:
    """The nearest-rank percentile (p in 0..100) of a non-empty list: a value that was measured, never a blend."""
    if not values:
        raise ValueError("no values")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def summary(ms: list[float]) -> dict:
    """p50 (the median), p95, p99 and the count of a list of milliseconds, rounded to 0.1 ms."""
    return {"p50": round(statistics.median(ms), 1), "p95": round(percentile(ms, 95), 1),
            "p99": round(percentile(ms, 99), 1), "n": len(ms)}
