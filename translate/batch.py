"""``el2en batch``: translate a folder into a folder, unattended, resumable, idempotent.

The driver is the same whatever engine runs the jobs (:mod:`translate.engines`):

1. take the output folder's lock (``OUT/.el2en.lock``; another run holding it
   is a :class:`~translate.errors.LockedError`, exit 4);
2. find the inputs (a folder searched recursively with a glob, or a list of
   paths), mirroring their tree into the output folder;
3. load the model (for the signature) and decide per input: skip it when its
   bytes, the signature and the settings are those the manifest recorded and
   every output is still there with the recorded sha256; else say why it is
   redone (new, changed, signature, settings, outputs missing or changed,
   failed before, forced);
4. hand the jobs to the engine; as each outcome comes back, commit it to the
   manifest (:mod:`translate.manifest`) with the cache entries its document
   added, then write those to the cross-run cache;
5. write the report (JSON) into the output folder, and wherever asked.

A bad input is recorded and skipped, never fatal.  Nothing here prints or
exits: the CLI (:mod:`translate.cli.batch_cmd`) does.
"""

from __future__ import annotations

import contextlib
import fnmatch
import json
import logging
import os
import sys
import time
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field, is_dataclass, replace
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from translate import __version__
from translate.errors import LockedError, OutputError, UsageError
from translate.manifest import DONE, FAILED, MANIFEST_NAME, Entry, Manifest, PendingCache

if TYPE_CHECKING:
    from translate.engines import JobOutcome
    from translate.jobs import Job, RunOptions
    from translate.pipeline import TranslateConfig
    from translate.store import TranslationCache
    from translate.types import Translation

log = logging.getLogger("translate")

LOCK_NAME = ".el2en.lock"
CACHE_NAME = ".el2en-cache.sqlite"
REPORT_NAME = "el2en-report.json"
LIST_STDIN = "-"
#: Finished documents are committed together at most this often (one fsync per
#: commit): a SIGKILL costs at most this much work, which the next run redoes.
COMMIT_SECONDS = 1.0

#: Why an input is translated again (the report and -v say which).
NEW = "new"
CHANGED = "changed"
SIGNATURE = "signature changed"
SETTINGS = "settings changed"
OUTPUTS = "outputs missing or changed"
RETRY = "failed before"
FORCED = "forced"


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
    cache_size: int | None = None
    #: Another place for the report, beside OUT/el2en-report.json.
    report_path: str | None = None
    #: With a list of inputs: the folder their tree is mirrored from.
    root: str | None = None
    #: The translation memory consulted before the model (its state is in the signature).
    memory: Path | None = None
    engine: str = "local"
    #: The engine's own options (Ray's address, actors...), passed to its class.
    engine_options: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Failure:
    """An input that could not be translated, and why."""

    path: str
    reason: str


@dataclass(slots=True)
class BatchReport:
    """What a batch run did: the morning's reading, as JSON."""

    src: str
    out: str
    engine: str
    started: str = ""
    ended: str = ""
    #: running, completed, interrupted (SIGTERM...) or failed (the run itself).
    status: str = "running"
    error: str | None = None
    signature: str = ""
    seen: int = 0
    translated: list[dict[str, object]] = field(default_factory=list)
    skipped: int = 0
    failed: list[Failure] = field(default_factory=list)
    sentences: int = 0
    cached: int = 0
    flagged: int = 0
    flags: Counter[str] = field(default_factory=Counter)
    wall_seconds: float = 0.0
    cache: str | None = None

    def as_dict(self) -> dict[str, object]:
        """Return the report as the JSON document written to disk."""
        rate = self.sentences / self.wall_seconds if self.wall_seconds > 0 else 0.0
        return {
            "el2en": __version__,
            "status": self.status,
            "error": self.error,
            "started": self.started,
            "ended": self.ended,
            "wall_seconds": round(self.wall_seconds, 3),
            "src": self.src,
            "out": self.out,
            "engine": self.engine,
            "signature": self.signature,
            "files": {
                "seen": self.seen,
                "translated": len(self.translated),
                "skipped": self.skipped,
                "failed": len(self.failed),
            },
            "failures": [{"path": f.path, "reason": f.reason} for f in self.failed],
            "translated": self.translated,
            "sentences": self.sentences,
            "sentences_per_second": round(rate, 2),
            "cache": {"path": self.cache, "hits": self.cached},
            "to_review": self.flagged,
            "flags": dict(sorted(self.flags.items())),
        }

    def summary(self) -> str:
        """Return the one line for stderr."""
        rate = self.sentences / self.wall_seconds if self.wall_seconds > 0 else 0.0
        line = (
            f"el2en batch {self.status}: {self.seen} seen, {len(self.translated)} translated, "
            f"{self.skipped} skipped, {len(self.failed)} failed; {self.sentences} sentences "
            f"({self.cached} from cache, {self.flagged} to review), {rate:.1f} sentences/s, "
            f"{self.wall_seconds:.1f} s"
        )
        if self.failed:
            first = self.failed[0]
            more = f" (+{len(self.failed) - 1} more)" if len(self.failed) > 1 else ""
            line += f"; failed: {first.path}: {first.reason}{more}"
        return line


