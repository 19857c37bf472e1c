"""Two kinds of flag: warnings are counted "to review"; information is shown, never counted."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from translate import flags

ARTICLE = "Η Αθήνα είναι η πρωτεύουσα της Ελλάδας.\n\nΟ καιρός είναι καλός σήμερα.\n"


def test_every_flag_is_a_warning_or_information() -> None:
    assert set(flags.WARNINGS) | set(flags.INFO) == {flag.value for flag in flags.Flag}
    assert not set(flags.WARNINGS) & set(flags.INFO)
    assert set(flags.INFO) == {"cached", "reused", "human", "passthrough"}
    assert set(flags.QA) <= set(flags.WARNINGS)


@pytest.mark.parametrize(
    ("names", "expected"),
    [
        ((), False),
        (("cached",), False),
        (("cached", "human", "passthrough"), False),
        (("cached", "low_score"), True),
        (("numbers",), True),
    ],
)
def test_needs_review_counts_only_warnings(names: tuple[str, ...], expected: bool) -> None:
    assert flags.needs_review(names) is expected


def _el2en(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    from conftest import FIXTURE_MODEL

    env = {
        **os.environ,
        "HOME": str(tmp_path / "home"),
        "EL2EN_MODEL": str(FIXTURE_MODEL),
        "EL2EN_MEMORY": str(tmp_path / "no-memory.sqlite"),
    }
    command = [sys.executable, "-m", "translate", *args]
    return subprocess.run(command, capture_output=True, text=True, env=env, timeout=300)


def _records(path: Path) -> list[dict[str, object]]:
    lines = path.read_text("utf-8").splitlines()
    return [r for r in map(json.loads, lines) if r["type"] == "sentence"]


def test_cached_means_an_earlier_run_and_is_not_counted(tmp_path: Path) -> None:
    """Reuse within a run carries no flag; the next run's hits are `cached`, not "to review"."""
    (tmp_path / "a.txt").write_text(ARTICLE, "utf-8")
    (tmp_path / "b.txt").write_text(ARTICLE, "utf-8")  # b repeats a, in the same run
    cache = str(tmp_path / "cache.sqlite")
    args = ("translate", str(tmp_path / "a.txt"), str(tmp_path / "b.txt"), "-f", "jsonl")
    first = _el2en(tmp_path, *args, "-o", f"{tmp_path}/one/", "--cache", cache, "--no-qa", "-v")
    assert first.returncode == 0, first.stderr
    for name in ("a.el-en.jsonl", "b.el-en.jsonl"):
        assert all("cached" not in r["flags"] for r in _records(tmp_path / "one" / name))  # type: ignore[operator]
    assert first.stderr.count("2 sentences, 0 to review") == 2

    second = _el2en(tmp_path, *args, "-o", f"{tmp_path}/two/", "--cache", cache, "--no-qa", "-v")
    assert second.returncode == 0, second.stderr
    records = _records(tmp_path / "two" / "a.el-en.jsonl")
    assert records and all(r["flags"] == ["cached"] for r in records)
    # Four cached sentences, none of them work for a reviewer.
    assert second.stderr.count("2 sentences, 0 to review (cached 2)") == 2
    stats = _el2en(tmp_path, "cache", "stats", cache, "--json")
    assert stats.returncode == 0, stats.stderr
    assert json.loads(stats.stdout)["hits"] == 4  # the same four the report counts


@pytest.mark.parametrize(
    ("greek", "english", "named"),
    [
        ("Κόστισε 2,5 δισ. ευρώ.", "It cost 2 billion euros.", "2,5 δισ"),
        ("Στις 15.3.2024 έγινε.", "It happened on 15 March.", "15.3.2024"),
        ("Ήρθαν 10.000 άτομα στις 15:00.", "10,000 people came at 5 p.m.", "15:00"),
    ],
)
def test_the_numbers_note_names_the_number(greek: str, english: str, named: str) -> None:
    from translate.formats import xliff
    from translate.qa import check, note
    from translate.types import Sentence

    s = Sentence("d", 0, 0, 0, len(greek), greek, translation=english, flags=("numbers",))
    assert "numbers" in check(s)
    assert note("numbers", s) == f"numbers: {named} missing or different in the English"
    notes = [n.text for n in xliff.trans_unit(s) if n.tag.endswith("note")]
    assert notes == [note("numbers", s)]


def test_other_notes_are_the_flag_descriptions() -> None:
    from translate.qa import note
    from translate.types import Sentence

    s = Sentence("d", 0, 0, 0, 1, "Ήρθαν 3.", translation="3 came.", flags=("length",))
    assert note("length", s) == f"length: {flags.describe('length')}"
    assert note("numbers", s) == f"numbers: {flags.describe('numbers')}"  # nothing missing
