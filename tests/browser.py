"""Start Debian's headless Chromium through Selenium, for the page tests and the screenshot.

Only the distribution's ``chromium`` and ``chromedriver`` are used (install
them with ``scripts/install-tools.sh``); Selenium is pointed at both, so it
never tries to download a browser or a driver.  ``EL2EN_CHROMIUM`` and
``EL2EN_CHROMEDRIVER`` name other binaries.
"""

from __future__ import annotations

import os
import shutil
from typing import Any

INSTALL_HINT = (
    "run scripts/install-tools.sh"
    " (apt-get install chromium chromium-driver omegat libreoffice-calc-nogui)"
)


class BrowserMissing(RuntimeError):
    """Chromium, its driver or Selenium is not installed."""


def binaries() -> tuple[str, str]:
    """Return the paths of chromium and chromedriver; raise BrowserMissing if one is absent."""
    chromium = os.environ.get("EL2EN_CHROMIUM") or shutil.which("chromium")
    driver = os.environ.get("EL2EN_CHROMEDRIVER") or shutil.which("chromedriver")
    missing = [
        name for name, path in (("chromium", chromium), ("chromedriver", driver)) if not path
    ]
    if missing or chromium is None or driver is None:
        raise BrowserMissing(f"{' and '.join(missing)} not found: {INSTALL_HINT}")
    return chromium, driver


def start(width: int = 1200, height: int = 900, javascript: bool = True) -> Any:
    """Return a headless Chromium WebDriver that records the browser console."""
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError as exc:
        raise BrowserMissing(
            f"selenium is not installed: pip install -e '.[test]' ({exc})"
        ) from None
    chromium, driver = binaries()
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for argument in (
        "--headless=new",
        "--no-sandbox",  # CI containers run as root
        "--disable-dev-shm-usage",
        "--disable-gpu",
        f"--window-size={width},{height}",
        "--lang=en",
        # The page must need nothing from outside: make every host unreachable.
        "--host-resolver-rules=MAP * ~NOTFOUND",
    ):
        options.add_argument(argument)
    if not javascript:
        options.add_experimental_option(
            "prefs", {"profile.managed_default_content_settings.javascript": 2}
        )
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service(executable_path=driver), options=options)