# -- finding the inputs ------------------------------------------------------


@dataclass(slots=True)
class Inputs:
    """The inputs found: paths to translate, the folder they mirror, and refusals."""

    names: list[str]
    root: Path
    failures: list[Failure]


def find_inputs(
    src: str, pattern: str, out: Path, root: str | None = None, stdin: Any = None
) -> Inputs:
    """Return the inputs ``src`` names: a folder searched recursively, or a list file."""
    if src == LIST_STDIN:
        lines = (stdin or sys.stdin).read().splitlines()
        return _listed(lines, root)
    path = Path(src)
    if path.is_dir():
        if os.path.realpath(path) == os.path.realpath(out):
            raise UsageError(f"{out}: the output folder cannot be the source folder")
        if root is not None:
            raise UsageError("--root is for a list of inputs; a folder is its own root")
        return _walk(path, pattern, out)
    if not path.exists():
        raise UsageError(f"{src}: no such folder or list file")
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"{src}: cannot read the list of inputs ({exc})") from None
    return _listed(lines, root)


def _matches(relative: PurePosixPath, pattern: str) -> bool:
    """Return True when a file's path (relative to SRC) matches the --glob pattern.

    A pattern without '/' matches the name (``*.txt``); with '/' the end of the
    path (``2026/*/*.txt``).
    """
    if "/" in pattern:
        return relative.match(pattern)
    return fnmatch.fnmatchcase(relative.name, pattern)


def _walk(src: Path, pattern: str, out: Path) -> Inputs:
    """Return the files under ``src`` matching ``pattern``, sorted; hidden ones left out."""
    real_src = os.path.realpath(src)
    real_out = os.path.realpath(out)
    names: list[str] = []
    failures: list[Failure] = []
    for folder, dirnames, filenames in os.walk(src, followlinks=False):
        # Hidden folders and the output folder (when inside SRC) are not inputs.
        dirnames[:] = sorted(
            d
            for d in dirnames
            if not d.startswith(".") and os.path.realpath(os.path.join(folder, d)) != real_out
        )
        for d in dirnames:
            if os.path.islink(os.path.join(folder, d)):
                log.info("%s: a symlinked folder, not followed", os.path.join(folder, d))
        for name in sorted(filenames):
            if name.startswith("."):
                continue
            full = Path(folder) / name
            relative = PurePosixPath(full.relative_to(src).as_posix())
            if not _matches(relative, pattern):
                continue
            problem = _link_problem(full, real_src)
            if problem:
                failures.append(Failure(str(relative), problem))
            else:
                names.append(str(full))
    return Inputs(names, src, failures)


def _link_problem(path: Path, real_src: str) -> str | None:
    """Return why a symlinked input is refused (dangling, or leading out of SRC), else None."""
    if not path.is_symlink():
        return None
    real = os.path.realpath(path)
    if not os.path.exists(real):
        return "dangling symlink (its target does not exist)"
    if os.path.commonpath([real_src, real]) != real_src:
        return f"symlink leads out of the source folder (to {real}); refused"
    return None


