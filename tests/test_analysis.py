"""The Dutch analysis chain: what the index and the queries see."""
from pathlib import Path

import pytest
import Stemmer
from nltk.stem.snowball import SnowballStemmer

from lang.analysis import dutch_stem, stems
from lang.resources import dutch_stopwords
from whoosh.lang import stemmer_for_language

# Words from Dutch policy texts, with what the classic Snowball Dutch stemmer makes of them.
CLASSIC = {
    "gemeenten": "gemeent", "gemeente": "gemeent", "woningen": "woning", "woning": "woning",
    "schuldhulpverlening": "schuldhulpverlen", "inburgering": "inburger", "verordeningen": "verorden",
    "uitkeringen": "uitker", "bestemmingsplannen": "bestemmingsplann", "kinderen": "kinder",
}


@pytest.mark.parametrize("word,stem", sorted(CLASSIC.items()))
def test_classic_snowball_dutch_stems(word, stem):
    assert stems(word) == [stem]


def test_the_stemmer_is_nltks_classic_dutch_snowball_not_kraaij_pohlmann():
    """Whoosh's stemmer and NLTK's SnowballStemmer('dutch') are the same algorithm; the newer
    Snowball 'dutch' (Kraaij-Pohlmann based) turns gemeenten into 'meen', which must not run here."""
    ours, nltk = stemmer_for_language("nl"), SnowballStemmer("dutch")
    words = list(CLASSIC) + ["ondersteuning", "jeugdhulp", "maatschappelijke", "voorzieningen", "zorgaanbieders",
                             "bijstandsuitkering", "huisvestingsverordening", "leerlingenvervoer", "geluid",
                             "windturbines", "kinderopvangtoeslag", "beslagvrije", "openbaarheid", "bestuur"]
    assert [ours(w) for w in words] == [nltk.stem(w) for w in words]
    assert stems("gemeenten") != ["meen"]


def test_lowercase_and_accent_folding():
    assert stems("Coördinatie") == stems("coordinatie")
    assert stems("CLIËNTEN") == stems("clienten")
    assert stems("Financiën") == stems("financien")


def test_stopwords_are_dropped_and_come_from_the_shipped_list():
    assert "de" in dutch_stopwords() and "van" in dutch_stopwords()
    assert stems("de wet van het college") == [stems("wet")[0], stems("college")[0]]


def test_plural_apostrophes_and_punctuation():
    assert stems("auto's") == stems("auto") == ["auto"]
    assert stems("pagina’s") == ["pagina"]
    assert stems("huur-/koopwoning") == stems("huurwoning") + stems("koopwoning")   # an elided compound


def test_query_and_index_analysis_agree_on_plural_forms():
    assert stems("woningtoewijzing") == stems("Woningtoewijzingen")


def test_the_fused_analyzer_gives_exactly_the_chains_tokens_on_the_corpus(corpus_data):
    """DutchAnalyzer is the fast path; the filter chain is the specification."""
    from store.crawl_store import CrawlStore
    from lang.analysis import DutchAnalyzer, dutch_analysis_chain, folded_words, folding_analyzer
    store = CrawlStore(corpus_data[0] / "crawl.sqlite3", readonly=True)
    texts = [d.title + "\n" + d.text for d in store.documents()][:60]
    texts.append("Auto's en pagina’s, zo'n coördinatie-overleg; art.1 WOONRUIMTEVERDELING de het 2024")
    checked = 0
    for decompound in (True, False):
        fast, chain = DutchAnalyzer(decompound), dutch_analysis_chain(decompound)
        for options in ({"positions": True, "chars": True}, {"positions": True, "chars": True, "removestops": False},
                        {"positions": True, "start_pos": 7, "chars": True, "start_char": 3}, {}):
            for text in texts:
                def run(analyzer):
                    return [(t.text, getattr(t, "pos", None), getattr(t, "startchar", None), t.stopped, t.boost)
                            for t in analyzer(text, **options)]
                expected = run(chain)
                assert run(fast) == expected
                checked += len(expected)
    assert checked > 100_000
    fold = folding_analyzer()
    assert all(folded_words(text) == [t.text for t in fold(text)] for text in texts)


def test_the_pre_tokenized_terms_and_the_gram_text_are_the_analyzers_tokens(corpus_data):
    """What the tantivy index is fed (terms at positions, grams joined by spaces, lengths for BM25) is exactly what
    the analyzers yield, elided compounds included."""
    from lang.analysis import DutchAnalyzer, GramAnalyzer
    from store.crawl_store import CrawlStore
    store = CrawlStore(corpus_data[0] / "crawl.sqlite3", readonly=True)
    texts = [d.title + "\n" + d.text for d in store.documents()][:60]
    texts += ["Het jeugd- en gezinsbeleid, huur-/koopwoningen en de wacht- en doorlooptijd.", "a-- b -c de"]
    analyzer, grams = DutchAnalyzer(), GramAnalyzer()
    for text in texts:
        tokens = [(t.text, t.pos) for t in analyzer(text, positions=True)]
        assert analyzer.positioned(text) == tokens
        assert grams.joined(text).split() == [t.text for t in grams(text)]
        if "- " not in text:   # the lengths count an elided compound as written, the tokens as completed
            assert analyzer.length(text) == len(tokens) and grams.length(text) == len(list(grams(text)))


def test_the_fused_analyzer_survives_the_index_schemas_pickling():
    import pickle
    from lang.analysis import DutchAnalyzer
    analyzer = DutchAnalyzer()
    list(analyzer("woningtoewijzing"))                      # fills its word cache
    copy = pickle.loads(pickle.dumps(analyzer))
    assert len(pickle.dumps(analyzer)) < 200                 # no cache in the pickle
    assert [t.text for t in copy("woningtoewijzing")] == [t.text for t in analyzer("woningtoewijzing")]


SNOWBALL_DUTCH = Path(__file__).parent / "fixtures" / "snowball-dutch"


def test_pystemmer_dutch_porter_is_the_classic_snowball_dutch_on_its_whole_test_vocabulary():
    """Every one of the 45,670 words of Snowball's Dutch test vocabulary: PyStemmer's dutch_porter (C), Whoosh's
    and NLTK's classic Dutch stemmers (Python) and Snowball's own expected output for the classic algorithm give
    the same stem, so the C stemmer can replace the Python one without changing a single indexed term."""
    words = (SNOWBALL_DUTCH / "voc.txt").read_text(encoding="utf-8").splitlines()
    expected = (SNOWBALL_DUTCH / "output-dutch_porter.txt").read_text(encoding="utf-8").splitlines()
    assert len(words) == len(expected) == 45_670
    pystemmer = Stemmer.Stemmer("dutch_porter").stemWords(words)
    whoosh, nltk = stemmer_for_language("nl"), SnowballStemmer("dutch")
    differ = [(w, p, e) for w, p, e in zip(words, pystemmer, expected) if p != e]
    assert differ == []
    assert [whoosh(w) for w in words] == expected
    assert [nltk.stem(w) for w in words] == expected
    assert dutch_stem("gemeenten") == "gemeent" and Stemmer.Stemmer("dutch").stemWord("gemeenten") != "gemeent"
