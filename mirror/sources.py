"""Read the bundled sources in corpus/ as pages of a website.

Each source becomes one site. A page is plain data (path, title, body HTML and the
metadata a real government site carries in its <meta> tags); rendering it to files is
mirror.render's job. The path keeps the source's own identifier readable in the URL:
the BWB id, the algoritmekader page path, the register's `lars` id, the regelrecht file.
"""
from __future__ import annotations

import json
import re
import tarfile
from html import escape
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator
from urllib.parse import quote

import mistune
import yaml

CORPUS = Path(__file__).resolve().parent.parent / "corpus"

MONTHS = ("januari februari maart april mei juni juli augustus september oktober "
          "november december").split()
_DUTCH_DATE = re.compile(r"\b(\d{1,2})\s+(" + "|".join(MONTHS) + r")\s+(\d{4})\b", re.I)


@dataclass
class Page:
    """One page of a mirror site. `path` is the URL path below the site root, ending in '/'."""
    path: str
    title: str
    body_html: str
    organisation: str = ""
    doctype: str = ""
    date: str = ""            # ISO yyyy-mm-dd, or empty when the source has none
    identifier: str = ""      # the source's own id (also the eval-set document id)
    city: str = ""
    short_title: str = ""
    links: list[tuple[str, str]] = field(default_factory=list)  # extra (href, label) links


def dutch_date(text: str) -> str:
    """'Wet van 9 februari 2012 ...' -> '2012-02-09'; '' when there is no date."""
    m = _DUTCH_DATE.search(text or "")
    if not m:
        return ""
    day, month, year = int(m.group(1)), MONTHS.index(m.group(2).lower()) + 1, int(m.group(3))
    if not (1 <= day <= 31 and 1800 <= year <= 2100):
        return ""
    return f"{year:04d}-{month:02d}-{day:02d}"


def slug(text: str) -> str:
    """Anchor slug for a heading: 'Artikel  1a' -> 'artikel-1a'."""
    s = re.sub(r"[^0-9a-z]+", "-", text.lower()).strip("-")
    return s[:60] or "sectie"


class _AnchoredRenderer(mistune.HTMLRenderer):
    """Headings get stable ids so results can deep-link to an article (#artikel-12)."""

    def __init__(self):
        super().__init__(escape=False)
        self._seen: dict[str, int] = {}

    def heading(self, text, level, **attrs):
        plain = re.sub(r"<[^>]+>", "", text)
        anchor = slug(plain)
        n = self._seen.get(anchor, 0)
        self._seen[anchor] = n + 1
        if n:
            anchor = f"{anchor}-{n + 1}"
        return f'<h{level} id="{anchor}">{text}</h{level}>\n'


def markdown_to_html(text: str) -> str:
    md = mistune.create_markdown(renderer=_AnchoredRenderer(), plugins=["table", "strikethrough"])
    return md(pipe_tables_to_html(repair_markdown(text)))


def inline_markdown(text: str) -> str:
    """One table cell's Markdown as inline HTML (links, emphasis), without the paragraph around it."""
    html = mistune.create_markdown(escape=True, plugins=["strikethrough"])(text).strip()
    return re.sub(r"^<p>(.*)</p>$", r"\1", html, flags=re.S)


# Markdown the sources write that CommonMark (and so mistune) does not read, which would otherwise reach the
# page, and the search index, as literal characters.
_ATTR_LIST = re.compile(r"\{:?\s*(?:[.#][\w-]+|[\w-]+=\S+)(?:\s+(?:[.#][\w-]+|[\w-]+=\S+))*\s*\}")   # { .button #id }
_SPACED_LINK = re.compile(r"\]\s+\((?=(?:https?://|\.|/|#))")                                # [label] (url)
_LINK_DEST = re.compile(r"\]\(([^\n<>\[\]]*?\.(?:md|xlsx?|docx?|pdf|odt)(?:#[^\s()<>]*)?)\)")    # spaces, ( )
_LOOSE_STRONG = re.compile(r"\*\*[ \t]*([^*\n]+?)[ \t]*\*\*")                                   # ** bold **
_TEXT_LINK = re.compile(r"\[([^\[\]\n]+)\]\([^()\s]+\)")
_STRAY_STARS = re.compile(r"\*{2,}")                                                   # (lid 2-3)***


