"""--format omegat, checked with Debian's OmegaT in console mode, then imported back.

The steps are the ones docs/formats.md gives a reviewer: translate with
``-f omegat``, let OmegaT list and fill the segments, change one as a reviewer
would (OmegaT keeps it in ``omegat/project_save.tmx`` and writes ``target/``),
and ``el2en review import`` the project folder.  OmegaT starts a JVM: slow.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest
from conftest import read_pairs
from conftest import review_el2en as el2en
from lxml import etree

from translate.formats import get_format, omegat

pytestmark = pytest.mark.slow

PAIRS = read_pairs()
GREEK = [el for el, _ in PAIRS[:6]]
CORRECTED = "A reviewer's better English for the third sentence."


def run_omegat(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run Debian's omegat in console mode with a private home, headless, with a timeout."""
    program = shutil.which("omegat")
    assert program, "OmegaT is needed: scripts/install-tools.sh installs Debian's omegat"
    home = tmp_path / "omegat-home"
    home.mkdir(exist_ok=True)
    # Java takes its home from the password file, not $HOME: user.home keeps ~/.omegat private.
    env = {**os.environ, "HOME": str(home), "JAVA_TOOL_OPTIONS": f"-Duser.home={home}"}
    done = subprocess.run(
        [program, "-Djava.awt.headless=true", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=180,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    return done


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """el2en's OmegaT project (and JSONL) of a small article."""
    folder = tmp_path_factory.mktemp("omegat")
    (folder / "article.el.txt").write_text(
        f"{GREEK[0]} {GREEK[1]}\n\n{GREEK[2]}\n{GREEK[3]}\n\n{GREEK[4]} {GREEK[5]}\n", "utf-8"
    )
    (folder / "out").mkdir()
    done = el2en(
        folder,
        "translate",
        str(folder / "article.el.txt"),
        "-f",
        "omegat,jsonl",
        "-o",
        f"{folder}/out/",
    )
    assert done.returncode == 0, done.stderr
    return folder / "out" / "article.omegat"


def jsonl(project: Path) -> list[dict[str, object]]:
    lines = (project.parent / "article.el-en.jsonl").read_text("utf-8").splitlines()
    return [r for r in map(json.loads, lines) if r["type"] == "sentence"]


def test_the_registry_names_the_project_files() -> None:
    assert get_format("omegat").suffixes == omegat.suffixes()


def test_omegat_sees_every_greek_sentence_as_a_segment(project: Path, tmp_path: Path) -> None:
    listed = tmp_path / "segments.tmx"
    run_omegat(
        tmp_path,
        "--mode=console-createpseudotranslatetmx",
        f"--pseudotranslatetmx={listed}",
        "--pseudotranslatetype=equal",
        str(project),
    )
    root = etree.parse(str(listed)).getroot()
    segments = [tu.find("tuv/seg").text for tu in root.iter("tu")]
    # OmegaT lists each distinct segment once, in its own order.
    assert sorted(segments) == sorted(str(r["el"]) for r in jsonl(project))
    assert len(segments) == len(GREEK)


def test_omegat_fills_every_segment_with_el2en_english(project: Path, tmp_path: Path) -> None:
    run_omegat(tmp_path, "--mode=console-translate", str(project))
    english = (project / "target" / "article.el.txt").read_text("utf-8")
    assert english.rstrip("\n").split("\n\n") == [r["en"] for r in jsonl(project)]


def _save_as_omegat_does(project: Path, el: str, en: str) -> None:
    """Write omegat/project_save.tmx as OmegaT 3.6 saves a reviewer's confirmed segment."""
    (project / "omegat" / "project_save.tmx").write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE tmx SYSTEM "tmx11.dtd">\n'
        '<tmx version="1.1">\n  <header creationtool="OmegaT" o-tmf="OmegaT TMX" '
        'adminlang="EN-US" datatype="plaintext" creationtoolversion="3.6.0_10" '
        'segtype="paragraph" srclang="EL"/>\n  <body>\n'
        f'    <tu>\n      <tuv lang="EL">\n        <seg>{el}</seg>\n      </tuv>\n'
        '      <tuv lang="EN" changeid="reviewer" changedate="20261203T150000Z" '
        'creationid="reviewer" creationdate="20261203T150000Z">\n'
        f"        <seg>{en}</seg>\n      </tuv>\n    </tu>\n  </body>\n</tmx>\n",
        encoding="utf-8",
    )


def test_a_reviewers_edit_in_omegat_is_imported_and_nothing_else(
    project: Path, tmp_path: Path
) -> None:
    copy = tmp_path / "reviewed.omegat"
    shutil.copytree(project, copy)
    _save_as_omegat_does(copy, GREEK[2], CORRECTED)
    run_omegat(tmp_path, "--mode=console-translate", str(copy))
    english = (copy / "target" / "article.el.txt").read_text("utf-8").split("\n\n")
    assert english[2] == CORRECTED  # OmegaT took the reviewer's segment over tm/auto

    done = el2en(tmp_path, "review", "import", str(copy), "-v")
    assert done.returncode == 0, done.stderr
    assert "1 new" in done.stdout
    not_taken = [line for line in done.stderr.splitlines() if "English unchanged" in line]
    assert len(not_taken) == len(GREEK) - 1  # every other target unit, named
    with sqlite3.connect(tmp_path / "memory.sqlite") as conn:
        assert list(conn.execute("SELECT el, en FROM memory")) == [(GREEK[2], CORRECTED)]


def test_an_untouched_project_imports_nothing(project: Path, tmp_path: Path) -> None:
    done = el2en(tmp_path, "review", "import", str(project))
    assert done.returncode == 0, done.stderr
    assert "0 new" in done.stdout
