"""A damaged model file gives one line naming it, and exit 1, as a user runs el2en.

Truncation is what an interrupted download, copy or conversion leaves.  The
model folder, the CTranslate2 conversion in the store and a Hugging Face
cache snapshot are each damaged one file at a time; the message says how to
replace the file, with commands that exist.
"""

from __future__ import annotations

import json
import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import EL2EN, SEED, environment, one_line_error, suggestions_exist

LOCAL_FIX = "replace the model folder with a good copy (download or copy it again)"


def truncate(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def translate(store: Path, model: str, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*EL2EN, "translate", str(SEED), "--model", model, "-q", *args],
        env={**environment(store), **env},
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture(scope="module")
def converted(tmp_path_factory: pytest.TempPathFactory, fixture_model: Path) -> Path:
    """Return a store holding the tiny model converted to int8 (converted once, in-process)."""
    from translate.convert import convert
    from translate.hub import resolve_model

    store = tmp_path_factory.mktemp("converted") / "store"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("EL2EN_MODELS_DIR", str(store))
        convert(resolve_model(str(fixture_model)), "int8")
    return store


@pytest.fixture()
def store(converted: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "store"
    shutil.copytree(converted, copy)
    return copy


def conversion_folder(store: Path) -> Path:
    [folder] = [p for p in store.glob("*/*/*") if p.is_dir() and not p.name.startswith(".")]
    return folder


# -- the model folder itself -------------------------------------------------

# The weights and config.json are read only by the converter (auto) or by
# transformers; the tokenizer files are read first, whatever the backend.
# (Cases that import torch in the subprocess cost 10-25 s each on a busy 2-core
# machine: the converter's and transformers' other files are checked in-process below.)
SOURCE_CASES = [
    # Over 5 s: a subprocess converts (importing torch) before the damage shows.
    pytest.param("model.safetensors", "auto", marks=pytest.mark.slow),
    ("source.spm", "auto"),
    ("source.spm", "transformers"),
    ("target.spm", "auto"),
    ("vocab.json", "auto"),
    ("vocab.json", "transformers"),
]


@pytest.mark.parametrize(("name", "backend"), SOURCE_CASES)
def test_a_damaged_model_folder_file(
    fixture_model: Path, tmp_path: Path, name: str, backend: str
) -> None:
    model = tmp_path / fixture_model.name
    shutil.copytree(fixture_model, model)
    truncate(model / name)
    done = translate(tmp_path / "fresh-store", str(model), "--backend", backend)
    line = one_line_error(done, 1)
    assert line == f"Error: {model / name}: damaged or unreadable ({_problem(line)}); {LOCAL_FIX}"
    assert done.stdout == ""


@pytest.mark.parametrize("name", ["model.safetensors", "config.json"])
def test_the_converter_and_transformers_name_the_damaged_file(
    fixture_model: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    from translate.backends import DecodeOptions
    from translate.backends.hf import TransformersBackend
    from translate.convert import ensure_converted
    from translate.errors import DamagedModelError
    from translate.hub import resolve_model

    model = tmp_path / fixture_model.name
    shutil.copytree(fixture_model, model)
    truncate(model / name)
    resolved = resolve_model(str(model))
    monkeypatch.setenv("EL2EN_MODELS_DIR", str(tmp_path / "store"))
    expected = rf"^{model / name}: damaged or unreadable \(.*\); {re.escape(LOCAL_FIX)}$"
    with pytest.raises(DamagedModelError, match=expected):
        ensure_converted(resolved, "int8")
    with pytest.raises(DamagedModelError, match=expected):
        TransformersBackend(resolved, DecodeOptions())


def _problem(line: str) -> str:
    return line.split("damaged or unreadable (", 1)[1].rsplit("); ", 1)[0]


# -- the conversion in the store -------------------------------------------


@pytest.mark.parametrize(
    "name", ["model.bin", "source.spm", "vocab.json", "shared_vocabulary.json", "config.json"]
)
def test_a_damaged_converted_file(store: Path, fixture_model: Path, name: str) -> None:
    folder = conversion_folder(store)
    truncate(folder / name)
    line = one_line_error(translate(store, str(fixture_model)), 1)
    command = f"el2en models convert {fixture_model} --quantization int8 --force"
    assert line == (
        f"Error: {folder / name}: damaged or unreadable ({_problem(line)}); "
        f"re-convert it with '{command}'"
    )
    assert suggestions_exist(line) == [command]


def test_the_suggested_command_repairs_the_conversion(
    store: Path, fixture_model: Path, references: dict[str, str]
) -> None:
    folder = conversion_folder(store)
    truncate(folder / "model.bin")
    [command] = suggestions_exist(one_line_error(translate(store, str(fixture_model)), 1))
    # The repair runs in this process: a subprocess would spend ~10-40 s importing torch.
    from click.testing import CliRunner

    from translate.cli import cli

    repaired = CliRunner().invoke(
        cli, shlex.split(command)[1:], env={"EL2EN_MODELS_DIR": str(store)}
    )
    assert (repaired.exit_code, repaired.stdout) == (0, f"{folder}\n"), repaired.output
    done = translate(store, str(fixture_model), "--format", "jsonl")
    assert done.returncode == 0, done.stderr
    rows = [json.loads(line) for line in done.stdout.splitlines()[1:]]
    assert rows and all(row["en"] == references[row["el"]] for row in rows)


# -- a hub model in the Hugging Face cache ---------------------------------


def test_a_damaged_hub_snapshot_says_to_fetch_it_again(fixture_model: Path, tmp_path: Path) -> None:
    commit = "0123456789abcdef0123456789abcdef01234567"
    repo = tmp_path / "hub" / "models--Helsinki-NLP--opus-mt-el-en"
    shutil.copytree(fixture_model, repo / "snapshots" / commit)
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text(commit)
    truncate(repo / "snapshots" / commit / "vocab.json")
    done = translate(
        tmp_path / "store", "Helsinki-NLP/opus-mt-el-en", HF_HUB_CACHE=str(tmp_path / "hub")
    )
    line = one_line_error(done, 1)
    assert line.startswith(f"Error: {repo / 'snapshots' / commit / 'vocab.json'}: damaged")
    assert suggestions_exist(line) == ["el2en models fetch Helsinki-NLP/opus-mt-el-en --force"]


# -- the checks cost nothing while nothing is wrong --------------------------


def test_sound_models_load_without_looking_for_damage(
    converted: Path, fixture_model: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from translate.backends import DecodeOptions
    from translate.backends.ct2 import CTranslate2Backend
    from translate.hub import resolve_model
    from translate.tokenizer import MarianSpm

    def looked(folder: Path) -> None:
        raise AssertionError(f"looked for damage in {folder}")

    monkeypatch.setattr("translate.modelfiles.find_damage", looked)
    monkeypatch.setenv("EL2EN_MODELS_DIR", str(converted))
    model = resolve_model(str(fixture_model))
    MarianSpm(model.path)
    backend = CTranslate2Backend(model, DecodeOptions(beam_size=1))
    assert backend.translate_batch(["Καλημέρα."])[0].text
