"""The results page's fast paths show exactly what their plain definitions show.

Pieces of a results page run a faster form than the obvious one (see their docstrings): the words a snippet marks
(search.marks.Marker.spans, against the analyzer's own token stream), the best passage of a long text
(snippets._needles_held, against searching the lowered text), the facet values' order (two sorts, against one
by a composite key), the facet value links (Facet.links, against a template macro per value) and, in the tantivy
engine, which query terms each hit matched (a search per batch of clauses, against a search per clause). Each is
checked against its definition, and whole pages rendered with the fast forms are the pages the definitions
render, for queries of the officials' query log on every engine.
"""
from __future__ import annotations

import random
from pathlib import Path
from urllib.parse import quote_plus

import jinja2
from markupsafe import Markup
import pytest

from lang.analysis import dutch_analyzer, stems
from search import marks, snippets
from search.marks import Marker
from search_app import create_app, pages
from search_app.facets import FACET_BY_PARAM, Facet

QUERY_LOG = Path(__file__).resolve().parent.parent / "bench" / "query-log.txt"


def spans_by_tokens(analyzer, text: str, terms: set[str]) -> list[tuple[int, int]]:
    """The definition: the characters of every token the analyzer yields whose term is asked for."""
    return sorted({(t.startchar, t.endchar) for t in analyzer(text, positions=True, chars=True) if t.text in terms})


def needles_in_lowered_text(body: str, needles: list[str], spans: list[tuple[int, int]]) -> list[int]:
    """The definition: how many needles each span of the lowered text holds."""
    lower = body.lower()
    return [sum(1 for n in needles if n in lower[start:end]) for start, end in spans]


MACRO = jinja2.Environment(autoescape=True).from_string(
    '{% for fv in values %}\n      <li><a href="{{ fv.toggle_url }}"{% if fv.selected %} class="selected" '
    'aria-current="true"{% endif %} data-facet="{{ facet.param }}" data-value="{{ fv.value }}">\n        '
    '<span class="box" aria-hidden="true">{% if fv.selected %}☑{% else %}☐{% endif %}</span>{{ fv.label }}'
    '<span class="count">{{ fv.count }}</span></a></li>\n    {% endfor %}')


def links_by_macro(facet: Facet, values) -> str:
    """The definition: the template macro each value was rendered with."""
    return Markup(MACRO.render(facet=facet, values=values))


def test_marked_words_are_the_token_streams_for_text_after_text():
    """The marker remembers which words carry which terms across texts: later texts and other terms still get
    exactly the token stream's words (compounds for their parts, elided compounds, no stop words, accents)."""
    ana = dutch_analyzer()
    marker = Marker(ana)
    texts = ["De woningtoewijzing en het jeugd- en gezinsbeleid van de gemeente; de Woning.",
             "Woningbouw, huur- en koopwoningen: de coördinatie van re-integratie en auto's.",
             "Art. 1.2 van de Woningwet; het woningbouwprogramma en de WONINGEN van 's-Hertogenbosch.",
             "Zo'n gemeente-overleg over jeugdhulp; de gemeenten en hun jeugd- of gezinsbeleid."]
    queries = ["woning", "gezinsbeleid de", "coordinatie reintegratie auto", "bouw programma", "jeugd gemeente",
               "hertogenbosch woningwet", "overleg zon"]
    for _ in range(2):   # the second round: every word already known
        for text in texts:
            for q in queries:
                terms = set(stems(q, decompound=True)) | set(stems(q))
                assert marker.spans(text, terms) == spans_by_tokens(ana, text, terms), (text, q)


def test_every_term_a_word_carries_holds_its_carry_key_in_the_folded_word():
    """Marker.spans analyses a new word only when it holds the carry_key of a term asked for: sound only if every term
    a word carries (its own and its compound parts') has its key in the word, folded and without hyphens. Checked
    on the whole Snowball Dutch vocabulary and on words whose end the stemmer rewrites or whose letters fold."""
    from lang.analysis import fold
    from search.marks import carry_key
    vocabulary = (Path(__file__).parent / "fixtures" / "snowball-dutch" / "voc.txt").read_text(encoding="utf-8").split()
    own = ["snelheden", "maximumsnelheden", "Eenhedenbesluit", "maan", "broodjes", "İnburgeringsbeleid", "\u212aelvin",
           "coördinatie-overleg", "re-integratie", "auto's", "zo'n", "'s-Hertogenbosch", "WONINGTOEWIJZING",
           "ziektewetuitkering", "bestemmingsplannen", "huur-", "e-mail"]
    ana, missing = dutch_analyzer(), []
    for raw in vocabulary + own:
        stopped, term, parts = ana.word(raw)
        flat = fold(raw).replace("-", "")
        missing += [(raw, t) for t in ((term, *parts) if not stopped else ()) if carry_key(t) not in flat]
    assert len(vocabulary) > 40_000
    assert missing == []