def _listed(lines: Sequence[str], root: str | None) -> Inputs:
    """Return the inputs a list names (one path a line; blank and '#' lines ignored)."""
    stripped = (line.strip() for line in lines)
    paths = list(dict.fromkeys(os.path.abspath(p) for p in stripped if p and not p.startswith("#")))
    if not paths:
        return Inputs([], Path(root or "."), [])
    if root:
        base = Path(os.path.abspath(root))
    else:
        base = Path(os.path.commonpath([os.path.dirname(p) for p in paths]))
    names: list[str] = []
    failures: list[Failure] = []
    for path in paths:
        if os.path.commonpath([str(base), path]) != str(base):
            failures.append(Failure(path, f"outside --root {base}"))
        else:
            names.append(path)
    return Inputs(names, base, failures)


# -- the cache as the driver uses it ---------------------------------------


class RunCache:
    """The cross-run cache, with new entries held back until their document is committed.

    Reads go to the file and to the entries held; writes are held in memory,
    handed to the driver with the document's outcome (:meth:`take`) and
    written to the file only after the manifest commit that records the
    document.  A document cut short by a kill or a signal never leaves its
    translations in the cache, so a resumed run starts from the cache an
    uninterrupted run would have had, and writes the same bytes.
    """

    def __init__(self, cache: TranslationCache) -> None:
        self.cache = cache
        #: The running document's new entries.
        self.held: dict[str, Translation] = {}
        #: Entries of finished documents that wait for the manifest commit.
        self.finished: dict[str, Translation] = {}

    def get_many(self, keys: Sequence[str]) -> dict[str, Translation]:
        """Return the cached translations of those ``keys`` that have one."""
        found: dict[str, Translation] = {}
        for key in keys:
            known = self.held.get(key) or self.finished.get(key)
            if known is not None:  # decoded in this run: reused, not "cached"
                found[key] = replace(known, origin="reused")
        rest = [key for key in keys if key not in found]
        if rest:
            found.update(self.cache.get_many(rest))
        return found

    def put_many(self, items: Mapping[str, Translation]) -> None:
        """Hold the model's new translations until the document is committed."""
        self.held.update({key: t for key, t in items.items() if t.origin is None})

    def take(self, keep: bool = True) -> dict[str, Translation]:
        """Return the running document's entries (kept visible until committed, or dropped)."""
        held, self.held = self.held, {}
        if keep:
            self.finished.update(held)
            return held
        return {}

    def committed(self) -> None:
        """Forget the finished documents' entries: they are in the cache file now."""
        self.finished = {}


# -- deciding what to do ---------------------------------------------------


def settings_of(options: RunOptions) -> str:
    """Return the settings beside the signature that change the bytes written, as a string."""

    def plain(value: object) -> object:
        if isinstance(value, frozenset | set):
            return sorted(str(v) for v in value)
        return value

    qa: object = None
    if options.qa is not None and is_dataclass(options.qa) and not isinstance(options.qa, type):
        qa = {k: plain(v) for k, v in sorted(asdict(options.qa).items())}
    return json.dumps(
        {"formats": list(options.formats), "encoding": options.encoding, "qa": qa},
        sort_keys=True,
        default=str,
    )


def redo_reason(
    job: Job,
    entry: Entry | None,
    out: Path,
    signature: str,
    settings: str,
    force: bool,
) -> str | None:
    """Return why ``job`` must run again, or None when its recorded outputs still stand."""
    from translate.engines.local import file_sha256

    if force:
        return FORCED
    if entry is None:
        return NEW
    if entry.status != DONE:
        return RETRY
    try:
        digest = file_sha256(job.inputs[0])
    except OSError:
        return CHANGED  # the engine reads it again and reports why it cannot
    if digest != entry.input_sha256:
        return CHANGED
    if entry.signature != signature:
        return SIGNATURE
    if entry.settings != settings:
        return SETTINGS
    targets = {Path(t).relative_to(out).as_posix() for t in job.targets}
    if set(entry.outputs) != targets:
        return SETTINGS
    for relative, recorded in entry.outputs.items():
        try:
            if file_sha256(str(out / relative)) != recorded:
                return OUTPUTS
        except OSError:
            return OUTPUTS
    return None


