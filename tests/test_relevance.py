"""Search quality mechanics: compounds, synonyms, query syntax, highlighting, explanations, suggestions,
passages, and the evaluation command."""
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from store.crawl_store import CrawlStore
from lang.analysis import stems
from indexer.build import IndexLocation, build_index
from lang.compounds import splitter
from search.engine import SearchRequest
from search.whoosh_engine import SearchEngine
from lang.synonyms import load_synonyms
from search.query import QueryBuilder

REPO = Path(__file__).resolve().parent.parent

# Real compounds from Dutch policy texts (1) and words that must never be split (0).
_LABELLED = [line.split("\t") for line in (REPO / "bench" / "eval" / "compounds.tsv").read_text().splitlines()
             if line and not line.startswith("#")]
COMPOUNDS = [w for w, label in _LABELLED if label == "1"]
NOT_COMPOUNDS = [w for w, label in _LABELLED if label == "0"]


def test_the_splitter_finds_the_parts_of_the_issues_example():
    parts = splitter().split("woningbouwprogramma")
    assert {"woningbouw", "programma", "woning", "bouw"} <= set(parts)


def test_linking_s_and_en_are_recognised():
    assert {"huisvesting", "verordening"} <= set(splitter().split("huisvestingsverordening"))
    assert {"leerlingen", "vervoer"} <= set(splitter().split("leerlingenvervoer"))


def test_splitter_precision_and_recall_on_real_words():
    """Precision: no non-compound is split and every split of a compound gives real words of it.
    Recall: most compounds are found (a miss only costs recall, a wrong split costs precision)."""
    s = splitter()
    wrong = [w for w in NOT_COMPOUNDS if s.split(w)]
    assert wrong == []
    found = [w for w in COMPOUNDS if s.split(w)]
    assert all(all(p in w for p in s.split(w)) for w in found)
    assert len(found) / len(COMPOUNDS) >= 0.9


def test_index_analysis_adds_parts_at_the_compounds_position():
    assert stems("woningtoewijzing", decompound=True) == ["woningtoewijz", "woning", "toewijz"]
    assert stems("woningtoewijzing") == ["woningtoewijz"]   # query-side words stay whole


def test_synonyms_expand_abbreviations_and_law_names():
    syn = load_synonyms()
    assert "wet maatschappelijke ondersteuning" in syn["wmo"]
    assert "onroerendezaakbelasting" in syn["ozb"] and "vergunninghouder" in syn["statushouder"]
    assert "wob" in syn["openbaarheid van bestuur"]          # a law's name without "wet"
    built = QueryBuilder().build("ozb")
    assert ("body", "onroerendezaakbelast") in built.origins


def test_each_synonym_belongs_to_one_group_and_none_is_a_stop_word():
    """A word in two groups would expand to whichever group was read last; a stop word would expand every query
    that holds it."""
    import tomllib
    from lang.analysis import folding_analyzer
    from lang.resources import SYNONYMS, dutch_stopwords
    fold = folding_analyzer()
    seen: dict[str, int] = {}
    for i, group in enumerate(tomllib.loads(SYNONYMS.read_text(encoding="utf-8"))["groups"]):
        for member in group:
            key = " ".join(t.text for t in fold(member))
            assert seen.setdefault(key, i) == i, f"{member!r} is in groups {seen[key]} and {i}"
            assert key not in dutch_stopwords(), member


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    """An index of a few hand-made documents, for exact assertions."""
    tmp = tmp_path_factory.mktemp("small")
    store = CrawlStore(tmp / "crawl.sqlite3")
    docs = {
        "a": ("Jeugdzorg in de wijk", "De jeugdzorgaanbieder biedt jeugdzorg. Zorg voor de jeugd is maatwerk.", "Gemeente Tilburg"),
        "b": ("Woonruimteverdeling", "Bij de toewijzing van woningen geldt urgentie voor mantelzorgers.", "Gemeente Breda"),
        "c": ("Woningtoewijzing", "Regels voor woningtoewijzing en urgentie.", "Gemeente Breda"),
        "d": ("Wmo-beleid", "Beleid voor de wet maatschappelijke ondersteuning en huishoudelijke hulp.", "Gemeente Ede"),
        "e": ("Pleegzorg", "Jeugdhulp en pleegzorg voor kinderen.", "Gemeente Ede"),
        "f": ("Beslag", "Artikel 1\n\nDe beslagvrije voet beschermt het inkomen.", "Gemeente Oss"),
    }
    for key, (title, text, org) in docs.items():
        passages = [{"anchor": f"artikel-{key}", "heading": title, "text": text}]
        store.record_content(run_id=None, site="t", url=f"http://t.nl/{key}", status=200, content_type="text/html",
                             body=(title + text).encode(), indexable=True,
                             extract={"title": title, "text": (title + "\n" + text), "passages": passages,
                                      "meta": {"organisation": org}})
    build_index(store, IndexLocation(tmp / "index"), progress=False)
    return SearchEngine(tmp / "index")


def urls(result):
    return [h.url.rsplit("/", 1)[-1] for h in result.hits]


