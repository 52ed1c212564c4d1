"""Readable differences between two versions of a page's text, paragraph by paragraph."""
from __future__ import annotations

import difflib


def paragraph_diff(old: str, new: str) -> list[tuple[str, str]]:
    """[(op, paragraph)] with op 'same', 'del' or 'ins'; runs of unchanged paragraphs longer than three are
    folded to one ('skip', 'N ongewijzigde alinea's')."""
    a = [p.strip() for p in old.split("\n") if p.strip()]
    b = [p.strip() for p in new.split("\n") if p.strip()]
    out: list[tuple[str, str]] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if op == "equal":
            same = a[i1:i2]
            if len(same) > 3:
                out += [("same", same[0]), ("skip", f"{len(same) - 2} ongewijzigde alinea's"), ("same", same[-1])]
            else:
                out += [("same", p) for p in same]
        else:
            out += [("del", p) for p in a[i1:i2]] + [("ins", p) for p in b[j1:j2]]
    return out
