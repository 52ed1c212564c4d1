"""Writing a tantivy index (the format: indexer.tantivy_schema) from the project's own Dutch analysis, built aside
and published like the Whoosh one.

tantivy (Rust, through its Python bindings) stores, matches and scores; it never analyses Dutch. It receives the
tokens our analyzer produces (classic Snowball stems, compound parts at their compound's position, folded
variants) as pre-tokenized strings, and our gram, organisation and spelling terms joined by spaces. So the same
query builder finds the same terms in both engines, and no tantivy stemmer (its "dutch" is the newer algorithm:
gemeenten -> meen) is ever involved. Every document carries a padding (indexer.tantivy_schema) that depends on
each scored field's average length over the whole build, so a full build analyses every document first (in the
build's worker processes, indexer.workers: Documents.analysed, and Documents.lengths from the same reading), puts
the results aside in the build directory (a file per worker) and only then writes them, read back in the records'
order: one analysis of each document (an earlier pass that only measured lengths read every body twice, about
a seventh of a build's CPU). The results aside take disk for the length of the build, about twice the crawl
store (1.1 GB for the 0.6 GB store of the 13.6k corpus), and are removed once written. An incremental update
keeps its build's padding (the average moves little with a night's changes) and writes as it analyses. This
process only makes the tantivy documents of the results (a Python object per token: what the bindings take) and
feeds the one writer.

The build directory layout, the manifest, the marker and the atomic publish are indexer.build's: TantivyBuild
only says how one build directory is written. An incremental update hard-links the live build's files (tantivy
never changes a file it has written: segments are immutable, meta.json is replaced by a rename) into a new
build directory, deletes and adds there, and publishes it; the live build is never touched.
"""
from __future__ import annotations

import json
import os
import shutil
from array import array
from itertools import repeat
from pathlib import Path
from typing import Iterator

import tantivy

from lang.analysis import GramAnalyzer, dutch_analyzer, folded_words
from lang.references import BWB_ID

from .build import DirectoryIndex
from .fields import scored_fields
from .location import MANIFEST, MARKER
from .workers import close_aside, read_back
from .schema import day, timestamp
from .tantivy_schema import (CITED, FIELD_B, PAD, PADDING, STORED_META, TANTIVY_B, TANTIVY_SCHEMA_VERSION,
                             TEXT_FIELDS, build_tantivy_schema, doc_key, open_build)

ASIDE = "analysed"     # in a build directory while it is written: the analysed documents, read back in order
HEAP_BYTES = 128_000_000   # indexing memory of the writer (split over its threads)


def padding(average: dict[str, float], b: dict[str, float]) -> dict[str, int]:
    """Tokens to add to each field of every document so that tantivy's BM25 normalises length with `b`: P =
    avgdl (0.75 / b - 1). A b of 0.75 or more cannot be reached this way (P would be negative): 0 there."""
    return {f: max(0, round(average[f] * (min(TANTIVY_B / b[f], 1000.0) - 1))) if b[f] > 0 else
            round(average[f] * 1000) for f in b}


class Documents:
    """Index fields (indexer.fields.to_index_fields) -> tantivy documents, through our analyzers, in two steps:
    analysed() is the analysis (in a build's worker processes, indexer.workers), document() makes the tantivy
    document of its result (in the one process that writes)."""

    def __init__(self):
        self.text = dutch_analyzer()
        self.grams = GramAnalyzer()
        self.pad: dict[str, str] = {}

    def pad_with(self, tokens: dict[str, int]) -> None:
        """Add this many padding tokens to each field of every document from now on."""
        self.pad = {f: " ".join([PAD] * n) for f, n in tokens.items() if n > 0}

    def lengths(self, rec) -> dict[str, int]:
        """The length BM25 sees of each scored field of a record (indexer.schema.scored_fields; the grams of its
        title and text are counted apart: no word spans the line between them)."""
        fields = scored_fields(rec)
        out = {f: self.text.length(fields[f] or "") for f in TEXT_FIELDS}
        out["grams"] = self.grams.length(rec.title or "") + self.grams.length(rec.text)
        out["org_words"] = len(folded_words(fields["org_words"] or ""))
        return out

    def joined_grams(self, grams: str, body: str) -> str:
        """GramAnalyzer.joined of the grams field (the title, a line break, the body): of its two parts apart when
        that is the same (only a hyphen in the title, an elided compound, may reach over the line), so the body's
        scan is the one its terms were made from."""
        head = grams[:len(grams) - len(body) - 1]
        if "-" in head or grams != head + "\n" + body:
            return self.grams.joined(grams)
        return " ".join(filter(None, (self.grams.joined(head), self.grams.joined(body))))

    def analysed(self, fields: dict) -> dict:
        """What document() needs of a record's fields, analysed: for each text field its terms and their positions
        (our analyzer's tokens: compound parts at their compound's position), the gram and organisation terms
        joined by spaces, the stored values as bytes."""
        out = {name: fields[name] for name in ("id", "spell", "organisation", "doctype", "year", "date", "changed_at")}
        out["tokens"] = {}
        for name in TEXT_FIELDS:
            if fields[name]:
                terms, positions = self.text.terms_and_positions(fields[name])
                out["tokens"][name] = (terms, array("i", positions))
        out["grams"] = self.joined_grams(fields["grams"], fields["body"])
        out["org_words"] = " ".join(folded_words(fields["org_words"] or ""))
        out["themes"] = list(filter(None, fields["themes"].split(",")))
        out["refs"] = list(filter(None, fields["refs"].split(",")))
        meta = {name: fields[name] for name in STORED_META}
        meta["date"], meta["changed_at"] = day(fields["date"]), timestamp(fields["changed_at"])
        out["meta"] = json.dumps(meta, ensure_ascii=False).encode("utf-8")
        out["text"] = fields["body"].encode("utf-8")
        out["passages"] = fields["passages"].encode("utf-8")
        return out

    def document(self, analysed: dict) -> tantivy.Document:
        """The tantivy document of analysed(): the terms at their positions (character offsets are not needed:
        snippets mark the stored text themselves) and the padding."""
        doc = tantivy.Document()
        doc.add_text("id", analysed["id"])
        doc.add_unsigned("key", doc_key(analysed["id"]))
        for name, (terms, positions) in analysed["tokens"].items():
            tokens = list(map(tantivy.Token, terms, positions, repeat(0), repeat(0)))
            doc.add_pre_tokenized_text(name, tantivy.PreTokenizedString("", tokens))   # the text is in "text"
        doc.add_text("grams", analysed["grams"])
        doc.add_text("org_words", analysed["org_words"])
        for name, pad in self.pad.items():
            doc.add_text(name, pad)
        doc.add_text("spell", analysed["spell"])
        for name in ("organisation", "doctype", "year"):
            doc.add_text(name, analysed[name])
        for slug in analysed["themes"]:
            doc.add_text("themes", slug)
        for key in analysed["refs"]:
            doc.add_text("refs", key)
            if BWB_ID.fullmatch(key):
                doc.add_text(CITED, key)
        doc.add_date("date", analysed["date"])
        doc.add_date("changed_at", analysed["changed_at"])
        for name in ("meta", "text", "passages"):
            doc.add_bytes(name, analysed[name])
        return doc


