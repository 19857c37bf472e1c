"""The Ray engine: a batch's documents through an actor pool of translators, with Ray Data.

One row per document (never one per sentence: a sentence-level plan would
shuffle for nothing and could split a document's batches, so its bytes would
depend on its neighbours).  Each actor of a fixed-size pool holds one
:class:`~translate.pipeline.Translator` and runs, per row, the local engine's
:func:`~translate.jobs.run_one`: read, segment, translate, check, and
write atomically to the job's outputs, which must therefore be on a
filesystem every node shares.  The driver reads each finished row as Ray Data
streams it back and hands its :class:`~translate.jobs.JobOutcome` to
``on_outcome`` in its own process, so the manifest, resume, skip-unchanged and
the report are the local engine's.

Exactly once on an at-least-once engine: an actor that dies is restarted and
its tasks retried (Ray Data's ``max_restarts``/``max_task_retries``); a retried
job rewrites the same bytes through the same atomic rename, and only the
driver records it, once.

The model reaches the workers without a hub: the driver's translator was
resolved, converted and loaded once (only the driver needs transformers and
torch, to convert); its converted files go into Ray's object store.  An actor
finds them in its node-local store (``EL2EN_MODELS_DIR`` or the user cache) or
unpacks them there under the store's lock, loads them, and refuses to run if
its signature differs from the driver's.

The translation cache has one writer, the driver: actors consult none (a hit
would write its LRU time, and the SQLite file would have to be on every node)
and their new translations travel back in each outcome (``JobOutcome.fresh``),
for the driver to commit with the document.

Ray is imported here only: this module is imported when ``--engine ray`` is
chosen, and a missing ``el2en[ray]`` extra becomes one line in
:func:`translate.engines.get_engine_class`.
"""

from __future__ import annotations

import contextlib
import logging
import os
import pickle
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import ray  # the optional extra: el2en[ray]

from translate.errors import (
    BackendError,
    ModelError,
    OutputError,
    TranslateError,
    UsageError,
)
from translate.jobs import JobOutcome

if TYPE_CHECKING:
    from translate.glossary import Glossary
    from translate.jobs import Job, RunOptions, Task
    from translate.modelfiles import ResolvedModel
    from translate.pipeline import MemoryStore, TranslateConfig, Translator
    from translate.types import Translation

log = logging.getLogger("translate")

#: Errors an actor sends back by name, so that the driver raises the same kind
#: (and the CLI exits with the same code) as the local engine would.
_FATAL_KINDS: dict[str, type[TranslateError]] = {
    "OutputError": OutputError,
    "ModelError": ModelError,
    "DamagedModelError": ModelError,
    "BackendError": BackendError,
    "UsageError": UsageError,
}

#: What an actor sends back per document: the outcome (with the model's new
#: translations), or a fatal error's kind and message.
_Row = JobOutcome | tuple[str, str]


@dataclass(frozen=True, slots=True)
class ModelPackage:
    """What an actor needs to load the driver's model without a hub; small and picklable."""

    model_id: str
    revision: str
    quantization: str
    #: The driver's translator signature, which every actor must match.
    signature: str
    #: The driver's config, pinned to what the driver resolved (backend, device, compute).
    config: TranslateConfig
    #: The converted folder's files ({name: bytes}) as one object in Ray's object
    #: store, in a list so that Ray hands the reference over instead of fetching
    #: the bytes for every actor: an actor whose node holds the model never does.
    files: list[Any] = field(default_factory=list)
    #: The driver's translation memory, as a snapshot (``MemorySnapshot``) in the
    #: object store; empty without one.
    memory: list[Any] = field(default_factory=list)
    #: The driver's house glossary, read once there: a node needs no copy of the
    #: files, and every actor enforces the entries the driver signed the documents with.
    glossary: Glossary | None = None


class MemorySnapshot:
    """A translation memory's entries, read once on the driver: what actors consult.

    Its fingerprint is the memory's, so actors sign their outputs as the driver
    does; reviewers' translations reach every node without the SQLite file.
    """

    def __init__(self, entries: dict[str, Translation], fingerprint: str) -> None:
        self.entries = entries
        self._fingerprint = fingerprint

    @classmethod
    def of(cls, memory: MemoryStore) -> MemorySnapshot:
        """Return the snapshot of a memory that lists its entries (a TranslationMemory)."""
        entries = getattr(memory, "entries", None)
        if entries is None:
            raise UsageError("--engine ray needs a translation memory it can read whole")
        sources = [entry.source for entry in entries()]
        return cls(memory.get_many(sources), memory.fingerprint())

    def get_many(self, keys: Sequence[str]) -> dict[str, Translation]:
        """Return the reviewers' translations of those ``keys`` that have one."""
        return {key: self.entries[key] for key in keys if key in self.entries}

    def fingerprint(self) -> str:
        """Return the driver's memory's fingerprint."""
        return self._fingerprint