def repair_markdown(text: str) -> str:
    """Read what the authors meant: MkDocs attribute lists go (mistune has no attr_list), link destinations with
    spaces or unbalanced parentheses are bracketed (<...>), '[label] (url)' is a link, '** bold **' is bold."""
    text = _ATTR_LIST.sub("", text)
    text = _SPACED_LINK.sub("](", text)
    text = _LINK_DEST.sub(lambda m: "](<" + m.group(1) + ">)", text)
    return _LOOSE_STRONG.sub(r"**\1**", text)


_TABLE_ROW = re.compile(r"^\s*\|.*\|?\s*$")
_DELIMITER_CELL = re.compile(r"^\s*:?-{3,}:?\s*$")


def _cells(line: str) -> list[str]:
    return [c.strip() for c in line.strip().strip("|").split("|")]


def pipe_tables_to_html(text: str) -> str:
    """Pipe tables as HTML tables. The laws' tables are often irregular (a delimiter row in the middle, rows of
    different widths), which the table plugin leaves as text full of '| --- |'; here every run of '|' lines is a
    table, delimiter rows are dropped and each cell keeps its inline Markdown."""
    out: list[str] = []
    rows: list[list[str]] = []

    def flush():
        if rows:
            body = "".join("<tr>" + "".join(f"<td>{inline_markdown(c)}</td>" for c in r) + "</tr>" for r in rows)
            out.extend(["", f'<table class="tabel">{body}</table>', ""])
            rows.clear()

    for line in text.split("\n"):
        if _TABLE_ROW.match(line) and line.count("|") >= 2:
            cells = _cells(line)
            if not all(_DELIMITER_CELL.match(c) or not c for c in cells):
                rows.append(cells)
            continue
        flush()
        out.append(line)
    flush()
    return "\n".join(out)


def inline_text_html(text: str) -> str:
    """Plain text from a data file (YAML, JSON) as HTML: escaped, with its '**bold**' as bold and stray '***'
    (footnote marks without a footnote) dropped."""
    html = _LOOSE_STRONG.sub(r"<strong>\1</strong>", escape(text))
    html = _TEXT_LINK.sub(r"\1", html)   # '[artikel 18a Participatiewet](1.0:v:BWBR0015703&…)': a JCI, not a URL
    return _STRAY_STARS.sub("", html)


_HREF = re.compile(r'href="([^"#:]*?)(README\.md|[^"/#:]+\.md)(#[^"]*)?"')


# ---------------------------------------------------------------- laws-markdown

LAW_TYPES = {"wet": "wet", "beleidsregel": "beleidsregel", "circulaire": "circulaire", "AMvB": "amvb",
             "ministeriele-regeling": "ministeriële regeling", "zbo": "zbo-regeling", "KB": "koninklijk besluit",
             "rijkswet": "rijkswet"}


def _law_markdown(raw: str) -> str:
    raw = re.sub(r"^<meta[^>]*>\s*", "", raw)
    # The source writes '##Titel' without a space, which CommonMark does not read as a heading.
    return re.sub(r"^(#{1,6})(?=[^#\s])", r"\1 ", raw, flags=re.M)


def _law_href(m: re.Match) -> str:
    prefix, name, frag = m.group(1), m.group(2), m.group(3) or ""
    if name != "README.md":
        return m.group(0)
    return 'href="' + quote(prefix, safe="/.-_~()%,") + frag + '"'


