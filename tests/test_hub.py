"""Model resolution: local folders checked, hub ids cached, clear errors offline."""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import pytest

from translate.errors import DamagedModelError, ModelError
from translate.hub import fetch_model, resolve_model
from translate.modelfiles import find_damage, local_name, looks_local


@pytest.mark.parametrize(
    ("ref", "local"),
    [
        ("Helsinki-NLP/opus-mt-el-en", False),
        ("opus-mt-el-en", False),
        ("./model", True),
        ("/abs/model", True),
        ("../up", True),
        ("models/x/y", True),
        ("~/m", True),
    ],
)
def test_hub_id_or_folder(ref: str, local: bool) -> None:
    assert looks_local(ref) is local


def test_local_folder_gets_a_content_revision(fixture_model: Path, tmp_path: Path) -> None:
    model = resolve_model(str(fixture_model))
    assert model.path == fixture_model
    assert model.model_id == fixture_model.name and model.reference == str(fixture_model)
    assert model.revision.startswith("local-") and len(model.revision) == 18
    copy = tmp_path / "copy"
    shutil.copytree(fixture_model, copy)
    assert resolve_model(str(copy)).revision == model.revision
    (copy / "config.json").write_text((copy / "config.json").read_text() + " ")
    assert resolve_model(str(copy)).revision != model.revision


def test_incomplete_folder_says_what_is_missing(fixture_model: Path, tmp_path: Path) -> None:
    copy = tmp_path / "broken"
    shutil.copytree(fixture_model, copy)
    (copy / "source.spm").unlink()
    with pytest.raises(ModelError, match=r"incomplete: missing source\.spm"):
        resolve_model(str(copy))


def test_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="does not exist"):
        resolve_model(str(tmp_path / "nope"))


def test_offline_hub_model_not_cached(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("huggingface_hub.constants.HF_HUB_OFFLINE", True)
    with pytest.raises(
        ModelError,
        match=r"not in the local cache and HF_HUB_OFFLINE is set; "
        r"run 'el2en models fetch Helsinki-NLP/opus-mt-el-en' on a machine with network and "
        r"copy its Hugging Face cache \(HF_HOME\) here, or pass a local model folder with "
        r"'el2en translate --model DIR'",
    ):
        resolve_model("Helsinki-NLP/opus-mt-el-en")


def test_a_local_name_never_breaks_a_signature(tmp_path: Path) -> None:
    assert local_name(tmp_path / "opus mt|el-en") == "opus_mt_el-en"
    assert local_name(Path("/")) == "model"


@pytest.fixture()
def copy(fixture_model: Path, tmp_path: Path) -> Path:
    target = tmp_path / fixture_model.name
    shutil.copytree(fixture_model, target)
    return target


def truncate(path: Path, keep: float = 0.5) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * keep)])


def test_a_sound_folder_has_no_damage(fixture_model: Path) -> None:
    assert find_damage(fixture_model) is None


@pytest.mark.parametrize(
    "name",
    [
        "model.safetensors",
        "source.spm",
        "target.spm",
        "vocab.json",
        "config.json",
        "tokenizer_config.json",
    ],
)
@pytest.mark.parametrize("keep", [0.5, 0.0, 0.98])
def test_find_damage_names_the_truncated_file(copy: Path, name: str, keep: float) -> None:
    truncate(copy / name, keep)
    damage = find_damage(copy)
    assert isinstance(damage, DamagedModelError)
    assert damage.path == str(copy / name)
    message = str(damage)
    assert message.startswith(f"{copy / name}: damaged or unreadable (")
    assert "\n" not in message and len(message) < 400
    assert message.endswith("replace the model folder with a good copy (download or copy it again)")


def test_garbage_is_named_too(copy: Path) -> None:
    (copy / "vocab.json").write_bytes(b"\xff\xfe\x00garbage")
    damage = find_damage(copy)
    assert damage is not None and damage.path == str(copy / "vocab.json")


def test_a_truncated_pytorch_checkpoint_is_found(copy: Path) -> None:
    (copy / "model.safetensors").unlink()
    with zipfile.ZipFile(copy / "pytorch_model.bin", "w") as archive:
        archive.writestr("archive/data.pkl", b"x" * 5000)
    assert find_damage(copy) is None
    truncate(copy / "pytorch_model.bin", 0.5)
    damage = find_damage(copy)
    assert damage is not None and damage.path == str(copy / "pytorch_model.bin")


def test_a_hub_snapshot_says_to_fetch_it_again(fixture_model: Path, tmp_path: Path) -> None:
    snapshot = tmp_path / "models--Helsinki-NLP--opus-mt-el-en" / "snapshots" / "abc123"
    shutil.copytree(fixture_model, snapshot)
    truncate(snapshot / "source.spm")
    damage = find_damage(snapshot)
    assert damage is not None
    assert str(damage).endswith(
        "download it again with 'el2en models fetch Helsinki-NLP/opus-mt-el-en --force'"
    )


def test_fetch_force_downloads_again(monkeypatch: pytest.MonkeyPatch, fixture_model: Path) -> None:
    import huggingface_hub

    calls: list[dict[str, object]] = []

    class Info:
        siblings = (type("S", (), {"rfilename": "model.safetensors"})(),)

    def download(repo_id: str, **kwargs: object) -> str:
        calls.append(kwargs)
        return str(fixture_model)

    monkeypatch.setattr("huggingface_hub.constants.HF_HUB_OFFLINE", False)
    monkeypatch.setattr(huggingface_hub, "snapshot_download", download)
    monkeypatch.setattr(huggingface_hub.HfApi, "model_info", lambda *a, **k: Info())
    model = fetch_model("Helsinki-NLP/opus-mt-el-en", force=True)
    assert model.model_id == "Helsinki-NLP/opus-mt-el-en" and model.path == fixture_model
    assert [c.get("force_download") for c in calls] == [True]
