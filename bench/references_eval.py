"""Precision and recall of the reference extractor (lang/references.py) on a hand-checked sample.

    python bench/references_eval.py                 # recompute the table from bench/references-gold.jsonl
    python bench/references_eval.py --errors        # and list every miss, false hit and wrong resolution
    python bench/references_eval.py --write-docs    # and write the table into docs/REFERENCES.md
    python bench/references_eval.py sample --store data/crawl.sqlite3 --out passages.jsonl
                                                    # draw the sample again (seed 17) for annotation

The sample: passages of crawled documents from the four sources, drawn at random with a fixed seed (see
`sample`), each with its text as stored, so the gold file is self-contained. Every citation in a passage was
written down by hand with the regulation (BWB id, or none when it is not a BWB regulation in the corpus) and the
article. Link items hold a sampled document's links instead of a passage. Half of the passages (`split`: dev)
were used to improve the extractor; the other half (test) only to measure it.

Matching: a found text reference matches a gold citation when their spans overlap (and, for a list of articles,
the article agrees where it can); a link or jci matches on its link. Detection precision and recall count
matches; resolution accuracy is over the matched pairs: the same BWB id (or both none), and the same article.
"""
from __future__ import annotations

import argparse
import json
import random
import re
import sqlite3
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from lang.reference_table import load_table  # noqa: E402
from lang.references import clean_article, extract_references  # noqa: E402

GOLD = ROOT / "bench" / "references-gold.jsonl"
DOC = ROOT / "docs" / "REFERENCES.md"
SEED = 17
SOURCES = {"wetten": "laws-markdown", "algoritmeregister": "algoritmeregister",
           "verordeningen": "regelrecht", "algoritmekader": "algoritmekader"}
# (stratum, site, passages, heading): the register's legal-basis field and the algoritmekader's 'Bronnen' (its
# sources) are strata of their own, as random passages of those sources seldom cite a regulation
STRATA = [("wetten", "wetten", 40, None), ("algoritmeregister", "algoritmeregister", 18, "-Wettelijke grondslag"),
          ("algoritmeregister-grondslag", "algoritmeregister", 22, "Wettelijke grondslag"),
          ("verordeningen", "verordeningen", 25, None), ("algoritmekader", "algoritmekader", 30, None)]
LINK_DOCS = {"wetten": 10, "algoritmekader": 10}
MORE_STRATA = [("wetten-2", "wetten", 30, None), ("verordeningen-2", "verordeningen", 15, None),
               ("algoritmekader-bronnen", "algoritmekader", 20, "Bronnen")]
WINDOW = 900


# ------------------------------------------------------------------ drawing the sample

