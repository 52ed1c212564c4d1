"""/dekking: per site what the crawler knows, indexed and skipped, and its last crawl, so "why is my
document not found?" has an answer, in words an official reads: the site's name, each reason explained, each
failing page counted once (under errors, not also under skipped)."""
from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from flask import Blueprint, current_app, render_template

bp = Blueprint("coverage", __name__)

# skip reasons recorded by the crawler (crawler/crawl.py, store/writes.py) -> what they mean
SKIP_REASONS = {
    "robots": "robots.txt van de site verbiedt het ophalen",
    "noindex": "de pagina vraagt zelf om niet opgenomen te worden (noindex)",
    "redirect": "verwijst door naar een andere pagina (die is wel meegenomen)",
    "canonical": "kopie van een andere pagina (canonical), die is meegenomen",
    "type": "geen webpagina, PDF, DOCX of ODT (bijvoorbeeld een afbeelding)",
    "too-large": "groter dan de ingestelde maximale omvang",
    "empty": "bevat geen tekst",
    "unreadable": "kon niet gelezen worden (beschadigd of versleuteld bestand)",
    "binary": "geen tekst maar binaire gegevens, al noemt de site het een webpagina",
    "too-deep": "zo diep genest dat er geen leesbare tekst uit kwam",
    "canonical-variant": "variant van een pagina die alleen in een overbodige parameter verschilt (die is meegenomen)",
    "gone": "verdwenen: de site meldt de pagina als verwijderd (410), of niet gevonden (404) en niet meer in de sitemap",
}
FAILED_REASONS = {"error", "gone"}   # pages that failed: counted under errors, with their HTTP status or kind

ERROR_KINDS = {
    "HTTP 404": "niet gevonden (404): de site linkt naar een pagina die niet (meer) bestaat, een dode link in de bron",
    "HTTP 410": "definitief verwijderd (410)",
    "HTTP 403": "geen toegang (403)",
    "HTTP 429": "te veel verzoeken (429): de site vroeg om langzamer te crawlen",
    "HTTP 500": "serverfout op de site (500)",
    "HTTP 502": "serverfout op de site (502)",
    "HTTP 503": "site tijdelijk niet beschikbaar (503)",
    "timeout": "de site antwoordde niet op tijd",
    "connection": "geen verbinding met de site",
    "request": "verzoek mislukt",
    "redirect": "doorverwijzing die niet gevolgd kon worden (lus, of naar buiten het bereik)",
}


@dataclass(frozen=True)
class Reason:
    code: str
    label: str
    count: int


SITES_FILE = Path(__file__).resolve().parent.parent / "corpus" / "sites.toml"


def site_names() -> dict[str, str]:
    """Internal site keys (wetten, verordeningen) -> the titles people know them by, from the site list
    (corpus/sites.toml, or the app's SITES_FILE). Read as plain TOML: the app only names sites; checking and using
    the rest of the list is the crawler's (crawler.config), which the app does not import."""
    try:
        with open(current_app.config.get("SITES_FILE") or SITES_FILE, "rb") as f:
            sites = tomllib.load(f).get("site", [])
    except (OSError, tomllib.TOMLDecodeError):
        return {}
    return {s["name"]: s.get("title") or s["name"] for s in sites if isinstance(s, dict) and s.get("name")}


def skip_label(code: str) -> str:
    return SKIP_REASONS.get(code, code)


def error_label(kind: str) -> str:
    """Explain an error kind: an HTTP status or the crawler's word for it (also longer error texts by prefix)."""
    if kind in ERROR_KINDS:
        return ERROR_KINDS[kind]
    for prefix, label in ERROR_KINDS.items():
        if kind.startswith(prefix) or kind.startswith(prefix.split()[0] + " error"):
            return label
    if kind.startswith("HTTP 5"):
        return f"serverfout op de site ({kind[5:]})"
    if kind.startswith("HTTP 4"):
        return f"geweigerd door de site ({kind[5:]})"
    return kind


def present(row: dict, names: dict[str, str]) -> dict:
    """One site's coverage row as the page shows it: skipped without the failed pages (they are errors), every
    reason and error kind explained, largest first."""
    failed_as_skipped = sum(n for r, n in row["skip_reasons"].items() if r in FAILED_REASONS)
    skipped = [Reason(r, skip_label(r), n) for r, n in row["skip_reasons"].items() if r not in FAILED_REASONS]
    errors = [Reason(k, error_label(k), n) for k, n in row["error_kinds"].items()]
    return dict(row, name=names.get(row["site"], row["site"]), skipped=max(0, row["skipped"] - failed_as_skipped),
                skip_list=sorted(skipped, key=lambda r: (-r.count, r.code)),
                error_list=sorted(errors, key=lambda r: (-r.count, r.code)))


@bp.route("/dekking")
def coverage():
    store = current_app.extensions.get("store")
    if store is None:
        return render_template("error.html", title="Dekking onbekend",
                               message="Er is nog geen crawl-store; draai eerst python run.py crawl."), 503
    names = site_names()
    sites = [present(row, names) for row in store.coverage()]
    return render_template("coverage.html", sites=sorted(sites, key=lambda s: s["name"].lower()), title="Dekking")
