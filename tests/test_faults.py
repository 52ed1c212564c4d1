"""Faults with real processes: a killed index build, a damaged or unreadable index, a read-only data
directory. The app keeps serving the previous index and says what is wrong; a rebuild repairs it."""
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from store.crawl_store import CrawlStore
from indexer.build import IndexLocation
from search_app import create_app
from search.engine import SearchRequest
from search.whoosh_engine import SearchEngine

REPO = Path(__file__).resolve().parent.parent
TRIALS = int(os.environ.get("BELEIDSZOEKER_FAULT_TRIALS", "6"))   # the long variant: 20 or more


@pytest.fixture()
def data(corpus_data, tmp_path):
    """A private copy of the test corpus's store and index (faults must not touch the shared one)."""
    src, _ = corpus_data
    dst = tmp_path / "data"
    dst.mkdir()
    shutil.copy(src / "crawl.sqlite3", dst / "crawl.sqlite3")
    shutil.copytree(src / "index", dst / "index", symlinks=True)
    return dst


def run(data, *args, **kw):
    return subprocess.Popen([sys.executable, str(REPO / "run.py"), "--data", str(data), "--quiet", *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kw)


def test_sigkill_during_index_builds_never_breaks_the_live_index(data):
    engine = SearchEngine(data / "index")
    before = engine.search(SearchRequest(q="schuldhulpverlening")).total
    live = IndexLocation(data / "index").live_target()
    rng = random.Random(42)
    for _ in range(TRIALS):
        proc = run(data, "index", "--rebuild", "--procs", "1")
        time.sleep(rng.uniform(0.2, 4.0))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        # whatever moment it died in, the app answers from a complete build
        now_live = IndexLocation(data / "index").live_target()
        assert now_live == live or (data / "index" / now_live / "BUILD.json").is_file()
        assert engine.search(SearchRequest(q="schuldhulpverlening")).total == before
        live = now_live
    done = run(data, "index", "--rebuild", "--procs", "1")
    assert done.wait(180) == 0, done.stderr.read()
    assert engine.search(SearchRequest(q="schuldhulpverlening")).total == before
    leftovers = [d for d in (data / "index" / "builds").iterdir() if not (d / "BUILD.json").exists()]
    assert len(leftovers) <= TRIALS   # incomplete builds older than a minute are pruned by later builds


def test_a_corrupt_index_is_reported_and_rebuild_repairs_it(data):
    live = IndexLocation(data / "index").live_path()
    for f in live.glob("*.seg"):
        f.write_bytes(b"\x00" * 100)
    for f in live.glob("*.toc"):
        f.write_bytes(b"garbage")
    app = create_app({"TESTING": True, "INDEX_DIR": str(data / "index"), "STORE_PATH": str(data / "crawl.sqlite3")})
    c = app.test_client()
    assert c.get("/").status_code == 200                       # the app starts and says what is wrong
    r = c.get("/zoeken?q=wonen")
    assert r.status_code == 503 and "run.py index --rebuild" in r.get_data(as_text=True)
    fix = run(data, "index", "--rebuild", "--procs", "1")
    assert fix.wait(180) == 0, fix.stderr.read()
    assert c.get("/zoeken?q=wonen").status_code == 200


def test_a_missing_index_directory_is_reported(data):
    shutil.rmtree(IndexLocation(data / "index").live_path())
    c = create_app({"TESTING": True, "INDEX_DIR": str(data / "index")}).test_client()
    r = c.get("/api/search?q=wonen")
    assert r.status_code == 503 and "rebuild" in r.get_json()["message"]


def test_a_read_only_data_directory_fails_cleanly(data, monkeypatch, capsys):
    """EROFS when the build directory is made (tests run as root, so permissions cannot simulate it)."""
    import tempfile

    import run as cli

    def read_only(*a, **kw):
        raise OSError(30, "Read-only file system", str(data / "index" / "builds"))
    live = IndexLocation(data / "index").live_target()
    monkeypatch.setattr(tempfile, "mkdtemp", read_only)
    code = cli.main(["--data", str(data), "--quiet", "index", "--rebuild"])
    err = capsys.readouterr().err
    assert code == 1 and "Read-only file system" in err and "vorige index" in err and "Traceback" not in err
    assert IndexLocation(data / "index").live_target() == live


def test_a_full_disk_during_a_build_leaves_the_old_index(data, monkeypatch):
    """ENOSPC in the middle of writing: the build is abandoned and removed, the live index stays."""
    import indexer.build as build
    store = CrawlStore(data / "crawl.sqlite3")
    loc = IndexLocation(data / "index")
    live = loc.live_target()

    def failing_writer(ix_writer_factory):
        def factory(*a, **kw):
            writer = ix_writer_factory(*a, **kw)
            count = {"n": 0}
            original = writer.add_document

            def add_document(**fields):
                count["n"] += 1
                if count["n"] == 5:
                    raise OSError(28, "No space left on device")
                return original(**fields)
            writer.add_document = add_document
            return writer
        return factory

    import whoosh.index
    real_create = whoosh.index.create_in

    def create_in(*a, **kw):
        ix = real_create(*a, **kw)
        ix.writer = failing_writer(ix.writer)
        return ix
    monkeypatch.setattr(build.whoosh.index, "create_in", create_in)
    with pytest.raises(OSError, match="No space left"):
        build.build_index(store, loc, progress=False)
    assert loc.live_target() == live
    assert all((d / "BUILD.json").exists() for d in (data / "index" / "builds").iterdir())


def test_sigkill_during_the_pointer_switch_leaves_a_complete_build_live(data):
    """A process that does nothing but switch the live pointer between two complete builds, killed at random
    moments: the pointer always names one of them, and a stale temporary pointer is cleaned up."""
    loc = IndexLocation(data / "index")
    first = loc.live_path()
    second = loc.new_build_dir()
    for f in first.iterdir():
        shutil.copy2(f, second / f.name)
    script = (f"import sys; sys.path.insert(0, {str(REPO)!r})\n"
              f"from pathlib import Path\nfrom indexer.build import IndexLocation\n"
              f"loc = IndexLocation({str(data / 'index')!r})\n"
              f"a, b = Path({str(first)!r}), Path({str(second)!r})\n"
              "while True:\n    loc.publish(a)\n    loc.publish(b)\n")
    rng = random.Random(7)
    engine = SearchEngine(data / "index")
    for _ in range(TRIALS * 3):
        proc = subprocess.Popen([sys.executable, "-c", script])
        time.sleep(rng.uniform(0.3, 0.8))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        assert loc.live_path() in (first, second)
        assert engine.search(SearchRequest(q="schuldhulpverlening")).total > 0
    loc.prune(keep=5)
    assert not list((data / "index").glob(".current.*"))
