"""The compound splitter is bounded: every word, however long or repetitive, costs O(length²) at most.

A query word is typed by anyone (up to 500 characters) and a crawled page can hold any string, so a splitter
that is exponential in the word's length is a denial of service on both the app and the nightly build."""
from lang.compounds import MAX_WORD, MIN_WORD, CompoundSplitter


def _counting_splitter():
    s = CompoundSplitter()
    calls = []
    solve = s._best_uncached

    def counted(word):
        calls.append(word)
        return solve(word)
    s._best_uncached = counted
    return s, calls


def test_each_suffix_of_a_repetitive_compound_is_solved_once():
    # three real parts repeated: every split point of every suffix has a valid left part
    word = "stadsdeelraad" * 3 + "gemeentebelasting" * 2
    assert len(word) <= MAX_WORD + 40
    s, calls = _counting_splitter()
    s.split(word[:MAX_WORD])
    assert len(calls) == len(set(calls))                  # nothing solved twice
    assert len(calls) <= MAX_WORD - MIN_WORD + 1          # at most one call per suffix


def test_a_word_longer_than_any_real_compound_is_not_split():
    s, calls = _counting_splitter()
    monster = "stadsdeelraad" * 40                        # 520 letters, longer than a query may be
    assert s.split(monster) == ()
    assert calls == []


def test_memoising_keeps_the_splits():
    s = CompoundSplitter()
    assert s.split("woningbouwprogramma") == ("woning", "bouw", "programma", "woningbouw")
    assert s.split("huisvestingsverordening")[-1] == "huisvesting"
    assert s.split("gemeente") == ()


def test_long_query_words_go_through_the_whole_search_path(index_dir):
    """A 234-letter word stalled a worker for over 30 s before the fix; the splitter must not be asked twice."""
    from search.engine import SearchRequest
    from search.whoosh_engine import SearchEngine
    engine = SearchEngine(index_dir, cache_size=0)
    result = engine.search(SearchRequest(q="stadsdeelraad" * 18 + " " + "gemeentebelasting" * 3))
    assert result.total == 0 and not result.hits


def test_a_long_word_asks_the_vocabulary_for_no_near_words():
    """Near words cost length² per vocabulary word: a 500-letter word must not be looked up at all."""
    from search.spelling import MAX_WORD, suggest
    asked = []

    def near(word):
        asked.append(word)
        return [("gemeente", 100)]
    corrected, unknown = suggest(["stadsdeelraad" * 3, "gemeentee"], 0, lambda w: 0, near)
    assert asked == ["gemeentee"] and corrected.endswith("gemeente")
    assert len("stadsdeelraad" * 3) > MAX_WORD
