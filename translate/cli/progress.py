"""``el2en batch``'s bar on a terminal, by ``el2en translate``'s conventions.

On stderr, only when it is a terminal (and not with ``-q``): documents done of
the total, the sentences translated so far, an ETA, and the file being
translated now; log lines print above it (tqdm's logging redirect), and it
vanishes when the run ends, before the closing line.  Under cron (stderr not
a terminal) nothing is drawn: only the closing line.
"""

from __future__ import annotations

import contextlib
import logging
import sys
from collections.abc import Iterator
from typing import TYPE_CHECKING

from translate.cli.report import on_terminal
from translate.display import escape

if TYPE_CHECKING:
    from tqdm import tqdm

    from translate.batch.progress import BatchProgress

#: Most characters of the current file's name shown (its end: the file name).
NAME_WIDTH = 40


class _Bar:
    """A :class:`~translate.batch.progress.BatchProgress` drawn with tqdm."""

    def __init__(self, bar: tqdm[None]) -> None:
        self.bar = bar
        self.sentences = 0

    def start(self, total: int) -> None:
        """Set the number of documents (the bar's 100%)."""
        self.bar.reset(total=total)

    def begin(self, key: str) -> None:
        """Name the document just started."""
        name = escape(key)  # a name from SRC never reaches the terminal as a control
        if len(name) > NAME_WIDTH:
            name = "…" + name[-(NAME_WIDTH - 1) :]
        self.bar.set_description_str(name, refresh=False)
        self.bar.refresh()

    def finish(self, key: str, sentences: int) -> None:
        """Count one document and its sentences."""
        self.sentences += sentences
        self.bar.set_postfix_str(f"{self.sentences} sentences", refresh=False)
        self.bar.update(1)


@contextlib.contextmanager
def batch_bar(enabled: bool) -> Iterator[BatchProgress | None]:
    """Yield the bar for a batch run, or None when stderr is not a terminal or not ``enabled``."""
    if not (enabled and on_terminal()):
        yield None
        return
    from tqdm import tqdm
    from tqdm.contrib.logging import logging_redirect_tqdm

    with (
        tqdm(
            total=None,
            unit=" docs",
            desc="el2en batch",
            delay=0,
            file=sys.stderr,
            leave=False,
            dynamic_ncols=True,
        ) as bar,
        logging_redirect_tqdm(loggers=[logging.getLogger("translate")]),
    ):
        yield _Bar(bar)
