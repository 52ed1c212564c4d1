"""Text from the documents policy lives in: PDF (per page, page numbers kept), DOCX, ODT.

Each returns an Extract like extract_html does; a broken, encrypted or unreadable document gives an
Extract with `error` set, never an exception, so one bad file never stops a crawl.
"""
from __future__ import annotations

import io
import logging

from .dates import parse_date
from .extract import Extract, clean_text, clip
from store.record import Passage

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
        date = parse_date(str(info.get("/ModDate") or info.get("/CreationDate") or ""))
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


def _row_text(cells: list[str]) -> str:
    """One table row as a line; a merged cell that repeats its neighbour's text counts once."""
    out: list[str] = []
    for cell in (c.strip() for c in cells):
        if cell and (not out or out[-1] != cell):
            out.append(cell)
    return " | ".join(out)


class _Sections:
    """Passages built from a document's blocks in reading order: a heading starts the next passage."""

    def __init__(self):
        self.passages: list[Passage] = []
        self.heading, self.buf = "", []

    def heading_block(self, text: str) -> None:
        self.passages.append(Passage("", self.heading, clean_text("\n".join(self.buf))))
        self.heading, self.buf = text.strip(), []

    def text_block(self, text: str) -> None:
        self.buf.append(text)

    def done(self) -> list[Passage]:
        self.passages.append(Passage("", self.heading, clean_text("\n".join(self.buf))))
        return self.passages


def extract_docx(body: bytes) -> Extract:
    """Paragraphs and tables in document order (tables are where budgets and tariffs live)."""
    try:
        import docx
        from docx.table import Table
        doc = docx.Document(io.BytesIO(body))
    except Exception as e:
        return Extract(error=f"unreadable DOCX: {type(e).__name__}: {str(e)[:200]}")
    out = _Sections()

    def table(t: Table) -> None:
        for row in t.rows:
            out.text_block(_row_text([cell.text for cell in row.cells]))
            for inner in (inner for cell in row.cells for inner in cell.tables):   # a table inside a cell
                table(inner)

    for block in doc.iter_inner_content():
        if isinstance(block, Table):
            table(block)
            continue
        style = (block.style.name if block.style is not None else "").lower()
        if style.startswith(("heading", "kop", "title", "titel")) and block.text.strip():
            out.heading_block(block.text)
        else:
            out.text_block(block.text)
    props = doc.core_properties
    meta = {"doctype": "docx"}
    if props.modified:
        meta["date"] = props.modified.strftime("%Y-%m-%d")
    return _from_passages(props.title or "", out.done(), meta)


def extract_odt(body: bytes) -> Extract:
    """Headings, paragraphs, lists and tables, also inside sections and other containers, in document order;
    tracked changes (deleted text) are left out."""
    try:
        from odf import table as odftable, teletype, text as odftext
        from odf.opendocument import load
        doc = load(io.BytesIO(body))
    except Exception as e:  # odfpy raises many kinds on broken files
        return Extract(error=f"unreadable ODT: {type(e).__name__}: {str(e)[:200]}")
    heading, texts = (odftext.TEXTNS, "h"), {(odftext.TEXTNS, "p"), (odftext.TEXTNS, "list")}
    row, skip = (odftable.TABLENS, "table-row"), {(odftext.TEXTNS, "tracked-changes"),
                                                  (odftext.TEXTNS, "sequence-decls")}
    out = _Sections()
    stack = list(reversed(doc.text.childNodes))     # iterative: deeply nested documents are fine
    while stack:
        el = stack.pop()
        name = getattr(el, "qname", None)
        if name == heading:
            out.heading_block(teletype.extractText(el))
        elif name in texts:
            out.text_block(teletype.extractText(el))
        elif name == row:
            cells = [c for c in el.childNodes if getattr(c, "qname", None) == (odftable.TABLENS, "table-cell")]
            out.text_block(_row_text([teletype.extractText(c) for c in cells]))
        elif name is not None and name not in skip:
            stack.extend(reversed(el.childNodes))   # section, table, table rows group, index body ...
    return _from_passages("", out.done(), {"doctype": "odt"})


def extract_document(body: bytes, content_type: str) -> Extract:
    if content_type in PDF_TYPES or body[:5] == b"%PDF-":
        return extract_pdf(body)
    if content_type in DOCX_TYPES:
        return extract_docx(body)
    if content_type in ODT_TYPES:
        return extract_odt(body)
    return Extract(error=f"no extractor for {content_type}")