def test_a_compound_query_finds_its_parts_apart_but_ranks_the_compound_first(small):
    r = small.search(SearchRequest(q="woningtoewijzing"))
    assert urls(r)[:2] == ["c", "b"]


def test_a_part_query_finds_the_compound(small):
    assert "a" in urls(small.search(SearchRequest(q="zorgaanbieder")))


def test_compound_aware_highlighting(small):
    hit = next(h for h in small.search(SearchRequest(q="jeugdzorg")).hits if h.url.endswith("/a"))
    assert "<mark>jeugdzorgaanbieder</mark>" in hit.snippet and "<mark>jeugdzorg</mark>" in hit.snippet
    assert "<mark>Zorg</mark>" in hit.snippet and "<mark>jeugd</mark>" in hit.snippet   # "zorg voor de jeugd"


def test_synonym_finds_the_full_name(small):
    r = small.search(SearchRequest(q="wmo"))
    assert urls(r)[0] == "d"
    why = [w["reason"] for w in r.hits[0].why]
    assert any("synoniem" in w for w in why) or any("wmo" in w for w in why)


def test_the_explanation_names_words_parts_and_fields(small):
    hit = next(h for h in small.search(SearchRequest(q="woningtoewijzing")).hits if h.url.endswith("/b"))
    reasons = {w["reason"]: w["fields"] for w in hit.why}
    assert reasons == {"deel 'woning' van 'woningtoewijzing'": ["tekst"],
                       "deel 'toewijzing' van 'woningtoewijzing'": ["tekst"]}


@pytest.mark.parametrize("q,expected", [
    ('"beslagvrije voet"', ["f"]),
    ("jeugdhulp -pleegzorg", []),
    ("jeugd* -pleegzorg", ["a"]),
    ("titel:pleegzorg", ["e"]),
    ("urgentie gemeente:breda", ["c", "b"]),
    ("thema:bestaat-niet urgentie", []),
    ("woningtoewijzing NOT mantelzorgers", ["c"]),
])
def test_query_syntax(small, q, expected):
    r = small.search(SearchRequest(q=q))
    assert sorted(urls(r)) == sorted(expected) and not r.notices


def test_did_you_mean_from_the_index_vocabulary(small):
    r = small.search(SearchRequest(q="pleegzrog"))
    assert r.total == 0 and r.suggestion == "pleegzorg"
    assert small.search(SearchRequest(q="pleegzorg")).suggestion == ""


def test_best_passage_is_the_snippet_with_a_deep_link(small):
    hit = small.search(SearchRequest(q="beslagvrije voet")).hits[0]
    # the passage's heading is the title itself: not repeated as its label (issue 15), the link stays
    assert hit.deep_link == "http://t.nl/f#artikel-f" and hit.passage == "" and hit.title == "Beslag"


def test_law_results_link_to_their_article(corpus_data, client):
    first = client.get("/api/search?q=schuldhulpverlening+wachttijd").get_json()["results"][0]
    assert "BWBR0031331" in first["url"] and "#artikel-" in first["deep_link"]


def test_eval_command_scores_a_run_with_the_sets_own_scorer(corpus_data, tmp_path):
    data, _ = corpus_data
    shutil.copy(REPO / "bench" / "eval" / "score.py", tmp_path / "score.py")
    (tmp_path / "queries.tsv").write_text("t1\tschuldhulpverlening\nt2\tkinderopvangtoeslag onzin\n")
    (tmp_path / "qrels.tsv").write_text("t1 0 BWBR0031331 2\nt2 0 BWBR0000001 1\n")
    res = subprocess.run([sys.executable, str(REPO / "run.py"), "--data", str(data), "eval", "--set", str(tmp_path),
                          "--json"], capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    out = json.loads(res.stdout)
    assert out["per_query"]["t1"]["nDCG@10"] == 1.0 and out["per_query"]["t1"]["MRR"] == 1.0
    assert out["per_query"]["t2"]["nDCG@10"] == 0.0
    assert out["means"]["nDCG@10"] == 0.5


def test_eval_prints_each_query_and_what_a_judge_still_has_to_read(corpus_data, tmp_path):
    """Without a score.py of its own a set is scored by bench/eval's; the table names every query with its
    unjudged top-10 documents, and --unjudged-pool writes them in the pool format judges read with pool.py."""
    data, _ = corpus_data
    (tmp_path / "queries.tsv").write_text("# a comment line\nt1\tschuldhulpverlening\n")
    (tmp_path / "qrels.tsv").write_text("t1 0 BWBR0031331 2\n")
    pool = tmp_path / "unjudged.tsv"
    res = subprocess.run([sys.executable, str(REPO / "run.py"), "--data", str(data), "eval", "--set", str(tmp_path),
                          "--per-query", "--unjudged-pool", str(pool)], capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    row = next(line for line in res.stdout.splitlines() if line.startswith("t1 "))
    unjudged = [line.split("\t")[1] for line in pool.read_text().splitlines()]
    assert "schuldhulpverlening" in row and "1.000" in row
    assert 0 < len(unjudged) <= 9 and "BWBR0031331" not in unjudged
    assert all(doc in row for doc in unjudged)
    assert "unjudged@10" in res.stdout
