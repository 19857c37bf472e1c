"""The local engine: one Translator in this process, the batch's jobs one after another.

:func:`run_one` is the per-document job every engine runs (the Ray actors
import it too): read the input once, translate it with the document's own
batches, write every format atomically, and describe the result as a small
:class:`~translate.engines.JobOutcome`.  A bad input is an outcome with an
error, not an exception: one bad file never stops the rest.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from translate.engines import JobOutcome
from translate.errors import InputError, UsageError

if TYPE_CHECKING:
    from translate.jobs import Job, RunOptions
    from translate.pipeline import TranslateConfig, TranslationStore, Translator


def file_sha256(path: str) -> str:
    """Return the sha256 of the file at ``path``'s bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def run_one(job: Job, translator: Translator, options: RunOptions) -> JobOutcome:
    """Run one batch job and return its outcome (an unreadable input is an outcome too).

    Each document's id is the job's key (its path relative to the source
    folder), so the outputs do not depend on where the source folder is.
    Output errors and signals propagate: they stop the run.
    """
    from translate.jobs import open_inputs, run_job

    try:
        documents = open_inputs(job, options.encoding)
    except InputError as exc:
        return JobOutcome(job, error=exc.problem)
    if not any(line.strip() for doc in documents for line in doc.lines()):
        # A nightly job's empty article is a broken export: report it, write nothing.
        for doc in documents:
            doc.close()
        return JobOutcome(
            job,
            error="empty: no text to translate",
            input_sha256=tuple(doc.sha256 for doc in documents),
        )
    for doc in documents:
        doc.doc_id = job.key
    result = run_job(job, translator, options, documents)
    return JobOutcome(
        job,
        input_sha256=tuple(doc.sha256 for doc in result.documents),
        input_bytes=sum(doc.size for doc in result.documents),
        outputs={target: file_sha256(target) for target in job.targets},
        sentences=result.sentences,
        flagged=result.flagged,
        cached=result.cached,
        flags=result.flags,
        seconds=result.seconds,
    )


class LocalEngine:
    """Runs every job in this process with one Translator, in the order given.

    ``translator``: an already loaded Translator (the batch driver loads one to
    learn the signature); otherwise one is loaded from the config with
    ``cache``.  Ray's options are refused with a usage error.
    """

    def __init__(
        self,
        *,
        translator: Translator | None = None,
        cache: TranslationStore | None = None,
        **options: object,
    ) -> None:
        given = [name for name, value in options.items() if value is not None]
        if given:
            flags = ", ".join("--" + name.replace("_", "-") for name in given)
            raise UsageError(f"{flags}: only for --engine ray")
        self.translator = translator
        self.cache = cache

    def run(
        self,
        jobs: Sequence[Job],
        config: TranslateConfig,
        options: RunOptions,
        on_outcome: Callable[[JobOutcome], None],
    ) -> None:
        """Run the jobs one after another; report each outcome as soon as it is known."""
        translator = self.translator
        if translator is None:
            from translate.pipeline import Translator

            translator = Translator(config, cache=self.cache)
        for job in jobs:
            on_outcome(run_one(job, translator, options))
