"""Build a Whoosh index aside and publish it with one atomic rename (the directory layout: indexer.location).

A build that dies half-way leaves a directory without BUILD.json that is never pointed to,
and is removed by the next build. Readers compare the pointer's target to the one they
have open and reopen when it changed.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path

import whoosh.index
from whoosh.query import Term

from lang.fingerprint import resource_hash
from store.crawl_store import CrawlStore

from .location import MANIFEST, MARKER, IndexLocation, IndexMissing
from .fields import to_index_fields
from .schema import SCHEMA_VERSION, build_schema, doc_id
from .themes import DEFAULT_THEMES, ThemeMatcher, load_themes


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
    config_hash: str = ""
    mode: str = "full"            # full | incremental | none (nothing changed, nothing published)
    added: int = 0
    updated: int = 0
    deleted: int = 0
    reason: str = ""              # why a full build was chosen


def config_hash(themes_path=None) -> str:
    """Changes whenever a full rebuild is needed: schema version, theme keywords, and every language resource
    with the analysis code (lang.fingerprint.resource_hash: stop words, word frequencies, synonyms, splitter
    settings, stemmer)."""
    h = hashlib.sha256(str(SCHEMA_VERSION).encode())
    h.update(Path(themes_path or DEFAULT_THEMES).read_bytes())
    h.update(resource_hash().encode())
    return h.hexdigest()[:16]


def _dir_size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def _count_themes(counts: dict, assigned) -> None:
    for ev in assigned:
        counts[ev.slug] = counts.get(ev.slug, 0) + 1


def _finish(build_dir: Path, location: IndexLocation, report: BuildReport, manifest: dict[str, str]) -> BuildReport:
    """Write the manifest and, last, the marker; then publish and prune old builds."""
    (build_dir / MANIFEST).write_text(json.dumps(manifest))
    report.size_bytes = _dir_size(build_dir)
    marker = build_dir / MARKER
    with open(marker, "w") as f:
        f.write(json.dumps(asdict(report), indent=2))
        f.flush()
        os.fsync(f.fileno())
    location.publish(build_dir)
    location.prune()
    return report


def build_index(store: CrawlStore, location: IndexLocation, themes_path=None, procs: int = 1,
                progress: bool = True, sites: list[str] | None = None, reason: str = "",
                decompound: bool = True) -> BuildReport:
    """Index every document of the store into a new build and publish it."""
    matcher = ThemeMatcher(load_themes(themes_path) if themes_path else load_themes())
    started = time.monotonic()
    build_dir = location.new_build_dir()
    ix = whoosh.index.create_in(str(build_dir), build_schema(decompound))
    total = store.count_documents(sites)
    writer = ix.writer(procs=procs, multisegment=True, limitmb=256) if procs > 1 else ix.writer(limitmb=256)
    theme_counts: dict[str, int] = {}
    manifest: dict[str, str] = {}
    bar = None
    if progress:
        from tqdm import tqdm
        bar = tqdm(total=total, desc="index", unit=" doc")
    try:
        for rec in store.documents(sites):
            assigned = matcher.assign(rec.title, rec.text)
            _count_themes(theme_counts, assigned)
            writer.add_document(**to_index_fields(rec, assigned))
            manifest[rec.url] = rec.key
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
    n = len(manifest)
    report = BuildReport(path=str(build_dir), documents=n, seconds=round(seconds, 2),
                         docs_per_second=round(n / seconds, 1) if seconds else 0.0, size_bytes=0,
                         themes=theme_counts, built_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
                         config_hash=config_hash(themes_path), mode="full", added=n, reason=reason)
    return _finish(build_dir, location, report, manifest)


def update_index(store: CrawlStore, location: IndexLocation, themes_path=None, procs: int = 1,
                 progress: bool = True) -> BuildReport:
    """Bring the live index in line with the store, touching only new, changed and removed documents.

    The live build is copied aside, updated there and published with the same atomic switch as a full
    build. Falls back to a full build when there is no usable index or the schema, themes or language
    resources changed. When nothing changed, nothing is written and mode is 'none'."""
    try:
        live = location.live_path()
        info = location.info()
        have = json.loads((live / MANIFEST).read_text())
    except (IndexMissing, OSError, ValueError) as e:
        return build_index(store, location, themes_path, procs, progress, reason=f"no usable live index ({e})")
    if info.get("config_hash") != config_hash(themes_path):
        return build_index(store, location, themes_path, procs, progress,
                           reason="schema, themes or language resources changed since the live build")
    started = time.monotonic()
    want = store.document_hashes()
    added = [u for u in want if u not in have]
    updated = [u for u in want if u in have and have[u] != want[u]]
    deleted = [u for u in have if u not in want]
    if not (added or updated or deleted):
        return BuildReport(path=str(live), documents=len(have), seconds=round(time.monotonic() - started, 2),
                           docs_per_second=0.0, size_bytes=0, themes=info.get("themes", {}),
                           built_at=info.get("built_at", ""), config_hash=info.get("config_hash", ""), mode="none")
    matcher = ThemeMatcher(load_themes(themes_path) if themes_path else load_themes())
    build_dir = location.new_build_dir()
    try:
        for f in live.iterdir():
            if f.is_file() and f.name not in (MARKER, MANIFEST) and not f.name.endswith(".lock"):
                shutil.copy2(f, build_dir / f.name)
        ix = whoosh.index.open_dir(str(build_dir))
        writer = ix.writer(limitmb=256)
        try:
            for url in deleted:
                writer.delete_by_term("id", doc_id(url))
            for rec in store.documents(urls=added + updated):
                writer.update_document(**to_index_fields(rec, matcher.assign(rec.title, rec.text)))
            writer.commit()
        except BaseException:
            writer.cancel()
            raise
    except BaseException:
        shutil.rmtree(build_dir, ignore_errors=True)
        raise
    manifest = {u: h for u, h in have.items() if u not in deleted}
    manifest.update({u: want[u] for u in added + updated})
    seconds = time.monotonic() - started
    report = BuildReport(path=str(build_dir), documents=len(manifest), seconds=round(seconds, 2),
                         docs_per_second=round((len(added) + len(updated)) / seconds, 1) if seconds else 0.0,
                         size_bytes=0, themes=_count_themes_in(build_dir),
                         built_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
                         config_hash=config_hash(themes_path), mode="incremental", added=len(added),
                         updated=len(updated), deleted=len(deleted))
    return _finish(build_dir, location, report, manifest)


class WhooshIndex:
    """A Whoosh index directory as indexer.backends opens every index: build() and update() a store into it."""

    def __init__(self, root: Path | str, procs: int = 1):
        self.location, self.procs = IndexLocation(root), procs

    def build(self, store: CrawlStore, progress: bool = True, reason: str = "") -> BuildReport:
        return build_index(store, self.location, procs=self.procs, progress=progress, reason=reason)

    def update(self, store: CrawlStore, progress: bool = True) -> BuildReport:
        return update_index(store, self.location, procs=self.procs, progress=progress)


def _count_themes_in(build_dir: Path) -> dict[str, int]:
    """Documents per theme in a build, counted in the index itself (deleted documents excluded)."""
    ix = whoosh.index.open_dir(str(build_dir))
    with ix.searcher() as s:
        return {term.decode(): sum(1 for _ in s.docs_for_query(Term("themes", term.decode())))
                for term in s.lexicon("themes")}
