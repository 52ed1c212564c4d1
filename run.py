#!/usr/bin/env python3
"""Beleidszoeker's one command line: the data flow sites -> crawler -> store -> indexer -> index -> app.

    python run.py mirror                 render the bundled corpus as local websites and serve them
    python run.py crawl [--site NAME]    crawl sites into the crawl store (default: the local mirrors)
    python run.py index [--rebuild]      build the search index from the store and publish it atomically
    python run.py serve                  serve the web app under gunicorn on http://127.0.0.1:8000
    python run.py search "query"         search from the terminal (--json prints what /api/search returns)
    python run.py setup                  mirror + crawl + index, but only what is missing (used by make run)

Data (crawl store, index, rendered mirrors) lives in ./data, or in $BELEIDSZOEKER_DATA, or in --data.
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
    say(f"spiegels draaien tijdelijk: {', '.join(s.allow[0] for s in wanted)}")
    try:
        yield
    finally:
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

def _crawl(args, sites) -> int:
    from crawler.crawl import crawl
    from crawler.store import CrawlStore
    data = data_dir(args)
    store = CrawlStore(data / "crawl.sqlite3")
    with mirrors_running(sites, data):
        reports = crawl(sites, store, progress=not args.quiet)
    failed = [r for r in reports if r.failed]
    for r in reports:
        errors = ", ".join(f"{k} {v}" for k, v in sorted(r.errors.items())) or "geen"
        say(f"{r.site:20s} opgehaald {r.fetched:5d}  documenten {r.documents:5d}  robots {r.robots_blocked:3d}  "
            f"fouten: {errors}  ({r.duration_s:.1f}s){'  MISLUKT: ' + r.failed if r.failed else ''}")
    return 1 if failed else 0


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
    from crawler.store import CrawlStore
    from indexer.build import IndexLocation, build_index
    data = data_dir(args)
    store_path = data / "crawl.sqlite3"
    if not store_path.exists():
        return fail(f"geen crawl-store in {store_path}; eerst: python run.py crawl")
    store = CrawlStore(store_path)
    if store.count_documents() == 0:
        return fail("de crawl-store bevat nog geen documenten; eerst: python run.py crawl")
    report = build_index(store, IndexLocation(data / "index"), procs=args.procs, progress=not args.quiet)
    say(f"index: {report.documents} documenten in {report.seconds:.1f}s ({report.docs_per_second:.0f}/s), "
        f"{report.size_bytes / 1e6:.0f} MB, live: {report.path}")
    return 0


# ------------------------------------------------------------------ setup (make run)

def cmd_setup(args) -> int:
    from indexer.build import IndexLocation, IndexMissing
    data = data_dir(args)
    try:
        IndexLocation(data / "index").live_path()
        say(f"index aanwezig in {data / 'index'}")
        return 0
    except IndexMissing:
        pass
    say("Eerste start: de gebundelde bronnen worden als lokale websites geserveerd, gecrawld en geïndexeerd.")
    args.site, args.group = None, "mirror"
    code = _crawl(args, _sites(args))
    if code:
        return code
    return cmd_index(args)


# ------------------------------------------------------------------ serve

def cmd_serve(args) -> int:
    from gunicorn.app.base import BaseApplication

    os.environ["BELEIDSZOEKER_DATA"] = str(data_dir(args))

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

    say(f"Beleidszoeker draait op http://{args.host}:{args.port}/  (stoppen: Ctrl-C)")
    App().run()
    return 0


# ------------------------------------------------------------------ search

def cmd_search(args) -> int:
    from indexer.build import IndexMissing
    from search_app.engine import QueryError, SearchEngine, SearchRequest
    filters = {}
    for field, values in (("themes", args.thema), ("organisation", args.gemeente), ("doctype", args.type),
                          ("year", args.jaar)):
        if values:
            filters[field] = values
    engine = SearchEngine(data_dir(args) / "index")
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


# ------------------------------------------------------------------ CLI

def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="run.py", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", help="data directory (default: $BELEIDSZOEKER_DATA or ./data)")
    p.add_argument("--sites-file", default=str(REPO / "corpus" / "sites.toml"), help="site list (TOML)")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    p.add_argument("--log-level", default="WARNING", help="DEBUG, INFO, WARNING (default), ERROR")
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
    i.add_argument("--rebuild", action="store_true", help="full rebuild (currently every build is full)")
    i.add_argument("--procs", type=int, default=min(2, os.cpu_count() or 1), help="indexing processes")
    i.set_defaults(func=cmd_index)

    s = sub.add_parser("setup", help="mirror + crawl + index, only if there is no index yet")
    s.add_argument("--procs", type=int, default=min(2, os.cpu_count() or 1))
    s.set_defaults(func=cmd_setup)

    v = sub.add_parser("serve", help="serve the app under gunicorn")
    v.add_argument("--host", default="127.0.0.1")
    v.add_argument("--port", type=int, default=8000)
    v.add_argument("--workers", type=int, default=min(4, 2 * (os.cpu_count() or 1)))
    v.add_argument("--access-log", action="store_true")
    v.set_defaults(func=cmd_serve)

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


def main(argv=None) -> int:
    args = parser().parse_args(argv)
    logging.basicConfig(level=getattr(logging, str(args.log_level).upper(), logging.WARNING),
                        format="%(asctime)s %(levelname)s %(name)s %(message)s")
    from crawler.config import ConfigError
    from indexer.themes import ThemeConfigError
    try:
        return args.func(args)
    except (ConfigError, ThemeConfigError) as e:
        return fail(str(e))
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
