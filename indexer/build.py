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
from .workers import Workers, put_aside


@dataclass
class BuildReport:
    path: str
    documents: int
    seconds: float
    docs_per_second: float
    size_bytes: int
    themes: dict[str, int]
    built_at: str
    schema_version: int | str = SCHEMA_VERSION
    config_hash: str = ""
    mode: str = "full"            # full | incremental | none (nothing changed, nothing published)
    added: int = 0
    updated: int = 0
    deleted: int = 0
    reason: str = ""              # why a full build was chosen


def config_hash(themes_path=None, schema_version=SCHEMA_VERSION) -> str:
    """Changes whenever a full rebuild is needed: schema version (of the engine's index), theme keywords, and every
    language resource with the analysis code (lang.fingerprint.resource_hash: stop words, word frequencies,
    splitter settings, stemmer; not the synonyms, which only the query reads)."""
    h = hashlib.sha256(str(schema_version).encode())
    h.update(Path(themes_path or DEFAULT_THEMES).read_bytes())
    h.update(resource_hash().encode())
    return h.hexdigest()[:16]


def _dir_size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def _count_themes(counts: dict, slugs: list[str]) -> None:
    for slug in slugs:
        counts[slug] = counts.get(slug, 0) + 1


class Analysis:
    """What a build does to each record before its target writes it (in indexer.workers' processes, forked with
    the build's target and theme matcher): its themes, and the document in the form the target's add() takes."""

    def __init__(self, target, matcher: ThemeMatcher):
        self.target, self.matcher = target, matcher

    def indexed(self, rec) -> tuple[str, str, list[str], object]:
        """(url, document key, theme slugs, the target's document) of a record."""
        assigned = self.matcher.assign(rec.title, rec.text)
        return rec.url, rec.key, [ev.slug for ev in assigned], self.target.document(to_index_fields(rec, assigned))

    def indexed_aside(self, item: tuple[str, object]) -> tuple[dict[str, int], tuple[str, int, int]]:
        """(folder, record) -> the record's lengths (what TantivyBuild learns from every record before it writes
        the first) and where indexed() of it was put aside in the folder (indexer.workers.put_aside): one
        analysis pass for a build that reads its results back afterwards."""
        folder, rec = item
        indexed = self.indexed(rec)
        return self.target.lengths(rec), put_aside(folder, indexed)


class WhooshBuild:
    """How a build writes a Whoosh index. build_index and update_index do the rest (the store, themes, manifest,
    publishing), the same for every engine that writes a build directory (indexer.tantivy_index.TantivyBuild)."""

    schema_version = SCHEMA_VERSION

    def __init__(self, procs: int = 1, decompound: bool = True):
        self.procs, self.decompound = procs, decompound
        self.writer = None

    @staticmethod
    def prepare(store: CrawlStore, sites, workers: Workers, build_dir: Path):
        """The records' analyses (Analysis.indexed) as the writer takes them: nothing to learn from the documents
        before a Whoosh build, so they are made as it writes."""
        return workers.map("indexed", store.documents(sites))

    @staticmethod
    def document(fields: dict) -> dict:
        """Whoosh analyses the fields itself, in its writer."""
        return fields

    def create(self, build_dir: Path) -> None:
        ix = whoosh.index.create_in(str(build_dir), build_schema(self.decompound))
        self.writer = (ix.writer(procs=self.procs, multisegment=True, limitmb=256) if self.procs > 1
                       else ix.writer(limitmb=256))

    def open_copy(self, live: Path, build_dir: Path) -> None:
        """A copy of the live build in build_dir, open for changes."""
        for f in live.iterdir():
            if f.is_file() and f.name not in (MARKER, MANIFEST) and not f.name.endswith(".lock"):
                shutil.copy2(f, build_dir / f.name)
        self.writer = whoosh.index.open_dir(str(build_dir)).writer(limitmb=256)

    def add(self, fields: dict) -> None:
        self.writer.add_document(**fields)

    def delete(self, doc_ids: list[str]) -> None:
        for doc_id in doc_ids:
            self.writer.delete_by_term("id", doc_id)

    def commit(self) -> None:
        self.writer.commit()

    def cancel(self) -> None:
        if self.writer is not None:
            self.writer.cancel()

    @staticmethod
    def theme_counts(build_dir: Path) -> dict[str, int]:
        """Documents per theme in a build, counted in the index itself (deleted documents excluded)."""
        ix = whoosh.index.open_dir(str(build_dir))
        with ix.searcher() as s:
            return {term.decode(): sum(1 for _ in s.docs_for_query(Term("themes", term.decode())))
                    for term in s.lexicon("themes")}


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
                decompound: bool = True, target=None) -> BuildReport:
    """Index every document of the store into a new build and publish it. `target` writes the build
    (default: a Whoosh index, WhooshBuild)."""
    target = target or WhooshBuild(procs, decompound)
    matcher = ThemeMatcher(load_themes(themes_path) if themes_path else load_themes())
    started = time.monotonic()
    build_dir = location.new_build_dir()
    total = store.count_documents(sites)
    theme_counts: dict[str, int] = {}
    manifest: dict[str, str] = {}
    bar = None
    if progress:
        from tqdm import tqdm
        bar = tqdm(total=total, desc="index", unit=" doc")
    try:
        with Workers(Analysis(target, matcher), procs) as workers:   # forked before the writer's threads start
            analysed = target.prepare(store, sites, workers, build_dir)
            target.create(build_dir)
            for url, key, themes, document in analysed:
                _count_themes(theme_counts, themes)
                target.add(document)
                manifest[url] = key
                if bar is not None:
                    bar.update(1)
            target.commit()
    except BaseException:
        target.cancel()
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
                         schema_version=target.schema_version,
                         config_hash=config_hash(themes_path, target.schema_version), mode="full", added=n,
                         reason=reason)
    return _finish(build_dir, location, report, manifest)


