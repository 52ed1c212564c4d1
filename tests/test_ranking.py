"""How words meet documents: hyphens, spelling variants, elided compounds, a compound's head against its
modifier, and the result set of a query with several concepts. Each mechanism on hand-made documents, on
every search backend (the examples are ours, not queries of any evaluation set)."""
import pytest

from store.crawl_store import CrawlStore
from lang.analysis import complete_elisions, stems
from search.engines import open_engine
from search.engine import FALLBACK_NOTICE, SearchRequest
from search.whoosh_engine import SearchEngine

DOCS = {
    # hyphen and spelling variants of one word (Dutch spelling moved between them)
    "hyphen": ("Verordening re-integratie", "Regels over re-integratie van werkzoekenden."),
    "diaeresis": ("Beleid reïntegratie", "De reïntegratie van uitkeringsgerechtigden."),
    "joined": ("Nota reintegratie", "Reintegratie naar betaald werk."),
    "email": ("Contact", "Stuur een e-mail aan de afdeling."),
    "exclusive": ("Reglement", "Het re-examen is voor studenten; integratie van vakken is geregeld."),
    # an elided compound and an apostrophe plural
    "elided": ("Nota jeugd- en gezinsbeleid", "Het college stelt het jeugd- en gezinsbeleid vast."),
    "risks": ("Register", "De risico's van het systeem worden beschreven."),
    # a compound's informative modifier against its frequent head
    "dogtax": ("Verordening", "Artikel 1. De gemeente heft een belasting op het houden van honden."),
    "vat": ("Omzetbelasting tabel", "Omzetbelasting, belasting, belasting op goederen. Belastingtarief voor "
            "levering. " + "Algemene tekst over tarieven. " * 20 + "Voer voor honden valt onder tabel I."),
    "tax": ("Belastingverordening", "De belasting wordt geheven naar de waarde."),
    "remit": ("Kwijtschelding", "Kwijtschelding van belastingen voor inwoners met een laag inkomen."),
    "leash": ("Aanlijngebod", "Honden moeten in het park aangelijnd zijn."),
    # a question's topic (a subsidy application) against a text that only shares the question's frame
    "apply": ("Subsidieregeling", "Een aanvraag voor subsidie dient u in bij het college."),
    "frame": ("Werkwijze", "Hoe wij het maken: wij doen het samen en maken afspraken over subsidie."),
    # several concepts: documents with all of them, with one of them
    "both": ("Schuldhulp voor jongeren", "Schuldhulpverlening aan jongeren tot 27 jaar."),
    "both2": ("Jongeren en geld", "Jongeren met schulden: de schuldhulpverlening helpt."),
    "both3": ("Plan", "Schuldhulpverlening kent een aanpak voor jongeren."),
    "one": ("Schuldhulpverlening", "Het college biedt schuldhulpverlening aan inwoners."),
    "other": ("Jongerenwerk", "Jongeren in de wijk krijgen begeleiding."),
}


@pytest.fixture(scope="module", params=["whoosh", "tantivy", "postgresql"])
def index_url(request, tmp_path_factory):
    from indexer.backends import index_store
    tmp = tmp_path_factory.mktemp("ranking")
    store = CrawlStore(tmp / "crawl.sqlite3")
    for key, (title, text) in DOCS.items():
        store.record_content(run_id=None, site="t", url=f"http://t.nl/{key}", status=200, content_type="text/html",
                             body=(title + text).encode(), indexable=True,
                             extract={"title": title, "text": title + "\n" + text,
                                      "passages": [{"anchor": "a", "heading": title, "text": text}],
                                      "meta": {"organisation": "Gemeente Tilburg"}})
    url = {"whoosh": str(tmp / "index"), "tantivy": f"tantivy:///{tmp / 'tantivy'}"}.get(request.param) \
        or request.getfixturevalue("postgres").create_database()
    index_store(store, url, rebuild=True, progress=False)
    return url


@pytest.fixture(scope="module")
def engine(index_url):
    return open_engine(index_url, cache_size=0)


@pytest.fixture(scope="module")
def strict_engine(index_url):
    """Every concept and nothing else, unless that is nothing at all (fill_below=1 instead of a page)."""
    from dataclasses import replace
    from search.query import DEFAULT_WEIGHTS
    return open_engine(index_url, replace(DEFAULT_WEIGHTS, fill_below=1), cache_size=0)


