"""What a batch tells a progress display: documents found, started and finished.

The driver calls a :class:`BatchProgress` on its own thread (documents in
flight finish on worker threads, but their outcomes reach the driver in
order, on its thread), so a display needs no lock.  The CLI's display is a
bar on a terminal (:mod:`translate.cli.progress`); a library caller may pass
its own, or none.
"""

from __future__ import annotations

from typing import Protocol


class BatchProgress(Protocol):
    """Receives a batch's progress, one document at a time."""

    def start(self, total: int) -> None:
        """The inputs are found: ``total`` documents, to translate or to skip."""
        ...

    def begin(self, key: str) -> None:
        """The document ``key`` (its path under SRC) starts: the current file."""
        ...

    def finish(self, key: str, sentences: int) -> None:
        """The document ``key`` is done (translated, skipped or failed), with its sentences."""
        ...
