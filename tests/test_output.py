"""Outputs are written to a temporary name and renamed: never half-written."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from translate.errors import OutputError
from translate.output import atomic_output


def test_success_renames_into_place(tmp_path: Path) -> None:
    target = tmp_path / "out.txt"
    with atomic_output(str(target)) as stream:
        stream.write("hello\n")
        assert not target.exists()
    assert target.read_text() == "hello\n"
    assert os.listdir(tmp_path) == ["out.txt"]


def test_failure_leaves_no_file_and_keeps_an_old_one(tmp_path: Path) -> None:
    target = tmp_path / "out.txt"
    target.write_text("old\n")
    with pytest.raises(RuntimeError), atomic_output(str(target)) as stream:
        stream.write("partial")
        raise RuntimeError("boom")
    assert target.read_text() == "old\n"
    assert os.listdir(tmp_path) == ["out.txt"]


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: p / "missing" / "out.txt", "does not exist"),
        (lambda p: p, "is a directory"),
    ],
)
def test_unwritable_targets(tmp_path: Path, make: object, message: str) -> None:
    target = make(tmp_path)  # type: ignore[operator]
    with pytest.raises(OutputError, match=message), atomic_output(str(target)):
        pass


def test_folder_where_files_cannot_be_created() -> None:
    # /proc refuses new files even to root, which CI runs as.
    with (
        pytest.raises(OutputError, match=r"^/proc/el2en-out\.txt: "),
        atomic_output("/proc/el2en-out.txt"),
    ):
        pass
