"""Model resolution: local folders checked, hub ids cached, clear errors offline."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from translate.errors import ModelError
from translate.hub import looks_local, resolve_model


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
        r"run 'el2en models fetch Helsinki-NLP/opus-mt-el-en' on a machine with network, "
        r"copy the folder it prints .* 'el2en translate --model DIR'",
    ):
        resolve_model("Helsinki-NLP/opus-mt-el-en")
