"""The PostgreSQL index format: its tables, how positions and field weights are laid out in the tsvector, and
how a lexeme is quoted. indexer.pg_index writes it, search.postgresql_engine reads it."""
from __future__ import annotations

MAX_POSITION = 16383          # PostgreSQL's largest tsvector position
MAX_POSITIONS_PER_LEXEME = 256   # ... and how many it keeps per lexeme
FIELD_GAP = 100               # positions between fields, so a phrase never spans title and body
TEXT_WEIGHTS = (("title", "A"), ("short_title", "B"), ("body", "D"))

LAYOUT = 4   # the tables below; a different one in the database means a full build (which recreates them)

SCHEMA = """
CREATE EXTENSION IF NOT EXISTS fuzzystrmatch;
CREATE TABLE IF NOT EXISTS search_documents (
    id TEXT PRIMARY KEY, url TEXT NOT NULL, content_hash TEXT NOT NULL, doc_key TEXT NOT NULL, identifier TEXT,
    title TEXT,
    short_title TEXT, body TEXT, site TEXT, organisation TEXT, city TEXT, doctype TEXT, year TEXT, date DATE,
    changed_at TIMESTAMP, fetched_at TEXT, themes TEXT[] NOT NULL DEFAULT '{}', theme_evidence TEXT,
    passages TEXT, spell TEXT, doc_length INTEGER NOT NULL DEFAULT 1, vector TSVECTOR NOT NULL);
CREATE INDEX IF NOT EXISTS search_documents_vector ON search_documents USING GIN (vector);
CREATE INDEX IF NOT EXISTS search_documents_date ON search_documents (date DESC);
CREATE INDEX IF NOT EXISTS search_documents_changed ON search_documents (changed_at DESC);
CREATE TABLE IF NOT EXISTS search_lexemes (
    lexeme TEXT PRIMARY KEY, df INTEGER NOT NULL, df_title INTEGER NOT NULL DEFAULT 0,
    df_short_title INTEGER NOT NULL DEFAULT 0, df_body INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS search_spelling (word TEXT PRIMARY KEY, df INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS search_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""

COLUMNS = ("id", "url", "content_hash", "doc_key", "identifier", "title", "short_title", "body", "site",
           "organisation", "city", "doctype", "year", "date", "changed_at", "fetched_at", "themes", "theme_evidence",
           "passages", "spell", "doc_length", "vector")


def quote_lexeme(lexeme: str) -> str:
    """A lexeme as tsvector and tsquery input both write it: quoted, with quotes and backslashes escaped."""
    return "'" + lexeme.replace("\\", "\\\\").replace("'", "''") + "'"