def update_index(store: CrawlStore, location: IndexLocation, themes_path=None, procs: int = 1,
                 progress: bool = True, target=None) -> BuildReport:
    """Bring the live index in line with the store, touching only new, changed and removed documents.

    The live build is copied aside, updated there and published with the same atomic switch as a full
    build. Falls back to a full build when there is no usable index or the schema, themes or language
    resources changed. When nothing changed, nothing is written and mode is 'none'."""
    target = target or WhooshBuild(procs)
    try:
        live = location.live_path()
        info = location.info()
        have = json.loads((live / MANIFEST).read_text())
    except (IndexMissing, OSError, ValueError) as e:
        return build_index(store, location, themes_path, procs, progress, reason=f"no usable live index ({e})",
                           target=target)
    if info.get("config_hash") != config_hash(themes_path, target.schema_version):
        return build_index(store, location, themes_path, procs, progress,
                           reason="schema, themes or language resources changed since the live build", target=target)
    started = time.monotonic()
    want = store.document_hashes()
    added = [u for u in want if u not in have]
    updated = [u for u in want if u in have and have[u] != want[u]]
    deleted = {u for u in have if u not in want}   # a set: the new manifest is `have` without them
    if not (added or updated or deleted):
        return BuildReport(path=str(live), documents=len(have), seconds=round(time.monotonic() - started, 2),
                           docs_per_second=0.0, size_bytes=0, themes=info.get("themes", {}),
                           built_at=info.get("built_at", ""), schema_version=target.schema_version,
                           config_hash=info.get("config_hash", ""), mode="none")
    matcher = ThemeMatcher(load_themes(themes_path) if themes_path else load_themes())
    build_dir = location.new_build_dir()
    try:
        with Workers(Analysis(target, matcher), procs if len(added) + len(updated) > 100 else 1) as workers:
            target.open_copy(live, build_dir)
            try:
                # out first, in one call, every document that went or changed (tantivy deletes them all in one
                # operation); then the new versions in (a delete never reaches what is added after it)
                target.delete([doc_id(url) for url in (*deleted, *updated, *added)])
                for _, _, _, document in workers.map("indexed", store.documents(urls=added + updated)):
                    target.add(document)
                target.commit()
            except BaseException:
                target.cancel()
                raise
    except BaseException:
        shutil.rmtree(build_dir, ignore_errors=True)
        raise
    manifest = {u: h for u, h in have.items() if u not in deleted}
    manifest.update({u: want[u] for u in added + updated})
    seconds = time.monotonic() - started
    report = BuildReport(path=str(build_dir), documents=len(manifest), seconds=round(seconds, 2),
                         docs_per_second=round((len(added) + len(updated)) / seconds, 1) if seconds else 0.0,
                         size_bytes=0, themes=target.theme_counts(build_dir),
                         built_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
                         schema_version=target.schema_version,
                         config_hash=config_hash(themes_path, target.schema_version), mode="incremental",
                         added=len(added), updated=len(updated), deleted=len(deleted))
    return _finish(build_dir, location, report, manifest)


class DirectoryIndex:
    """An index directory of published builds as indexer.backends opens every index: build() and update() a store
    into it; `target` says how one build directory is written (WhooshBuild, tantivy_index.TantivyBuild)."""

    target = None

    def __init__(self, root: Path | str, procs: int = 1):
        self.location, self.procs = IndexLocation(root), procs

    def build(self, store: CrawlStore, progress: bool = True, reason: str = "") -> BuildReport:
        return build_index(store, self.location, procs=self.procs, progress=progress, reason=reason,
                           target=self.target(self.procs))

    def update(self, store: CrawlStore, progress: bool = True) -> BuildReport:
        return update_index(store, self.location, procs=self.procs, progress=progress, target=self.target(self.procs))


class WhooshIndex(DirectoryIndex):
    target = WhooshBuild
