"""The local engine: the driver's Translator, in this process, the jobs one after another.

Each job is :func:`translate.jobs.run_one`, the per-document job every engine
runs.  A bad input is an outcome with an error, not an exception: one bad
file never stops the rest.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from translate.errors import UsageError
from translate.jobs import run_one

if TYPE_CHECKING:
    from translate.jobs import JobOutcome, RunOptions, Task
    from translate.pipeline import Translator


class LocalEngine:
    """Runs every job in this process with the driver's Translator, in the order given.

    Ray's options are refused with a usage error.
    """

    def __init__(self, *, translator: Translator, **options: object) -> None:
        given = [name for name, value in options.items() if value is not None]
        if given:
            flags = ", ".join("--" + name.replace("_", "-") for name in given)
            raise UsageError(f"{flags}: only for --engine ray")
        self.translator = translator

    def run(
        self,
        tasks: Iterable[Task],
        options: RunOptions,
        on_outcome: Callable[[JobOutcome], None],
    ) -> None:
        """Run the tasks one after another; report each outcome as soon as it is known."""
        for task in tasks:
            on_outcome(run_one(task, self.translator, options))
