"""Thread settings change the speed, never the output: every split gives the same bytes."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import read_pairs

from translate.backends import DecodeOptions
from translate.backends.ct2 import MAX_BATCH_SENTENCES, CTranslate2Backend
from translate.backends.threads import ThreadSplit, split_threads
from translate.errors import BackendError
from translate.hub import resolve_model
from translate.modelfiles import ResolvedModel
from translate.normalise import normalise
from translate.types import Translation

#: (total threads, batches at once): every split of 1, 2 and 4 threads, plus the defaults (0).
SPLITS = [(1, 1), (2, 1), (2, 2), (4, 1), (4, 2), (4, 4), (1, 0), (2, 0), (4, 0)]


@pytest.fixture(scope="module")
def model(fixture_model: Path) -> ResolvedModel:
    return resolve_model(str(fixture_model))


@pytest.fixture(scope="module")
def sources() -> list[str]:
    """The fixture's sentences and the same again in other combinations: several sub-batches."""
    sentences = [normalise(el) for el, _ in read_pairs()]
    words = " ".join(sentences).split()
    mixed = [" ".join(words[i : i + 3 + i % 17]) for i in range(0, len(words), 7)]
    found = sentences + mixed
    assert len(found) > 3 * MAX_BATCH_SENTENCES
    return found


def backend_for(model: ResolvedModel, compute: str, threads: int, inter: int) -> CTranslate2Backend:
    options = DecodeOptions(beam_size=4, compute_type=compute, threads=threads, inter_threads=inter)
    backend = CTranslate2Backend(model, options)
    assert backend.translator.num_translators == backend.threads.inter
    return backend


def as_bytes(translations: list[Translation]) -> bytes:
    """Return everything a translation carries into the output, as bytes (scores by repr)."""
    rows = [f"{t.text}\t{t.hit_max_length}\t{t.target_tokens}\t{t.score!r}" for t in translations]
    return "\n".join(rows).encode("utf-8")


@pytest.mark.slow
@pytest.mark.parametrize("compute", ["int8", "float32"])
def test_the_same_signature_gives_byte_identical_output(
    model: ResolvedModel, sources: list[str], compute: str
) -> None:
    """Every split of 1, 2 and 4 threads: equal signatures, equal bytes.

    One thread per batch (the default, whatever the total) is one signature; a
    split with several threads inside a batch names them in its signature
    (float32 scores do change in their last bits with 4 threads per batch).
    """
    by_signature: dict[tuple[tuple[str, str], ...], set[bytes]] = {}
    for threads, inter in SPLITS:
        backend = backend_for(model, compute, threads, inter)
        signature = tuple(sorted(backend.signature.items()))
        by_signature.setdefault(signature, set()).add(as_bytes(backend.translate_batch(sources)))
    assert all(len(outputs) == 1 for outputs in by_signature.values()), compute
    one_per_batch = [s for s in by_signature if ("intra", "1") in s]
    assert len(one_per_batch) == 1


@pytest.mark.parametrize("threads", [1, 2, 4])
def test_the_default_split_is_one_thread_per_batch(model: ResolvedModel, threads: int) -> None:
    backend = backend_for(model, "int8", threads, 0)
    assert backend.threads == ThreadSplit(threads, 1)
    assert backend.signature["intra"] == "1"
    assert backend.in_flight == 2 * threads  # a bounded queue of batches


def test_the_output_is_the_reference_translation(model: ResolvedModel, sources: list[str]) -> None:
    """Not merely the same under every split: right, on the fixture's own sentences."""
    pairs = read_pairs()
    got = backend_for(model, "int8", 2, 2).translate_batch(sources)[: len(pairs)]
    right = sum(t.text == en for t, (_, en) in zip(got, pairs, strict=True))
    assert right >= len(pairs) - 2  # int8 may flip a near tie (see test_ct2_backend.py)


@pytest.mark.parametrize(
    ("threads", "inter", "expected"),
    [
        (1, 0, ThreadSplit(1, 1)),
        (2, 0, ThreadSplit(2, 1)),
        (3, 0, ThreadSplit(3, 1)),
        (16, 0, ThreadSplit(16, 1)),
        (2, 1, ThreadSplit(1, 2)),
        (4, 2, ThreadSplit(2, 2)),
        (5, 2, ThreadSplit(2, 2)),
    ],
)
def test_the_split_of_the_total(threads: int, inter: int, expected: ThreadSplit) -> None:
    split = split_threads(threads, inter)
    assert split == expected
    assert split.total <= threads


def test_the_default_total_is_the_available_cores(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("os.sched_getaffinity", lambda pid: {0, 1})
    assert split_threads() == ThreadSplit(2, 1)
    assert split_threads(device="cuda") == ThreadSplit(1, 1)


def test_impossible_splits_are_errors() -> None:
    with pytest.raises(BackendError, match="more than the 2 threads"):
        split_threads(2, 3)
    with pytest.raises(BackendError, match="negative"):
        split_threads(-1)


class _Pending:
    """A fake asynchronous result that counts what is outstanding when collected."""

    def __init__(self, fake: _FakeTranslator, pieces: list[str]) -> None:
        self.fake, self.pieces = fake, pieces

    def result(self) -> object:
        self.fake.outstanding -= 1
        from types import SimpleNamespace

        return SimpleNamespace(hypotheses=[[*self.pieces[:-1], "</s>"]], scores=[-1.0])


class _FakeTranslator:
    def __init__(self) -> None:
        self.outstanding = 0
        self.most = 0
        self.calls: list[int] = []

    def translate_batch(self, batch: list[list[str]], **settings: object) -> list[_Pending]:
        assert settings["asynchronous"] is True
        self.calls.append(len(batch))
        self.outstanding += len(batch)
        self.most = max(self.most, self.outstanding)
        return [_Pending(self, pieces) for pieces in batch]


def test_queued_sentences_are_bounded_and_come_back_in_order(model: ResolvedModel) -> None:
    """At most in_flight sub-batches are queued at once; results return to their sources."""
    backend = backend_for(model, "int8", 2, 2)
    fake = _FakeTranslator()
    backend.translator = fake
    sources = [" ".join(["λέξη"] * (1 + i % 23)) + f" {i}" for i in range(300)]
    got = backend.translate_batch(sources)
    assert len(fake.calls) == -(-300 // MAX_BATCH_SENTENCES)  # chunks of at most 16
    assert max(fake.calls) <= MAX_BATCH_SENTENCES
    assert fake.most <= backend.in_flight * MAX_BATCH_SENTENCES
    assert fake.outstanding == 0
    # The fake echoes the source pieces: each translation is its own source's.
    tokenizer = backend.tokenizer
    expected = [tokenizer.detokenise(tokenizer.source_pieces(s)[:-1]) for s in sources]
    assert [t.text for t in got] == expected
    assert len(set(expected)) > 250  # nearly all distinct, so a misplaced one would show
    # Score -1 at length penalty 1 is -1 per token whatever the length.
    assert {t.score for t in got} == {-1.0}
