"""Server-side SVG charts: plain strings, no JavaScript, escaped labels, an accessible title."""
from __future__ import annotations

from html import escape


def bar_chart_svg(points: list[tuple[str, int]], title: str, width: int = 720, height: int = 260) -> str:
    """A vertical bar chart of (label, count); labels are thinned out when there are many."""
    if not points:
        return ""
    pad_left, pad_bottom, pad_top = 40, 36, 16
    plot_w, plot_h = width - pad_left - 10, height - pad_bottom - pad_top
    top = max(n for _, n in points) or 1
    step = plot_w / len(points)
    bar_w = max(2.0, step * 0.75)
    every = max(1, round(len(points) / 14))
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
             f'aria-labelledby="chart-title" class="chart"><title id="chart-title">{escape(title)}</title>',
             f'<line x1="{pad_left}" y1="{pad_top + plot_h}" x2="{width - 10}" y2="{pad_top + plot_h}" class="axis"/>']
    for tick in (0, top // 2, top):
        y = pad_top + plot_h - plot_h * tick / top
        parts.append(f'<text x="{pad_left - 6}" y="{y + 4:.1f}" text-anchor="end" class="tick">{tick}</text>')
    for i, (label, n) in enumerate(points):
        h = plot_h * n / top
        x = pad_left + i * step + (step - bar_w) / 2
        parts.append(f'<rect x="{x:.1f}" y="{pad_top + plot_h - h:.1f}" width="{bar_w:.1f}" height="{h:.1f}" '
                     f'class="bar"><title>{escape(label)}: {n}</title></rect>')
        if i % every == 0:
            parts.append(f'<text x="{x + bar_w / 2:.1f}" y="{height - pad_bottom + 16}" text-anchor="middle" '
                         f'class="tick">{escape(label)}</text>')
    parts.append("</svg>")
    return "".join(parts)
