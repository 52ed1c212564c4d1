"""The tantivy engine (issue 18): our analysis inside tantivy, Whoosh's scores, publishing and incremental updates,
faults. What it answers is held to the Engine contract with the others (test_engine_contract.py), and the app,
CLI and ranking tests run on every backend."""
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest
import tantivy

from indexer.backends import index_store
from indexer.location import IndexLocation, parse_index_url
from indexer.tantivy_index import padding
from indexer.tantivy_schema import FIELD_B, PADDING, TANTIVY_B
from search.engine import SearchRequest
from search.engines import open_engine
from search.query import DEFAULT_WEIGHTS
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


# ------------------------------------------------------------------ faults with real processes (as test_faults.py)

TRIALS = int(os.environ.get("BELEIDSZOEKER_FAULT_TRIALS", "6"))


@pytest.fixture()
def tantivy_data(corpus_data, tantivy_index, tmp_path):
    """A private copy of the test corpus's store and its tantivy index."""
    dst = tmp_path / "data"
    dst.mkdir()
    shutil.copy(corpus_data[0] / "crawl.sqlite3", dst / "crawl.sqlite3")
    shutil.copytree(parse_index_url(tantivy_index, ["tantivy"]).path, dst / "tantivy", symlinks=True)
    return dst


def run_cli(data, *args):
    return subprocess.Popen([sys.executable, str(REPO / "run.py"), "--data", str(data), "--quiet",
                             "--index", f"tantivy:///{data / 'tantivy'}", *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def test_sigkill_during_tantivy_builds_and_updates_never_breaks_the_live_index(tantivy_data):
    engine = open_engine(f"tantivy:///{tantivy_data / 'tantivy'}", cache_size=0)
    before = [h.id for h in engine.search(SearchRequest(q="schuldhulpverlening")).hits]
    location = IndexLocation(tantivy_data / "tantivy")
    live = location.live_target()
    rng = random.Random(18)
    for trial in range(TRIALS):
        proc = run_cli(tantivy_data, "index", *(["--rebuild"] if trial % 2 == 0 else []))
        time.sleep(rng.uniform(0.2, 3.0))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        now_live = location.live_target()
        assert now_live == live or (tantivy_data / "tantivy" / now_live / "BUILD.json").is_file()
        assert [h.id for h in engine.search(SearchRequest(q="schuldhulpverlening")).hits] == before
        live = now_live
    done = run_cli(tantivy_data, "index", "--rebuild")
    assert done.wait(300) == 0, done.stderr.read()
    assert [h.id for h in engine.search(SearchRequest(q="schuldhulpverlening")).hits] == before


def damage(live: Path, how: str) -> None:
    if how == "meta":
        (live / "meta.json").write_text("{not json")
        return
    rng = random.Random(3)   # bytes flipped inside the segments' files: found only when a query reads them
    for f in sorted(live.iterdir()):
        if f.suffix in (".idx", ".term", ".pos", ".store", ".fast", ".fieldnorm"):
            data = bytearray(f.read_bytes())
            for _ in range(50):
                data[rng.randrange(0, max(1, len(data) - 64))] ^= 0xFF
            f.write_bytes(bytes(data))


@pytest.mark.parametrize("how", ["meta", "segments"])
def test_a_damaged_tantivy_index_is_reported_and_a_rebuild_repairs_it(tantivy_data, how):
    from search_app import create_app
    url = f"tantivy:///{tantivy_data / 'tantivy'}"
    damage(IndexLocation(tantivy_data / "tantivy").live_path(), how)
    c = create_app({"TESTING": True, "INDEX_DIR": url, "STORE_PATH": str(tantivy_data / "crawl.sqlite3")}).test_client()
    assert c.get("/").status_code == 200
    r = c.get("/zoeken?q=wonen")
    assert r.status_code == 503 and "index --rebuild" in r.get_data(as_text=True)
    fix = run_cli(tantivy_data, "index", "--rebuild")
    assert fix.wait(300) == 0, fix.stderr.read()
    assert c.get("/zoeken?q=wonen").status_code == 200
