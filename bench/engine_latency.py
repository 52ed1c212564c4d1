"""In-process engine latency for a fixed set of queries per kind (one word, several words, a phrase, a filter):
what bench/relevance.py and bench/backends.py measure a ranking or a backend with, no HTTP in between."""
from __future__ import annotations

import time

from search.engine import Engine, SearchRequest

QUERIES = {
    "1 term": ["wmo", "schuldhulpverlening", "inburgering", "leerlingenvervoer", "bodemsanering", "statushouders"],
    "2 terms": ["woningtoewijzing urgentie", "beslagvrije voet", "winkeltijden zondag", "kwaliteit kinderopvang"],
    "3 terms": ["sluiting drugspand burgemeester", "subsidie duurzame energie", "toegang tot jeugdhulp"],
    "phrase": ['"openbaarheid van bestuur"', '"gemeenschappelijke regeling"', '"beslagvrije voet"'],
    "faceted": ["wonen thema:wonen", "participatie gemeente:rotterdam", "jeugd thema:onderwijs-en-jeugd"],
}


def warm_latencies(engine: Engine, queries: list[str], rounds: int) -> list[float]:
    """Milliseconds of page-1 searches (snippets and facets included), after one warming pass."""
    for q in queries:
        engine.search(SearchRequest(q=q))
    times = []
    for _ in range(rounds):
        for q in queries:
            t = time.perf_counter()
            engine.search(SearchRequest(q=q))
            times.append(1000 * (time.perf_counter() - t))
    return times
