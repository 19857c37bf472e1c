"""The CTranslate2 backend: same translations as the transformers reference, no torch import."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from conftest import ROOT, read_pairs

from translate.backends import DecodeOptions, open_backend
from translate.backends.ct2 import CTranslate2Backend, resolve_compute_type
from translate.backends.hf import TransformersBackend
from translate.errors import BackendError
from translate.hub import resolve_model
from translate.modelfiles import ResolvedModel
from translate.normalise import normalise
from translate.types import Translation

BATCH = 8
#: int8 may change a translation where two tokens score within rounding of each other.
#: On one CPU the fixture gave no difference; on an AMD EPYC without AVX-512 (CTranslate2
#: dispatches other int8 kernels there) beam 4 flips one near tie of 65 sentences
#: ("in Tokyo" / "inokyo").  float32 must still agree exactly; int8 may differ on a few.
INT8_MAX_DIFFERENT = 2
#: Scores (mean log-probability per token) of the same float32 weights: CTranslate2 sums
#: them during the search, transformers in a teacher-forced pass after it; the two
#: differ only by float32 rounding (measured: under 1e-5 on this model).
SCORE_TOLERANCE = 1e-4


def decoded(translations: list[Translation]) -> list[tuple[str, bool, int]]:
    """Return what decoding chose (text, cut at the limit, token count), without the score."""
    return [(t.text, t.hit_max_length, t.target_tokens) for t in translations]


@pytest.fixture(scope="session")
def model(fixture_model: Path) -> ResolvedModel:
    return resolve_model(str(fixture_model))


@pytest.fixture(scope="session")
def sources() -> list[str]:
    return [normalise(el) for el, _ in read_pairs()]


def translate_all(backend: object, sources: list[str]) -> list[Translation]:
    """Translate in fixed batches, so both backends see the same padding."""
    out: list[Translation] = []
    for i in range(0, len(sources), BATCH):
        out.extend(backend.translate_batch(sources[i : i + BATCH]))  # type: ignore[attr-defined]
    return out


_reference_cache: dict[tuple[int, int], list[Translation]] = {}


def reference(model: ResolvedModel, sources: list[str], beam: int, limit: int) -> list[Translation]:
    key = (beam, limit)
    if key not in _reference_cache:
        # One thread: a tiny model gains nothing from more, and a busy machine loses.
        options = DecodeOptions(beam_size=beam, max_output_tokens=limit, threads=1)
        _reference_cache[key] = translate_all(TransformersBackend(model, options), sources)
    return _reference_cache[key]


def ct2(model: ResolvedModel, beam: int, compute: str, limit: int = 256) -> CTranslate2Backend:
    options = DecodeOptions(beam_size=beam, compute_type=compute, max_output_tokens=limit)
    return CTranslate2Backend(model, options)


def test_auto_decodes_with_ctranslate2_when_it_is_installed(model: ResolvedModel) -> None:
    """--backend auto (the default) prefers CTranslate2, and says so in the signature."""
    backend = open_backend("auto", model, DecodeOptions(beam_size=1))
    assert isinstance(backend, CTranslate2Backend)
    assert backend.signature["backend"].startswith("ctranslate2-")


@pytest.mark.slow  # the transformers reference: 8-13 s a case on 2 cores
@pytest.mark.parametrize("beam", [1, 4])
def test_float32_gives_the_reference_output_for_every_sentence(
    model: ResolvedModel, sources: list[str], beam: int
) -> None:
    expected = reference(model, sources, beam, 256)
    got = translate_all(ct2(model, beam, "float32"), sources)
    # text, hit_max_length and target_tokens, sentence by sentence
    assert decoded(got) == decoded(expected)


@pytest.mark.slow
@pytest.mark.parametrize(("beam", "limit", "lp"), [(1, 256, 1.0), (4, 256, 1.0), (4, 6, 0.6)])
def test_both_backends_give_the_same_scores(
    model: ResolvedModel, sources: list[str], beam: int, limit: int, lp: float
) -> None:
    """Mean log-probability per token, end token included, within float32 rounding."""
    options = DecodeOptions(beam_size=beam, max_output_tokens=limit, length_penalty=lp, threads=1)
    expected = translate_all(TransformersBackend(model, options), sources)
    got = translate_all(
        CTranslate2Backend(model, replace(options, compute_type="float32")), sources
    )
    assert decoded(got) == decoded(expected)
    for e, g in zip(expected, got, strict=True):
        assert e.score is not None and g.score is not None
        assert g.score == pytest.approx(e.score, abs=SCORE_TOLERANCE), e.text
        assert g.score < 0
    # Cut translations (no end token) are scored over their tokens alone.
    assert any(t.hit_max_length for t in got) == (limit == 6)


def test_the_score_is_the_mean_log_probability_of_the_output(
    model: ResolvedModel, sources: list[str]
) -> None:
    """Checked against the model's own log-probabilities of the output, end token included."""
    import torch
    from transformers import MarianMTModel, MarianTokenizer

    tokenizer = MarianTokenizer.from_pretrained(str(model.path))
    reference_model = MarianMTModel.from_pretrained(str(model.path)).eval()  # type: ignore[no-untyped-call]
    with torch.no_grad():
        reference_model.final_logits_bias[..., tokenizer.pad_token_id] = float("-inf")
    got = ct2(model, 4, "float32").translate_batch(sources[:BATCH])
    for source, translation in zip(sources[:BATCH], got, strict=True):
        inputs = tokenizer([source], return_tensors="pt")
        labels = tokenizer(text_target=[translation.text], return_tensors="pt").input_ids
        assert labels.shape[1] == translation.target_tokens + 1  # the end token
        with torch.inference_mode():
            logits = reference_model(**inputs, labels=labels).logits
        log_probs = logits.log_softmax(-1).gather(-1, labels.unsqueeze(-1))
        assert translation.score == pytest.approx(log_probs.mean().item(), abs=SCORE_TOLERANCE)


