#!/usr/bin/env python3
"""Beleidszoeker's one command line: the data flow sites -> crawler -> store -> indexer -> index -> app.

    python run.py mirror                 render the bundled corpus as local websites and serve them
    python run.py crawl [--site NAME]    crawl sites into the crawl store (default: the local mirrors)
    python run.py index [--rebuild]      build the search index from the store and publish it atomically
    python run.py serve                  serve the web app under gunicorn on http://127.0.0.1:8000
    python run.py search "query"         search from the terminal (--json prints what /api/search returns)
    python run.py eval [--per-query]     relevance on the evaluation set (nDCG@10, P@10, recall@100, MRR)
    python run.py setup                  mirror + crawl + index, but only what is missing (used by make run)
    python run.py nightly [--group g40]  crawl -> incremental index update -> report (for cron)
    python run.py migrate --to-store URL --to-index URL   copy the store and index to PostgreSQL

Data (crawl store, index, rendered mirrors) lives in ./data, or in $BELEIDSZOEKER_DATA, or in --data.
Where the crawl store and the index live is a URL (--store / $BELEIDSZOEKER_STORE, --index /
$BELEIDSZOEKER_INDEX): by default sqlite:///<data>/crawl.sqlite3 and whoosh:///<data>/index; for the
scale-out setup both can be postgresql://user@host/db (see README).
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import socket
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

REPO = Path(__file__).resolve().parent
sys.path.insert(0, str(REPO))


def data_dir(args) -> Path:
    return Path(args.data or os.environ.get("BELEIDSZOEKER_DATA") or REPO / "data").resolve()


def store_url(args) -> str:
    return args.store or os.environ.get("BELEIDSZOEKER_STORE") or str(data_dir(args) / "crawl.sqlite3")


def index_url(args) -> str:
    return args.index or os.environ.get("BELEIDSZOEKER_INDEX") or str(data_dir(args) / "index")


def open_store(args):
    """The crawl store named by --store; a missing SQLite file is created, an unreachable server is an error."""
    from store.crawl_store import CrawlStore
    return CrawlStore(store_url(args))


def say(msg: str) -> None:
    print(msg, flush=True)


def fail(msg: str, code: int = 2) -> int:
    print(f"fout: {msg}", file=sys.stderr, flush=True)
    return code


# ------------------------------------------------------------------ mirrors

def _port_open(url: str) -> bool:
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname, parts.port or 80), timeout=0.5):
            return True
    except OSError:
        return False


@contextmanager
def mirrors_running(sites, data: Path):
    """Serve the mirror sites in this process while the block runs, unless something already answers."""
    import mirror
    wanted = [s for s in sites if s.mirror and not _port_open(s.allow[0])]
    if not wanted:
        yield
        return
    mirror.ensure_rendered(wanted, data, log=say)
    server = mirror.serve_sites(wanted, data)
    owner = os.getpid()
    say(f"spiegels draaien tijdelijk: {', '.join(s.allow[0] for s in wanted)}")
    try:
        yield
    finally:
        if os.getpid() == owner:   # a forked child (a gunicorn worker) has no server threads to stop
            server.close()


def cmd_mirror(args) -> int:
    import mirror
    from crawler.config import load_sites, select
    sites = [s for s in select(load_sites(args.sites_file), args.site, None) if s.mirror]
    mirror.ensure_rendered(sites, data_dir(args), force=args.force, log=say)
    busy = [s.allow[0] for s in sites if _port_open(s.allow[0])]
    if busy:
        return fail(f"poort al in gebruik: {', '.join(busy)} (draait run.py mirror al?)")
    server = mirror.serve_sites(sites, data_dir(args))
    for s in sites:
        say(f"{s.name:20s} {s.allow[0]}")
    say("Spiegels draaien. Stop met Ctrl-C.")
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        server.close()
    return 0


# ------------------------------------------------------------------ crawl

def show_progress(args) -> bool:
    """Progress bars only for a person watching: not with --quiet, not under --log-format json (one JSON object
    per line on stderr), not when stderr is a file or pipe (cron)."""
    return not args.quiet and args.log_format != "json" and sys.stderr.isatty()


def _run_crawl(args, sites):
    from crawler.config import load_run_settings
    from crawler.crawl import crawl
    data = data_dir(args)
    store = open_store(args)
    settings = load_run_settings(args.sites_file)
    with mirrors_running(sites, data):
        return store, crawl(sites, store, progress=show_progress(args), parallel=settings.parallel,
                            budget_s=settings.budget_minutes * 60)


def _crawl(args, sites) -> int:
    from nightly import site_summary
    _, reports = _run_crawl(args, sites)
    for r in reports:
        say(site_summary(r))
    return 1 if any(r.failed for r in reports) else 0


def _sites(args):
    from crawler.config import load_sites, select
    group = None if args.site else (args.group or "mirror")
    return select(load_sites(args.sites_file), args.site, group)


def cmd_crawl(args) -> int:
    sites = _sites(args)
    if not sites:
        return fail("geen sites gekozen")
    return _crawl(args, sites)


# ------------------------------------------------------------------ index

def cmd_index(args) -> int:
    from indexer.backends import index_store, open_index
    from nightly import index_summary
    from store.database import is_postgres_url, sqlite_path
    open_index(index_url(args))   # an index URL nothing can write is an error before anything is read or made
    where = store_url(args)
    if not is_postgres_url(where) and not sqlite_path(where).exists():
        return fail(f"geen crawl-store in {where}; eerst: python run.py crawl")
    store = open_store(args)
    if store.count_documents() == 0:
        return fail("de crawl-store bevat nog geen documenten; eerst: python run.py crawl")
    from crawler.reference_sync import sync_references
    sync_references(store)   # a store from before references (or read with another table) gets them first
    rebuild = getattr(args, "rebuild", True)
    report = index_store(store, index_url(args), rebuild=rebuild, procs=args.procs, progress=show_progress(args),
                         reason="--rebuild" if rebuild else "")
    say(index_summary(report))
    return 0


def cmd_references(args) -> int:
    """Read the references of every document that lacks them (all with --rebuild); the next index update
    carries them into the index."""
    from crawler.reference_sync import sync_references
    from store.database import is_postgres_url, sqlite_path
    where = store_url(args)
    if not is_postgres_url(where) and not sqlite_path(where).exists():
        return fail(f"geen crawl-store in {where}; eerst: python run.py crawl")
    n = sync_references(open_store(args), rebuild=args.rebuild)
    say(f"verwijzingen gelezen uit {n} documenten")
    return 0


# ------------------------------------------------------------------ nightly

def cmd_nightly(args) -> int:
    from indexer.backends import index_store, open_index
    from nightly import run_nightly
    open_index(index_url(args))   # a wrong index URL is said before the night's crawl, not after it
    sites = _sites(args)
    return run_nightly(data_dir(args), sites, crawl=lambda: _run_crawl(args, sites),
                       update_index=lambda store: index_store(store, index_url(args), rebuild=False, procs=args.procs,
                                                              progress=show_progress(args)),
                       say=say, fail=fail)


# ------------------------------------------------------------------ setup (make run)

def cmd_setup(args) -> int:
    """What make run needs: an index built by this version of the code. Crawls the mirrors only when
    there is no crawl store yet; rebuilds when the index is missing or outdated."""
    from indexer.build import config_hash
    from indexer.location import IndexLocation, IndexMissing
    data = data_dir(args)
    location = IndexLocation(data / "index")
    args.site, args.group, args.rebuild = None, "mirror", True
    try:
        location.live_path()
        if location.info().get("config_hash") == config_hash():
            say(f"index aanwezig in {data / 'index'}")
            return 0
        say("De index is gebouwd door een oudere versie; hij wordt opnieuw gebouwd.")
    except IndexMissing:
        pass
    from store.crawl_store import CrawlStore
    store_path = data / "crawl.sqlite3"
    if not store_path.exists() or CrawlStore(store_path).count_documents() == 0:
        say("Eerste start: de gebundelde bronnen worden als lokale websites geserveerd, gecrawld en geïndexeerd.")
        code = _crawl(args, _sites(args))
        if code:
            return code
    return cmd_index(args)


# ------------------------------------------------------------------ serve

def cmd_serve(args) -> int:
    from gunicorn.app.base import BaseApplication

    os.environ["BELEIDSZOEKER_DATA"] = str(data_dir(args))
    os.environ["BELEIDSZOEKER_STORE"] = store_url(args)
    os.environ["BELEIDSZOEKER_INDEX"] = index_url(args)

    class App(BaseApplication):
        def load_config(self):
            self.cfg.set("bind", f"{args.host}:{args.port}")
            self.cfg.set("workers", args.workers)
            self.cfg.set("timeout", 60)
            self.cfg.set("accesslog", "-" if args.access_log else None)
            self.cfg.set("proc_name", "beleidszoeker")

        def load(self):
            from search_app import create_app
            return create_app()

    from crawler.config import load_sites, select
    from search.engines import open_engine
    open_engine(index_url(args), cache_size=0)   # an index URL no engine reads is an error before serving
    sites = [s for s in select(load_sites(args.sites_file), None, "mirror") if s.mirror] if args.with_mirrors else []
    with mirrors_running(sites, data_dir(args)):   # the demo's source links keep working while the app serves
        say(f"Beleidszoeker draait op http://{args.host}:{args.port}/  (stoppen: Ctrl-C)")
        App().run()
    return 0


# ------------------------------------------------------------------ search

def cmd_search(args) -> int:
    from search.engine import IndexMissing, QueryError, SearchRequest
    from search.engines import open_engine
    filters = {}
    for field, values in (("themes", args.thema), ("organisation", args.gemeente), ("doctype", args.type),
                          ("year", args.jaar)):
        if values:
            filters[field] = values
    engine = open_engine(index_url(args))
    try:
        result = engine.search(SearchRequest(q=args.query, filters=filters, sort=args.sort, page=1,
                                             page_size=args.limit))
    except IndexMissing as e:
        return fail(str(e))
    except QueryError as e:
        return fail(str(e))
    if args.json:
        print(json.dumps(result.as_json(), ensure_ascii=False, indent=2))
        return 0
    for n in result.notices:
        say(f"let op: {n}")
    say(f"{result.total} documenten")
    import re
    for i, h in enumerate(result.hits, 1):
        snippet = re.sub(r"</?mark>", "*", h.snippet).replace("\n", " ")
        say(f"{i:3d}. {h.title[:100]}\n     {h.organisation} · {h.doctype} · {h.date or 'zonder datum'} · "
            f"score {h.score:.2f}\n     {h.url}\n     {snippet[:200]}")
    return 0


# ------------------------------------------------------------------ migrate

def cmd_migrate(args) -> int:
    """Copy the crawl store (and build the index) into other backends, e.g. the embedded default -> PostgreSQL.
    The source stays as it is: switch over by pointing --store/--index (or the environment) at the target."""
    from indexer.backends import index_store, open_index
    from nightly import index_summary
    from store.crawl_store import CrawlStore
    from store.database import is_postgres_url, redact, sqlite_path
    from store.migrate import MigrationError, copy_store
    if args.to_index:
        open_index(args.to_index)   # before anything is copied
    if not is_postgres_url(store_url(args)) and not sqlite_path(store_url(args)).exists():
        return fail(f"geen crawl-store in {store_url(args)}: er is niets te migreren")
    source = open_store(args)
    try:
        target = CrawlStore(args.to_store)
        say(f"crawl-store: {source} -> {target}")
        copied = copy_store(source, target, log=say)
    except (MigrationError, ConnectionError) as e:
        return fail(str(e))
    if args.to_index:
        say(f"index: opnieuw opgebouwd in {redact(args.to_index)} uit de gemigreerde store")
        report = index_store(target, args.to_index, rebuild=True, procs=args.procs, progress=show_progress(args),
                             reason="migrate")
        say(index_summary(report))
    say(f"klaar: {sum(copied.values())} rijen gekopieerd; gebruik voortaan --store {redact(args.to_store)}"
        + (f" --index {redact(args.to_index)}" if args.to_index else ""))
    return 0


# ------------------------------------------------------------------ eval

def cmd_eval(args) -> int:
    from search.engine import IndexMissing
    from search.engines import open_engine
    from search.evaluation import EVAL_DIR, evaluate, read_queries, write_run
    eval_dir = Path(args.set) if args.set else EVAL_DIR
    try:
        result = evaluate(open_engine(index_url(args), cache_size=0), eval_dir)
    except IndexMissing as e:
        return fail(str(e))
    if args.json:
        print(json.dumps({"means": result.means, "unjudged@10": result.unjudged_at_10,
                          "per_query": result.per_query, "unjudged": result.unjudged}, indent=2))
        return 0
    texts = dict(read_queries(eval_dir / "queries.tsv"))
    say(f"{'query':44s} nDCG@10  P@10 rec@100   MRR unjudged@10")
    for qid, scores in result.per_query.items():
        say(f"{qid:4s} {texts.get(qid, '')[:39]:39s} {scores['nDCG@10']:7.3f} {scores['P@10']:5.2f} "
            f"{scores['recall@100']:7.2f} {scores['MRR']:5.2f} {len(result.unjudged[qid]):4d}"
            + (f"  {' '.join(result.unjudged[qid])}" if args.per_query and result.unjudged[qid] else ""))
    say(f"queries: {len(result.per_query)} ({eval_dir})")
    for name, value in result.means.items():
        say(f"{name:12s} {value:.4f}")
    say(f"{'unjudged@10':12s} {result.unjudged_at_10:.4f}  (documents in a top 10 without a judgment count as "
        "not relevant; --per-query lists them)")
    if args.unjudged_pool:
        rows = [f"{qid}\t{doc}\teval" for qid, docs in result.unjudged.items() for doc in docs]
        Path(args.unjudged_pool).write_text("".join(r + "\n" for r in rows), encoding="utf-8")
        say(f"{len(rows)} unjudged top-10 documents -> {args.unjudged_pool} (pool format: bench/pool.py show)")
    if args.run_file:
        write_run(result, Path(args.run_file))
        say(f"run: {args.run_file}")
    return 0


# ------------------------------------------------------------------ CLI

def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="run.py", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", help="data directory (default: $BELEIDSZOEKER_DATA or ./data)")
    p.add_argument("--store", help="crawl store: a path, sqlite:///path or postgresql://user@host/db "
                                   "(default: $BELEIDSZOEKER_STORE or <data>/crawl.sqlite3)")
    p.add_argument("--index", help="search index: a path, whoosh:///path, tantivy:///path or postgresql://user@host/db "
                                   "(default: $BELEIDSZOEKER_INDEX or <data>/index)")
    p.add_argument("--sites-file", default=str(REPO / "corpus" / "sites.toml"), help="site list (TOML)")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    p.add_argument("--log-level", default=None, help="DEBUG, INFO, WARNING, ERROR (default: INFO for nightly, "
                                                     "WARNING otherwise)")
    p.add_argument("--log-format", choices=["text", "json"], default="text",
                   help="json: one JSON object per line on stderr (for log collectors)")
    sub = p.add_subparsers(dest="command", required=True)

    m = sub.add_parser("mirror", help="serve the bundled corpus as local websites")
    m.add_argument("--site", action="append", help="only this mirror site (repeatable)")
    m.add_argument("--force", action="store_true", help="render again even if up to date")
    m.set_defaults(func=cmd_mirror)

    c = sub.add_parser("crawl", help="crawl sites into the store")
    c.add_argument("--site", action="append", help="site name from sites.toml (repeatable)")
    c.add_argument("--group", choices=["mirror", "g40"], help="all sites of a group (default: mirror)")
    c.set_defaults(func=cmd_crawl)

    i = sub.add_parser("index", help="build the index from the store and publish it")
    i.add_argument("--rebuild", action="store_true",
                   help="build everything anew (default: update only new, changed and removed documents)")
    i.add_argument("--procs", type=int, default=min(2, os.cpu_count() or 1), help="indexing processes")
    i.set_defaults(func=cmd_index)

    r = sub.add_parser("references", help="read what each stored document cites (the reference table)")
    r.add_argument("--rebuild", action="store_true", help="read every document again (default: only those "
                                                          "without references or read with another table)")
    r.set_defaults(func=cmd_references)

    s = sub.add_parser("setup", help="mirror + crawl + index, only if there is no index yet")
    s.add_argument("--procs", type=int, default=min(2, os.cpu_count() or 1))
    s.set_defaults(func=cmd_setup)

    n = sub.add_parser("nightly", help="crawl, update the index incrementally, write a report (for cron)")
    n.add_argument("--site", action="append", help="site name from sites.toml (repeatable)")
    n.add_argument("--group", choices=["mirror", "g40"], help="all sites of a group (default: mirror)")
    n.add_argument("--procs", type=int, default=min(2, os.cpu_count() or 1))
    n.set_defaults(func=cmd_nightly)

    v = sub.add_parser("serve", help="serve the app under gunicorn")
    v.add_argument("--host", default="127.0.0.1")
    v.add_argument("--port", type=int, default=8000)
    v.add_argument("--workers", type=int, default=min(4, 2 * (os.cpu_count() or 1)))
    v.add_argument("--access-log", action="store_true")
    v.add_argument("--with-mirrors", action="store_true",
                   help="also serve the local mirror sites (the demo's sources) while the app runs (make run)")
    v.set_defaults(func=cmd_serve)

    g = sub.add_parser("migrate", help="copy the crawl store to another backend (and rebuild the index there)")
    g.add_argument("--to-store", required=True, help="target store URL, e.g. postgresql://user@host/db (empty)")
    g.add_argument("--to-index", help="target index URL, e.g. postgresql://user@host/db: built from the copied store")
    g.add_argument("--procs", type=int, default=min(2, os.cpu_count() or 1))
    g.set_defaults(func=cmd_migrate)

    e = sub.add_parser("eval", help="relevance: nDCG@10, P@10, recall@100, MRR on bench/eval (or --set DIR)")
    e.add_argument("--set", help="folder with queries.tsv and qrels.tsv (default: bench/eval; scored with its "
                                 "own score.py, else bench/eval's)")
    e.add_argument("--per-query", action="store_true", help="also name the unjudged documents in each top 10")
    e.add_argument("--unjudged-pool", metavar="FILE",
                   help="write the unjudged top-10 documents as a judging pool (qid, docid) for bench/pool.py")
    e.add_argument("--json", action="store_true")
    e.add_argument("--run-file", help="also write a TREC run file")
    e.set_defaults(func=cmd_eval)

    q = sub.add_parser("search", help="search the index")
    q.add_argument("query")
    q.add_argument("--json", action="store_true", help="print the /api/search JSON")
    q.add_argument("--limit", type=int, default=10, help="number of results (1-100)")
    q.add_argument("--sort", default="relevantie", choices=["relevantie", "datum"])
    q.add_argument("--thema", action="append")
    q.add_argument("--gemeente", action="append")
    q.add_argument("--type", action="append")
    q.add_argument("--jaar", action="append")
    q.set_defaults(func=cmd_search)
    return p


_STANDARD_LOG_FIELDS = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


class JsonLogFormatter(logging.Formatter):
    """One JSON object per event: time, level, logger, message and every `extra` field."""

    def format(self, record: logging.LogRecord) -> str:
        event = {"time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"), "level": record.levelname,
                 "logger": record.name, "message": record.getMessage()}
        event.update({k: v for k, v in vars(record).items() if k not in _STANDARD_LOG_FIELDS})
        if record.exc_info:
            event["exception"] = self.formatException(record.exc_info)
        return json.dumps(event, ensure_ascii=False, default=str)


class TextLogFormatter(logging.Formatter):
    """time level logger message key=value ... (the extra fields, so text logs stay structured too)."""

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        extras = " ".join(f"{k}={v}" for k, v in vars(record).items() if k not in _STANDARD_LOG_FIELDS)
        return f"{line} {extras}" if extras else line


def setup_logging(level: str, fmt: str) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonLogFormatter() if fmt == "json"
                         else TextLogFormatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(getattr(logging, str(level).upper(), logging.WARNING))
    logging.getLogger("urllib3").setLevel(logging.WARNING)


def main(argv=None) -> int:
    args = parser().parse_args(argv)
    setup_logging(args.log_level or ("INFO" if args.command == "nightly" else "WARNING"), args.log_format)
    from crawler.config import ConfigError
    from indexer.location import IndexURLError
    from indexer.themes import ThemeConfigError
    try:
        return args.func(args)
    except (ConfigError, ThemeConfigError, IndexURLError) as e:
        return fail(str(e))
    except OSError as e:   # disk full, read-only data directory, permissions: say so, no traceback
        logging.getLogger("beleidszoeker").debug("stopped by an OS error", exc_info=True)
        return fail(f"{e.strerror or e} ({e.filename or data_dir(args)}); de vorige index blijft in gebruik", code=1)
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