def short_title_from_path(path: str) -> str:
    """'wet/wet/gemeentelijke/schuldhulpverlening/BWBR0031331/README.md' -> 'wet gemeentelijke schuldhulpverlening'."""
    parts = path.split("/")[1:-2]
    return " ".join(p for p in parts if p not in ("etc",))


def law_pages(tar_path: Path | None = None, manifest: Path | None = None,
              only: set[str] | None = None) -> Iterator[Page]:
    """Pages from the laws-markdown subset; `only` restricts to a set of BWB ids (for tests)."""
    tar_path = tar_path or CORPUS / "laws-markdown" / "subset-wet-beleidsregel-circulaire.tar.gz"
    manifest = manifest or CORPUS / "laws-markdown" / "manifest.jsonl"
    titles = {}
    with open(manifest, encoding="utf-8") as f:
        for line in f:
            row = json.loads(line)
            titles[row["path"]] = row["title"]
    with tarfile.open(tar_path) as tf:
        for member in tf:
            if not member.isfile() or not member.name.endswith("README.md"):
                continue
            bwb = member.name.split("/")[-2]
            if only is not None and bwb not in only:
                continue
            raw = tf.extractfile(member).read().decode("utf-8", errors="replace")
            md = _law_markdown(raw)
            first_heading = next((l.lstrip("# ").strip() for l in md.splitlines() if l.startswith("#")), "")
            title = titles.get(member.name) or first_heading or bwb
            html = _HREF.sub(_law_href, markdown_to_html(md))
            yield Page(
                path=quote(member.name[: -len("README.md")], safe="/.-_~()%,"),
                title=title,
                body_html=html,
                organisation="Rijksoverheid",
                doctype=LAW_TYPES.get(member.name.split("/")[0], "regeling"),
                date=dutch_date(first_heading) or dutch_date(title),
                identifier=bwb,
                short_title=short_title_from_path(member.name),
            )


# ---------------------------------------------------------------- algoritmekader

_FRONT = re.compile(r"\A---\n(.*?)\n---\n", re.S)


def _mkdocs_url(md_path: str) -> str:
    """mkdocs 'use_directory_urls': a/b.md -> a/b/, a/index.md -> a/."""
    if md_path.endswith("index.md"):
        return md_path[: -len("index.md")]
    return md_path[: -len(".md")] + "/"


def _mkdocs_href(page_md: str):
    base = page_md.rsplit("/", 1)[0] + "/" if "/" in page_md else ""

    def fix(m: re.Match) -> str:
        prefix, name, frag = m.group(1), m.group(2), m.group(3) or ""
        target = _normpath(base + prefix + name)
        if target is None:
            return m.group(0)
        here = _mkdocs_url(page_md)
        return 'href="' + _relative(here, _mkdocs_url(target)) + frag + '"'
    return fix


def _normpath(path: str) -> str | None:
    out: list[str] = []
    for part in path.split("/"):
        if part in ("", "."):
            continue
        if part == "..":
            if not out:
                return None
            out.pop()
        else:
            out.append(part)
    return "/".join(out)


def _relative(from_dir: str, to: str) -> str:
    """Relative link from page URL directory `from_dir` ('a/b/') to `to` ('a/c/')."""
    depth = from_dir.count("/")
    return "../" * depth + to if (to or depth) else "./"


_ADMONITION = re.compile(r'^([ \t]*)(?:!!!|\?\?\?\+?)\s*[\w-]+(?:\s+"(.*)")?')
_ONE_INDENT = re.compile(r"^(?: {4}| {0,3}\t| {1,3}(?=\S))")   # four spaces, or a tab after up to three spaces


