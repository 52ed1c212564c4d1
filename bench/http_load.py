"""The app over HTTP as it is served (gunicorn through `run.py serve`), and the load client that measures it.

The client is one process with one thread per connection and http.client: gunicorn's sync workers close every
connection after its response (no keep-alive), so each request opens a loopback connection, as a browser behind
a proxy would; threads wait in the kernel, not in Python, so 32 of them cost little CPU. The client's own CPU
(this process's, while the load runs) is measured and reported next to the workers' CPU, so a reader can see
that the client was not what limited the requests per second. Every request goes to 127.0.0.1, bounded in
count and in time.
"""
from __future__ import annotations

import ctypes
import http.client
import itertools
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

from bench.stats import summary

REPO = Path(__file__).resolve().parent.parent
TICK = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class Server:
    port: int
    pid: int   # gunicorn's master; its children are the workers

    def workers(self) -> list[int]:
        return children(self.pid)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def served(data: Path, store: str, index: str, cache: int, workers: int = 2, log: Path | None = None):
    """`run.py serve` with `workers` gunicorn workers and a result cache of `cache` results per worker (0 = off),
    until the block ends; waits until the home page answers."""
    port = free_port()
    out = open(log, "ab") if log else subprocess.DEVNULL
    proc = subprocess.Popen([sys.executable, str(REPO / "run.py"), "--data", str(data), "--store", store,
                             "--index", index, "--quiet", "serve", "--port", str(port), "--workers", str(workers)],
                            stdout=out, stderr=out, env=dict(os.environ, BELEIDSZOEKER_RESULT_CACHE=str(cache)),
                            preexec_fn=die_with_parent)
    try:
        server = Server(port, proc.pid)
        deadline = time.monotonic() + 180
        while not request(server, "/")[1]:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"run.py serve did not come up (exit {proc.poll()}; log: {log})")
            time.sleep(0.2)
        yield server
    finally:
        proc.terminate()
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if log:
            out.close()


def die_with_parent() -> None:
    """In the child: SIGTERM when the benchmark dies, even by SIGKILL, so a crashed cell leaves no server."""
    ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)   # PR_SET_PDEATHSIG


def search_path(query: str) -> str:
    """The HTML results page of a query, page 1, as the search box sends it."""
    return "/zoeken?" + urlencode({"q": query})


def request(server: Server, path: str) -> tuple[float, bool]:
    """Milliseconds of one GET on a new connection, and whether it answered 200 with its whole body."""
    t = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
    try:
        conn.request("GET", path)
        resp = conn.getresponse()
        resp.read()
        ok = resp.status == 200
    except (OSError, http.client.HTTPException):
        ok = False
    finally:
        conn.close()
    return 1000 * (time.perf_counter() - t), ok


def sequential(server: Server, paths: list[str]) -> tuple[list[float], int]:
    """One connection at a time: each request's own latency, no queueing. Returns milliseconds and errors."""
    times, errors = [], 0
    for path in paths:
        ms, ok = request(server, path)
        times.append(ms)
        errors += not ok
    return times, errors


def load(server: Server, paths: list[str], connections: int, seconds: float, max_requests: int = 100_000) -> dict:
    """`connections` clients, each sending its next request when the previous one is answered, for `seconds`
    (or `max_requests` in all), cycling through `paths`. Requests/s, errors, latency under load, and the CPU the
    client, the server's workers and everything else on the machine used (in cores: 1.0 = one core busy all the
    time): other work on a shared machine shows there, and makes the numbers pessimistic."""
    order = itertools.count()   # next() on a count is atomic under the GIL
    times, errors = [], [0]
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def client():
        while time.monotonic() < stop:
            n = next(order)
            if n >= max_requests:
                return
            ms, ok = request(server, paths[n % len(paths)])
            with lock:
                if ok:
                    times.append(ms)
                else:
                    errors[0] += 1

    workers = server.workers()
    busy, server_cpu, client_cpu, wall = machine_busy_seconds(), cpu_seconds(workers), time.process_time(), \
        time.monotonic()
    threads = [threading.Thread(target=client) for _ in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.monotonic() - wall
    client_cpu = time.process_time() - client_cpu
    server_cpu = cpu_seconds(workers) - server_cpu
    busy = machine_busy_seconds() - busy
    return {"connections": connections, "seconds": round(wall, 1), "requests": len(times) + errors[0],
            "requests_per_s": round(len(times) / wall, 1), "errors": errors[0],
            "latency": summary(times or [0.0]), "client_cpu_cores": round(client_cpu / wall, 2),
            "client_cpu_ms_per_request": round(1000 * client_cpu / max(1, len(times) + errors[0]), 2),
            "server_cpu_cores": round(server_cpu / wall, 2),
            "other_cpu_cores": round(max(0.0, busy - server_cpu - client_cpu) / wall, 2)}


def children(pid: int) -> list[int]:
    """The processes whose parent is `pid` (gunicorn's workers of its master)."""
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                out.append(int(entry.name))
    return sorted(out)


def status_kb(status: str, field: str) -> int:
    """A `kB` field of /proc/<pid>/status (VmHWM: the peak resident set size), in kB; 0 when absent."""
    for line in status.splitlines():
        name, _, value = line.partition(":")
        if name == field:
            return int(value.split()[0])
    return 0


def peak_rss_mb(pids: list[int]) -> float:
    """The largest peak resident set (VmHWM) among these processes, in MB."""
    peaks = []
    for pid in pids:
        try:
            peaks.append(status_kb(Path(f"/proc/{pid}/status").read_text(), "VmHWM"))
        except OSError:
            continue
    return round(max(peaks, default=0) * 1024 / 1e6, 1)


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU seconds these processes have used so far."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])   # utime, stime (fields 14 and 15 of stat)
    return total / TICK


def machine_busy_seconds() -> float:
    """CPU seconds the whole machine has been busy (all cores, /proc/stat: everything but idle and iowait)."""
    fields = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    return (sum(fields[:8]) - fields[3] - fields[4]) / TICK