def test_a_word_met_first_is_analysed_only_when_it_may_carry_a_term_asked_for_and_met_again_always():
    ana = dutch_analyzer()
    marker = Marker(ana)
    text = "De snelheden van de woningbouw en het onderwijs in de gemeente."
    assert marker.spans(text, {"snelheid"}) == [(3, 12)]
    assert "snelheden" in marker._carrying and "onderwijs" not in marker._carrying   # no key of snelheid in it
    assert marker.spans("Het onderwijs.", {"snelheid"}) == [] and "onderwijs" in marker._carrying   # met again
    terms = set(stems("onderwijs woning"))
    assert marker.spans(text, terms) == spans_by_tokens(ana, text, terms)
    assert {"onderwijs", "woningbouw"} <= marker._carrying


def test_marked_words_past_the_index_of_carried_words_are_checked_one_by_one(monkeypatch):
    monkeypatch.setattr(marks, "CARRIED_WORDS", 5)
    ana = dutch_analyzer()
    marker = Marker(ana)
    for text in ["De woningen en de woningbouw in de gemeente.", "Gemeentelijke woningtoewijzing; jeugd- en gezinsbeleid."]:
        for q in ["woning", "gemeente", "gezinsbeleid bouw"]:
            terms = set(stems(q, decompound=True))
            assert marker.spans(text, terms) == spans_by_tokens(ana, text, terms), (text, q)
    assert len(marker._carrying) < 20


def test_marked_words_match_on_the_corpus_texts(corpus_data):
    from store.crawl_store import CrawlStore
    ana, rng = dutch_analyzer(), random.Random(18)
    marker = Marker(ana)
    queries = [q for q in QUERY_LOG.read_text(encoding="utf-8").splitlines() if q and not q.startswith("#")]
    for record in CrawlStore(corpus_data[0] / "crawl.sqlite3", readonly=True).documents():
        for q in rng.sample(queries, 3):
            terms = set(stems(q, decompound=True))
            text = record.text[:snippets.MARK_CHAR_LIMIT]
            assert marker.spans(text, terms) == spans_by_tokens(ana, text, terms), (record.url, q)