@pytest.mark.parametrize("beam", [1, 4])
def test_int8_agrees_with_the_reference(
    model: ResolvedModel, sources: list[str], beam: int
) -> None:
    expected = reference(model, sources, beam, 256)
    got = translate_all(ct2(model, beam, "int8"), sources)
    pairs = zip(decoded(expected), decoded(got), strict=True)
    different = [(e[0], g[0]) for e, g in pairs if e != g]
    assert len(different) <= INT8_MAX_DIFFERENT, different


@pytest.mark.parametrize("beam", [1, 4])
def test_both_backends_flag_the_length_limit_alike(
    model: ResolvedModel, sources: list[str], beam: int
) -> None:
    expected = reference(model, sources, beam, 6)
    got = translate_all(ct2(model, beam, "float32", limit=6), sources)
    assert decoded(got) == decoded(expected)
    assert any(t.hit_max_length for t in got)
    assert all(t.target_tokens <= 6 for t in got)


def test_the_fixture_references_come_out(model: ResolvedModel, sources: list[str]) -> None:
    got = ct2(model, 4, "default").translate_batch(sources[:BATCH])
    assert [t.text for t in got] == [en for _, en in read_pairs()[:BATCH]]
    assert not any(t.hit_max_length for t in got)
    assert all(t.target_tokens > 0 for t in got)


def test_signature_and_default_compute_type(model: ResolvedModel) -> None:
    import ctranslate2

    backend = ct2(model, 4, "default")
    assert backend.signature == {
        "backend": f"ctranslate2-{ctranslate2.__version__}",
        "device": "cpu",
        "compute": "int8",
        "intra": "1",  # one thread per batch: the output does not depend on --threads
    }
    assert backend.path.name == "int8"
    assert backend.translate_batch([]) == []


def test_compute_type_resolution() -> None:
    cpu = {"int8", "int8_float32", "float32"}
    assert resolve_compute_type("default", "cpu", cpu) == "int8"
    assert resolve_compute_type("default", "cuda", {"float16", "int8_float16", "float32"}) == (
        "float16"
    )
    assert resolve_compute_type("float32", "cpu", cpu) == "float32"
    with pytest.raises(BackendError, match=r"'float16' is not supported.*choose one of"):
        resolve_compute_type("float16", "cpu", cpu)


