"""The run layer every front end shares: plan jobs, run one job, write it atomically.

``el2en translate``, ``el2en batch`` and the Ray engine are a few lines each
around :func:`plan_jobs` and :func:`run_job`:

- :func:`plan_jobs` maps inputs to outputs (a file, stdout, or one file per
  input and format in a folder), refuses collisions and outputs that would
  overwrite an input, and keeps every derived output path inside the output
  folder.  It reads nothing.
- :func:`run_job` reads each input once, translates it, checks it (QA flags)
  and writes every format's output through :mod:`translate.output`: temporary
  files renamed into place only when all of the job's outputs are complete.

Nothing here prints, exits or parses options; errors are
:class:`~translate.errors.TranslateError` subclasses.
"""

from __future__ import annotations

import contextlib
import logging
import os
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from translate.errors import InputError, OutputError, UsageError
from translate.read import STDIN, Document, open_document

if TYPE_CHECKING:
    from translate.pipeline import TranslateConfig, Translator
    from translate.segment import SegmenterOptions
    from translate.types import Sentence

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
class JobResult:
    """What running a job did."""

    job: Job
    sentences: int = 0
    #: Sentences to review: with at least one warning flag (info flags are not work).
    flagged: int = 0
    flags: Counter[str] = field(default_factory=Counter)
    #: Sentences whose translation came from the cache.
    cached: int = 0
    seconds: float = 0.0
    #: Input documents as read (hash and size of each).
    documents: list[Document] = field(default_factory=list)
    #: Flagged sentences, kept for reports when asked for.
    flagged_sentences: list[Sentence] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class RunOptions:
    """How a job is written, beside how it is translated (the Translator's config)."""

    formats: tuple[str, ...] = ("text",)
    #: Write only flagged sentences (their ids let them be merged back).
    only_flagged: bool = False
    encoding: str | None = None
    #: fsync outputs before renaming them (batch jobs, whose manifest follows).
    durable: bool = False
    #: QA thresholds (translate.qa.QAOptions); None turns the QA stage off.
    qa: object | None = None
    #: Keep flagged sentences in the JobResult (for -v listings and reports).
    keep_flagged: bool = False


def is_folder_target(output: str) -> bool:
    """Return True when ``output`` names a folder: it ends with '/' or is one."""
    return output != STDOUT and (output.endswith(("/", os.sep)) or Path(output).is_dir())


def output_stem(name: str) -> str:
    """Return the stem outputs of input ``name`` are named after: ``X.el.txt`` -> ``X``."""
    from translate.formats import input_stem

    return input_stem(name)


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

    if not inputs:
        raise UsageError("no input given")
    if list(inputs).count(STDIN) > 1:
        raise UsageError("stdin ('-') can be given only once")
    specs = [get_format(name) for name in formats]
    if not is_folder_target(output):
        if len(specs) > 1:
            raise UsageError(f"{len(specs)} formats need a folder to write to: -o DIR/")
        (spec,) = specs
        if len(spec.suffixes) > 1:
            raise UsageError(
                f"format {spec.name} writes {len(spec.suffixes)} files; give a folder: -o DIR/"
            )
        job = Job(tuple(inputs), (Output(spec.name, (output,)),), key=output)
        _refuse_overwriting_inputs([job])
        return [job]
    folder = Path(output)
    jobs = []
    for name in inputs:
        relative = _relative_name(name, root)
        stem = output_stem(relative.name)
        parent = relative.parent
        outputs = []
        for spec in specs:
            targets = tuple(
                str(safe_join(folder, parent / f"{stem}{suffix}")) for suffix in spec.suffixes
            )
            outputs.append(Output(spec.name, targets))
        jobs.append(Job((name,), tuple(outputs), key=str(relative), out_folder=output))
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

    Inputs and their names are untrusted: an absolute part, ``..``, or a
    symlinked folder inside the output folder that leads out of it is refused.
    """
    if relative.is_absolute() or ".." in relative.parts or not relative.parts:
        raise UsageError(f"{relative}: an output derived from it would leave {folder}")
    target = folder / Path(*relative.parts)
    base = os.path.realpath(folder)
    real_parent = os.path.realpath(target.parent)
    if os.path.commonpath([base, real_parent]) != base:
        raise UsageError(f"{target}: leads out of the output folder {folder}")
    return target


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


def open_inputs(job: Job, encoding: str | None = None) -> list[Document]:
    """Return the job's inputs, each read once and checked (closing them all on failure)."""
    documents: list[Document] = []
    try:
        for name in job.inputs:
            documents.append(open_document(name, encoding))
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
) -> JobResult:
    """Translate the job's inputs and write all its outputs; return what was done.

    ``documents`` are the job's inputs if the caller read them already (to
    check every input before loading the model); they are closed here.
    ``progress`` is called with the number of sentences finished since its
    last call.
    """
    from translate.formats import get_format
    from translate.output import atomic_outputs

    started = time.perf_counter()
    result = JobResult(job)
    if documents is None:
        documents = open_inputs(job, options.encoding)
    result.documents = documents
    try:
        prepare_outputs(job)
        sentences = document_stream(documents, translator.config.segmenter)
        translated = translator.translate(sentences, progress=progress)
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
                    translator.signature,
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

    return qa.annotate(sentences, options.qa)  # type: ignore[arg-type]


def _counted(
    sentences: Iterator[Sentence], result: JobResult, options: RunOptions
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


def memory_path(given: str | None, disabled: bool = False) -> Path | None:
    """Return the translation memory to use: ``given``, else the default one if it exists."""
    from translate.store import default_memory_path

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
    default = default_memory_path()
    return default if default.is_file() else None


@contextlib.contextmanager
def open_translator(
    config: TranslateConfig,
    *,
    memory: Path | None = None,
    cache: Path | None = None,
    cache_size: int | None = None,
) -> Iterator[Translator]:
    """Yield a Translator with its translation memory and cross-run cache, closed after.

    The cache is keyed by the translator's signature, so it opens once the
    model is loaded; the memory's state is part of that signature.
    """
    from translate.pipeline import Translator
    from translate.store import DEFAULT_CACHE_ENTRIES, TranslationCache, TranslationMemory

    with contextlib.ExitStack() as stack:
        tm = stack.enter_context(TranslationMemory(memory)) if memory else None
        translator = Translator(config, memory=tm)
        if cache is not None:
            translator.cache = stack.enter_context(
                TranslationCache(cache, translator.signature, cache_size or DEFAULT_CACHE_ENTRIES)
            )
        yield translator


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
    "JobResult",
    "Output",
    "OutputError",
    "RunOptions",
    "check_targets",
    "is_folder_target",
    "open_inputs",
    "plan_jobs",
    "run_job",
    "safe_join",
]
