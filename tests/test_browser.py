"""The real thing in a real browser: gunicorn serving the app, Debian's Chromium driven by Playwright."""
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

REPO = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = REPO / "test-artifacts"

pytestmark = pytest.mark.browser


def _chromium_or_skip():
    if Path(CHROMIUM).exists() or shutil.which(CHROMIUM):
        return
    message = f"Chromium not found at {CHROMIUM} (apt-get install chromium)"
    if os.environ.get("BELEIDSZOEKER_REQUIRE_BROWSER"):
        pytest.fail(message)
    pytest.skip(message)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(corpus_data):
    data, _ = corpus_data
    port = _free_port()
    proc = subprocess.Popen([sys.executable, str(REPO / "run.py"), "--data", str(data), "serve", "--port", str(port),
                             "--workers", "1"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if requests.get(url, timeout=1).status_code == 200:
                break
        except requests.ConnectionError:
            time.sleep(0.2)
    else:
        proc.kill()
        pytest.fail("gunicorn did not start: " + proc.stdout.read().decode(errors="replace"))
    yield url
    proc.terminate()
    proc.wait(timeout=10)


@pytest.fixture(scope="module")
def browser():
    _chromium_or_skip()
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run"])
        yield b
        b.close()


def test_search_then_narrow_by_theme_facet(server, browser):
    page = browser.new_page()
    page.goto(server)
    page.get_by_label("Zoekwoorden").fill("schuldhulpverlening")
    page.get_by_role("button", name="Zoeken").click()
    page.wait_for_url("**/zoeken?q=schuldhulpverlening")
    results = page.locator("li.hit h2 a")
    assert results.count() >= 2
    assert results.first.inner_text().startswith("Wet van 9 februari 2012")
    total_before = page.locator("#aantal").inner_text()

    page.locator('a[data-facet="thema"][data-value="schulden-en-armoede"]').click()
    page.wait_for_url("**thema=schulden-en-armoede**")
    assert "q=schuldhulpverlening" in page.url
    assert page.locator('a.selected[data-facet="thema"]').count() == 1
    assert page.locator("li.hit").count() >= 1
    assert all("Schulden en armoede" in t for t in page.locator("li.hit ul.tags").all_inner_texts())
    total_after = page.locator("#aantal").inner_text()
    assert 1 <= int(total_after.split()[0]) <= int(total_before.split()[0])
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "results-theme-facet.png"), full_page=True)
    page.close()


def test_facets_work_with_the_keyboard_alone(server, browser):
    page = browser.new_page()
    page.goto(server + "zoeken?q=gemeente")
    facet = page.locator('a[data-facet="type"]').first
    value = facet.get_attribute("data-value")
    page.keyboard.press("Tab")                    # the skip link to the results
    for _ in range(12):                           # then the "Filters" link: the filters come after the results
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.getAttribute('href')") == "#filters":
            break
    page.keyboard.press("Enter")
    for _ in range(60):  # tab until the first type facet has focus
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.dataset.facet") == "type":
            break
    else:
        pytest.fail("the type facet cannot be reached with Tab")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**type={value}**")
    assert page.locator('a.selected[data-facet="type"]').count() == 1
    page.close()


AXE = Path(__file__).resolve().parent / "js" / "node_modules" / "axe-core" / "axe.min.js"
PAGES = {
    "home": "",
    "results": "zoeken?q=schuldhulpverlening",
    "theme": "thema/schulden-en-armoede",
    "themes": "thema",
    "compare": "vergelijk?q=participatie&gemeente=Gemeente+Amsterdam&gemeente=Gemeente+Rotterdam",
    "coverage": "dekking",
    "regulation": "regeling/BWBR0005416",
    "regulation-article": "regeling/BWBR0005416/artikel/228a?jaar=2024",
    "citing-document": "zoeken?q=verwijst:gemeentewet+rioolheffing",   # replaced by its first result's page
    "facet-values": "zoeken/filter/grondslag?q=gemeente&type=verordening",
}


@pytest.fixture(scope="module")
def axe_source():
    if not AXE.exists():
        pytest.fail(f"axe-core missing at {AXE}: run `make test` (it runs npm ci in tests/js)")
    return AXE.read_text()


def _document_path(server) -> str:
    first = requests.get(server + "api/search?q=schuldhulpverlening", timeout=10).json()["results"][0]
    return f"document/{first['id']}"


@pytest.mark.parametrize("name", list(PAGES) + ["document"])
def test_every_page_works_in_chromium_and_passes_axe(server, browser, axe_source, name):
    path = _document_path(server) if name == "document" else PAGES[name]
    if name == "citing-document":
        first = requests.get(server + "api/" + path.replace("zoeken", "search"), timeout=10).json()["results"][0]
        path = f"document/{first['id']}"
    context = browser.new_context(bypass_csp=True)   # lets the test inject axe; the app's own CSP stays on
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    response = page.goto(server + path)
    assert response.status == 200
    assert page.locator("main h1").count() == 1
    page.evaluate(axe_source)
    result = page.evaluate("async () => await axe.run(document, {runOnly: ['wcag2a', 'wcag2aa', 'best-practice']})")
    violations = [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3]) for v in result["violations"]]
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"page-{name}.png"), full_page=True)
    context.close()
    assert violations == [] and errors == []