def found(engine, q, **kw):
    return [h.url.rsplit("/", 1)[-1] for h in engine.search(SearchRequest(q=q, page_size=20, **kw)).hits]


def test_a_word_internal_hyphen_joins_and_does_not_exclude(engine):
    hits = found(engine, "re-integratie")
    assert {"hyphen", "diaeresis", "joined"} <= set(hits)
    assert "exclusive" not in hits            # "re" and "integratie" apart are not re-integratie
    assert found(engine, "e-mail") == ["email"]


def test_spelling_variants_of_a_word_find_the_same_documents(engine):
    sets = [set(found(engine, q)) for q in ("re-integratie", "reïntegratie", "reintegratie")]
    assert sets[0] == sets[1] == sets[2]


def test_a_leading_minus_still_excludes(engine):
    assert "email" not in found(engine, "afdeling -e-mail")
    assert found(engine, "integratie -reglement") and "exclusive" not in found(engine, "integratie -reglement")


def test_an_elided_compound_is_the_word_it_stands_for():
    assert stems("jeugd- en gezinsbeleid") == stems("jeugdbeleid gezinsbeleid")
    assert stems("bouw- en woningtoezicht") == stems("bouwtoezicht woningtoezicht")
    assert stems("wacht- en doorlooptijd") == stems("wachttijd doorlooptijd")
    assert complete_elisions("jeugd- en gezinsbeleid") == "jeugdbeleid en gezinsbeleid"
    assert complete_elisions("subsidie -sport") == "subsidie -sport"


def test_an_elided_compound_in_a_document_is_found_by_its_full_form(engine):
    assert found(engine, "jeugdbeleid") == ["elided"]
    assert found(engine, "jeugd- en gezinsbeleid") == ["elided"]


def test_apostrophe_plurals_are_the_word(engine):
    assert found(engine, "risico") == ["risks"] and found(engine, "risico's") == ["risks"]


def test_a_compounds_parts_count_only_together(engine, strict_engine):
    """hondenbelasting: the part 'belasting' on its own, far from 'honden', is no evidence; together (one
    compound or a few words apart: "belasting op het houden van honden") they are."""
    assert found(engine, "hondenbelasting")[0] == "dogtax"
    assert "vat" not in found(strict_engine, "hondenbelasting")


def test_a_rare_compound_is_followed_by_documents_with_its_modifier_but_not_its_head(engine):
    """Few documents hold hondenbelasting: after them come documents about honden (the modifier, related
    evidence), never documents that only share the frequent head 'belasting'."""
    hits = found(engine, "hondenbelasting")
    assert hits[0] == "dogtax" and "vat" in hits[1:]
    assert "tax" in found(engine, "belasting") and "tax" not in hits


def test_a_compounds_modifier_is_its_first_constituent():
    """[[ziekte wet] uitkering]: related evidence is the Ziektewet, not every text on ziekte."""
    from search.query import QueryBuilder, first_constituent
    assert first_constituent("ziektewetuitkering", ["ziekte", "wet", "uitkering", "ziektewet"]) == "ziektewet"
    assert first_constituent("hondenbelasting", ["honden", "belasting"]) == "honden"
    assert first_constituent("belasting", []) == ""
    built = QueryBuilder().build("mantelzorgondersteuning")
    assert {t.text for m in built.modifiers for t in m.subqueries} == {"mantelzorg"}


def test_a_small_set_of_several_concepts_is_filled_with_a_compounds_modifier_not_its_head(engine, strict_engine):
    """No document holds both hondenbelasting and kwijtschelding, and fewer than a page hold either: those come
    first, then documents on honden (the compound's modifier); documents sharing only the head 'belasting' come
    through kwijtschelding or not at all. When enough documents hold a concept (fill_below=1), no document that
    holds only a modifier is added."""
    hits = found(engine, "hondenbelasting kwijtschelding")
    assert set(hits[:2]) == {"dogtax", "remit"}
    assert "leash" in hits[2:] and "tax" not in hits
    assert "leash" not in found(engine, "hondenbelasting kwijtschelding -aangelijnd")
    assert set(found(strict_engine, "hondenbelasting kwijtschelding")) == {"dogtax", "remit"}


