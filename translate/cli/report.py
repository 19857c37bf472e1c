"""What a person at a terminal sees: logging, the progress bar, the closing line.

Only the CLI configures these.  The bar goes to stderr, counts sentences (or
documents, for many files), names the file, and vanishes when stderr is not a
terminal or with ``-q``; log lines print above it, never through it.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from translate.jobs import JobOutcome

log = logging.getLogger("translate")


class _Formatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        from translate.display import escape

        # Messages quote file names: one line each, nothing a terminal would act on.
        return f"el2en: {record.levelname.lower()}: {escape(record.getMessage())}"


def setup_logging(verbose: int, quiet: bool) -> None:
    """Send the package's log to stderr at the level -v/-q ask for."""
    levels = (logging.WARNING, logging.INFO, logging.DEBUG)
    level = logging.ERROR if quiet else levels[min(verbose, 2)]
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_Formatter())
    root = logging.getLogger("translate")
    root.handlers[:] = [handler]
    root.setLevel(level)
    root.propagate = False


def on_terminal() -> bool:
    """Return True when stderr is a terminal a bar can be drawn on."""
    return sys.stderr.isatty() and os.environ.get("TERM") != "dumb"


@contextlib.contextmanager
def progress_bar(
    total: int | None, unit: str, description: str, enabled: bool
) -> Iterator[Callable[[int], None]]:
    """Yield a callback advancing a bar of ``total`` ``unit``s; a no-op off a terminal."""
    if not (enabled and on_terminal()):
        yield lambda n: None
        return
    from tqdm import tqdm
    from tqdm.contrib.logging import logging_redirect_tqdm

    with (
        tqdm(
            total=total,
            unit=f" {unit}",
            desc=description,
            delay=0,  # shown at once: the first batch of a long file can take seconds
            file=sys.stderr,
            leave=False,
            dynamic_ncols=True,
        ) as bar,
        logging_redirect_tqdm(loggers=[logging.getLogger("translate")]),
    ):
        yield bar.update


def summary(results: list[JobOutcome], seconds: float) -> str:
    """Return the closing line: what was written, how many sentences and flags, how long."""
    sentences = sum(r.sentences for r in results)
    flagged = sum(r.flagged for r in results)
    targets = [t for r in results for t in r.job.targets]
    if len(targets) == 1:
        where = "stdout" if targets[0] == "-" else targets[0]
    else:
        where = f"{len(targets)} files"
    return (
        f"wrote {where}: {sentences} sentence{'s' if sentences != 1 else ''}, "
        f"{flagged} to review, {seconds:.1f} s"
    )


def log_job(result: JobOutcome) -> None:
    """Log one line per job (-v) and each flagged sentence (-v)."""
    inputs = ", ".join(result.job.inputs)
    targets = ", ".join("stdout" if t == "-" else t for t in result.job.targets)
    flags = ", ".join(f"{name} {count}" for name, count in sorted(result.flags.items()))
    log.info(
        "%s -> %s: %d sentences, %d to review%s, %.1f s",
        inputs,
        targets,
        result.sentences,
        result.flagged,
        f" ({flags})" if flags else "",
        result.seconds,
    )
    for s in result.flagged_sentences:
        log.info(
            "to review: %s paragraph %d sentence %d [%s]: %s",
            s.doc_id,
            s.paragraph,
            s.index,
            ",".join(s.flags),
            _clip(s.source),
        )


def _clip(text: str, width: int = 70) -> str:
    one_line = " ".join(text.split())
    return one_line if len(one_line) <= width else one_line[: width - 1] + "…"
