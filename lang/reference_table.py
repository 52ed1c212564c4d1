"""The resolution table of references: citation titles and abbreviations -> BWB id, and where each comes from.

Two data files under corpus/references/ (see its SOURCES.md):
  titles.tsv         derived from the bundled laws (regenerate: `python -m lang.reference_table`): each
                     regulation's citeertitel ("Deze wet wordt aangehaald als: Gemeentewet"), the short title in
                     brackets at the end of its official title, its title when that is not a dated official title,
                     and the dated opening of an official title ("Wet van 14 februari 1992"). A title that
                     several regulations share keeps every id and resolves to none.
  abbreviations.toml hand-made: common abbreviations -> a citation title. The id always comes from titles.tsv,
                     never from the hand list: an abbreviation of a law that is not in the corpus keeps its title
                     and no id.
Reading the files is this module's job; lang.references only works on the loaded Table.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import re
import tarfile
import tomllib
from collections import defaultdict
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Iterator

from lang.references import Table, TitleEntry, normalise_title

CORPUS = Path(__file__).resolve().parent.parent / "corpus"
REFERENCES_DIR = CORPUS / "references"
LAW_ARCHIVES = [
    (CORPUS / "laws-markdown" / "subset-wet-beleidsregel-circulaire.tar.gz", CORPUS / "laws-markdown" / "manifest.jsonl"),
    (CORPUS / "laws-markdown" / "extended-amvb-minreg-zbo-kb-rijkswet.tar.gz",
     CORPUS / "laws-markdown" / "manifest-extended.jsonl"),
]

_CITEERTITEL = re.compile(     # 'Deze wet wordt aangehaald als: ...': about itself, not an example or another law
    r"\b(?:[Dd]eze|[Dd]it|[Zz]ij|[Hh]et)\s+(?P<noun>(?:[\w-]+\s+){0,2}?)(?:kan\s+|kunnen\s+)?(?:wordt|worden)\s+aangehaald\s+als\s*:?\s*(?:de\s+|het\s+)?[\"“‘'*«]*\s*"
    r"(?P<title>[A-Z][^\n\"“”‘’*«»]{2,150}?)\s*[\"”’'*»]*\s*(?:[.;]\s|[.;]?\s*$|\s+en\s+treedt|,\s+(?:met|onder)\s+vermelding"
    r"|\s+(?:met|onder)\s+vermelding)", re.M)
_DATED_TITLE = re.compile(
    r"^(?P<head>(?:Wet|Rijkswet|Besluit|Regeling|Beschikking|Circulaire|Koninklijk besluit)\s+van\s+\d{1,2}\s+"
    r"(?:januari|februari|maart|april|mei|juni|juli|augustus|september|oktober|november|december)\s+\d{4})\b")
_TRAILING_BRACKETS = re.compile(r"\((?P<short>[^()]{3,120})\)\s*$")


def citeertitels(text: str, is_act: bool = True) -> list[str]:
    """The titles a regulation's text says it is cited by ('Deze wet wordt aangehaald als: Gemeentewet.'). In a
    circular or policy rule (`is_act` false) 'Deze wet ...' is an example or a quote of the law, not its own."""
    out = []
    for m in _CITEERTITEL.finditer(text):
        if not is_act and re.search(r"\b(?:rijks)?wet\b", m.group("noun"), re.I):
            continue
        title = m.group("title").strip(" .,:;")
        if re.search(r"[A-Za-z]{3}", title) and title not in out:
            out.append(title)
    return out


def _short_title_in_brackets(title: str) -> str:
    """'Wet van 4 juni 1992, houdende ... (Algemene wet bestuursrecht)' -> 'Algemene wet bestuursrecht'. Only a
    bracketed name that starts with a capital and has a word, not an abbreviation like '(BZA)' or '(ba)'."""
    m = _TRAILING_BRACKETS.search(title)
    if not m:
        return ""
    short = m.group("short").strip()
    if not short[:1].isupper() or short.isupper() or " " not in short and not re.search(
            r"(?:wet|besluit|regeling|wetboek|reglement)(?:\s*\d{4})?$", short, re.I):
        return ""
    return short


def path_title(path: str) -> str:
    """The short title laws-markdown names a regulation's folder by: 'wet/faillissementswet/BWBR0001860/README.md'
    -> 'Faillissementswet'; '' when the folder name was cut ('etc') or is only a date ('wet/van/3/maart/1881')."""
    words = path.split("/")[1:-2]
    if not words or "etc" in words or _DATED_TITLE.match(" ".join(words).capitalize()):
        return ""
    title = " ".join(words)
    return title[:1].upper() + title[1:]


def title_rows(regulations: Iterable[tuple[str, str, str, str]]) -> list[tuple[str, str, str]]:
    """(bwb_id, manifest title, text, path) per regulation -> sorted rows (title, ids joined by ',', how). `how`
    says which reading gave the title: citeertitel, brackets, title, dated, path."""
    found: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))   # key -> id -> hows
    spelled: dict[str, str] = {}

    def add(title: str, bwb: str, how: str):
        title = re.sub(r"\s+", " ", title).strip(" .,;:")
        key = normalise_title(title)
        if len(key) < 4:
            return
        spelled.setdefault(key, title)
        found[key][bwb].add(how)

    for bwb, title, text, path in regulations:
        for t in citeertitels(text, is_act=path.split("/")[0] in ("wet", "rijkswet", "wet-BES")):
            add(t, bwb, "citeertitel")
        dated = _DATED_TITLE.match(title)
        if dated:     # 'Wet van 4 juni 1992, houdende ... (Algemene wet bestuursrecht)'; a regeling's '(Warenwet)'
            add(dated.group("head"), bwb, "dated")        # names the law it rests on, not itself
            short = _short_title_in_brackets(title)
            if short:
                add(short, bwb, "brackets")
        elif title:
            add(title, bwb, "title")
        if path_title(path):
            add(path_title(path), bwb, "path")
    rows = []
    for key, ids in found.items():
        hows = sorted({h for hs in ids.values() for h in hs})
        rows.append((spelled[key], ",".join(sorted(ids)), "+".join(hows)))
    return sorted(rows, key=lambda r: (normalise_title(r[0]), r[1]))


def corpus_regulations(archives=LAW_ARCHIVES) -> Iterator[tuple[str, str, str, str]]:
    """(bwb_id, manifest title, text, path) for every bundled law, core and extended."""
    for tar_path, manifest in archives:
        titles = {}
        with open(manifest, encoding="utf-8") as f:
            for line in f:
                row = json.loads(line)
                titles[row["path"]] = (row["bwb_id"], row["title"])
        with tarfile.open(tar_path) as tf:
            for member in tf:
                if member.isfile() and member.name in titles:
                    bwb, title = titles[member.name]
                    yield bwb, title, tf.extractfile(member).read().decode("utf-8", errors="replace"), member.name


def write_titles(rows: list[tuple[str, str, str]], path: Path) -> None:
    lines = ["# title\tbwb_ids\thow  (generated by `python -m lang.reference_table`; see SOURCES.md)"]
    lines += ["\t".join(r) for r in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def read_titles(text: str) -> list[TitleEntry]:
    entries = []
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split("\t")
        if len(parts) != 3:
            raise ValueError(f"titles.tsv line {n}: expected 3 tab-separated columns, got {len(parts)}")
        title, ids, how = parts
        entries.append(TitleEntry(title=title, ids=tuple(i for i in ids.split(",") if i), how=how))
    return entries


def read_abbreviations(text: str) -> list[tuple[str, str, str, str, bool]]:
    """[[abbreviation]] tables of abbreviations.toml -> (abbreviation, title, BWB ids or '', source, with_article)."""
    data = tomllib.loads(text)
    out = []
    for n, item in enumerate(data.get("abbreviation", []), 1):
        missing = {"short", "title", "source"} - set(item)
        if missing:
            raise ValueError(f"abbreviations.toml entry {n}: missing {', '.join(sorted(missing))}")
        out.append((item["short"], item["title"], item.get("bwb", ""), item["source"],
                    bool(item.get("with_article", False))))
    return out


@lru_cache(maxsize=2)
def load_table(directory: Path = REFERENCES_DIR) -> Table:
    directory = Path(directory)
    return Table.build(read_titles((directory / "titles.tsv").read_text(encoding="utf-8")),
                       read_abbreviations((directory / "abbreviations.toml").read_text(encoding="utf-8")))


@lru_cache(maxsize=2)
def table_stamp(directory: Path = REFERENCES_DIR) -> str:
    """What references were read with: the table's files and the extractor's code. A store whose references
    carry another stamp reads them again (crawler.reference_sync)."""
    h = hashlib.sha256()
    for path in (Path(directory) / "titles.tsv", Path(directory) / "abbreviations.toml",
                 Path(__file__).with_name("references.py")):
        h.update(path.read_bytes())
    return h.hexdigest()[:12]


def manifest_ids(archives=LAW_ARCHIVES) -> set[str]:
    ids = set()
    for _, manifest in archives:
        with open(manifest, encoding="utf-8") as f:
            ids.update(json.loads(line)["bwb_id"] for line in f)
    return ids


def check_abbreviations(table: Table, known: set[str]) -> tuple[list[str], list[str]]:
    """Each hand-made abbreviation with the id(s) it resolves to, and the problems: an id the manifests do not
    hold."""
    lines, problems = [], []
    for short, entry in sorted(table.abbreviations.items()):
        lines.append(f"{short}\t{entry.title}\t{','.join(entry.ids) or '-'}")
        problems += [f"{short}: {i} is not in the manifests" for i in entry.ids if i not in known]
    return lines, problems


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description="Regenerate corpus/references/titles.tsv from the bundled laws.")
    ap.add_argument("--out", type=Path, default=REFERENCES_DIR / "titles.tsv")
    ap.add_argument("--check", action="store_true", help="print each abbreviation with the id it resolves to")
    args = ap.parse_args(argv)
    if not args.check:
        rows = title_rows(corpus_regulations())
        write_titles(rows, args.out)
        print(f"{len(rows)} titles written to {args.out}")
    load_table.cache_clear()
    lines, problems = check_abbreviations(load_table(args.out.parent), manifest_ids())
    print("\n".join(lines))
    if problems:
        raise SystemExit("\n".join(problems))


if __name__ == "__main__":
    main()
