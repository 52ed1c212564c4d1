"""A synthetic corpus of any size, generated from the real one, for the scale benchmark.

Each synthetic document is built from real material: a real title, real section headings and real sentences drawn
at random from the bundled corpus, published by one of the G40 cities from corpus/sites.toml, with a doctype and a
date drawn from the real distribution. Term statistics, sentence length and the vocabulary are therefore those of
Dutch policy text; only the combination is random (seeded, so a run is repeatable). Documents are written straight
into a crawl store (no HTTP), so the index build and the query path can be measured at 100k documents without
an hour of crawling.
"""
from __future__ import annotations

import random
import re
import tomllib
from pathlib import Path

from store.crawl_store import CrawlStore

REPO = Path(__file__).resolve().parent.parent
SENTENCE = re.compile(r"(?<=[.;:!?])\s+(?=[A-Z0-9])")


def load_material(store: CrawlStore, max_sentences: int = 400_000) -> dict:
    """Titles, headings, sentences, doctypes and dates of the real corpus (sampled to bound memory)."""
    rng = random.Random(7)
    titles, headings, sentences, doctypes, dates = [], [], [], [], []
    for rec in store.documents():
        titles.append(rec.title)
        doctypes.append(rec.doctype or "webpagina")
        if rec.date:
            dates.append(rec.date)
        for p in rec.passages:
            if p.heading:
                headings.append(p.heading)
        for s in SENTENCE.split(rec.text):
            if 20 <= len(s) <= 600:
                if len(sentences) < max_sentences:
                    sentences.append(s)
                elif rng.random() < 0.1:
                    sentences[rng.randrange(max_sentences)] = s
    if not sentences:
        raise SystemExit("the source store has no documents: run `run.py setup` first")
    return {"titles": titles, "headings": headings or titles, "sentences": sentences, "doctypes": doctypes,
            "dates": dates or ["2020-01-01"]}


def g40_publishers() -> list[tuple[str, str]]:
    sites = tomllib.loads((REPO / "corpus" / "sites.toml").read_text())["site"]
    return [(s["organisation"], s.get("city", "")) for s in sites if s.get("city")]


def generate(source: CrawlStore, target: CrawlStore, count: int, seed: int = 1) -> int:
    """Write `count` synthetic documents into `target`; returns how many it holds afterwards."""
    material = load_material(source)
    publishers = g40_publishers()
    rng = random.Random(seed)
    have = target.count_documents()
    run_id = target.start_run(["synthetic"])
    for n in range(have, count):
        organisation, city = rng.choice(publishers)
        passages, texts = [], []
        for k in range(rng.choice((1, 1, 2, 3, 4, 6, 10))):
            body = " ".join(rng.choice(material["sentences"]) for _ in range(rng.randint(1, 8)))
            heading = rng.choice(material["headings"])
            passages.append({"anchor": f"sectie-{k + 1}", "heading": heading, "text": body})
            texts.append(f"{heading}\n{body}")
        title = rng.choice(material["titles"])
        url = f"https://synthetisch.example/{city.lower().replace(' ', '-')}/doc-{n:06d}"
        extract = {"title": title, "text": "\n\n".join(texts), "passages": passages, "links": [],
                   "meta": {"organisation": organisation, "city": city, "doctype": rng.choice(material["doctypes"]),
                            "date": rng.choice(material["dates"]), "language": "nl"}}
        target.record_content(run_id=run_id, site=f"synthetisch-{city.lower()}", url=url, status=200,
                              body=f"{n}\n{title}\n{extract['text']}".encode(), extract=extract, indexable=True,
                              content_type="text/html")
    target.finish_run(run_id, {"synthetic": count - have})
    return target.count_documents()
