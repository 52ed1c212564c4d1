"""What a new user hits (issue 15) in Debian's Chromium: keyboard order, the phone layout, anchored passages."""
import re

import pytest
import requests
from test_browser import ARTIFACTS, browser, server  # noqa: F401  (module fixtures: gunicorn and Chromium)

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}


def _doc_path(server) -> str:
    return "document/" + requests.get(server + "api/search?q=schuldhulpverlening", timeout=10).json()["results"][0]["id"]


def test_the_first_result_is_a_few_tab_presses_away_and_the_skip_link_goes_to_the_results(server, browser):
    page = browser.new_page()
    page.goto(server + "zoeken?q=gemeente")
    first = page.locator("li.hit h2 a").first.get_attribute("href")
    for presses in range(1, 60):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.getAttribute('href')") == first:
            break
    assert presses <= 15, f"{presses} Tab presses to the first result"
    page.goto(server + "zoeken?q=gemeente")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip"
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    # after the skip link, the next stop is inside the results, not a facet
    assert page.evaluate("document.activeElement.closest('#resultaten') !== null")
    assert page.evaluate("document.activeElement.closest('.facets') === null")
    page.close()


def test_facets_still_show_left_of_the_results_on_a_desktop(server, browser):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(server + "zoeken?q=gemeente")
    facets, results = page.locator("aside.facets").bounding_box(), page.locator("section.results").bounding_box()
    assert facets["x"] + facets["width"] <= results["x"] and abs(facets["y"] - results["y"]) < 5
    assert not page.locator(".to-filters a").is_visible() or page.locator(".to-filters a").bounding_box()["x"] < 0
    page.close()


def _width(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


@pytest.mark.parametrize("path", ["", "zoeken?q=schuldhulpverlening", "DOC", "dekking", "thema/schulden-en-armoede",
                                  "vergelijk?q=participatie&gemeente=Gemeente+Amsterdam&gemeente=Gemeente+Rotterdam"])
def test_no_page_is_wider_than_a_phone(server, browser, path):
    page = browser.new_page(viewport=PHONE)
    page.goto(server + (_doc_path(server) if path == "DOC" else path))
    assert _width(page) <= PHONE["width"], f"{path or 'home'} is {_width(page)} px wide"
    page.close()


def test_on_a_phone_the_filters_open_from_a_link_above_the_results(server, browser):
    page = browser.new_page(viewport=PHONE)
    page.goto(server + "zoeken?q=schuldhulpverlening")
    toggle = page.get_by_role("link", name=re.compile("^Filters"))
    first_hit = page.locator("li.hit").first.bounding_box()
    assert toggle.is_visible() and toggle.bounding_box()["y"] < first_hit["y"] < PHONE["height"]
    assert not page.locator('a[data-facet="thema"]').first.is_visible()   # closed: the results come first
    toggle.click()
    facet = page.locator('a[data-facet="thema"]').first
    assert facet.is_visible() and facet.bounding_box()["y"] < page.locator("li.hit").first.bounding_box()["y"]
    facet.click()
    page.wait_for_url("**thema=**")
    assert page.locator("li.hit").first.bounding_box()["y"] < PHONE["height"]   # results visible again
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "phone-results.png"))
    page.close()


def test_the_best_passage_link_lands_on_that_passage_in_the_apps_copy(server, browser):
    page = browser.new_page()
    page.goto(server + "zoeken?q=schuldhulpverlening+wachttijd")
    link = page.locator("p.passage > a").filter(has_not_text="begin van de tekst").first
    heading = link.inner_text()
    link.click()
    page.wait_for_load_state()
    assert "/document/" in page.url and "#" in page.url
    target = page.locator(":target")
    assert target.count() == 1 and heading in target.inner_text()
    top = target.bounding_box()["y"]
    assert 0 <= top < 200                       # scrolled to the passage
    assert page.get_by_role("link", name=re.compile("Terug naar de resultaten")).count() == 1
    page.close()
