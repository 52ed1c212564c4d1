"""Server-side SVG charts: plain strings, no JavaScript, escaped labels, an accessible title."""
from __future__ import annotations

import math
from html import escape


def nice_ticks(top: int, most: int = 5) -> list[int]:
    """Round tick values from 0 past `top` (steps of 1, 2, 5 × 10^k, at most `most` + 1 ticks): 0 5 10, not 0 3 7."""
    if top <= 0:
        return [0, 1]
    raw = top / most
    magnitude = 10 ** math.floor(math.log10(raw)) if raw >= 1 else 1
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)
    return list(range(0, math.ceil(top / step) * step + 1, step))


def bar_chart_svg(points: list[tuple[str, int]], title: str, width: int = 720, height: int = 280,
                  x_label: str = "Jaar", y_label: str = "Aantal documenten") -> str:
    """A vertical bar chart of (label, count) with labelled axes, round ticks and grid lines; labels are thinned
    out when there are many."""
    if not points:
        return ""
    pad_left, pad_bottom, pad_top = 64, 52, 16
    plot_w, plot_h = width - pad_left - 10, height - pad_bottom - pad_top
    ticks = nice_ticks(max(n for _, n in points))
    top = ticks[-1]
    step = plot_w / len(points)
    bar_w = max(2.0, step * 0.75)
    every = max(1, round(len(points) / 14))
    base = pad_top + plot_h
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
             f'aria-labelledby="chart-title" class="chart"><title id="chart-title">{escape(title)}</title>']
    for tick in ticks:
        y = base - plot_h * tick / top
        parts.append(f'<line x1="{pad_left}" y1="{y:.1f}" x2="{width - 10}" y2="{y:.1f}" class="grid"/>')
        parts.append(f'<text x="{pad_left - 6}" y="{y + 4:.1f}" text-anchor="end" class="tick">{tick}</text>')
    parts.append(f'<line x1="{pad_left}" y1="{base}" x2="{width - 10}" y2="{base}" class="axis"/>')
    parts.append(f'<line x1="{pad_left}" y1="{pad_top}" x2="{pad_left}" y2="{base}" class="axis"/>')
    for i, (label, n) in enumerate(points):
        h = plot_h * n / top
        x = pad_left + i * step + (step - bar_w) / 2
        parts.append(f'<rect x="{x:.1f}" y="{base - h:.1f}" width="{bar_w:.1f}" height="{h:.1f}" '
                     f'class="bar"><title>{escape(label)}: {n}</title></rect>')
        if i % every == 0:
            parts.append(f'<text x="{x + bar_w / 2:.1f}" y="{base + 16}" text-anchor="middle" '
                         f'class="tick">{escape(label)}</text>')
    parts.append(f'<text x="{pad_left + plot_w / 2:.1f}" y="{height - 8}" text-anchor="middle" '
                 f'class="axis-label">{escape(x_label)}</text>')
    parts.append(f'<text x="14" y="{pad_top + plot_h / 2:.1f}" text-anchor="middle" class="axis-label" '
                 f'transform="rotate(-90 14 {pad_top + plot_h / 2:.1f})">{escape(y_label)}</text>')
    parts.append("</svg>")
    return "".join(parts)
