"""The fast backend: CTranslate2, int8 on CPU and float16 on CUDA by default.

It decodes with the same settings as the transformers reference backend (see
``docs/backends.md``): beam search that stops once ``beam_size`` hypotheses
have ended, length penalty applied to the length with the end token, the
padding token excluded, at most ``max_output_tokens`` decoding steps, no
minimum length and no input truncation.  On the same weights in float32 the
two backends give the same translations.

Tokenisation goes through :class:`translate.tokenizer.MarianSpm`, so this
module imports neither torch nor transformers; only converting a model (once,
see :mod:`translate.convert`) does.
"""

from __future__ import annotations

import importlib.util
import logging
import math
from collections import deque
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from translate.backends.threads import split_threads
from translate.errors import BackendError, ModelError
from translate.tokenizer import EOS, MarianSpm
from translate.types import Translation

if TYPE_CHECKING:
    from pathlib import Path

    from translate.backends import DecodeOptions
    from translate.modelfiles import ResolvedModel

log = logging.getLogger("translate")

#: Sentences per decoding call, in both backends.  Beam search keeps, per sentence,
#: beam x vocabulary scores and each layer's attention keys and values for every
#: hypothesis, so a call's memory grows by ~8 MB per sentence; with several calls in
#: flight (one per decoding thread) that adds up: on OPUS-MT's architecture at beam 4,
#: two calls at once peaked at 620 MB RSS with 32 sentences each against 410-440 MB with
#: 16 and 460 MB with 24, for the same CPU time per sentence (docs/backends.md).
MAX_BATCH_SENTENCES = 16

#: A call of at most this many sentences (a news article) is decoded as one chunk.
#: Each chunk runs until its longest sentence ends, and a chunk of a few sentences
#: costs nearly as much per step as a full one, so an article of 20 decoded as
#: 16 + 4 costs ~6% more CPU than as one chunk of 20 (benchmarks/batch.py, issue 17);
#: 24 keeps two chunks at once within the memory measured above.
ONE_CHUNK_SENTENCES = 24

#: Compute types tried in order when the user asks for "default", per device.

DEFAULT_COMPUTE = {
    "cpu": ("int8", "int8_float32", "float32"),
    "cuda": ("float16", "int8_float16", "float32"),
}


