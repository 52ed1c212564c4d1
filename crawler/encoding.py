"""Which encoding an HTML body is in, and its text: what a browser would show.

Order: a byte order mark; the HTTP charset; the `<meta>` charset; else UTF-8 if the bytes are valid UTF-8,
else windows-1252. Labels are read as WHATWG (and every browser) reads them, through w3lib: `iso-8859-1`,
`latin1` and `us-ascii` mean windows-1252, so € and curly quotes (0x80-0x9F) are not control characters.

One exception to "the declaration wins": a declared UTF-8 that the bytes are not (a server default of
`charset=utf-8` over an old windows-1252 page). Such a body would come out with U+FFFD for every é; the bytes
say more than the label, so it is detected instead. A declared single-byte encoding decodes anything, so it
cannot be caught out this way and is believed.
"""
from __future__ import annotations

from dataclasses import dataclass

from w3lib.encoding import html_body_declared_encoding, read_bom, resolve_encoding

HEAD_BYTES = 4096           # where a <meta charset> must be (WHATWG prescans 1024 bytes; pages are sloppier)
_UTF16 = {"utf-16", "utf-16-le", "utf-16-be", "utf-16le", "utf-16be"}


@dataclass(frozen=True)
class Decoded:
    text: str
    encoding: str           # Python codec name: 'utf-8', 'cp1252', ...
    source: str             # where it came from: bom, http, meta, detected


def label_to_codec(label: str | None) -> str | None:
    """WHATWG label -> Python codec ('ISO-8859-1' -> 'cp1252', 'utf8' -> 'utf-8'); None for an unknown label."""
    return resolve_encoding(label.strip()) if label and label.strip() else None


def _valid(body: bytes, codec: str) -> bool:
    try:
        body.decode(codec)
        return True
    except (UnicodeDecodeError, LookupError):
        return False


def detect(body: bytes, http_charset: str | None = None) -> tuple[str, str]:
    """(codec, source) for `body`; `http_charset` is the charset label of the Content-Type header, if any."""
    bom_codec, _ = read_bom(body)
    if bom_codec:
        return bom_codec, "bom"
    for source, codec in (("http", label_to_codec(http_charset)),
                          ("meta", label_to_codec(html_body_declared_encoding(body[:HEAD_BYTES])))):
        if not codec:
            continue
        if source == "meta" and codec.replace("_", "-") in _UTF16:
            codec = "utf-8"     # WHATWG: a <meta> cannot say UTF-16, the page got here as ASCII-compatible bytes
        if codec.replace("_", "-") in ("utf-8", "utf8") and not _valid(body, "utf-8"):
            continue            # declared UTF-8, but it is not: the next declaration, or the bytes, decide
        return codec, source
    return ("utf-8", "detected") if _valid(body, "utf-8") else ("cp1252", "detected")


def decode_html(body: bytes, http_charset: str | None = None) -> Decoded:
    """The text of an HTML body. Never fails: bytes the encoding has no character for become U+FFFD."""
    codec, source = detect(body, http_charset)
    if source == "bom":
        body = body[len(read_bom(body)[1]):]
    try:
        text = body.decode(codec, errors="replace")
    except LookupError:       # a label Python knows by name but cannot decode with
        codec, source = "cp1252", "detected"
        text = body.decode(codec, errors="replace")
    return Decoded(text, codec, source)
