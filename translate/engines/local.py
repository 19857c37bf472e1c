"""The local engine: the driver's Translator, in this process, several documents at once.

Each job is :func:`translate.jobs.run_one`, the per-document job every engine
runs.  A bad input is an outcome with an error, not an exception: one bad
file never stops the rest.

With CTranslate2, up to :func:`translate.inflight.documents_in_flight`
documents are translated at once, each on its own thread and in its own
batches (:mod:`translate.inflight`), so a short article no longer leaves the
decoding threads idle; outcomes still reach the driver one by one, in the
tasks' order, on the driver's thread.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING

from translate.errors import UsageError
from translate.jobs import run_one

if TYPE_CHECKING:
    from translate.jobs import JobOutcome, RunOptions, Task
    from translate.pipeline import Translator
    from translate.types import Translation


class LocalEngine:
    """Runs every job in this process with the driver's Translator, reporting in the given order.

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
        """Run the tasks, several at once where the backend gains from it; report each
        outcome, in the tasks' order, as soon as it and those before it are known."""
        from translate.inflight import documents_in_flight, on_driver, run_in_flight

        translator = self.translator
        limit = documents_in_flight(translator)
        if limit <= 1:
            for task in tasks:
                on_outcome(run_one(task, translator, options))
            return

        def work(task: Task) -> JobOutcome:
            return run_one(task, translator, options)

        def deliver(task: Task, outcome: JobOutcome) -> None:
            on_outcome(outcome)

        with on_driver(translator):
            run_in_flight(tasks, work, deliver, limit, published=_published)


def _published(outcome: JobOutcome) -> Mapping[str, Translation]:
    """Return the cache entries a delivered job adds: its new translations, if it succeeded."""
    return outcome.fresh if outcome.error is None else {}
