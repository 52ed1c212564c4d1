"""The nightly job that cron runs (`run.py nightly`): crawl -> incremental index update -> report, under a lock so
that two runs never overlap. run.py parses the command line and hands over how to crawl and how to index; this
module holds the job's order, its lock, its report files, its exit codes and the summaries a person reads.

A module beside run.py rather than a package: it is one job of a few dozen lines, with no parts of its own."""
from __future__ import annotations

import json
import logging
import os
import time
from dataclasses import asdict
from pathlib import Path
from typing import Callable

log = logging.getLogger("beleidszoeker.nightly")

LOCKED = 3   # exit code when another run holds the lock


class NightlyLock:
    """An exclusive flock on <data>/nightly.lock. The kernel drops it when the holder dies, so a lock
    left by a killed run is never stale; its file still names that run, which is reported."""

    def __init__(self, path: Path):
        self.path = path
        self.fd = None
        self.previous: dict = {}

    def acquire(self) -> bool:
        import fcntl
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self.previous = self._read()
            os.close(self.fd)
            self.fd = None
            return False
        self.previous = self._read()
        os.ftruncate(self.fd, 0)
        os.pwrite(self.fd, json.dumps({"pid": os.getpid(), "started_at": time.strftime("%Y-%m-%dT%H:%M:%S%z")}).encode(), 0)
        return True

    def _read(self) -> dict:
        try:
            return json.loads(os.pread(self.fd, 4096, 0) or b"{}")
        except ValueError:
            return {}

    def release(self) -> None:
        if self.fd is not None:
            os.ftruncate(self.fd, 0)
            os.close(self.fd)
            self.fd = None


def write_json_atomic(path: Path, data) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data, indent=2, ensure_ascii=False))
    os.replace(tmp, path)


def site_summary(r) -> str:
    """One line per site of a crawl report (crawler.crawl.SiteReport)."""
    errors = ", ".join(f"{k} {v}" for k, v in sorted(r.errors.items())) or "geen"
    skipped = ", ".join(f"{k} {v}" for k, v in sorted(r.skipped.items()))
    return (f"{r.site:20s} opgehaald {r.fetched:5d} | nieuw {r.new} gewijzigd {r.changed} ongewijzigd {r.unchanged} "
            f"verwijderd {r.removed} | robots {r.robots_blocked} | fouten: {errors}"
            + (f" | overgeslagen: {skipped}" if skipped else "") + f" | {r.bytes / 1e6:.1f} MB {r.duration_s:.1f}s"
            + (" (hervat)" if r.resumed else "") + (f"  MISLUKT: {r.failed}" if r.failed else "")
            + (f"  INGEKORT: {r.cut}" if r.cut else ""))


def index_summary(report) -> str:
    """One line for an index build or update (indexer.build.BuildReport)."""
    if report.mode == "none":
        return f"index: niets gewijzigd, niets opnieuw geïndexeerd ({report.documents} documenten, live: {report.path})"
    what = (f"{report.added} nieuw, {report.updated} gewijzigd, {report.deleted} verwijderd"
            if report.mode == "incremental" else f"volledig opnieuw gebouwd{' (' + report.reason + ')' if report.reason else ''}")
    return (f"index: {what}; {report.documents} documenten, {report.seconds:.1f}s, {report.size_bytes / 1e6:.0f} MB, "
            f"gepubliceerd: {report.path}")


def run_nightly(data: Path, sites: list, crawl: Callable[[], tuple], update_index: Callable[[object], object],
                say: Callable[[str], None], fail: Callable[..., int]) -> int:
    """One night: crawl(`sites`) -> (store, site reports), update_index(store) -> build report, then the report
    files in <data>/reports/. Exit code 0 when every site ran, 1 when a site failed entirely, LOCKED when
    another run holds the lock."""
    lock = NightlyLock(data / "nightly.lock")
    if not lock.acquire():
        held = lock.previous
        return fail(f"er draait al een nightly-run (pid {held.get('pid', '?')}, gestart {held.get('started_at', '?')}); "
                    "deze run stopt zonder iets te doen", code=LOCKED)
    try:
        if lock.previous.get("pid"):
            log.warning("previous nightly run did not finish; resuming it", extra={"previous": lock.previous})
            say(f"let op: de vorige run (pid {lock.previous['pid']}) is niet afgemaakt; die wordt hervat")
        started = time.time()
        if not sites:
            return fail("geen sites gekozen")
        log.info("nightly start", extra={"sites": [s.name for s in sites]})
        store, reports = crawl()
        index = update_index(store)
        failed = [r.site for r in reports if r.failed]
        code = 1 if failed else 0
        report = {
            "started_at": time.strftime("%Y-%m-%dT%H:%M:%S%z", time.localtime(started)),
            "finished_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "duration_s": round(time.time() - started, 1),
            "exit_code": code,
            "failed_sites": failed,
            "cut_sites": {r.site: r.cut for r in reports if r.cut},
            "sites": {r.site: {**r.as_dict(), "documents": r.documents} for r in reports},
            "index": asdict(index),
        }
        stamp = time.strftime("%Y%m%dT%H%M%S")
        write_json_atomic(data / "reports" / f"nightly-{stamp}.json", report)
        write_json_atomic(data / "reports" / "latest.json", report)
        for r in reports:
            say(site_summary(r))
        say(index_summary(index))
        say(f"rapport: {data / 'reports' / f'nightly-{stamp}.json'}"
            + (f"  — MISLUKT: {', '.join(failed)}" if failed else ""))
        log.info("nightly done", extra={"exit_code": code, "index_mode": index.mode, "failed_sites": failed})
        return code
    finally:
        lock.release()
