"""Regenerate the README's screenshots from a running app (`make run`, or `run.py serve`), in Debian's Chromium:

    .venv/bin/python docs/screenshots.py http://127.0.0.1:8000/

Writes docs/img/results.png (desktop results page), phone-results.png (390 px: the results, and the Filters button above them), document.png (the
stored copy at the best passage) and theme-trend.png (the chart of a theme page)."""
from __future__ import annotations

import os
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parent / "img"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")


def main(base: str) -> None:
    from playwright.sync_api import sync_playwright
    base = base.rstrip("/") + "/"
    OUT.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--headless", "--no-sandbox", "--disable-gpu"])
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        page.goto(base + "zoeken?q=woningtoewijzing+urgentie")
        page.screenshot(path=str(OUT / "results.png"))
        page.locator("p.passage a").first.click()
        page.wait_for_load_state()
        page.evaluate("window.scrollBy(0, -160)")      # a little context above the passage
        page.screenshot(path=str(OUT / "document.png"))
        page.goto(base + "thema/schulden-en-armoede")
        page.locator("figure.trend").screenshot(path=str(OUT / "theme-trend.png"))
        phone = browser.new_page(viewport={"width": 390, "height": 844}, device_scale_factor=1)
        phone.goto(base + "zoeken?q=schuldhulpverlening")
        phone.screenshot(path=str(OUT / "phone-results.png"))
        browser.close()
    print("\n".join(str(f) for f in sorted(OUT.glob("*.png"))))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8000/")
