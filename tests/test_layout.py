"""The code's layout follows the data flow, and stays so: crawler -> store <- indexer -> index <- search <- search_app.

Read from the source with ast (every import, also those inside functions), not by importing anything: an arrow
that runs the wrong way, or two packages that need each other, fails here with the import that does it."""
from __future__ import annotations

import ast
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
OURS = ("lang", "store", "crawler", "indexer", "search", "search_app", "mirror", "nightly", "run")

# What each package may import directly (run.py composes everything and may import anything).
ALLOWED = {
    "lang": set(),                                   # Dutch analysis: nothing of ours
    "store": set(),                                  # the crawl store: nothing of ours
    "mirror": set(),
    "crawler": {"store", "lang"},                    # the crawler writes the store; references are text analysis
    "indexer": {"store", "lang"},                    # store -> index
    "search": {"lang", "indexer"},                   # ... only the index format, see ONLY
    "search_app": {"search", "store", "indexer"},    # the store's read models (/dekking, versions); themes
    "nightly": set(),                                # run.py hands it the crawl and the index update
}
# Where a package may import only some modules of another.
ONLY = {
    ("search", "indexer"): {"indexer.location", "indexer.schema", "indexer.pg_schema",   # the index formats
                            "indexer.tantivy_schema"},
    ("search_app", "indexer"): {"indexer.themes"},                                       # the theme definitions
}
# What a package may reach at all, through any chain of imports.
REACH = {
    "lang": {"lang"},
    "store": {"store"},
    "mirror": {"mirror"},
    "crawler": {"crawler", "store", "lang"},
    "indexer": {"indexer", "store", "lang"},
    "search": {"search", "indexer", "lang"},
    "search_app": {"search_app", "search", "indexer", "lang", "store"},
    "nightly": {"nightly"},
}


def module_name(path: Path, root: Path = REPO) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path, root: Path = REPO) -> set[str]:
    """The modules of ours a file imports (`from pkg import name` counts as pkg.name when that is a module)."""
    name = module_name(path, root)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[:len(package.split(".")) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module
            found.add(target)
            found.update(f"{target}.{a.name}" for a in node.names)
    return {m for m in found if m.split(".")[0] in OURS}


def module_graph(root: Path = REPO) -> dict[str, set[str]]:
    files = [root / f"{m}.py" for m in OURS if (root / f"{m}.py").is_file()]
    files += [f for m in OURS if (root / m).is_dir() for f in sorted((root / m).rglob("*.py"))]
    graph = {module_name(f, root): imports_of(f, root) for f in files}
    return {m: {d for d in deps if d in graph and d != m} for m, deps in graph.items()}   # modules, not names


def top(module: str) -> str:
    return module.split(".")[0]


def wrong_arrows(graph: dict[str, set[str]]) -> list[str]:
    out = []
    for m, deps in sorted(graph.items()):
        if top(m) == "run":
            continue
        for d in sorted(deps):
            p, q = top(m), top(d)
            if p == q:
                continue
            if q not in ALLOWED.get(p, set()):
                out.append(f"{m} imports {d}: {p} may not import {q}")
            elif (p, q) in ONLY and d not in ONLY[p, q]:
                out.append(f"{m} imports {d}: {p} may import only {', '.join(sorted(ONLY[p, q]))} of {q}")
    return out


def reach_violations(graph: dict[str, set[str]]) -> list[str]:
    out = []
    for m in sorted(graph):
        if top(m) not in REACH:
            continue
        seen, todo = set(), [m]
        while todo:
            for d in graph[todo.pop()] - seen:
                seen.add(d)
                todo.append(d)
        for d in sorted(seen):
            if top(d) not in REACH[top(m)]:
                out.append(f"{m} reaches {d}: {top(m)} depends on {top(d)} through its imports")
                break
    return out


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one node (Tarjan)."""
    index, low, stack, on, out, counter = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def package_graph(graph: dict[str, set[str]]) -> dict[str, set[str]]:
    packages: dict[str, set[str]] = {}
    for m, deps in graph.items():
        packages.setdefault(top(m), set()).update(top(d) for d in deps if top(d) != top(m))
    return packages


# ------------------------------------------------------------------ the code as it is

def test_every_arrow_runs_the_way_the_data_flows():
    assert wrong_arrows(module_graph()) == []


def test_no_package_reaches_what_it_may_not_through_another():
    assert reach_violations(module_graph()) == []


def test_no_import_cycle_between_packages_or_modules():
    graph = module_graph()
    assert cycles(package_graph(graph)) == []
    assert cycles(graph) == []


def test_the_graph_sees_every_package_and_the_imports_inside_functions():
    graph = module_graph()
    assert {top(m) for m in graph} == set(OURS)
    assert "lang.compounds" in graph["lang.analysis"]          # imported at the top
    assert "nightly" in graph["run"]                           # imported inside a command function


# ------------------------------------------------------------------ the check itself

def test_the_check_names_a_wrong_arrow():
    graph = {"search_app.pages": {"crawler.config"}, "crawler.config": set(), "store.database": {"indexer.build"},
             "indexer.build": set(), "search.engine": {"indexer.build"}}
    assert wrong_arrows(graph) == [
        "search.engine imports indexer.build: search may import only indexer.location, indexer.pg_schema, "
        "indexer.schema, indexer.tantivy_schema of indexer",
        "search_app.pages imports crawler.config: search_app may not import crawler",
        "store.database imports indexer.build: store may not import indexer"]


def test_the_check_names_a_dependency_through_another_package_and_a_cycle():
    graph = {"search.engine": {"indexer.schema"}, "indexer.schema": {"store.record"}, "store.record": set(),
             "lang.analysis": {"lang.compounds"}, "lang.compounds": {"lang.analysis"}}
    assert reach_violations(graph) == ["search.engine reaches store.record: search depends on store through its imports"]
    assert cycles(graph) == [["lang.analysis", "lang.compounds"]]
    assert cycles(package_graph({"crawler.a": {"store.b"}, "store.b": {"crawler.a"}})) == [["crawler", "store"]]


def test_imports_are_read_from_the_source(tmp_path):
    (tmp_path / "search").mkdir()
    (tmp_path / "search" / "__init__.py").write_text("")
    (tmp_path / "search" / "engine.py").write_text(
        "from . import query\nfrom .snippets import snippet\n\ndef f():\n    from crawler.crawl import crawl\n")
    assert imports_of(tmp_path / "search" / "engine.py", tmp_path) == {
        "search", "search.query", "search.snippets", "search.snippets.snippet", "crawler.crawl",
        "crawler.crawl.crawl"}
