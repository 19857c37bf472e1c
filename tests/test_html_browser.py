"""The HTML review page in a real browser: headless Chromium driven by Selenium.

Every pair renders with its exact text, the "only to review" filter hides and
shows the right rows, nothing reaches the console, a ``<script>`` in the text
is shown and not run, the page works without JavaScript, on a phone-sized
window and in print.

These tests fail (they do not skip) when Chromium or its driver is missing:
``scripts/install-tools.sh`` installs them.  To run the rest of the suite on
a machine without a browser, deselect them on purpose:
``pytest --ignore tests/test_html_browser.py`` or ``EL2EN_SKIP_BROWSER=1``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
from browser import BrowserMissing, start
from format_cases import SENTENCES, TO_REVIEW, write_files

from translate.formats.html import FILTER_ID


def _driver(**kwargs: Any) -> Iterator[Any]:
    if os.environ.get("EL2EN_SKIP_BROWSER"):
        pytest.skip("EL2EN_SKIP_BROWSER is set")
    try:
        driver = start(**kwargs)
    except BrowserMissing as exc:
        pytest.fail(str(exc))
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture(scope="module")
def page_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    (path,) = write_files(tmp_path_factory.mktemp("page"), "html")
    return path.as_uri()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    yield from _driver()


@pytest.fixture
def page(browser: Any, page_url: str) -> Any:
    browser.set_window_size(1200, 900)
    browser.get(page_url)
    browser.get_log("browser")  # start each test with an empty console
    return browser


def _texts(driver: Any, selector: str) -> list[str]:
    script = f"return [...document.querySelectorAll({selector!r})].map(e => e.textContent)"
    texts: list[str] = driver.execute_script(script)
    return texts


def _shown_ids(driver: Any) -> list[str]:
    from selenium.webdriver.common.by import By

    return [
        p.get_attribute("id")
        for p in driver.find_elements(By.CSS_SELECTOR, ".pair")
        if p.is_displayed()
    ]


def _errors(driver: Any) -> list[Any]:
    return [entry for entry in driver.get_log("browser") if entry["level"] in ("SEVERE", "WARNING")]


def test_every_pair_renders_with_its_exact_text(page: Any) -> None:
    assert len(_shown_ids(page)) == len(SENTENCES)
    # Exact, "\r" included: lxml writes it as "&#13;", which the HTML parser keeps.
    assert _texts(page, ".pair .el") == [s.source for s in SENTENCES]
    assert _texts(page, ".pair .en") == [s.translation for s in SENTENCES]
    assert _errors(page) == []


def test_the_filter_hides_and_shows_the_right_rows(page: Any) -> None:
    from selenium.webdriver.common.by import By

    box = page.find_element(By.ID, FILTER_ID)
    assert box.is_displayed() and not box.is_selected()
    everything = _shown_ids(page)
    box.click()
    shown = _shown_ids(page)
    assert len(shown) == len(TO_REVIEW) > 0
    flagged = page.find_elements(By.CSS_SELECTOR, ".pair.review")
    assert shown == [p.get_attribute("id") for p in flagged]
    texts = [p.find_element(By.CSS_SELECTOR, ".el").get_attribute("textContent") for p in flagged]
    assert texts == [s.source for s in TO_REVIEW]
    box.click()
    assert _shown_ids(page) == everything
    assert _errors(page) == []


def test_a_script_in_the_text_is_shown_not_run(page: Any) -> None:
    from selenium.common.exceptions import NoAlertPresentException

    assert page.execute_script("return window.__el2en_pwned") is None
    with pytest.raises(NoAlertPresentException):
        page.switch_to.alert.text  # noqa: B018 - reading it is the check
    assert page.execute_script("return document.scripts.length") == 1
    assert page.execute_script("return document.images.length") == 0
    body = page.execute_script("return document.body.innerText")
    assert "<script>window.__el2en_pwned = 1</script>" in body


def test_the_page_loads_nothing_from_outside(page: Any) -> None:
    resources = page.execute_script("return performance.getEntriesByType('resource').length")
    assert resources == 0


def test_a_flag_reason_shows_on_hover_and_in_text(page: Any) -> None:
    from selenium.webdriver.common.by import By

    first = page.find_elements(By.CSS_SELECTOR, ".pair.review")[0]
    assert TO_REVIEW[0].flags[0] in first.get_attribute("title")
    assert TO_REVIEW[0].flags[0] in first.find_element(By.CSS_SELECTOR, ".flags").text


def test_phone_width_stacks_the_pair_and_never_scrolls_sideways(page: Any) -> None:
    from selenium.webdriver.common.by import By

    page.set_window_size(390, 844)
    pair = page.find_elements(By.CSS_SELECTOR, ".pair")[1]
    el = pair.find_element(By.CSS_SELECTOR, ".el").rect
    en = pair.find_element(By.CSS_SELECTOR, ".en").rect
    assert en["y"] >= el["y"] + el["height"] - 1
    wide = page.execute_script(
        "return document.documentElement.scrollWidth > document.documentElement.clientWidth"
    )
    assert wide is False


def test_print_hides_the_filter(page: Any) -> None:
    from selenium.webdriver.common.by import By

    page.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    try:
        assert not page.find_element(By.ID, FILTER_ID).is_displayed()
        assert len(_shown_ids(page)) == len(SENTENCES)
    finally:
        page.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})


def test_without_javascript_everything_shows_and_no_dead_control(page_url: str) -> None:
    from selenium.webdriver.common.by import By

    for driver in _driver(javascript=False):
        driver.get(page_url)
        assert len(_shown_ids(driver)) == len(SENTENCES)
        assert not driver.find_element(By.ID, FILTER_ID).is_displayed()
