"""``el2en models`` as a user runs it: a subprocess per command, the store in a temporary folder.

The tiny model is converted once per module; each test that changes the
store works on its own copy of it.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import time
from pathlib import Path

import pytest
from conftest import (
    EL2EN,
    ROOT,
    SUGGESTION,
    check_command,
    el2en,
    environment,
    one_line_error,
    suggestions_exist,
)


@pytest.fixture(scope="module")
def converted(tmp_path_factory: pytest.TempPathFactory, fixture_model: Path) -> Path:
    """Return a store holding the tiny model converted to int8 (converted once).

    Converted in this process (where the suite has usually imported torch
    already): a subprocess would spend most of its time importing it.
    """
    from translate.convert import convert
    from translate.hub import resolve_model

    store = tmp_path_factory.mktemp("converted") / "store"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("EL2EN_MODELS_DIR", str(store))
        convert(resolve_model(str(fixture_model)), "int8")
    return store


@pytest.fixture()
def store(converted: Path, tmp_path: Path) -> Path:
    """Return this test's own copy of the converted store."""
    copy = tmp_path / "store"
    shutil.copytree(converted, copy)
    return copy


def conversion_folder(store: Path) -> Path:
    [folder] = [p for p in store.glob("*/*/*") if p.is_dir() and not p.name.startswith(".")]
    return folder


def test_convert_prints_the_folder_and_keeps_an_existing_conversion(
    store: Path, fixture_model: Path
) -> None:
    folder = conversion_folder(store)
    assert folder.relative_to(store).parts[0] == f"local--{fixture_model.name}"
    before = (folder / "model.bin").stat().st_ino
    done = el2en(store, "models", "convert", str(fixture_model))
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"{folder}\n"
    assert "already converted" in done.stderr and "--force" in done.stderr
    assert done.stderr.count("\n") == 1
    assert (folder / "model.bin").stat().st_ino == before
    suggestions_exist(done.stderr)

    # --force converts again (in this process: see ``converted``).
    from click.testing import CliRunner

    from translate.cli.models_cmd import models

    forced = CliRunner().invoke(
        models, ["convert", str(fixture_model), "--force"], env={"EL2EN_MODELS_DIR": str(store)}
    )
    assert (forced.exit_code, forced.stdout) == (0, f"{folder}\n"), forced.output
    assert (folder / "model.bin").stat().st_ino != before
    assert [p.name for p in folder.parent.iterdir() if p.name.startswith(".")] == []


def test_list_has_a_header_and_human_sizes(store: Path, fixture_model: Path) -> None:
    folder = conversion_folder(store)
    done = el2en(store, "models", "list")
    assert done.returncode == 0, done.stderr
    header, row = done.stdout.splitlines()
    assert header.split() == ["MODEL", "REVISION", "QUANTIZATION", "SIZE", "PATH"]
    size = sum(f.stat().st_size for f in folder.iterdir())
    assert 1e6 < size < 10e6  # the tiny model: printed in MB with one decimal
    revision = folder.parent.name
    assert re.fullmatch(
        rf"{fixture_model.name} +{revision} +int8 +{size / 1e6:.1f} MB +{re.escape(str(folder))}",
        row,
    ), row
    # The columns line up under the header.
    assert row.index(revision) == header.index("REVISION")
    assert row.index(str(folder)) == header.index("PATH")
    # Nothing of the model's own location leaks into the listing.
    assert str(fixture_model.parent) not in done.stdout


def test_list_of_an_empty_store(tmp_path: Path) -> None:
    done = el2en(tmp_path / "empty", "models", "list")
    assert (done.returncode, done.stdout) == (0, "")
    assert "no converted models" in done.stderr


def test_info_of_a_converted_model(store: Path, fixture_model: Path) -> None:
    done = el2en(store, "models", "info", str(fixture_model))
    assert done.returncode == 0, done.stderr
    assert f"model:        {fixture_model.name}\n" in done.stdout
    assert "quantization: int8\n" in done.stdout
    assert f"path:         {conversion_folder(store)}\n" in done.stdout


@pytest.mark.parametrize("model", ["nosuch/model", "./no/such/folder"])
def test_info_of_an_unknown_model_exits_1(store: Path, model: str) -> None:
    line = one_line_error(el2en(store, "models", "info", model), 1)
    assert model in line
    suggestions_exist(line)


