"""``-o NAME`` without ``-f`` writes the format the name says; with a different -f, exit 2."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import FIXTURE_MODEL

from translate.formats import format_of_name, formats_for_output


@pytest.mark.parametrize(
    ("name", "fmt"),
    [
        ("x.tsv", "tsv"),
        ("x.el-en.jsonl", "jsonl"),
        ("x.XLSX", "xlsx"),
        ("x.xliff", "xliff"),
        ("x.xlf", "xliff"),
        ("x.en.txt", "text"),
        ("x.htm", "html"),
        ("x.csv", None),
        ("x", None),
    ],
)
def test_format_of_name(name: str, fmt: str | None) -> None:
    assert format_of_name(name) == fmt


def test_formats_for_output() -> None:
    assert formats_for_output("x.tsv", ("text",), given=False) == ("tsv",)
    assert formats_for_output("x.tsv", ("tsv",), given=True) == ("tsv",)
    assert formats_for_output("-", ("text",), given=False) == ("text",)
    assert formats_for_output("out/", ("jsonl", "tsv"), given=True) == ("jsonl", "tsv")
    assert formats_for_output("x.csv", ("text",), given=False) == ("text",)


def el2en(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HOME": str(tmp_path / "home"), "EL2EN_MODEL": str(FIXTURE_MODEL)}
    command = [sys.executable, "-m", "translate", *args]
    return subprocess.run(command, capture_output=True, text=True, env=env, timeout=300)


def test_the_output_name_chooses_the_format(tmp_path: Path) -> None:
    source = tmp_path / "a.txt"
    source.write_text("Η Αθήνα είναι η πρωτεύουσα.\n", "utf-8")
    done = el2en(tmp_path, "translate", str(source), "-o", str(tmp_path / "a.tsv"))
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "a.tsv").read_text("utf-8").startswith("doc\tparagraph\tsentence\tel\ten")
    wrong = el2en(tmp_path, "translate", str(source), "-o", str(tmp_path / "b.tsv"), "-f", "jsonl")
    assert wrong.returncode == 2
    assert (
        wrong.stderr.strip()
        .splitlines()[-1]
        .endswith(
            "b.tsv: the name says tsv but --format is jsonl; make them agree "
            "(or leave out --format to write tsv)"
        )
    )
    assert not (tmp_path / "b.tsv").exists()
