"""The committed test model reproduces every reference, and MarianSpm agrees with transformers.

The rest of the suite checks exact English output with this model, so these tests say first,
and in one place, whether the fixture itself still holds (after a library upgrade, say).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import read_pairs

from translate.normalise import normalise
from translate.tokenizer import MarianSpm

PAIRS = read_pairs()
SOURCES = [normalise(greek) for greek, _ in PAIRS]
REFERENCES = [english for _, english in PAIRS]

# The model's own generation config (beam 4), greedy, and beam 4 stopping once four
# hypotheses have ended, as CTranslate2 does and as the transformers backend runs it.
DECODINGS: dict[str, dict[str, Any]] = {
    "greedy": {"num_beams": 1},
    "beam4": {},
    "beam4-early-stopping": {"num_beams": 4, "early_stopping": True},
}


@pytest.fixture(scope="module", autouse=True)
def one_thread() -> Iterator[None]:
    """Decode on one thread: for a model this small more threads only contend for the cores
    (on a busy 2-core machine, greedy decoding took 24 s on two threads and 0.4 s on one)."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="module")
def tokenizer(fixture_model: Path) -> Any:
    from transformers import MarianTokenizer

    return MarianTokenizer.from_pretrained(fixture_model, local_files_only=True)


@pytest.fixture(scope="module")
def model(fixture_model: Path) -> Any:
    from transformers import MarianMTModel

    model = MarianMTModel.from_pretrained(fixture_model, local_files_only=True)
    model.eval()  # type: ignore[no-untyped-call]
    return model


@pytest.fixture(scope="module")
def marian_spm(fixture_model: Path) -> MarianSpm:
    return MarianSpm(fixture_model)


def generate(model: Any, tokenizer: Any, **settings: Any) -> list[list[int]]:
    import torch

    batch = tokenizer(SOURCES, padding=True, return_tensors="pt")
    with torch.inference_mode():
        output = model.generate(**batch, do_sample=False, **settings)
    return [[int(i) for i in row] for row in output]


def decode(tokenizer: Any, rows: list[list[int]]) -> list[str]:
    # With a shared vocabulary MarianTokenizer decodes with the *source* SentencePiece model
    # unless told otherwise; English must come out of the target one.
    return list(tokenizer.batch_decode(rows, skip_special_tokens=True, use_source_tokenizer=False))


def test_fixture_has_the_expected_rows() -> None:
    assert 60 <= len(PAIRS) <= 80
    assert all(english.isascii() for english in REFERENCES)


@pytest.mark.slow  # beam 4 with transformers: 10-12 s a case on 2 cores
@pytest.mark.parametrize("decoding", list(DECODINGS))
def test_reproduces_every_reference(model: Any, tokenizer: Any, decoding: str) -> None:
    outputs = decode(tokenizer, generate(model, tokenizer, **DECODINGS[decoding]))
    wrong = [(s, o, r) for s, o, r in zip(SOURCES, outputs, REFERENCES, strict=True) if o != r]
    assert wrong == []


def test_pad_embedding_row_is_zero(model: Any, tokenizer: Any) -> None:
    # CTranslate2 starts decoding from a zero vector where transformers looks up <pad>.
    pad = tokenizer.pad_token_id
    assert pad == model.config.decoder_start_token_id == len(tokenizer) - 1
    row = model.get_input_embeddings().weight[pad]
    assert row.abs().max().item() == 0.0


def test_marian_spm_gives_the_tokenizer_ids(tokenizer: Any, marian_spm: MarianSpm) -> None:
    expected = tokenizer(SOURCES)["input_ids"]
    got = [[marian_spm.vocab[p] for p in marian_spm.source_pieces(s)] for s in SOURCES]
    assert got == expected
    assert [marian_spm.count(s) for s in SOURCES] == [len(ids) for ids in expected]


def test_marian_spm_detokenises_as_the_tokenizer(
    model: Any, tokenizer: Any, marian_spm: MarianSpm
) -> None:
    rows = generate(model, tokenizer, num_beams=1)
    expected = decode(tokenizer, rows)
    got = [marian_spm.detokenise(tokenizer.convert_ids_to_tokens(row)) for row in rows]
    assert got == expected
