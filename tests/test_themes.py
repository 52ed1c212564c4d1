"""Theme tagging: a document gets the themes it is substantially about, not every theme it mentions."""
from collections import Counter

import pytest

from indexer.themes import ThemeConfigError, ThemeMatcher, load_themes


@pytest.fixture(scope="module")
def matcher():
    return ThemeMatcher(load_themes())


def slugs(matcher, title, text):
    return [e.slug for e in matcher.assign(title, text)]


def test_the_ten_g40_themes_are_configured():
    themes = load_themes()
    assert len(themes) == 10
    assert {t.slug for t in themes} >= {"wonen", "schulden-en-armoede", "veiligheid", "energietransitie-en-klimaat"}


def test_a_title_on_the_theme_with_support_in_the_text_assigns_it(matcher):
    text = ("Het college biedt schuldhulpverlening aan inwoners met problematische schulden. "
            "Bij schuldhulpverlening hoort ook nazorg.")
    assert "schulden-en-armoede" in slugs(matcher, "Beleidsplan schuldhulpverlening 2024", text)


def test_a_dense_text_assigns_the_theme_without_a_title_hit(matcher):
    text = ("De woningcorporatie wijst woningen toe aan woningzoekenden. Bij woningtoewijzing geldt urgentie "
            "voor huurders die hun woning moeten verlaten. De huisvestingsverordening regelt de woonruimte. ") * 3
    assert slugs(matcher, "Regels 2024", text)[0] == "wonen"


def test_a_single_mention_is_not_enough(matcher):
    text = "Dit besluit gaat over de inrichting van archieven. " * 30 + "Ook woningen worden genoemd."
    assert "wonen" not in slugs(matcher, "Archiefbesluit", text)


def test_ordinary_words_that_start_like_a_theme_do_not_count(matcher):
    # 'zorgvuldig' and 'zorg dragen' are not care; 'schuld' in criminal law is guilt, not debt.
    text = ("Het bestuursorgaan handelt zorgvuldig en draagt zorg voor een zorgvuldige afweging. "
            "De verdachte heeft schuld aan het feit. ") * 10
    assert slugs(matcher, "Algemene bepalingen", text) == []


def test_inflected_forms_and_compounds_match(matcher):
    hits, _ = matcher.count("huurwoningen en woningbouwprogramma's en de schuldhulpverleners")
    assert hits["huurwoning*"] == 1 and hits["woningbouw*"] == 1 and hits["schuldhulp*"] == 1


def test_one_word_counts_once_per_theme(matcher):
    hits, _ = matcher.count("woningen")
    assert sum(n for kw, n in hits.items() if "wonen" in matcher._keyword_theme[kw]) == 1


def test_at_most_three_themes_strongest_first(matcher):
    text = ("woning huurder woningcorporatie schulden schuldhulpverlening armoede politie veiligheid handhaving "
            "onderwijs leerlingen school verkeer vervoer mobiliteit") * 5
    assigned = matcher.assign("", text)
    assert len(assigned) == 3
    assert [e.score for e in assigned] == sorted((e.score for e in assigned), reverse=True)


def test_evidence_says_why(matcher):
    ev = matcher.assign("Schuldhulpverlening", "schuldhulpverlening bij schulden en beslagvrije voet")[0]
    assert ev.slug == "schulden-en-armoede"
    assert ev.keywords["schuldhulp*"] == 2 and ev.keywords["beslagvrije voet"] == 1


def test_bad_theme_files_get_clear_errors(tmp_path):
    bad = tmp_path / "themes.toml"
    bad.write_text('[[theme]]\nslug = "Wonen!"\nlabel = "x"\nkeywords = ["a"]\n')
    with pytest.raises(ThemeConfigError, match="slug"):
        load_themes(bad)
    bad.write_text('[[theme]]\nslug = "x"\nlabel = "x"\nkeywords = ["twee woorden*"]\n')
    with pytest.raises(ThemeConfigError, match="one word"):
        ThemeMatcher(load_themes(bad))
    bad.write_text("[[theme]\n")
    with pytest.raises(ThemeConfigError):
        load_themes(bad)


def test_keywords_are_counted_in_the_order_of_their_first_hit_word_by_word(matcher):
    """count() reads per distinct word, but says what a reading word by word says: at each word its keywords, then
    the phrases starting there; the evidence lists ties in that order."""
    def word_by_word(text):
        words = matcher._folded(text)
        stems = [matcher._stem(w) for w in words]
        hits = Counter()
        for i, (word, stem) in enumerate(zip(words, stems)):
            for kw in matcher._keywords_of_word(word):
                hits[kw] += 1
            for phrase, kw in matcher._phrases.get(stem, ()):
                if tuple(stems[i:i + len(phrase)]) == phrase:
                    hits[kw] += 1
        return list(hits.items()), len(words)

    phrase = next(kw for known in matcher._phrases.values() for _, kw in known)
    texts = ["Woningbouw en jeugdzorg; de woningen, het woningbouwprogramma en de jeugdhulp.",
             f"Over {phrase}: armoede, schulden, {phrase} en nog eens armoede.",
             " ".join(["Veiligheid", "wonen", "jeugd", phrase, "armoedebeleid", "woning"] * 50),
             "", "de het een"]
    for text in texts:
        hits, n = matcher.count(text)
        assert (list(hits.items()), n) == word_by_word(text)
