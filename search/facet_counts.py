"""Facet counts over every match of a Whoosh search, from arrays read once per open searcher.

Whoosh's own grouping (groupedby) keeps, for every facet value, the list of matching documents, asks a
categorizer per document and facet, and forces a collector that scores and sorts every match. Counting only
needs one array lookup per document and facet, next to a top-N collector: that is FacetCounter. The arrays
(FacetValues) come from the index's own terms: each facet field is an untokenized ID or keyword field.
"""
from __future__ import annotations

from collections import Counter

from whoosh import collectors
from whoosh.query import Term

from lang.references import BWB_ID

SINGLE = ("organisation", "doctype", "year")
MULTI = ("themes", "refs")
REGULATION = BWB_ID   # of the refs terms, the facet counts the cited regulations (not id/article or titles)


class FacetValues:
    """Per document number: its organisation, type and year, and its themes (a tuple)."""

    def __init__(self, searcher):
        n = searcher.doc_count_all()
        self.columns: dict[str, list] = {}
        for name in SINGLE + MULTI:
            values: list = [() if name in MULTI else ""] * n
            for term in searcher.lexicon(name):
                text = term.decode("utf-8") if isinstance(term, bytes) else term
                if name == "refs" and not REGULATION.fullmatch(text):
                    continue
                for docnum in searcher.docs_for_query(Term(name, text)):
                    values[docnum] = values[docnum] + (text,) if name in MULTI else text
            self.columns[name] = values


class FacetCounter(collectors.WrappingCollector):
    """Counts the facet values (and the number) of every document the search matches, while `child` keeps the
    top documents."""

    def __init__(self, child, values: FacetValues):
        self.child = child
        self.values = values
        self.counts = {name: Counter() for name in values.columns}
        self.total = 0

    def collect(self, sub_docnum):
        docnum = sub_docnum + self.child.offset
        self.total += 1
        for name in SINGLE:
            self.counts[name][self.values.columns[name][docnum]] += 1
        for name in MULTI:
            self.counts[name].update(self.values.columns[name][docnum])
        return self.child.collect(sub_docnum)

    def facet_counts(self) -> dict[str, list[tuple[str, int]]]:
        return {name: [(value, n) for value, n in counts.items() if value] for name, counts in self.counts.items()}
