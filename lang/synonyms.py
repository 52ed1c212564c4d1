"""Synonyms and abbreviations of Dutch public administration (corpus/lang/synonyms-nl.toml), applied at query
time by search.query."""
from __future__ import annotations

import tomllib
from functools import lru_cache
from pathlib import Path

from .analysis import folding_analyzer
from .resources import SYNONYMS


@lru_cache(maxsize=4)
def load_synonyms(path: Path = SYNONYMS) -> dict[str, tuple[str, ...]]:
    """word or phrase (folded) -> the other members of its group.

    A law's name is also used without its leading "wet": people write "openbaarheid van bestuur" for the
    Wet openbaarheid van bestuur (when at least two words remain)."""
    groups = tomllib.loads(path.read_text(encoding="utf-8")).get("groups", [])
    fold = folding_analyzer()
    out: dict[str, tuple[str, ...]] = {}
    for group in groups:
        keys = [" ".join(t.text for t in fold(member)) for member in group]
        for key in keys:
            out[key] = tuple(dict.fromkeys(k for k in keys if k != key))
        for key in keys:
            short = key[len("wet "):] if key.startswith("wet ") else ""
            if len(short.split()) >= 2 and short not in out:
                out[short] = tuple(k for k in keys if k != key) + (key,)
    return out
