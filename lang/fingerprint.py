"""One hash over everything that decides which terms a text becomes: the resource files (stop words, word
frequencies), the splitter's settings, the stemmer's identity and the analysis code itself. The index's config
hash includes it, so any change here forces the rebuild it needs (a splitter change that only the query side saw
would find nothing the index split the old way). Synonyms are not in it: only the query reads them (lang.synonyms,
search.query), so a new group serves at the next start of the server, without rebuilding the index."""
from __future__ import annotations

import ast
import hashlib
import importlib.metadata
from functools import lru_cache
from pathlib import Path

from . import analysis, compounds
from .resources import RESOURCE_FILES

# The modules whose code turns text into terms; their syntax tree (docstrings and comments left out) is hashed,
# so a change of behaviour cannot be forgotten, and a reworded docstring forces nothing.
ANALYSIS_MODULES = (analysis, compounds)


def _code(path: Path) -> str:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if (isinstance(body, list) and body and isinstance(body[0], ast.Expr)
                and isinstance(body[0].value, ast.Constant) and isinstance(body[0].value.value, str)):
            node.body = body[1:] or [ast.Pass()]
    return ast.dump(tree, annotate_fields=False)


def stemmer_identity() -> str:
    """Which stemmer runs: the algorithm and the library version that ships it (PyStemmer's dutch_porter, the
    classic Snowball Dutch)."""
    return f"Stemmer.Stemmer('dutch_porter') PyStemmer {importlib.metadata.version('PyStemmer')}"


def resource_parts() -> list[tuple[str, bytes]]:
    """(name, bytes) of each thing the hash covers, in a fixed order."""
    parts = [(f"file {p.name}", p.read_bytes()) for p in RESOURCE_FILES]
    parts.append(("stemmer", stemmer_identity().encode()))
    parts += [(f"code {m.__name__}", _code(Path(m.__file__)).encode()) for m in ANALYSIS_MODULES]
    return parts


@lru_cache(maxsize=1)
def resource_hash() -> str:
    """16 hex digits that change whenever any language resource, setting or the analysis code changes."""
    h = hashlib.sha256()
    for name, data in resource_parts():
        h.update(name.encode() + b"\0" + hashlib.sha256(data).digest())
    return h.hexdigest()[:16]