def test_cuda_without_a_gpu_is_a_backend_error(
    model: ResolvedModel, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("ctranslate2.get_cuda_device_count", lambda: 0)
    with pytest.raises(BackendError, match="no CUDA device"):
        CTranslate2Backend(model, DecodeOptions(device="cuda"))


NO_TORCH = """
import json, sys
from translate.backends import DecodeOptions, load_backend
from translate.hub import resolve_model
backend = load_backend("ctranslate2", resolve_model(sys.argv[1]), DecodeOptions())
texts = [t.text for t in backend.translate_batch(sys.argv[2:])]
heavy = sorted(m for m in sys.modules if m.split(".")[0] in ("torch", "transformers"))
print(json.dumps({"texts": texts, "heavy": heavy}))
"""


def test_translating_with_a_converted_model_imports_no_torch(
    model: ResolvedModel, sources: list[str]
) -> None:
    ct2(model, 4, "default")  # converted in this process (that may import torch)
    result = subprocess.run(
        [sys.executable, "-c", NO_TORCH, str(model.path), *sources[:2]],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        check=True,
    )
    report = json.loads(result.stdout)
    assert report["heavy"] == []
    assert report["texts"] == [en for _, en in read_pairs()[:2]]


def test_the_command_line_imports_no_torch(model: ResolvedModel, tmp_path: Path) -> None:
    ct2(model, 4, "default")
    source = tmp_path / "one.txt"
    source.write_text(read_pairs()[0][0] + "\n", encoding="utf-8")
    result = subprocess.run(
        [
            sys.executable,
            "-X",
            "importtime",
            "-m",
            "translate",
            "translate",
            str(source),
            "--model",
            str(model.path),
            "--backend",
            "auto",
            "-q",
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        check=True,
    )
    assert result.stdout == read_pairs()[0][1] + "\n"
    imported = {line.split("|")[-1].strip() for line in result.stderr.splitlines()}
    assert not {m for m in imported if m.split(".")[0] in ("torch", "transformers")}


@pytest.mark.slow
def test_a_large_batch_agrees_too(model: ResolvedModel, sources: list[str]) -> None:
    """More than 16 sentences in one call: both backends split it into the same chunks."""
    options = DecodeOptions(beam_size=4, compute_type="float32", threads=1)
    expected = TransformersBackend(model, options).translate_batch(sources)
    assert decoded(CTranslate2Backend(model, options).translate_batch(sources)) == decoded(expected)
    assert [t.text for t in expected] == [en for _, en in read_pairs()]


def test_hypotheses_bound_each_source_by_its_own_limit(
    model: ResolvedModel, sources: list[str]
) -> None:
    """Per-source bounds (glossary continuations): chunks are cut in bound order."""
    from translate.backends.ct2 import ONE_CHUNK_SENTENCES

    backend = CTranslate2Backend(model, DecodeOptions(compute_type="float32"))
    chosen = (sources * 3)[: ONE_CHUNK_SENTENCES + 6]  # two chunks
    half = len(chosen) // 2
    free = backend.hypotheses(chosen, 1)
    assert min(hyps[0].target_tokens for hyps in free) > 3
    # The short bounds go to every other source: sorted by bound, they make one chunk.
    bounds = [3 if i % 2 else 0 for i in range(len(chosen))]
    assert sum(1 for b in bounds if b) == half
    bounded = backend.hypotheses(chosen, 1, max_length=bounds)
    for hyps, bound in zip(bounded, bounds, strict=True):
        got = hyps[0]
        if bound == 0:  # room to end: it ends, though others in the call were cut
            assert not got.hit_max_length
        else:  # cut at its own bound
            assert got.hit_max_length
            assert got.target_tokens == bound
    # Within one chunk, the chunk's largest bound applies to all.
    few = backend.hypotheses(chosen[:4], 1, max_length=[3, 0, 3, 0])
    assert not any(h[0].hit_max_length for h in few)
    # One bound for all is the same as that bound given to each source.
    same = backend.hypotheses(chosen[:6], 1, max_length=3)
    assert [h[0].text for h in same] == [
        h[0].text for h in backend.hypotheses(chosen[:6], 1, max_length=[3] * 6)
    ]