class RayEngine:
    """Runs jobs on a Ray cluster: joins one, or starts a local one."""

    def __init__(
        self,
        address: str | None = None,
        actors: int | None = 0,
        threads_per_actor: int | None = 0,
        *,
        translator: Translator,
        ray_address: str | None = None,
    ) -> None:
        """``address`` (or ``ray_address``, the CLI's name) is the cluster to join; without
        one, ``$RAY_ADDRESS`` if set, else a local cluster started for the run.
        ``actors`` and ``threads_per_actor``: 0 or None for automatic.  ``translator``:
        the driver's, already loaded: the actors load the same model and must match
        its signature.
        """
        actors, threads_per_actor = actors or 0, threads_per_actor or 0
        if actors < 0 or threads_per_actor < 0:
            raise UsageError("--actors and --threads-per-actor must be 0 (automatic) or more")
        self.address = address or ray_address
        self.actors = actors
        self.threads_per_actor = threads_per_actor
        self.translator = translator
        #: Seconds from run() to the first outcome, less that document's own time:
        #: the fixed cost of the cluster, the model and the actors.
        self.startup_seconds = 0.0

    def run(
        self,
        tasks: Iterable[Task],
        options: RunOptions,
        on_outcome: Callable[[JobOutcome], None],
    ) -> None:
        """Run every task on the actor pool; call ``on_outcome`` per job as each finishes.

        The actors read the inputs on their nodes: what the driver read to decide
        is freed here.
        """
        jobs: list[Job] = []
        for task in tasks:
            task.close()
            jobs.append(task.job)
        if not jobs:
            return
        started = time.perf_counter()
        translator = self.translator
        threads = self.threads_per_actor or translator.config.decode.threads or 1
        package, folder = package_model(translator, threads)
        ray_logger = logging.getLogger("ray")
        ray_level = ray_logger.level
        if not log.isEnabledFor(logging.WARNING):  # -q: Ray's notices too
            ray_logger.setLevel(logging.ERROR)
        started_here = self._connect(threads)
        try:
            memory = translator.memory
            package = replace(
                package,
                files=[ray.put(_read_folder(folder))],
                memory=[ray.put(MemorySnapshot.of(memory))] if memory is not None else [],
            )
            log.debug("ray: cluster and model ready in %.1f s", time.perf_counter() - started)
            cpus = int(ray.cluster_resources().get("CPU", 1))  # type: ignore[no-untyped-call]
            actors = min(self.actors or max(1, cpus // threads), len(jobs))
            if actors * threads > cpus:
                log.warning(
                    "ray: %d actor(s) x %d thread(s) need %d CPUs; the cluster has %d now, "
                    "so some actors wait for nodes to join",
                    actors,
                    threads,
                    actors * threads,
                    cpus,
                )
            log.info("ray: %d document(s), %d actor(s) x %d thread(s)", len(jobs), actors, threads)
            reported: set[Job] = set()
            for outcome in _stream(jobs, package, options, actors, threads):
                if not reported:
                    self.startup_seconds = time.perf_counter() - started - outcome.seconds
                    log.debug("ray: first document back; start-up %.1f s", self.startup_seconds)
                if outcome.job in reported:  # a task run twice: its bytes are the same
                    log.debug("%s: reported again by Ray; ignored", outcome.job.key)
                    continue
                reported.add(outcome.job)
                on_outcome(outcome)  # its new translations travel in it, to the driver
            if len(reported) != len(set(jobs)):
                raise BackendError(
                    f"Ray returned {len(reported)} of {len(set(jobs))} documents; run again "
                    "to finish the others"
                )
        finally:
            if started_here:
                ray.shutdown()
            ray_logger.setLevel(ray_level)

    def _connect(self, threads: int) -> bool:
        """Join the cluster or start a local one; return True if started here."""
        if ray.is_initialized():
            return False
        kwargs: dict[str, Any] = {
            "include_dashboard": False,
            "logging_level": logging.WARNING,
            "configure_logging": False,
        }
        address = self.address or os.environ.get("RAY_ADDRESS")
        if address:
            kwargs["address"] = address
        else:
            kwargs["address"] = "local"
            kwargs["num_cpus"] = max(os.cpu_count() or 1, self.actors * threads, threads)
        with _own_signal_handlers():
            try:
                ray.init(**kwargs)
            except (ConnectionError, RuntimeError, ValueError) as exc:
                where = address or "a local cluster"
                raise BackendError(f"cannot start or join Ray at {where}: {exc}") from exc
        return True


@contextlib.contextmanager
def _own_signal_handlers() -> Iterator[None]:
    """Keep this process's handlers of SIGINT, SIGTERM and SIGHUP across ``ray.init``.

    Ray's core worker installs its own, which abort the driver (exit 134); the
    batch driver's turn a signal into a clean stop at a document boundary
    (exit 128 + N) and shut the local cluster down on the way out.
    """
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    names = ("SIGINT", "SIGTERM", "SIGHUP")
    numbers = [getattr(signal, name) for name in names if hasattr(signal, name)]
    saved = {number: signal.getsignal(number) for number in numbers}
    try:
        yield
    finally:
        for number, handler in saved.items():
            if handler is not None:
                signal.signal(number, handler)


def _stream(
    jobs: Sequence[Job],
    package: ModelPackage,
    options: RunOptions,
    actors: int,
    threads: int,
) -> Iterator[JobOutcome]:
    """Yield each job's outcome (with the model's new translations) as the pool finishes it."""
    with _quiet_ray_data():
        yield from _stream_quietly(jobs, package, options, actors, threads)


def _stream_quietly(
    jobs: Sequence[Job],
    package: ModelPackage,
    options: RunOptions,
    actors: int,
    threads: int,
) -> Iterator[JobOutcome]:
    from ray.data import ActorPoolStrategy, DataContext

    context = DataContext.get_current()
    context.enable_progress_bars = False
    context.print_on_execution_start = False
    rows = [{"job": pickle.dumps(job)} for job in jobs]
    # One block per document: each is its own task, retried on its own.
    dataset = ray.data.from_items(rows, override_num_blocks=len(rows))
    translated = dataset.map_batches(
        TranslatorActor,
        batch_size=1,
        batch_format="numpy",
        # Documents in flight (translate.inflight): each actor translates a few
        # documents at once, on threads, each in its own batches (the same bytes).
        compute=ActorPoolStrategy(
            size=actors,
            max_tasks_in_flight_per_actor=_documents_per_actor(threads),
            max_concurrent_calls_per_actor=_documents_per_actor(threads),
            enable_true_multi_threading=True,
        ),
        num_cpus=threads,
        fn_constructor_kwargs={"package": package, "options": options},
        # Ray Data's actor pools default to max_restarts=-1 and max_task_retries=-1:
        # a dead actor is restarted and its task retried (the retry rewrites the
        # same bytes); tests/test_ray_engine.py kills one to hold Ray to it.
    )
    for row in translated.iter_rows():
        result: _Row = pickle.loads(row["outcome"])
        if isinstance(result, JobOutcome):
            yield result
        else:
            kind, message = result
            raise _FATAL_KINDS.get(str(kind), TranslateError)(str(message))


def _documents_per_actor(threads: int) -> int:
    """Return how many documents an actor translates at once: one more than its decoding threads.

    As the local engine (translate.inflight.documents_in_flight): an actor has no cache, so
    each document is simply its own translate call on one of the actor's threads.
    """
    from translate.inflight import MAX_DOCUMENTS

    return max(1, min(MAX_DOCUMENTS, threads + 1))


@contextlib.contextmanager
def _quiet_ray_data() -> Iterator[None]:
    """Keep Ray Data's per-dataset chatter off stderr unless el2en logs at debug level.

    Ray Data configures its logger again as it runs a dataset, from
    ``RAY_DATA_LOG_LEVEL``: setting the logger's level alone would not last.
    """
    if "RAY_DATA_LOG_LEVEL" in os.environ:  # the user's choice
        yield
        return
    level = "DEBUG" if log.isEnabledFor(logging.DEBUG) else "ERROR"
    ray_data = logging.getLogger("ray.data")
    previous = ray_data.level
    os.environ["RAY_DATA_LOG_LEVEL"] = level
    ray_data.setLevel(level)
    try:
        yield
    finally:
        del os.environ["RAY_DATA_LOG_LEVEL"]
        ray_data.setLevel(previous)


class TranslatorActor:
    """One translator per actor, called once per document (a batch of one row)."""

    def __init__(self, package: ModelPackage, options: RunOptions) -> None:
        self.options = options
        self.translator: Translator | None = None
        #: A failure to load, reported on every call as an error of the run (raising
        #: here would have Ray restart the actor again and again).
        self.failure: tuple[str, str] | None = None
        try:
            self.translator = load_translator(package)
        except TranslateError as exc:
            self.failure = (type(exc).__name__, str(exc))

    def __call__(self, batch: dict[str, Any]) -> dict[str, list[bytes]]:
        """Run the batch's job (one) and return its pickled outcome."""
        return {"outcome": [pickle.dumps(self._run(pickle.loads(raw))) for raw in batch["job"]]}

    def _run(self, job: Job) -> _Row:
        from translate.jobs import Task, run_one

        if self.translator is None:
            assert self.failure is not None
            return self.failure
        try:
            return run_one(Task(job), self.translator, self.options)
        except TranslateError as exc:  # an output error stops the run, as it does locally
            return (type(exc).__name__, str(exc))


# -- the model, from the driver to the actors ---------------------------------------------


def package_model(translator: Translator, threads: int) -> tuple[ModelPackage, Path]:
    """Return what actors need to load the driver's model, and its converted folder.

    The driver's translator gives the signature every actor must match, and
    its backend's resolved device and compute type, which actors are pinned to.
    """
    from translate.backends.ct2 import CTranslate2Backend

    config = translator.config
    backend = translator.backend
    if config.backend == "transformers" or not isinstance(backend, CTranslate2Backend):
        raise UsageError(
            "--engine ray runs the ctranslate2 backend (its workers need no torch); "
            "drop --backend transformers"
        )
    # Threads inside one batch are in the signature (they can change sums); the
    # actors keep the driver's and run threads // intra batches at once.
    intra = backend.threads.intra
    if threads % intra:
        raise UsageError(
            f"--threads-per-actor {threads}: must be a multiple of the {intra} threads "
            "each batch is decoded with (--threads / --inter-threads)"
        )
    pinned = replace(
        config,
        backend="ctranslate2",
        decode=replace(
            config.decode,
            device=backend.device,
            compute_type=backend.compute_type,
            threads=threads,
            inter_threads=threads // intra,
        ),
    )
    package = ModelPackage(
        model_id=translator.model.model_id,
        revision=translator.model.revision,
        quantization=backend.path.name,
        signature=str(translator.signature),
        config=pinned,
        glossary=translator.terms.glossary if translator.terms is not None else None,
    )
    return package, backend.path


def _read_folder(folder: Path) -> dict[str, bytes]:
    """Return the converted model's files, name -> bytes."""
    return {f.name: f.read_bytes() for f in sorted(folder.iterdir()) if f.is_file()}


def load_translator(package: ModelPackage) -> Translator:
    """Return a translator on this node's copy of the driver's model; refuse a mismatch."""
    from translate.pipeline import Translator

    model = install_model(package)
    memory = ray.get(package.memory[0]) if package.memory else None
    translator = Translator(package.config, model, memory=memory, glossary=package.glossary)
    if str(translator.signature) != package.signature:
        raise ModelError(
            f"a Ray worker on {os.uname().nodename} translates as {translator.signature}, "
            f"the driver as {package.signature}; install the same el2en and ctranslate2 "
            "on every node"
        )
    return translator


def install_model(package: ModelPackage) -> ResolvedModel:
    """Return the driver's model in this node's store, unpacking it there if absent.

    It is written beside its place under the store's lock and renamed into
    place, as a conversion is, so that the actors of a node unpack it once and
    none reads half a model.
    """
    from translate import convert
    from translate.modelfiles import ResolvedModel

    stub = ResolvedModel(package.model_id, package.revision, Path("."))
    path = convert.converted_path(stub, package.quantization)
    if not convert.is_complete(path):
        with convert.store_lock(path):
            if not convert.is_complete(path):
                _unpack(ray.get(package.files[0]), path)
    # A converted folder carries the tokenizer files: it is all a worker needs.
    return ResolvedModel(package.model_id, package.revision, path)


def _unpack(files: dict[str, bytes], path: Path) -> None:
    """Write ``files`` into a folder staged beside ``path`` and rename it into place.

    An incomplete leftover at ``path`` is replaced (the caller holds the store's lock).
    """
    from translate.output import staged_folder

    try:
        with staged_folder(path) as folder:
            folder.mkdir()
            for name, data in files.items():
                (folder / name).write_bytes(data)
    except OSError as exc:
        raise OutputError(
            f"cannot unpack the model into this node's store {path.parent} "
            f"({exc.strerror or exc}); set EL2EN_MODELS_DIR to a writable folder"
        ) from exc
    log.info("unpacked the model into %s", path)
