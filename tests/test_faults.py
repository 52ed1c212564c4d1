"""Faults with real processes, for every engine that publishes builds in a directory (Whoosh, tantivy): a killed
index build or update, a damaged or missing index, a read-only data directory, a full disk, a killed pointer
switch. The app keeps serving the previous index and says what is wrong; a rebuild repairs it. PostgreSQL publishes
in a transaction: a killed build or update leaves the last committed index, and a full build does not stop
searches while it writes (the end of this file); an unreachable server is tests/test_pg_search.py's."""
import os
import random
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from indexer.build import IndexLocation
from indexer.location import parse_index_url
from indexer.pg_index import PostgresIndex
from search.engine import SearchRequest
from search.engines import open_engine
from search_app import create_app
from store.crawl_store import CrawlStore

REPO = Path(__file__).resolve().parent.parent
TRIALS = int(os.environ.get("BELEIDSZOEKER_FAULT_TRIALS", "6"))   # the long variant: 20 or more


class Engine:
    """One engine's index in a private copy of the test corpus's data directory (faults must not touch the
    shared one): its URL, its directory of builds, and how to damage its files."""

    def __init__(self, name: str, data: Path, root: Path):
        self.name, self.data, self.root = name, data, root
        self.url = str(root) if name == "whoosh" else f"{name}:///{root}"
        self.location = IndexLocation(root)

    def open(self):
        return open_engine(self.url, cache_size=0)

    def run(self, *args):
        """run.py on this data directory and index, in its own process."""
        return subprocess.Popen([sys.executable, str(REPO / "run.py"), "--data", str(self.data), "--quiet",
                                 "--index", self.url, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE)

    def damage(self, how: str) -> None:
        """Break the live build: its table of contents ('meta': Whoosh's .toc, tantivy's meta.json) or its
        segments ('segments': Whoosh's overwritten, as Whoosh keeps no checksums; bytes flipped inside tantivy's,
        found only when a query reads them)."""
        live = self.location.live_path()
        if how == "meta":
            for f in [*live.glob("*.toc"), *live.glob("meta.json")]:
                f.write_text("{not json")
            return
        for f in live.glob("*.seg"):
            f.write_bytes(b"\x00" * 100)
        rng = random.Random(3)
        for f in sorted(live.iterdir()):
            if f.suffix in (".idx", ".term", ".pos", ".store", ".fast", ".fieldnorm"):
                data = bytearray(f.read_bytes())
                for _ in range(50):
                    data[rng.randrange(0, max(1, len(data) - 64))] ^= 0xFF
                f.write_bytes(bytes(data))


@pytest.fixture(params=["whoosh", "tantivy"])
def engine(request, corpus_data, tmp_path) -> Engine:
    """A private copy of the test corpus's store and of its index in one engine."""
    src, _ = corpus_data
    data = tmp_path / "data"
    data.mkdir()
    shutil.copy(src / "crawl.sqlite3", data / "crawl.sqlite3")
    if request.param == "whoosh":
        shutil.copytree(src / "index", data / "index", symlinks=True)
        return Engine("whoosh", data, data / "index")
    built = parse_index_url(request.getfixturevalue("tantivy_index"), ["tantivy"]).path
    shutil.copytree(built, data / "tantivy", symlinks=True)
    return Engine("tantivy", data, data / "tantivy")


def ids(searcher, q="schuldhulpverlening") -> list[str]:
    return [h.id for h in searcher.search(SearchRequest(q=q)).hits]


def test_sigkill_during_index_builds_and_updates_never_breaks_the_live_index(engine):
    searcher = engine.open()
    before = ids(searcher)
    live = engine.location.live_target()
    rng = random.Random(42)
    for trial in range(TRIALS):
        proc = engine.run("index", *(["--rebuild"] if trial % 2 == 0 else []), "--procs", str(1 + trial % 2))
        time.sleep(rng.uniform(0.2, 4.0))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        # whatever moment it died in, the app answers from a complete build
        now_live = engine.location.live_target()
        assert now_live == live or (engine.root / now_live / "BUILD.json").is_file()
        assert ids(searcher) == before
        live = now_live
    done = engine.run("index", "--rebuild", "--procs", "2")
    assert done.wait(300) == 0, done.stderr.read()
    assert ids(searcher) == before
    leftovers = [d for d in (engine.root / "builds").iterdir() if not (d / "BUILD.json").exists()]
    assert len(leftovers) <= TRIALS   # incomplete builds older than a minute are pruned by later builds


def test_a_killed_build_leaves_no_worker_processes_behind(engine):
    """The analysis runs in worker processes (indexer.workers): when the build is killed they end too."""
    proc = engine.run("index", "--rebuild", "--procs", "2")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not children(proc.pid):
        time.sleep(0.1)
    workers = children(proc.pid)
    assert workers, "the build started no worker processes"
    time.sleep(0.5)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and any(alive(pid) for pid in workers):
        time.sleep(0.1)
    assert not any(alive(pid) for pid in workers)


def children(pid: int) -> list[int]:
    try:
        found = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return []
    return [int(p) for p in found]


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.parametrize("how", ["meta", "segments"])
def test_a_damaged_index_is_reported_and_a_rebuild_repairs_it(engine, how):
    engine.damage(how)
    c = create_app({"TESTING": True, "INDEX_DIR": engine.url,
                    "STORE_PATH": str(engine.data / "crawl.sqlite3")}).test_client()
    assert c.get("/").status_code == 200                       # the app starts and says what is wrong
    r = c.get("/zoeken?q=wonen")
    assert r.status_code == 503 and "index --rebuild" in r.get_data(as_text=True)
    fix = engine.run("index", "--rebuild", "--procs", "1")
    assert fix.wait(300) == 0, fix.stderr.read()
    assert c.get("/zoeken?q=wonen").status_code == 200


def test_a_missing_index_directory_is_reported(engine):
    shutil.rmtree(engine.location.live_path())
    c = create_app({"TESTING": True, "INDEX_DIR": engine.url}).test_client()
    r = c.get("/api/search?q=wonen")
    assert r.status_code == 503 and "rebuild" in r.get_json()["message"]


def test_a_read_only_data_directory_fails_cleanly(engine, monkeypatch, capsys):
    """EROFS when the build directory is made (tests run as root, so permissions cannot simulate it)."""
    import tempfile

    import run as cli

    def read_only(*a, **kw):
        raise OSError(30, "Read-only file system", str(engine.root / "builds"))
    live = engine.location.live_target()
    monkeypatch.setattr(tempfile, "mkdtemp", read_only)
    code = cli.main(["--data", str(engine.data), "--quiet", "--index", engine.url, "index", "--rebuild"])
    err = capsys.readouterr().err
    assert code == 1 and "Read-only file system" in err and "vorige index" in err and "Traceback" not in err
    assert engine.location.live_target() == live


@pytest.mark.parametrize("procs", [1, 2])
def test_a_full_disk_during_a_build_leaves_the_old_index(engine, monkeypatch, procs):
    """ENOSPC in the middle of writing: the build is abandoned and removed, the live index stays."""
    from indexer.backends import open_index
    index = open_index(engine.url, procs=procs)
    written = {"n": 0}
    original = index.target.add

    def add(self, document):
        written["n"] += 1
        if written["n"] == 5:
            raise OSError(28, "No space left on device")
        return original(self, document)
    monkeypatch.setattr(index.target, "add", add)
    live = engine.location.live_target()
    with pytest.raises(OSError, match="No space left"):
        index.build(CrawlStore(engine.data / "crawl.sqlite3"), progress=False)
    assert engine.location.live_target() == live
    assert all((d / "BUILD.json").exists() for d in (engine.root / "builds").iterdir())
    assert ids(engine.open())


def test_sigkill_during_the_pointer_switch_leaves_a_complete_build_live(engine):
    """A process that does nothing but switch the live pointer between two complete builds, killed at random
    moments: the pointer always names one of them, and a stale temporary pointer is cleaned up."""
    loc = engine.location
    first = loc.live_path()
    second = loc.new_build_dir()
    for f in first.iterdir():
        shutil.copy2(f, second / f.name)
    script = (f"import sys; sys.path.insert(0, {str(REPO)!r})\n"
              f"from pathlib import Path\nfrom indexer.build import IndexLocation\n"
              f"loc = IndexLocation({str(engine.root)!r})\n"
              f"a, b = Path({str(first)!r}), Path({str(second)!r})\n"
              "while True:\n    loc.publish(a)\n    loc.publish(b)\n")
    rng = random.Random(7)
    searcher = engine.open()
    for _ in range(TRIALS * 3):
        proc = subprocess.Popen([sys.executable, "-c", script])
        time.sleep(rng.uniform(0.3, 0.8))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        assert loc.live_path() in (first, second)
        assert searcher.search(SearchRequest(q="schuldhulpverlening")).total > 0
    loc.prune(keep=5)
    assert not list(engine.root.glob(".current.*"))


# ---------------------------------------------------------------- PostgreSQL: publishing is a transaction

class PausedStore:
    """A crawl store whose documents stop coming after `after` of them until `resume` is set: a build caught in
    the middle of writing."""

    def __init__(self, store: CrawlStore, after: int):
        self.store, self.after = store, after
        self.reached, self.resume = threading.Event(), threading.Event()

    def documents(self, urls=None):
        for i, record in enumerate(self.store.documents(urls=urls)):
            if i == self.after:
                self.reached.set()
                self.resume.wait(120)
            yield record

    def __getattr__(self, name):
        return getattr(self.store, name)


@pytest.fixture
def pg_corpus(corpus_data, postgres_url):
    """The test corpus's store and a PostgreSQL index of it in a database of its own."""
    store = CrawlStore(corpus_data[0] / "crawl.sqlite3", readonly=True)
    PostgresIndex(postgres_url).build(store, progress=False)
    return store, postgres_url, corpus_data[0]


def test_searches_go_on_while_a_postgresql_full_build_writes(pg_corpus):
    """A full build writes tables of its own and renames them in at its commit: a search during the build answers
    from the live index at once instead of waiting for the build to end, and after it the same connection reads
    the new build."""
    store, url, _ = pg_corpus
    searcher = open_engine(url, cache_size=0)
    before = ids(searcher)
    generation = int(PostgresIndex(url).info()["generation"])
    paused = PausedStore(store, after=3)
    builder = threading.Thread(target=PostgresIndex(url).build, args=(paused,), kwargs={"progress": False})
    builder.start()
    try:
        assert paused.reached.wait(60), "the build never started writing"
        answered: dict = {}
        search = threading.Thread(target=lambda: answered.setdefault("ids", ids(searcher)), daemon=True)
        search.start()
        search.join(30)
        answered_during_build = "ids" in answered
    finally:
        paused.resume.set()
        builder.join(120)
    assert answered_during_build, "a search waited for the build's commit"
    assert answered["ids"] == before
    assert int(PostgresIndex(url).info()["generation"]) == generation + 1
    assert ids(searcher) == before
    assert ids(searcher, "huurtoeslag") == ids(open_engine(url, cache_size=0), "huurtoeslag")


def test_sigkill_during_postgresql_builds_and_updates_leaves_the_last_committed_index(pg_corpus, tmp_path):
    """A killed build or update is a transaction that never committed: the index is the last committed one, whole,
    and the next build goes through (nothing half-made is left in its way)."""
    _, url, data = pg_corpus
    searcher = open_engine(url, cache_size=0)
    before = ids(searcher)
    info = PostgresIndex(url).info()
    with PostgresIndex(url).connect() as conn:   # a third of the documents out of date: an update has work to do
        conn.execute("UPDATE search_documents SET doc_key = 'stale' WHERE id IN "
                     "(SELECT id FROM search_documents ORDER BY id LIMIT (SELECT COUNT(*) / 3 FROM search_documents))")
    rng = random.Random(7)
    for trial in range(TRIALS):
        proc = subprocess.Popen([sys.executable, str(REPO / "run.py"), "--data", str(data), "--quiet",
                                 "--index", url, "index", *(["--rebuild"] if trial % 2 == 0 else [])],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        time.sleep(rng.uniform(0.5, 4.0))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        now = PostgresIndex(url).info()
        assert now["build"]["documents"] == info["build"]["documents"]
        assert int(now["generation"]) >= int(info["generation"])
        assert ids(searcher) == before
    done = subprocess.run([sys.executable, str(REPO / "run.py"), "--data", str(data), "--quiet",
                           "--index", url, "index", "--rebuild"], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert ids(searcher) == before
