"""The pages of tests/fixtures/webread (known encoding or date, see pages.json; also measured by
bench/webread_eval.py) come out with the right text and the right date."""
import json
from pathlib import Path

import pytest

from crawler.extract import extract_html

FIXTURES = Path(__file__).parent / "fixtures" / "webread"
CASES = json.loads((FIXTURES / "pages.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("case", CASES, ids=[c["file"] for c in CASES])
def test_fixture_page_reads_right(case):
    ex = extract_html((FIXTURES / case["file"]).read_bytes(), "http://x.nl/nota/", case["http_charset"])
    if case["text"] is not None:
        assert case["text"] in ex.text and "\ufffd" not in ex.text, case["note"]
    if case["date"] is not None:
        assert ex.meta.get("date", "") == case["date"], case["note"]
