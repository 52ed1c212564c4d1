"""The crawl's shared work: runs (one per crawl, with a report per site), the frontier (the URLs a run discovered,
which are done, which a worker holds on a lease with an expiry) and host slots (politeness held across workers).
A killed run resumes from here; several workers, on several machines, share it without fetching a URL twice."""
from __future__ import annotations

import json
import os
import socket
from typing import NamedTuple

from .database import StorePart
from .schema import now

LEASE_SECONDS = 120   # a URL a worker claimed and did not finish goes back to the others after this


def worker_id() -> str:
    """Who holds a lease and made a fetch: host and process, so a dead local worker's leases can be freed."""
    return f"{socket.gethostname()}:{os.getpid()}"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class Claim(NamedTuple):
    """A frontier entry a worker now holds."""
    url: str
    depth: int
    lastmod: str | None     # the sitemap's lastmod for it ('' listed without one; None: the sitemap does not list it)
    due: bool               # fetch it in this run, whatever its revisit date says

    @property
    def listed(self) -> bool:
        return self.lastmod is not None


def mark_done(db, run_id, url) -> None:
    """Mark a URL of the run done and free its lease, inside the transaction that recorded its outcome."""
    if run_id is not None:
        db.execute("UPDATE frontier SET done=1, leased_by=NULL, lease_until=NULL WHERE run_id=? AND url=?",
                   (run_id, url))


