"""The tantivy index format: its fields, its version, the padding that gives tantivy's BM25 our length
normalisation, and how a stored document reads back. indexer.tantivy_index writes it, search.tantivy_engine
reads it (published builds in an indexer.location directory, like Whoosh's).

The fields are indexer.schema's, by the same names, so one query builder serves both engines. The text fields
hold the terms of our analyzer (pre-tokenized: compound parts at their compound's position), the gram,
organisation and spelling fields our terms joined by spaces (tantivy's whitespace tokenizer), the facets raw
fast fields. Stored values live in three bytes fields (meta JSON, body text, passages JSON): a pre-tokenized
field would store its tokens too.

tantivy's BM25 normalises length with b = 0.75, a constant of the library; our ranking weights use b = 0.3 for
the body and 0.5 for titles (search.query.Weights.b, title_b: FIELD_B, a test keeps them equal). Adding the same
number P of padding tokens to a field of every document turns tantivy's 1 - 0.75 + 0.75 (dl + P) / (avgdl + P)
into exactly 1 - b + b dl / avgdl for b = 0.75 avgdl / (avgdl + P), so a build pads every document with
P = avgdl (0.75 / b - 1) tokens of a term no word can produce (PADDING in the build says how many).
"""
from __future__ import annotations

import json
from pathlib import Path

import tantivy

from .location import IndexMissing
from .schema import SCHEMA_VERSION

TANTIVY_SCHEMA_VERSION = f"tantivy-{SCHEMA_VERSION}.1"   # BUILD.json's schema_version of a tantivy build
TEXT_FIELDS = ("title", "short_title", "body")
FACET_FIELDS = ("themes", "organisation", "doctype", "year")
CITED = "cited"   # the refs facet: the cited regulations' BWB ids only (refs also holds id/article and titles)
STORED_META = ("id", "url", "identifier", "title", "short_title", "site", "organisation", "city", "doctype", "year",
               "themes", "theme_evidence", "content_hash", "fetched_at")
TANTIVY_B = 0.75           # tantivy's BM25 length normalisation
FIELD_B = {"title": 0.5, "short_title": 0.5, "body": 0.3, "grams": 0.3, "org_words": 0.3}
PAD = "\u00b6"             # the padding term: not a word character, so no analysed word is ever this
PADDING = "PADDING.json"   # in a build directory: the padding of each field and the b values it gives


def build_tantivy_schema() -> tantivy.Schema:
    sb = tantivy.SchemaBuilder()
    sb.add_text_field("id", stored=True, tokenizer_name="raw", index_option="basic")
    sb.add_unsigned_field("key", indexed=True, fast=True)     # the id as a number: fast reads for a page's hits
    for name in TEXT_FIELDS:
        sb.add_text_field(name, tokenizer_name="whitespace", index_option="position")
    sb.add_text_field("grams", tokenizer_name="whitespace", index_option="freq")
    sb.add_text_field("org_words", tokenizer_name="whitespace", index_option="freq")
    sb.add_text_field("spell", tokenizer_name="whitespace", index_option="basic")
    for name in FACET_FIELDS:
        sb.add_text_field(name, tokenizer_name="raw", index_option="basic", fast=True)
    sb.add_text_field("refs", tokenizer_name="raw", index_option="basic")     # verwijst: filters on these
    sb.add_text_field(CITED, tokenizer_name="raw", index_option="basic", fast=True)
    sb.add_date_field("date", fast=True)
    sb.add_date_field("changed_at", fast=True)
    sb.add_bytes_field("meta", stored=True)
    sb.add_bytes_field("text", stored=True)
    sb.add_bytes_field("passages", stored=True)
    return sb.build()


def doc_key(doc_id: str) -> int:
    """indexer.schema.doc_id's 16 hex digits as the u64 of the key field."""
    return int(doc_id, 16)


def stored_row(doc: tantivy.Document, text: bool = True) -> dict:
    """A stored document's values as search.engine.make_hit reads them (themes a list, date yyyy-mm-dd or '',
    changed_at RFC 3339 or ''; body and passages only with `text`) plus theme_evidence (JSON)."""
    out = json.loads(doc.get_first("meta"))
    out["themes"] = [t for t in out["themes"].split(",") if t]
    if text:
        out["body"] = doc.get_first("text").decode("utf-8")
        out["passages"] = doc.get_first("passages").decode("utf-8")
    return out


def rebuild_hint(build: Path) -> str:
    """The command that rebuilds the index a build directory belongs to."""
    return f"python run.py index --rebuild (and --index tantivy:///{build.parent.parent})"


def open_build(path: Path) -> tantivy.Index:
    """A published tantivy build, for reading; IndexMissing when it cannot be opened."""
    try:
        index = tantivy.Index.open(str(path))
        index.config_reader(reload_policy="manual")   # a build never changes once published: no file watcher
        index.searcher().num_docs   # reads meta.json and opens every segment: fails here if they are damaged
        return index
    except Exception as e:   # the bindings raise ValueError or OSError-like errors for damaged files
        raise IndexMissing(f"the live index {path} cannot be opened ({type(e).__name__}: {e}); "
                           f"rebuild it with: {rebuild_hint(path)}") from None
