"""The Engine contract (search.engine.Engine), once for every engine over the same corpus: the same queries find the
same documents with the same facets, paging works alike, bad requests fail alike, and a missing index or an index
URL nobody reads is said alike. Ranking may differ between engines (docs/RELEVANCE.md); what matches may not.

A new engine is one more entry in BUILT_INDEXES: the index of the test corpus built for it."""
from __future__ import annotations

import pytest

from indexer.backends import INDEXES
from indexer.location import IndexURLError
from indexer.pg_schema import MAX_POSITION
from search.engine import (FALLBACK_NOTICE, IndexMissing, MAX_PAGE, MAX_PAGE_SIZE, MAX_QUERY_LENGTH, QueryError,
                           SearchRequest)
from search.engines import ENGINES, open_engine

# scheme -> how a test gets the session's corpus indexed for that engine (conftest fixtures)
BUILT_INDEXES = {
    "whoosh": lambda request: str(request.getfixturevalue("index_dir")),
    "tantivy": lambda request: request.getfixturevalue("tantivy_index"),
    "postgresql": lambda request: request.getfixturevalue("postgres_index"),
}
# scheme -> an index location where nothing was built yet
EMPTY_INDEXES = {
    "whoosh": lambda request, tmp_path: str(tmp_path / "index"),
    "tantivy": lambda request, tmp_path: f"tantivy:///{tmp_path / 'tantivy'}",
    "postgresql": lambda request, tmp_path: request.getfixturevalue("postgres_url"),
}

# What people type, with what it exercises: a compound, two concepts, a phrase, an exclusion, a field, a filter
# word, a prefix, synonyms, an elided compound, a query no document fully matches (the fill).
QUERIES = ["schuldhulpverlening", "woningtoewijzing urgentie", '"beslagvrije voet"', "jeugdhulp -pleegzorg",
           "titel:jeugdwet", "rioolheffing gemeente:venlo", "huisvest*", "wmo", "jeugd- en gezinsbeleid",
           "schuldhulpverlening rioolheffing", "gemeente", "verwijst:gemeentewet", "verwijst:BWBR0015703/8",
           "bijstand verwijst:Pw"]


@pytest.fixture(params=sorted(ENGINES))
def engine(request):
    url = BUILT_INDEXES[request.param](request)
    engine = open_engine(url, cache_size=0)
    yield engine
    engine.close()


@pytest.fixture()
def every_engine(request):
    engines = {scheme: open_engine(built(request), cache_size=0) for scheme, built in BUILT_INDEXES.items()}
    yield engines
    for engine in engines.values():
        engine.close()


def test_every_engine_has_an_index_writer_and_a_test_index():
    assert set(ENGINES) == set(INDEXES) == set(BUILT_INDEXES) == set(EMPTY_INDEXES)


# ------------------------------------------------------------------ the same answers from every engine

@pytest.mark.parametrize("q", QUERIES)
def test_every_engine_finds_the_same_documents_with_the_same_facets(every_engine, q):
    """Except where an engine's documented limit shows: a PostgreSQL tsvector holds positions up to MAX_POSITION,
    so a word past that far into a very long law (the Gemeentewet) is not seen there (README, Scale-out)."""
    answers = {}
    for scheme, engine in every_engine.items():
        result = engine.search(SearchRequest(q=q, page_size=5))
        total, hits = engine.all_hits(SearchRequest(q=q), limit=10_000)
        assert total == result.total == len(hits), scheme
        answers[scheme] = (result.total, {h.url: h.id for h in hits}, result.facets, result.notices)
    (_, first), *others = answers.items()
    assert first[0] > 0
    whoosh = every_engine["whoosh"]
    for scheme, other in others:
        differ = set(first[1]) ^ set(other[1])
        assert all(len(whoosh.document({**first[1], **other[1]}[url])["body"].split()) > MAX_POSITION
                   for url in differ), (scheme, differ)
        if not differ:
            assert other[0] == first[0] and other[2:] == first[2:], scheme


def test_every_engine_fills_a_small_every_concept_set_with_most_of_the_concepts(every_engine):
    for scheme, engine in every_engine.items():
        result = engine.search(SearchRequest(q="schuldhulpverlening rioolheffing", page_size=20))
        assert FALLBACK_NOTICE in result.notices, scheme
        assert result.total > 0


def test_every_engine_filters_and_counts_facets_over_every_match(engine):
    everything = engine.search(SearchRequest(q="gemeente", page_size=1))
    assert sum(n for _, n in everything.facets["organisation"]) == everything.total
    assert sum(n for _, n in everything.facets["doctype"]) == everything.total
    laws = engine.search(SearchRequest(q="gemeente", filters={"doctype": ["wet"]}, page_size=100))
    assert 0 < laws.total < everything.total and all(h.doctype == "wet" for h in laws.hits)
    assert dict(everything.facets["doctype"])["wet"] == laws.total
    nothing = engine.search(SearchRequest(q="gemeente", filters={"organisation": ["Gemeente Atlantis"]}))
    assert nothing.total == 0 and nothing.hits == []


