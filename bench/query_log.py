#!/usr/bin/env python3
"""Write bench/query-log.txt: a realistic load of distinct queries of the officials' kind, so that a load test
measures the engine and not the result cache.

The queries are drawn, deterministically (fixed seed, sorted inputs), from the vocabulary of the crawled corpus's
titles and of the theme keywords (corpus/themes.toml), in the mix of bench/eval-themes:
- one compound (a title word the compound splitter splits: "mantelzorgondersteuning"),
- two or three words (content words standing together in titles: "gemeentelijke schuldhulpverlening"),
- a question built on a theme keyword or a title phrase ("hoe vraag ik bijzondere bijstand aan"),
- an abbreviation of public administration (corpus/lang/synonyms-nl.toml), alone or with a title word.
Every query is distinct (case and spacing ignored). Usage:

    python bench/query_log.py [--store data/crawl.sqlite3] [--count 2500] [--out bench/query-log.txt]
"""
from __future__ import annotations

import argparse
import random
import re
import sys
import tomllib
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from indexer.themes import DEFAULT_THEMES  # noqa: E402
from lang.analysis import fold  # noqa: E402
from lang.compounds import splitter  # noqa: E402
from lang.resources import LANG_DIR, dutch_stopwords  # noqa: E402
from store.crawl_store import CrawlStore  # noqa: E402

SEED = 18
MIX = (("compound", 0.30), ("two", 0.33), ("three", 0.17), ("question", 0.12), ("abbreviation", 0.08))
QUESTIONS = ("wat is {}", "hoe vraag ik {} aan", "wie is verantwoordelijk voor {}", "wanneer heb ik recht op {}",
             "welke regels gelden voor {}", "wat kost {}", "hoe werkt {}", "waar meld ik {}")
# words of law titles that no official types as a topic
NOISE = frozenset("""januari februari maart april mei juni juli augustus september oktober november december
    houdende regels wijziging betreffende inzake enige vaststelling tijdelijke bepalingen verband nadere
    aanpassing besluit regeling artikel artikelen onderdeel hoofdstuk bijlage""".split())
WORD = re.compile(r"[^\W\d_]{4,}")


def title_phrases(store: CrawlStore) -> tuple[list[list[str]], Counter]:
    """Each title as its runs of content words (stop words, numbers and noise break a run), and word counts."""
    stop = dutch_stopwords()
    runs, counts = [], Counter()
    for rec in store.documents():
        run: list[str] = []
        for token in re.findall(r"\S+", (rec.title or "").lower()):
            word = token.strip(".,;:()[]'\"’")
            if WORD.fullmatch(word) and word not in stop and word not in NOISE:
                run.append(word)
                counts[word] += 1
            else:
                if run:
                    runs.append(run)
                run = []
        if run:
            runs.append(run)
    return runs, counts


def theme_keywords() -> list[str]:
    themes = tomllib.loads(Path(DEFAULT_THEMES).read_text(encoding="utf-8"))["theme"]
    return sorted({kw.rstrip("*") for t in themes for kw in t["keywords"] if len(kw.rstrip("*")) >= 4})


def abbreviations() -> list[str]:
    groups = tomllib.loads((LANG_DIR / "synonyms-nl.toml").read_text(encoding="utf-8"))["groups"]
    return sorted({m for g in groups for m in g if " " not in m and len(m) <= 5})


def make_log(store: CrawlStore, count: int) -> list[str]:
    rng = random.Random(SEED)
    runs, counts = title_phrases(store)
    split = splitter()
    words = sorted(w for w, n in counts.items() if n >= 2)
    compounds = sorted(w for w in words if len(w) >= 9 and len(split.split(fold(w))) >= 2)
    ngrams = {2: Counter(), 3: Counter()}
    for run in runs:
        for n in (2, 3):
            for i in range(len(run) - n + 1):
                ngrams[n][" ".join(run[i:i + n])] += 1
    pairs = sorted(p for p, c in ngrams[2].items() if c >= 2)
    triples = sorted(p for p, c in ngrams[3].items() if c >= 2)
    topics = theme_keywords() + pairs
    abbrevs = abbreviations()
    frequent = sorted(w for w in words if counts[w] >= 5)

    def draw(kind: str) -> str:
        if kind == "compound":
            return rng.choice(compounds)
        if kind == "two":
            return rng.choice(pairs) if rng.random() < 0.85 else f"{rng.choice(theme_keywords())} {rng.choice(frequent)}"
        if kind == "three":
            return rng.choice(triples) if triples and rng.random() < 0.6 else \
                f"{rng.choice(pairs)} {rng.choice(frequent)}"
        if kind == "question":
            return rng.choice(QUESTIONS).format(rng.choice(topics))
        return rng.choice(abbrevs) if rng.random() < 0.3 else f"{rng.choice(abbrevs)} {rng.choice(frequent)}"

    kinds, weights = zip(*MIX)
    seen, out = set(), []
    attempts = 0
    while len(out) < count and attempts < count * 50:
        attempts += 1
        query = draw(rng.choices(kinds, weights)[0])
        key = " ".join(query.lower().split())
        if key not in seen:
            seen.add(key)
            out.append(query)
    return out


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--store", default=str(REPO / "data" / "crawl.sqlite3"))
    p.add_argument("--count", type=int, default=2500)
    p.add_argument("--out", default=str(REPO / "bench" / "query-log.txt"))
    args = p.parse_args(argv)
    queries = make_log(CrawlStore(args.store, readonly=True), args.count)
    header = (f"# {len(queries)} distinct queries of the officials' kind, written by bench/query_log.py (seed {SEED})\n"
              "# from the titles of the bundled corpus's crawl and the theme keywords; one query per line.\n")
    Path(args.out).write_text(header + "\n".join(queries) + "\n", encoding="utf-8")
    print(f"{len(queries)} queries -> {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
