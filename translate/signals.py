"""Stop cleanly on SIGINT, SIGTERM and SIGHUP: raise, clean up in ``finally``, exit 128 + N.

Schedulers stop jobs with SIGTERM (``timeout``, systemd, ``docker stop``),
terminals with SIGINT and SIGHUP.  Inside :func:`raise_on_signals` each of
them raises :class:`~translate.errors.Interrupted` in the main thread, so the
same ``finally`` blocks that handle an error remove temporary files, and the
front end exits with ``128 + signum`` as shells expect (130, 143, 129).
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator
from types import FrameType

from translate.errors import Interrupted

#: The signals that stop a run cleanly.
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


@contextlib.contextmanager
def raise_on_signals() -> Iterator[None]:
    """Turn the stop signals into Interrupted while the block runs (main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    raised: list[int] = []

    def handler(signum: int, frame: FrameType | None) -> None:
        if raised:  # already stopping: let the cleanup finish
            return
        raised.append(signum)
        raise Interrupted(signum)

    previous = {sig: signal.signal(sig, handler) for sig in STOP_SIGNALS}
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


def exit_code(exc: Interrupted) -> int:
    """Return the exit status for a run stopped by ``exc``'s signal: 128 + its number."""
    return 128 + exc.signum
