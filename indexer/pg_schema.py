"""The PostgreSQL index format: its tables, how positions and field weights are laid out in the tsvector, and
how a lexeme is quoted. indexer.pg_index writes it, search.postgresql_engine reads it."""
from __future__ import annotations

MAX_POSITION = 16383          # PostgreSQL's largest tsvector position
MAX_POSITIONS_PER_LEXEME = 256   # ... and how many it keeps per lexeme
FIELD_GAP = 100               # positions between fields, so a phrase never spans title and body
TEXT_WEIGHTS = (("title", "A"), ("short_title", "B"), ("body", "D"))

LAYOUT = 5   # the tables below; a different one in the database means a full build (which recreates them)

TABLES = ("search_documents", "search_lexemes", "search_spelling", "search_meta")
INDEXES = ("search_documents_vector", "search_documents_date", "search_documents_changed")
NEXT = "_next"   # a full build writes its tables under these names beside the live ones, then renames them in

_SCHEMA = """
CREATE TABLE IF NOT EXISTS search_documents{s} (
    id TEXT PRIMARY KEY, url TEXT NOT NULL, content_hash TEXT NOT NULL, doc_key TEXT NOT NULL, identifier TEXT,
    title TEXT,
    short_title TEXT, body TEXT, site TEXT, organisation TEXT, city TEXT, doctype TEXT, year TEXT, date DATE,
    changed_at TIMESTAMP, fetched_at TEXT, themes TEXT[] NOT NULL DEFAULT '{{}}', theme_evidence TEXT,
    passages TEXT, spell TEXT, doc_length INTEGER NOT NULL DEFAULT 1, vector TSVECTOR NOT NULL,
    refs TEXT[] NOT NULL DEFAULT '{{}}');
CREATE INDEX IF NOT EXISTS search_documents_vector{s} ON search_documents{s} USING GIN (vector);
CREATE INDEX IF NOT EXISTS search_documents_date{s} ON search_documents{s} (date DESC);
CREATE INDEX IF NOT EXISTS search_documents_changed{s} ON search_documents{s} (changed_at DESC);
CREATE TABLE IF NOT EXISTS search_lexemes{s} (
    lexeme TEXT PRIMARY KEY, df INTEGER NOT NULL, df_title INTEGER NOT NULL DEFAULT 0,
    df_short_title INTEGER NOT NULL DEFAULT 0, df_body INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS search_spelling{s} (word TEXT PRIMARY KEY, df INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS search_meta{s} (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


def schema(suffix: str = "") -> str:
    """The tables (created if missing), named with `suffix` (NEXT for a full build's tables)."""
    return "CREATE EXTENSION IF NOT EXISTS fuzzystrmatch;" + _SCHEMA.format(s=suffix)


def publish_next() -> list[str]:
    """The statements that put a full build's tables (NEXT) in the place of the live ones, their indexes and
    primary keys renamed too, so the next build finds the names free. Run at the end of the build's transaction:
    the live tables are locked only from here to the commit, not for the whole build."""
    out = [f"DROP TABLE IF EXISTS {', '.join(TABLES)}"]
    for table in TABLES:
        out += [f"ALTER TABLE {table}{NEXT} RENAME TO {table}",
                f"ALTER INDEX {table}{NEXT}_pkey RENAME TO {table}_pkey"]
    out += [f"ALTER INDEX {index}{NEXT} RENAME TO {index}" for index in INDEXES]
    return out


COLUMNS = ("id", "url", "content_hash", "doc_key", "identifier", "title", "short_title", "body", "site",
           "organisation", "city", "doctype", "year", "date", "changed_at", "fetched_at", "themes", "theme_evidence",
           "passages", "spell", "doc_length", "vector", "refs")


def quote_lexeme(lexeme: str) -> str:
    """A lexeme as tsvector and tsquery input both write it: quoted, with quotes and backslashes escaped."""
    return "'" + lexeme.replace("\\", "\\\\").replace("'", "''") + "'"