# -- the run -----------------------------------------------------------------


@contextlib.contextmanager
def locked(out: Path) -> Iterator[None]:
    """Hold the output folder's lock, or raise LockedError at once."""
    from filelock import FileLock, Timeout

    lock = FileLock(str(out / LOCK_NAME), timeout=0)
    try:
        lock.acquire()
    except Timeout:
        raise LockedError(
            f"{out}: another el2en batch run holds {out / LOCK_NAME}; this run did nothing"
        ) from None
    except OSError as exc:
        raise OutputError(f"{out / LOCK_NAME}: cannot take the lock ({exc.strerror})") from None
    try:
        yield
    finally:
        lock.release()


def utc_now() -> str:
    """Return the time now, ISO 8601 UTC to the second."""
    from translate.store import utc_now as now

    return now()


class Batch:
    """One batch run: the driver that commits what the engine does."""

    def __init__(self, options: BatchOptions, config: TranslateConfig, run: RunOptions) -> None:
        self.options = options
        self.config = config
        self.run_options = run
        self.out = Path(options.out)
        self.report = BatchReport(src=options.src, out=options.out, engine=options.engine)
        self.manifest: Manifest | None = None
        self.cache: TranslationCache | None = None
        self.run_cache: RunCache | None = None
        self.signature = ""
        self.settings = settings_of(run)
        #: Finished jobs not yet in the manifest: outcome, entry, the cache entries it added.
        self.uncommitted: list[tuple[JobOutcome, Entry, dict[str, Translation]]] = []
        self.last_commit = time.perf_counter()
        self.reasons: dict[str, str] = {}
        #: The translator and its translation memory, closed with the run.
        self.stack = contextlib.ExitStack()

    def run(self, stdin: Any = None) -> BatchReport:
        """Run the batch and return its report (also written to disk, whatever happens)."""
        from translate.output import ensure_folder

        started = time.perf_counter()
        self.report.started = utc_now()
        ensure_folder(self.out)
        with locked(self.out):
            try:
                self._run(stdin)
                self.report.status = "completed"
            except BaseException as exc:
                from translate.errors import Interrupted

                interrupted = isinstance(exc, Interrupted | KeyboardInterrupt)
                self.report.status = "interrupted" if interrupted else "failed"
                self.report.error = str(exc) or type(exc).__name__
                raise
            finally:
                try:
                    self._commit()  # what finished before a signal or an error counts
                except Exception as exc:
                    log.error(
                        "finished documents not committed (the next run redoes them): %s", exc
                    )
                self._close()
                self.report.ended = utc_now()
                self.report.wall_seconds = time.perf_counter() - started
                self._write_reports()
        return self.report

    def _run(self, stdin: Any) -> None:
        from translate.jobs import plan_jobs

        options = self.options
        found = find_inputs(options.src, options.glob, self.out, options.root, stdin)
        self.report.failed.extend(found.failures)
        self.report.seen = len(found.names) + len(found.failures)
        for failure in found.failures:
            log.warning("%s: %s", failure.path, failure.reason)
        jobs = (
            plan_jobs(found.names, str(self.out) + os.sep, options.formats, root=found.root)
            if found.names
            else []
        )
        self.manifest = Manifest(self.out / MANIFEST_NAME)
        if not jobs:
            log.warning("%s: no input matches %s", options.src, options.glob)
            return
        translator = self._load()
        todo = self._decide(jobs)
        if not todo:
            return
        from translate.engines import get_engine_class

        engine = get_engine_class(options.engine)(
            translator=translator, cache=self.run_cache, **options.engine_options
        )
        engine.run(todo, self.config, self.run_options, self._on_outcome)

    def _load(self) -> Any:
        """Load the model (with the translation memory), open the cache, replay a kill's."""
        from translate.jobs import open_translator

        translator = self.stack.enter_context(
            open_translator(self.config, memory=self.options.memory)
        )
        if self.options.use_cache:
            from translate.store import DEFAULT_CACHE_ENTRIES, TranslationCache

            path = Path(self.options.cache_path or self.out / CACHE_NAME)
            size = self.options.cache_size or DEFAULT_CACHE_ENTRIES
            self.cache = TranslationCache(path.resolve(), translator.signature, size)
            self.run_cache = RunCache(self.cache)
            translator.cache = self.run_cache
            self.report.cache = str(path)
        self.signature = str(translator.signature)
        self.report.signature = self.signature
        log.info("signature: %s", self.signature)
        self._replay_pending()
        return translator

    def _replay_pending(self) -> None:
        """Write to the cache the entries of documents committed just before a kill."""
        from translate.signature import Signature
        from translate.store import StoreError, TranslationCache

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

    def _decide(self, jobs: list[Job]) -> list[Job]:
        """Return the jobs to run; count and log the others as skipped."""
        from translate.jobs import prepare_outputs

        assert self.manifest is not None
        todo: list[Job] = []
        for job in jobs:
            entry = self.manifest.get(job.key)
            reason = redo_reason(
                job, entry, self.out, self.signature, self.settings, self.options.force
            )
            if reason is None:
                prepare_outputs(job)  # a killed run's temporaries, if any
                self.report.skipped += 1
                log.info("%s: skipped (unchanged)", job.key)
            else:
                self.reasons[job.key] = reason
                todo.append(job)
        return todo

    def _on_outcome(self, outcome: JobOutcome) -> None:
        """Take one finished job; commit the finished ones when the last commit is old enough."""
        job = outcome.job
        ok = outcome.error is None
        held = self.run_cache.take(keep=ok) if self.run_cache is not None else {}
        self.uncommitted.append((outcome, self._entry(outcome), held))
        if ok:
            log.info(
                "%s: translated (%s): %d sentences, %d from cache, %d to review, %.1f s",
                job.key,
                self.reasons.get(job.key, NEW),
                outcome.sentences,
                outcome.cached,
                outcome.flagged,
                outcome.seconds,
            )
        else:
            log.warning("%s: %s; skipped", job.key, outcome.error)
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
            self.signature,
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
        for _, _, items in done:
            held.update(items)
        pending = None
        if held and self.cache is not None:
            pending = PendingCache(str(self.cache.path), self.signature, held)
        self.manifest.commit([entry for _, entry, _ in done], pending)
        if self.run_cache is not None:
            self.run_cache.committed()
        if pending is not None and self.cache is not None:
            self.cache.put_many(held)
            self.manifest.pending_flushed()
        for outcome, _, _ in done:
            self._count(outcome)

    def _count(self, outcome: JobOutcome) -> None:
        """Add a committed job to the report."""
        key = outcome.job.key
        if outcome.error is not None:
            self.report.failed.append(Failure(key, outcome.error))
            return
        reason = self.reasons.get(key, NEW)
        self.report.translated.append(
            {"path": key, "reason": reason, "sentences": outcome.sentences}
        )
        self.report.sentences += outcome.sentences
        self.report.cached += outcome.cached
        self.report.flagged += outcome.flagged
        self.report.flags.update(outcome.flags)

    def _close(self) -> None:
        for closing in (self.cache, self.manifest, self.stack):
            if closing is not None:
                try:
                    closing.close()
                except Exception as exc:  # closing must not hide the run's error
                    log.warning("%s", exc)

    def _write_reports(self) -> None:
        """Write the report into OUT (and to --report), atomically; never raise over the run."""
        from translate.output import atomic_output, remove_stale

        text = json.dumps(self.report.as_dict(), ensure_ascii=False, indent=2) + "\n"
        targets = [self.out / REPORT_NAME]
        if self.options.report_path:
            targets.append(Path(self.options.report_path))
        for target in targets:
            try:
                remove_stale(target)
                with atomic_output(str(target), durable=True) as stream:
                    stream.write(text)
            except Exception as exc:  # a report problem must not hide the run's
                log.error("%s: cannot write the report (%s)", target, exc)


def run_batch(
    options: BatchOptions, config: TranslateConfig, run: RunOptions, stdin: Any = None
) -> BatchReport:
    """Run a batch (see :class:`Batch`) and return its report."""
    return Batch(options, config, run).run(stdin)
