"""The search index in PostgreSQL: one row per document with a weighted tsvector, GIN-indexed.

PostgreSQL's own `dutch` configuration stems with Snowball but neither splits compounds nor knows our stop
words, synonyms and apostrophe rule, and its stemmer version may differ from the one our relevance was
measured with. So the analysis is ours: the same analyzer chain that feeds Whoosh (lang.analysis) turns
each field into lexemes with positions, and they are written as a tsvector literal with PostgreSQL weights
A (title), B (short title) and D (body); organisation words and themes are lexemes too ('org:rotterdam',
'thema:wonen'), so `gemeente:` and `thema:` in a query are part of one tsquery. Compound parts share the
position of their compound, as in the Whoosh index, so phrases work the same.

Publishing is PostgreSQL's job: a full build or an incremental update is one transaction, so searches see the
old index or the new one, never half of either. A full build writes tables of its own beside the live ones and
renames them in at its end: the live tables stay readable for the whole build (dropping them first would lock
every search out until the commit: 79 s at 3.8k documents, measured). Per-lexeme document frequencies, overall
and per field (for BM25F's per-field IDF, as Whoosh computes it), and the spelling vocabulary are refreshed in
that transaction.
"""
from __future__ import annotations

import json
import time
from collections import defaultdict
from datetime import datetime, timezone

from store.database import redact
from store.record import DocumentRecord
from store.crawl_store import CrawlStore

from lang.analysis import dutch_analyzer, folding_analyzer
from .build import BuildReport, config_hash
from .fields import to_index_fields
from .pg_schema import (COLUMNS, FIELD_GAP, LAYOUT, MAX_POSITION, MAX_POSITIONS_PER_LEXEME, NEXT, TABLES,
                        TEXT_WEIGHTS, publish_next, quote_lexeme, schema)
from .schema import MISSING_DATE, SCHEMA_VERSION, doc_id
from .themes import ThemeMatcher, load_themes

_ANALYZER = dutch_analyzer()
_FOLD = folding_analyzer()


def tsvector_literal(fields: dict, analyzer=_ANALYZER) -> tuple[str, int]:
    """The tsvector of one document's index fields, in PostgreSQL's input syntax, from our own analysis; and the
    body's length in tokens (for length normalisation relative to the average)."""
    positions: dict[str, list[str]] = defaultdict(list)
    offset = 0
    body_length = 0
    for name, weight in TEXT_WEIGHTS:
        last = 0
        for token in analyzer(fields.get(name) or "", positions=True):
            last = token.pos
            body_length += name == "body"
            where = positions[token.text]
            if len(where) < MAX_POSITIONS_PER_LEXEME:
                where.append(f"{min(offset + token.pos + 1, MAX_POSITION)}{weight}")
        offset = min(offset + last + FIELD_GAP, MAX_POSITION)
    out = [f"{quote_lexeme(lex)}:{','.join(dict.fromkeys(pos))}" for lex, pos in positions.items()]
    out += [quote_lexeme("org:" + t.text) for t in _FOLD(fields.get("org_words") or "")]
    out += [quote_lexeme("thema:" + slug) for slug in (fields.get("themes") or "").split(",") if slug]
    out += [quote_lexeme("ref:" + key) for key in (fields.get("refs") or "").split(",") if key]
    return " ".join(dict.fromkeys(out)), max(1, body_length)


def _row(rec: DocumentRecord, matcher: ThemeMatcher) -> tuple:
    f = to_index_fields(rec, matcher.assign(rec.title, rec.text))
    clean = {k: (v.replace("\x00", "") if isinstance(v, str) else v) for k, v in f.items()}
    clean["date"] = None if f["date"] == MISSING_DATE else f["date"].date()
    clean["changed_at"] = None if f["changed_at"] == MISSING_DATE else f["changed_at"]
    clean["vector"], clean["doc_length"] = tsvector_literal(clean)
    clean["themes"] = [t for t in f["themes"].split(",") if t]
    clean["refs"] = [r for r in f["refs"].split(",") if r]
    clean["doc_key"] = rec.key
    return tuple(clean[c] for c in COLUMNS)


