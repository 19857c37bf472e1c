"""The run layer every front end shares: plan jobs, run them, write them atomically.

Every front end is a thin caller of a typed function here:

- :func:`translate_files` is ``el2en translate`` (and what :mod:`translate.api`
  does without files); :func:`segment_files` is ``el2en segment``.  Both read
  and check every input (once) before any work, and take several inputs and
  a folder alike.
- :func:`run_one` is one batch document, for every engine of ``el2en batch``
  (the local one and the Ray actors): an unreadable or empty input is an
  outcome with an error, not an exception.
- :func:`plan_jobs` maps inputs to outputs (a file, stdout, or one file per
  input and format in a folder), refuses collisions and outputs that would
  overwrite an input, and keeps every derived output path inside the output
  folder.  It reads nothing.
- :func:`run_job` translates a job's inputs, checks them (QA flags) and writes
  every format's output through :mod:`translate.output`: temporary files
  renamed into place only when all of the job's outputs are complete.
- :class:`JobOutcome` is what any of them did, small and picklable; the
  model's new translations travel in it (``fresh``), for the cross-run cache.

Nothing here prints, exits or parses options; errors are
:class:`~translate.errors.TranslateError` subclasses.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from translate.errors import InputError, OutputError, UsageError
from translate.read import STDIN, Document, open_document

if TYPE_CHECKING:
    from translate.pipeline import CacheSink, TranslateConfig, Translator
    from translate.qa import QAOptions
    from translate.segment import SegmenterOptions
    from translate.types import Sentence, Translation

log = logging.getLogger("translate")

STDOUT = "-"


@dataclass(frozen=True, slots=True)
class Output:
    """One format of a job's output: the format's name and its files (one per suffix)."""

    format: str
    targets: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Job:
    """Inputs translated together into one set of outputs."""

    inputs: tuple[str, ...]
    outputs: tuple[Output, ...]
    #: The input's path relative to the source folder (batch), or its name.
    key: str = ""
    #: The output folder the targets lie in (folder outputs): every path below it
    #: is opened without following links (translate.paths); None for -o FILE.
    out_folder: str | None = None

    @property
    def targets(self) -> list[str]:
        """Return every file this job writes."""
        return [target for output in self.outputs for target in output.targets]


@dataclass(slots=True)
class JobOutcome:
    """What became of one job: counts, hashes, or why it failed.

    One type for every front end and engine.  It is small and picklable (a Ray
    actor sends it back to the driver), so it holds no open document: only the
    inputs' hashes and sizes as read, and the outputs' hashes.
    """

    job: Job
    #: None when the job succeeded; else one line saying why it failed.
    error: str | None = None
    #: sha256 of each input's bytes, as read (the same read that was translated).
    input_sha256: tuple[str, ...] = ()
    #: Bytes read from all inputs.
    input_bytes: int = 0
    #: The codec each input was read with (``--encoding`` may list several, tried in order).
    encodings: tuple[str, ...] = ()
    #: sha256 of each output file written, by path (batch jobs, for the manifest).
    outputs: dict[str, str] = field(default_factory=dict)
    sentences: int = 0
    #: Sentences with at least one flag.
    flagged: int = 0
    flags: Counter[str] = field(default_factory=Counter)
    #: Sentences whose translation came from the cache.
    cached: int = 0
    seconds: float = 0.0
    #: Flagged sentences, kept for -v listings when RunOptions.keep_flagged asks.
    flagged_sentences: list[Sentence] = field(default_factory=list)
    #: The model's new translations of this job (batch jobs): the driver commits
    #: them to the cross-run cache with the job, so they travel here, not aside.
    fresh: dict[str, Translation] = field(default_factory=dict)
    #: The signature its outputs carry (Translator.document_signature), for the manifest.
    signature: str = ""


@dataclass(slots=True)
class Task:
    """A job to run, with its inputs when the driver has read them already.

    The batch driver reads an input to decide whether it must be redone (its
    hash); handing that read on means a redone input is read once, not again.
    """

    job: Job
    documents: list[Document] | None = None

    def close(self) -> None:
        """Free the inputs read ahead (an engine that reads them elsewhere calls this)."""
        for doc in self.documents or ():
            doc.close()
        self.documents = None


@dataclass(frozen=True, slots=True)
class RunOptions:
    """How a job is written, beside how it is translated (the Translator's config)."""

    formats: tuple[str, ...] = ("text",)
    #: Write only flagged sentences (their ids let them be merged back).
    only_flagged: bool = False
    encoding: str | None = None
    #: fsync outputs before renaming them (batch jobs, whose manifest follows).
    durable: bool = False
    #: QA thresholds; None turns the QA stage off.
    qa: QAOptions | None = None
    #: Keep flagged sentences in the JobOutcome (for -v listings).
    keep_flagged: bool = False


def is_folder_target(output: str) -> bool:
    """Return True when ``output`` names a folder: it ends with '/' or is one."""
    return output != STDOUT and (output.endswith(("/", os.sep)) or Path(output).is_dir())


def plan_jobs(
    inputs: Sequence[str],
    output: str,
    formats: Sequence[str],
    *,
    root: Path | None = None,
) -> list[Job]:
    """Return the jobs that translate ``inputs`` into ``output`` in each of ``formats``.

    ``output`` is ``-`` (stdout), a file, or a folder (ending in '/' or existing),
    which gets one set of files per input.  With ``root``, inputs under it keep
    their relative folders inside the output folder (a mirrored tree).
    """
    from translate.formats import get_format

    specs = [(spec.name, spec.suffixes) for spec in map(get_format, formats)]
    return _plan(inputs, output, specs, root)


def _plan(
    inputs: Sequence[str],
    output: str,
    specs: Sequence[tuple[str, tuple[str, ...]]],
    root: Path | None,
) -> list[Job]:
    """Return the jobs writing ``inputs`` to ``output`` in each (format, suffixes) of ``specs``."""
    from translate.formats import input_stem

    if not inputs:
        raise UsageError("no input given")
    if list(inputs).count(STDIN) > 1:
        raise UsageError("stdin ('-') can be given only once")
    if not is_folder_target(output):
        if len(specs) > 1:
            raise UsageError(f"{len(specs)} formats need a folder to write to: -o DIR/")
        ((name, suffixes),) = specs
        if len(suffixes) > 1:
            raise UsageError(f"format {name} writes {len(suffixes)} files; give a folder: -o DIR/")
        job = Job(tuple(inputs), (Output(name, (output,)),), key=output)
        _refuse_overwriting_inputs([job])
        return [job]
    folder = Path(output)
    jobs = []
    for input_name in inputs:
        relative = _relative_name(input_name, root)
        stem = input_stem(relative.name)  # X.el.txt -> X
        parent = relative.parent
        outputs = []
        for name, suffixes in specs:
            targets = tuple(
                str(safe_join(folder, parent / f"{stem}{suffix}")) for suffix in suffixes
            )
            outputs.append(Output(name, targets))
        jobs.append(Job((input_name,), tuple(outputs), key=str(relative), out_folder=output))
    _refuse_collisions(jobs)
    _refuse_overwriting_inputs(jobs)
    return jobs


def _relative_name(name: str, root: Path | None) -> PurePosixPath:
    """Return the path an input's outputs are named after, relative to the output folder."""
    if name == STDIN:
        return PurePosixPath("stdin")
    path = Path(name)
    if root is not None:
        try:
            return PurePosixPath(path.relative_to(root).as_posix())
        except ValueError:
            pass
    return PurePosixPath(path.name)


def safe_join(folder: Path, relative: PurePosixPath) -> Path:
    """Return ``folder / relative``, refusing anything that would leave ``folder``.

    Inputs and their names are untrusted: an absolute part or ``..`` is
    refused here.  Symlinks inside the output folder are met when writing:
    the job's ``out_folder`` makes every component below it opened without
    following one (a planted link is replaced; see translate.paths), which a
    check made now could not promise for later.
    """
    if relative.is_absolute() or ".." in relative.parts or not relative.parts:
        raise UsageError(f"{relative}: an output derived from it would leave {folder}")
    return folder / Path(*relative.parts)


def _refuse_collisions(jobs: list[Job]) -> None:
    owners: dict[str, str] = {}
    for job in jobs:
        for target in job.targets:
            if target in owners:
                raise UsageError(
                    f"{owners[target]} and {job.inputs[0]} would both be written to {target}; "
                    "rename one, or translate them in separate runs"
                )
            owners[target] = job.inputs[0]


def _refuse_overwriting_inputs(jobs: list[Job]) -> None:
    inputs = {os.path.realpath(name) for job in jobs for name in job.inputs if name != STDIN}
    for job in jobs:
        for target in job.targets:
            if target != STDOUT and os.path.realpath(target) in inputs:
                raise UsageError(f"{target}: output would overwrite an input")


def open_inputs(
    job: Job, encoding: str | None = None, regular_only: bool = False
) -> list[Document]:
    """Return the job's inputs, each read once and checked (closing them all on failure).

    ``regular_only``: inputs a batch found, where a FIFO or device is refused, not read.
    """
    documents: list[Document] = []
    try:
        for name in job.inputs:
            documents.append(open_document(name, encoding, regular_only))
    except BaseException:
        for doc in documents:
            doc.close()
        raise
    return documents


def prepare_outputs(job: Job) -> None:
    """Create the job's output folders and remove temporaries a killed run left there."""
    from translate.output import ensure_folder, remove_stale

    for target in job.targets:
        if target == STDOUT:
            continue
        path = Path(target)
        if path.parent != Path(""):
            ensure_folder(path.parent, job.out_folder)
        removed = remove_stale(path, job.out_folder)
        if removed:
            log.info("%s: removed %d temporary file(s) left by a killed run", target, removed)


def document_stream(
    documents: Iterable[Document], segmenter: SegmenterOptions, normalised: bool = True
) -> Iterator[Sentence]:
    """Yield the sentences of each document in turn, warning about empty ones.

    ``normalised=False`` skips the model's normalisation (segmentation only).
    """
    from translate.pipeline import document_sentences

    for doc in documents:
        empty = True
        for sentence in document_sentences(doc, segmenter, normalised=normalised):
            empty = False
            yield sentence
        if empty:
            log.warning("%s: no text to translate; its output is empty", doc.doc_id)


def run_job(
    job: Job,
    translator: Translator,
    options: RunOptions,
    documents: list[Document] | None = None,
    progress: Callable[[int], None] | None = None,
    sink: CacheSink | None = None,
) -> JobOutcome:
    """Translate the job's inputs and write all its outputs; return what was done.

    ``documents`` are the job's inputs if the caller read them already (to
    check every input before loading the model); they are closed here.
    ``progress`` is called with the number of sentences finished since its
    last call; ``sink`` receives the model's new translations.
    """
    from translate.formats import get_format
    from translate.output import atomic_outputs

    started = time.perf_counter()
    result = JobOutcome(job)
    if documents is None:
        documents = open_inputs(job, options.encoding)
    result.input_sha256 = tuple(doc.sha256 for doc in documents)
    result.input_bytes = sum(doc.size for doc in documents)
    result.encodings = tuple(doc.encoding for doc in documents)
    try:
        prepare_outputs(job)
        sentences = document_stream(documents, translator.config.segmenter)
        signature = translator.signature
        if translator.terms is not None or translator.memory is not None:
            # tm: and gloss: name the memory and glossary entries this document matched
            listed = list(sentences)
            signature = translator.document_signature(listed)
            sentences = iter(listed)
        result.signature = str(signature)
        translated = translator.translate(sentences, progress=progress, sink=sink)
        rows = _counted(_checked(translated, options), result, options)
        if options.only_flagged:
            rows = (s for s in rows if s.flags)
        specs = [get_format(output.format) for output in job.outputs]
        with atomic_outputs(job.targets, options.durable, job.out_folder) as streams:
            # Several writers read the same rows: keep this one document's rows.
            shared = list(rows) if len(specs) > 1 else None
            position = 0
            for spec, output in zip(specs, job.outputs, strict=True):
                count = len(output.targets)
                spec.write(
                    rows if shared is None else shared,
                    streams[position : position + count],
                    signature,
                )
                position += count
    finally:
        for doc in documents:
            doc.close()
    result.seconds = time.perf_counter() - started
    return result


def _checked(sentences: Iterator[Sentence], options: RunOptions) -> Iterator[Sentence]:
    """Return the sentences through the QA stage, when it is on."""
    if options.qa is None:
        return sentences
    from translate import qa

    return qa.annotate(sentences, options.qa)


def _counted(
    sentences: Iterator[Sentence], result: JobOutcome, options: RunOptions
) -> Iterator[Sentence]:
    from translate.flags import CACHED, needs_review

    for sentence in sentences:
        result.sentences += 1
        result.flags.update(sentence.flags)
        if CACHED in sentence.flags:
            result.cached += 1
        if needs_review(sentence.flags):
            result.flagged += 1
            if options.keep_flagged:
                result.flagged_sentences.append(sentence)
        yield sentence


def file_sha256(path: str) -> str:
    """Return the sha256 of the file at ``path``'s bytes (an output, to record it)."""
    from translate.read import open_regular

    digest = hashlib.sha256()
    with open_regular(path) as f:  # a FIFO planted at an output's name never hangs a rerun
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def run_one(task: Task, translator: Translator, options: RunOptions) -> JobOutcome:
    """Run one batch job and return its outcome (an unreadable input is an outcome too).

    The per-document job every engine runs (the Ray actors too).  Each
    document's id is the job's key (its path relative to the source folder),
    so the outputs do not depend on where the source folder is.  An empty
    input is a failure (a nightly job's empty article is a broken export) and
    writes nothing.  Output errors and signals propagate: they stop the run.
    """
    job = task.job
    documents, task.documents = task.documents, None
    if job.out_folder is not None:  # a name the file system cannot hold fails alone
        from translate.output import name_problem

        problem = next(filter(None, (name_problem(t, job.out_folder) for t in job.targets)), None)
        if problem is not None:
            for doc in documents or ():
                doc.close()
            return JobOutcome(job, error=problem)
    if documents is None:
        try:
            documents = open_inputs(job, options.encoding, regular_only=True)
        except InputError as exc:
            return JobOutcome(job, error=exc.problem)
    if not any(line.strip() for doc in documents for line in doc.lines()):
        for doc in documents:
            doc.close()
        return JobOutcome(
            job,
            error="empty: no text to translate",
            input_sha256=tuple(doc.sha256 for doc in documents),
        )
    for doc in documents:
        doc.doc_id = job.key
    fresh = _Collected()
    outcome = run_job(job, translator, options, documents, sink=fresh)
    outcome.outputs = {target: file_sha256(target) for target in job.targets}
    outcome.fresh = fresh.items
    return outcome


class _Collected:
    """A job's new translations, collected to travel in its outcome (a CacheSink)."""

    def __init__(self) -> None:
        self.items: dict[str, Translation] = {}

    def put_many(self, items: Mapping[str, Translation]) -> None:
        """Keep the model's own translations (never one taken from a cache or memory)."""
        self.items.update((key, t) for key, t in items.items() if t.origin is None)


def memory_path(given: str | None, disabled: bool = False) -> Path | None:
    """Return the translation memory to use: ``given``, else the default one if it exists."""
    from translate.memory import default_memory

    if disabled:
        return None
    if given:
        path = Path(given)
        if not path.is_file():
            log.warning(
                "%s: no translation memory there yet ('el2en review import' makes one); "
                "translating without it",
                given,
            )
            return None
        return path
    return default_memory()  # None, with a warning, when the home cannot be read


@contextlib.contextmanager
def open_translator(config: TranslateConfig, *, memory: Path | None = None) -> Iterator[Translator]:
    """Yield a Translator with its translation memory (its state is in the signature)."""
    from translate.memory import TranslationMemory
    from translate.pipeline import Translator

    with contextlib.ExitStack() as stack:
        tm = stack.enter_context(TranslationMemory(memory, readonly=True)) if memory else None
        yield Translator(config, memory=tm)


#: Advances a progress display by a number of units.
Advance = Callable[[int], None]
#: A progress display: called with (total or None, unit, label), it gives a
#: context manager yielding the callback that advances it.
ProgressDisplay = Callable[[int | None, str, str], contextlib.AbstractContextManager[Advance]]


def translate_files(
    inputs: Sequence[str],
    output: str,
    options: RunOptions,
    config: TranslateConfig,
    *,
    memory: Path | None = None,
    cache: Path | None = None,
    cache_rows: int | None = None,
    progress: ProgressDisplay | None = None,
    on_outcome: Callable[[JobOutcome], None] | None = None,
) -> list[JobOutcome]:
    """Translate ``inputs`` into ``output`` (``-``, a file or a folder): ``el2en translate``.

    Plans the jobs, checks every target and reads every input (once) before
    the model loads, so a bad input or an unwritable output costs no model
    load; then runs each job and returns the outcomes.  ``cache`` is a
    cross-run cache file (keyed by the signature, so opened after the model).
    ``progress`` draws sentences for one input, documents for several.
    """
    from translate.cache import DEFAULT_CACHE_ENTRIES, TranslationCache

    planned = plan_jobs(inputs, output, options.formats)
    check_targets(planned, create_folders=is_folder_target(output))
    outcomes: list[JobOutcome] = []
    with contextlib.ExitStack() as stack:
        documents: list[list[Document]] = []
        for job in planned:
            documents.append(open_inputs(job, options.encoding))
            stack.callback(_close_all, documents[-1])
        translator = stack.enter_context(open_translator(config, memory=memory))
        log.info("signature: %s", translator.signature)
        store = None
        if cache is not None:
            store = stack.enter_context(
                TranslationCache(cache, translator.signature, cache_rows or DEFAULT_CACHE_ENTRIES)
            )
            translator.cache = store
        many = len(planned) > 1
        if progress is None:
            bar: contextlib.AbstractContextManager[Advance] = contextlib.nullcontext(_ignore)
        elif many:
            bar = progress(len(planned), "docs", f"{len(planned)} files")
        else:
            total = count_sentences(documents[0], config.segmenter)
            bar = progress(total, "sentences", _label(planned[0].inputs))
        with bar as advance:

            def work(job: Job, docs: list[Document]) -> tuple[JobOutcome, dict[str, Translation]]:
                if not many:
                    return run_job(job, translator, options, docs, advance, store), {}
                # In flight, the cache gets a document's entries when it is delivered,
                # in order: each document sees those before it, as one at a time.
                held = _Collected()
                return run_job(job, translator, options, docs, sink=held), held.items

            def deliver(done: tuple[JobOutcome, dict[str, Translation]]) -> None:
                outcome, fresh = done
                if store is not None and fresh:
                    store.put_many(fresh)
                if many:
                    advance(1)
                outcomes.append(outcome)
                if on_outcome is not None:
                    on_outcome(outcome)

            _run_jobs(translator, list(zip(planned, documents, strict=True)), work, deliver, many)
    return outcomes


def _run_jobs(
    translator: Translator,
    jobs: list[tuple[Job, list[Document]]],
    work: Callable[[Job, list[Document]], tuple[JobOutcome, dict[str, Translation]]],
    deliver: Callable[[tuple[JobOutcome, dict[str, Translation]]], None],
    many: bool,
) -> None:
    """Run ``el2en translate``'s jobs, several documents at once when there are several
    (translate.inflight: the same bytes as one at a time), delivering them in order."""
    from translate.inflight import documents_in_flight, on_driver, run_in_flight

    limit = documents_in_flight(translator) if many else 1
    if limit <= 1:
        for job, docs in jobs:
            deliver(work(job, docs))
        return
    with on_driver(translator):
        run_in_flight(
            jobs, lambda pair: work(*pair), lambda _, done: deliver(done), limit, lambda d: d[1]
        )


def _ignore(count: int) -> None:
    """Advance no progress display."""


def _label(inputs: Sequence[str]) -> str:
    return "stdin" if tuple(inputs) == (STDIN,) else ", ".join(inputs)


def _close_all(documents: list[Document]) -> None:
    for doc in documents:
        doc.close()


def count_sentences(documents: Iterable[Document], segmenter: SegmenterOptions) -> int:
    """Return how many sentences the documents hold (a progress display's total)."""
    from translate.read import paragraphs
    from translate.segment import segment

    return sum(
        sum(1 for _ in segment(p.text, segmenter)) for doc in documents for p in paragraphs(doc)
    )


#: ``el2en segment``'s formats and the suffix of the file each writes into a folder.
SEGMENT_FORMATS: dict[str, str] = {"text": ".sentences.txt", "jsonl": ".sentences.jsonl"}


def segment_files(
    inputs: Sequence[str],
    output: str,
    fmt: str,
    segmenter: SegmenterOptions,
    encoding: str | None = None,
) -> list[JobOutcome]:
    """Split ``inputs`` into sentences, into ``output`` as ``translate`` would: ``el2en segment``.

    ``output`` is ``-``, a file (all inputs, one after another) or a folder
    (one ``X.sentences.txt`` or ``.jsonl`` per input).  Every input is read
    once and checked before anything is written; each output is written
    atomically.  No model is loaded.
    """
    from translate.formats.segments import segmentation_signature, write_jsonl, write_text
    from translate.output import atomic_output

    if fmt not in SEGMENT_FORMATS:
        raise UsageError(f"segment format {fmt!r}: choose one of {', '.join(SEGMENT_FORMATS)}")
    planned = _plan(inputs, output, [(fmt, (SEGMENT_FORMATS[fmt],))], None)
    check_targets(planned, create_folders=is_folder_target(output))
    outcomes: list[JobOutcome] = []
    with contextlib.ExitStack() as stack:
        documents: list[list[Document]] = []
        for job in planned:
            documents.append(open_inputs(job, encoding))
            stack.callback(_close_all, documents[-1])
        for job, docs in zip(planned, documents, strict=True):
            started = time.perf_counter()
            outcome = JobOutcome(
                job,
                input_sha256=tuple(doc.sha256 for doc in docs),
                input_bytes=sum(doc.size for doc in docs),
            )
            prepare_outputs(job)
            (target,) = job.targets
            with atomic_output(target) as stream:
                sentences = document_stream(docs, segmenter, normalised=False)
                if fmt == "jsonl":
                    outcome.sentences = write_jsonl(
                        sentences, stream, segmentation_signature(segmenter)
                    )
                else:
                    outcome.sentences = write_text(sentences, stream)
            outcome.seconds = time.perf_counter() - started
            outcomes.append(outcome)
    return outcomes


def check_targets(jobs: Iterable[Job], create_folders: bool = False) -> None:
    """Raise OutputError for a target that cannot be written (before any work).

    With ``create_folders`` (the output is a folder), missing folders are
    created; otherwise a file's folder must exist.
    """
    from translate.output import check_writable, ensure_folder

    for job in jobs:
        for target in job.targets:
            if target == STDOUT:
                continue
            path = Path(target)
            if create_folders:
                ensure_folder(path.parent, job.out_folder)
            check_writable(path, job.out_folder)


__all__ = [
    "InputError",
    "Job",
    "JobOutcome",
    "Output",
    "OutputError",
    "RunOptions",
    "Task",
    "check_targets",
    "file_sha256",
    "is_folder_target",
    "open_inputs",
    "plan_jobs",
    "run_job",
    "run_one",
    "safe_join",
]
