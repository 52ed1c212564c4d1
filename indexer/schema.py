"""The index format: the Whoosh schema, its version, document ids and the date that stands for "none". What search
reads an index with; how a DocumentRecord becomes an index document is indexer.fields."""
from __future__ import annotations

import hashlib
from datetime import datetime

from whoosh.fields import DATETIME, ID, KEYWORD, STORED, TEXT, Schema

from lang.analysis import GramAnalyzer, dutch_analyzer, folding_analyzer

SCHEMA_VERSION = 7   # 7: refs (what a document cites); 6: the analyzers moved to lang/

# Field weights are applied at query time (search.query.Weights), so they can be measured without
# rebuilding the index.

MISSING_DATE = datetime(1800, 1, 1)


def day(value) -> str:
    """A stored date as yyyy-mm-dd ('' for none)."""
    return value.strftime("%Y-%m-%d") if value and value != MISSING_DATE else ""


def timestamp(value) -> str:
    """A stored UTC time as RFC 3339 ('' for none)."""
    return value.strftime("%Y-%m-%dT%H:%M:%SZ") if value and value != MISSING_DATE else ""


def doc_id(url: str) -> str:
    """Short stable id for URLs of the app (/document/<id>): first 16 hex digits of SHA-1 of the URL."""
    return hashlib.sha1(url.encode("utf-8")).hexdigest()[:16]


def build_schema(decompound: bool = True) -> Schema:
    """decompound=False only for measuring what index-time compound splitting is worth (bench/)."""
    ana = dutch_analyzer(decompound)
    return Schema(
        id=ID(stored=True, unique=True),
        url=ID(stored=True),
        identifier=ID(stored=True),
        title=TEXT(analyzer=ana, stored=True),
        short_title=TEXT(analyzer=ana, stored=True),
        body=TEXT(analyzer=ana, stored=True),
        grams=TEXT(analyzer=GramAnalyzer(), phrase=False),   # character 4-grams of title and body (ranking)
        site=ID(stored=True, sortable=True),
        organisation=ID(stored=True, sortable=True),
        org_words=TEXT(analyzer=folding_analyzer()),
        city=ID(stored=True),
        doctype=ID(stored=True, sortable=True),
        year=ID(stored=True, sortable=True),
        date=DATETIME(stored=True, sortable=True),
        themes=KEYWORD(stored=True, commas=True, scorable=False, lowercase=False),
        spell=KEYWORD(scorable=False, lowercase=False),   # distinct surface words: did-you-mean
        refs=KEYWORD(commas=True, scorable=False, lowercase=False),   # cited BWB ids, id/article, unresolved titles
        theme_evidence=STORED,
        passages=STORED,
        content_hash=ID(stored=True),
        fetched_at=STORED,
        changed_at=DATETIME(stored=True, sortable=True),   # Atom feeds: new and changed documents first
    )
