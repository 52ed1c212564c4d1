"""All of a document's text: every <article> of a page, DOCX tables, ODT sections and tables."""
import io

from crawler.documents import extract_docx, extract_odt
from crawler.extract import extract_html


def test_every_article_of_a_page_is_kept():
    html = b"""<html><body><nav><a href='/'>Home</a></nav>
    <article><h2 id='n1'>Nieuwe woonvisie</h2><p>De raad stelde de woonvisie vast.</p></article>
    <article><h2 id='n2'>Armoedebeleid</h2><p>Meer geld voor schuldhulp.</p>
      <article><p>Reactie: goed plan.</p></article></article>
    <article><h2 id='n3'>Jeugdzorg</h2><p>Wachtlijsten worden korter.</p></article>
    <footer>Voettekst</footer></body></html>"""
    ex = extract_html(html, "http://x.nl/nieuws/")
    assert [p.anchor for p in ex.passages] == ["n1", "n2", "n3"]
    for text in ("woonvisie vast", "schuldhulp", "Reactie: goed plan", "Wachtlijsten"):
        assert text in ex.text
    assert ex.text.count("Reactie: goed plan") == 1 and "Voettekst" not in ex.text


def test_main_still_wins_over_articles():
    html = b"<html><body><article><p>Zijbalk-artikel</p></article><main><p>Hoofdtekst.</p></main></body></html>"
    assert extract_html(html, "http://x.nl/").text == "Hoofdtekst."


def _docx() -> bytes:
    import docx
    d = docx.Document()
    d.add_heading("Tarieven", level=1)
    d.add_paragraph("De tarieven voor 2024:")
    t = d.add_table(rows=3, cols=2)
    for r, (a, b) in enumerate([("Leges", "Bedrag"), ("Paspoort", "€ 77,35"), ("Rijbewijs", "€ 45,10")]):
        t.cell(r, 0).text, t.cell(r, 1).text = a, b
    t.cell(2, 1).add_table(rows=1, cols=1).cell(0, 0).text = "spoed: € 30,00 extra"
    d.add_heading("Slot", level=1)
    d.add_paragraph("Na de tabel.")
    out = io.BytesIO()
    d.save(out)
    return out.getvalue()


def test_docx_tables_are_kept_in_reading_order():
    ex = extract_docx(_docx())
    assert [p.heading for p in ex.passages] == ["Tarieven", "Slot"]
    tarieven = ex.passages[0].text
    assert "Paspoort | € 77,35" in tarieven and "Rijbewijs | € 45,10" in tarieven
    assert "spoed: € 30,00 extra" in tarieven
    assert tarieven.index("De tarieven") < tarieven.index("Paspoort") and "Na de tabel." in ex.passages[1].text


def _odt() -> bytes:
    from odf.opendocument import OpenDocumentText
    from odf.table import Table, TableCell, TableColumn, TableRow
    from odf.text import H, P, Section
    d = OpenDocumentText()
    d.text.addElement(H(outlinelevel=1, text="Inleiding"))
    d.text.addElement(P(text="Buiten de secties."))
    section = Section(name="Hoofdstuk1")
    section.addElement(H(outlinelevel=1, text="Uitvoering"))
    section.addElement(P(text="In een sectie: de corporaties doen mee."))
    inner = Section(name="Paragraaf1")
    inner.addElement(P(text="Een geneste sectie."))
    section.addElement(inner)
    table = Table(name="Budget")
    table.addElement(TableColumn(numbercolumnsrepeated=2))
    for a, b in (("Post", "Bedrag"), ("Starters", "€ 1,2 mln")):
        row = TableRow()
        for value in (a, b):
            cell = TableCell()
            cell.addElement(P(text=value))
            row.addElement(cell)
        table.addElement(row)
    section.addElement(table)
    d.text.addElement(section)
    out = io.BytesIO()
    d.save(out)
    return out.getvalue()


def test_odt_sections_and_tables_are_kept():
    ex = extract_odt(_odt())
    assert [p.heading for p in ex.passages] == ["Inleiding", "Uitvoering"]
    uitvoering = ex.passages[1].text
    assert "de corporaties doen mee" in uitvoering and "Een geneste sectie." in uitvoering
    assert "Starters | € 1,2 mln" in uitvoering
