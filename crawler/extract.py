"""HTML page -> title, main text split into passages, metadata, outgoing links.

Pure function of (bytes, url, charset): no I/O, so it is tested on strings and fuzzed alone.
Main content is the page's <main> (or role=main / <article>), without navigation, header,
footer, scripts and forms; passages follow the headings, so a result can link to '#artikel-12'.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import lxml.etree
import lxml.html

from .dates import fallback_date, first_date, labelled_date
from .directives import Directives, meta_directives
from .encoding import decode_html
from store.record import Passage
from .urls import normalize_url

BLOCK = {"p", "div", "li", "ul", "ol", "dl", "dt", "dd", "tr", "table", "section", "article", "blockquote",
         "pre", "br", "h1", "h2", "h3", "h4", "h5", "h6", "header", "footer", "main", "aside", "figure",
         "figcaption", "address", "hr", "td", "th"}
HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
BOILERPLATE = {"script", "style", "noscript", "nav", "header", "footer", "aside", "template",
               "iframe", "svg", "button", "select"}
# Class/id words that mark navigation and page furniture on sites that use <div>s for everything.
_BOILERPLATE_ATTR = re.compile(
    r"(?:^|[\s_-])(?:nav|navbar|navigation|menu|menubar|breadcrumbs?|kruimelpad|header|footer|sidebar|"
    r"cookie|cookies|skiplink|skip|social|share|delen|zoekbalk|searchbar|search-form|toolbar|inhoudsopgave|"
    r"voetregel|kopregel|banner|related|gerelateerd)(?:$|[\s_-])", re.I)

_META_FIELDS = {
    "title": ("dcterms.title", "dc.title", "og:title"),
    "organisation": ("dcterms.creator", "dc.creator", "dcterms.publisher", "og:site_name"),
    "doctype": ("dcterms.type", "dc.type"),
    # last changed, then published, then made available, then any date; a value that is no date is passed over
    "date": ("dcterms.modified", "article:modified_time", "og:updated_time", "dcterms.issued",
             "article:published_time", "dcterms.available", "dcterms.created", "dcterms.date", "dc.date", "date"),
    "identifier": ("dcterms.identifier", "dc.identifier"),
    "city": ("dcterms.spatial", "dc.coverage"),
    "short_title": ("dcterms.alternative",),
    "language": ("dcterms.language", "dc.language"),
    "description": ("description", "dcterms.description", "og:description"),
}
_WS = re.compile(r"[ \t\r\f\v\u00a0]+")


@dataclass
class Extract:
    title: str = ""
    text: str = ""
    passages: list[Passage] = field(default_factory=list)
    meta: dict[str, str] = field(default_factory=dict)
    links: list[str] = field(default_factory=list)
    canonical: str = ""
    noindex: bool = False
    nofollow: bool = False
    error: str = ""
    error_kind: str = ""     # a skip reason more exact than "unreadable" ('too-deep')
    content_links: int = 0   # links in the main content (not the menus): many make a page a hub/listing page


def clean_text(text: str) -> str:
    lines = (_WS.sub(" ", line).strip() for line in text.split("\n"))
    out, blank = [], False
    for line in lines:
        if line:
            out.append(line)
            blank = False
        elif not blank and out:
            out.append("")
            blank = True
    return "\n".join(out).strip()


def _text_of(el) -> str:
    return _WS.sub(" ", " ".join(el.itertext())).strip()


def _main_elements(root) -> list:
    """Where the content is: <main>, role=main, else every outermost <article> (a page of news items or of
    articles of a regulation has many, and all of them are content), else the body."""
    for xpath in ("//main", "//*[@role='main']", "//article[not(ancestor::article)]", "//body"):
        found = root.xpath(xpath)
        if found:
            return found if xpath.startswith("//article") else found[:1]
    return [root]


def _is_boilerplate(el) -> bool:
    tag = el.tag if isinstance(el.tag, str) else ""
    if tag in BOILERPLATE:
        return True
    if tag in ("div", "ul", "ol", "section", "span", "p", "table"):
        return bool(_BOILERPLATE_ATTR.search((el.get("class") or "") + " " + (el.get("id") or "")))
    return False


TITLE_CHARS = 500


def clip(text: str, limit: int) -> str:
    """At most `limit` characters, cut at a word boundary with '…' (never mid-word, never silently)."""
    if len(text) <= limit:
        return text
    cut = text.rfind(" ", 0, limit)
    return text[: cut if cut > limit // 2 else limit - 1].rstrip(" ,;:–-") + "…"


def _passages(main) -> list[Passage]:
    """Walk the main element once, starting a new passage at every heading (iterative: deep HTML is fine)."""
    passages: list[Passage] = []
    anchor, heading, buf = "", "", []
    walker = lxml.etree.iterwalk(main, events=("start", "end"))
    for event, el in walker:
        tag = el.tag if isinstance(el.tag, str) else ""
        if event == "start":
            if not tag:  # comments, processing instructions
                continue
            if el is not main and _is_boilerplate(el):
                walker.skip_subtree()
            elif tag in HEADINGS:
                text = clean_text("".join(buf))
                if heading and not text:   # "Artikel 3" directly followed by its title: one passage
                    sub = _text_of(el)
                    if sub.casefold() not in heading.casefold():   # a page title repeated as a heading: once
                        heading = f"{heading} – {sub}"
                    anchor = anchor or el.get("id", "")
                else:
                    passages.append(Passage(anchor, heading, text))
                    anchor, heading, buf = el.get("id", ""), _text_of(el), []
                walker.skip_subtree()  # its text is the heading, taken whole
            elif el.text:
                buf.append(el.text)
        else:
            if tag in BLOCK:
                buf.append("\n")
            if el is not main and el.tail:
                buf.append(el.tail)
    passages.append(Passage(anchor, heading, clean_text("".join(buf))))
    return [p for p in passages if p.text or p.heading]


def _too_deep(parser) -> str:
    """What the parser said when the page nested deeper than it descends ('' when it did not)."""
    for entry in parser.error_log:
        if "Excessive depth" in entry.message:
            return f"HTML nested too deep to read: {entry.message.split(',')[0]} elements"
    return ""


def extract_html(body: bytes, url: str, charset: str | None = None) -> Extract:
    if not body or not body.strip():
        return Extract(error="empty document")
    decoded = decode_html(body, charset)
    try:
        # lxml gets UTF-8 whatever the page was in: one decoder (ours) decides, not two; huge_tree: libxml2
        # otherwise stops descending at 256 nested elements and the text below is lost
        parser = lxml.html.HTMLParser(encoding="utf-8", remove_comments=True, huge_tree=True)
        root = lxml.html.document_fromstring(decoded.text.encode("utf-8", "replace"), parser=parser)
    except (lxml.etree.ParserError, ValueError, LookupError) as e:
        return Extract(error=f"unparsable HTML: {e}")
    too_deep = _too_deep(parser)

    meta: dict[str, str] = {}
    robots = Directives()
    found: dict[str, list[str]] = {}       # meta name -> its contents, in document order
    for m in root.iter("meta"):
        name = (m.get("name") or m.get("property") or "").strip().lower()
        content = (m.get("content") or "").strip()
        if not name or not content:
            continue
        if name in ("robots", "beleidszoeker"):   # for every crawler, or for ours by name
            robots |= meta_directives(content)
        found.setdefault(name, []).append(content)
    for key, names in _META_FIELDS.items():       # the names are in priority order: the first present wins
        values = [v for n in names for v in found.get(n, ())]
        if key == "date":
            values = [first_date(values)]
        if values and values[0]:
            meta[key] = values[0]
    lang = root.get("lang") or meta.get("language", "")
    if lang:
        meta["language"] = lang.split("-")[0].lower()

    base = url
    base_el = root.find(".//base[@href]")
    if base_el is not None:
        base = normalize_url(base_el.get("href"), url) or url
    canonical = ""
    links: list[str] = []
    seen: set[str] = set()
    for a in root.iter("a", "link"):
        rel = (a.get("rel") or "").lower().split()
        href = a.get("href")
        if not href:
            continue
        if a.tag == "link":
            if "canonical" in rel:
                canonical = normalize_url(href, base) or ""
            continue
        if "nofollow" in rel:
            continue
        target = normalize_url(href, base)
        if target and target not in seen:
            seen.add(target)
            links.append(target)

    mains = _main_elements(root)
    passages = [p for main in mains for p in _passages(main)]
    if not meta.get("date"):     # no date in the metadata: what the page says, else htmldate's reading
        body = root.find("body")
        date = labelled_date(" ".join((body if body is not None else root).itertext())) or fallback_date(
            decoded.text, url)
        if date:
            meta["date"] = date
    h1 = root.find(".//h1")
    page_title = root.findtext(".//title") or ""
    title = meta.get("title") or (_text_of(h1) if h1 is not None else "") or page_title.split(" | ")[0]
    text = "\n\n".join(filter(None, ((p.heading + "\n" + p.text).strip() for p in passages)))
    title = clip(_WS.sub(" ", title).strip(), TITLE_CHARS)
    if too_deep and not text.strip():
        return Extract(title=title, meta=meta, links=links, error=too_deep, error_kind="too-deep")
    return Extract(
        title=title,
        text=text,
        passages=passages,
        meta=meta,
        links=links,
        canonical=canonical,
        noindex=robots.noindex,
        nofollow=robots.nofollow,
        content_links=sum(len(main.xpath(".//a[@href]")) for main in mains),
    )
