"""robots.txt conformance: every RFC 9309 case of Google's robots.txt test suite passes (tests/robots_rfc9309_cases.py),
plus what our crawler needs beyond it (crawl-delay, hostile patterns)."""
import pytest

from crawler.robotstxt import escape_pattern, is_valid_agent, parse, path_of
from robots_rfc9309_cases import (ALLOWED_CASES, BOM_FILES, INVALID_AGENTS, LINE_END_FILES, SITEMAP,
                                  SITEMAP_FILES, VALID_AGENTS)


@pytest.mark.parametrize("name,robotstxt,agent,url,allowed", ALLOWED_CASES,
                         ids=[f"{i}-{c[0]}" for i, c in enumerate(ALLOWED_CASES)])
def test_google_suite_allow_and_disallow(name, robotstxt, agent, url, allowed):
    assert parse(robotstxt).allowed(agent, url) is allowed


@pytest.mark.parametrize("agent", VALID_AGENTS)
def test_google_suite_valid_agents(agent):
    assert is_valid_agent(agent)


@pytest.mark.parametrize("agent", INVALID_AGENTS)
def test_google_suite_invalid_agents(agent):
    assert not is_valid_agent(agent)


@pytest.mark.parametrize("kind", sorted(LINE_END_FILES))
def test_google_suite_every_line_end_is_a_line_end(kind):
    rules = parse(LINE_END_FILES[kind].encode())
    assert rules.recognised == 4 and rules.unknown == 0
    assert rules.allowed("foo", "http://foo.bar/some/path")
    assert not rules.allowed("bar", "http://foo.bar/x")   # bar's Disallow, after the blank lines, still counts


@pytest.mark.parametrize("body,directives", BOM_FILES)
def test_google_suite_byte_order_mark_is_skipped(body, directives):
    rules = parse(body)
    assert rules.recognised == directives and rules.unknown == 2 - directives


@pytest.mark.parametrize("robotstxt", SITEMAP_FILES)
def test_google_suite_sitemap_line_anywhere(robotstxt):
    assert parse(robotstxt).sitemaps == [SITEMAP]


def test_google_suite_pattern_escaping_and_path_extraction():
    assert escape_pattern("á") == "%C3%A1" and escape_pattern("%aa") == "%AA" and escape_pattern("/a/b") == "/a/b"
    assert path_of("http://www.example.com") == "/"
    assert path_of("http://www.example.com/a/b?c=d&e=f#fragment") == "/a/b?c=d&e=f"
    assert path_of("http://www.example.com/a/b?c=http://d.e/") == "/a/b?c=http://d.e/"


def test_crawl_delay_comes_from_the_group_that_applies():
    rules = parse("User-agent: *\nCrawl-delay: 5\n\nUser-agent: Beleidszoeker\nCrawl-delay: 2\nDisallow: /x\n")
    assert rules.crawl_delay("Beleidszoeker") == 2.0 and rules.crawl_delay("Other") == 5.0
    assert parse("User-agent: *\nCrawl-delay: soon\n").crawl_delay("Beleidszoeker") is None


def test_a_hostile_pattern_is_answered_without_backtracking():
    rules = parse("User-agent: *\nDisallow: /" + "*a" * 500 + "b\n")   # a backtracking matcher never returns
    assert rules.allowed("Beleidszoeker", "http://x.nl/" + "a" * 2000)
    assert not rules.allowed("Beleidszoeker", "http://x.nl/" + "a" * 600 + "b")
