"""Query latency of two versions of the code side by side: each version in its own process (its own checkout and
its own index), measured alternately so that a busy machine slows both alike; the median of the repeats is kept.

    python bench/latency_ab.py before=/path/to/old-checkout:/path/to/its/index now=.:data/index \
        [--rounds 3] [--repeats 3] [--out bench/results/latency-before-after.json]

The queries are those of bench/eval and bench/eval-themes; each is searched as the app does for a results page
(page 1, snippets and facets), after one warming pass, with the result cache off.
"""
from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
QUERY_SETS = [REPO / "bench" / "eval" / "queries.tsv", REPO / "bench" / "eval-themes" / "queries.tsv"]

# Runs inside the measured checkout: whichever layout it has, the engine behind an index URL. It repeats
# engine_latency.warm_latencies on purpose: an old checkout has no such function, and importing this checkout's bench
# there would measure this code, not the old one.
PROBE = r"""
import json, os, sys, time
if os.path.exists("search/engines.py"):   # the checkout's own layout (an editable install may know the other)
    from search.engines import open_engine
    from search.engine import SearchRequest
else:
    from search_app.backends import open_engine
    from search_app.engine import SearchRequest
assert os.path.abspath(sys.modules[SearchRequest.__module__].__file__).startswith(os.getcwd()), "not this checkout"
index, rounds, queries = sys.argv[1], int(sys.argv[2]), json.loads(sys.stdin.read())
engine = open_engine(index, cache_size=0)
for q in queries:
    engine.search(SearchRequest(q=q))
times = []
for _ in range(rounds):
    for q in queries:
        t = time.perf_counter()
        engine.search(SearchRequest(q=q))
        times.append(1000 * (time.perf_counter() - t))
print(json.dumps(times))
"""


def queries() -> list[str]:
    out = []
    for path in QUERY_SETS:
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip() and not line.startswith("#") and "\t" in line:
                out.append(line.split("\t", 1)[1].strip())
    return out


def percentile(ms: list[float], p: float) -> float:
    ordered = sorted(ms)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def measure(checkout: Path, index: str, rounds: int, qs: list[str]) -> dict:
    done = subprocess.run([sys.executable, "-c", PROBE, index, str(rounds)], input=json.dumps(qs), cwd=checkout,
                          capture_output=True, text=True, env={"PYTHONPATH": str(checkout), "PATH": "/usr/bin:/bin"})
    if done.returncode:
        raise SystemExit(f"{checkout}: the probe failed:\n{done.stderr}")
    ms = json.loads(done.stdout)
    return {"p50": round(statistics.median(ms), 1), "p95": round(percentile(ms, 95), 1)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("versions", nargs=2, metavar="NAME=CHECKOUT:INDEX")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--out", help="write the result as JSON here")
    ap.add_argument("--before", default="", help="what the first version is, for the JSON")
    args = ap.parse_args()
    versions = []
    for spec in args.versions:
        name, _, rest = spec.partition("=")
        checkout, _, index = rest.partition(":")
        if not name or not checkout or not index:
            ap.error(f"{spec!r} is not NAME=CHECKOUT:INDEX")
        versions.append((name, Path(checkout).resolve(), str(Path(checkout, index).resolve())
                         if "://" not in index else index))
    qs = queries()
    runs: dict[str, list[dict]] = {name: [] for name, _, _ in versions}
    for repeat in range(args.repeats):
        for name, checkout, index in versions:
            runs[name].append(measure(checkout, index, args.rounds, qs))
            print(f"repeat {repeat + 1}: {name} {runs[name][-1]}", flush=True)
    result = {name: sorted(r, key=lambda x: x["p95"])[len(r) // 2] for name, r in runs.items()}
    print(json.dumps(result, indent=1))
    if args.out:
        Path(args.out).write_text(json.dumps({
            "before": args.before or versions[0][0],
            "how": f"the same {len(qs)} queries (bench/eval + bench/eval-themes), page 1 with snippets and facets, "
                   f"warm searcher, {args.rounds} rounds; the versions measured alternately {args.repeats} times on "
                   f"one 2-core machine by bench/latency_ab.py, the median run (by p95) shown",
            "runs": result}, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
