"""Facets as small objects: given the request's parameters and the counts of a search, each facet
returns its values with counts, whether they are selected, and the URL that toggles them (keeping
every other filter, dropping the page number). Templates only loop over what this returns.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple
from urllib.parse import quote_plus, urlencode

from markupsafe import Markup, escape


class FacetValue(NamedTuple):
    """One value of a facet as a page shows it (a tuple: a page makes hundreds of them)."""
    value: str
    label: str
    count: int
    selected: bool
    toggle_url: str


def display_label(value: str) -> str:
    """How a facet value is shown, in the facet list and in the chips alike: 'wet' -> 'Wet', 'onbekend' ->
    'Onbekend' (the value itself, in URLs and the index, stays as it is)."""
    return value[:1].upper() + value[1:]


@dataclass(frozen=True)
class Facet:
    param: str          # URL parameter (Dutch): thema, gemeente, type, jaar, grondslag
    field: str          # index field
    label: str          # heading shown to people
    limit: int = 12     # values shown before "meer"
    chronological: bool = False   # years: newest first, the unknown year last (else: most frequent first)
    most: int = 60      # values a results page lists at all ("meer" included); the rest are on the facet's own page

    def listed(self, counts: list[tuple[str, int]], args: list[tuple[str, str]]) -> list[tuple[str, int]]:
        """The counts a results page lists: the `most` first ones, and any chosen value beyond them (with its
        count), so a filter in use is always shown and can be undone. A search cites a thousand regulations and
        more: listing every one made the page 400 kB, its own page (/zoeken/filter/<param>) lists them all."""
        if len(counts) <= self.most:
            return counts
        head = counts[:self.most]
        chosen = set(self.selected(args)) - {v for v, _ in head}
        return head + [(v, n) for v, n in counts[self.most:] if v in chosen] if chosen else head

    def selected(self, args: list[tuple[str, str]]) -> list[str]:
        return [v for k, v in args if k == self.param and v]

    def toggle_url(self, path: str, args: list[tuple[str, str]], value: str) -> str:
        if value in self.selected(args):
            kept = [(k, v) for k, v in args if not (k == self.param and v == value)]
        else:
            kept = list(args) + [(self.param, value)]
        kept = [(k, v) for k, v in kept if k != "pagina"]
        return path + ("?" + urlencode(kept) if kept else "")

    def values(self, path: str, args: list[tuple[str, str]], counts: list[tuple[str, int]],
               labels: dict[str, str] | None = None) -> list[FacetValue]:
        """Counted values, plus selected values that no document has (count 0), selected first."""
        labels = labels or {}
        chosen = self.selected(args)
        seen = {v for v, _ in counts}
        rows = list(counts) + [(v, 0) for v in chosen if v not in seen]
        # a value not chosen adds itself to the same kept parameters: encode those once, not once per value (a
        # results page has hundreds of values; this was a third of a cached page's time)
        kept = urlencode([(k, v) for k, v in args if k != "pagina"])
        adding = f"{path}?{kept}&" if kept else f"{path}?"
        key = _quoted(self.param) + "="
        chosen_set = set(chosen)
        out = [FacetValue._make((v, _display(labels.get(v, v)), n, v in chosen_set,
                                 self.toggle_url(path, args, v) if v in chosen_set else adding + key + _quoted(v)))
               for v, n in rows]
        if self.chronological:
            return sorted(out, key=lambda fv: (not fv.selected, not fv.value.isdigit(), -int(fv.value or 0)
                                               if fv.value.isdigit() else 0))
        if not chosen_set:
            return out
        return sorted(out, key=lambda fv: (not fv.selected,))  # stable: keeps count order otherwise

    def links(self, values: list[FacetValue]) -> Markup:
        """Each value's list item with its link, as one piece of markup (what a template macro per value made):
        a results page lists hundreds of values, every cited regulation among them, and the macro calls were
        most of its rendering time. A toggle URL is escaped in two pieces, the parameters up to its last '='
        (the same for all values not chosen) and the value's own quoted text; the rest of an item is a value's
        own and remembered."""
        starts: dict[str, str] = {}
        items = []
        for fv in values:
            head, eq, tail = fv.toggle_url.rpartition("=")
            start = starts.get(head)
            if start is None:
                start = starts[head] = f'\n      <li><a href="{escape(head)}'
            items.append(f'{start}{eq}{_escaped(tail)}"{_item(self.param, fv.value, fv.label, fv.selected)}'
                         f'{fv.count}</span></a></li>\n    ')
        return Markup("".join(items))


@lru_cache(maxsize=65536)
def _item(param: str, value: str, label: str, selected: bool) -> str:
    """The markup of a value's link between its URL and its count."""
    return (f'{_SELECTED if selected else ""} data-facet="{escape(param)}" data-value="{escape(value)}">\n        '
            f'<span class="box" aria-hidden="true">{"☑" if selected else "☐"}</span>{escape(label)}<span class="count">')


_SELECTED = ' class="selected" aria-current="true"'


@lru_cache(maxsize=65536)
def _escaped(text: str) -> str:
    """escape(text) as a string, remembered: facet values and their labels come back page after page."""
    return str(escape(text))


_display = lru_cache(maxsize=65536)(display_label)


@lru_cache(maxsize=65536)
def _quoted(value: str) -> str:
    """quote_plus(value), remembered: the same organisations, years and regulations come back page after page."""
    return quote_plus(value)


FACETS = (
    Facet("thema", "themes", "Thema"),
    Facet("gemeente", "organisation", "Organisatie"),
    Facet("type", "doctype", "Documenttype"),
    Facet("jaar", "year", "Jaar", limit=15, chronological=True),
    Facet("grondslag", "refs", "Grondslag", limit=10),   # the regulations the results cite most
)
FACET_BY_PARAM = {f.param: f for f in FACETS}
