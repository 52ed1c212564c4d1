"""The PostgreSQL search backend's own parts: query translation, term frequency out of a tsvector, the index
published in one transaction and kept in step with the store. (Its behaviour as a search engine is checked by
the app suite, which runs on both backends.)"""
from __future__ import annotations

import psycopg
import pytest

from store.crawl_store import CrawlStore
from lang.analysis import stems
from indexer.pg_index import PostgresIndex, tsvector_literal
from search_app import create_app
from search.engine import SearchRequest, parse_query
from search.postgresql_engine import EVERY, PostgresSearchEngine, tf_sql, to_tsquery
from search.query import QueryBuilder

BUILDER = QueryBuilder()


def tsquery(text: str):
    return to_tsquery(parse_query(BUILDER, text, []).query)


def test_a_word_becomes_its_stem_in_the_weighted_text_fields_with_its_compound_parts():
    q = tsquery("woningtoewijzing")
    # the parts must stand together: in one compound (<0>, same position) or a few positions apart, either order
    assert "'woningtoewijz':ABD" in q
    assert "'woning':D <0> 'toewijz':D" in q and "'toewijz':D <3> 'woning':D" in q and "<4>" not in q


def test_exclusion_filters_and_phrases_translate_to_tsquery_operators():
    assert "!" in tsquery("subsidie -sport") and "'sport'" in tsquery("subsidie -sport")
    assert "'org:rotterdam'" in tsquery("wonen gemeente:rotterdam")
    assert "'thema:wonen'" in tsquery("huur thema:wonen")
    assert "<->" in tsquery('"beslagvrije voet"')


def test_an_empty_query_matches_everything_and_stop_words_alone_match_nothing():
    assert to_tsquery(BUILDER.build("").query) == EVERY
    assert tsquery("de het van") is None


def test_the_tsvector_puts_compound_parts_at_the_compounds_position_and_weighs_fields():
    literal, length = tsvector_literal({"title": "Woningtoewijzing", "body": "De woningtoewijzing in de stad",
                                        "org_words": "Gemeente Utrecht", "themes": "wonen"})
    assert "'woningtoewijz':1A" in literal and "'woning':1A" in literal
    assert "'org:utrecht'" in literal and "'thema:wonen'" in literal
    assert length >= 2


@pytest.mark.parametrize("in_title", [0, 1, 2])
@pytest.mark.parametrize("tf", [1, 2, 3, 5, 10, 40])
def test_term_frequency_is_recovered_from_ts_rank(postgres_url, tf, in_title):
    body = " ".join(["subsidie", "voor", "sport", "en", "cultuur"] * tf)
    literal, _ = tsvector_literal({"title": " ".join(["Subsidie"] * in_title) + " regeling", "body": body})
    (stem,) = stems("subsidie")
    with psycopg.connect(postgres_url) as conn:
        title_tf, body_tf = conn.execute(
            "WITH r AS (SELECT ts_rank('{0,0,0,1}', v, q, 0) AS rt, ts_rank('{1,0,0,0}', v, q, 0) AS rb "
            "FROM (SELECT %s::tsvector AS v, %s::tsquery AS q) x) "
            f"SELECT {tf_sql('rt', '0')}, {tf_sql('rb', tf_sql('rt', '0'))} FROM r", (literal, stem)).fetchone()
    assert title_tf == pytest.approx(in_title, abs=0.1)
    assert body_tf == pytest.approx(tf, rel=0.1, abs=0.2)


def _record(store, url, title, text):
    store.record_content(run_id=None, site="t", url=url, status=200, content_type="text/html",
                         body=(title + text).encode(), indexable=True,
                         extract={"title": title, "text": text, "meta": {"organisation": "Gemeente Zwolle"}})


def test_an_update_adds_changes_and_removes_in_one_transaction(tmp_path, postgres_url):
    store = CrawlStore(tmp_path / "crawl.sqlite3")
    _record(store, "http://t.nl/a", "Huisvestingsverordening", "Regels over woonruimte en urgentie.")
    _record(store, "http://t.nl/b", "Subsidieregeling sport", "Subsidie voor sportverenigingen.")
    index = PostgresIndex(postgres_url)
    assert index.build(store, progress=False).documents == 2
    engine = PostgresSearchEngine(postgres_url)
    assert engine.search(SearchRequest(q="urgentie")).total == 1

    _record(store, "http://t.nl/a", "Huisvestingsverordening", "Regels over woonruimte, zonder voorrang.")
    _record(store, "http://t.nl/c", "Verordening jeugdhulp", "Toegang tot jeugdhulp en urgentie.")
    with store.transaction() as db:
        db.execute("UPDATE pages SET indexable = 0 WHERE url = 'http://t.nl/b'")
    report = index.update(store, progress=False)
    assert (report.mode, report.added, report.updated, report.deleted, report.documents) == (
        "incremental", 1, 1, 1, 2)
    assert [h.url for h in engine.search(SearchRequest(q="urgentie")).hits] == ["http://t.nl/c"]
    assert engine.search(SearchRequest(q="sportverenigingen")).total == 0
    assert index.update(store, progress=False).mode == "none"


def test_an_unreachable_server_is_reported_not_a_crash():
    client = create_app({"TESTING": True, "INDEX_DIR": "postgresql://nobody@127.0.0.1:9/none"}).test_client()
    r = client.get("/api/search?q=wonen")
    assert r.status_code == 503


def test_an_unreachable_crawl_store_gives_a_clear_503_on_the_pages_that_need_it(index_dir):
    client = create_app({"TESTING": True, "INDEX_DIR": str(index_dir),
                         "STORE_PATH": "postgresql://nobody@127.0.0.1:9/none"}).test_client()
    assert client.get("/zoeken?q=wonen").status_code == 200          # search does not need the store
    r = client.get("/dekking")
    assert r.status_code == 503 and "niet bereikbaar" in r.get_data(as_text=True)
