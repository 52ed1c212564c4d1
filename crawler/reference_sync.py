"""Keeping the store's reference table in step: what each document cites (lang.references), read when the crawl
stores a page, and read again for every document whose references came from another body or another resolution
table (a store from before references, a changed titles.tsv): `run.py references` and the end of every crawl."""
from __future__ import annotations

import logging

from lang.reference_table import load_table, table_stamp
from lang.references import BWB_ID, extract_references
from store.crawl_store import CrawlStore, References

log = logging.getLogger("beleidszoeker.references")


def references_of(digest: str, title: str, text: str, links, identifier: str = "") -> References:
    """The references of one document (its body `digest`, title, text and links; `identifier` its own id, so a
    regulation does not cite itself)."""
    own = identifier if identifier and BWB_ID.fullmatch(identifier) else None
    refs = extract_references(text, links, load_table(), self_id=own, self_title=title)
    return References(tuple(refs), f"{digest}:{table_stamp()}", own)


def sync_references(store: CrawlStore, rebuild: bool = False) -> int:
    """Read the references of every document that needs it (every document with `rebuild`); -> how many."""
    n = 0
    for url, digest, title, text, links, identifier in store.references_due(table_stamp(), rebuild):
        store.write_references(url, references_of(digest, title, text, links, identifier))
        n += 1
    if n:
        log.info("references read", extra={"documents": n})
    return n
