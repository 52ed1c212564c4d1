"""Build a Whoosh index aside and publish it with one atomic rename.

Layout under the index directory:
    builds/<stamp>/      complete indexes, each with BUILD.json written last
    current              symlink -> builds/<stamp>   (the live pointer; os.replace makes the switch atomic)

A build that dies half-way leaves a directory without BUILD.json that is never pointed to,
and is removed by the next build. Readers compare the pointer's target to the one they
have open and reopen when it changed.
"""
from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path

import whoosh.index

from crawler.store import CrawlStore

from .schema import SCHEMA_VERSION, build_schema, to_index_fields
from .themes import ThemeMatcher, load_themes

MARKER = "BUILD.json"
POINTER = "current"


class IndexMissing(RuntimeError):
    """No usable index is published; the message says how to make one."""


@dataclass
class BuildReport:
    path: str
    documents: int
    seconds: float
    docs_per_second: float
    size_bytes: int
    themes: dict[str, int]
    built_at: str
    schema_version: int = SCHEMA_VERSION


class IndexLocation:
    """Where indexes live and which one is live."""

    def __init__(self, root: Path | str):
        self.root = Path(root)
        self.builds = self.root / "builds"
        self.pointer = self.root / POINTER

    def live_target(self) -> str | None:
        """The live build's directory name, or None. One readlink: cheap enough for every request."""
        try:
            return os.readlink(self.pointer)
        except OSError:
            return None

    def live_path(self) -> Path:
        target = self.live_target()
        if target is None:
            raise IndexMissing(f"no index published in {self.root}; build one with: python run.py index")
        path = (self.root / target).resolve()
        if not (path / MARKER).is_file():
            raise IndexMissing(f"the live index {path} is incomplete or damaged; "
                               f"rebuild it with: python run.py index --rebuild")
        return path

    def open_live(self):
        path = self.live_path()
        try:
            return whoosh.index.open_dir(str(path))
        except (whoosh.index.EmptyIndexError, OSError, EOFError, ValueError) as e:
            raise IndexMissing(f"the live index {path} cannot be opened ({type(e).__name__}: {e}); "
                               f"rebuild it with: python run.py index --rebuild") from None

    def info(self) -> dict:
        return json.loads((self.live_path() / MARKER).read_text())

    def new_build_dir(self) -> Path:
        self.builds.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S.%f")
        return Path(tempfile.mkdtemp(prefix=f"{stamp}-", dir=self.builds))

    def publish(self, build_dir: Path) -> None:
        """Point `current` at build_dir atomically (symlink to a temp name, then rename over)."""
        if not (build_dir / MARKER).is_file():
            raise ValueError(f"{build_dir} is not a complete build")
        tmp = self.root / f".{POINTER}.{os.getpid()}"
        if tmp.is_symlink() or tmp.exists():
            tmp.unlink()
        os.symlink(os.path.relpath(build_dir, self.root), tmp)
        os.replace(tmp, self.pointer)
        _fsync_dir(self.root)

    def prune(self, keep: int = 2) -> None:
        """Remove old complete builds beyond `keep` and every incomplete one that is not live."""
        if not self.builds.is_dir():
            return
        live = self.live_target()
        live_name = Path(live).name if live else None
        complete = []
        for d in sorted(self.builds.iterdir()):
            if d.name == live_name:
                continue
            if (d / MARKER).is_file():
                complete.append(d)
            elif time.time() - d.stat().st_mtime > 60:  # an incomplete build, not one running right now
                shutil.rmtree(d, ignore_errors=True)
        for d in complete[: max(0, len(complete) - (keep - 1))]:
            shutil.rmtree(d, ignore_errors=True)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _dir_size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def build_index(store: CrawlStore, location: IndexLocation, themes_path=None, procs: int = 1,
                progress: bool = True, sites: list[str] | None = None) -> BuildReport:
    """Index every document of the store into a new build and publish it."""
    matcher = ThemeMatcher(load_themes(themes_path) if themes_path else load_themes())
    started = time.monotonic()
    build_dir = location.new_build_dir()
    ix = whoosh.index.create_in(str(build_dir), build_schema())
    total = store.count_documents(sites)
    if procs > 1:
        writer = ix.writer(procs=procs, multisegment=True, limitmb=256)
    else:
        writer = ix.writer(limitmb=256)
    theme_counts: dict[str, int] = {}
    bar = None
    if progress:
        from tqdm import tqdm
        bar = tqdm(total=total, desc="index", unit=" doc")
    n = 0
    try:
        for rec in store.documents(sites):
            assigned = matcher.assign(rec.title, rec.text)
            for ev in assigned:
                theme_counts[ev.slug] = theme_counts.get(ev.slug, 0) + 1
            writer.add_document(**to_index_fields(rec, assigned))
            n += 1
            if bar is not None:
                bar.update(1)
        writer.commit()
    except BaseException:
        writer.cancel()
        shutil.rmtree(build_dir, ignore_errors=True)
        raise
    finally:
        if bar is not None:
            bar.close()
    seconds = time.monotonic() - started
    report = BuildReport(path=str(build_dir), documents=n, seconds=round(seconds, 2),
                         docs_per_second=round(n / seconds, 1) if seconds else 0.0,
                         size_bytes=_dir_size(build_dir), themes=theme_counts,
                         built_at=datetime.now(timezone.utc).isoformat(timespec="seconds"))
    (build_dir / MARKER).write_text(json.dumps(asdict(report), indent=2))
    location.publish(build_dir)
    location.prune()
    return report