def test_a_questions_frame_is_not_its_topic():
    """In a question, the question word, the pronouns and the light verbs (hoe, ik, maak, krijgen) are read like
    stop words; the same verb typed as a keyword, and a question of frame words only, keep their words."""
    from search.query import QueryBuilder
    b = QueryBuilder()
    assert b.build("hoe maak ik bezwaar tegen een besluit").words == ["bezwaar", "besluit"]
    assert b.build("kan ik als mantelzorger een vergoeding krijgen").words == ["mantelzorger", "vergoeding"]
    assert b.build("bezwaar maken?").words == ["bezwaar"]   # a question by its question mark
    assert b.build("maak bezwaar").words == ["maak", "bezwaar"]   # not a question: every word counts
    assert b.build("hoe maken we het").words == ["maken", "we"]   # nothing but frame: nothing is dropped


def test_a_trailing_question_mark_is_punctuation_not_a_wildcard():
    from search.query import QueryBuilder
    from whoosh.query import Prefix, Wildcard
    q = QueryBuilder().build("hoe meld ik een datalek?")
    assert q.words == ["meld", "datalek"]
    assert not [t for t in q.query.leaves() if isinstance(t, (Prefix, Wildcard))]


def test_a_question_finds_its_topic_not_its_frame(strict_engine):
    """'hoe maak ik een subsidieaanvraag': the text on applying for a subsidy, not the one full of maken/doen."""
    assert found(strict_engine, "hoe maak ik een aanvraag voor subsidie")[0] == "apply"
    assert "frame" not in found(strict_engine, "hoe maak ik een aanvraag voor subsidie")


def test_the_result_set_holds_every_concept_of_the_query(strict_engine):
    assert set(found(strict_engine, "schuldhulpverlening jongeren")) == {"both", "both2", "both3"}
    assert set(found(strict_engine, "schuldhulpverlening")) == {"both", "both2", "both3", "one"}
    assert FALLBACK_NOTICE not in strict_engine.search(SearchRequest(q="schuldhulpverlening jongeren")).notices


def test_when_every_concept_finds_almost_nothing_most_of_them_are_shown_and_said(strict_engine):
    result = strict_engine.search(SearchRequest(q="schuldhulpverlening wijk"))
    urls = [h.url.rsplit("/", 1)[-1] for h in result.hits]
    assert FALLBACK_NOTICE in result.notices
    assert set(urls) == {"both", "both2", "both3", "one", "other"}


def test_a_small_every_concept_set_comes_first_and_most_of_the_concepts_follow(engine):
    """Fewer documents than a page hold every concept: they rank first whatever their scores, then the documents
    holding most of the concepts follow, and the page says so. Exports keep the same order."""
    result = engine.search(SearchRequest(q="schuldhulpverlening jongeren"))
    urls = [h.url.rsplit("/", 1)[-1] for h in result.hits]
    assert set(urls[:3]) == {"both", "both2", "both3"}
    assert {"one", "other"} <= set(urls[3:])
    assert FALLBACK_NOTICE in result.notices and result.total == len(urls)
    total, exported = engine.all_hits(SearchRequest(q="schuldhulpverlening jongeren"), 100)
    assert {h.url.rsplit("/", 1)[-1] for h in exported[:3]} == set(urls[:3]) and total == len(urls)


# ------------------------------------------------------------------ passage and n-gram evidence (Whoosh engine)
# Filler of ordinary policy words, none of them a query word below, so the documents differ only where said.
FILLER = ("Het college stelt regels over de uitvoering. De raad wordt jaarlijks geïnformeerd over de voortgang. "
          "Een aanvraag wordt binnen acht weken afgehandeld. Tegen het besluit staat bezwaar open. ")


def _long(*pieces):
    """Pieces of text separated by enough filler to be far apart (about 250 positions)."""
    return (" " + FILLER * 8).join(pieces)


PASSAGE_DOCS = {
    # the same length and about the same word counts; only how the words stand differs
    "scattered": ("Algemene wet", _long("Over groenbeheer.", "Over groenbeheer.", "Over bomenkap.",
                                        "Over groenbeheer.", "Over bomenkap.", "Over bomenkap.", "Over groenbeheer.")),
    "focused": ("Algemene wet", _long("Artikel 12. Groenbeheer en bomenkap: bij groenbeheer wordt bomenkap "
                                      "afgewogen; na bomenkap volgt herplant in het groenbeheer.", "Slot.",
                                      "Slot.", "Slot.", "Slot.", "Slot.", "Slot.")),
    # a word and another form of it that stemming does not join (mantelzorg / mantelzorgers)
    "variants": ("Notitie", "Ondersteuning van mantelzorgers. De mantelzorgers en hun mantelzorger krijgen "
                 "respijtzorg; mantelzorg is vrijwillig. " + FILLER),
    "once": ("Notitie", "De mantelzorg en nog eens mantelzorg komen hier voor. " + FILLER),
}