def _mkdocs_markdown(text: str) -> str:
    """Plain-markdown reading of mkdocs-material syntax: an admonition ('!!! tip "Tip"', also nested in a list)
    becomes a bold label followed by its content, one indentation level less (else it would be a code block);
    snippet includes and template macros go."""
    out: list[str] = []
    stack: list[str] = []          # the indentation of each open admonition
    for line in text.splitlines():
        while stack and line.strip() and not (line.startswith(stack[-1]) and line[len(stack[-1]):][:1] in (" ", "\t")):
            stack.pop()            # a line not indented under the admonition ends it
        for indent in stack:       # each open admonition takes one level, right after its own indentation
            line = indent + _ONE_INDENT.sub("", line[len(indent):]) if line.strip() else ""
        m = _ADMONITION.match(line)
        if m:
            out.append(f"{m.group(1)}**{m.group(2)}**\n" if m.group(2) else "")
            stack.append(m.group(1))
            continue
        if line.lstrip().startswith(("--8<--", "{%", "{{")):
            continue
        out.append(line)
    return "\n".join(out)


def algoritmekader_pages(root: Path | None = None) -> Iterator[Page]:
    root = root or CORPUS / "algoritmekader" / "docs"
    for md_file in sorted(root.rglob("*.md")):
        rel = md_file.relative_to(root).as_posix()
        text = md_file.read_text(encoding="utf-8")
        meta = {}
        m = _FRONT.match(text)
        if m:
            try:
                meta = yaml.safe_load(m.group(1)) or {}
            except yaml.YAMLError:
                meta = {}
            text = text[m.end():]
        h1 = re.search(r"^# (.+)$", text, re.M)
        title = str(meta.get("title") or (h1.group(1) if h1 else rel))
        if h1 and h1.group(1).strip() == title.strip():   # the page template shows the title as its <h1> already
            text = text[:h1.start()] + text[h1.end():]
        html = markdown_to_html(_mkdocs_markdown(text))
        html = _HREF.sub(_mkdocs_href(rel), html)
        yield Page(
            path=_mkdocs_url(rel),
            title=title.strip(),
            body_html=html,
            organisation="Ministerie van Binnenlandse Zaken en Koninkrijksrelaties",
            doctype="handreiking",
            identifier="algoritmekader:" + rel[: -len(".md")],
        )


# ---------------------------------------------------------------- algoritmeregister

REGISTER_FIELDS = [
    ("description", "Beschrijving"), ("goal", "Doel"), ("impact", "Impact"),
    ("proportionality", "Proportionaliteit"), ("decision_making_process", "Besluitvorming"),
    ("lawful_basis", "Wettelijke grondslag"), ("source_data", "Gebruikte gegevens"),
    ("methods_and_models", "Methoden en modellen"), ("human_intervention", "Menselijke tussenkomst"),
    ("risks", "Risico's"), ("monitoring", "Monitoring"), ("objection_procedure", "Bezwaar"),
]


def _value(v) -> str:
    return "" if v in (None, "None", "") else str(v).strip()


def _paragraphs(text: str) -> str:
    return "".join(f"<p>{inline_text_html(p.strip())}</p>" for p in re.split(r"\n\s*\n|\r\n", text) if p.strip())


def register_pages(path: Path | None = None) -> Iterator[Page]:
    path = path or CORPUS / "algoritmeregister" / "pub_data_2023.json"
    for rec in json.loads(path.read_text(encoding="utf-8")):
        lars = _value(rec.get("lars"))
        if not lars:
            continue
        org = _value(rec.get("organization"))
        parts = []
        short = _value(rec.get("description_short"))
        if short:
            parts.append(f'<p class="samenvatting">{escape(short)}</p>')
        dept = _value(rec.get("department"))
        if dept:
            parts.append(f"<p>Afdeling: {escape(dept)}</p>")
        for key, label in REGISTER_FIELDS:
            value = _value(rec.get(key))
            if value and not (key == "description" and value == short):
                parts.append(f'<h2 id="{slug(label)}">{escape(label)}</h2>{_paragraphs(value)}')
        city = org[len("Gemeente "):] if org.startswith("Gemeente ") else ""
        yield Page(
            path=f"algoritme/{lars}/",
            title=_value(rec.get("name")) or lars,
            body_html="\n".join(parts),
            organisation=org,
            doctype="algoritme",
            date=(_value(rec.get("revision_date")) or _value(rec.get("create_dt")))[:10],
            identifier="algoritmeregister:" + lars,
            city=city,
        )


