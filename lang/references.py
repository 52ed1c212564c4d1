"""References from a document to the regulations it builds on: which law, which article.

A reference is found three ways (its `kind`):
  link  a hyperlink, or a URL or bare BWB id in the text, naming a BWB id
        (https://wetten.overheid.nl/BWBR0005537/2022-11-01, a mirror's .../gemeentewet/BWBR0005416/#artikel-225);
  jci   a juriconnect identifier, in a link or in the text (jci1.3:c:BWBR0005416&artikel=225, 1.0:v:BWBR...);
  text  a citation in running text: "artikel 2.3.2, eerste lid, van de Wet maatschappelijke ondersteuning 2015",
        "art. 160 Gemw", "artikelen 4:81 en 4:84 van de Algemene wet bestuursrecht", "op grond van de
        Participatiewet", "de wet van 21 juni 2001", "Verordening (EU) 2016/679".
Citation titles and abbreviations are resolved to a BWB id with a Table (built by lang.reference_table from
the corpus's own titles plus a checked hand list). What cannot be resolved is kept with the text it came from.
Everything here is pure: text and links in, references out.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Iterable
from urllib.parse import unquote

KINDS = ("link", "jci", "text")
BWB_ID = re.compile(r"\bBWB[RV]\d{7}\b")


@dataclass(frozen=True)
class Reference:
    """One citation. `target` is the BWB id or None; `title` the citation title as found in the text (for a
    link or jci: the table's title of its id); `article` the article number as cited ('2.3.2', '4:81', '151c')
    or None; `source` the text it came from (the span, or the link); `start` its offset in the text (-1 for a
    link)."""
    target: str | None
    title: str
    article: str | None
    source: str
    start: int
    kind: str


@dataclass(frozen=True)
class TitleEntry:
    """A citation title and the BWB ids that carry it (one: resolvable; several: ambiguous, resolves to none)."""
    title: str
    ids: tuple[str, ...]
    how: str = ""

    @property
    def bwb(self) -> str | None:
        return self.ids[0] if len(self.ids) == 1 else None


_TOKEN = re.compile(r"[^\W_]+")


def normalise_title(title: str) -> str:
    """The lookup key of a title: its words, lower case, NFC ('Financiële-verhoudingswet' = 'financiële
    verhoudingswet')."""
    return " ".join(_TOKEN.findall(unicodedata.normalize("NFC", title).lower()))


_BW_BOOK = re.compile(r"^burgerlijk wetboek boek (\d+[a-z]?)\b")
BW = "burgerlijk wetboek"


@dataclass
class Table:
    """Titles and abbreviations -> entries, with the word tries the extractor walks. Titles match case-blind but
    must start with a capital in the text; abbreviations match exactly as written ('Awb', 'Wmo 2015')."""
    titles: dict[str, TitleEntry] = field(default_factory=dict)          # normalised title -> entry
    abbreviations: dict[str, TitleEntry] = field(default_factory=dict)   # abbreviation as written -> entry
    names: dict[str, str] = field(default_factory=dict)                  # BWB id -> its citation title
    bw_books: dict[str, str] = field(default_factory=dict)               # Burgerlijk Wetboek book -> BWB id
    article_only: set[str] = field(default_factory=set)                  # abbreviations that need an article
    title_trie: dict = field(default_factory=dict)
    abbreviation_trie: dict = field(default_factory=dict)

    @classmethod
    def build(cls, entries: Iterable[TitleEntry], abbreviations: Iterable[tuple] = ()) -> "Table":
        """`abbreviations`: (as written, citation title, BWB ids or '', source[, with_article]). Without an id
        the title's own entry gives it (or none); with one it must agree with that entry; several ids are an
        ambiguous abbreviation, which resolves to none."""
        t = cls()
        rank = {"citeertitel": 0, "brackets": 1, "title": 2, "path": 3, "dated": 4}
        best: dict[str, tuple[int, str]] = {}
        for e in entries:
            key = normalise_title(e.title)
            t.titles[key] = e
            book = _BW_BOOK.match(key)
            if book and e.bwb:
                t.bw_books[book.group(1)] = e.bwb
            if e.bwb:
                r = min(rank.get(h, 9) for h in e.how.split("+")) if e.how else 9
                if e.bwb not in best or r < best[e.bwb][0]:
                    best[e.bwb] = (r, e.title)
            if "dated" not in e.how.split("+"):     # dated titles are read by their own pattern (lower case too)
                _insert(t.title_trie, key.split(), key)
        t.names = {bwb: title for bwb, (_, title) in best.items()}
        for short, title, bwb, source, *flags in abbreviations:
            found = t.titles.get(normalise_title(title))
            ids = tuple(i for i in bwb.split(",") if i) or (found.ids if found else ())
            if len(ids) == 1 and found and found.ids != ids:
                raise ValueError(f"abbreviation {short!r}: {title!r} is {','.join(found.ids)} in the titles, not {bwb}")
            t.abbreviations[short] = TitleEntry(title=title, ids=ids, how="abbreviation: " + source)
            if flags and flags[0]:
                t.article_only.add(short)
            if len(ids) == 1 and (ids[0] not in best or best[ids[0]][0] >= rank["dated"]):
                best[ids[0]] = (rank["title"], title)   # a checked name beats a dated official title
                t.names[ids[0]] = title
            words = _TOKEN.findall(short)
            _insert(t.abbreviation_trie, words, short)
            if words[0] == "Wet":                     # 'de wet BRP', 'de wet SUWI'
                _insert(t.abbreviation_trie, ["wet"] + words[1:], short)
            key = normalise_title(title)
            if key not in t.titles:                   # a title the corpus lacks ('Wet open overheid', EU law)
                t.titles[key] = TitleEntry(title=title, ids=ids, how="abbreviation: " + source)
                _insert(t.title_trie, key.split(), key)
        if BW not in t.titles:
            t.titles[BW] = TitleEntry(title="Burgerlijk Wetboek", ids=(), how="books")
            _insert(t.title_trie, BW.split(), BW)
        return t

    def key_of(self, title: str) -> str:
        """The one key of a citation that resolved to no id, however it was written: an abbreviation's title
        ('AVG' -> 'algemene verordening gegevensbescherming'), else the title's words."""
        entry = self.abbreviations.get(title.strip())
        return normalise_title(entry.title if entry else title)

    def entry(self, key: str, abbreviation: bool) -> TitleEntry:
        return self.abbreviations[key] if abbreviation else self.titles[key]


def _insert(trie: dict, words: list[str], value: str) -> None:
    node = trie
    for w in words:
        node = node.setdefault(w, {})
    node[None] = value


# ------------------------------------------------------------------ article phrases

_ORDINAL = (r"(?:eerste|tweede|derde|vierde|vijfde|zesde|zevende|achtste|negende|tiende|elfde|twaalfde|"
            r"[a-z]+tiende|[a-z]*twintigste)")
NUM = r"(?:\d+[a-zA-Z]{0,3}(?:[.:]\d+[a-zA-Z]{0,3})*|[IVXL]{1,5}[A-Z]?)(?![\w:])"
_DETAIL = (rf"(?:{_ORDINAL}(?:\s*(?:,|en|of|tot en met)\s*{_ORDINAL})*\s+(?:lid|leden)"
           r"|(?:lid|leden)\s+\d+[a-z]?(?:\s*(?:,|en|of)\s*\d+[a-z]?)*"
           r"|onder(?:deel)?\s+[a-zA-Z0-9]{1,4}°?(?:\s*(?:,|en|of)\s*[a-zA-Z0-9]{1,4}°?)*"
           r"|sub\s+[a-z0-9]{1,4}|aanhef(?:\s+en\s+onder(?:deel)?\s+[a-z0-9]{1,4})?"
           rf"|{_ORDINAL}\s+(?:volzin|zin)|(?:lid|sub|onder)\s*\d+[a-z]?"
           r"|\(\w{1,3}\)(?:\(\w{1,3}\))*|categorie\s+\w{1,4}"
           r"|onderscheidenlijk\s+(?:onder(?:deel)?|categorie)\s+[a-zA-Z0-9]{1,4})")   # 'artikel 5(1)(c)', 'onder I'

_ITEM = rf"{NUM}(?:\s*,?\s*{_DETAIL})*"
_JOIN = r"\s*(?:,|\ben\b|\bof\b|\btot\s+en\s+met\b|\bt/m\b|[-–]|\bjo\.?|\bonderscheidenlijk\b)\s*"
_ART = r"(?:[Aa]rtikel(?:en)?|ARTIKEL(?:EN)?|[Aa]rtt?\.|[Aa]rt\b)"
_LIST = rf"{_ITEM}(?:{_JOIN}(?:{_ART}\s+)?{_ITEM})*"
# 'artikel 2.3.2, eerste lid, van de' right before a title; 'Boek 5 van het' before the Burgerlijk Wetboek
_ARTICLE_BEFORE = re.compile(
    rf"\b{_ART}\s*(?P<list>{_LIST})\s*,?\s*(?:(?:van|uit|in|bij|volgens)\s+(?:de|het)|der|van|de|het)?\s*"
    rf"(?:(?:[Bb]oek)\s+(?P<book>\d+[a-z]?)\s+(?:van\s+(?:de|het)\s+)?)?$")
_BOOK_BEFORE = re.compile(r"\b[Bb]oek\s+(?P<book>\d+[a-z]?)\s+(?:van\s+(?:het|de)\s+)?$")
# 'Gemeentewet, artikel 172', 'Gemeentewet. Artikel 172' (same line), 'Burgerlijk Wetboek Boek 7'
_ARTICLE_AFTER = re.compile(rf"(?:[ \t]*[,.:(]?[ \t]*|[ \t]+)(?:{_ART})[ \t]*(?P<list>{_LIST})")
_BOOK_AFTER = re.compile(r",?\s*[Bb]oek\s+(?P<book>\d+[a-z]?)\b")
_NUMBERS = re.compile(NUM)
_DETAIL_RE = re.compile(_DETAIL)
LEFT_WINDOW = 240
_TRAILING_BRACKETS = re.compile(r"\(([^()]{3,150})\)\s*$")
_DEFINITION = re.compile(r"\s*\((?P<short>[A-Z][A-Za-z]{1,7}(?:[ -]\d{4})?)\)")   # 'Wet politiegegevens (Wpg)'

MONTHS = "januari|februari|maart|april|mei|juni|juli|augustus|september|oktober|november|december"
_DATED = re.compile(rf"\b(?P<head>(?:[Ww]et|[Rr]ijkswet|[Bb]esluit|[Rr]egeling|[Bb]eschikking)\s+van\s+\d{{1,2}}\s+"
                    rf"(?:{MONTHS})\s+\d{{4}})\b(?P<stb>\s*\((?:Stb|Stcrt|Trb)\.?\s*\d{{4}},?\s*(?:nr\.\s*)?\d+\))?")
_EU = re.compile(r"\b(?P<head>(?:[Vv]erordening|[Rr]ichtlijn|[Bb]esluit|[Kk]aderbesluit)\s*(?:\((?:EU|EG|EEG|EGKS)\)\s*,?\s*)?"
                 r"(?:(?:nr|nummer)\.?\s*)?(?:\d{2,4}/\d{1,4}(?:/(?:EU|EG|EEG))?|\d{3,4}/\d{4}))(?![\w/])")
# 'de Wet op de huurcommissies': a title by its words, up to a word that cannot be in one
_STOP = (r"(?:en|of|is|zijn|wordt|worden|werd|van|de|het|een|die|dat|te|in|met|voor|als|bij|op|aan|om|zoals|niet|"
         r"ook|zal|zullen|heeft|hebben|kan|kunnen|moet|door|ter|tot|naar|over|uit|onder|tegen|per|waarin|waarbij|"
         r"indien|dan|wel|nog|daaraan|daarvan|genoemde|bedoelde|gestelde|geldt|ingetrokken)\b")
_WORDS_TITLE = re.compile(
    rf"\b(?P<word>Wet)\s+(?:op|inzake|betreffende)\s+(?:de|het)\s+(?!{_STOP})[a-zäëïöüé][\w-]+"
    rf"(?:[ \t]+(?!{_STOP})[a-zäëïöüé][\w-]+){{0,2}}")
# a capitalised compound naming a law or regulation: 'Invaliditeitswet', 'Vreemdelingenbesluit 2000',
# 'Afvalstoffenverordening Den Haag', 'Algemene Inspraakverordening (2016)'; the bare kind words are no title
_UNKNOWN_TITLE = re.compile(
    r"\b(?:Algemene\s+|Tijdelijke\s+)?(?P<word>[A-Z][a-zäëïöüé]{2,}(?:wet|besluit|wetboek)|[A-Z][a-zäëïöüé]{2,}verordening"
    r"(?:[ \t]+(?:gemeente[ \t]+)?[A-Z][a-z]+(?:[ \t]+[A-Z][a-z]+)?)?)(?:[ \t]+\(?\d{4}\)?)?\b")
KIND_WORDS = {"Rijkswet", "Kaderwet", "Invoeringswet", "Wijzigingswet", "Aanpassingswet", "Verzamelwet",
              "Reparatiewet", "Goedkeuringswet", "Begrotingswet", "Uitvoeringswet", "Intrekkingswet", "Spoedwet",
              "Wijzigingsbesluit", "Intrekkingsbesluit", "Uitvoeringsbesluit", "Inwerkingtredingsbesluit",
              "Delegatiebesluit", "Mandaatbesluit", "Raadsbesluit", "Collegebesluit", "Instellingsbesluit",
              "Wijzigingsverordening", "Basisverordening", "Uitvoeringsverordening", "Bouwverordening"}
_JCI = re.compile(r"(?:jci)?\d\.\d:[cv]:(?P<bwb>BWB[RV]\d{7})(?P<params>(?:&amp;|&|%26)[\w%:.=\-&;]*)?")
_EUR_LEX = re.compile(r"\b(CELEX|OJ):([0-9A-Z_]+)")
_URL = re.compile(r"https?://[^\s<>\"')\]]+")
_FRAGMENT_ARTICLE = re.compile(r"(?:^|[_-])[Aa]rtikel[-_]?(?P<art>\d+[a-zA-Z]{0,3}(?:[.:_]\d+[a-zA-Z]{0,3})*|[IVXL]+)")


_ROMAN = re.compile(r"(?i)[IVXL]{1,5}[A-Z]?")
_ARTICLE = re.compile(NUM)


def clean_article(raw: str) -> str:
    """'151C' -> '151c'; roman numerals stay upper case; a trailing dot goes."""
    raw = raw.strip().rstrip(".")
    return raw.lower() if raw[:1].isdigit() else raw.upper() if _ROMAN.fullmatch(raw) else raw


_RANGE = re.compile(r"^\s*(?:tot\s+en\s+met|t/m|[-–])\s*(?:[Aa]rt(?:ikel|\.)?\s*)?$")
MAX_RANGE = 50


def _articles(listing: str) -> list[str]:
    """The article numbers of 'artikelen 4:81 en 4:84', '2.3.2, eerste lid, onder b': the lid and onderdeel
    parts are detail, not articles. A range of plain numbers ('11 tot en met 14', '15 - 21') is every article
    in it."""
    listing = _DETAIL_RE.sub(" ", listing)
    out: list[str] = []
    previous = None
    for m in _NUMBERS.finditer(listing):
        number = clean_article(m.group(0))
        if (previous and _RANGE.match(listing[previous.end():m.start()]) and previous.group(0).isdigit()
                and number.isdigit() and 0 < int(number) - int(previous.group(0)) <= MAX_RANGE):
            out += [str(n) for n in range(int(previous.group(0)) + 1, int(number))]
        out.append(number)
        previous = m
    return out


def _bw(table: Table, article: str | None, book: str | None) -> tuple[str | None, str | None]:
    """Burgerlijk Wetboek: each book is its own regulation. '6:162' is article 162 of book 6."""
    if article and ":" in article:
        book, article = article.split(":", 1)
    return table.bw_books.get(book or ""), article


# ------------------------------------------------------------------ links and identifiers

def _jci_article(params: str) -> str | None:
    for part in re.split(r"&amp;|&|%26", unquote(params or "")):
        key, _, value = part.partition("=")
        if key == "artikel" and value:
            article = clean_article(value)
            return article if len(article) <= 20 and _ARTICLE.fullmatch(article) else None
    return None


def reference_from_link(href: str, table: Table, start: int = -1) -> Reference | None:
    """A link naming a BWB id (in its path or as a jci) -> a reference, with the article from the jci's
    'artikel=' or the fragment ('#Artikel225', '#Hoofdstuk1_Artikel1', '#artikel-225')."""
    m = _JCI.search(href)
    if m:
        bwb = m.group("bwb")
        return Reference(bwb, table.names.get(bwb, ""), _jci_article(m.group("params")), href, start, "jci")
    path, _, fragment = href.partition("#")
    eu = _EUR_LEX.search(unquote(href)) if "eur-lex.europa.eu" in href else None
    if eu:        # EU law has no BWB id: kept by its CELEX number or Official Journal reference
        return Reference(None, eu.group(1) + ":" + eu.group(2), None, href, start, "link")
    path = path.split("?", 1)[0]
    ids = [seg for seg in re.split(r"[/=]", path) if BWB_ID.fullmatch(seg)]
    if not ids:
        return None
    art = _FRAGMENT_ARTICLE.search(fragment)
    article = clean_article(art.group("art").replace("_", ".")) if art else None
    return Reference(ids[-1], table.names.get(ids[-1], ""), article, href, start, "link")


# ------------------------------------------------------------------ the extractor

def _title_matches(text: str, table: Table) -> list[tuple[int, int, str, bool]]:
    """(start, end, key, is_abbreviation) of the longest title or abbreviation at each word, left to right,
    never overlapping. A title starts with a capital; its words are apart by at most a few characters on one
    line."""
    tokens = [(m.start(), m.end(), m.group(0)) for m in _TOKEN.finditer(text)]
    out = []
    i = 0
    while i < len(tokens):
        best = None
        s, _, first = tokens[i]
        for trie, abbreviation in ((table.abbreviation_trie, True), (table.title_trie, False)):
            if not abbreviation and not first[:1].isupper():
                continue
            node, j, last = trie, i, None
            while j < len(tokens):
                word = tokens[j][2] if abbreviation else tokens[j][2].lower()
                if j > i:
                    gap = text[tokens[j - 1][1]:tokens[j][0]]
                    if len(gap) > 3 or "\n" in gap:
                        break
                node = node.get(word)
                if node is None:
                    break
                if None in node:
                    last = (j, node[None])
                j += 1
            if last and (best is None or tokens[last[0]][1] > best[1]):
                best = (s, tokens[last[0]][1], last[1], abbreviation, last[0])
        if best:
            out.append(best[:4])
            i = best[4] + 1
        else:
            i += 1
    return out


class _Taken:
    """The characters of a text already read as part of a citation: a mask, so asking whether a span is free
    costs its length, not the number of citations found so far (a citation-dense text of 1 MB took 43 s)."""

    def __init__(self, size: int):
        self.mask = bytearray(size)

    def free(self, s: int, e: int) -> bool:
        return self.mask.find(1, s, e) < 0

    def add(self, span: tuple[int, int]) -> None:
        s, e = span
        self.mask[s:e] = b"\x01" * (e - s)


def extract_references(text: str, links: Iterable[str] = (), table: Table | None = None,
                       self_id: str | None = None, self_title: str = "") -> list[Reference]:
    """Every reference in a document's text and its links, in the order found (text first, then links).
    `self_id` and `self_title` are the document's own BWB id and title: a regulation naming itself is no
    reference ('Participatieverordening Rotterdam 2015 – Artikel 9' in that verordening)."""
    table = table or Table()
    text = unicodedata.normalize("NFC", text or "")
    refs: list[Reference] = []
    taken = _Taken(len(text))
    free = taken.free

    # identifiers written in the text: URLs, jci's, bare BWB ids
    for m in _URL.finditer(text):
        ref = reference_from_link(m.group(0), table, m.start())
        if ref:
            refs.append(ref)
            taken.add(m.span())
    for m in _JCI.finditer(text):
        if free(*m.span()):
            refs.append(Reference(m.group("bwb"), table.names.get(m.group("bwb"), ""),
                                  _jci_article(m.group("params")), m.group(0), m.start(), "jci"))
            taken.add(m.span())
    for m in BWB_ID.finditer(text):
        if free(*m.span()):
            refs.append(Reference(m.group(0), table.names.get(m.group(0), ""), None, m.group(0), m.start(), "link"))
            taken.add(m.span())

    def itself(entry: TitleEntry | None) -> bool:
        """The document's own title (also a dated one that several regulations share)."""
        return bool(self_id and entry and self_id in entry.ids)

    # dated and EU citations
    for pattern, lookup in ((_DATED, True), (_EU, False)):
        for m in pattern.finditer(text):
            if not free(*m.span()):
                continue
            head = m.group("head")
            entry = table.titles.get(normalise_title(head)) if lookup else None
            taken.add(m.span())
            if not itself(entry):
                refs.extend(_with_articles(text, m.start(), m.end(), head, entry.bwb if entry else None, table))

    # citation titles and abbreviations, then the abbreviations the document defines itself ('de Wet
    # politiegegevens (Wpg)'), wherever they occur
    local: dict[str, TitleEntry] = {}
    for s, e, key, abbreviation in _title_matches(text, table):
        if not free(s, e) or _in_compound(text, s, e):
            continue
        entry = table.entry(key, abbreviation)
        if itself(entry):
            taken.add((s, e))
            continue
        found = _with_articles(text, s, e, text[s:e], entry.bwb, table, bw=normalise_title(entry.title) == BW)
        if abbreviation and key in table.article_only and all(r.article is None for r in found):
            continue
        refs.extend(found)
        taken.add((s, e))
        defined = _DEFINITION.match(text, e)
        if defined and not abbreviation:
            taken.add(defined.span())             # '(AVG)' right after its title is part of that citation
            if defined.group("short") not in table.abbreviations:
                local.setdefault(defined.group("short"), entry)
    for short, entry in local.items():
        for m in re.finditer(rf"(?<![\w-]){re.escape(short)}(?![\w-])", text):
            if free(*m.span()):
                refs.extend(_with_articles(text, m.start(), m.end(), short, entry.bwb, table))
                taken.add(m.span())
    # titles of regulations the table does not know: 'Huurprijzenwet', 'Afvalstoffenverordening Den Haag'
    for m in [*_UNKNOWN_TITLE.finditer(text), *_WORDS_TITLE.finditer(text)]:
        if free(*m.span()) and m.group("word") not in KIND_WORDS and not _in_compound(text, *m.span()):
            refs.extend(_with_articles(text, m.start(), m.end(), m.group(0), None, table))
            taken.add(m.span())

    refs.sort(key=lambda r: r.start)
    for href in links:
        ref = reference_from_link(href, table)
        if ref:
            refs.append(ref)
    own = {normalise_title(self_title)} | {normalise_title(m.group(1)) for m in _TRAILING_BRACKETS.finditer(self_title)}
    return [r for r in refs if not (self_id and r.target == self_id)
            and not (self_title and r.target is None and r.kind == "text" and normalise_title(r.title) in own)]


def _in_compound(text: str, s: int, e: int) -> bool:
    """'Wmo-ondersteuning', 'ANW-gerechtigden': the name is part of a word, not a citation."""
    return (text[e:e + 1] == "-" and text[e + 1:e + 2].isalpha()) or (s > 1 and text[s - 1] == "-" and text[s - 2].isalpha())


def _with_articles(text: str, s: int, e: int, title: str, target: str | None, table: Table,
                   bw: bool = False) -> list[Reference]:
    """The citation of a title at text[s:e] with the articles cited right before it ('artikel 5 van de') or
    right after it on the same line ('Gemeentewet, artikel 172'); one reference per article."""
    window_start = max(0, s - LEFT_WINDOW)
    before = _ARTICLE_BEFORE.search(text, window_start, s)
    book = None
    if before:
        start, listing, book = before.start(), before.group("list"), before.group("book")
    else:
        start, listing = s, ""
        if bw:
            b = _BOOK_BEFORE.search(text, window_start, s)
            if b:
                book, start = b.group("book"), b.start()
    end = e
    if bw and not book:
        b = _BOOK_AFTER.match(text, e)
        if b:
            book, end = b.group("book"), b.end()
    if not listing:
        after = _ARTICLE_AFTER.match(text, end)
        if after:
            listing, end = after.group("list"), after.end()
    source = text[start:end]
    articles = _articles(listing) or [None]
    out = []
    for article in articles:
        tgt, art = (_bw(table, article, book) if bw else (target, article))
        out.append(Reference(tgt, title, art, source, start, "text"))
    return out
