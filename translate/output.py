"""Write outputs atomically: to a temporary name beside the target, renamed at the end.

A failure part-way (a bad input, a crash, Ctrl-C) never leaves a partial or
corrupted output file, and an earlier good output stays as it was.
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

from translate.errors import OutputError

STDOUT = "-"


def check_writable(path: Path) -> None:
    """Raise OutputError unless a file can be created at ``path``."""
    if path.is_dir():
        raise OutputError(f"{path}: is a directory; name a file, or a directory ending in '/'")
    folder = path.parent
    if not folder.is_dir():
        raise OutputError(f"{path}: folder {folder} does not exist")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise OutputError(f"{path}: folder {folder} is not writable")
    if path.exists() and not os.access(path, os.W_OK):
        raise OutputError(f"{path}: file is not writable")


@contextlib.contextmanager
def atomic_output(target: str) -> Iterator[TextIO]:
    """Yield a text stream that becomes ``target`` only if the block succeeds."""
    if target == STDOUT:
        yield sys.stdout
        sys.stdout.flush()
        return
    path = Path(target)
    check_writable(path)
    try:
        fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise OutputError(f"{path}: cannot create a file ({exc.strerror})") from None
    tmp = Path(tmp_name)
    try:
        with open(fd, "w", encoding="utf-8", newline="\n") as stream:
            yield stream
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise OutputError(f"{path}: cannot be written ({exc.strerror})") from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
