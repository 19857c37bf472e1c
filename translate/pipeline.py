"""The pipeline: read -> normalise -> segment -> batch -> translate -> align.

Each stage lives in its own module; this one wires them with generators, so
a document streams through in windows of sentences and memory stays flat
whatever the input's size.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from itertools import groupby
from typing import TYPE_CHECKING, Protocol

from translate import __version__, flags, inflight
from translate.backends import Backend, DecodeOptions, open_backend
from translate.batching import windows
from translate.hub import DEFAULT_MODEL, resolve_model
from translate.modelfiles import ResolvedModel
from translate.normalise import normalise, normaliser_signature
from translate.passthrough import nothing_to_translate
from translate.read import Document, paragraphs
from translate.segment import SegmenterOptions, segment, segmenter_signature
from translate.signature import Signature
from translate.split import split_to_fit
from translate.tokenizer import MarianSpm
from translate.types import Sentence, Translation

if TYPE_CHECKING:
    from concurrent.futures import ThreadPoolExecutor

    from translate.glossary import Glossary

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
    #: Sentences of one document read ahead and handed to the backend at once,
    #: which sorts them by length and decodes them in small chunks (see
    #: translate.backends.ct2.sub_batches); bounds memory.
    window: int = 1024
    #: Distinct normalised pieces of one document whose translations are
    #: remembered (least recently used go first), so a document's repeated
    #: sentences are translated once.  Small enough that memory stays flat on
    #: long inputs.  Never shared between documents: see :class:`Translator`.
    document_repeats: int = 4096
    segmenter: SegmenterOptions = field(default_factory=SegmenterOptions)
    #: House glossary files (translate.glossary) and how their terms are enforced
    #: (translate.terms.METHODS); only documents they match are affected.
    glossary: tuple[str, ...] = ()
    term_method: str = "prefix"


def document_sentences(
    doc: Document, options: SegmenterOptions | None = None, normalised: bool = True
) -> Iterator[Sentence]:
    """Yield the document's sentences, in order, with spans and (unless told not to)
    the normalised text the model sees."""
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
                normalised=normalise(seg.text) if normalised else "",
                starts_line=seg.index == 0 or "\n" in gap or "\r" in gap,
            )


def check_config(config: TranslateConfig) -> None:
    """Raise UsageError for settings no backend can honour (before anything loads)."""
    from translate.errors import UsageError

    decode = config.decode
    if decode.inter_threads and decode.threads and decode.inter_threads > decode.threads:
        raise UsageError(
            f"--inter-threads {decode.inter_threads} is more than the {decode.threads} "
            "threads in all (--threads)"
        )
    compute = config.decode.compute_type
    float_types = ("default", "auto", "float32", "float16")
    if config.backend == "transformers" and compute not in float_types:
        raise UsageError(
            f"--compute-type {compute}: the transformers backend runs float32 or float16 only"
        )


class CacheLookup(Protocol):
    """Where the pipeline looks for translations made before: a cross-run cache.

    Keys are normalised source strings.  A cache is bound to one signature (it
    keys its rows by every field that can change a translation), so the
    pipeline only asks for text.
    """

    def get_many(self, keys: Sequence[str]) -> dict[str, Translation]:
        """Return the stored translations of those ``keys`` that have one."""
        ...


class CacheSink(Protocol):
    """Where the model's new translations of one call to :meth:`Translator.translate` go.

    Separate from the lookup: a batch collects a document's new entries to
    commit them with the document, ``translate --cache`` writes them at once,
    and a read-only lookup never has to pretend it can store.
    """

    def put_many(self, items: Mapping[str, Translation]) -> None:
        """Keep the model's translations of ``items``' keys."""
        ...


class MemoryStore(CacheLookup, Protocol):
    """Reviewers' translations of whole sentences (see translate.memory.TranslationMemory)."""

    def fingerprint(self) -> str:
        """Return a tag naming the memory's contents ('' when it is empty)."""
        ...


