"""The RFC 9309 (REP) cases of Google's robots.txt test suite, as data.

Ported from google/robotstxt, robots_test.cc (Apache-2.0, Copyright 2019 Google LLC): every expectation of its
`ID_*` tests, the ones that check the standard rather than Google's own extensions (`GoogleOnly_*` are left out).
Each case: (test name, robots.txt, user agent, URL, allowed?). The URL is given as the caller passes it (the suite
says percent-encoding the URL is the caller's job).
"""
FOO_BOT = "FooBot"

_GROUPS = ("allow: /foo/bar/\n\nuser-agent: FooBot\ndisallow: /\nallow: /x/\nuser-agent: BarBot\ndisallow: /\n"
           "allow: /y/\n\n\nallow: /w/\nuser-agent: BazBot\n\nuser-agent: FooBot\nallow: /z/\ndisallow: /\n")
_UPPER = "USER-AGENT: FooBot\nALLOW: /x/\nDISALLOW: /\n"
_LOWER = "user-agent: FooBot\nallow: /x/\ndisallow: /\n"
_CAMEL = "uSeR-aGeNt: FooBot\nAlLoW: /x/\ndIsAlLoW: /\n"
_UA_UPPER = "User-Agent: FOO BAR\nAllow: /x/\nDisallow: /\n"
_UA_LOWER = "User-Agent: foo bar\nAllow: /x/\nDisallow: /\n"
_UA_CAMEL = "User-Agent: FoO bAr\nAllow: /x/\nDisallow: /\n"
_GLOBAL = "user-agent: *\nallow: /\nuser-agent: FooBot\ndisallow: /\n"
_ONLY_SPECIFIC = "user-agent: FooBot\nallow: /\nuser-agent: BarBot\ndisallow: /\nuser-agent: BazBot\ndisallow: /\n"
_PAGE = "http://foo.bar/x/page.html"