@pytest.fixture(scope="module")
def evidence_index(tmp_path_factory):
    from indexer.backends import index_store
    tmp = tmp_path_factory.mktemp("evidence")
    store = CrawlStore(tmp / "crawl.sqlite3")
    for key, (title, text) in PASSAGE_DOCS.items():
        store.record_content(run_id=None, site="t", url=f"http://t.nl/{key}", status=200, content_type="text/html",
                             body=(key + text).encode(), indexable=True,
                             extract={"title": title, "text": text,
                                      "passages": [{"anchor": "a", "heading": title, "text": text}],
                                      "meta": {"organisation": "Gemeente Breda"}})
    index_store(store, str(tmp / "index"), rebuild=True, progress=False)
    return tmp / "index"


def ranked(index, q, **weights):
    from dataclasses import replace
    from search.query import DEFAULT_WEIGHTS
    engine = SearchEngine(index, replace(DEFAULT_WEIGHTS, **weights), cache_size=0)
    return [h.url.rsplit("/", 1)[-1] for h in engine.search(SearchRequest(q=q, page_size=20)).hits]


def test_a_focused_article_outranks_the_same_words_scattered_over_a_long_text(evidence_index):
    """Both texts hold groenbeheer and bomenkap about as often and are as long; in one they stand together in
    one article. Without passage evidence (and without the proximity bonus, which only sees six positions) the
    scattered text, with a mention more, ranks first; the best window's score turns that round. (The weight is
    set here: this index of four documents gives every word a small IDF, the tuned weight is for real ones.)"""
    from search.query import DEFAULT_WEIGHTS
    assert DEFAULT_WEIGHTS.passage > 0
    assert ranked(evidence_index, "groenbeheer bomenkap", proximity=0.0, passage=0.0)[0] == "scattered"
    assert ranked(evidence_index, "groenbeheer bomenkap", proximity=0.0, passage=2.0)[0] == "focused"


def test_best_window_counts_concepts_together_not_the_whole_document():
    from search.passages import Concept, best_window, concept_positions
    # two concepts: one window holds both, elsewhere only one of them repeats
    together = best_window([[10, 500, 900], [15]], [1.0, 1.0], window=50)
    apart = best_window([[10, 500, 900], [300]], [1.0, 1.0], window=50)
    assert together > apart
    # a compound's parts count where they stand within its window
    parts = Concept(("hondenbelast",), ("hond", "belast"), window=3)
    assert concept_positions(parts, {"hond": [5, 80], "belast": [7, 200]}) == [5]


def test_character_grams_join_forms_that_stemming_keeps_apart():
    from lang.analysis import word_grams
    assert word_grams("wmo") == ("_wmo", "wmo_")
    shared = set(word_grams("mantelzorg")) & set(word_grams("mantelzorgers"))
    assert {"_man", "mant", "zorg"} <= shared


def test_of_a_long_query_word_only_its_rarest_grams_are_scored():
    """The commonest grams of a compound (ing_, heid) are in most documents: they say little and cost the most to
    score. A word keeps its `per_word` rarest grams (ties by the gram), grams no document holds are dropped, and a
    gram the query holds twice counts twice."""
    from lang.analysis import word_grams
    from search.engine import gram_counts
    word = "huisvestingsverordening"                        # 22 grams: _hui huis uisv … orde … ning ing_
    df = dict.fromkeys(word_grams(word), 100) | {"_hui": 3, "huis": 5, "vest": 5, "orde": 0, "ning": 900}
    assert set(gram_counts([word], df.get, 3)) == {"_hui", "huis", "vest"}
    assert set(gram_counts([word], df.get, 4)) == {"_hui", "huis", "vest", "deni"}   # deni: first of the ties
    everything = gram_counts([word], df.get, 0)
    assert set(everything) == set(word_grams(word)) - {"orde"}
    assert gram_counts(["wmo", "wmo"], lambda g: 1, 8) == {"_wmo": 2, "wmo_": 2}   # a short word keeps all its grams