def test_remove_deletes_only_what_matches(store: Path, fixture_model: Path) -> None:
    folder = conversion_folder(store)
    line = one_line_error(
        el2en(store, "models", "remove", str(fixture_model), "--quantization", "float32"), 1
    )
    assert "nothing to remove" in line and "--quantization float32" in line
    suggestions_exist(line)
    line = one_line_error(el2en(store, "models", "remove", "Helsinki-NLP/opus-mt-el-en"), 1)
    assert (folder / "model.bin").is_file()

    done = el2en(store, "models", "remove", str(fixture_model))
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"{folder}\n"
    assert not folder.exists()
    assert list(folder.parent.glob(f".{folder.name}.tmp-*")) == []
    assert fixture_model.joinpath("model.safetensors").is_file()  # the model itself stays
    assert el2en(store, "models", "list").stdout == ""
    one_line_error(el2en(store, "models", "remove", str(fixture_model)), 1)


def test_remove_of_a_moved_model_by_name_and_revision(
    store: Path, fixture_model: Path, tmp_path: Path
) -> None:
    folder = conversion_folder(store)
    gone = tmp_path / "gone" / fixture_model.name
    line = one_line_error(
        el2en(store, "models", "remove", str(gone), "--revision", "local-0000"), 1
    )
    assert "--revision local-0000" in line
    done = el2en(store, "models", "remove", str(gone), "--revision", folder.parent.name)
    assert (done.returncode, done.stdout) == (0, f"{folder}\n"), done.stderr


def test_remove_waits_for_the_store_lock(store: Path, fixture_model: Path) -> None:
    from filelock import FileLock

    folder = conversion_folder(store)
    with FileLock(str(folder.parent / f"{folder.name}.lock")):
        remover = subprocess.Popen(
            [*EL2EN, "models", "remove", str(fixture_model)],
            env=environment(store),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        time.sleep(3.0)
        assert remover.poll() is None
        assert (folder / "model.bin").is_file()
    out, err = remover.communicate(timeout=60)
    assert (remover.returncode, out) == (0, f"{folder}\n"), err
    assert not folder.exists()


@pytest.mark.parametrize(
    "args",
    [
        ("convert", "x", "--quantization", "int3"),
        ("remove", "x", "--quantization", "bogus"),
        ("convert",),
        ("nosuch",),
        ("fetch", "x", "--bogus"),
    ],
)
def test_bad_options_are_one_line_usage_errors(tmp_path: Path, args: tuple[str, ...]) -> None:
    one_line_error(el2en(tmp_path, "models", *args), 2)


def test_offline_fetch_suggests_commands_that_exist(tmp_path: Path) -> None:
    line = one_line_error(el2en(tmp_path, "models", "fetch", "Helsinki-NLP/opus-mt-xx-yy"), 1)
    assert "HF_HUB_OFFLINE" in line
    assert suggestions_exist(line) == [
        "el2en models fetch Helsinki-NLP/opus-mt-xx-yy",
        "el2en translate --model DIR",
    ]


# -- every command that a message suggests exists, with its options --------


def test_every_suggestion_in_the_source_exists() -> None:
    """Scan the package for quoted 'el2en ...' commands; placeholders become arguments."""
    found = []
    for path in sorted((ROOT / "translate").rglob("*.py")):
        for command in SUGGESTION.findall(path.read_text(encoding="utf-8")):
            command = re.sub(r"\{[^}]*\}", " X ", command)
            found.append(command)
            check_command(command)
    assert any(c.startswith("el2en models convert") for c in found)
    assert any(c.startswith("el2en models fetch") for c in found)


def test_the_checker_catches_what_does_not_exist() -> None:
    with pytest.raises(AssertionError, match="no option --model"):
        check_command("el2en models fetch X --model DIR")
    with pytest.raises(AssertionError, match="no command 'download'"):
        check_command("el2en models download X")


def test_every_help_example_exists() -> None:
    from translate.cli.models_cmd import models

    examples = [
        line.strip()
        for command in models.commands.values()
        for line in (command.epilog or "").splitlines()
        if line.strip().startswith("el2en ")
    ]
    assert len(examples) >= len(models.commands)
    for example in examples:
        check_command(example)


def test_the_signature_names_a_local_model_not_its_path(
    store: Path, fixture_model: Path, tmp_path: Path
) -> None:
    """A copy elsewhere signs the same, reuses the conversion, and leaks no folder layout."""
    from conftest import SEED

    revision = conversion_folder(store).parent.name
    copy = tmp_path / "private" / "clients" / fixture_model.name
    shutil.copytree(fixture_model, copy)
    for model in (fixture_model, copy):
        done = el2en(store, "translate", str(SEED), "--model", str(model), "-f", "jsonl", "-q")
        assert done.returncode == 0, done.stderr
        header = json.loads(done.stdout.splitlines()[0])
        assert (header["fields"]["model"], header["fields"]["rev"]) == (
            fixture_model.name,
            revision,
        )
        assert str(model.parent) not in done.stdout
    assert len(list(store.glob("*/*/*/model.bin"))) == 1  # the copy reused the conversion
