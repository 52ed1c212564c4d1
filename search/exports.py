"""Export rows as spreadsheets read them: formula injection guarded in every cell, the Dutch form of a row
(column names, theme names, links), a filename that says what the file holds, and an .xlsx workbook."""
from __future__ import annotations

import io
import re
import unicodedata
from datetime import date
from urllib.parse import quote

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")   # what spreadsheets read as the start of a formula (OWASP)
DUTCH_HEADERS = ["Titel", "Organisatie", "Soort document", "Datum", "Thema's", "Kenmerk", "Score",
                 "Link in Beleidszoeker", "Bron", "Id"]


def guard(value):
    """A text cell that a spreadsheet would run as a formula gets a leading apostrophe: shown as text, not run."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def guarded(cells) -> list:
    return [guard(c) for c in cells]


def plain_row(row: dict, fields: list[str]) -> list:
    """The script-facing row: field values in order, themes as their slugs separated by ';'."""
    return [";".join(row[f]) if f == "themes" else row[f] for f in fields]


def dutch_row(row: dict, theme_labels: dict[str, str], link: str) -> list:
    """The row in DUTCH_HEADERS order, themes by name, the score with a decimal comma (as Dutch Excel reads it)."""
    return [row["title"], row["organisation"], row["type"], row["date"] or "",
            ", ".join(theme_labels.get(t, t) for t in row["themes"]), row["identifier"],
            f"{row['score']:.4f}".replace(".", ","), link, row["url"], row["id"]]


def _slug(text: str, limit: int = 40) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:limit].strip("-")


def filename(query: str, day: date, ext: str) -> str:
    """'beleidszoeker-schuldhulpverlening-2026-12-05.csv': what was searched and when."""
    return "-".join(filter(None, ["beleidszoeker", _slug(query) or "alle-documenten", day.isoformat()])) + "." + ext


def attachment(name: str) -> str:
    """Content-Disposition for a download name (RFC 6266; the name is ASCII already, filename* for safety)."""
    return f"attachment; filename=\"{name}\"; filename*=UTF-8''{quote(name)}"


def workbook(rows) -> bytes:
    """An .xlsx workbook of DUTCH_HEADERS and the rows (a write-only sheet). Every cell is stored as a string:
    a title starting with '=' stays that text, never a formula (a workbook needs no apostrophe for that)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    book = Workbook(write_only=True)
    sheet = book.create_sheet("Resultaten")

    def text_cells(values):
        cells = []
        for value in values:
            cell = WriteOnlyCell(sheet, value="" if value is None else str(value))
            cell.data_type = "s"
            cells.append(cell)
        return cells

    sheet.append(text_cells(DUTCH_HEADERS))
    for row in rows:
        sheet.append(text_cells(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
