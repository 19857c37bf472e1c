"""The converted-model store: keys, lock, temporary folder and rename, --force, listing, CLI."""

from __future__ import annotations

import contextlib
import json
import shutil
import threading
import time
from pathlib import Path

import pytest

from translate import convert as store
from translate import modelfiles
from translate.errors import ModelError, OutputError
from translate.hub import resolve_model
from translate.modelfiles import ResolvedModel


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


def test_models_dir_reads_the_environment_at_call_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EL2EN_MODELS_DIR", str(tmp_path / "a"))
    assert store.models_dir() == tmp_path / "a"
    monkeypatch.delenv("EL2EN_MODELS_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setattr("sys.platform", "linux")
    assert store.models_dir() == tmp_path / "cache" / "el2en" / "models"


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


def test_local_models_are_keyed_by_name_and_content_not_path(
    empty_store: Path, fixture_model: Path, tmp_path: Path
) -> None:
    assert store.model_key("tiny-marian", local=True) == "local--tiny-marian"
    # A local folder named like a hub model never shares its key.
    assert store.model_key("opus-mt-el-en", local=True) != store.model_key("opus-mt-el-en")
    original = resolve_model(str(fixture_model))
    copy = tmp_path / "elsewhere" / fixture_model.name
    shutil.copytree(fixture_model, copy)
    moved = resolve_model(str(copy))
    assert store.converted_path(moved, "int8") == store.converted_path(original, "int8")
    assert store.converted_path(moved, "int8").relative_to(empty_store).parts == (
        "local--tiny-marian-el-en",
        original.revision,
        "int8",
    )
    changed = tmp_path / "changed" / fixture_model.name
    shutil.copytree(fixture_model, changed)
    (changed / "config.json").write_text((changed / "config.json").read_text() + " ")
    edited = resolve_model(str(changed))
    assert store.converted_path(edited, "int8") != store.converted_path(original, "int8")


def test_a_copied_model_reuses_its_conversion(
    empty_store: Path, fixture_model: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = store.ensure_converted(resolve_model(str(fixture_model)), "int8")
    copy = tmp_path / "copy" / fixture_model.name
    shutil.copytree(fixture_model, copy)
    monkeypatch.setattr(store, "_run_converter", lambda *args: pytest.fail("converted again"))
    assert store.ensure_converted(resolve_model(str(copy)), "int8") == path


def test_unknown_quantization_is_refused(model: ResolvedModel) -> None:
    with pytest.raises(ModelError, match="unknown quantization 'int3'"):
        store.converted_path(model, "int3")


def test_convert_writes_a_complete_self_contained_folder(
    empty_store: Path, model: ResolvedModel
) -> None:
    result = store.convert(model, "int8")
    path = result.path
    assert result.converted and path == store.converted_path(model, "int8")
    assert store.is_complete(path)
    for name in ("model.bin", "shared_vocabulary.json", *modelfiles.TOKENIZER_FILES):
        assert (path / name).is_file(), name
    record = json.loads((path / modelfiles.METADATA_FILE).read_text())
    assert (record["model_id"], record["revision"], record["quantization"]) == (
        model.model_id,
        model.revision,
        "int8",
    )
    assert leftovers(path) == []


def test_convert_keeps_an_existing_conversion_without_force(
    empty_store: Path, model: ResolvedModel
) -> None:
    path = store.convert(model, "int8").path
    before = (path / "model.bin").stat().st_ino
    assert store.convert(model, "int8") == store.ConvertResult(path, converted=False)
    assert (path / "model.bin").stat().st_ino == before
    assert store.convert(model, "int8", force=True) == store.ConvertResult(path, converted=True)
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


def conversion_order(model: ResolvedModel, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Return, in order, when a conversion started and when another holder freed the lock.

    The lock is held while ``convert`` runs in a thread, then freed after the
    converter had ample time to start (or at once when it started).  The order
    proves that convert waited for the lock; it does not depend on timing.
    """
    from filelock import FileLock

    events: list[str] = []
    started = threading.Event()
    real = store._run_converter

    def recording(model: ResolvedModel, quantization: str, output: Path) -> None:
        events.append("converting")
        started.set()
        real(model, quantization, output)

    monkeypatch.setattr(store, "_run_converter", recording)
    path = store.converted_path(model, "int8")
    path.parent.mkdir(parents=True)
    worker = threading.Thread(target=store.convert, args=(model, "int8"))
    with FileLock(str(path.parent / f"{path.name}.lock")):
        worker.start()
        started.wait(timeout=2.0)
        events.append("released")
    worker.join(timeout=120)
    assert not worker.is_alive() and store.is_complete(path)
    return events


def test_convert_waits_for_the_lock(
    empty_store: Path, model: ResolvedModel, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert conversion_order(model, monkeypatch) == ["released", "converting"]


def test_without_the_lock_the_order_check_fails(
    empty_store: Path, model: ResolvedModel, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The check above can fail: with the lock made a no-op, convert does not wait."""
    monkeypatch.setattr(store, "store_lock", lambda path: contextlib.nullcontext())
    assert conversion_order(model, monkeypatch) == ["converting", "released"]


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


def test_find_conversions_narrows_by_quantization_and_revision(
    empty_store: Path, model: ResolvedModel, fixture_model: Path
) -> None:
    store.convert(model, "int8")
    store.convert(model, "float32")
    found = store.find_conversions(str(fixture_model))
    assert sorted(c.quantization for c in found) == ["float32", "int8"]
    assert [c.quantization for c in store.find_conversions(str(fixture_model), None, "int8")] == [
        "int8"
    ]
    assert store.find_conversions(str(fixture_model), "local-000000000000") == []
    assert len(store.find_conversions(str(fixture_model), model.revision[:10])) == 2
    # A hub id of the same name is another model.
    assert store.find_conversions(fixture_model.name) == []
    # A folder that is gone still finds the conversions of its name.
    assert len(store.find_conversions(str(fixture_model.parent / "gone" / fixture_model.name))) == 2


def test_remove_renames_then_deletes_under_the_lock(
    empty_store: Path, model: ResolvedModel
) -> None:
    from filelock import FileLock

    path = store.convert(model, "int8").path
    [conversion] = store.list_converted()
    done = threading.Event()

    def remove() -> None:
        store.remove(conversion)
        done.set()

    with FileLock(str(path.parent / f"{path.name}.lock")):
        worker = threading.Thread(target=remove)
        worker.start()
        time.sleep(1.0)
        assert not done.is_set()
        assert store.is_complete(path)
    worker.join()
    assert done.is_set() and not path.exists()
    assert leftovers(path) == [] and store.list_converted() == []
    store.remove(conversion)  # already gone: nothing to do


def test_reconvert_command_names_the_model_revision_and_quantization(empty_store: Path) -> None:
    folder = empty_store / "Helsinki-NLP--opus-mt-el-en" / "abc123" / "float16"
    folder.mkdir(parents=True)
    record = {"model_id": "Helsinki-NLP/opus-mt-el-en", "revision": "abc123"}
    (folder / modelfiles.METADATA_FILE).write_text(
        json.dumps({**record, "quantization": "float16"})
    )
    assert modelfiles.reconvert_command(folder) == (
        "el2en models convert Helsinki-NLP/opus-mt-el-en --revision abc123 "
        "--quantization float16 --force"
    )
    (folder / modelfiles.METADATA_FILE).write_text("{")
    assert modelfiles.reconvert_command(folder) == (
        "el2en models convert MODEL --quantization float16 --force"
    )


def test_a_conversion_with_damaged_metadata_is_skipped_in_lists(
    empty_store: Path, model: ResolvedModel
) -> None:
    path = store.convert(model, "int8").path
    (path / modelfiles.METADATA_FILE).write_text("{")
    assert store.list_converted() == []