ALLOWED_CASES = [
    # ID_LineSyntax_Line
    ("line-syntax", "user-agent: FooBot\ndisallow: /\n", FOO_BOT, "http://foo.bar/x/y", False),
    ("line-syntax", "foo: FooBot\nbar: /\n", FOO_BOT, "http://foo.bar/x/y", True),
    ("line-syntax", "user-agent FooBot\ndisallow /\n", FOO_BOT, "http://foo.bar/x/y", False),
    # ID_LineSyntax_Groups
    ("groups", _GROUPS, "FooBot", "http://foo.bar/x/b", True),
    ("groups", _GROUPS, "FooBot", "http://foo.bar/z/d", True),
    ("groups", _GROUPS, "FooBot", "http://foo.bar/y/c", False),
    ("groups", _GROUPS, "BarBot", "http://foo.bar/y/c", True),
    ("groups", _GROUPS, "BarBot", "http://foo.bar/w/a", True),
    ("groups", _GROUPS, "BarBot", "http://foo.bar/z/d", False),
    ("groups", _GROUPS, "BazBot", "http://foo.bar/z/d", True),
    ("groups", _GROUPS, "FooBot", "http://foo.bar/foo/bar/", False),
    ("groups", _GROUPS, "BarBot", "http://foo.bar/foo/bar/", False),
    ("groups", _GROUPS, "BazBot", "http://foo.bar/foo/bar/", False),
    # ID_REPLineNamesCaseInsensitive
    ("line-names-case", _UPPER, FOO_BOT, "http://foo.bar/x/y", True),
    ("line-names-case", _LOWER, FOO_BOT, "http://foo.bar/x/y", True),
    ("line-names-case", _CAMEL, FOO_BOT, "http://foo.bar/x/y", True),
    ("line-names-case", _UPPER, FOO_BOT, "http://foo.bar/a/b", False),
    ("line-names-case", _LOWER, FOO_BOT, "http://foo.bar/a/b", False),
    ("line-names-case", _CAMEL, FOO_BOT, "http://foo.bar/a/b", False),
    # ID_UserAgentValueCaseInsensitive
    *[("agent-value-case", txt, agent, url, allowed)
      for agent in ("Foo", "foo")
      for url, allowed in (("http://foo.bar/x/y", True), ("http://foo.bar/a/b", False))
      for txt in (_UA_UPPER, _UA_LOWER, _UA_CAMEL)],
    # ID_GlobalGroups_Secondary
    ("global-group", "", FOO_BOT, "http://foo.bar/x/y", True),
    ("global-group", _GLOBAL, FOO_BOT, "http://foo.bar/x/y", False),
    ("global-group", _GLOBAL, "BarBot", "http://foo.bar/x/y", True),
    ("global-group", _ONLY_SPECIFIC, "QuxBot", "http://foo.bar/x/y", True),
    # ID_AllowDisallow_Value_CaseSensitive
    ("value-case", "user-agent: FooBot\ndisallow: /x/\n", FOO_BOT, "http://foo.bar/x/y", False),
    ("value-case", "user-agent: FooBot\ndisallow: /X/\n", FOO_BOT, "http://foo.bar/x/y", True),
    # ID_LongestMatch
    ("longest", "user-agent: FooBot\ndisallow: /x/page.html\nallow: /x/\n", FOO_BOT, _PAGE, False),
    ("longest", "user-agent: FooBot\nallow: /x/page.html\ndisallow: /x/\n", FOO_BOT, _PAGE, True),
    ("longest", "user-agent: FooBot\nallow: /x/page.html\ndisallow: /x/\n", FOO_BOT, "http://foo.bar/x/", False),
    ("longest", "user-agent: FooBot\ndisallow: \nallow: \n", FOO_BOT, _PAGE, True),
    ("longest", "user-agent: FooBot\ndisallow: /\nallow: /\n", FOO_BOT, _PAGE, True),
    ("longest", "user-agent: FooBot\ndisallow: /x\nallow: /x/\n", FOO_BOT, "http://foo.bar/x", False),
    ("longest", "user-agent: FooBot\ndisallow: /x\nallow: /x/\n", FOO_BOT, "http://foo.bar/x/", True),
    ("longest", "user-agent: FooBot\ndisallow: /x/page.html\nallow: /x/page.html\n", FOO_BOT, _PAGE, True),
    ("longest", "user-agent: FooBot\nallow: /page\ndisallow: /*.html\n", FOO_BOT, "http://foo.bar/page.html", False),
    ("longest", "user-agent: FooBot\nallow: /page\ndisallow: /*.html\n", FOO_BOT, "http://foo.bar/page", True),
    ("longest", "user-agent: FooBot\nallow: /x/page.\ndisallow: /*.html\n", FOO_BOT, _PAGE, True),
    ("longest", "user-agent: FooBot\nallow: /x/page.\ndisallow: /*.html\n", FOO_BOT, "http://foo.bar/x/y.html",
     False),
    ("longest", "User-agent: *\nDisallow: /x/\nUser-agent: FooBot\nDisallow: /y/\n", FOO_BOT,
     "http://foo.bar/x/page", True),
    ("longest", "User-agent: *\nDisallow: /x/\nUser-agent: FooBot\nDisallow: /y/\n", FOO_BOT,
     "http://foo.bar/y/page", False),
    # ID_Encoding
    ("encoding", "User-agent: FooBot\nDisallow: /\nAllow: /foo/bar?qux=taz&baz=http://foo.bar?tar&par\n", FOO_BOT,
     "http://foo.bar/foo/bar?qux=taz&baz=http://foo.bar?tar&par", True),
    ("encoding", "User-agent: FooBot\nDisallow: /\nAllow: /foo/bar/ツ\n", FOO_BOT,
     "http://foo.bar/foo/bar/%E3%83%84", True),
    ("encoding", "User-agent: FooBot\nDisallow: /\nAllow: /foo/bar/ツ\n", FOO_BOT, "http://foo.bar/foo/bar/ツ", False),
    ("encoding", "User-agent: FooBot\nDisallow: /\nAllow: /foo/bar/%E3%83%84\n", FOO_BOT,
     "http://foo.bar/foo/bar/%E3%83%84", True),
    ("encoding", "User-agent: FooBot\nDisallow: /\nAllow: /foo/bar/%E3%83%84\n", FOO_BOT,
     "http://foo.bar/foo/bar/ツ", False),
    ("encoding", "User-agent: FooBot\nDisallow: /\nAllow: /foo/bar/%62%61%7A\n", FOO_BOT,
     "http://foo.bar/foo/bar/baz", False),
    ("encoding", "User-agent: FooBot\nDisallow: /\nAllow: /foo/bar/%62%61%7A\n", FOO_BOT,
     "http://foo.bar/foo/bar/%62%61%7A", True),
    # ID_SpecialCharacters
    ("special", "User-agent: FooBot\nDisallow: /foo/bar/quz\nAllow: /foo/*/qux\n", FOO_BOT,
     "http://foo.bar/foo/bar/quz", False),
    ("special", "User-agent: FooBot\nDisallow: /foo/bar/quz\nAllow: /foo/*/qux\n", FOO_BOT,
     "http://foo.bar/foo/quz", True),
    ("special", "User-agent: FooBot\nDisallow: /foo/bar/quz\nAllow: /foo/*/qux\n", FOO_BOT,
     "http://foo.bar/foo//quz", True),
    ("special", "User-agent: FooBot\nDisallow: /foo/bar/quz\nAllow: /foo/*/qux\n", FOO_BOT,
     "http://foo.bar/foo/bax/quz", True),
    ("special", "User-agent: FooBot\nDisallow: /foo/bar$\nAllow: /foo/bar/qux\n", FOO_BOT,
     "http://foo.bar/foo/bar", False),
    ("special", "User-agent: FooBot\nDisallow: /foo/bar$\nAllow: /foo/bar/qux\n", FOO_BOT,
     "http://foo.bar/foo/bar/qux", True),
    ("special", "User-agent: FooBot\nDisallow: /foo/bar$\nAllow: /foo/bar/qux\n", FOO_BOT,
     "http://foo.bar/foo/bar/", True),
    ("special", "User-agent: FooBot\nDisallow: /foo/bar$\nAllow: /foo/bar/qux\n", FOO_BOT,
     "http://foo.bar/foo/bar/baz", True),
    ("special", "User-agent: FooBot\n# Disallow: /\nDisallow: /foo/quz#qux\nAllow: /\n", FOO_BOT,
     "http://foo.bar/foo/bar", True),
    ("special", "User-agent: FooBot\n# Disallow: /\nDisallow: /foo/quz#qux\nAllow: /\n", FOO_BOT,
     "http://foo.bar/foo/quz", False),
]

