"""Write outputs without harming what is at the path.

- A new path or a regular file is written to a temporary file in the same
  folder and renamed into place when complete, keeping the old file's mode:
  a failure part-way (a bad input, a crash, a signal) never leaves a partial
  file, and an earlier good output stays as it was.
- A symlink is followed; its target is replaced the same way.
- Anything else (a character device such as ``/dev/null``, a FIFO,
  ``/dev/stdout``) is written straight through, never replaced.

Temporary files are named ``.NAME.el2en-PID-RANDOM.tmp`` and hold an
exclusive ``flock`` while they are written.  The lock dies with its process,
so :func:`remove_stale` can tell a killed run's leftovers (lock free) from a
live run's (lock held) without trusting a pid.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import stat
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

from translate.errors import OutputError

STDOUT = "-"
TEMP_SUFFIX = ".tmp"


def temp_prefix(name: str) -> str:
    """Return the prefix of the temporary files for an output called ``name``."""
    return f".{name}.el2en-"


def ensure_folder(folder: Path) -> None:
    """Create ``folder`` and its parents, or raise OutputError saying why it cannot be."""
    if folder.is_dir():
        return
    for parent in (folder, *folder.parents):
        if parent.exists() and not parent.is_dir():
            raise OutputError(f"{folder}: {parent} is a file, not a folder")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"{folder}: cannot create the folder ({exc.strerror})") from None


def check_writable(path: Path) -> None:
    """Raise OutputError unless the output ``path`` can be written (its folder must exist)."""
    if path.is_dir():
        raise OutputError(f"{path}: is a directory; name a file, or a directory ending in '/'")
    if _is_special(path):
        if not os.access(path, os.W_OK):
            raise OutputError(f"{path}: is not writable")
        return
    folder = path.parent
    for parent in (folder, *folder.parents):
        if parent.exists() and not parent.is_dir():
            raise OutputError(f"{path}: {parent} is a file, not a folder")
    if not folder.is_dir():
        raise OutputError(f"{path}: folder {folder} does not exist")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise OutputError(f"{path}: folder {folder} is not writable")
    if path.exists() and not os.access(path, os.W_OK):
        raise OutputError(f"{path}: file is not writable")


def remove_stale(path: Path) -> int:
    """Delete temporaries that killed runs left for the output ``path``; return how many.

    A temporary whose lock can be taken has no live writer.  Those of a live
    run (another process still writing) are left alone.
    """
    real = _real_target(path)
    removed = 0
    try:
        candidates = list(real.parent.glob(f"{_glob_escape(temp_prefix(real.name))}*{TEMP_SUFFIX}"))
    except OSError:
        return 0
    for candidate in candidates:
        try:
            fd = os.open(candidate, os.O_RDONLY | os.O_NOFOLLOW)
        except OSError:
            continue
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            continue  # a live writer holds it
        try:
            candidate.unlink()
            removed += 1
        except OSError:
            pass
        finally:
            os.close(fd)
    return removed


def _glob_escape(text: str) -> str:
    return "".join(f"[{ch}]" if ch in "*?[" else ch for ch in text)


def _real_target(path: Path) -> Path:
    """Return the file a symlink at ``path`` points to (``path`` itself otherwise)."""
    if path.is_symlink():
        return Path(os.path.realpath(path))
    return path


def _is_special(path: Path) -> bool:
    """Return True when ``path`` (followed) exists and is not a regular file or folder."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return False
    return not (stat.S_ISREG(mode) or stat.S_ISDIR(mode))


@contextlib.contextmanager
def _signals_deferred() -> Iterator[None]:
    """Hold SIGINT, SIGTERM and SIGHUP back while the block runs; they arrive after it."""
    import signal

    stops = {signal.SIGINT, signal.SIGTERM, signal.SIGHUP}
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, stops)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


class AtomicFile:
    """A text stream that becomes its target only when committed.

    For a regular file or a new path the stream writes a locked temporary beside
    the target; :meth:`commit` renames it into place, :meth:`discard` deletes it.
    For anything else (a device, a FIFO) the stream writes straight through.
    """

    def __init__(self, target: str, durable: bool = False) -> None:
        self.target = target
        self.durable = durable
        self.temp: Path | None = None
        self.stream: TextIO
        if target == STDOUT:
            self.stream = sys.stdout
            self.path: Path | None = None
            return
        if _is_special(Path(target)):
            # Write through: never replace a device, FIFO or socket.
            try:
                self.stream = open(target, "w", encoding="utf-8", newline="\n")  # noqa: SIM115
            except OSError as exc:
                raise OutputError(f"{target}: cannot be written ({exc.strerror})") from None
            self.path = None
            return
        self.path = _real_target(Path(target))
        check_writable(self.path)
        self._mode = self._target_mode(self.path)
        # A stop signal arriving between creating the temporary and recording it
        # would leave it behind: hold the signals back for these few calls.
        with _signals_deferred():
            try:
                fd, name = tempfile.mkstemp(
                    dir=self.path.parent,
                    prefix=f"{temp_prefix(self.path.name)}{os.getpid()}-",
                    suffix=TEMP_SUFFIX,
                )
            except OSError as exc:
                raise OutputError(f"{target}: cannot create a file ({exc.strerror})") from None
            self.temp = Path(name)
            fcntl.flock(fd, fcntl.LOCK_EX)  # held until the file is closed
            self.stream = open(fd, "w", encoding="utf-8", newline="\n")  # noqa: SIM115

    @staticmethod
    def _target_mode(path: Path) -> int:
        try:
            return stat.S_IMODE(path.stat().st_mode)
        except FileNotFoundError:
            umask = os.umask(0)
            os.umask(umask)
            return 0o666 & ~umask

    def commit(self) -> None:
        """Make the written text the target's content."""
        if self.temp is None:
            self.stream.flush()
            if self.stream is not sys.stdout:
                self.stream.close()
            return
        assert self.path is not None
        try:
            self.stream.flush()
            if self.durable:
                os.fsync(self.stream.fileno())
            os.chmod(self.temp, self._mode)
            os.replace(self.temp, self.path)
        except OSError as exc:
            self.discard()
            raise OutputError(f"{self.target}: cannot be written ({exc.strerror})") from None
        self.temp = None
        self.stream.close()  # releases the lock, now on the renamed file

    def discard(self) -> None:
        """Delete the temporary (nothing to undo for a write-through target)."""
        if self.temp is not None:
            self.temp.unlink(missing_ok=True)
            self.temp = None
        if self.stream is not sys.stdout:
            with contextlib.suppress(OSError):
                self.stream.close()


@contextlib.contextmanager
def atomic_output(target: str, durable: bool = False) -> Iterator[TextIO]:
    """Yield a text stream that becomes ``target`` only if the block succeeds."""
    output = AtomicFile(target, durable)
    try:
        yield output.stream
    except BaseException:
        output.discard()
        raise
    output.commit()


@contextlib.contextmanager
def atomic_outputs(targets: list[str], durable: bool = False) -> Iterator[list[TextIO]]:
    """Yield streams for several targets, all renamed into place only if the block succeeds."""
    outputs: list[AtomicFile] = []
    try:
        for target in targets:
            outputs.append(AtomicFile(target, durable))
        yield [output.stream for output in outputs]
    except BaseException:
        for output in outputs:
            output.discard()
        raise
    for index, output in enumerate(outputs):
        try:
            output.commit()
        except BaseException:
            for rest in outputs[index + 1 :]:
                rest.discard()
            raise