class Frontier(StorePart):
    """Runs, the frontier and host slots (part of CrawlStore)."""

    # ------------------------------------------------------------ runs
    def start_run(self, sites: list[str]) -> int:
        with self.transaction() as db:
            return db.execute("INSERT INTO runs(started_at, sites) VALUES (?, ?) RETURNING id",
                              (now(), json.dumps(sites))).fetchone()[0]

    def join_or_start_run(self, sites: list[str]) -> tuple[int, bool]:
        """-> (run id, joined): the unfinished run if there is one (a killed run to resume, or the run other
        workers are crawling), else a new one. Atomic: workers starting together end up in one run."""
        with self.transaction() as db:
            db.execute(self.db.lock_table_sql("runs"))
            row = db.execute("SELECT id, finished_at FROM runs ORDER BY id DESC LIMIT 1").fetchone()
            if row and row[1] is None:
                return row[0], True
            return db.execute("INSERT INTO runs(started_at, sites) VALUES (?, ?) RETURNING id",
                              (now(), json.dumps(sites))).fetchone()[0], False

    def finish_run(self, run_id: int, stats: dict) -> None:
        with self.transaction() as db:
            db.execute("UPDATE runs SET finished_at=?, stats=? WHERE id=?", (now(), json.dumps(stats), run_id))

    def site_run_report(self, run_id: int, site: str) -> dict | None:
        """The stored report of a site that already finished in this run (when resuming)."""
        with self._conn() as db:
            row = db.execute("SELECT report FROM site_runs WHERE run_id=? AND site=? AND finished_at IS NOT NULL",
                             (run_id, site)).fetchone()
        return json.loads(row[0]) if row else None

    def finish_site_run(self, run_id: int, site: str, report: dict, merge=None) -> dict:
        """Store a site's report for this run. When another worker already stored one, merge(old, new) makes
        them one (under a row lock). Returns the stored report."""
        with self.transaction() as db:
            db.execute("INSERT INTO site_runs(run_id, site) VALUES (?,?) ON CONFLICT DO NOTHING", (run_id, site))
            row = db.execute(f"SELECT report FROM site_runs WHERE run_id=? AND site=?{self.db.lock_row}",
                             (run_id, site)).fetchone()
            if row[0] and merge is not None:
                report = merge(json.loads(row[0]), report)
            db.execute("UPDATE site_runs SET finished_at=?, report=? WHERE run_id=? AND site=?",
                       (now(), json.dumps(report), run_id, site))
        return report

    # ------------------------------------------------------------ frontier
    def frontier_add(self, run_id: int, site: str, entries: list[tuple]) -> None:
        """Remember discovered URLs (url, depth, priority[, sitemap lastmod[, due]]) of a run. A URL the run
        already has keeps its place, but learns its sitemap lastmod, and becomes due (and as urgent) when the
        new entry says so and it was not visited yet."""
        if not entries:
            return
        rows = [(run_id, site, e[0], e[1], e[2], e[3] if len(e) > 3 else None, int(len(e) > 4 and bool(e[4])))
                for e in entries]
        with self.transaction() as db:
            db.executemany(
                "INSERT INTO frontier(run_id, site, url, depth, priority, lastmod, due) VALUES (?,?,?,?,?,?,?) "
                "ON CONFLICT(run_id, url) DO UPDATE SET lastmod = COALESCE(excluded.lastmod, frontier.lastmod), "
                "due = CASE WHEN frontier.done = 0 AND excluded.due > frontier.due THEN excluded.due "
                "ELSE frontier.due END, "
                "priority = CASE WHEN frontier.done = 0 AND excluded.due > frontier.due THEN excluded.priority "
                "ELSE frontier.priority END", rows)

    def frontier_retry(self, run_id: int, url: str, priority: int) -> None:
        """Visit a URL once more in this run, after what is queued before `priority` (a 404 that may be brief)."""
        with self.transaction() as db:
            db.execute("UPDATE frontier SET done=0, due=1, priority=?, leased_by=NULL, lease_until=NULL "
                       "WHERE run_id=? AND url=?", (priority, run_id, url))

    def frontier_offer(self, run_id: int, site: str, url: str, depth: int, priority: int,
                       lease_s: float | None = None) -> bool:
        """Add one URL, leased to this worker when lease_s is given. False when the run already knew it
        (another worker has it, or had it)."""
        now_sql = self.db.now_sql
        with self.transaction() as db:
            row = db.execute(
                f"INSERT INTO frontier(run_id, site, url, depth, priority, leased_by, lease_until) "
                f"VALUES (?,?,?,?,?,?, {now_sql} + ?) ON CONFLICT DO NOTHING RETURNING url",
                (run_id, site, url, depth, priority, worker_id() if lease_s else None, lease_s)).fetchone()
        return row is not None

    def frontier_claim(self, run_id: int, site: str, lease_s: float = LEASE_SECONDS) -> Claim | None:
        """The site's most urgent URL nobody holds, now leased to this worker; None when there is none.
        On PostgreSQL, rows another worker is claiming at this moment are skipped, not waited for."""
        now_sql = self.db.now_sql
        with self.transaction() as db:
            row = db.execute(
                f"SELECT url, depth, lastmod, due FROM frontier WHERE run_id=? AND site=? AND done=0 AND "
                f"(lease_until IS NULL OR lease_until < {now_sql}) ORDER BY priority, rowid LIMIT 1"
                f"{self.db.for_update}", (run_id, site)).fetchone()
            if row is None:
                return None
            db.execute(f"UPDATE frontier SET leased_by=?, lease_until={now_sql} + ? WHERE run_id=? AND url=?",
                       (worker_id(), lease_s, run_id, row[0]))
        return Claim(row[0], row[1], row[2], bool(row[3]))

    def frontier_pending(self, run_id: int, site: str) -> int:
        """URLs of the site not done yet in this run, held by a worker or not."""
        with self._conn() as db:
            return db.execute("SELECT COUNT(*) FROM frontier WHERE run_id=? AND site=? AND done=0",
                              (run_id, site)).fetchone()[0]

    def frontier_release_abandoned(self) -> int:
        """Give back the leases of crawl processes on this machine that are gone (killed): a resumed run need
        not wait for their expiry. Leases of other machines expire by themselves. Returns how many."""
        mine = [worker_id().rsplit(":", 1)[0] + ":%"]
        released = 0
        with self.transaction() as db:
            owners = [r[0] for r in db.execute("SELECT DISTINCT leased_by FROM frontier WHERE done=0 AND "
                                               "leased_by LIKE ?", mine).fetchall()]
            for owner in owners:
                pid = owner.rsplit(":", 1)[1]
                if pid.isdigit() and not _alive(int(pid)):
                    released += db.execute("UPDATE frontier SET leased_by=NULL, lease_until=NULL WHERE done=0 AND "
                                           "leased_by=?", (owner,)).rowcount
        return released

    def frontier_done(self, run_id: int, url: str) -> None:
        with self.transaction() as db:
            mark_done(db, run_id, url)

    def frontier_clear(self, site: str, keep_run: int | None = None) -> None:
        with self.transaction() as db:
            db.execute("DELETE FROM frontier WHERE site=? AND run_id IS DISTINCT FROM ?", (site, keep_run))

    def host_slot(self, host: str, interval: float) -> float:
        """Reserve the next request slot for a host, `interval` seconds after the one before it, whichever worker
        took that; returns the seconds to wait until it. The database's clock is the one all workers share.
        The table keeps the start of the last slot, so the interval is the one that holds now (a Crawl-delay
        learnt from robots.txt applies to the very next request)."""
        now_sql = self.db.now_sql
        with self.transaction() as db:
            return max(0.0, db.execute(
                f"INSERT INTO host_slots(host, next_at) VALUES (?, {now_sql}) ON CONFLICT(host) DO UPDATE SET "
                f"next_at = CASE WHEN host_slots.next_at + ? > {now_sql} THEN host_slots.next_at + ? "
                f"ELSE {now_sql} END RETURNING next_at - {now_sql}", (host, interval, interval)).fetchone()[0])
