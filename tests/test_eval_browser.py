"""The ``el2en eval --html`` report in a real browser: headless Chromium driven by Selenium.

The report is made as a user makes it (``python -m translate eval ... --html``
in a subprocess); the page must show every plot as a decoded image, the
figures of ``--json``, nothing in the console, nothing fetched from outside,
and no sideways scrolling on a phone.

Like tests/test_html_browser.py, these fail (they do not skip) when Chromium
or its driver is missing: ``scripts/install-tools.sh`` installs them;
``EL2EN_SKIP_BROWSER=1`` deselects them on purpose.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from browser import BrowserMissing, start
from conftest import EL2EN, ROOT, environment

DATA = ROOT / "tests" / "data" / "eval"
ARGS = [str(DATA / "a.jsonl"), str(DATA / "b.jsonl"), "--ref", str(DATA / "ref.en")]


def _eval(home: Path, *args: str) -> str:
    env = environment(home / "models", home)
    command = [*EL2EN, "eval", *ARGS, "--samples", "100", *args]
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, dict[str, Any]]:
    """Return the report's URL and the same evaluation as ``--json``."""
    folder = tmp_path_factory.mktemp("eval")
    page = folder / "report.html"
    figures = json.loads(_eval(folder, "--json", "--html", str(page)))
    return page.as_uri(), figures


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if os.environ.get("EL2EN_SKIP_BROWSER"):
        pytest.skip("EL2EN_SKIP_BROWSER is set")
    try:
        driver = start()
    except BrowserMissing as exc:
        pytest.fail(str(exc))
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture
def page(browser: Any, report: tuple[str, dict[str, Any]]) -> Any:
    browser.set_window_size(1200, 900)
    browser.get(report[0])
    browser.get_log("browser")
    return browser


def test_every_plot_is_a_decoded_image_of_useful_size(page: Any) -> None:
    plots = page.execute_script(
        "return [...document.querySelectorAll('img.plot')].map("
        "i => [i.complete, i.naturalWidth, i.naturalHeight, i.getBoundingClientRect().width])"
    )
    assert len(plots) == 2  # one per system
    for complete, width, height, shown in plots:
        assert complete and width >= 500 and height >= 200
        assert shown >= 500  # drawn at a size a person can read, not a thumbnail


def test_the_page_shows_the_figures_of_json(page: Any, report: tuple[str, dict[str, Any]]) -> None:
    figures = report[1]
    for index, system in enumerate(figures["systems"]):
        section = f"#system-{index}"
        for metric in ("bleu", "chrf", "ter"):
            shown = page.execute_script(
                f"return document.querySelector('{section} tr[data-metric={metric}] .value')"
                ".textContent"
            )
            assert shown == f"{system[metric]:.2f}"
        low = page.execute_script(
            f"return [...document.querySelectorAll('{section} tr[data-flag=low_score] td')]"
            ".map(td => td.textContent)"
        )
        counts = system["flags"]["low_score"]
        assert low[:3] == ["low_score", str(counts["flagged"]), str(counts["changed"])]
    verdicts = page.execute_script(
        "return [...document.querySelectorAll('.comparison td.better')].length"
    )
    metrics = figures["comparisons"][0]["metrics"].values()
    assert verdicts == sum(m["verdict"] == "better" for m in metrics)


def test_nothing_in_the_console_and_nothing_fetched(page: Any) -> None:
    errors = [e for e in page.get_log("browser") if e["level"] in ("SEVERE", "WARNING")]
    assert errors == []
    fetched = page.execute_script(
        "return performance.getEntriesByType('resource')"
        ".filter(e => !e.name.startsWith('data:')).map(e => e.name)"
    )
    assert fetched == []
    assert page.execute_script("return document.scripts.length") == 0


def test_phone_width_never_scrolls_sideways(page: Any) -> None:
    page.set_window_size(390, 844)
    wide = page.execute_script(
        "return document.documentElement.scrollWidth > document.documentElement.clientWidth"
    )
    assert wide is False
    width = page.execute_script("return document.querySelector('img.plot').clientWidth")
    assert 0 < width <= 390
