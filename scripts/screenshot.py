"""Render a sample review page and save its screenshot for the README.

Translates two inputs with the committed test model through the real command
(``el2en translate ... --format html``): a short news text the model was never
trained on, where the QA flags fire, and the seed article, which it knows.
Then opens the page in Debian's headless Chromium (``scripts/install-tools.sh``)
and saves a screenshot of its top 1400 pixels (``--phone``: 390 pixels wide).

    python scripts/screenshot.py                       # docs/review-page.png
    python scripts/screenshot.py --phone docs/review-page-phone.png
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MODEL = ROOT / "tests" / "fixtures" / "tiny-marian-el-en"
SEED = ROOT / "seeds" / "skai-russia-north-korea-shoigu-pyongyang.el.txt"

#: Greek the test model has not seen: numbers, an abbreviation, a domain.
UNSEEN = """\
Οικονομία: η ανεργία έπεσε στο 9,5% τον Μάρτιο

Η ανεργία στην Ελλάδα έπεσε στο 9,5% τον Μάρτιο του 2024, σύμφωνα με την ΕΛΣΤΑΤ. \
Ο υπουργός δήλωσε ότι 10.000 νέες θέσεις εργασίας δημιουργήθηκαν από τις 15.3.2024.

Περισσότερα στο www.skai.gr.
"""


def make_page(folder: Path) -> Path:
    """Translate the two inputs into one review page in ``folder``; return its path."""
    unseen = folder / "economy-brief.el.txt"
    unseen.write_text(UNSEEN, encoding="utf-8")
    seed = folder / SEED.name
    seed.write_bytes(SEED.read_bytes())
    page = folder / "review.el-en.html"
    # Relative names, so that the page names the documents as a user would see them.
    command = [sys.executable, "-m", "translate", "translate", unseen.name, seed.name]
    command += ["--model", str(MODEL), "--format", "html", "-o", str(page), "-q"]
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    env.setdefault("EL2EN_MODELS_DIR", str(ROOT / "models"))
    subprocess.run(command, check=True, cwd=folder, env=env)
    return page


def screenshot(page: Path, target: Path, width: int, max_height: int) -> None:
    """Save a PNG of ``page`` as wide as ``width`` and as tall as its content (capped)."""
    sys.path.insert(0, str(ROOT / "tests"))
    from browser import start

    driver = start(width=width, height=800)
    try:
        driver.get(page.as_uri())
        errors = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]
        if errors:
            raise SystemExit(f"console errors on the page: {errors}")
        height = driver.execute_script("return document.documentElement.scrollHeight")
        driver.set_window_size(width, min(int(height) + 20, max_height))
        target.parent.mkdir(parents=True, exist_ok=True)
        if not driver.save_screenshot(str(target)):
            raise SystemExit(f"could not save {target}")
    finally:
        driver.quit()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("output", nargs="?", default=str(ROOT / "docs" / "review-page.png"))
    parser.add_argument("--phone", action="store_true", help="a 390 px wide phone screen")
    parser.add_argument("--keep", metavar="HTML", help="also copy the page here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        page = make_page(Path(tmp))
        if args.keep:
            Path(args.keep).write_bytes(page.read_bytes())
        width, max_height = (390, 1400) if args.phone else (1100, 1400)
        screenshot(page, Path(args.output), width, max_height)
    print(args.output)


if __name__ == "__main__":
    main()