# ---------------------------------------------------------------- regelrecht

LAYER_TYPES = {"GEMEENTELIJKE_VERORDENING": "verordening", "UITVOERINGSBELEID": "beleidsregel"}


def _legal_basis(basis: dict) -> str:
    """A legal_basis entry as text: 'Gemeentewet, artikel 147 (Bevoegdheid gemeenteraad tot ...)'; the law_id
    is a lower-case slug of the law's title ('burgerlijk_wetboek_boek_5')."""
    law = _value(basis.get("law_id")).replace("_", " ")
    text = law[:1].upper() + law[1:]
    if _value(basis.get("article")):
        text += f", artikel {_value(basis.get('article'))}"
    if _value(basis.get("description")):
        text += f" ({_value(basis.get('description'))})"
    return text


def regelrecht_pages(root: Path | None = None) -> Iterator[Page]:
    root = root or CORPUS / "regelrecht-gemeentelijke-verordeningen"
    for yml in sorted(root.rglob("*.yaml")):
        rel = yml.relative_to(root).as_posix()
        doc = yaml.safe_load(yml.read_text(encoding="utf-8")) or {}
        city = rel.split("/")[0].replace("-", " ").title()
        parts = []
        for art in doc.get("articles") or []:
            number = str(art.get("number", "")).strip()
            text = str(art.get("text", "")).strip()
            heading, _, rest = text.partition("\n")
            heading = re.sub(r"<[^>]+>", "", inline_text_html(heading))   # a heading's '**Begrippen**' is just its text
            parts.append(f'<h2 id="artikel-{slug(number)}">Artikel {escape(number)} {heading}</h2>'
                         + _paragraphs(rest))
        basis = [_legal_basis(b) for b in doc.get("legal_basis") or [] if isinstance(b, dict) and b.get("law_id")]
        if basis:   # as lokaleregelgeving.overheid.nl shows it beside the text: the regulation's legal basis
            parts.insert(0, '<h2 id="grondslag">Wettelijke grondslag</h2><ul>'
                         + "".join(f"<li>{escape(b)}</li>" for b in basis) + "</ul>")
        source_url = _value(doc.get("url"))
        links = [(source_url, "Bron op lokaleregelgeving.overheid.nl")] if source_url else []
        title = _value(doc.get("officiele_titel")) or _value(doc.get("name")) or rel
        yield Page(
            path="verordeningen/" + rel[: -len(".yaml")] + "/",
            title=title,
            body_html="\n".join(parts),
            organisation=f"Gemeente {city}",
            doctype=LAYER_TYPES.get(_value(doc.get("regulatory_layer")), "regeling"),
            date=_value(doc.get("publication_date")) or _value(doc.get("valid_from")),
            identifier="regelrecht:" + rel,
            city=city,
            short_title=_value(doc.get("name")),
            links=links,
        )


def extended_law_pages() -> Iterator[Page]:
    """The core subset plus the extended regulations (AMvB, ministeriële regelingen, ZBO, KB, rijkswetten):
    about 13,200 pages, for the scale benchmark."""
    yield from law_pages()
    yield from law_pages(CORPUS / "laws-markdown" / "extended-amvb-minreg-zbo-kb-rijkswet.tar.gz",
                         CORPUS / "laws-markdown" / "manifest-extended.jsonl")


SOURCES = {
    "laws": law_pages,
    "laws-extended": extended_law_pages,
    "algoritmekader": algoritmekader_pages,
    "algoritmeregister": register_pages,
    "regelrecht": regelrecht_pages,
}
