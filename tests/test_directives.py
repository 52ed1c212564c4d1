"""Robots directives of a page (meta robots, X-Robots-Tag) are whole list items, and a header item scoped to
another crawler is not for us."""
import pytest

from crawler.directives import Directives, header_directives, meta_directives
from crawler.extract import extract_html

NONE, NOINDEX, NOFOLLOW, BOTH = Directives(), Directives(True, False), Directives(False, True), Directives(True, True)


@pytest.mark.parametrize("content,expected", [
    ("noindex, nofollow", BOTH),
    ("NONE", BOTH),
    ("max-image-preview:none", NONE),            # a value 'none', not the directive none
    ("index, follow, max-snippet:-1, max-image-preview:large", NONE),
    ("noindexing, nofollowers", NONE),
    ("nofollow", NOFOLLOW),
    ("noarchive,noindex", NOINDEX),
])
def test_meta_robots_is_a_list_of_directives(content, expected):
    assert meta_directives(content) == expected


@pytest.mark.parametrize("value,expected", [
    ("noindex", NOINDEX),
    ("googlebot: noindex", NONE),                        # for Google only
    ("googlebot: noindex, nofollow", NONE),              # both scoped to googlebot
    ("beleidszoeker: noindex", NOINDEX),                 # ours by name (case-insensitive)
    ("otherbot: noindex, Beleidszoeker: nofollow", NOFOLLOW),
    ("max-image-preview:none, max-snippet: 20", NONE),
    ("unavailable_after: Friday, 25-Jun-2010 15:00:00 PST, nofollow", NOFOLLOW),
    ("none", BOTH),
    ("", NONE),
])
def test_x_robots_tag_is_read_per_user_agent(value, expected):
    assert header_directives(value, "Beleidszoeker") == expected


def _page(robots_meta: str) -> bytes:
    return (f"<html><head><meta name='robots' content='{robots_meta}'></head>"
            "<body><main><p>Tekst</p><a href='/b'>b</a></main></body></html>").encode()


def test_extraction_reads_meta_robots_as_directives():
    ex = extract_html(_page("max-image-preview:none"), "http://x.nl/")
    assert not ex.noindex and not ex.nofollow
    ex = extract_html(_page("noindex"), "http://x.nl/")
    assert ex.noindex and not ex.nofollow
