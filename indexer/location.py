"""Where an index lives: its URL, read in this one place, and the published-build layout of a Whoosh index
directory. The index format's reading side: the indexer writes here and search reads here, so search needs no
other module of the indexer.

An index URL is `whoosh:///relative/path`, `whoosh:////absolute/path` or a plain path (a Whoosh directory),
`tantivy:///relative/path` or `tantivy:////absolute/path` (a tantivy directory of the same layout), or
`postgresql://user@host/db`. Which schemes exist is said by the registries that act on them
(indexer.backends.INDEXES builds, search.engines.ENGINES searches): one line there adds a scheme.

Layout of a Whoosh index directory:
    builds/<stamp>/      complete indexes, each with BUILD.json written last
    current              symlink -> builds/<stamp>   (the live pointer; os.replace makes the switch atomic)
"""
from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterable
from urllib.parse import urlsplit, urlunsplit

MARKER = "BUILD.json"
MANIFEST = "DOCUMENTS.json"   # url -> document key (store.record.DocumentRecord.key) of every document in the build
POINTER = "current"

_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)://")
ALIASES = {"postgres": "postgresql"}
EXAMPLES = {"whoosh": "whoosh:///path (or a plain path)", "tantivy": "tantivy:///path",
            "postgresql": "postgresql://user@host/db"}


class IndexMissing(RuntimeError):
    """No usable index is published; the message says how to make one."""


class IndexURLError(ValueError):
    """An index URL no registered engine can read; the message names the schemes there are."""


@dataclass(frozen=True)
class IndexURL:
    scheme: str     # a registry key: 'whoosh', 'postgresql', ...
    target: str     # what that engine opens: a directory for whoosh, the connection URL for postgresql

    @property
    def path(self) -> Path:
        return Path(self.target)

    def __str__(self) -> str:
        """The location fit for logs and messages: without a password."""
        parts = urlsplit(self.target)
        if self.scheme != "postgresql" or parts.password is None:
            return self.target
        return urlunsplit(parts._replace(netloc=parts.netloc.replace(f":{parts.password}@", "@", 1)))


def parse_index_url(url: str | Path, schemes: Iterable[str]) -> IndexURL:
    """Read an index URL; `schemes` are the ones the caller can act on. A path without a scheme is a Whoosh
    directory. As sqlite:///: whoosh:///relative/path and whoosh:////absolute/path."""
    text = str(url)
    known = list(schemes)
    found = _SCHEME.match(text)
    if not found:
        scheme, target = "whoosh", text
    else:
        scheme = ALIASES.get(found.group(1).lower(), found.group(1).lower())
        target = text if scheme == "postgresql" else text[len(found.group(0)):]
        if scheme != "postgresql" and target.startswith("/"):
            target = target[1:]   # whoosh:///relative -> relative, whoosh:////abs -> /abs
    if scheme not in known or not target:
        names = ", ".join(EXAMPLES.get(s, f"{s}:///path") for s in known)
        what = f"unknown index scheme {found.group(1)!r}" if scheme not in known else "no index location"
        raise IndexURLError(f"{what} in {text!r}; an index URL is one of: {names}")
    return IndexURL(scheme, target)


class IndexLocation:
    """Where indexes live and which one is live."""

    def __init__(self, root: Path | str):
        # absolute, so that every message and report names the directory meant: tantivy:///data/x is data/x in the
        # working directory (sqlite's convention), which is easy to mistake for /data/x
        self.root = Path(root).absolute()
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
        import whoosh.index
        path = self.live_path()
        try:
            ix = whoosh.index.open_dir(str(path))
            ix.doc_count()   # reads the table of contents and segment list: fails here if they are damaged
            return ix
        except Exception as e:  # Whoosh raises many kinds on damaged files (IndexError, EOFError, pickle errors)
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
        """Remove old complete builds beyond `keep`, every incomplete one that is not live, and temporary
        pointers left by a publisher that was killed between making and renaming one."""
        for stale in self.root.glob(f".{POINTER}.*"):
            if stale.is_symlink() and stale.name != f".{POINTER}.{os.getpid()}":
                stale.unlink(missing_ok=True)
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