def memory_digest(found: Mapping[str, Translation]) -> str:
    """Return the 12-hex digest of memory entries (normalised Greek -> reviewer's English)."""
    import hashlib

    digest = hashlib.sha256()
    for source in sorted(found):
        digest.update(f"{source}\t{found[source].text}\n".encode())
    return digest.hexdigest()[:12]


class Translator:
    """A loaded model and backend that translate streams of sentences.

    A document's translation depends only on that document and the signature:
    sentences are batched, de-duplicated and length-sorted within one document
    at a time, never together with another document's (padding and batch
    composition can flip near ties in beam search).  A ``cache`` (cross-run,
    flagged ``cached``) and a ``memory`` of human translations (consulted first,
    flagged ``human``) are the deliberate exceptions.
    """

    def __init__(
        self,
        config: TranslateConfig,
        model: ResolvedModel | None = None,
        *,
        backend: Backend | None = None,
        cache: CacheLookup | None = None,
        memory: MemoryStore | None = None,
        glossary: Glossary | None = None,
    ) -> None:
        """``glossary``: the entries of ``config.glossary`` already read (a Ray actor gets
        the driver's); without it the files are read here."""
        from translate.terms import TermEnforcer, load_glossary

        self.config = config
        if glossary is None:  # before the model: a bad file fails fast
            glossary = load_glossary(config.glossary)
        elif glossary.paths != tuple(config.glossary):
            raise ValueError(f"glossary of {glossary.paths}, config names {config.glossary}")
        self.model = model or resolve_model(config.model, config.revision)
        self.backend: Backend = backend or open_backend(config.backend, self.model, config.decode)
        # The CTranslate2 backend loaded the same SentencePiece models (its conversion
        # copies them): loading them once saves ~50 ms of every start.
        shared = getattr(self.backend, "tokenizer", None)
        self.tokens = shared if isinstance(shared, MarianSpm) else MarianSpm(self.model.path)
        self.cache = cache
        self.memory = memory
        self.terms = TermEnforcer(glossary, self.backend, config.term_method) if glossary else None
        self._worker: ThreadPoolExecutor | None = None
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
            # Anything else the backend says changes its output (a thread split).
            *((k, v) for k, v in backend.items() if k not in ("backend", "device", "compute")),
            ("beam", str(decode.beam_size)),
            ("lp", str(decode.length_penalty)),
            ("maxout", str(decode.max_output_tokens)),
            ("maxsrc", str(config.max_source_tokens)),
            ("norm", normaliser_signature()),
            ("seg", segmenter_signature(config.segmenter)),
        ]
        # No "tm" here: the memory entries a document matched are named in its own
        # signature (document_signature), so an import redoes only what it touches.
        fields.append(("el2en", __version__))
        return Signature(tuple(fields))

    def document_signature(self, sentences: Sequence[Sentence]) -> Signature:
        """Return the signature of one document's output: the base one plus what matched it.

        ``tm:`` is a 12-hex digest of the translation memory entries (Greek,
        English) that match the document's sentences; ``gloss:`` is a 12-hex
        digest of the glossary entries matched in the
        document (and the enforcement method), inserted before ``el2en:``, only
        when an entry matched: a document the glossary does not touch keeps
        exactly the base signature, so editing the glossary redoes only the
        documents whose matched entries changed.
        """
        extra: list[tuple[str, str]] = []
        if self.memory is not None:
            found = self.memory.get_many(
                sorted({s.normalised or normalise(s.source) for s in sentences})
            )
            if found:
                extra.append(("tm", memory_digest(found)))
        if self.terms is not None:
            matched = [m.term for s in sentences for m in self.terms.glossary.find(s.source)]
            if matched:
                digest = self.terms.glossary.digest(matched, self.terms.method)
                extra.append(("gloss", digest))
        if not extra:
            return self.signature
        fields = list(self.signature.fields)
        at = next((i for i, (k, _) in enumerate(fields) if k == "el2en"), len(fields))
        return Signature(tuple(fields[:at] + extra + fields[at:]))

    def translate(
        self,
        sentences: Iterable[Sentence],
        progress: Callable[[int], None] | None = None,
        sink: CacheSink | None = None,
    ) -> Iterator[Sentence]:
        """Yield each sentence with its translation and flags, in the order given.

        ``progress`` is called with a number of sentences each time a batch is
        done (pro rata within a window), so a bar moves while a window decodes.
        ``sink`` receives the model's new translations (for a cross-run cache).
        """
        batches = self._windows(sentences)
        following = next(batches, None)
        while following is not None:
            window, seen = following
            # One window read ahead: a document in flight says when it has looked
            # up its last one (translate.inflight.Slot.claim).
            following = next(batches, None)
            done = self._translate_window(window, seen, progress, sink, last=following is None)
            yield from done if self.terms is None else map(self.terms.annotate, done)

    def _windows(self, sentences: Iterable[Sentence]) -> Iterator[tuple[list[Sentence], _Lru]]:
        """Yield each document's windows with the memory of that document's repeats."""
        for _, document in groupby(sentences, key=lambda s: s.doc_id):
            seen = _Lru(self.config.document_repeats)  # this document's repeats only
            for window in windows(document, self.config.window):
                yield window, seen

    def _translate_window(
        self,
        window: list[Sentence],
        seen: _Lru,
        progress: Callable[[int], None] | None = None,
        sink: CacheSink | None = None,
        last: bool = True,
    ) -> list[Sentence]:
        human = self.memory.get_many([s.normalised for s in window]) if self.memory else {}
        plans = [[] if s.normalised in human else self._plan(s) for s in window]
        known: dict[str, Translation] = {}
        pieces = list(dict.fromkeys(p for plan in plans for p in plan))
        todo: list[str] = []
        for piece in pieces:
            found = seen.get(piece)
            if found is None:
                todo.append(piece)
            else:
                known[piece] = found
        # Several documents at once (translate.inflight): what an earlier one in
        # flight decodes is taken from it, as one document at a time would have.
        slot = inflight.current() if self.cache is not None else None
        claimed = slot.claimed(todo) if slot is not None else {}
        todo = [p for p in todo if p not in claimed]
        if todo and self.cache is not None:
            cached = self.cache.get_many(todo)
            # "cached" only for an earlier run's translation; the store marks this
            # run's own entries "reused" (another document of this run decoded them).
            known.update({p: replace(t, origin=t.origin or "cached") for p, t in cached.items()})
            todo = [p for p in todo if p not in cached]
        if slot is not None:
            slot.claim(todo, last)
        ticker = _Ticker(len(window), len(todo), progress)
        if todo:
            started = time.perf_counter()
            # The whole window in one call: the backend sorts it by length and
            # keeps several chunks in flight, so no chunk decodes alone at the
            # end of a small call while the other cores wait.
            results = self._decode(todo, ticker.chunk_done)
            if len(results) != len(todo):
                raise RuntimeError(f"backend returned {len(results)} results for {len(todo)}")
            log.debug(
                "window of %d sentences: %d pieces decoded in %.2f s",
                len(window),
                len(todo),
                time.perf_counter() - started,
            )
            fresh = dict(zip(todo, results, strict=True))
            known.update(fresh)
            if sink is not None:
                sink.put_many(fresh)
        if slot is not None and claimed:
            known.update(slot.take(claimed))
            missing = [p for p in claimed if p not in known]  # its document failed
            if missing:
                fresh = dict(zip(missing, self._decode(missing), strict=True))
                known.update(fresh)
                if sink is not None:
                    sink.put_many(fresh)
        if self.terms is not None:  # after the cache got the model's own translations
            known.update(self._steer(pieces, known))
        for piece in pieces:
            seen.put(piece, known[piece])
        ticker.finish()
        return [
            self._human(s, human[s.normalised])
            if s.normalised in human
            else self._align(s, [known[p] for p in plan])
            for s, plan in zip(window, plans, strict=True)
        ]

    def _decode(
        self, pieces: list[str], on_chunk: Callable[[int], None] | None = None
    ) -> list[Translation]:
        """Return the backend's translations, decoded on a worker thread.

        The engine's calls block in native code, where Python cannot run a
        signal handler; waiting on a future instead lets SIGTERM or Ctrl-C stop
        the run at once (the front end then exits without waiting for the batch).
        A document in flight (translate.inflight) waits the same way on its own
        thread, and stops waiting as soon as the run stops, so its temporaries
        are removed; one decoding thread per document in flight lets their
        calls queue chunks on CTranslate2 together.
        """
        if self._worker is None:
            from concurrent.futures import ThreadPoolExecutor

            self._worker = ThreadPoolExecutor(
                inflight.MAX_DOCUMENTS, thread_name_prefix="el2en-decode"
            )
        future = self._worker.submit(self.backend.translate_batch, pieces, on_chunk)
        slot = inflight.current()
        return future.result() if slot is None else slot.wait(future)

    def _steer(self, pieces: list[str], known: dict[str, Translation]) -> dict[str, Translation]:
        """Return the glossary's repairs of ``pieces``, decoded on a worker as _decode does.

        Repairs decode too (n-best lists, forced prefixes): waiting on a future
        keeps SIGTERM and Ctrl-C able to stop the run while they do.
        """
        assert self.terms is not None
        if self._worker is None:
            from concurrent.futures import ThreadPoolExecutor

            self._worker = ThreadPoolExecutor(
                inflight.MAX_DOCUMENTS, thread_name_prefix="el2en-decode"
            )
        future = self._worker.submit(self.terms.repair, pieces, known)
        slot = inflight.current()
        return future.result() if slot is None else slot.wait(future)

    @staticmethod
    def _human(sentence: Sentence, found: Translation) -> Sentence:
        """Return the sentence with a reviewer's translation from the memory."""
        return replace(
            sentence,
            translation=found.text,
            flags=(flags.HUMAN,),
            provenance=found.provenance,
        )

    def _plan(self, sentence: Sentence) -> list[str]:
        """Return the pieces of the sentence the model must translate (none for passthrough)."""
        if nothing_to_translate(sentence.normalised):
            return []
        return split_to_fit(sentence.normalised, self.tokens.count, self.config.max_source_tokens)

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
        if any(r.origin == "cached" for r in results):
            found.append(flags.CACHED)
        elif any(r.origin == "reused" for r in results):
            # Another document's batch decoded it: not this document's alone.
            found.append(flags.REUSED)
        text = " ".join(r.text for r in results if r.text)
        return replace(sentence, translation=text, flags=tuple(found), score=_score(results))