class TantivyBuild:
    """How indexer.build writes a tantivy build directory (the counterpart of build.WhooshBuild)."""

    schema_version = TANTIVY_SCHEMA_VERSION

    def __init__(self, procs: int = 1):
        self.threads = max(1, procs)
        self.documents = Documents()
        self.pad: dict[str, int] = {}
        self.schema = self.writer = None

    def _open(self, index: tantivy.Index) -> None:
        self.documents.pad_with(self.pad)
        self.schema = index.schema
        self.writer = index.writer(heap_size=HEAP_BYTES, num_threads=self.threads)

    def prepare(self, store, sites, workers, build_dir: Path) -> Iterator:
        """Analyse every document to index (in the build's worker processes), each result put aside in the build
        directory, and measure each scored field's average length in the same pass: the padding, which the
        first document written needs already. -> the results, read back in the records' order (the folder goes
        when they are read or the build is abandoned: a build directory is removed whole)."""
        aside = build_dir / ASIDE
        aside.mkdir()
        totals, places = dict.fromkeys(FIELD_B, 0), []
        try:
            for lengths, place in workers.map("indexed_aside", zip(repeat(str(aside)), store.documents(sites))):
                places.append(place)
                for f, length in lengths.items():
                    totals[f] += length
        finally:
            close_aside(str(aside))   # with one process, the results were put aside here
        self.pad = padding({f: total / max(1, len(places)) for f, total in totals.items()}, FIELD_B)
        return self._read_back(aside, places)

    @staticmethod
    def _read_back(aside: Path, places: list) -> Iterator:
        try:
            yield from read_back(places)
        finally:
            shutil.rmtree(aside, ignore_errors=True)

    def lengths(self, rec) -> dict[str, int]:
        return self.documents.lengths(rec)

    def document(self, fields: dict) -> dict:
        """A record's fields analysed (in a worker process): what add() takes."""
        return self.documents.analysed(fields)

    def create(self, build_dir: Path) -> None:
        (build_dir / PADDING).write_text(json.dumps({"padding": self.pad, "b": FIELD_B}))
        self._open(tantivy.Index(build_tantivy_schema(), path=str(build_dir), reuse=False))

    def open_copy(self, live: Path, build_dir: Path) -> None:
        """The live build's files hard-linked into build_dir (copied where links cannot be made), open for
        changes: O(files), not O(bytes), and the live build keeps serving untouched."""
        for f in live.iterdir():
            if f.is_file() and f.name not in (MARKER, MANIFEST) and not f.name.endswith(".lock"):
                try:
                    os.link(f, build_dir / f.name)
                except OSError:
                    shutil.copy2(f, build_dir / f.name)
        self.pad = json.loads((build_dir / PADDING).read_text())["padding"]
        self._open(tantivy.Index.open(str(build_dir)))

    def add(self, analysed: dict) -> None:
        self.writer.add_document(self.documents.document(analysed))

    def delete(self, doc_ids: list[str]) -> None:
        """One delete operation for all of them, a term-set query: a call per document cost 44 µs each (25,000
        changed documents of 500k: 1.1 s against 0.04 s)."""
        if doc_ids:
            self.writer.delete_documents_by_query(tantivy.Query.term_set_query(self.schema, "id", doc_ids))

    def commit(self) -> None:
        self.writer.commit()
        self.writer.wait_merging_threads()   # merges finish before the marker is written
        self.writer = None

    def cancel(self) -> None:
        if self.writer is not None:
            self.writer.rollback()
            self.writer = None

    @staticmethod
    def theme_counts(build_dir: Path) -> dict[str, int]:
        """Documents per theme in a build, counted in the index itself (deleted documents excluded)."""
        searcher = open_build(build_dir).searcher()
        found = searcher.aggregate(tantivy.Query.all_query(), {"t": {"terms": {"field": "themes", "size": 10_000}}})
        return {b["key"]: b["doc_count"] for b in found["t"]["buckets"]}


class TantivyIndex(DirectoryIndex):
    """A tantivy index directory as indexer.backends opens every index."""
    target = TantivyBuild