def test_every_engine_filters_on_what_documents_cite_and_counts_the_cited_regulations(engine):
    """verwijst: by BWB id, citation title or abbreviation is one filter; the Grondslag facet (refs) counts the
    cited regulations of every match, and filtering on one of its values finds as many documents."""
    by_id, by_title, by_short = (engine.search(SearchRequest(q=q, page_size=100))
                                 for q in ("verwijst:BWBR0005416", "verwijst:Gemeentewet", "verwijst:Gemw"))
    assert by_id.total == by_title.total == by_short.total > 0
    assert {h.url for h in by_id.hits} == {h.url for h in by_title.hits}
    organisations = {h.organisation for h in by_id.hits}
    assert {"Gemeente Venlo", "Gemeente Almere", "Gemeente Amsterdam"} <= organisations   # their legal basis
    assert dict(by_id.facets["refs"])["BWBR0005416"] == by_id.total
    everything = engine.search(SearchRequest(q="", page_size=1))
    grondslag = dict(everything.facets["refs"])
    assert all(v.startswith("BWB") and "/" not in v for v in grondslag)
    faceted = engine.search(SearchRequest(q="", filters={"refs": ["BWBR0005416"]}, page_size=1))
    assert faceted.total == grondslag["BWBR0005416"] == by_id.total
    article = engine.search(SearchRequest(q="verwijst:BWBR0005416/228a", page_size=50))
    assert {h.organisation for h in article.hits} >= {"Gemeente Venlo", "Gemeente Almere"}
    unknown = engine.search(SearchRequest(q="verwijst:Onbekendewet"))
    assert unknown.total == 0 and any("Onbekendewet" in n for n in unknown.notices)


# ------------------------------------------------------------------ paging and order