def _window(text: str, rng: random.Random) -> str:
    """A passage longer than WINDOW: a window that starts at a paragraph (or line) start and ends at a line or
    sentence end, so no citation is cut by the sampler itself more than necessary."""
    if len(text) <= WINDOW * 1.3:
        return text
    starts = [0] + [m.end() for m in re.finditer(r"\n", text) if m.end() < len(text) - WINDOW // 2]
    s = rng.choice(starts)
    chunk = text[s:s + WINDOW]
    cut = max(chunk.rfind("\n"), chunk.rfind(". "))
    return chunk[:cut + 1].strip() if cut > WINDOW // 3 else chunk.strip()


def _headed(heading: str | None, wanted: str | None) -> bool:
    """A stratum's passages: `wanted` a heading = only those; '-' + heading = all but those; None = all."""
    if wanted is None:
        return True
    return heading != wanted[1:] if wanted.startswith("-") else heading == wanted


def sample(store: Path) -> list[dict]:
    """The strata in order from one seeded generator: the first passage of a document in each source, then the
    link lists, then more passages (added when the first draw held under 200 citations; drawn after everything
    before, so the earlier items stayed as they were annotated)."""
    rng = random.Random(SEED)
    db = sqlite3.connect(f"file:{store}?mode=ro", uri=True)
    docs = defaultdict(list)
    for url, site, passages, links, meta in db.execute(
            "SELECT p.url, p.site, c.passages, c.links, c.meta FROM pages p JOIN contents c USING (content_hash) "
            "WHERE p.indexable = 1 ORDER BY p.url"):
        docs[site].append((url, json.loads(passages or "[]"), json.loads(links or "[]"), json.loads(meta or "{}")))
    items = []
    drawn = set()

    def draw(stratum: str, site: str, quota: int, heading: str | None):
        pool = docs[site][:]
        rng.shuffle(pool)
        n = 0
        for _ in range(3):      # a source with fewer documents than its quota gives more passages per document
            for url, passages, _, meta in pool:
                if n == quota:
                    return
                passages = [p for p in passages if _headed(p.get("heading"), heading) and (p.get("text") or "").strip()
                            and (url, p.get("heading"), p["text"][:80]) not in drawn]
                if not passages:
                    continue
                p = rng.choice(passages)
                drawn.add((url, p.get("heading"), p["text"][:80]))
                text = _window((p.get("heading", "") + "\n" + p["text"]).strip(), rng)
                ident = meta.get("identifier", "")
                items.append({"id": f"{stratum}-{n + 1:02d}", "source": SOURCES[site], "url": url,
                              "self": ident if ident.startswith("BWB") else None, "title": meta.get("title", ""),
                              "text": text, "citations": []})
                n += 1

    for stratum, site, quota, heading in STRATA:
        draw(stratum, site, quota, heading)
    for site, quota in LINK_DOCS.items():
        pool = [d for d in docs[site] if any(re.search(r"BWB[RV]\d{7}|eur-lex|wetten\.overheid", l) for l in d[2])]
        rng.shuffle(pool)
        for n, (url, _, links, meta) in enumerate(pool[:quota]):
            ident = meta.get("identifier", "")
            items.append({"id": f"links-{site}-{n + 1:02d}", "source": SOURCES[site], "url": url,
                          "self": ident if ident.startswith("BWB") else None, "title": meta.get("title", ""),
                          "links": links, "citations": []})
    for stratum, site, quota, heading in MORE_STRATA:
        draw(stratum, site, quota, heading)
    for item in items:
        item["split"] = "dev" if rng.random() < 0.5 else "test"
    return items


# ------------------------------------------------------------------ scoring

def _gold_span(text: str, c: dict) -> tuple[int, int]:
    start = -1
    for _ in range(c.get("occurrence", 1)):
        start = text.find(c["quote"], start + 1)
        if start < 0:
            raise ValueError(f"quote {c['quote']!r} not in the passage")
    return start, start + len(c["quote"])


def _norm_article(a):
    return clean_article(a) if a else None


def score_item(item: dict, table) -> list[tuple[str, str, dict | None, object | None]]:
    """(outcome, kind, gold, found) per gold citation and per found reference: outcome is match, miss or false."""
    if "links" in item:
        found = extract_references("", item["links"], table, self_id=item["self"], self_title=item.get("title", ""))
        gold_by_link = {c["quote"]: c for c in item["citations"]}
        out = []
        for r in found:
            g = gold_by_link.pop(r.source, None)
            out.append(("match", g["kind"], g, r) if g else ("false", r.kind, None, r))
        out += [("miss", g["kind"], g, None) for g in gold_by_link.values()]
        return out
    text = item["text"]
    found = extract_references(text, (), table, self_id=item["self"], self_title=item.get("title", ""))
    spans = [(r.start, r.start + len(r.source)) for r in found]
    used = set()
    out = []
    for g in item["citations"]:
        gs, ge = _gold_span(text, g)
        overlapping = [i for i, (s, e) in enumerate(spans) if i not in used and s < ge and e > gs]
        same_article = [i for i in overlapping if _norm_article(found[i].article) == _norm_article(g.get("article"))]
        pick = (same_article or overlapping or [None])[0]
        if pick is None:
            out.append(("miss", g["kind"], g, None))
        else:
            used.add(pick)
            out.append(("match", g["kind"], g, found[pick]))
    out += [("false", found[i].kind, None, found[i]) for i in range(len(found)) if i not in used]
    return out


def _ratio(a: int, b: int) -> str:
    return f"{a / b:.2f}" if b else "–"


def evaluate(items: list[dict], table) -> tuple[dict, list[str]]:
    """Counts per group: gold, found, matched, resolved (same id), exact (same id and article)."""
    counts = defaultdict(lambda: defaultdict(int))
    errors = []
    for item in items:
        for outcome, kind, g, r in score_item(item, table):
            groups = ["all", f"split:{item['split']}", f"source:{item['source']}", f"kind:{kind}",
                      f"{item['split']}:source:{item['source']}", f"{item['split']}:kind:{kind}"]
            resolvable = g is not None and g.get("target") is not None
            for grp in groups + ([f"{item['split']}:bwb", "bwb"] if resolvable else []):
                c = counts[grp]
                if outcome != "false":
                    c["gold"] += 1
                if outcome != "miss":
                    c["found"] += 1
                if outcome == "match":
                    c["matched"] += 1
                    same_id = r.target == g.get("target")
                    c["resolved"] += same_id
                    c["exact"] += same_id and _norm_article(r.article) == _norm_article(g.get("article"))
            if outcome == "miss":
                errors.append(f"MISS  {item['id']}: {g['quote']!r} -> {g.get('target')} art {g.get('article')}")
            elif outcome == "false":
                errors.append(f"FALSE {item['id']}: {r.source!r} -> {r.target} art {r.article}")
            elif r.target != g.get("target") or _norm_article(r.article) != _norm_article(g.get("article")):
                errors.append(f"WRONG {item['id']}: {g['quote']!r} gold {g.get('target')} art {g.get('article')}, "
                              f"found {r.target} art {r.article}")
    return counts, errors


def table_markdown(counts: dict) -> str:
    rows = [("**test (held back)**", "test:"), ("dev (tuned on)", "dev:"), ("**all**", "")]
    lines = ["| part | group | citations | found | precision | recall | same id | same id and article |",
             "|---|---|---|---|---|---|---|---|"]

    def row(part, label, key):
        c = counts.get(key)
        if not c:
            return
        lines.append(f"| {part} | {label} | {c['gold']} | {c['found']} | {_ratio(c['matched'], c['found'])} | "
                     f"{_ratio(c['matched'], c['gold'])} | {_ratio(c['resolved'], c['matched'])} | "
                     f"{_ratio(c['exact'], c['matched'])} |")

    for part, prefix in rows:
        row(part, "overall", f"split:{prefix[:-1]}" if prefix else "all")
        for source in SOURCES.values():
            row(part, source, f"{prefix}source:{source}")
        for kind in ("text", "link", "jci"):
            row(part, f"kind {kind}", f"{prefix}kind:{kind}")
        row(part, "BWB-resolvable citations", f"{prefix}bwb")
    return "\n".join(lines)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd")
    sp = sub.add_parser("sample")
    sp.add_argument("--store", type=Path, default=ROOT / "data" / "crawl.sqlite3")
    sp.add_argument("--out", type=Path, required=True)
    ap.add_argument("--gold", type=Path, default=GOLD)
    ap.add_argument("--errors", action="store_true")
    ap.add_argument("--split", choices=["dev", "test"], help="list errors of this part only")
    ap.add_argument("--write-docs", action="store_true")
    args = ap.parse_args(argv)
    if args.cmd == "sample":
        with open(args.out, "w", encoding="utf-8") as f:
            for item in sample(args.store):
                f.write(json.dumps(item, ensure_ascii=False) + "\n")
        return
    items = [json.loads(line) for line in args.gold.read_text(encoding="utf-8").splitlines() if line.strip()]
    table = load_table()
    if args.split:
        items_for_errors = [i for i in items if i["split"] == args.split]
    counts, errors = evaluate(items, table)
    md = table_markdown(counts)
    print(md)
    if args.errors:
        _, errs = evaluate(items_for_errors, table) if args.split else (None, errors)
        print("\n".join(errs))
    if args.write_docs:
        doc = DOC.read_text(encoding="utf-8")
        start, end = doc.index("<!-- table -->"), doc.index("<!-- /table -->")
        DOC.write_text(doc[:start] + "<!-- table -->\n" + md + "\n" + doc[end:], encoding="utf-8")


if __name__ == "__main__":
    main()
