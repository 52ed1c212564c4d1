"""run.py as a user runs it: a real subprocess on the test corpus."""
import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def run(*args, data=None):
    cmd = [sys.executable, str(REPO / "run.py")] + (["--data", str(data)] if data else []) + list(args)
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120)


def test_search_json_is_the_api_json_and_ranks_the_debt_act_first(corpus_data, client, index_url):
    data, _ = corpus_data
    res = run("--index", index_url, "search", "--json", "schuldhulpverlening", data=data)   # the client's backend
    assert res.returncode == 0, res.stderr
    out = json.loads(res.stdout)
    assert "BWBR0031331" in out["results"][0]["url"]
    api = client.get("/api/search?q=schuldhulpverlening").get_json()
    assert [r["url"] for r in out["results"]] == [r["url"] for r in api["results"]]


def test_search_limit_and_human_output(corpus_data):
    data, _ = corpus_data
    res = run("search", "--limit", "2", "woning", data=data)
    assert res.returncode == 0 and res.stdout.count("score ") == 2
    assert json.loads(run("search", "--json", "--limit", "3", "gemeente", data=data).stdout)["page_size"] == 3


def test_an_index_url_no_engine_reads_is_a_clear_error_that_makes_nothing(tmp_path):
    for command in (["search", "foo"], ["eval"], ["index"], ["nightly"], ["serve"]):
        for url in ("whosh:///x", "tantivi:///x"):
            res = subprocess.run([sys.executable, str(REPO / "run.py"), "--data", str(tmp_path / "data"), "--index", url]
                                 + command, capture_output=True, text=True, timeout=120, cwd=tmp_path)
            assert res.returncode == 2, (command, res.stderr)
            assert f"unknown index scheme '{url.split(':')[0]}'" in res.stderr and "Traceback" not in res.stderr
            assert "whoosh:///path" in res.stderr and "tantivy:///path" in res.stderr
            assert "postgresql://user@host/db" in res.stderr
            assert list(tmp_path.iterdir()) == [], command    # no index directory, no data directory, no store


def test_clear_errors_instead_of_tracebacks(tmp_path):
    res = run("search", "wonen", data=tmp_path)
    assert res.returncode != 0 and "run.py index" in res.stderr and "Traceback" not in res.stderr
    res = run("index", data=tmp_path)
    assert res.returncode != 0 and "run.py crawl" in res.stderr
    res = run("crawl", "--site", "bestaatniet", data=tmp_path)
    assert res.returncode != 0 and "unknown site" in res.stderr
    res = run("search", "--limit", "0", "wonen", data=tmp_path)
    assert res.returncode != 0 and "Traceback" not in res.stderr


def test_a_relative_index_url_is_named_by_its_full_path_where_nothing_is_published(tmp_path):
    """tantivy:///x is x in the working directory (sqlite's convention, tantivy:////x is /x): the message says which
    directory it looked in, so whoever meant /x sees it at once."""
    res = subprocess.run([sys.executable, str(REPO / "run.py"), "--data", str(tmp_path / "data"),
                          "--index", "tantivy:///x/tv", "search", "wonen"],
                         capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert res.returncode != 0 and "Traceback" not in res.stderr
    assert f"no index published in {tmp_path / 'x' / 'tv'}" in res.stderr
