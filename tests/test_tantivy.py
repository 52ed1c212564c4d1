"""The tantivy engine (issue 18): our analysis inside tantivy, Whoosh's scores, publishing and incremental updates,
faults (test_faults.py). What it answers is held to the Engine contract with the others (test_engine_contract.py), and the app,
CLI and ranking tests run on every backend."""
import json
from dataclasses import replace
from pathlib import Path

import pytest
import tantivy

from indexer.backends import index_store
from indexer.location import IndexLocation
from indexer.tantivy_index import padding
from indexer.tantivy_schema import FIELD_B, PADDING, TANTIVY_B
from search.engine import SearchRequest
from search.engines import open_engine
from search.query import DEFAULT_WEIGHTS
from lang.analysis import stems
from store.crawl_store import CrawlStore

REPO = Path(__file__).resolve().parent.parent

DOCS = {
    "debt": ("Schuldhulpverlening in Tilburg", "De gemeenten bieden schuldhulpverlening aan inwoners met schulden."),
    "youth": ("Jongeren en schulden", "Jongeren met schulden krijgen hulp; de schuldhulpverlening helpt jongeren."),
    "dogs": ("Verordening hondenbelasting", "De gemeente heft een belasting op het houden van honden."),
    "housing": ("Woningbouwprogramma 2024", "Het woningbouwprogramma van de gemeenten in de regio."),
    "long": ("Beleidsnota sociaal domein", "Schuldhulpverlening. " + "Algemene tekst over het sociaal domein. " * 40),
}


def add(store: CrawlStore, key: str, title: str, text: str) -> None:
    store.record_content(run_id=None, site="t", url=f"http://t.nl/{key}", status=200, content_type="text/html",
                         body=(title + text).encode(), indexable=True,
                         extract={"title": title, "text": title + "\n" + text,
                                  "passages": [{"anchor": "a", "heading": title, "text": text}],
                                  "meta": {"organisation": "Gemeente Tilburg"}})


@pytest.fixture()
def store(tmp_path):
    store = CrawlStore(tmp_path / "crawl.sqlite3")
    for key, (title, text) in DOCS.items():
        add(store, key, title, text)
    return store


def found(engine, q):
    return [h.url.rsplit("/", 1)[-1] for h in engine.search(SearchRequest(q=q, page_size=20)).hits]


def test_tantivy_holds_our_classic_snowball_stems_and_compound_parts_at_the_compounds_position(store, tmp_path):
    index_store(store, f"tantivy:///{tmp_path / 'tv'}", rebuild=True, progress=False)
    index = tantivy.Index.open(str(IndexLocation(tmp_path / "tv").live_path()))
    searcher = index.searcher()
    assert searcher.doc_freq("body", "gemeent") == 3       # gemeente, gemeenten: the classic stem
    assert searcher.doc_freq("body", "meen") == 0          # not the newer 'dutch' stemmer's
    assert searcher.doc_freq("body", "bouw") == 1 and searcher.doc_freq("title", "programma") == 1
    # the parts stand at the compound's position: "woningbouwprogramma van de gemeenten" holds the phrase
    # "programma gemeent" only through the part sharing the compound's position
    phrase = tantivy.Query.phrase_query(index.schema, "body", ["programma", "gemeent"], slop=0)
    assert searcher.search(phrase, 5).count == 1


def test_the_index_pads_for_the_length_normalisation_the_ranking_weights_use():
    w = DEFAULT_WEIGHTS
    assert FIELD_B == {"title": w.title_b, "short_title": w.title_b, "body": w.b, "grams": w.b, "org_words": w.b}


def test_padding_gives_tantivys_bm25_the_length_normalisation_of_our_weights():
    average, b = {"body": 2000.0, "title": 10.0}, {"body": 0.3, "title": 0.5}
    pad = padding(average, b)
    for field in average:
        for length in (1, 7, 100, 2000, 50_000):
            tantivy_norm = 1 - TANTIVY_B + TANTIVY_B * (length + pad[field]) / (average[field] + pad[field])
            wanted = 1 - b[field] + b[field] * length / average[field]
            assert tantivy_norm == pytest.approx(wanted, rel=1e-3)
    assert padding({"body": 100.0}, {"body": 0.9}) == {"body": 0}   # a b above tantivy's cannot be emulated


