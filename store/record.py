"""The one value that crosses from the crawl store to the indexer.

Everything downstream (themes, index fields, snippets) is computed from a DocumentRecord;
nothing reaches back into raw HTML.
"""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Passage:
    anchor: str
    heading: str
    text: str


@dataclass(frozen=True)
class DocumentRecord:
    url: str
    final_url: str
    site: str
    title: str
    text: str
    passages: tuple[Passage, ...] = ()
    organisation: str = ""
    city: str = ""
    doctype: str = ""
    date: str = ""            # ISO yyyy-mm-dd or ''
    language: str = ""
    identifier: str = ""      # the publisher's id (BWB id, lars, ...)
    short_title: str = ""
    description: str = ""
    content_hash: str = ""
    fetched_at: str = ""
    changed_at: str = ""      # when the content last changed (first seen for a new page)
    version: int = 1
    key: str = ""             # what an index compares to know it changed (store.reads.document_key)
    references: tuple = ()    # what it cites: (BWB id or None, title as found, article or None), in text order
    extra: dict = field(default_factory=dict, compare=False, hash=False)

    @property
    def year(self) -> str:
        return self.date[:4] if len(self.date) >= 4 else ""
