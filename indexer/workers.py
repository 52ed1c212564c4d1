"""Work on store records in a pool of forked processes, the results in the records' order.

A build's cost is the analysis in Python (themes, fields, our Dutch analyzer), one record at a time; the writer
of an index is one. So the records go, in chunks, to processes that each hold a copy of what the build analyses
with (forked: nothing of it is pickled, and each keeps its word caches from chunk to chunk); the results come back
in the order the records were read, so the index is written in the same order, whatever the number of processes.
At most a few chunks per process are under way: memory stays bounded however large the store is.
"""
from __future__ import annotations

import ctypes
import multiprocessing
import os
import pickle
import signal
from collections import deque
from itertools import islice
from typing import Iterable, Iterator

CHUNK = 16          # records per task
AHEAD = 4           # tasks under way per process

_WORKER = None      # in a worker process: the object whose methods the tasks call


def _end_with_parent(parent: int) -> None:
    """A worker ends when the build that forked it does, even by SIGKILL (Linux: the parent-death signal; a
    pool worker would otherwise wait on its task pipe forever, since it holds that pipe's other end too)."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL, 0, 0, 0)   # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return   # not Linux: the pool's terminate() on a normal exit still ends the workers
    if os.getppid() != parent:   # the build died before the signal was set
        os._exit(1)


def _start(worker, parent: int) -> None:
    global _WORKER
    _end_with_parent(parent)
    _WORKER = worker


def _run(method: str, chunk: list) -> list:
    call = getattr(_WORKER, method)
    return [call(item) for item in chunk]


class Workers:
    """`procs` processes forked with `worker`; map(method, items) yields worker.method(item) in order. With one
    process (or where fork is not available) the methods run here, in this process."""

    def __init__(self, worker, procs: int = 1):
        self.worker, self.procs = worker, procs
        self._pool = None

    def __enter__(self) -> Workers:
        if self.procs > 1 and "fork" in multiprocessing.get_all_start_methods():
            self._pool = multiprocessing.get_context("fork").Pool(self.procs, initializer=_start,
                                                                  initargs=(self.worker, os.getpid()))
        return self

    def __exit__(self, *exc) -> None:
        if self._pool is not None:
            self._pool.terminate()   # stops the workers even when a build is abandoned half-way
            self._pool.join()
            self._pool = None

    def map(self, method: str, items: Iterable) -> Iterator:
        if self._pool is None:
            yield from map(getattr(self.worker, method), items)
            return
        items, pending = iter(items), deque()
        while chunk := list(islice(items, CHUNK)):
            pending.append(self._pool.apply_async(_run, (method, chunk)))
            while len(pending) >= self.procs * AHEAD:
                yield from pending.popleft().get()
        while pending:
            yield from pending.popleft().get()


_ASIDE: dict[str, object] = {}   # folder -> this process's open file in it (put_aside)


def put_aside(folder: str, value) -> tuple[str, int, int]:
    """Write `value` (pickled) to this process's file in `folder`: where to read it back, (file, offset, size). For
    results that a build needs only after a pass over all records (read_back, in the order it chooses)."""
    f = _ASIDE.get(folder)
    if f is None:
        f = _ASIDE[folder] = open(os.path.join(folder, f"{os.getpid()}.pickle"), "ab")
    data = pickle.dumps(value, pickle.HIGHEST_PROTOCOL)
    offset = f.tell()
    f.write(data)
    f.flush()   # another process reads it back
    return f.name, offset, len(data)


def close_aside(folder: str) -> None:
    """Close this process's file in `folder` (a worker's closes when the worker ends)."""
    f = _ASIDE.pop(folder, None)
    if f is not None:
        f.close()


def read_back(places: Iterable[tuple[str, int, int]]) -> Iterator:
    """The values put_aside wrote at these places, in this order."""
    files: dict[str, int] = {}
    try:
        for path, offset, size in places:
            fd = files.get(path)
            if fd is None:
                fd = files[path] = os.open(path, os.O_RDONLY)
            yield pickle.loads(os.pread(fd, size, offset))
    finally:
        for fd in files.values():
            os.close(fd)
