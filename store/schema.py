"""The crawl store's tables, their migrations (SQLite: one step per schema version; PostgreSQL: created at once),
and the values the columns hold (timestamps, text every backend can store).

Tables:
  pages      one row per URL: status, final URL, validators (ETag/Last-Modified), content hash, whether it
             is a document to index, when it changed, how often it was missing, when to visit it again, and what
             belongs to the page rather than its body: its organisation and city, its links (against its own URL)
  contents   one row per distinct body (by SHA-256): the raw bytes (zlib) and what was extracted from them (title,
             text, passages, the body's own metadata), shared by every page that serves that body
  versions   per URL, every content hash it has had: old texts stay, so a changed page keeps its history
  fetches    the log of every request made, per run
  runs       one row per crawl run; site_runs one per site in a run, with its report
  frontier   the URLs a run has discovered, which are done and which a worker holds (a lease with an expiry):
             a killed run resumes from here, and several crawl workers share it without fetching a URL twice
  host_slots per host, when its last request slot started: politeness held across workers and machines
  refs       per page, what it cites (a regulation, an article), see SCHEMA_V6
"""
from __future__ import annotations

import re
from datetime import datetime, timezone

SCHEMA_V1 = """
CREATE TABLE IF NOT EXISTS pages (
    url           TEXT PRIMARY KEY,
    site          TEXT NOT NULL,
    final_url     TEXT,
    status        INTEGER,
    fetched_at    TEXT,
    content_type  TEXT,
    etag          TEXT,
    last_modified TEXT,
    content_hash  TEXT,
    depth         INTEGER,
    indexable     INTEGER NOT NULL DEFAULT 0,
    skip_reason   TEXT,
    error         TEXT
);
CREATE INDEX IF NOT EXISTS pages_site ON pages(site, indexable);
CREATE TABLE IF NOT EXISTS contents (
    content_hash  TEXT PRIMARY KEY,
    raw           BLOB,
    title         TEXT,
    text          TEXT,
    passages      TEXT,
    meta          TEXT,
    extracted_at  TEXT
);
CREATE TABLE IF NOT EXISTS fetches (
    id            INTEGER PRIMARY KEY,
    run_id        INTEGER,
    url           TEXT NOT NULL,
    status        INTEGER,
    fetched_at    TEXT NOT NULL,
    elapsed_ms    INTEGER,
    bytes         INTEGER,
    error         TEXT
);
CREATE TABLE IF NOT EXISTS runs (
    id            INTEGER PRIMARY KEY,
    started_at    TEXT NOT NULL,
    finished_at   TEXT,
    sites         TEXT,
    stats         TEXT
);
"""

SCHEMA_V2 = """
ALTER TABLE pages ADD COLUMN first_seen TEXT;
ALTER TABLE pages ADD COLUMN last_changed TEXT;
ALTER TABLE pages ADD COLUMN unchanged_streak INTEGER NOT NULL DEFAULT 0;
ALTER TABLE pages ADD COLUMN missing_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE pages ADD COLUMN tombstoned_at TEXT;
ALTER TABLE pages ADD COLUMN next_visit TEXT;
ALTER TABLE pages ADD COLUMN sitemap_lastmod TEXT;
ALTER TABLE contents ADD COLUMN links TEXT;
CREATE TABLE IF NOT EXISTS versions (
    url           TEXT NOT NULL,
    content_hash  TEXT NOT NULL,
    first_seen    TEXT NOT NULL,
    PRIMARY KEY (url, content_hash)
);
CREATE TABLE IF NOT EXISTS site_runs (
    run_id        INTEGER NOT NULL,
    site          TEXT NOT NULL,
    finished_at   TEXT,
    report        TEXT,
    PRIMARY KEY (run_id, site)
);
CREATE TABLE IF NOT EXISTS frontier (
    run_id        INTEGER NOT NULL,
    site          TEXT NOT NULL,
    url           TEXT NOT NULL,
    depth         INTEGER NOT NULL,
    priority      INTEGER NOT NULL,
    done          INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (run_id, url)
);
CREATE INDEX IF NOT EXISTS frontier_todo ON frontier(run_id, site, done);
"""

SCHEMA_V3 = """
ALTER TABLE frontier ADD COLUMN leased_by TEXT;
ALTER TABLE frontier ADD COLUMN lease_until REAL;
CREATE INDEX IF NOT EXISTS frontier_next ON frontier(run_id, site, done, priority);
ALTER TABLE fetches ADD COLUMN worker TEXT;
CREATE TABLE IF NOT EXISTS host_slots (
    host          TEXT PRIMARY KEY,
    next_at       REAL NOT NULL
);
"""

# Planning: whether the site's sitemap lists a page (a page it stops listing is due at once), how many links a
# page has (hubs are revalidated every run), how much text was cut off; per frontier entry the sitemap lastmod
# it came with (NULL: not listed) and whether it must be fetched in this run whatever its revisit date says.
SCHEMA_V4 = """
ALTER TABLE pages ADD COLUMN in_sitemap INTEGER NOT NULL DEFAULT 0;
ALTER TABLE pages ADD COLUMN links_out INTEGER;
ALTER TABLE pages ADD COLUMN text_cut INTEGER;
ALTER TABLE frontier ADD COLUMN lastmod TEXT;
ALTER TABLE frontier ADD COLUMN due INTEGER NOT NULL DEFAULT 0;
"""