def test_every_engine_pages_through_distinct_hits_and_clamps_past_the_end(engine):
    first = engine.search(SearchRequest(q="gemeente", page=1, page_size=5))
    second = engine.search(SearchRequest(q="gemeente", page=2, page_size=5))
    assert first.pages == second.pages == -(-first.total // 5) and second.page == 2
    assert len(first.hits) == len(second.hits) == 5
    assert not {h.id for h in first.hits} & {h.id for h in second.hits}
    past = engine.search(SearchRequest(q="gemeente", page=first.pages + 3, page_size=5))
    assert past.page == first.pages and past.hits and any("laatste" in n for n in past.notices)
    every = engine.all_hits(SearchRequest(q="gemeente"), 10_000)[1]
    assert {h.id for h in first.hits + second.hits} <= {h.id for h in every} and len(every) == first.total


def test_every_engine_sorts_by_date_and_by_change(engine):
    by_date = engine.search(SearchRequest(q="gemeente", sort="datum", page_size=50))
    dates = [h.date for h in by_date.hits if h.date]
    assert dates == sorted(dates, reverse=True) and by_date.sort == "datum"
    changed = engine.search(SearchRequest(q="gemeente", page_size=50), order="changed")
    assert [h.changed_at for h in changed.hits] == sorted((h.changed_at for h in changed.hits), reverse=True)
    everything = engine.search(SearchRequest(q="", page_size=3))
    assert everything.sort == "datum" and everything.total == engine.status()["documents"]


def test_every_engine_explains_its_hits_and_suggests_spellings(engine):
    result = engine.search(SearchRequest(q="schuldhulpverlening"))
    top = result.hits[0]
    assert "BWBR0031331" in top.url and top.score > 0
    assert "<mark>" in top.snippet.lower() and top.why and top.organisation == "Rijksoverheid"
    assert engine.search(SearchRequest(q="schuldhulpverlenig")).suggestion == "schuldhulpverlening"
    stop = engine.search(SearchRequest(q="de het van"))
    assert stop.total == 0 and any("te algemeen" in n for n in stop.notices)


def test_a_hit_carries_the_snippet_passage_and_reasons_whoosh_gives_it(every_engine):
    """What a hit carries besides its rank: its best passage with the deep link to that article, its snippet (the
    words marked) and "why this result", all from the query terms the hit matched, which are those of the query's
    clauses it matches (search.engine.matching_leaves): a compound's part far from its other part, or a word only a
    bonus clause asks for, is no reason. The same in every engine that can tell which clauses a document matches,
    but where the engines read a compound's parts "near each other" differently (tantivy's phrase slop is not
    Whoosh's span distance: on the eval queries 2 of 882 shared hits differ in their snippet, none in passage), and
    Whoosh may name one more field for a reason. PostgreSQL reports every query term a document holds, so its
    marks and reasons may say more (issue 18)."""
    def carried(engine, q):
        return {h.id: (h.passage, h.deep_link, h.snippet, [w["reason"] for w in h.why],
                       {w["reason"]: set(w["fields"]) for w in h.why})
                for h in engine.search(SearchRequest(q=q, page_size=20)).hits}
    for scheme in sorted(set(every_engine) - {"whoosh", "postgresql"}):
        shared = same = 0
        for q in QUERIES:
            whoosh, other = carried(every_engine["whoosh"], q), carried(every_engine[scheme], q)
            for i in whoosh.keys() & other.keys():
                shared += 1
                same += other[i][:4] == whoosh[i][:4] and all(
                    fields <= whoosh[i][4].get(reason, set()) for reason, fields in other[i][4].items())
        assert shared > 50 and same >= 0.9 * shared, (scheme, same, shared)


def test_every_engine_gives_a_document_and_its_look_alikes(engine):
    hit = engine.search(SearchRequest(q="schuldhulpverlening")).hits[0]
    doc = engine.document(hit.id)
    assert doc["url"] == hit.url and doc["title"] == hit.title and doc["themes"] == hit.themes
    assert doc["date"] == hit.date and doc["body"]
    similar = engine.similar(hit.id)
    assert similar and hit.id not in {h.id for h in similar}
    assert engine.document("0000000000000000") is None and engine.similar("0000000000000000") == []
    assert engine.status()["ok"] is True


# ------------------------------------------------------------------ errors

@pytest.mark.parametrize("req", [SearchRequest(q="wonen", sort="x"), SearchRequest(q="wonen", page=0),
                                 SearchRequest(q="wonen", page=MAX_PAGE + 1),
                                 SearchRequest(q="wonen", page_size=MAX_PAGE_SIZE + 1),
                                 SearchRequest(q="w" * (MAX_QUERY_LENGTH + 1)),
                                 SearchRequest(q="wonen", filters={"body": ["x"]})])
def test_every_engine_refuses_the_same_bad_requests(engine, req):
    with pytest.raises(QueryError):
        engine.search(req)
    with pytest.raises(QueryError):
        engine.all_hits(req, 10)


@pytest.mark.parametrize("q", ['"schuld', "(wonen", "AND wonen", "wonen OR OR huur", "*", "jongeren *"])
def test_every_engine_reads_broken_syntax_as_words_without_raising(engine, q):
    result = engine.search(SearchRequest(q=q))
    assert result.total >= 0


@pytest.mark.parametrize("scheme", sorted(EMPTY_INDEXES))
def test_every_engine_says_when_there_is_no_index(request, tmp_path, scheme):
    engine = open_engine(EMPTY_INDEXES[scheme](request, tmp_path), cache_size=0)
    with pytest.raises(IndexMissing, match="run.py index"):
        engine.search(SearchRequest(q="wonen"))
    assert engine.status()["ok"] is False and "run.py index" in engine.status()["message"]


@pytest.mark.parametrize("url", ["whosh:///x", "tantivi:///x", "sqlite:///x.sqlite3", "whoosh:///", "tantivy:///"])
def test_an_index_url_no_engine_reads_names_the_schemes_there_are(tmp_path, monkeypatch, url):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(IndexURLError) as e:
        open_engine(url)
    assert "whoosh:///" in str(e.value) and "tantivy:///" in str(e.value) and "postgresql://" in str(e.value)
    assert list(tmp_path.iterdir()) == []   # nothing made


@pytest.mark.parametrize("url, scheme, target", [
    ("data/index", "whoosh", "data/index"), ("/srv/index", "whoosh", "/srv/index"),
    ("whoosh:///data/index", "whoosh", "data/index"), ("whoosh:////srv/index", "whoosh", "/srv/index"),
    ("tantivy:///data/tantivy", "tantivy", "data/tantivy"), ("tantivy:////srv/tantivy", "tantivy", "/srv/tantivy"),
    ("postgresql://bz@db/bz", "postgresql", "postgresql://bz@db/bz"),
    ("postgres://bz@db/bz", "postgresql", "postgres://bz@db/bz")])
def test_index_urls_are_read_in_one_place(url, scheme, target):
    from indexer.location import parse_index_url
    where = parse_index_url(url, ENGINES)
    assert (where.scheme, where.target) == (scheme, target)
    assert str(parse_index_url("postgresql://bz:geheim@db/bz", ENGINES)) == "postgresql://bz@db/bz"