def test_a_build_analyses_each_document_once_and_pads_by_the_average_of_its_documents_lengths(store, tmp_path):
    """The padding needs every document's lengths before the first is written: a full build analyses all documents
    first, puts the results aside in its directory, measures the lengths from the same analysis and then writes.
    The padding is the one the documents' own lengths give, each document is written once, and nothing is left
    aside in the published build (an abandoned build is removed whole: test_faults.py)."""
    from indexer.tantivy_index import ASIDE, Documents
    lengths = [Documents().lengths(rec) for rec in store.documents()]
    average = {f: sum(n[f] for n in lengths) / len(lengths) for f in FIELD_B}
    for procs in (1, 2):
        report = index_store(store, f"tantivy:///{tmp_path / str(procs)}", rebuild=True, procs=procs, progress=False)
        live = IndexLocation(tmp_path / str(procs)).live_path()
        assert json.loads((live / PADDING).read_text())["padding"] == padding(average, FIELD_B)
        assert report.documents == tantivy.Index.open(str(live)).searcher().num_docs == len(DOCS)
        assert not (live / ASIDE).exists()


def test_tantivy_scores_what_whoosh_scores(store, tmp_path):
    """BM25 per field with Whoosh's IDF and length normalisation, the same boosts and coordination: on short
    documents (whose lengths both engines store exactly) the scores agree."""
    plain = replace(DEFAULT_WEIGHTS, grams=0.0, passage=0.0)
    index_store(store, str(tmp_path / "whoosh"), rebuild=True, progress=False)
    index_store(store, f"tantivy:///{tmp_path / 'tv'}", rebuild=True, progress=False)
    whoosh = open_engine(str(tmp_path / "whoosh"), plain, cache_size=0)
    tv = open_engine(f"tantivy:///{tmp_path / 'tv'}", plain, cache_size=0)
    for q in ("schuldhulpverlening", "jongeren schulden", "hondenbelasting", '"sociaal domein"', "woningbouw gemeente"):
        a = {h.id: h.score for h in whoosh.search(SearchRequest(q=q, page_size=20)).hits}
        b = {h.id: h.score for h in tv.search(SearchRequest(q=q, page_size=20)).hits}
        assert a.keys() == b.keys(), q
        for doc, score in a.items():
            assert b[doc] == pytest.approx(score, rel=0.06), (q, doc)


def test_an_update_deletes_and_adds_by_document_and_readers_see_it_after_publishing(store, tmp_path):
    url = f"tantivy:///{tmp_path / 'tv'}"
    full = index_store(store, url, rebuild=True, progress=False)
    assert (full.mode, full.documents) == ("full", len(DOCS))
    engine = open_engine(url, cache_size=0)
    assert found(engine, "hondenbelasting") == ["dogs"]
    location = IndexLocation(tmp_path / "tv")
    first = location.live_path()
    files_before = {f.name: f.read_bytes() for f in first.iterdir() if f.is_file()}

    add(store, "dogs", "Verordening precariobelasting", "De gemeente heft precariobelasting op terrassen.")
    add(store, "parking", "Parkeerbelasting", "Tarieven voor parkeren in de binnenstad.")
    assert store.record_failure(run_id=None, site="t", url="http://t.nl/long", status=410, error="") == "removed"
    update = index_store(store, url, rebuild=False, progress=False)
    assert (update.mode, update.added, update.updated, update.deleted) == ("incremental", 1, 1, 1)
    assert location.live_path() != first
    # the reader that was open follows the pointer to the new build
    assert found(engine, "hondenbelasting") == [] and found(engine, "precariobelasting") == ["dogs"]
    assert found(engine, "parkeerbelasting") == ["parking"] and "long" not in found(engine, "sociaal domein")
    assert engine.status()["documents"] == len(DOCS)
    # the previous build was not touched, and the padding of the full build is kept
    assert {f.name: f.read_bytes() for f in first.iterdir() if f.is_file()} == files_before
    assert json.loads((location.live_path() / PADDING).read_text()) == json.loads((first / PADDING).read_text())
    nothing = index_store(store, url, rebuild=False, progress=False)
    assert nothing.mode == "none"


def test_a_whoosh_index_is_not_read_as_tantivy_and_says_how_to_rebuild(store, tmp_path):
    index_store(store, str(tmp_path / "ix"), rebuild=True, progress=False)
    status = open_engine(f"tantivy:///{tmp_path / 'ix'}").status()
    assert not status["ok"] and "not a tantivy index" in status["message"] and "--rebuild" in status["message"]
    update = index_store(store, f"tantivy:///{tmp_path / 'ix'}", rebuild=False, progress=False)
    assert update.mode == "full" and "changed" in update.reason
    assert open_engine(f"tantivy:///{tmp_path / 'ix'}").status()["ok"]


