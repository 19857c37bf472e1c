"""Shared fixtures: the committed test model, and a fake backend for pipeline logic."""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path

import pytest

from translate.types import Translation

ROOT = Path(__file__).resolve().parent.parent
FIXTURE_MODEL = ROOT / "tests" / "fixtures" / "tiny-marian-el-en"
PARALLEL = ROOT / "tests" / "fixtures" / "parallel" / "el-en.tsv"
SEED = ROOT / "seeds" / "skai-russia-north-korea-shoigu-pyongyang.el.txt"


def read_pairs() -> list[tuple[str, str]]:
    """Return the fixture's (Greek, English reference) pairs."""
    with open(PARALLEL, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))
    return [(row["el"], row["en"]) for row in rows]


@pytest.fixture(scope="session")
def fixture_model() -> Path:
    """Return the committed tiny Marian model's folder; fail loudly if it is missing."""
    if not (FIXTURE_MODEL / "config.json").is_file():
        pytest.fail(f"test model missing: {FIXTURE_MODEL}; run `make fixture`")
    return FIXTURE_MODEL


@pytest.fixture(scope="session")
def references() -> dict[str, str]:
    """Return the fixture's references, Greek source -> English."""
    return dict(read_pairs())


class EchoBackend:
    """A fake backend: 'translates' by upper-casing, and records every batch."""

    name = "echo"

    def __init__(self) -> None:
        self.batches: list[list[str]] = []

    @property
    def signature(self) -> dict[str, str]:
        return {"backend": "echo-1", "device": "cpu", "compute": "none"}

    def translate_batch(
        self, sources: list[str], on_chunk: Callable[[int], None] | None = None
    ) -> list[Translation]:
        self.batches.append(list(sources))
        if on_chunk is not None:
            on_chunk(len(sources))
        return [Translation(text=s.upper(), target_tokens=len(s.split())) for s in sources]


@pytest.fixture()
def echo_backend(monkeypatch: pytest.MonkeyPatch) -> EchoBackend:
    """Make the pipeline use an EchoBackend (with the fixture model's tokenizer)."""
    backend = EchoBackend()
    monkeypatch.setattr("translate.pipeline.open_backend", lambda *args: backend)
    return backend


@pytest.fixture(autouse=True, scope="session")
def _isolated_environment(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Keep tests off the network and out of the user's model store."""
    import os

    from translate.cli.options import ENV_VARS

    for name in ENV_VARS:  # the one list of every variable el2en reads
        os.environ.pop(name, None)
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["EL2EN_MODELS_DIR"] = str(tmp_path_factory.mktemp("models"))
    os.environ["EL2EN_MEMORY"] = str(tmp_path_factory.mktemp("memory") / "memory.sqlite")


def seed_sentences() -> list[list[str]]:
    """Return the seed article's sentences, paragraph by paragraph, as the segmenter gives them."""
    from translate.pipeline import document_sentences
    from translate.read import open_document

    paragraphs: dict[int, list[str]] = {}
    for s in document_sentences(open_document(str(SEED))):
        paragraphs.setdefault(s.paragraph, []).append(s.source)
    return [paragraphs[i] for i in sorted(paragraphs)]
