"""The converted-model store: keys, lock, temporary folder and rename, --force, listing, CLI."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from translate import convert as store
from translate.cli_models import models
from translate.errors import ModelError, OutputError
from translate.hub import ResolvedModel, resolve_model


@pytest.fixture()
def empty_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point the store at an empty folder for one test."""
    root = tmp_path / "store"
    monkeypatch.setenv("EL2EN_MODELS_DIR", str(root))
    return root


@pytest.fixture()
def model(fixture_model: Path) -> ResolvedModel:
    return resolve_model(str(fixture_model))


def leftovers(path: Path) -> list[str]:
    """Return the temporary folders left beside a conversion."""
    return sorted(p.name for p in path.parent.glob(f".{path.name}.tmp-*"))


def test_store_root_reads_the_environment_at_call_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EL2EN_MODELS_DIR", str(tmp_path / "a"))
    assert store.store_root() == tmp_path / "a"
    monkeypatch.delenv("EL2EN_MODELS_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setattr("sys.platform", "linux")
    assert store.store_root() == tmp_path / "cache" / "el2en" / "models"


def test_paths_are_keyed_by_model_revision_and_quantization(empty_store: Path) -> None:
    hub = ResolvedModel("Helsinki-NLP/opus-mt-el-en", "0123abcd", Path("/x"))
    assert store.converted_path(hub, "int8") == (
        empty_store / "Helsinki-NLP--opus-mt-el-en" / "0123abcd" / "int8"
    )
    other_revision = ResolvedModel(hub.model_id, "4567ef", hub.path)
    paths = {
        store.converted_path(hub, "int8"),
        store.converted_path(hub, "float16"),
        store.converted_path(other_revision, "int8"),
    }
    assert len(paths) == 3


def test_local_folders_with_the_same_name_get_different_keys() -> None:
    a = store.model_key("/data/a/tiny-marian")
    b = store.model_key("/data/b/tiny-marian")
    assert a != b
    assert a.startswith("local--tiny-marian--")
    assert "/" not in a


def test_unknown_quantization_is_refused(model: ResolvedModel) -> None:
    with pytest.raises(ModelError, match="unknown quantization 'int3'"):
        store.converted_path(model, "int3")


def test_convert_writes_a_complete_self_contained_folder(
    empty_store: Path, model: ResolvedModel
) -> None:
    path = store.convert(model, "int8")
    assert path == store.converted_path(model, "int8")
    assert store.is_complete(path)
    for name in ("model.bin", "shared_vocabulary.json", *store.TOKENIZER_FILES):
        assert (path / name).is_file(), name
    record = json.loads((path / store.METADATA_FILE).read_text())
    assert (record["model_id"], record["revision"], record["quantization"]) == (
        model.model_id,
        model.revision,
        "int8",
    )
    assert leftovers(path) == []


def test_convert_refuses_to_overwrite_without_force(
    empty_store: Path, model: ResolvedModel
) -> None:
    path = store.convert(model, "int8")
    before = (path / "model.bin").stat().st_ino
    with pytest.raises(OutputError, match=r"already converted.*--force"):
        store.convert(model, "int8")
    assert (path / "model.bin").stat().st_ino == before
    store.convert(model, "int8", force=True)
    assert (path / "model.bin").stat().st_ino != before
    assert store.is_complete(path)
    assert leftovers(path) == []


def test_a_failed_conversion_leaves_nothing_behind(
    empty_store: Path, model: ResolvedModel, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(model: ResolvedModel, quantization: str, output: Path) -> None:
        output.mkdir()
        (output / "model.bin").write_bytes(b"half")
        raise ModelError("converter crashed")

    monkeypatch.setattr(store, "_run_converter", broken)
    with pytest.raises(ModelError, match="crashed"):
        store.ensure_converted(model, "int8")
    path = store.converted_path(model, "int8")
    assert not path.exists()
    assert leftovers(path) == []


def test_leftovers_of_a_killed_conversion_are_cleaned(
    empty_store: Path, model: ResolvedModel
) -> None:
    path = store.converted_path(model, "int8")
    stale = path.parent / f".{path.name}.tmp-killed"
    (stale / "model").mkdir(parents=True)
    store.ensure_converted(model, "int8")
    assert not stale.exists()


def test_concurrent_conversions_convert_once(
    empty_store: Path, model: ResolvedModel, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = []
    real = store._run_converter

    def slow(model: ResolvedModel, quantization: str, output: Path) -> None:
        calls.append(output)
        time.sleep(0.5)
        real(model, quantization, output)

    monkeypatch.setattr(store, "_run_converter", slow)
    results: list[Path] = []
    threads = [
        threading.Thread(target=lambda: results.append(store.ensure_converted(model, "int8")))
        for _ in range(3)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(calls) == 1
    assert len(set(results)) == 1 and len(results) == 3
    assert store.is_complete(results[0])


def test_convert_waits_for_the_lock(empty_store: Path, model: ResolvedModel) -> None:
    from filelock import FileLock

    path = store.converted_path(model, "int8")
    path.parent.mkdir(parents=True)
    lock = FileLock(str(path.parent / f"{path.name}.lock"))
    done = threading.Event()
    with lock:
        worker = threading.Thread(target=lambda: (store.convert(model, "int8"), done.set()))
        worker.start()
        time.sleep(1.0)
        assert not done.is_set()
        assert not path.exists()
    worker.join()
    assert done.is_set() and store.is_complete(path)


def test_list_and_info(empty_store: Path, model: ResolvedModel) -> None:
    assert store.list_converted() == []
    store.convert(model, "int8")
    store.convert(model, "float32")
    listed = store.list_converted()
    assert [(c.model_id, c.quantization) for c in listed] == [
        (model.model_id, "float32"),
        (model.model_id, "int8"),
    ]
    assert listed[0].size_bytes > listed[1].size_bytes > 0
    assert store.info(str(model.path)) == listed
    assert store.info("Helsinki-NLP/opus-mt-el-en") == []


def test_an_unwritable_store_says_how_to_fix_it(
    tmp_path: Path, model: ResolvedModel, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("EL2EN_MODELS_DIR", str(blocker / "store"))
    with pytest.raises(OutputError, match="EL2EN_MODELS_DIR"):
        store.ensure_converted(model, "int8")


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(models, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def test_cli_convert_refuses_then_forces(empty_store: Path, fixture_model: Path) -> None:
    code, out, _ = invoke("convert", str(fixture_model))
    assert code == 0
    path = Path(out.strip())
    assert store.is_complete(path) and path.is_relative_to(empty_store)
    assert path.name == "int8"
    code, _, err = invoke("convert", str(fixture_model))
    assert code == 1
    assert "already converted" in err and "--force" in err
    code, out, _ = invoke("convert", str(fixture_model), "--force", "--quantization", "int8")
    assert (code, out.strip()) == (0, str(path))


def test_cli_list_info_fetch(empty_store: Path, fixture_model: Path) -> None:
    code, out, err = invoke("list")
    assert (code, out) == (0, "")
    assert "no converted models" in err
    invoke("convert", str(fixture_model), "--quantization", "float32")
    code, out, _ = invoke("list")
    assert code == 0
    [row] = out.splitlines()
    assert row.split("\t")[0] == str(fixture_model.resolve())
    assert row.split("\t")[2] == "float32"
    code, out, _ = invoke("info", str(fixture_model))
    assert code == 0 and "quantization: float32" in out
    code, out, _ = invoke("fetch", str(fixture_model))
    assert code == 0 and out.split("\t")[0] == str(fixture_model.resolve())


def test_cli_errors_are_one_line(empty_store: Path, tmp_path: Path) -> None:
    code, _, err = invoke("convert", str(tmp_path / "missing"))
    assert code == 1
    assert err.startswith("Error: model folder") and err.count("\n") == 1
    # Offline (conftest sets HF_HUB_OFFLINE) and not cached: a clear error, no network.
    code, _, err = invoke("fetch", "Helsinki-NLP/opus-mt-xx-yy")
    assert code == 1
    assert "HF_HUB_OFFLINE" in err
    code, _, err = invoke("convert", str(tmp_path), "--quantization", "int3")
    assert code == 2