def test_from_a_regulation_to_its_legal_basis_and_to_who_else_builds_on_it(server, browser):
    """An official reads Venlo's sewage levy regulation, follows its legal basis to article 228a of our copy of
    the Gemeentewet, and from there finds which other cities levy on the same article."""
    page = browser.new_page()
    page.goto(server + "zoeken?q=rioolheffing+verwijst%3Agemeentewet&gemeente=Gemeente+Venlo")
    page.locator("li.hit h2 a").first.click()
    page.wait_for_url("**/document/**")
    grondslag = page.locator("section.references").filter(has=page.get_by_role("heading", name="Grondslag / verwijst naar"))
    grondslag.get_by_role("link", name="228a").click()
    page.wait_for_url("**#artikel-228a")
    assert "BWBR0005416" in page.locator("dl.docmeta").inner_text()     # the Gemeentewet (its official title)
    assert page.locator("#artikel-228a").is_visible()
    genoemd = page.locator("section.references").filter(has=page.get_by_role("heading", name="Wordt genoemd in"))
    assert "Gemeente Venlo" in genoemd.inner_text()
    genoemd.get_by_role("link", name="Per organisatie, met filters en export").click()
    page.wait_for_url("**/regeling/BWBR0005416")
    page.get_by_role("link", name="Artikel 228a").click()
    page.wait_for_url("**/regeling/BWBR0005416/artikel/228a")
    organisations = page.locator("table.data tbody td:first-child").all_inner_texts()
    assert {"Gemeente Venlo", "Gemeente Almere"} <= set(organisations)
    page.locator('a[data-facet="jaar"][data-value="2024"]').click()
    page.wait_for_url("**jaar=2024**")
    assert page.locator('a.selected[data-facet="jaar"]').count() == 1
    with page.expect_download() as download:
        page.get_by_role("link", name="Exporteer als CSV").click()
    assert "Gemeente Venlo" in Path(download.value.path()).read_text(encoding="utf-8-sig")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "regulation-article.png"), full_page=True)
    page.close()


def test_theme_trend_chart_and_compare_columns_render(server, browser):
    page = browser.new_page()
    page.goto(server + "thema/schulden-en-armoede")
    chart = page.locator("figure.trend svg")
    assert chart.count() == 1 and chart.locator("rect").count() >= 1 and chart.bounding_box()["width"] > 200
    page.goto(server + PAGES["compare"])
    assert page.locator(".compare .column").count() == 2
    boxes = [c.bounding_box() for c in page.locator(".compare .column").all()]
    assert boxes[0]["y"] == boxes[1]["y"] and boxes[0]["x"] < boxes[1]["x"]   # side by side
    page.close()


XSS = ['<script>window.__xss=1</script>', '<img src=x onerror="window.__xss=1">', '"><svg onload="window.__xss=1">',
       "javascript:window.__xss=1"]


@pytest.fixture(scope="module")
def xss_server(tmp_path_factory):
    """The app over documents whose titles, texts, organisations and URLs carry script payloads."""
    from store.crawl_store import CrawlStore
    from indexer.build import IndexLocation, build_index
    data = tmp_path_factory.mktemp("xss")
    store = CrawlStore(data / "crawl.sqlite3")
    for i, payload in enumerate(XSS):
        text = f"Woonbeleid {payload} en huurwoningen {payload}\n\nArtikel 2 {payload}"
        for version in (1, 2):
            store.record_content(run_id=None, site="xss", url=f"http://t.nl/{i}?x=\"><script>window.__xss=1</script>",
                                 status=200, content_type="text/html", body=f"{text} v{version}".encode(),
                                 indexable=True,
                                 extract={"title": f"Woonbeleid {payload}", "text": f"{text} v{version}",
                                          "meta": {"organisation": f"Gemeente {payload}"},
                                          "passages": [{"anchor": f"a{payload}", "heading": payload, "text": text}]})
    build_index(store, IndexLocation(data / "index"), progress=False)
    port = _free_port()
    proc = subprocess.Popen([sys.executable, str(REPO / "run.py"), "--data", str(data), "serve", "--port", str(port),
                             "--workers", "1"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/"
    for _ in range(150):
        try:
            requests.get(url, timeout=1)
            break
        except requests.ConnectionError:
            time.sleep(0.2)
    yield url
    proc.terminate()
    proc.wait(timeout=10)


def test_no_payload_executes_on_any_page(xss_server, browser):
    doc_id = requests.get(xss_server + "api/search?q=woonbeleid", timeout=10).json()["results"][0]["id"]
    payload_q = requests.utils.quote('woonbeleid <script>window.__xss=1</script>')
    pages = [f"zoeken?q={payload_q}", f"document/{doc_id}", "thema/wonen", f"vergelijk?q={payload_q}&gemeente="
             + requests.utils.quote('Gemeente <script>window.__xss=1</script>'), f"zoeken.atom?q={payload_q}",
             "dekking", f"zoeken?q=woonbeleid&gemeente={requests.utils.quote(XSS[1])}"]
    page = browser.new_page()
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    for path in pages:
        response = page.goto(xss_server + path)
        assert response.status in (200, 400), path
        page.wait_for_timeout(100)
        assert page.evaluate("window.__xss") is None, path
        if path.startswith((f"zoeken?q={payload_q}", "document/")):
            # escaped, not dropped: the payload is visible as text, and no element came out of it
            assert "<script>window.__xss=1</script>" in page.inner_text("main"), path
            assert page.locator("main script, main svg[onload], main img[onerror]").count() == 0, path
        for link in page.locator("a[href^='javascript:']").all():
            pytest.fail(f"javascript: link on {path}: {link.get_attribute('href')}")
    assert dialogs == []
    page.close()