# Page data per page, content per body: a body served at several URLs (one PDF on two city sites) is stored once,
# but each page keeps what belongs to it: page_meta (JSON: organisation, city, as its own site and the body's
# metadata give them) and links (JSON: resolved against its own URL). NULL: a page stored before this; it reads
# its body's values until the crawler fetches and extracts it again (the next time it is due).
SCHEMA_V5 = """
ALTER TABLE pages ADD COLUMN page_meta TEXT;
ALTER TABLE pages ADD COLUMN links TEXT;
"""

# References (issue 17): what each page cites (lang.references: a regulation's BWB id or None, the title as found,
# an article or None, the text it came from, where, and how: link|jci|text), per page because the links are per
# page; pages.refs_key says which body and which resolution table they were read from (NULL: not read yet, which
# crawler.reference_sync fills in), pages.regulation is the page's own BWB id (where a citation's page is).
SCHEMA_V6 = """
CREATE TABLE IF NOT EXISTS refs (
    url           TEXT NOT NULL,
    seq           INTEGER NOT NULL,
    target        TEXT,
    title         TEXT NOT NULL,
    article       TEXT,
    kind          TEXT NOT NULL,
    source        TEXT,
    pos           INTEGER,
    PRIMARY KEY (url, seq)
);
CREATE INDEX IF NOT EXISTS refs_target ON refs(target, article);
ALTER TABLE pages ADD COLUMN refs_key TEXT;
ALTER TABLE pages ADD COLUMN regulation TEXT;
CREATE INDEX IF NOT EXISTS pages_regulation ON pages(regulation);
"""

MIGRATIONS = [SCHEMA_V1, SCHEMA_V2, SCHEMA_V3, SCHEMA_V4, SCHEMA_V5, SCHEMA_V6]   # user_version N: MIGRATIONS[:N] have run

# The same tables on PostgreSQL, created at once (it has no history to migrate). `rowid` is a real column
# there, named after SQLite's implicit one so that "ORDER BY rowid" (insertion order) reads the same.
POSTGRES_MIGRATIONS = ["""
CREATE TABLE pages (
    url TEXT PRIMARY KEY, site TEXT NOT NULL, final_url TEXT, status INTEGER, fetched_at TEXT, content_type TEXT,
    etag TEXT, last_modified TEXT, content_hash TEXT, depth INTEGER, indexable INTEGER NOT NULL DEFAULT 0,
    skip_reason TEXT, error TEXT, first_seen TEXT, last_changed TEXT, unchanged_streak INTEGER NOT NULL DEFAULT 0,
    missing_count INTEGER NOT NULL DEFAULT 0, tombstoned_at TEXT, next_visit TEXT, sitemap_lastmod TEXT);
CREATE INDEX pages_site ON pages(site, indexable);
CREATE TABLE contents (
    content_hash TEXT PRIMARY KEY, raw BYTEA, title TEXT, text TEXT, passages TEXT, meta TEXT, extracted_at TEXT,
    links TEXT);
CREATE TABLE fetches (
    id BIGSERIAL PRIMARY KEY, run_id INTEGER, url TEXT NOT NULL, status INTEGER, fetched_at TEXT NOT NULL,
    elapsed_ms INTEGER, bytes INTEGER, error TEXT, worker TEXT);
CREATE TABLE runs (id SERIAL PRIMARY KEY, started_at TEXT NOT NULL, finished_at TEXT, sites TEXT, stats TEXT);
CREATE TABLE versions (
    url TEXT NOT NULL, content_hash TEXT NOT NULL, first_seen TEXT NOT NULL, rowid BIGSERIAL,
    PRIMARY KEY (url, content_hash));
CREATE TABLE site_runs (
    run_id INTEGER NOT NULL, site TEXT NOT NULL, finished_at TEXT, report TEXT, PRIMARY KEY (run_id, site));
CREATE TABLE frontier (
    run_id INTEGER NOT NULL, site TEXT NOT NULL, url TEXT NOT NULL, depth INTEGER NOT NULL,
    priority INTEGER NOT NULL, done INTEGER NOT NULL DEFAULT 0, leased_by TEXT, lease_until DOUBLE PRECISION,
    rowid BIGSERIAL, PRIMARY KEY (run_id, url));
CREATE INDEX frontier_next ON frontier(run_id, site, done, priority, rowid);
CREATE TABLE host_slots (host TEXT PRIMARY KEY, next_at DOUBLE PRECISION NOT NULL);
""", SCHEMA_V4, SCHEMA_V5, SCHEMA_V6]


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


_C0 = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def storable_text(value: str) -> str:
    """Text as every backend can store and every page can show it: no C0 control characters (PostgreSQL's text
    cannot hold NUL; the others are mojibake of binary bytes). Tabs and line ends stay."""
    return _C0.sub("", value) if value else value
