#!/usr/bin/env python3
"""Judging pools for a relevance set: the top documents of several *different* rankings per query, so that the
judgments do not favour the system being measured (TREC pooling).

Rankings pooled:
- `system`: the project's search path as it is (SearchEngine over data/index),
- `bm25`: plain BM25 over title + text with the classic Snowball Dutch stemmer, no compound splitting,
- `grams`: plain BM25 over character 4-grams inside words (with word-boundary marks).
The two baselines are computed here from the crawl store, independently of the index code.

usage:
  python bench/pool.py pool --set DIR [--depth 20]      # writes DIR/pool.tsv (qid, docid, rankings that had it)
  python bench/pool.py show --set DIR QID [--chars 700]  # what a judge reads for each pooled document of QID
  python bench/pool.py run --set DIR --ranking grams     # a baseline's run file (qid Q0 docid rank score tag)
  python bench/pool.py doc DOCID --set DIR [--grep WORD]  # one document: its start, or every passage with WORD
  python bench/pool.py qrels --set DIR                   # DIR/judgments/*.tsv -> DIR/qrels.tsv, agreement
  (a later round of judging: a pool file of its own, DIR/pool-NAME.tsv, read with show --pool pool-NAME.tsv)
"""
from __future__ import annotations

import argparse
import math
import re
import sys
from collections import Counter, defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from store.crawl_store import CrawlStore  # noqa: E402
from lang.analysis import folded_words  # noqa: E402
from lang.resources import dutch_stopwords  # noqa: E402
from search.evaluation import read_queries  # noqa: E402

K1, B = 1.2, 0.75


class BM25:
    """A plain in-memory BM25 over the terms `terms_of(text)` gives: the baselines' reference ranking."""

    def __init__(self, docs: dict[str, str], terms_of):
        self.terms_of = terms_of
        self.postings: dict[str, dict[str, int]] = defaultdict(dict)
        self.length: dict[str, int] = {}
        for docid, text in docs.items():
            counts = terms_of(text)
            self.length[docid] = sum(counts.values())
            for term, tf in counts.items():
                self.postings[term][docid] = tf
        self.avg = sum(self.length.values()) / max(1, len(self.length))
        self.n = len(self.length)

    def rank(self, query: str, depth: int = 100) -> list[tuple[str, float]]:
        scores: dict[str, float] = defaultdict(float)
        for term, qtf in self.terms_of(query).items():
            docs = self.postings.get(term)
            if not docs:
                continue
            idf = math.log(1 + (self.n - len(docs) + 0.5) / (len(docs) + 0.5))
            for docid, tf in docs.items():
                norm = K1 * (1 - B + B * self.length[docid] / self.avg)
                scores[docid] += qtf * idf * tf * (K1 + 1) / (tf + norm)
        return sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))[:depth]


def _word_counts(text: str) -> Counter:
    stop = dutch_stopwords()
    return Counter(w for w in folded_words(text) if w not in stop)


def stemmed_terms(text: str) -> Counter:
    from whoosh.lang import stemmer_for_language
    stem = stemmer_for_language("nl")
    out: Counter = Counter()
    for word, n in _word_counts(text).items():
        out[stem(word)] += n
    return out


def gram_terms(text: str, n: int = 4) -> Counter:
    out: Counter = Counter()
    for word, count in _word_counts(text).items():
        padded = f"_{word}_"
        for i in range(max(1, len(padded) - n + 1)):
            out[padded[i:i + n]] += count
    return out


def load_docs(data: Path) -> tuple[dict[str, str], dict[str, object]]:
    store = CrawlStore(data / "crawl.sqlite3", readonly=True)
    texts, records = {}, {}
    for rec in store.documents():
        docid = rec.identifier or rec.url
        texts[docid] = rec.title + "\n" + rec.text
        records[docid] = rec
    return texts, records


