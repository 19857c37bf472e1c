"""Deciding what a batch run must do again: skip an input, or say why it is redone.

An input is skipped when its bytes, the signature and the settings are those
the manifest recorded and every recorded output is still there with its
sha256.  Otherwise :class:`RedoReason` says why (the report and ``-v`` show
it).  To compare its hash the input is read (:func:`translate.read.open_document`,
the same read a translation uses), and the read document is handed on with
the decision: a redone input is read once.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

from translate.errors import InputError
from translate.jobs import Task, file_sha256, open_inputs
from translate.manifest import DONE, Entry

if TYPE_CHECKING:
    from translate.jobs import Job, RunOptions
    from translate.read import Document


class RedoReason(StrEnum):
    """Why an input is translated again (its value is what the report says)."""

    NEW = "new"
    CHANGED = "changed"
    SIGNATURE = "signature changed"
    SETTINGS = "settings changed"
    OUTPUTS = "outputs missing or changed"
    RETRY = "failed before"
    FORCED = "forced"


@dataclass(slots=True)
class Decision:
    """What to do with one job: skip it (``reason`` None) or run ``task`` for ``reason``."""

    reason: RedoReason | None
    task: Task


def settings_of(options: RunOptions) -> str:
    """Return the settings beside the signature that change the bytes written, as a string."""

    def plain(value: object) -> object:
        if isinstance(value, frozenset | set):
            return sorted(str(v) for v in value)
        return value

    qa: object = None
    if options.qa is not None:
        qa = {k: plain(v) for k, v in sorted(asdict(options.qa).items())}
    return json.dumps(
        {"formats": list(options.formats), "encoding": options.encoding, "qa": qa},
        sort_keys=True,
        default=str,
    )


def decide(
    job: Job,
    entry: Entry | None,
    out: Path,
    signature: str,
    settings: str,
    *,
    force: bool = False,
    encoding: str | None = None,
    document_signature: Callable[[list[Document]], str] | None = None,
) -> Decision:
    """Return whether ``job`` must run again and why, with its input if it was read.

    A skipped job's input is closed here; a redone one's travels in the
    decision's task, to be translated from the same read.
    """
    task = Task(job)
    if force:
        return Decision(RedoReason.FORCED, task)
    if entry is None:
        return Decision(RedoReason.NEW, task)
    if entry.status != DONE:
        return Decision(RedoReason.RETRY, task)
    try:
        task.documents = open_inputs(job, encoding, regular_only=True)
    except InputError:
        return Decision(RedoReason.CHANGED, task)  # the run reads it again and says why
    if document_signature is not None:  # gloss: recomputed from the input, read anyway
        signature = document_signature(task.documents)
    reason = _reason(job, entry, task, out, signature, settings)
    if reason is None:
        task.close()
    return Decision(reason, task)


def _reason(
    job: Job, entry: Entry, task: Task, out: Path, signature: str, settings: str
) -> RedoReason | None:
    assert task.documents is not None
    if task.documents[0].sha256 != entry.input_sha256:
        return RedoReason.CHANGED
    if entry.signature != signature:
        return RedoReason.SIGNATURE
    if entry.settings != settings:
        return RedoReason.SETTINGS
    targets = {Path(t).relative_to(out).as_posix() for t in job.targets}
    if set(entry.outputs) != targets:
        return RedoReason.SETTINGS
    for relative, recorded in entry.outputs.items():
        try:
            if file_sha256(str(out / relative)) != recorded:
                return RedoReason.OUTPUTS
        except OSError:
            return RedoReason.OUTPUTS
    return None
