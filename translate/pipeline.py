"""The pipeline: read -> normalise -> segment -> batch -> translate -> align.

Each stage lives in its own module; this one wires them with generators, so
a document streams through in windows of sentences and memory stays flat
whatever the input's size.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace

from translate import __version__, flags
from translate.backends import Backend, DecodeOptions, open_backend
from translate.batching import run_in_batches, windows
from translate.hub import DEFAULT_MODEL, ResolvedModel, resolve_model
from translate.normalise import normalise, normaliser_signature
from translate.passthrough import nothing_to_translate
from translate.read import Document, paragraphs
from translate.segment import SegmenterOptions, segment, segmenter_signature
from translate.signature import Signature
from translate.split import split_to_fit
from translate.tokenizer import MarianSpm
from translate.types import Sentence, Translation

log = logging.getLogger("translate")

#: OPUS-MT models have 512 positions; quality falls long before that.
DEFAULT_MAX_SOURCE_TOKENS = 200


@dataclass(frozen=True, slots=True)
class TranslateConfig:
    """Everything that decides how a document is translated."""

    model: str = DEFAULT_MODEL
    revision: str | None = None
    backend: str = "auto"
    decode: DecodeOptions = field(default_factory=DecodeOptions)
    max_source_tokens: int = DEFAULT_MAX_SOURCE_TOKENS
    #: Padded source positions per batch (batch size x longest sentence).  The
    #: backends also cap a decoding call at 32 sentences (memory; see
    #: docs/backends.md), so this mostly groups short sentences together.
    batch_tokens: int = 6000
    #: Sentences read ahead and sorted by length; bounds memory.
    window: int = 1024
    #: Distinct normalised pieces whose translations are remembered (least
    #: recently used go first).  Small enough that memory stays flat on long
    #: inputs, large enough for a run's repeated boilerplate.
    cache_size: int = 4096
    segmenter: SegmenterOptions = field(default_factory=SegmenterOptions)


def document_sentences(
    doc: Document, options: SegmenterOptions | None = None
) -> Iterator[Sentence]:
    """Yield the document's sentences, in order, with spans and normalised text."""
    for para in paragraphs(doc):
        previous_end = 0
        for seg in segment(para.text, options):
            gap = para.text[previous_end : seg.start]
            previous_end = seg.end
            yield Sentence(
                doc_id=doc.doc_id,
                paragraph=para.index,
                index=seg.index,
                start=para.offset + seg.start,
                end=para.offset + seg.end,
                source=seg.text,
                normalised=normalise(seg.text),
                starts_line=seg.index == 0 or "\n" in gap or "\r" in gap,
            )


class Translator:
    """A loaded model and backend that translate streams of sentences."""

    def __init__(self, config: TranslateConfig, model: ResolvedModel | None = None) -> None:
        self.config = config
        self.model = model or resolve_model(config.model, config.revision)
        self.tokens = MarianSpm(self.model.path)
        self.backend: Backend = open_backend(config.backend, self.model, config.decode)
        self._cache: OrderedDict[str, Translation] = OrderedDict()
        self.signature = self._signature()

    def _signature(self) -> Signature:
        config, decode = self.config, self.config.decode
        backend = self.backend.signature
        fields = [
            ("model", self.model.model_id),
            ("rev", self.model.revision),
            ("backend", backend.get("backend", self.backend.name)),
            ("device", backend.get("device", decode.device)),
            ("compute", backend.get("compute", "default")),
            ("beam", str(decode.beam_size)),
            ("lp", str(decode.length_penalty)),
            ("maxout", str(decode.max_output_tokens)),
            ("maxsrc", str(config.max_source_tokens)),
            ("norm", normaliser_signature()),
            ("seg", segmenter_signature(config.segmenter)),
            ("el2en", __version__),
        ]
        return Signature(tuple(fields))

    def translate(
        self, sentences: Iterable[Sentence], on_done: Callable[[Sentence], None] | None = None
    ) -> Iterator[Sentence]:
        """Yield each sentence with its translation and flags, in the order given."""
        for window in windows(sentences, self.config.window):
            for sentence in self._translate_window(window):
                if on_done is not None:
                    on_done(sentence)
                yield sentence

    def _translate_window(self, window: list[Sentence]) -> list[Sentence]:
        plans = [self._plan(s) for s in window]
        known: dict[str, Translation] = {}
        todo: list[str] = []
        for piece in dict.fromkeys(p for pieces in plans for p in pieces):
            if piece in self._cache:
                self._cache.move_to_end(piece)
                known[piece] = self._cache[piece]
            else:
                todo.append(piece)
        if todo:
            costs = [self.tokens.count(p) for p in todo]
            results = run_in_batches(
                todo, costs, self.backend.translate_batch, self.config.batch_tokens
            )
            for piece, result in zip(todo, results, strict=True):
                known[piece] = result
                self._remember(piece, result)
        return [
            self._align(s, [known[p] for p in pieces])
            for s, pieces in zip(window, plans, strict=True)
        ]

    def _plan(self, sentence: Sentence) -> list[str]:
        """Return the pieces of the sentence the model must translate (none for passthrough)."""
        if nothing_to_translate(sentence.normalised):
            return []
        return split_to_fit(sentence.normalised, self.tokens.count, self.config.max_source_tokens)

    def _remember(self, piece: str, result: Translation) -> None:
        self._cache[piece] = result
        if len(self._cache) > self.config.cache_size:
            self._cache.popitem(last=False)

    def _align(self, sentence: Sentence, results: list[Translation]) -> Sentence:
        """Return the sentence with its pieces' translations joined back and its flags."""
        if not results:
            return replace(sentence, translation=sentence.source, flags=(flags.PASSTHROUGH,))
        found: list[str] = []
        if len(results) > 1:
            found.append(flags.SPLIT)
        if any(r.hit_max_length for r in results):
            found.append(flags.MAX_LENGTH)
        if self.tokens.has_unknown(sentence.normalised):
            found.append(flags.UNKNOWN_TOKENS)
        text = " ".join(r.text for r in results if r.text)
        return replace(sentence, translation=text, flags=tuple(found))
