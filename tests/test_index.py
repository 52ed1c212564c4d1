"""Index building: schema content, atomic publishing, readers that follow the live pointer."""
import os
from pathlib import Path

import pytest
import whoosh.index

from store.record import DocumentRecord
from store.crawl_store import CrawlStore
from indexer.build import MARKER, IndexLocation, IndexMissing, build_index
from search.engine import SearchRequest
from search.whoosh_engine import SearchEngine


def test_the_corpus_index_has_every_crawled_document_with_fields(corpus_data):
    data, _ = corpus_data
    store = CrawlStore(data / "crawl.sqlite3")
    ix = IndexLocation(data / "index").open_live()
    with ix.searcher() as s:
        assert s.doc_count() == store.count_documents()
        law = s.document(identifier="BWBR0031331")
        assert law["organisation"] == "Rijksoverheid" and law["doctype"] == "wet" and law["year"] == "2012"
        assert "schulden-en-armoede" in law["themes"].split(",")
        venlo = s.document(identifier="regelrecht:venlo/verordening_rioolheffing/2025-01-01.yaml")
        assert venlo["organisation"] == "Gemeente Venlo" and venlo["city"] == "Venlo"


def _store_with(tmp_path, texts):
    store = CrawlStore(tmp_path / "crawl.sqlite3")
    for i, text in enumerate(texts):
        store.record_content(run_id=None, site="t", url=f"http://t.nl/{i}", status=200,
                             content_type="text/html", body=text.encode(), indexable=True,
                           extract={"title": f"Doc {i}", "text": text, "meta": {"organisation": "Gemeente T"}})
    return store


def test_a_build_is_published_by_switching_the_pointer(tmp_path):
    store = _store_with(tmp_path, ["woningen bouwen", "schulden aflossen"])
    loc = IndexLocation(tmp_path / "index")
    with pytest.raises(IndexMissing, match="run.py index"):
        loc.live_path()
    first = build_index(store, loc, progress=False)
    assert loc.live_path() == tmp_path / "index" / "builds" / os.path.basename(first.path)
    assert (loc.live_path() / MARKER).is_file()
    second = build_index(store, loc, progress=False)
    assert loc.live_path().name == os.path.basename(second.path) != os.path.basename(first.path)


def test_an_incomplete_build_is_never_published(tmp_path):
    loc = IndexLocation(tmp_path / "index")
    half = loc.new_build_dir()
    whoosh.index.create_in(str(half), whoosh.fields.Schema(id=whoosh.fields.ID))
    with pytest.raises(ValueError, match="not a complete build"):
        loc.publish(half)
    assert loc.live_target() is None


def test_a_failing_build_leaves_the_live_index_serving(tmp_path):
    store = _store_with(tmp_path, ["woningen bouwen"])
    loc = IndexLocation(tmp_path / "index")
    build_index(store, loc, progress=False)
    live = loc.live_target()
    with pytest.raises(Exception):
        build_index(store, loc, themes_path=tmp_path / "ontbreekt.toml", progress=False)
    assert loc.live_target() == live
    assert SearchEngine(tmp_path / "index").search(SearchRequest(q="woning")).total == 1


def test_the_engine_reopens_when_a_new_build_is_published(tmp_path):
    store = _store_with(tmp_path, ["woningen bouwen"])
    loc = IndexLocation(tmp_path / "index")
    build_index(store, loc, progress=False)
    engine = SearchEngine(tmp_path / "index")
    assert engine.search(SearchRequest(q="schulden")).total == 0
    store.record_content(run_id=None, site="t", url="http://t.nl/new", status=200,
                         content_type="text/html", body=b"x", indexable=True,
                       extract={"title": "Nieuw", "text": "schulden", "meta": {}})
    build_index(store, loc, progress=False)
    assert engine.search(SearchRequest(q="schulden")).total == 1


def test_a_damaged_live_index_is_reported_not_crashed(tmp_path):
    store = _store_with(tmp_path, ["woningen"])
    loc = IndexLocation(tmp_path / "index")
    build_index(store, loc, progress=False)
    for f in loc.live_path().glob("*.toc"):
        f.unlink()
    with pytest.raises(IndexMissing, match="--rebuild"):
        SearchEngine(tmp_path / "index").search(SearchRequest(q="woning"))


def test_records_cross_from_store_to_index_as_plain_values(tmp_path):
    store = _store_with(tmp_path, ["tekst"])
    (rec,) = list(store.documents())
    assert isinstance(rec, DocumentRecord) and rec.organisation == "Gemeente T" and rec.text == "tekst"