@pytest.mark.parametrize("body, needles", [
    ("Artikel 1 De Gemeente en de WONING. " * 40, ["gemeent", "woning", "artikel"]),
    ("De İstanbul-regeling en het İnburgeringsbeleid. " * 30, ["inburgeringsbeleid", "istanbul", "regeling"]),
    ("Een temperatuur van 300 \u212aelvin en de kosten. " * 30, ["kelvin", "kosten"]),
    ("Coördinatie, coordinatie en ÉÉN regeling? Ja? " * 30, ["coördinatie", "een", "ja?", "coordinatie"]),
    ("Straße und Maßnahmen, STRASSE. " * 30, ["straße", "strasse", "masnahm"]),
    ("Het coördinatie’s-overleg — de Gemeente’s beleid… “WONEN” ë? " * 30, ["gemeent", "overleg", "won", "s-o"]),
    ("kort", ["kort"]),
])
def test_passage_counts_are_those_of_the_lowered_text(body, needles):
    rng = random.Random(len(body))
    spans = [(0, len(body)), (len(body) // 2, len(body)), (0, 50), (40, 45), (len(body) + 5, len(body) + 9),
             (30, 10), (0, 10**9)]
    spans += [tuple(sorted(rng.sample(range(len(body) + 20), 2))) for _ in range(60)]
    for n in needles:   # around an occurrence: a character short of it, exactly it, one more on either side
        at = body.lower().find(n, len(body) // 3)
        spans += [(at, at + len(n) - 1), (at + 1, at + len(n)), (at, at + len(n)), (at - 1, at + len(n) + 1)]
    spans += [(start, start + rng.randrange(12)) for start in rng.sample(range(len(body)), min(len(body), 60))]
    rng.shuffle(spans)   # passages nest and need not come in text order
    assert snippets._needles_held(body, needles, spans) == needles_in_lowered_text(body, needles, spans)
    spans += [(-60, -1), (-60, len(body))]   # counted from the end, as a slice counts
    assert snippets._needles_held(body, needles, spans) == needles_in_lowered_text(body, needles, spans)


def test_facet_links_are_the_macros_markup():
    facet = FACET_BY_PARAM["gemeente"]
    counts = [("Gemeente 's-Hertogenbosch", 3), ('a&b="c" <d>', 2), ("Súdwest-Fryslân", 1), ("Breda", 1)]
    for args in ([("q", "wmo & jeugd"), ("gemeente", "Breda"), ("pagina", "2")], [], [("gemeente", "x<y")]):
        values = facet.values("/zoeken", args, counts, {"Breda": "Breda <stad>"})
        assert facet.links(values) == links_by_macro(facet, values)


def matched_by_a_search_per_clause(self, reader, hits, query, origins) -> dict:
    """The definition: a hit matched a clause's terms when the clause, restricted to the page's hits, finds it."""
    from tantivy import Occur, Query
    out = {h.docnum: set() for h in hits}
    if hits:
        keys = self._keys(reader, hits)
        for wanted, condition in self._leaf_clauses(reader, query, origins, keys):
            found = reader.searcher.search(Query.boolean_query([(Occur.Must, keys), (Occur.Must, condition)]),
                                           len(hits), count=False).hits
            for _, a in found:
                out[(a.segment_ord, a.doc)] |= wanted
    return out


def test_facet_values_are_ordered_by_count_then_alphabetically_whatever_order_they_come_in():
    from search.engine import facet_order
    rng = random.Random(7)
    counted = [(f"BWBR{rng.randrange(10**6):07d}", rng.choice((1, 1, 1, 2, 3, 9))) for _ in range(500)]
    counted += [("wonen", 9), ("bestuur", 9), ("zorg", 2)]
    expected = sorted(counted, key=lambda kv: (-kv[1], kv[0]))   # the definition
    for _ in range(3):
        rng.shuffle(counted)
        assert facet_order(counted) == expected
    assert facet_order([("wonen", 9), ("bestuur", 9), ("zorg", 12)]) == [("zorg", 12), ("bestuur", 9), ("wonen", 9)]


def test_tantivy_tells_each_hits_matched_terms_apart_in_batches(tantivy_index, monkeypatch):
    """Batches of two clauses here, so that queries of several clauses take several batches."""
    from search import tantivy_engine
    from search.engine import SearchRequest
    from search.engines import open_engine
    engine = open_engine(tantivy_index, cache_size=0)
    monkeypatch.setattr(tantivy_engine, "FLAGS", 2)
    queries = log_queries(40) + ["woning*", "jeugd* zorg", '"sociaal domein" wmo', "bijstand OR participatiewet"]
    fast = [engine.search(SearchRequest(q=q)) for q in queries]
    assert sum(bool(h.why) for r in fast for h in r.hits) >= 40
    monkeypatch.setattr(tantivy_engine.TantivySearchEngine, "_matched_terms", matched_by_a_search_per_clause)
    for q, result in zip(queries, fast):
        assert [(h.snippet, h.why) for h in engine.search(SearchRequest(q=q)).hits] == \
            [(h.snippet, h.why) for h in result.hits], q


def document_links_by_url_for(came_from: str):
    """The definition: url_for for every link to a document."""
    from flask import url_for
    return lambda doc_id, anchor="": url_for("pages.document", doc_id=doc_id, zoek=came_from or None,
                                             _anchor=anchor or None)


def test_document_links_are_url_fors(monkeypatch):
    app = create_app({"TESTING": True, "INDEX_DIR": "/nonexistent"})
    for came_from in ("", "q=woning+bouw&thema=wonen", "q=%C3%A9%C3%A9n+%26+%22twee%22"):
        with app.test_request_context("/zoeken"):
            fast, plain = pages.document_links(came_from), document_links_by_url_for(came_from)
            for doc_id, anchor in [("a1b2c3", ""), ("a1b2c3", "artikel-4.1"), ("x9", "art 2 lid 3/ä?#"),
                                   ("not/an id", "p-2"), ("é1", "")]:
                assert fast(doc_id, anchor) == plain(doc_id, anchor), (came_from, doc_id, anchor)


def log_queries(n: int) -> list[str]:
    queries = [q for q in QUERY_LOG.read_text(encoding="utf-8").splitlines() if q and not q.startswith("#")]
    return queries[::len(queries) // n][:n]


def test_results_pages_are_the_pages_of_the_definitions(index_url, monkeypatch):
    """Whole pages (hits, snippets and their marks, best passages, facets, links), every engine: the fast paths
    against the definitions, with the result cache off so both renderings search."""
    client = create_app({"TESTING": True, "INDEX_DIR": index_url, "RESULT_CACHE": 0}).test_client()
    urls = [f"/zoeken?q={quote_plus(q)}" for q in log_queries(30)]
    urls += ["/zoeken?q=schuldhulpverlening", "/zoeken?q=woningbouw&pagina=2", "/zoeken?q=jeugd-+en+gezinsbeleid",
             "/zoeken?q=participatiewet&sort=datum", "/zoeken?q=woning*", "/zoeken?q=bijstand&type=wet", "/zoeken"]
    fast = {url: client.get(url).get_data(as_text=True) for url in urls}
    assert sum("<mark>" in html for html in fast.values()) >= 10 and all('class="facet"' in h for h in fast.values())
    monkeypatch.setattr(Marker, "spans", lambda self, text, terms: spans_by_tokens(self.analyzer, text, terms))
    monkeypatch.setattr(snippets, "_needles_held", needles_in_lowered_text)
    monkeypatch.setattr(Facet, "links", links_by_macro)
    monkeypatch.setattr(pages, "document_links", document_links_by_url_for)
    from search.tantivy_engine import TantivySearchEngine
    monkeypatch.setattr(TantivySearchEngine, "_matched_terms", matched_by_a_search_per_clause)
    for url in urls:
        assert client.get(url).get_data(as_text=True) == fast[url], url