def test_the_gram_field_ranks_a_text_full_of_the_words_forms_first(evidence_index):
    """'mantelzorg' twice against 'mantelzorg' once with four mantelzorger(s): the words alone prefer the first,
    the character grams see that the second is about the topic."""
    from search.query import DEFAULT_WEIGHTS
    assert DEFAULT_WEIGHTS.grams > 0
    assert ranked(evidence_index, "mantelzorg", grams=0.0, passage=0.0)[0] == "once"
    assert ranked(evidence_index, "mantelzorg", grams=4.0, passage=0.0)[0] == "variants"


def test_a_lone_digit_or_letter_is_no_search_word(engine):
    """'1' or 'a' occurs in nearly every text: as a query word it would match everything (a pasted
    '<script>alert(1)</script>' found thousands of documents); inside a quoted phrase it still counts."""
    result = engine.search(SearchRequest(q="1"))
    assert result.total == 0 and any("te algemeen" in n for n in result.notices)
    assert found(engine, "<script>alert(1)</script>") == []
    assert found(engine, "jongeren 1") == found(engine, "jongeren")


def test_a_lone_star_is_every_document_and_beside_words_adds_nothing(engine):
    """The parser reads '*' as every document of its own raw field, which the index does not have (a 500 before)."""
    everything = engine.search(SearchRequest(q="*", page_size=100))
    assert everything.total == len(DOCS) and not everything.notices
    assert found(engine, "jongeren *") == found(engine, "jongeren")


def test_postings_of_chosen_documents_are_read_right_across_segments_blocks_and_deletions():
    """The rescoring reads a term's postings only for the best matches, bisecting inside Whoosh's blocks: the
    answer must be what walking the postings one by one gives, over several segments, blocks of 128 postings and
    deleted documents."""
    from whoosh.fields import ID, TEXT, Schema
    from whoosh.filedb.filestore import RamStorage
    ix = RamStorage().create_index(Schema(id=ID(stored=True, unique=True), body=TEXT(phrase=True)))
    for start in (0, 400):                      # two segments, each several blocks long
        with ix.writer() as w:
            w.merge = False
            for n in range(start, start + 400):
                w.add_document(id=str(n), body="vergunning " * (1 + n % 3) + ("horeca" if n % 7 == 0 else "markt"))
    with ix.writer() as w:
        w.merge = False
        for n in (7, 14, 399, 406):
            w.delete_by_term("id", str(n))
    with ix.searcher() as s:
        assert len(s.leaf_searchers()) == 2
        wanted = sorted({0, 1, 5, 7, 21, 130, 131, 255, 256, 398, 399, 400, 406, 413, 600, 797, 799})
        live = [d for d in wanted if not s.reader().is_deleted(d)]
        got = SearchEngine._postings_for(s, "body", "horeca", live, lambda m: m.weight())
        expected = {d: 1.0 for d in live if int(s.stored_fields(d)["id"]) % 7 == 0}
        assert got == expected and 21 in got and 413 in got
        counts = SearchEngine._postings_for(s, "body", "vergunning", live, lambda m: m.weight())
        assert counts == {d: 1.0 + int(s.stored_fields(d)["id"]) % 3 for d in live}
        assert SearchEngine._postings_for(s, "body", "onbekend", live, lambda m: m.weight()) == {}


def test_the_fill_goes_one_step_at_a_time_and_ranks_by_tier():
    """fill(): every concept; then any concept; a compound's modifier alone only when any concept is small too.
    The tiers rank first whatever the scores (engine.every_concept_first)."""
    from types import SimpleNamespace as NS
    from dataclasses import replace
    from search.engine import every_concept_first, fill
    from search.query import DEFAULT_WEIGHTS

    sets = {"every": {1}, "any": {1, 2, 3}, "wide": {1, 2, 3, 4, 5, 6}}

    def match(q):
        return NS(total=len(sets[q.name]), ids=lambda: set(sets[q.name]))

    query = NS(name="every", wider=(NS(name="any", wider=()), NS(name="wide", wider=())))
    built, found, tiers = fill(query, DEFAULT_WEIGHTS, match, [])
    assert built.name == "wide" and tiers == ({1}, {1, 2, 3})
    built, found, tiers = fill(query, replace(DEFAULT_WEIGHTS, fill_below=3), match, [])
    assert built.name == "any" and tiers == ({1},)
    assert fill(query, replace(DEFAULT_WEIGHTS, fill_below=1), match, [])[2] is None
    hits = [NS(docnum=d) for d in (6, 5, 3, 1, 2)]
    assert [h.docnum for h in every_concept_first(hits, ({1}, {1, 2, 3}))] == [1, 3, 2, 6, 5]
