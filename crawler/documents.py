"""Text from the documents policy lives in: PDF (per page, page numbers kept), DOCX, ODT.

Each returns an Extract like extract_html does; a broken, encrypted or unreadable document gives an
Extract with `error` set, never an exception, so one bad file never stops a crawl.
"""
from __future__ import annotations

import io
import logging

from .extract import Extract, clean_text, clip, iso_date
from .record import Passage

PDF_TYPES = {"application/pdf", "application/x-pdf"}
DOCX_TYPES = {"application/vnd.openxmlformats-officedocument.wordprocessingml.document"}
ODT_TYPES = {"application/vnd.oasis.opendocument.text"}
DOCUMENT_TYPES = PDF_TYPES | DOCX_TYPES | ODT_TYPES

logging.getLogger("pypdf").setLevel(logging.ERROR)   # pypdf warns loudly about every odd PDF


def _from_passages(title: str, passages: list[Passage], meta: dict) -> Extract:
    passages = [p for p in passages if p.text or p.heading]
    text = "\n\n".join(filter(None, ((p.heading + "\n" + p.text).strip() for p in passages)))
    if not title:
        title = clip(next((line for p in passages for line in p.text.splitlines() if len(line) > 3), ""), 200)
    if not text.strip():
        return Extract(title=title, meta=meta, error="no text in document (scanned or empty?)")
    return Extract(title=title.strip(), text=text, passages=passages, meta=meta)


def extract_pdf(body: bytes) -> Extract:
    """Text per page; passages are anchored 'page=N' so results can link to '#page=N'."""
    from pypdf import PdfReader
    try:
        reader = PdfReader(io.BytesIO(body), strict=False)
        if reader.is_encrypted:
            try:
                if not reader.decrypt(""):
                    return Extract(error="encrypted PDF")
            except Exception:
                return Extract(error="encrypted PDF")
        info = reader.metadata or {}
        meta = {"doctype": "pdf"}
        date = ""
        raw = str(info.get("/ModDate") or info.get("/CreationDate") or "")
        if raw.startswith("D:") and len(raw) >= 10:
            date = iso_date(f"{raw[2:6]}-{raw[6:8]}-{raw[8:10]}")
        if date:
            meta["date"] = date
        passages = []
        for n, page in enumerate(reader.pages, 1):
            try:
                text = page.extract_text() or ""
            except Exception:  # one damaged page must not lose the others
                text = ""
            passages.append(Passage(f"page={n}", f"Pagina {n}", clean_text(text)))
        title = str(info.get("/Title") or "").strip()
        return _from_passages(title, passages, meta)
    except Exception as e:  # pypdf raises many kinds of errors on broken or hostile files
        return Extract(error=f"unreadable PDF: {type(e).__name__}: {str(e)[:200]}")


def extract_docx(body: bytes) -> Extract:
    try:
        import docx
        doc = docx.Document(io.BytesIO(body))
    except Exception as e:
        return Extract(error=f"unreadable DOCX: {type(e).__name__}: {str(e)[:200]}")
    passages, heading, buf = [], "", []
    for para in doc.paragraphs:
        style = (para.style.name if para.style is not None else "").lower()
        if style.startswith(("heading", "kop", "title", "titel")) and para.text.strip():
            passages.append(Passage("", heading, clean_text("\n".join(buf))))
            heading, buf = para.text.strip(), []
        else:
            buf.append(para.text)
    passages.append(Passage("", heading, clean_text("\n".join(buf))))
    props = doc.core_properties
    meta = {"doctype": "docx"}
    if props.modified:
        meta["date"] = props.modified.strftime("%Y-%m-%d")
    return _from_passages(props.title or "", passages, meta)


def extract_odt(body: bytes) -> Extract:
    try:
        from odf import teletype, text as odftext
        from odf.opendocument import load
        doc = load(io.BytesIO(body))
    except Exception as e:  # odfpy raises many kinds on broken files
        return Extract(error=f"unreadable ODT: {type(e).__name__}: {str(e)[:200]}")
    passages, heading, buf = [], "", []
    for el in doc.text.childNodes:
        if el.qname == (odftext.TEXTNS, "h"):
            passages.append(Passage("", heading, clean_text("\n".join(buf))))
            heading, buf = teletype.extractText(el).strip(), []
        elif el.qname in ((odftext.TEXTNS, "p"), (odftext.TEXTNS, "list")):
            buf.append(teletype.extractText(el))
    passages.append(Passage("", heading, clean_text("\n".join(buf))))
    return _from_passages("", passages, {"doctype": "odt"})


def extract_document(body: bytes, content_type: str) -> Extract:
    if content_type in PDF_TYPES or body[:5] == b"%PDF-":
        return extract_pdf(body)
    if content_type in DOCX_TYPES:
        return extract_docx(body)
    if content_type in ODT_TYPES:
        return extract_odt(body)
    return Extract(error=f"no extractor for {content_type}")
