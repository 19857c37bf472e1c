"""The batch driver: lock, find, decide, run through an engine, commit, report.

The driver is the same whatever engine runs the jobs (:mod:`translate.engines`):

1. take the output folder's lock (``OUT/.el2en.lock``; another run holding it
   is a :class:`~translate.errors.LockedError`, exit 4);
2. find the inputs (:mod:`translate.batch.inputs`), mirroring their tree into
   the output folder;
3. load the model (for the signature) and decide per input, as the engine
   asks for the next one (:mod:`translate.batch.redo`);
4. hand the tasks to the engine; as each outcome comes back, commit it to the
   manifest (:mod:`translate.manifest`) with the cache entries its document
   added (they travel in the outcome), then write those to the cross-run cache;
5. write the report (:mod:`translate.batch.report`) into the output folder,
   and wherever asked.

A bad input is recorded and skipped, never fatal.  Nothing here prints or
exits: the CLI (:mod:`translate.cli.batch_cmd`) does.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import logging
import os
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from translate.batch.inputs import find_inputs
from translate.batch.redo import RedoReason, decide, settings_of
from translate.batch.report import REPORT_NAME, BatchReport, Failure
from translate.errors import Interrupted, LockedError, OutputError, StoreError
from translate.manifest import DONE, FAILED, MANIFEST_NAME, Entry, Manifest, PendingCache

if TYPE_CHECKING:
    from translate.batch.progress import BatchProgress
    from translate.cache import TranslationCache
    from translate.jobs import Job, JobOutcome, RunOptions, Task
    from translate.pipeline import TranslateConfig, Translator
    from translate.read import Document
    from translate.types import Translation

log = logging.getLogger("translate")

LOCK_NAME = ".el2en.lock"
CACHE_NAME = ".el2en-cache.sqlite"
#: Finished documents are committed together at most this often (one fsync per
#: commit): a SIGKILL costs at most this much work, which the next run redoes.
COMMIT_SECONDS = 1.0


@dataclass(frozen=True, slots=True)
class BatchOptions:
    """What a batch run is asked to do (beside the model config)."""

    src: str
    out: str
    glob: str = "*.txt"
    formats: tuple[str, ...] = ("jsonl",)
    encoding: str | None = None
    force: bool = False
    #: The cross-run cache: None means OUT/.el2en-cache.sqlite.
    cache_path: str | None = None
    use_cache: bool = True
    #: Rows the cross-run cache keeps (--cache-size); None for its default.
    cache_rows: int | None = None
    #: Another place for the report, beside OUT/el2en-report.json.
    report_path: str | None = None
    #: With a list of inputs: the folder their tree is mirrored from.
    root: str | None = None
    #: The translation memory consulted before the model (its state is in the signature).
    memory: Path | None = None
    engine: str = "local"
    #: The engine's own options (Ray's address, actors...), passed to its class.
    engine_options: Mapping[str, str | int] = field(default_factory=dict)


class RunCache:
    """The cross-run cache as a batch reads it: the file, and this run's uncommitted entries.

    New entries reach the driver in each document's outcome and are written to
    the file only after the manifest commit that records the document; until
    then later documents find them here (marked ``reused``: decoded in this
    run, not an earlier run's).  A document cut short by a kill or a signal
    never leaves its translations in the cache, so a resumed run starts from
    the cache an uninterrupted run would have had, and writes the same bytes.
    """

    def __init__(self, cache: TranslationCache) -> None:
        self.cache = cache
        #: Entries of finished documents that wait for the manifest commit.
        self.finished: dict[str, Translation] = {}

    def get_many(self, keys: Sequence[str]) -> dict[str, Translation]:
        """Return the cached translations of those ``keys`` that have one."""
        found: dict[str, Translation] = {}
        for key in keys:
            known = self.finished.get(key)
            if known is not None:  # decoded in this run: reused, not "cached"
                found[key] = replace(known, origin="reused")
        rest = [key for key in keys if key not in found]
        if rest:
            found.update(self.cache.get_many(rest))
        return found

    def add(self, items: Mapping[str, Translation]) -> None:
        """Make a finished document's new entries visible until they are committed."""
        self.finished.update({key: t for key, t in items.items() if t.origin is None})

    def committed(self) -> None:
        """Forget the finished documents' entries: they are in the cache file now."""
        self.finished = {}


@contextlib.contextmanager
def locked(out: Path) -> Iterator[None]:
    """Hold the output folder's lock, or raise LockedError at once.

    The lock file is opened through OUT's descriptor with O_NOFOLLOW and never
    truncated (filelock's O_TRUNC through a link planted at OUT/.el2en.lock
    would empty any file); the flock is the one filelock takes, so runs of
    older versions still exclude each other.
    """
    import fcntl

    from translate.paths import open_lock_file

    fd = open_lock_file(out, LOCK_NAME)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise LockedError(
                f"{out}: another el2en batch run holds {out / LOCK_NAME}; this run did nothing"
            ) from None
        except OSError as exc:
            raise OutputError(f"{out / LOCK_NAME}: cannot take the lock ({exc.strerror})") from None
        yield
    finally:
        os.close(fd)  # releases the flock


def utc_now() -> str:
    """Return the time now, ISO 8601 UTC to the second."""
    from translate.db import utc_text as now

    return now()


class Batch:
    """One batch run: the driver that commits what the engine does."""

    def __init__(
        self,
        options: BatchOptions,
        config: TranslateConfig,
        run: RunOptions,
        progress: BatchProgress | None = None,
    ) -> None:
        self.options = options
        #: A display of documents done (translate.batch.progress), or None.
        self.progress = progress
        self.config = config
        self.run_options = run
        self.out = Path(options.out)
        self.report = BatchReport(src=options.src, out=options.out, engine=options.engine)
        self.manifest: Manifest | None = None
        self.cache: TranslationCache | None = None
        self.run_cache: RunCache | None = None
        self.signature = ""
        self.settings = settings_of(run)
        #: Finished jobs not yet in the manifest: outcome and entry.
        self.uncommitted: list[tuple[JobOutcome, Entry]] = []
        self.last_commit = time.perf_counter()
        self.reasons: dict[str, RedoReason] = {}
        #: The translator and its translation memory, closed with the run.
        self.stack = contextlib.ExitStack()

    def run(self, stdin: TextIO | None = None) -> BatchReport:
        """Run the batch and return its report (also written to disk, whatever happens)."""
        from translate.output import ensure_folder

        started = time.perf_counter()
        self.report.started = utc_now()
        if self.options.report_path:
            from translate.paths import resolve_followed

            # A link someone else planted in /tmp stops the run before any work.
            resolve_followed(self.options.report_path)
        ensure_folder(self.out)
        with locked(self.out):
            try:
                self._run(stdin)
                self.report.status = "completed"
            except BaseException as exc:
                interrupted = isinstance(exc, Interrupted | KeyboardInterrupt)
                self.report.status = "interrupted" if interrupted else "failed"
                self.report.error = str(exc) or type(exc).__name__
                raise
            finally:
                # A store that cannot be written at the end (locked past the
                # timeout, read-only, disk full) fails the run: never "completed"
                # and exit 0 for work that was not committed (issue 15.4).
                late: StoreError | None = None
                try:
                    self._commit()  # what finished before a signal or an error counts
                    if self.report.status == "completed" and self.manifest is not None:
                        self.manifest.finish_run()  # the next run starts afresh
                except StoreError as exc:
                    late = exc
                except Exception as exc:
                    log.error(
                        "finished documents not committed (the next run redoes them): %s", exc
                    )
                late = self._close() or late
                if late is not None and self.report.status == "completed":
                    self.report.status = "failed"
                    self.report.error = str(late)
                elif late is not None:  # another error is on its way out: say this one too
                    log.error("%s", late)
                    late = None
                self.report.ended = utc_now()
                self.report.wall_seconds = time.perf_counter() - started
                self._write_reports()
                if late is not None:
                    raise late
        return self.report

    def _run(self, stdin: TextIO | None) -> None:
        from translate.jobs import plan_jobs

        options = self.options
        found = find_inputs(options.src, options.glob, self.out, options.root, stdin)
        self._refuse_report_over_an_input(found.names)
        self.report.failed.extend(found.failures)
        self.report.seen = len(found.names) + len(found.failures)
        for failure in found.failures:
            log.warning("%s: %s", failure.path, failure.reason)
        jobs = (
            plan_jobs(found.names, str(self.out) + os.sep, options.formats, root=found.root)
            if found.names
            else []
        )
        from translate.paths import replace_planted_links

        replace_planted_links(self.out, [MANIFEST_NAME])  # SQLite would follow them
        self.manifest = Manifest(self.out / MANIFEST_NAME)
        if not jobs:
            log.warning("%s: no input matches %s", options.src, options.glob)
            return
        translator = self._load()
        if self.progress is not None:
            self.progress.start(len(jobs))
        tasks = self._decide(jobs)
        first = next(tasks, None)
        if first is None:  # all skipped: no engine (a cluster) is started for nothing
            return
        from translate.engines import get_engine_class

        engine = get_engine_class(options.engine)(translator=translator, **options.engine_options)
        engine.run(itertools.chain([first], tasks), self.run_options, self._on_outcome)

    def _load(self) -> Translator:
        """Load the model (with the translation memory), open the cache, replay a kill's."""
        from translate.jobs import open_translator

        translator = self.stack.enter_context(
            open_translator(self.config, memory=self.options.memory)
        )
        if self.options.use_cache:
            from translate.cache import DEFAULT_CACHE_ENTRIES, TranslationCache

            path = Path(self.options.cache_path or self.out / CACHE_NAME)
            if not self.options.cache_path:
                from translate.paths import replace_planted_links

                replace_planted_links(self.out, [CACHE_NAME])  # SQLite would follow them
            size = self.options.cache_rows or DEFAULT_CACHE_ENTRIES
            # A run that follows a kill continues it: what the killed run's
            # committed documents decoded is "reused" here, as it would have
            # been without the kill (same bytes), not an earlier run's "cached".
            assert self.manifest is not None
            run_started = self.manifest.unfinished_run()
            if run_started is None:
                run_started = time.time()
                self.manifest.start_run(run_started)
            self.cache = TranslationCache(
                path.resolve(), translator.signature, size, run_started=run_started
            )
            self.run_cache = RunCache(self.cache)
            translator.cache = self.run_cache
            self.report.cache = str(path)
        self.signature = str(translator.signature)
        self.translator = translator
        self.report.signature = self.signature
        log.info("signature: %s", self.signature)
        self._replay_pending()
        return translator

    def _replay_pending(self) -> None:
        """Write to the cache the entries of documents committed just before a kill."""
        from translate.cache import TranslationCache
        from translate.errors import StoreError
        from translate.signature import Signature

        assert self.manifest is not None
        pending = self.manifest.pending_cache()
        for group in pending:
            own = (
                self.cache is not None
                and group.cache_path == str(self.cache.path)
                and (group.signature == self.signature)
            )
            try:
                if own and self.cache is not None:
                    self.cache.put_many(group.items)
                else:
                    with contextlib.closing(
                        TranslationCache(group.cache_path, Signature.parse(group.signature), None)
                    ) as other:
                        other.put_many(group.items)
            except StoreError as exc:
                log.warning("cache entries of a killed run not written: %s", exc)
        if pending:
            self.manifest.pending_flushed()

    def _decide(self, jobs: list[Job]) -> Iterator[Task]:
        """Yield the tasks to run, deciding as the engine asks; count and log the others.

        Lazy, so that at most one input read ahead to decide is held at a time
        (the local engine translates it next).
        """
        from translate.jobs import prepare_outputs

        assert self.manifest is not None
        for job in jobs:
            decision = decide(
                job,
                self.manifest.get(job.key),
                self.out,
                self.signature,
                self.settings,
                force=self.options.force,
                encoding=self.run_options.encoding,
                document_signature=self._document_signature,
            )
            if decision.reason is None:
                prepare_outputs(job)  # a killed run's temporaries, if any
                self.report.skipped += 1
                log.info("%s: skipped (unchanged)", job.key)
                if self.progress is not None:
                    self.progress.finish(job.key, 0)
            else:
                self.reasons[job.key] = decision.reason
                if self.progress is not None:
                    self.progress.begin(job.key)
                yield decision.task

    def _document_signature(self, documents: list[Document]) -> str:
        """Return the signature the input's outputs would carry (gloss: per document)."""
        from translate.jobs import document_stream

        if self.translator.terms is None and self.translator.memory is None:
            return self.signature
        sentences = list(document_stream(documents, self.config.segmenter, normalised=False))
        return str(self.translator.document_signature(sentences))

    def _on_outcome(self, outcome: JobOutcome) -> None:
        """Take one finished job; commit the finished ones when the last commit is old enough."""
        job = outcome.job
        ok = outcome.error is None
        if ok and self.run_cache is not None:
            self.run_cache.add(outcome.fresh)
        self.uncommitted.append((outcome, self._entry(outcome)))
        if ok:
            log.info(
                "%s: translated (%s): %d sentences, %d from cache, %d to review, %.1f s",
                job.key,
                self.reasons.get(job.key, RedoReason.NEW),
                outcome.sentences,
                outcome.cached,
                outcome.flagged,
                outcome.seconds,
            )
        else:
            log.warning("%s: %s; skipped", job.key, outcome.error)
        if self.progress is not None:
            self.progress.finish(job.key, outcome.sentences)
        if time.perf_counter() - self.last_commit >= COMMIT_SECONDS:
            self._commit()

    def _entry(self, outcome: JobOutcome) -> Entry:
        """Return the manifest entry that records ``outcome``."""
        from translate.manifest import outputs_by_relative_path

        job = outcome.job
        return Entry(
            job.key,
            job.inputs[0],
            outcome.input_sha256[0] if outcome.input_sha256 else "",
            outcome.input_bytes,
            outcome.signature or self.signature,
            self.settings,
            outputs_by_relative_path(outcome.outputs, self.out),
            status=DONE if outcome.error is None else FAILED,
            error=outcome.error,
            sentences=outcome.sentences,
        )

    def _commit(self) -> None:
        """Commit the finished jobs to the manifest (one transaction), then their cache entries.

        Their outputs are in place already; a kill before this commit only
        means they are redone, with the same bytes, by the next run.
        """
        self.last_commit = time.perf_counter()
        if not self.uncommitted or self.manifest is None:
            return
        done, self.uncommitted = self.uncommitted, []
        held: dict[str, Translation] = {}
        for outcome, _ in done:
            if outcome.error is None:
                held.update((k, t) for k, t in outcome.fresh.items() if t.origin is None)
        pending = None
        if held and self.cache is not None:
            pending = PendingCache(str(self.cache.path), self.signature, held)
        try:
            self.manifest.commit([entry for _, entry in done], pending)
        except BaseException:  # a signal mid-commit: the run's closing commit tries again
            self.uncommitted = done + self.uncommitted
            raise
        for outcome, _ in done:  # committed: in the report, whatever the cache does next
            self._count(outcome)
        if self.run_cache is not None:
            self.run_cache.committed()
        if pending is not None and self.cache is not None:
            # Kept in the manifest until written: a failure here is replayed by the next run.
            self.cache.put_many(held)
            self.manifest.pending_flushed()

    def _count(self, outcome: JobOutcome) -> None:
        """Add a committed job to the report."""
        key = outcome.job.key
        if outcome.error is not None:
            self.report.failed.append(Failure(key, outcome.error))
            return
        reason = self.reasons.get(key, RedoReason.NEW)
        self.report.translated.append(
            {
                "path": key,
                "reason": reason.value,
                "sentences": outcome.sentences,
                # Which of the --encoding list (or UTF-8 by default) the input was read with.
                "encoding": ",".join(outcome.encodings),
            }
        )
        self.report.sentences += outcome.sentences
        self.report.cached += outcome.cached
        self.report.flagged += outcome.flagged
        self.report.flags.update(outcome.flags)

    def _close(self) -> StoreError | None:
        """Close the stores and the translator; return the first store that failed to close."""
        failed: StoreError | None = None
        for closing in (self.cache, self.manifest, self.stack):
            if closing is not None:
                try:
                    closing.close()
                except StoreError as exc:  # e.g. the cache's last writes: fails the run
                    failed = failed or exc
                except Exception as exc:  # closing must not hide the run's error
                    log.warning("%s", exc)
        return failed

    def _refuse_report_over_an_input(self, names: Sequence[str]) -> None:
        """Raise UsageError when --report names one of the inputs (the -o guard)."""
        from translate.errors import UsageError

        report = self.options.report_path
        if report and os.path.realpath(report) in {os.path.realpath(n) for n in names}:
            self.report_is_input = True
            raise UsageError(f"{report}: --report would overwrite an input; name another file")

    #: Set when --report names an input: the report is then not written there.
    report_is_input = False

    def _write_reports(self) -> None:
        """Write the report into OUT (and to --report), atomically; never raise over the run.

        OUT's report is reached without following links (a planted one is
        replaced); --report, a path the user named, follows links as the
        protected_symlinks rule allows.
        """
        from translate.output import atomic_output, remove_stale

        text = json.dumps(self.report.as_dict(), ensure_ascii=False, indent=2) + "\n"
        targets: list[tuple[Path, str | None]] = [(self.out / REPORT_NAME, str(self.out))]
        if self.options.report_path and not self.report_is_input:
            targets.append((Path(self.options.report_path), None))
        for target, out_folder in targets:
            try:
                remove_stale(target, out_folder)
                with atomic_output(str(target), durable=True, out_folder=out_folder) as stream:
                    stream.write(text)
            except Exception as exc:  # a report problem must not hide the run's
                log.error("%s: cannot write the report (%s)", target, exc)


def run_batch(
    options: BatchOptions,
    config: TranslateConfig,
    run: RunOptions,
    stdin: TextIO | None = None,
    progress: BatchProgress | None = None,
) -> BatchReport:
    """Run a batch (see :class:`Batch`) and return its report; ``progress`` shows it."""
    return Batch(options, config, run, progress).run(stdin)