def _score(results: list[Translation]) -> float | None:
    """Return the pieces' scores averaged over their target tokens (None if any lacks one)."""
    scores = [r.score for r in results]
    if any(score is None for score in scores):
        return None
    weights = [r.target_tokens + 1 for r in results]  # +1: the end token is scored too
    total = sum(w * s for w, s in zip(weights, scores, strict=True) if s is not None)
    return total / sum(weights)


class _Ticker:
    """Turns finished batches of pieces into finished sentences for a progress callback."""

    def __init__(self, sentences: int, pieces: int, progress: Callable[[int], None] | None) -> None:
        self.sentences, self.pieces, self.progress = sentences, pieces, progress
        self.pieces_done = self.reported = 0

    def chunk_done(self, pieces: int) -> None:
        self.pieces_done += pieces
        self._report(self.sentences * self.pieces_done // max(self.pieces, 1))

    def finish(self) -> None:
        self._report(self.sentences)

    def _report(self, done: int) -> None:
        if self.progress is not None and done > self.reported:
            self.progress(done - self.reported)
            self.reported = done


class _Lru:
    """A bounded map that forgets the least recently used entry first."""

    def __init__(self, size: int) -> None:
        from collections import OrderedDict

        self.size = size
        self.items: OrderedDict[str, Translation] = OrderedDict()

    def get(self, key: str) -> Translation | None:
        found = self.items.get(key)
        if found is not None:
            self.items.move_to_end(key)
        return found

    def put(self, key: str, value: Translation) -> None:
        self.items[key] = value
        self.items.move_to_end(key)
        if len(self.items) > self.size:
            self.items.popitem(last=False)
