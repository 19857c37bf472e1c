"""Engines run a batch's jobs: locally in this process, or on a Ray cluster.

An engine is looked up by name in :data:`ENGINES` and imported only when
chosen (Ray is an optional extra).  Every engine runs the same per-document
job (:func:`translate.jobs.run_one`: read, segment, translate, check, write
atomically) and hands each finished job's :class:`~translate.jobs.JobOutcome` back to the
driver through ``on_outcome``, in the driver's process: the driver alone
commits outcomes to the manifest and writes the translation cache, so resume,
skip-unchanged and the report are the same whatever the engine.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Protocol

from translate.errors import BackendError

if TYPE_CHECKING:
    from translate.jobs import JobOutcome, RunOptions, Task

#: Engine name -> "module:class".  The class takes the engine's own options.
ENGINES: dict[str, str] = {
    "local": "translate.engines.local:LocalEngine",
    "ray": "translate.engines.ray:RayEngine",
}


class Engine(Protocol):
    """Runs jobs and reports each outcome to the driver as soon as it is known.

    An engine class is built with the driver's loaded Translator (the driver
    needs it for the signature anyway, and an engine never loads a second one)
    and the engine's own options; it refuses options meant for another engine.
    """

    def run(
        self,
        tasks: Iterable[Task],
        options: RunOptions,
        on_outcome: Callable[[JobOutcome], None],
    ) -> None:
        """Run every task; call ``on_outcome`` once per task, in the driver's process.

        ``tasks`` may be a generator that decides as it goes (the batch
        driver's): an engine consumes it once, in order.
        """
        ...


def get_engine_class(name: str) -> Callable[..., Engine]:
    """Return the engine class called ``name``, importing its module only now.

    Called with ``translator=`` (the driver's, loaded) and the engine's own options.
    """
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
    engine_class: Callable[..., Engine] = getattr(module, class_name)
    return engine_class
