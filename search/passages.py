"""Passage evidence: how well the best window of a document's body covers the query's concepts.

A law of 50-100k words contains every query word somewhere; a short document, or one article of a long law,
that is *about* the topic holds them close together and repeatedly. So besides the document's BM25F score the
ranking counts the best fixed-size window of positions (Callan's passage retrieval; max-passage scoring): BM25's
saturated term frequency per concept inside the window, weighted by the concept's IDF, with no length
normalisation because every window has the same length. Pure functions on positions; the engine reads them.
"""
from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass


@dataclass(frozen=True)
class Concept:
    """One query concept as positions see it: any of `stems` (the word, its one-word synonyms) at a position,
    or all of `parts` (a compound's parts) within `window` positions of the first one."""
    stems: tuple[str, ...]
    parts: tuple[str, ...] = ()
    window: int = 3


def concept_positions(concept: Concept, positions: dict[str, list[int]]) -> list[int]:
    """Sorted positions where `concept` occurs, given each stem's sorted positions in one document."""
    found = {p for s in concept.stems for p in positions.get(s, ())}
    if len(concept.parts) >= 2 and all(positions.get(p) for p in concept.parts):
        first, rest = concept.parts[0], concept.parts[1:]
        for p in positions[first]:
            if all(_near(positions[r], p, concept.window) for r in rest):
                found.add(p)
    return sorted(found)


def _near(sorted_positions: list[int], at: int, window: int) -> bool:
    i = bisect_left(sorted_positions, at - window)
    return i < len(sorted_positions) and sorted_positions[i] <= at + window


def best_window(occurrences: list[list[int]], idfs: list[float], window: int, k1: float = 1.2) -> float:
    """The highest Σ idf·tf·(k1+1)/(tf+k1) over the concepts, for any `window` consecutive positions."""
    events = sorted((p, c) for c, positions in enumerate(occurrences) for p in positions)
    if not events:
        return 0.0
    counts = [0] * len(occurrences)
    best, lo = 0.0, 0
    for hi, (pos, c) in enumerate(events):
        counts[c] += 1
        while events[lo][0] <= pos - window:
            counts[events[lo][1]] -= 1
            lo += 1
        score = sum(idf * tf * (k1 + 1) / (tf + k1) for idf, tf in zip(idfs, counts) if tf)
        if score > best:
            best = score
    return best