class JudgeView:
    """What judges read, from a small SQLite file beside the store (data/judge-docs.sqlite3), made once: `show`
    and `doc` run many times in a judging session, and reading the whole crawl store each time costs seconds."""

    def __init__(self, data: Path):
        import os
        import sqlite3
        path = data / "judge-docs.sqlite3"
        store = data / "crawl.sqlite3"
        if not path.exists() or path.stat().st_mtime < store.stat().st_mtime:
            tmp = path.with_suffix(f".{os.getpid()}.tmp")
            db = sqlite3.connect(tmp)
            db.execute("CREATE TABLE docs (id TEXT PRIMARY KEY, doctype TEXT, organisation TEXT, title TEXT, "
                       "text TEXT)")
            db.executemany("INSERT OR REPLACE INTO docs VALUES (?, ?, ?, ?, ?)",
                           ((rec.identifier or rec.url, rec.doctype, rec.organisation, rec.title, rec.text)
                            for rec in CrawlStore(store, readonly=True).documents()))
            db.commit()
            db.close()
            os.replace(tmp, path)
        self.db = sqlite3.connect(path)

    def get(self, docid: str):
        from types import SimpleNamespace
        row = self.db.execute("SELECT doctype, organisation, title, text FROM docs WHERE id = ?", (docid,)).fetchone()
        return None if row is None else SimpleNamespace(doctype=row[0], organisation=row[1], title=row[2],
                                                        text=row[3])


def system_run(data: Path, queries, depth: int) -> dict[str, list[str]]:
    from search.engine import SearchRequest
    from search.whoosh_engine import SearchEngine
    engine = SearchEngine(data / "index", cache_size=0)
    out = {}
    for qid, text in queries:
        hits = engine.search(SearchRequest(q=text, page_size=100)).hits
        out[qid] = [h.identifier or h.url for h in hits][:depth]
    return out


def baseline_runs(texts, queries, depth: int, which=("bm25", "grams")) -> dict[str, dict[str, list[str]]]:
    runs = {}
    for name in which:
        model = BM25(texts, stemmed_terms if name == "bm25" else gram_terms)
        runs[name] = {qid: [d for d, _ in model.rank(text, depth)] for qid, text in queries}
    return runs


def cmd_pool(a):
    eval_dir, data = Path(a.set), Path(a.data)
    queries = read_queries(eval_dir / "queries.tsv")
    texts, _ = load_docs(data)
    runs = baseline_runs(texts, queries, a.depth)
    runs["system"] = system_run(data, queries, a.depth)
    judged = set()
    qrels = eval_dir / "qrels.tsv"
    if qrels.exists():
        judged = {(p[0], p[2]) for p in (line.split() for line in qrels.read_text().splitlines()) if len(p) >= 4}
    rows = []
    for qid, _ in queries:
        found: dict[str, list[str]] = {}
        for name, run in sorted(runs.items()):
            for doc in run.get(qid, []):
                found.setdefault(doc, []).append(name)
        rows += [f"{qid}\t{doc}\t{','.join(names)}" for doc, names in found.items() if (qid, doc) not in judged]
    (eval_dir / a.pool).write_text("\n".join(rows) + "\n", encoding="utf-8")
    print(f"{len(rows)} unjudged pooled documents for {len(queries)} queries -> {eval_dir / a.pool}")


_WORD = re.compile(r"\w+", re.UNICODE)