# Faults (kill -9 during builds and updates, a damaged index, a full disk ...): tests/test_faults.py, for every engine.


def test_a_build_in_several_processes_writes_what_one_process_writes(corpus_data, tmp_path):
    """The analysis runs in worker processes (indexer.workers) and the one writer is fed in the records' order: with
    one or two processes the same documents, terms, lengths (padding) and themes, and every search the same hits
    and scores (ties may come in another order: tantivy's segments differ)."""
    store = CrawlStore(corpus_data[0] / "crawl.sqlite3", readonly=True)
    built = {procs: index_store(store, f"tantivy:///{tmp_path / str(procs)}", rebuild=True, procs=procs,
                                progress=False) for procs in (1, 2)}
    assert built[1].documents == built[2].documents == store.count_documents()
    assert built[1].themes == built[2].themes
    paths = {procs: IndexLocation(tmp_path / str(procs)).live_path() for procs in (1, 2)}
    assert (paths[1] / PADDING).read_text() == (paths[2] / PADDING).read_text()
    searchers = {procs: tantivy.Index.open(str(path)).searcher() for procs, path in paths.items()}

    def stored(searcher):
        found = searcher.search(tantivy.Query.all_query(), searcher.num_docs).hits
        return {doc["id"][0]: doc for doc in (searcher.doc(address).to_dict() for _, address in found)}
    documents = stored(searchers[1])
    assert documents == stored(searchers[2])
    vocabulary = {t for doc in list(documents.values())[:20] for t in stems(doc["text"][0].decode()[:3000], True)}
    for field in ("title", "body", "short_title"):
        for term in vocabulary:
            assert searchers[1].doc_freq(field, term) == searchers[2].doc_freq(field, term), (field, term)
    engines = {procs: open_engine(f"tantivy:///{tmp_path / str(procs)}", cache_size=0) for procs in (1, 2)}
    for q in ("schuldhulpverlening", "woningbouw gemeente", '"sociaal domein"', "jeugd- en gezinsbeleid", "wmo",
              "verwijst:BWBR0005416", "armoede NOT schulden"):
        results = [engines[procs].search(SearchRequest(q=q, page_size=100)) for procs in (1, 2)]
        answers = [sorted((-round(h.score, 6), h.id, h.snippet, h.deep_link) for h in r.hits) for r in results]
        if results[0].total > 100:   # which of the documents tied at the cut make the page is the segments' choice
            cut = max(answers[0][-1][0], answers[1][-1][0])
            answers = [[a for a in answer if a[0] < cut] for answer in answers]
        assert answers[0] == answers[1] and results[0].total == results[1].total, q


def test_facets_and_totals_counted_from_the_every_concept_condition_alone_are_the_whole_querys(tantivy_index,
                                                                                              monkeypatch):
    """The facets of a multi-word search are counted from its condition (every concept) without the scored side
    (any concept): sound because the condition's documents all match the scored side (query.Within). Held against
    counting from the whole query, for queries of the officials' log and queries with operators and filters."""
    from search import tantivy_engine
    from search.engine import SearchRequest
    from search.engines import open_engine
    log = [q for q in (Path(__file__).resolve().parent.parent / "bench" / "query-log.txt").read_text(
        encoding="utf-8").splitlines() if q and not q.startswith("#")]
    queries = log[::max(1, len(log) // 60)][:60] + [
        "jeugd- en gezinsbeleid", "bijstand -participatiewet", '"sociaal domein" wmo', "woning* bouw",
        "bijstand OR participatiewet", "hoe maak ik bezwaar tegen een besluit", "schuldhulpverlening jongeren"]
    requests = [SearchRequest(q=q) for q in queries] + [
        SearchRequest(q="wmo jeugd", filters={"doctype": ["wet"]}), SearchRequest(q="woning bouw", sort="datum")]
    engine = open_engine(tantivy_index, cache_size=0)
    fast = [engine.search(r, snippets=False) for r in requests]
    assert sum(bool(r.facets.get("refs")) for r in fast) >= 10
    monkeypatch.setattr(tantivy_engine.Translator, "matching", tantivy_engine.Translator.query)
    for req, result in zip(requests, fast):
        whole = engine.search(req, snippets=False)
        assert (result.total, result.facets) == (whole.total, whole.facets), req.q