# ID_VerifyValidUserAgentsToObey: which product tokens a crawler may call itself (RFC 9309 2.2.1).
VALID_AGENTS = ["Foobot", "Foobot-Bar", "Foo_Bar"]
INVALID_AGENTS = [None, "", "ツ", "Foobot*", " Foobot ", "Foobot/2.1", "Foobot Bar"]

# ID_LinesNumbersAreCountedCorrectly: every kind of line end (LF, CRLF, CR, none at the end, mixed).
# Four directives each: foo may fetch /some/path, bar's group (two blank lines later) disallows everything.
LINE_END_FILES = {
    "unix": "User-Agent: foo\nAllow: /some/path\nUser-Agent: bar\n\n\nDisallow: /\n",
    "dos": "User-Agent: foo\r\nAllow: /some/path\r\nUser-Agent: bar\r\n\r\n\r\nDisallow: /\r\n",
    "mac": "User-Agent: foo\rAllow: /some/path\rUser-Agent: bar\r\r\rDisallow: /\r",
    "no-final-newline": "User-Agent: foo\nAllow: /some/path\nUser-Agent: bar\n\n\nDisallow: /",
    "mixed": "User-Agent: foo\nAllow: /some/path\r\nUser-Agent: bar\n\r\n\nDisallow: /",
}

# ID_UTF8ByteOrderMarkIsSkipped: (bytes, number of valid directives). A whole or partial UTF-8 BOM at the start is
# skipped; a broken one makes the first line garbage; a BOM in the middle breaks its line.
BOM_FILES = [
    (b"\xef\xbb\xbfUser-Agent: foo\nAllow: /AnyValue\n", 2),
    (b"\xef\xbbUser-Agent: foo\nAllow: /AnyValue\n", 2),
    (b"\xefUser-Agent: foo\nAllow: /AnyValue\n", 2),
    (b"\xef\x11\xbfUser-Agent: foo\nAllow: /AnyValue\n", 1),
    (b"User-Agent: foo\n\xef\xbb\xbfAllow: /AnyValue\n", 1),
]

# ID_NonStandardLineExample_Sitemap: a sitemap line anywhere in the file.
SITEMAP_FILES = [
    "User-Agent: foo\nAllow: /some/path\nUser-Agent: bar\n\n\nSitemap: http://foo.bar/sitemap.xml\n",
    "Sitemap: http://foo.bar/sitemap.xml\nUser-Agent: foo\nAllow: /some/path\nUser-Agent: bar\n\n\n",
]
SITEMAP = "http://foo.bar/sitemap.xml"
