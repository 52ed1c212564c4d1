"""What a response body is fit for, before and after extraction: pure functions, no I/O.

binary_reason  a body served as HTML that is really binary (random bytes, an image, a broken upload) becomes
               a document of mojibake if decoded anyway: skip it, and say why
cap_text       a 10 MB one-line page must not be stored, indexed and served whole: keep the first max_chars
"""
from __future__ import annotations

import codecs

# WHATWG MIME Sniffing, "binary data byte": control bytes no text encoding of a web page produces.
_BINARY_BYTES = frozenset(b"\x00\x01\x02\x03\x04\x05\x06\x07\x08\x0b\x0e\x0f\x10\x11\x12\x13\x14\x15\x16\x17\x18"
                          b"\x19\x1a\x1c\x1d\x1e\x1f")
RESOURCE_HEADER = 1445                  # WHATWG sniffs the first 1445 bytes
MAX_BINARY_SHARE = 0.01                 # over the whole body: more than 1% binary bytes is not text
_TEXT_BOMS = (codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


def binary_reason(body: bytes) -> str:
    """Why a body said to be text is binary ('' when it looks like text). UTF-16 (with its BOM) has NUL bytes
    and is text; otherwise a binary data byte in the resource header (as browsers decide), or too many of them
    further on, means binary."""
    if body.startswith(_TEXT_BOMS):
        return ""
    head = body[:RESOURCE_HEADER]
    found = next((b for b in head if b in _BINARY_BYTES), None)
    if found is not None:
        return f"binary data, not text (byte 0x{found:02x} in the first {len(head)} bytes)"
    if body:
        share = sum(body.count(bytes([b])) for b in _BINARY_BYTES) / len(body)
        if share > MAX_BINARY_SHARE:
            return f"binary data, not text ({share:.0%} control bytes)"
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
