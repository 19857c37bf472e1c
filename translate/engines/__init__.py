"""Engines run a batch's jobs: locally in this process, or on a Ray cluster.

An engine is looked up by name in :data:`ENGINES` and imported only when
chosen (Ray is an optional extra).  Every engine runs the same per-document
job (:func:`translate.jobs.run_job`: read, segment, translate, check, write
atomically) and hands each finished job's :class:`JobOutcome` back to the
driver through ``on_outcome``, in the driver's process: the driver alone
commits outcomes to the manifest and writes the translation cache, so resume,
skip-unchanged and the report are the same whatever the engine.
"""

from __future__ import annotations

import importlib
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from translate.errors import BackendError

if TYPE_CHECKING:
    from translate.jobs import Job, RunOptions
    from translate.pipeline import TranslateConfig

#: Engine name -> "module:class".  The class takes the engine's own options.
ENGINES: dict[str, str] = {
    "local": "translate.engines.local:LocalEngine",
    "ray": "translate.engines.ray:RayEngine",
}


@dataclass(slots=True)
class JobOutcome:
    """What became of one job, small and picklable (it may cross process boundaries)."""

    job: Job
    #: None when the job succeeded; else one line saying why it failed.
    error: str | None = None
    #: sha256 and size of each input's bytes, as read.
    input_sha256: tuple[str, ...] = ()
    input_bytes: int = 0
    #: sha256 of each output file written, by path.
    outputs: dict[str, str] = field(default_factory=dict)
    sentences: int = 0
    flagged: int = 0
    cached: int = 0
    flags: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0


class Engine(Protocol):
    """Runs jobs and reports each outcome to the driver as soon as it is known."""

    def run(
        self,
        jobs: Sequence[Job],
        config: TranslateConfig,
        options: RunOptions,
        on_outcome: Callable[[JobOutcome], None],
    ) -> None:
        """Run every job; call ``on_outcome`` once per job, in the driver's process."""
        ...


def get_engine_class(name: str) -> type:
    """Return the engine class called ``name``, importing its module only now."""
    try:
        target = ENGINES[name]
    except KeyError:
        raise BackendError(
            f"unknown engine {name!r}; choose one of: {', '.join(ENGINES)}"
        ) from None
    module_name, _, class_name = target.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise BackendError(
            f"engine {name!r} needs {exc.name}, which is not installed: pip install 'el2en[{name}]'"
        ) from exc
    engine_class: type = getattr(module, class_name)
    return engine_class
