"""The one staged-folder helper (conversions, model removal, Ray's unpacking)."""

from __future__ import annotations

from pathlib import Path

import pytest

from translate.output import remove_folder, remove_stale_folders, staged_folder


def contents(folder: Path) -> dict[str, str]:
    return {p.name: p.read_text() for p in sorted(folder.iterdir())}


def test_a_failed_build_leaves_the_old_folder_and_no_staging(tmp_path: Path) -> None:
    place = tmp_path / "int8"
    place.mkdir()
    (place / "model.bin").write_text("old")
    with pytest.raises(RuntimeError), staged_folder(place) as folder:
        folder.mkdir()
        (folder / "model.bin").write_text("half")
        raise RuntimeError("converter died")
    assert contents(place) == {"model.bin": "old"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["int8"]


def test_a_finished_build_replaces_the_folder_whole(tmp_path: Path) -> None:
    place = tmp_path / "int8"
    place.mkdir()
    (place / "stale.bin").write_text("old")
    with staged_folder(place) as folder:
        folder.mkdir()
        (folder / "model.bin").write_text("new")
        assert not (place / "model.bin").exists()  # nothing visible before the rename
    assert contents(place) == {"model.bin": "new"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["int8"]


def test_removal_and_a_killed_writers_leftovers(tmp_path: Path) -> None:
    place = tmp_path / "int8"
    leftover = tmp_path / ".int8.tmp-killed"
    (leftover / "new").mkdir(parents=True)
    other = tmp_path / ".int16.tmp-live"
    other.mkdir()
    assert remove_stale_folders(place) == 1
    assert not leftover.exists() and other.exists()  # another folder's staging is not ours
    assert remove_folder(place) is False
    place.mkdir()
    (place / "model.bin").write_text("x")
    assert remove_folder(place) is True
    assert sorted(p.name for p in tmp_path.iterdir()) == [".int16.tmp-live"]
