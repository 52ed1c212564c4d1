"""Snippets (search.snippets): pure functions shared by both search backends."""
from __future__ import annotations

import json

from lang.analysis import stems
from search.snippets import LONG_BODY, mark, snippet


def test_marks_every_form_of_the_stems_and_escapes_the_rest():
    html, at = mark("De <b>woningen</b> en de woning: woningtoewijzing.", set(stems("woning")))
    assert html.count("<mark>") == 3 and "&lt;b&gt;" in html and at == len("De <b>")


def test_the_window_is_the_densest_cluster_of_marks():
    text = "subsidie " + "vulling " * 200 + "sport subsidie sport subsidie " + "vulling " * 200
    html, at = mark(text, set(stems("subsidie sport")))
    assert html.count("<mark>") == 4 and html.startswith("… ") and html.endswith(" …")
    assert at == text.index("sport")


def test_no_match_gives_the_start_of_the_text():
    assert mark("niets te zien", {"woning"}) == ("", -1)
    assert snippet("niets te zien hier", "[]", "http://x.nl/", {"woning"}) == ("niets te zien hier", "", "")


def test_a_long_text_is_cut_to_its_best_passage_which_the_result_links_to():
    filler = "Algemene bepalingen over van alles en nog wat. " * 100
    first = "Artikel 1\n" + filler
    second = "Artikel 2\nDe beslagvrije voet wordt berekend. " + filler
    body = first + "\n\n" + second
    passages = json.dumps([["artikel-1", "Artikel 1", 0, len(first)],
                           ["artikel-2", "Artikel 2", len(first) + 2, len(body)]])
    assert len(body) > LONG_BODY
    html, heading, link = snippet(body, passages, "http://x.nl/wet", set(stems("beslagvrije voet")))
    assert "<mark>beslagvrije</mark> <mark>voet</mark>" in html
    assert (heading, link) == ("Artikel 2", "http://x.nl/wet#artikel-2")


def test_the_window_ends_at_a_word():
    text = "woning " + "abcdefghij " * 60
    html, _ = mark(text, set(stems("woning")))
    assert html.endswith("abcdefghij …")


def test_the_words_a_snippet_marks_are_the_words_the_index_read_as_those_terms():
    """spans() gives the characters of every word whose term or compound part is asked for, as the token
    stream does: a compound for its part, an elided compound for its completed form, no stop word."""
    from lang.analysis import dutch_analyzer
    from search.marks import Marker
    ana = dutch_analyzer()
    text = "De woningtoewijzing en het jeugd- en gezinsbeleid van de gemeente; de Woning."
    terms = {next(iter(ana("woning"))).text, next(iter(ana("gezinsbeleid"))).text, "de"}
    expected = sorted({(t.startchar, t.endchar) for t in ana(text, positions=True, chars=True) if t.text in terms})
    assert Marker(ana).spans(text, terms) == expected
    assert [text[s:e] for s, e in expected] == ["woningtoewijzing", "gezinsbeleid", "Woning"]


def test_after_title_skips_every_leading_repetition_of_the_title_and_nothing_else():
    from search.snippets import after_title, without_title
    title = "Verordening maatschappelijke ondersteuning Tilburg 2024"
    text = f"{title} – VERORDENING  maatschappelijke\nondersteuning Tilburg 2024 : Artikel 1 Begrippen"
    assert text[after_title(text, title):] == "Artikel 1 Begrippen"
    assert after_title("Artikel 1 " + title, title) == 0               # only at the start
    cut = title[:45]   # a stored title cut mid-word ("… ondersteuning Ti") and the full one after it: both skipped
    heading = f"{cut} – {title} · Artikel 2"   # as far as the cut title reaches (no word end is needed)
    assert heading[after_title(heading, cut):] == "lburg 2024 · Artikel 2"
    assert after_title("Verordening maatschappelijke", title) == 0    # a part of the title is not the title
    assert after_title("Verordening-maatschappelijke ondersteuning Tilburg 2024", title) == 0  # words apart
    assert after_title("Wmo: tekst", "Wmo") == 0                       # titles under four characters stay
    assert without_title(f"{title} · Artikel 3", title) == "Artikel 3"
    assert without_title(title, title) == ""