def excerpt(text: str, query: str, chars: int) -> str:
    """The start of the text and the windows around the query words' first occurrences (stems by prefix)."""
    stop = dutch_stopwords()
    words = [w for w in folded_words(query) if w not in stop]
    lower = text.lower()
    pieces = [" ".join(text[:chars // 2].split())]
    for w in words:
        probe = w[:max(4, len(w) - 3)]
        at = lower.find(probe, chars // 2)
        if at >= 0:
            pieces.append("… " + " ".join(text[max(0, at - 150): at + 250].split()) + " …")
    return "\n    ".join(pieces)


def cmd_show(a):
    eval_dir, data = Path(a.set), Path(a.data)
    queries = dict(read_queries(eval_dir / "queries.tsv"))
    pool = [line.split("\t") for line in (eval_dir / a.pool).read_text().splitlines() if line]
    view = JudgeView(data)
    print(f"# {a.qid}: {queries[a.qid]}")
    for qid, doc, _names in pool:
        if qid != a.qid:
            continue
        rec = view.get(doc)
        if rec is None:
            continue
        print(f"\n== {doc} | {rec.doctype} | {rec.organisation} | {len(rec.text.split())} words\n   TITLE: {rec.title[:200]}")
        print("    " + excerpt(rec.text, queries[a.qid], a.chars))


def cmd_doc(a):
    """One pooled document for a judge who needs more than the excerpt: its start, or each place WORD occurs."""
    rec = JudgeView(Path(a.data)).get(a.qid)
    if rec is None:
        sys.exit(f"no document {a.qid!r} in the store")
    print(f"== {a.qid} | {rec.doctype} | {rec.organisation} | {len(rec.text.split())} words\n   TITLE: {rec.title}")
    if not a.grep:
        print(rec.text[:a.chars * 4])
        return
    lower, probe, at, shown = rec.text.lower(), a.grep.lower(), 0, 0
    while shown < 15 and (at := lower.find(probe, at)) >= 0:
        print("… " + " ".join(rec.text[max(0, at - 300): at + 400].split()) + " …\n")
        at, shown = at + 400, shown + 1


def read_judgments(path: Path) -> dict[tuple[str, str], int]:
    """(qid, docid) -> grade from a judge's file: qid, docid, grade, why (tab-separated)."""
    out = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.split("\t")
        if len(parts) >= 3 and parts[2].strip() in ("0", "1", "2"):
            out[(parts[0].strip(), parts[1].strip())] = int(parts[2])
    return out


def kappa(pairs: list[tuple[int, int]]) -> float:
    """Cohen's kappa of two assessors' grades."""
    n = len(pairs)
    observed = sum(a == b for a, b in pairs) / n
    labels = {g for p in pairs for g in p}
    expected = sum((sum(a == g for a, _ in pairs) / n) * (sum(b == g for _, b in pairs) / n) for g in labels)
    return 1.0 if expected == 1 else (observed - expected) / (1 - expected)


def cmd_qrels(a):
    """The judges' files become the set's qrels (TREC format); the overlap files measure agreement."""
    eval_dir = Path(a.set)
    folder = eval_dir / "judgments"
    grades: dict[tuple[str, str], int] = {}
    for path in sorted(folder.glob("*.tsv")):
        if not path.stem.endswith("-overlap"):
            grades.update(read_judgments(path))
    pool = {(p[0], p[1]) for path in sorted(eval_dir.glob("pool*.tsv"))
            for p in (line.split("\t") for line in path.read_text().splitlines()) if len(p) >= 2}
    missing = sorted(pool - set(grades))
    lines = [f"{q} 0 {d} {g}" for (q, d), g in sorted(grades.items())]
    (eval_dir / "qrels.tsv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"{len(lines)} judgments for {len({q for q, _ in grades})} queries -> {eval_dir / 'qrels.tsv'}; "
          f"{len(missing)} pooled documents not judged yet")
    pairs, binary = [], []
    for path in sorted(folder.glob("*-overlap.tsv")):
        for k, g in read_judgments(path).items():
            if k in grades:
                pairs.append((grades[k], g))
                binary.append((int(grades[k] > 0), int(g > 0)))
    if pairs:
        agree = sum(x == y for x, y in binary) / len(binary)
        print(f"agreement on {len(pairs)} doubly judged documents: Cohen's kappa {kappa(pairs):.2f} (grades), "
              f"{kappa(binary):.2f} (relevant or not), binary agreement {agree:.0%}")


def cmd_run(a):
    eval_dir, data = Path(a.set), Path(a.data)
    queries = read_queries(eval_dir / "queries.tsv")
    texts, _ = load_docs(data)
    run = baseline_runs(texts, queries, 100, (a.ranking,))[a.ranking]
    for qid, docs in run.items():
        for rank, doc in enumerate(docs, 1):
            print(f"{qid} Q0 {doc} {rank} {101 - rank} {a.ranking}")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("command", choices=("pool", "show", "run", "doc", "qrels"))
    ap.add_argument("qid", nargs="?", help="the query id (show) or the document id (doc)")
    ap.add_argument("--grep", help="doc: show the passages holding this word")
    ap.add_argument("--pool", default="pool.tsv", help="the pool file in the set's folder (pool writes it, show reads it)")
    ap.add_argument("--set", required=True)
    ap.add_argument("--data", default=str(REPO / "data"))
    ap.add_argument("--depth", type=int, default=20)
    ap.add_argument("--chars", type=int, default=700)
    ap.add_argument("--ranking", choices=("bm25", "grams"), default="grams")
    a = ap.parse_args()
    {"pool": cmd_pool, "show": cmd_show, "run": cmd_run, "doc": cmd_doc, "qrels": cmd_qrels}[a.command](a)


if __name__ == "__main__":
    main()
