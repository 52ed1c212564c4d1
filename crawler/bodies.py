"""What a response body is fit for, before and after extraction: pure functions, no I/O.

binary_reason  a body served as HTML that is really binary (random bytes, an image, a broken upload) becomes
               a document of mojibake if decoded anyway: skip it, and say why
cap_text       a 10 MB one-line page must not be stored, indexed and served whole: keep the first max_chars
"""
from __future__ import annotations

import codecs

# WHATWG MIME Sniffing, "binary data byte": control bytes no text encoding of a web page produces.
_BINARY_BYTES = bytes([*range(0x00, 0x09), 0x0b, *range(0x0e, 0x1b), *range(0x1c, 0x20)])
RESOURCE_HEADER = 1445                  # WHATWG sniffs the first 1445 bytes
MAX_BINARY_SHARE = 0.01                 # more than 1% binary data bytes is not text (a stray one is: it is stripped)
_TEXT_BOMS = (codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


def _binary_share(data: bytes) -> float:
    return (len(data) - len(data.translate(None, _BINARY_BYTES))) / len(data) if data else 0.0


def binary_reason(body: bytes) -> str:
    """Why a body said to be text is binary ('' when it looks like text): more than 1% binary data bytes in the
    resource header browsers sniff, or in the whole body. UTF-16 (with its BOM) has NUL bytes and is text."""
    if body.startswith(_TEXT_BOMS):
        return ""
    for where, data in (("the first bytes", body[:RESOURCE_HEADER]), ("the body", body)):
        share = _binary_share(data)
        if share > MAX_BINARY_SHARE:
            return f"binary data, not text ({share:.0%} control bytes in {where})"
    return ""


def cap_text(extract: dict, max_chars: int) -> tuple[dict, int | None]:
    """The extract with at most max_chars of text (passages cut to match), and the text's full length when it
    was cut (None when it fits). max_chars 0 = no cap."""
    text = extract.get("text", "")
    if not max_chars or len(text) <= max_chars:
        return extract, None
    passages, room = [], max_chars
    for p in extract.get("passages", []):
        if room <= 0:
            break
        passages.append({**p, "text": p.get("text", "")[:room]})
        room -= len(p.get("text", "")) + len(p.get("heading", ""))
    return {**extract, "text": text[:max_chars], "passages": passages}, len(text)