def test_a_changed_language_resource_makes_the_index_say_it_needs_a_rebuild(tmp_path, monkeypatch):
    """Stop words, word frequencies, the splitter's settings and the analysis code are all in the config hash:
    changing any makes the next update a full rebuild (a splitter change seen only by queries would find nothing
    the index split the old way). Synonyms are not: only the query reads them, so a new group needs no rebuild."""
    import lang.fingerprint as fingerprint
    from indexer.build import config_hash, update_index
    from lang import compounds
    from lang.resources import RESOURCE_FILES, STOPWORDS

    store = _store_with(tmp_path, ["woningbouwprogramma van de gemeente"])
    loc = IndexLocation(tmp_path / "index")
    build_index(store, loc, progress=False)
    assert update_index(store, loc, progress=False).mode == "none"

    stopwords = tmp_path / "stopwords-nl.txt"          # one stop word more
    stopwords.write_text(STOPWORDS.read_text(encoding="utf-8") + "gemeente\n", encoding="utf-8")
    monkeypatch.setattr(fingerprint, "RESOURCE_FILES", tuple(stopwords if p == STOPWORDS else p
                                                             for p in RESOURCE_FILES))
    fingerprint.resource_hash.cache_clear()
    report = update_index(store, loc, progress=False)
    assert (report.mode, report.reason) == ("full", "schema, themes or language resources changed since the live build")
    monkeypatch.undo()
    fingerprint.resource_hash.cache_clear()
    before = config_hash()

    splitter = tmp_path / "compounds.py"               # a splitter setting changed in the code
    splitter.write_text(Path(compounds.__file__).read_text(encoding="utf-8").replace(
        "MIN_PART_ZIPF = 3.0", "MIN_PART_ZIPF = 3.5"), encoding="utf-8")
    fake = type(compounds)("lang.compounds")
    fake.__file__ = str(splitter)
    monkeypatch.setattr(fingerprint, "ANALYSIS_MODULES", tuple(fake if m is compounds else m
                                                               for m in fingerprint.ANALYSIS_MODULES))
    fingerprint.resource_hash.cache_clear()
    assert config_hash() != before
    monkeypatch.undo()
    fingerprint.resource_hash.cache_clear()
    assert config_hash() == before                    # a docstring is not behaviour:
    reworded = tmp_path / "reworded.py"
    reworded.write_text(Path(compounds.__file__).read_text(encoding="utf-8").replace(
        '"""The best two-way split', '"""The best split in two', 1), encoding="utf-8")
    assert fingerprint._code(reworded) == fingerprint._code(Path(compounds.__file__))


def test_a_new_synonym_group_needs_no_rebuild(tmp_path, monkeypatch):
    """Only the query reads the synonyms: a group more leaves the config hash alone, so the next update writes
    nothing, and the next query that uses it finds what the group joins."""
    import lang.fingerprint as fingerprint
    import lang.synonyms as synonyms
    from indexer.build import update_index
    from lang.resources import RESOURCE_FILES, SYNONYMS

    store = _store_with(tmp_path, ["de vergunning volgens het besluit omgevingsrecht voor het bedrijf"])
    loc = IndexLocation(tmp_path / "index")
    build_index(store, loc, progress=False)
    assert SearchEngine(loc.root, cache_size=0).search(SearchRequest(q="bor")).total == 0

    grown = tmp_path / "synonyms-nl.toml"   # Bor: left out of the real list, its letters mean other things too
    grown.write_text(SYNONYMS.read_text(encoding="utf-8").replace(
        "groups = [", 'groups = [\n  ["bor", "besluit omgevingsrecht"],', 1), encoding="utf-8")
    monkeypatch.setattr(fingerprint, "RESOURCE_FILES", tuple(grown if p == SYNONYMS else p for p in RESOURCE_FILES))
    monkeypatch.setattr(synonyms.load_synonyms.__wrapped__, "__defaults__", (grown,))
    fingerprint.resource_hash.cache_clear()
    synonyms.load_synonyms.cache_clear()
    try:
        assert update_index(store, loc, progress=False).mode == "none"
        assert SearchEngine(loc.root, cache_size=0).search(SearchRequest(q="bor")).total == 1
    finally:
        fingerprint.resource_hash.cache_clear()
        synonyms.load_synonyms.cache_clear()