def sub_batches(lengths: list[int]) -> list[list[int]]:
    """Return indices sorted by length, in chunks of as equal sizes as can be.

    Up to :data:`ONE_CHUNK_SENTENCES` indices are one chunk; more are cut into
    the fewest chunks of at most :data:`MAX_BATCH_SENTENCES`, their sizes
    differing by one at most (38 gives 13 + 13 + 12, not 16 + 16 + 6: a small
    last chunk costs nearly as much per decoding step as a full one).
    Both backends decode a pipeline batch in these same chunks: padding changes
    floating-point sums, so the same chunks are part of giving the same output.
    The chunks depend only on the lengths, never on the threads.
    """
    order = sorted(range(len(lengths)), key=lambda i: lengths[i])
    if len(order) <= ONE_CHUNK_SENTENCES:
        return [order] if order else []
    count = -(-len(order) // MAX_BATCH_SENTENCES)
    size, extra = divmod(len(order), count)
    chunks: list[list[int]] = []
    start = 0
    for k in range(count):
        end = start + size + (1 if k < extra else 0)
        chunks.append(order[start:end])
        start = end
    return chunks


def available() -> bool:
    """Return True when CTranslate2 can be imported."""
    return importlib.util.find_spec("ctranslate2") is not None


def resolve_compute_type(requested: str, device: str, supported: set[str]) -> str:
    """Return the CTranslate2 compute type to load with, or raise BackendError."""
    if requested in ("default", "auto"):
        for candidate in DEFAULT_COMPUTE.get(device, ("float32",)):
            if candidate in supported:
                return candidate
        return "float32"
    if requested not in supported:
        raise BackendError(
            f"compute type {requested!r} is not supported by CTranslate2 on {device} here; "
            f"choose one of: {', '.join(sorted(supported))}"
        )
    return requested


def stored_quantization(compute_type: str) -> str:
    """Return the quantization to store for loading as ``compute_type``.

    A conversion is stored in the weight type it will be run with: CTranslate2
    could quantize float32 weights at load time instead, but that reads a file
    four times larger and loads slower (measured in docs/backends.md), and the
    point of this backend is to start fast.
    """
    return compute_type


class CTranslate2Backend:
    """Translate with a CTranslate2 conversion of a Marian model."""

    name = "ctranslate2"

    def __init__(self, model: ResolvedModel, options: DecodeOptions) -> None:
        try:
            import ctranslate2
        except ImportError as exc:
            raise BackendError(
                "backend 'ctranslate2' is not installed: pip install ctranslate2"
            ) from exc
        self.options = options
        self.model = model
        self.version = ctranslate2.__version__
        self.device = options.device
        if self.device == "cuda" and ctranslate2.get_cuda_device_count() == 0:
            raise BackendError("--device cuda: CTranslate2 sees no CUDA device on this machine")
        try:
            supported = set(ctranslate2.get_supported_compute_types(self.device))
        except (ValueError, RuntimeError) as exc:
            raise BackendError(f"CTranslate2 cannot run on device {self.device!r}: {exc}") from exc
        self.compute_type = resolve_compute_type(options.compute_type, self.device, supported)
        from translate.convert import ensure_converted

        self.path: Path = ensure_converted(model, stored_quantization(self.compute_type))
        self.tokenizer = MarianSpm(self.path)
        self.threads = split_threads(options.threads, options.inter_threads, self.device)
        try:
            self.translator = ctranslate2.Translator(
                str(self.path),
                device=self.device,
                compute_type=self.compute_type,
                inter_threads=self.threads.inter,
                intra_threads=self.threads.intra,
            )
        except (RuntimeError, ValueError) as exc:
            import re

            from translate.modelfiles import damaged_file, find_damage

            damage = find_damage(self.path)  # only now that loading failed
            # What CTranslate2 says when model.bin is truncated or not a model file:
            truncated = r"model\.bin|payload|incomplete|binary version|Unable to open"
            if damage is None and re.search(truncated, str(exc)):
                damage = damaged_file(self.path / "model.bin", exc)
            if damage is not None:
                raise damage from exc
            raise ModelError(
                f"cannot load the CTranslate2 model {self.path} ({exc}); convert it again "
                f"with 'el2en models convert {model.reference} --force'"
            ) from exc

    @property
    def signature(self) -> dict[str, str]:
        """Return how this backend decodes."""
        return {
            "backend": f"ctranslate2-{self.version}",
            "device": self.device,
            "compute": self.compute_type,
            # Threads inside one batch: the output is the same for every
            # --threads and --inter-threads as long as this is 1 (the default);
            # with more, sums may be split differently (see backends/threads.py).
            "intra": str(self.threads.intra),
        }

    def translate_batch(
        self, sources: list[str], on_chunk: Callable[[int], None] | None = None
    ) -> list[Translation]:
        """Return one translation per normalised source, in order.

        The sources are decoded in :func:`sub_batches` (sorted by length, at
        most 16 each), whatever the thread settings; up to ``inter`` of them
        are decoded at once, and at most :attr:`in_flight` are queued, so
        memory stays bounded.  A sentence's translation depends only on its
        sub-batch, so it is the same for every thread split (tests/test_threads.py).
        """
        if not sources:
            return []
        pieces = [self.tokenizer.source_pieces(s) for s in sources]
        translations: list[Translation] = [Translation("")] * len(sources)
        pending: deque[tuple[list[int], list[Any]]] = deque()
        for batch in sub_batches([len(p) for p in pieces]):
            if len(pending) >= self.in_flight:
                self._collect(*pending.popleft(), translations, on_chunk)
            pending.append((batch, self._submit([pieces[i] for i in batch])))
        while pending:
            self._collect(*pending.popleft(), translations, on_chunk)
        return translations

    @property
    def in_flight(self) -> int:
        """Return how many sub-batches may be queued at once: two per decoding thread."""
        return 2 * self.threads.inter

    def _collect(
        self,
        batch: list[int],
        results: list[Any],
        into: list[Translation],
        on_chunk: Callable[[int], None] | None = None,
    ) -> None:
        for i, result in zip(batch, results, strict=True):
            done = result.result()
            into[i] = self._translation(done.hypotheses[0], done.scores[0])
        if on_chunk is not None:
            on_chunk(len(batch))

    def hypotheses(
        self,
        sources: list[str],
        num_hypotheses: int = 1,
        target_prefixes: list[list[str]] | None = None,
        beam_size: int = 0,
        max_length: int | Sequence[int] = 0,
    ) -> list[list[Translation]]:
        """Return up to ``num_hypotheses`` translations per source, best first.

        For glossary enforcement (translate.terms): n-best lists and forced
        target prefixes, in the same settings as :meth:`translate_batch`; the
        beam is ``beam_size`` if given, else the configured one widened to
        ``num_hypotheses``.  ``max_length`` (if given, and below the configured
        limit) bounds the decoding steps, prefix included: one bound for all,
        or one per source.  The chunks are those of :func:`sub_batches`, cut
        from the sources sorted by bound (then length), and each decodes up to
        its largest bound: a sentence whose continuation will not end stops near
        its own bound when there are several chunks.  No more chunks than that:
        a chunk of a few sentences costs nearly as much per step as a full one
        (measured: chunks of close bounds only, which made more and smaller
        chunks, cost 0.75x against 0.88x CPU in a batch with documents in
        flight, docs/glossary.md).  The chunks are queued together, as in
        :meth:`translate_batch`.
        """
        beam = beam_size or max(self.options.beam_size, num_hypotheses)
        pieces = [self.tokenizer.source_pieces(s) for s in sources]
        limit = self.options.max_output_tokens
        if isinstance(max_length, int):
            bounds = [max_length or limit] * len(sources)
        else:
            bounds = [bound or limit for bound in max_length]
        # The usual chunks (sub_batches), in (bound, length) order rather than length order.
        order = sorted(range(len(sources)), key=lambda i: (bounds[i], len(pieces[i])))
        rank = [0] * len(sources)
        for position, i in enumerate(order):
            rank[i] = position
        chunks = sub_batches(rank)
        found: list[list[Translation]] = [[] for _ in sources]
        # Queued as translate_batch queues its chunks: up to ``inter`` decode at once.
        pending: deque[tuple[list[int], list[Any]]] = deque()
        for batch in chunks:
            if len(pending) >= self.in_flight:
                self._collect_all(*pending.popleft(), found)
            prefixes = None if target_prefixes is None else [target_prefixes[i] for i in batch]
            steer: dict[str, Any] = {"num_hypotheses": num_hypotheses, "target_prefix": prefixes}
            bound = max(bounds[i] for i in batch)
            if bound < limit:
                steer["max_decoding_length"] = bound
            pending.append((batch, self._submit([pieces[i] for i in batch], beam, **steer)))
        while pending:
            self._collect_all(*pending.popleft(), found)
        return found

    def _collect_all(
        self, batch: list[int], results: list[Any], into: list[list[Translation]]
    ) -> None:
        for i, result in zip(batch, results, strict=True):
            done = result.result()
            into[i] = [
                self._translation(h, s) for h, s in zip(done.hypotheses, done.scores, strict=True)
            ]

    def target_pieces(self, text: str) -> list[str]:
        """Return ``text`` as target pieces in the model's vocabulary (a forced prefix).

        The target SentencePiece model can cut pieces the (pruned) vocabulary
        lacks; such a piece is cut again into the longest known pieces, so the
        forced text comes out as written rather than as ``<unk>``.
        """
        vocab = self.tokenizer.vocab
        found: list[str] = []
        for piece in self.tokenizer.target.encode(text, out_type=str):
            while piece:
                size = next((n for n in range(len(piece), 0, -1) if piece[:n] in vocab), 0)
                if size == 0:
                    found.append(piece[0])  # unknown to the model: <unk>, the term stays missing
                    size = 1
                else:
                    found.append(piece[:size])
                piece = piece[size:]
        return found

    def can_write(self, text: str) -> bool:
        """Return True when every target piece of ``text`` is in the model's vocabulary."""
        vocab = self.tokenizer.vocab
        return all(piece in vocab for piece in self.target_pieces(text))

    def _submit(self, pieces: list[list[str]], beam_size: int = 0, **steer: Any) -> list[Any]:
        """Queue one sub-batch for decoding; return its asynchronous results."""
        options = self.options
        results: list[Any] = self.translator.translate_batch(
            pieces,
            asynchronous=True,
            beam_size=beam_size or options.beam_size,
            # Stop once beam_size hypotheses have ended, as transformers does
            # with early_stopping=True (CTranslate2 only exits on the first
            # finished beam when length_penalty is 0, where that is the same).
            patience=1.0,
            length_penalty=options.length_penalty,
            max_decoding_length=steer.pop("max_decoding_length", options.max_output_tokens),
            # transformers sets no minimum; CTranslate2's default of 1 would
            # forbid the end token at the first step.
            min_decoding_length=0,
            # Never truncate silently: the pipeline splits what is too long.
            max_input_length=0,
            # Keeping the end token also makes the length penalty count it, as
            # transformers does, and tells an ended hypothesis from a cut one.
            return_end_token=True,
            return_scores=True,
            **steer,
        )
        return results

    def _translation(self, pieces: list[str], score: float) -> Translation:
        ended = bool(pieces) and pieces[-1] == EOS
        scored = len(pieces)  # the end token, when there is one, is scored too
        if ended:
            pieces = pieces[:-1]
        return Translation(
            text=self.tokenizer.detokenise(pieces),
            hit_max_length=not ended,
            target_tokens=len(pieces),
            score=self._mean_log_prob(score, scored),
            pieces=tuple(pieces),
        )

    def _mean_log_prob(self, score: float, scored: int) -> float | None:
        """Return the mean log-probability per scored token from CTranslate2's score.

        CTranslate2 returns the sum of the tokens' log-probabilities divided by
        length ** length_penalty (greedy search too), the length counting the
        end token since ``return_end_token`` is set.
        """
        if scored == 0 or not math.isfinite(score):
            return None
        total: float = score * float(scored) ** self.options.length_penalty
        return total / scored
