"""``el2en batch``: translate a folder into a folder, unattended, resumable, idempotent.

One module per step:

- :mod:`translate.batch.inputs`: find the inputs (a folder, or a list of paths);
- :mod:`translate.batch.redo`: decide per input whether to skip it or why to
  redo it (:class:`~translate.batch.redo.RedoReason`), reading it once;
- :mod:`translate.batch.report`: the JSON report and the closing line;
- :mod:`translate.batch.driver`: the lock, the engine, the manifest commits.
"""

from __future__ import annotations

from translate.batch.driver import (
    CACHE_NAME,
    COMMIT_SECONDS,
    LOCK_NAME,
    BatchOptions,
    RunCache,
    run_batch,
)
from translate.batch.inputs import LIST_STDIN, find_inputs
from translate.batch.redo import RedoReason
from translate.batch.report import REPORT_NAME, BatchReport, Failure

__all__ = [
    "CACHE_NAME",
    "COMMIT_SECONDS",
    "LIST_STDIN",
    "LOCK_NAME",
    "REPORT_NAME",
    "BatchOptions",
    "BatchReport",
    "Failure",
    "RedoReason",
    "RunCache",
    "find_inputs",
    "run_batch",
]