class PostgresIndex:
    """Write side of the PostgreSQL search backend."""

    def __init__(self, url: str, procs: int = 1):
        """procs: how many processes the Whoosh builder writes with; PostgreSQL writes every build in one
        transaction of one connection, so it has no use for more."""
        import psycopg  # noqa: F401
        self.url = url

    def __str__(self):
        return redact(self.url)

    def connect(self):
        import psycopg
        try:
            return psycopg.connect(self.url, connect_timeout=10)
        except psycopg.OperationalError as e:
            raise ConnectionError(f"cannot reach the search index {redact(self.url)}: {str(e).strip()}") from None

    def create(self, conn, suffix: str = "") -> None:
        """Lock out other index writers until commit (one writer at a time, as with Whoosh) and create the tables
        that are missing: the live ones, or with suffix=NEXT a full build's own (new and empty: DDL is part of the
        transaction, so a killed build leaves none behind, but an empty start is what a full build means)."""
        conn.execute("SELECT pg_advisory_xact_lock(781235)")
        if suffix:
            conn.execute(f"DROP TABLE IF EXISTS {', '.join(t + suffix for t in TABLES)}")
        conn.execute(schema(suffix))

    def info(self) -> dict:
        with self.connect() as conn:
            try:
                rows = conn.execute("SELECT key, value FROM search_meta").fetchall()
            except Exception:
                return {}
        return {k: json.loads(v) for k, v in rows}

    def manifest(self, conn) -> dict[str, str]:
        """url -> document key (DocumentRecord.key) of every document in the index."""
        return dict(conn.execute("SELECT url, doc_key FROM search_documents").fetchall())

    def _write(self, conn, store: CrawlStore, matcher: ThemeMatcher, urls: list[str] | None, progress,
               suffix: str = "") -> int:
        n = 0
        batch = []
        sql = (f"INSERT INTO search_documents{suffix} ({', '.join(COLUMNS)}) "
               f"VALUES ({', '.join(['%s'] * len(COLUMNS))}) ON CONFLICT (id) DO UPDATE SET "
               + ", ".join(f"{c}=EXCLUDED.{c}" for c in COLUMNS[1:]))
        with conn.cursor() as cur:
            for rec in store.documents(urls=urls):
                batch.append(_row(rec, matcher))
                if len(batch) >= 200:
                    cur.executemany(sql, batch)
                    n += len(batch)
                    batch.clear()
                    if progress:
                        progress(n)
            if batch:
                cur.executemany(sql, batch)
                n += len(batch)
        return n

    @staticmethod
    def _refresh_statistics(conn, report: BuildReport, s: str = "") -> None:
        """Document frequencies (IDF), the spelling vocabulary and the meta row, in the publishing transaction, of
        the tables named with suffix `s`; the generation counts on from the live index's."""
        conn.execute(f"DELETE FROM search_lexemes{s}")
        conn.execute(f"INSERT INTO search_lexemes{s} (lexeme, df) SELECT word, ndoc FROM ts_stat('SELECT vector FROM "
                     f"search_documents{s}')")
        for column, weight in (("df_title", "A"), ("df_short_title", "B"), ("df_body", "D")):   # per field, as BM25F
            conn.execute(f"UPDATE search_lexemes{s} l SET {column} = x.ndoc FROM ts_stat('SELECT vector FROM "
                         f"search_documents{s}', '{weight}') x WHERE l.lexeme = x.word")
        conn.execute(f"DELETE FROM search_spelling{s}")
        conn.execute(f"INSERT INTO search_spelling{s} SELECT w, COUNT(*) FROM search_documents{s}, "
                     "regexp_split_to_table(spell, ' ') AS w WHERE w <> '' GROUP BY w")
        conn.execute(f"ANALYZE search_documents{s}")
        themes = dict(conn.execute(f"SELECT t, COUNT(*) FROM search_documents{s}, unnest(themes) t GROUP BY t"
                                   ).fetchall())
        report.themes = themes
        report.documents = conn.execute(f"SELECT COUNT(*) FROM search_documents{s}").fetchone()[0]
        generation = 1
        if conn.execute("SELECT to_regclass('search_meta')").fetchone()[0] is not None:
            generation += conn.execute("SELECT COALESCE((SELECT value::int FROM search_meta WHERE key='generation'), 0)"
                                       ).fetchone()[0]
        avg_length = conn.execute(f"SELECT COALESCE(AVG(doc_length), 1) FROM search_documents{s}").fetchone()[0]
        meta = {"build": json.dumps(report.__dict__), "generation": str(generation), "layout": str(LAYOUT),
                "avg_length": str(float(avg_length)),
                "schema_version": str(SCHEMA_VERSION), "config_hash": json.dumps(report.config_hash)}
        for key, value in meta.items():
            conn.execute(f"INSERT INTO search_meta{s} VALUES (%s, %s) ON CONFLICT (key) DO UPDATE SET "
                         "value=EXCLUDED.value", (key, value))

    def build(self, store: CrawlStore, themes_path=None, progress: bool = True, reason: str = "") -> BuildReport:
        """Index every document of the store, replacing what was there, in one transaction: into tables of its own,
        renamed in place of the live ones at the end, so searches keep reading the old index meanwhile."""
        matcher = ThemeMatcher(load_themes(themes_path) if themes_path else load_themes())
        started = time.monotonic()
        bar = self._bar(store.count_documents()) if progress else None
        with self.connect() as conn:
            self.create(conn, NEXT)
            n = self._write(conn, store, matcher, None, bar and (lambda k: bar.update(k - bar.n)), NEXT)
            report = self._report(started, n, themes_path, mode="full", added=n, reason=reason)
            self._refresh_statistics(conn, report, NEXT)
            for statement in publish_next():
                conn.execute(statement)
        if bar is not None:
            bar.close()
        return report

    def update(self, store: CrawlStore, themes_path=None, progress: bool = True) -> BuildReport:
        """Bring the index in line with the store (new, changed, removed documents) in one transaction. A change of
        schema, themes or language resources means a full build, as with Whoosh."""
        info = self.info()
        if info.get("config_hash") != config_hash(themes_path) or info.get("layout") != LAYOUT:
            return self.build(store, themes_path, progress,
                              reason="no index yet, or schema/themes/language resources changed")
        matcher = ThemeMatcher(load_themes(themes_path) if themes_path else load_themes())
        started = time.monotonic()
        with self.connect() as conn:
            self.create(conn)
            have = self.manifest(conn)
            want = store.document_hashes()
            added = [u for u in want if u not in have]
            updated = [u for u in want if u in have and have[u] != want[u]]
            deleted = [u for u in have if u not in want]
            if not (added or updated or deleted):
                info = self.info().get("build", {})
                return BuildReport(path=str(self), documents=len(have), seconds=round(time.monotonic() - started, 2),
                                   docs_per_second=0.0, size_bytes=0, themes=info.get("themes", {}),
                                   built_at=info.get("built_at", ""), config_hash=info.get("config_hash", ""),
                                   mode="none")
            if deleted:
                conn.execute("DELETE FROM search_documents WHERE id = ANY(%s)", ([doc_id(u) for u in deleted],))
            n = self._write(conn, store, matcher, added + updated, None)
            report = self._report(started, n, themes_path, mode="incremental", added=len(added),
                                  updated=len(updated), deleted=len(deleted))
            self._refresh_statistics(conn, report)
        return report

    def _report(self, started: float, n: int, themes_path, **kw) -> BuildReport:
        seconds = time.monotonic() - started
        return BuildReport(path=str(self), documents=n, seconds=round(seconds, 2),
                           docs_per_second=round(n / seconds, 1) if seconds else 0.0, size_bytes=0, themes={},
                           built_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
                           config_hash=config_hash(themes_path), **kw)

    @staticmethod
    def _bar(total: int):
        from tqdm import tqdm
        return tqdm(total=total, desc="index (postgresql)", unit=" doc")
