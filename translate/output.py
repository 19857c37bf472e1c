"""Write outputs without harming what is at the path, and never outside the output folder.

- A new path or a regular file is written to a temporary file in the same
  folder and renamed into place when complete, keeping the old file's mode:
  a failure part-way (a bad input, a crash, a signal, a full disk) never
  leaves a partial file, and an earlier good output stays as it was.
- **Below an output folder** (``-o DIR/``, batch's OUT, the report in OUT),
  the folder is opened component by component without following links
  (:mod:`translate.paths`): a symlink planted at an output's name or at a
  subfolder's name is replaced as an entry of the folder, its target never
  touched.  Whatever else sits at an output's name (a FIFO, a device node) is
  replaced the same way: a run never hangs on it.
- **A path the user named** (``translate -o FILE``, ``batch --report
  FILE``): a symlink is followed as the kernel's ``protected_symlinks`` rule
  allows, and its target is replaced the same way; anything else that is not
  a regular file (``/dev/null``, a FIFO, ``/dev/stdout``) is written straight
  through, never replaced.

Temporaries are created with ``O_CREAT|O_EXCL|O_NOFOLLOW`` in the target's
own folder (through its descriptor), are named ``.NAME.el2en-PID-RANDOM.tmp``
(a long NAME is shortened, with a hash, to fit the file system's limit) and
hold an exclusive ``flock`` while they are written.  The lock dies with its
process, so :func:`remove_stale` can tell a killed run's leftovers (lock
free) from a live run's (lock held) without trusting a pid.

A write that fails (ENOSPC, EDQUOT, EIO) is an :class:`OutputError` naming
the output, never a traceback; the temporary is removed.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import io
import logging
import os
import secrets
import shutil
import stat
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path, PurePath
from typing import TYPE_CHECKING, BinaryIO, TextIO

from translate.display import escape
from translate.errors import OutputError
from translate.paths import folder_fd, name_max, open_folder, resolve_followed

if TYPE_CHECKING:
    from typing_extensions import Buffer

log = logging.getLogger("translate")

STDOUT = "-"
TEMP_SUFFIX = ".tmp"


#: Bytes a temporary's name adds to its prefix: PID (up to 7 digits), '-', 8 random, '.tmp'.
_TEMP_TAIL_BYTES = 7 + 1 + 8 + len(TEMP_SUFFIX)


def temp_prefix(name: str, limit: int = 255) -> str:
    """Return the prefix of the temporary files for an output called ``name``.

    ``.NAME.el2en-`` when the whole temporary name fits in ``limit`` bytes;
    otherwise NAME is cut (on a character boundary) and a hash of the whole
    name added, so that a 239-byte output name still gets a temporary.
    """
    prefix = f".{name}.el2en-"
    room = limit - _TEMP_TAIL_BYTES
    if len(os.fsencode(prefix)) <= room:
        return prefix
    digest = hashlib.sha256(os.fsencode(name)).hexdigest()[:12]
    keep = room - len(f".~{digest}.el2en-")
    cut = ""
    for char in name:
        if len(os.fsencode(cut + char)) > keep:
            break
        cut += char
    return f".{cut}~{digest}.el2en-"


def ensure_folder(folder: Path, out_folder: str | None = None) -> None:
    """Create ``folder`` and its parents, or raise OutputError saying why it cannot be.

    With ``out_folder`` (a folder above ``folder``), the part below it is
    created component by component without following links.
    """
    if out_folder is not None:
        ensure_folder(Path(out_folder))  # the folder the user named: created as asked
        with folder_fd(out_folder, _below(folder, out_folder), create=True):
            return
    if folder.is_dir():
        return
    for parent in (folder, *folder.parents):
        if parent.exists() and not parent.is_dir():
            raise OutputError(f"{folder}: {parent} is a file, not a folder")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"{folder}: cannot create the folder ({exc.strerror})") from None


def _below(path: str | os.PathLike[str], folder: str) -> PurePath:
    """Return ``path`` relative to ``folder`` (lexically), or raise OutputError."""
    try:
        return PurePath(os.path.normpath(path)).relative_to(os.path.normpath(folder))
    except ValueError:
        raise OutputError(f"{escape(str(path))}: not inside the output folder {folder}") from None


def name_problem(target: str, out_folder: str) -> str | None:
    """Return why ``target`` can never be written below ``out_folder`` (a name too long), or None.

    A batch asks before reading an input, so that an input whose output name
    the file system cannot hold fails alone instead of stopping the run.
    """
    try:
        limit = int(os.pathconf(out_folder, "PC_NAME_MAX"))
    except (OSError, ValueError):
        limit = 255
    for part in _below(target, out_folder).parts:
        size = len(os.fsencode(part))
        if size > limit:
            return (
                f"output name too long: {escape(part)} is {size} bytes, "
                f"the file system takes {limit}"
            )
    return None


def check_writable(path: Path, out_folder: str | None = None) -> None:
    """Raise OutputError unless the output ``path`` can be written (its folder must exist).

    With ``out_folder`` nothing at ``path`` is followed: only a folder there,
    or a folder el2en cannot write, stops the output.
    """
    if out_folder is not None:
        relative = _below(path, out_folder)
        with folder_fd(out_folder, relative.parent, create=False) as fd:
            with contextlib.suppress(FileNotFoundError):
                if stat.S_ISDIR(os.lstat(relative.name, dir_fd=fd).st_mode):
                    raise OutputError(f"{escape(str(path))}: is a directory; el2en writes a file")
            if not os.access(".", os.W_OK | os.X_OK, dir_fd=fd):
                raise OutputError(f"{escape(str(path))}: folder {path.parent} is not writable")
        return
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


def remove_stale(path: Path, out_folder: str | None = None) -> int:
    """Delete temporaries that killed runs left for the output ``path``; return how many.

    A temporary whose lock can be taken has no live writer.  Those of a live
    run (another process still writing) are left alone.  With ``out_folder``
    the search stays in the output's own folder below it (never through a
    link); otherwise a symlink at ``path`` leads to its target's folder, where
    its temporaries were made.
    """
    try:
        if out_folder is not None:
            relative = _below(path, out_folder)
            with folder_fd(out_folder, relative.parent, create=False) as fd:
                return _remove_stale_in(fd, relative.name)
        real = Path(_real_target(path))
        with folder_fd(real.parent, (), create=False) as fd:
            return _remove_stale_in(fd, real.name)
    except OutputError:
        return 0  # no folder (yet), nothing to clean


def _remove_stale_in(dir_fd: int, name: str) -> int:
    prefix = temp_prefix(name, name_max(dir_fd))
    removed = 0
    try:
        candidates = [
            entry
            for entry in os.listdir(dir_fd)
            if entry.startswith(prefix) and entry.endswith(TEMP_SUFFIX)
        ]
    except OSError:
        return 0
    for candidate in candidates:
        try:
            fd = os.open(candidate, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=dir_fd)
        except OSError:
            continue
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            continue  # a live writer holds it
        try:
            os.unlink(candidate, dir_fd=dir_fd)
            removed += 1
        except OSError:
            pass
        finally:
            os.close(fd)
    return removed


def _real_target(path: str | os.PathLike[str]) -> str:
    """Return the file ``path`` names, through the links the protected_symlinks rule allows."""
    return resolve_followed(os.fspath(path))


def _is_special(path: str | os.PathLike[str]) -> bool:
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


class WriteError(OSError):
    """A write to an output failed; ``filename`` is the output as the user named it."""


class _OutputFileIO(io.FileIO):
    """A file whose write errors name the output: which file a full disk stopped."""

    shown = ""

    def write(self, data: Buffer) -> int:
        try:
            return super().write(data)
        except OSError as exc:
            raise WriteError(exc.errno, exc.strerror, self.shown) from None


def _text_stream(fd: int, shown: str) -> TextIO:
    raw = _OutputFileIO(fd, "w", closefd=True)
    raw.shown = shown
    return io.TextIOWrapper(io.BufferedWriter(raw), encoding="utf-8", newline="\n")


def _write_problem(exc: OSError) -> str:
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return f"{exc.strerror}; nothing was replaced: free space and run again"
    return exc.strerror or str(exc)


class AtomicFile:
    """A text stream that becomes its target only when committed.

    For a regular file or a new path the stream writes a locked temporary beside
    the target; :meth:`commit` renames it into place, :meth:`discard` deletes it.
    For anything else a user named (a device, a FIFO) the stream writes straight
    through.  With ``out_folder`` the target lies below that folder and is
    reached without following links (see the module's doc).
    """

    def __init__(self, target: str, durable: bool = False, out_folder: str | None = None) -> None:
        self.target = target
        self.durable = durable
        self.temp: str | None = None
        self.dir_fd: int | None = None
        self.name = ""
        self.path: Path | None = None
        self.stream: TextIO
        self._mode = 0o644
        if target == STDOUT:
            self.stream = sys.stdout
            return
        shown = escape(target)
        if out_folder is not None:
            relative = _below(target, out_folder)
            self.dir_fd = _open_dir(out_folder, relative.parent)
            self.name = relative.name
            self._check_entry(shown)
        else:
            real = _real_target(target)  # checks every link on the way
            if _is_special(target):
                # Write through: never replace a device, FIFO or socket the user named.
                # Opened by the name given: /dev/stdout's /proc link is no path to rebuild.
                try:
                    self.stream = open(target, "w", encoding="utf-8", newline="\n")  # noqa: SIM115
                except OSError as exc:
                    raise OutputError(f"{shown}: cannot be written ({exc.strerror})") from None
                return
            self.path = Path(real)
            check_writable(self.path)
            self.dir_fd = _open_dir(self.path.parent, PurePath())
            self.name = self.path.name
            self._mode = _mode_of(self.dir_fd, self.name)
        self._create_temp(shown)

    def _check_entry(self, shown: str) -> None:
        """Note what is at the target's name in its folder (never following it)."""
        assert self.dir_fd is not None
        try:
            info = os.lstat(self.name, dir_fd=self.dir_fd)
        except FileNotFoundError:
            self._mode = _mode_of(self.dir_fd, self.name)
            return
        except OSError as exc:
            self._close_dir()
            raise OutputError(f"{shown}: cannot be checked ({exc.strerror})") from None
        if stat.S_ISDIR(info.st_mode):
            self._close_dir()
            raise OutputError(f"{shown}: is a directory; el2en writes a file there")
        if stat.S_ISREG(info.st_mode):
            self._mode = stat.S_IMODE(info.st_mode)
        else:
            self._mode = _mode_of(self.dir_fd, self.name)
            log.warning(
                "%s: was %s; not followed or written through: replaced by the output",
                shown,
                "a symbolic link" if stat.S_ISLNK(info.st_mode) else "not a regular file",
            )

    def _create_temp(self, shown: str) -> None:
        assert self.dir_fd is not None
        limit = name_max(self.dir_fd)
        if len(os.fsencode(self.name)) > limit:
            self._close_dir()
            raise OutputError(
                f"{shown}: file name too long ({len(os.fsencode(self.name))} bytes; "
                f"the file system takes {limit})"
            )
        prefix = f"{temp_prefix(self.name, limit)}{os.getpid()}-"
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
        # A stop signal arriving between creating the temporary and recording it
        # would leave it behind: hold the signals back for these few calls.
        with _signals_deferred():
            for _ in range(100):
                name = f"{prefix}{secrets.token_hex(4)}{TEMP_SUFFIX}"
                try:
                    fd = os.open(name, flags, 0o600, dir_fd=self.dir_fd)
                    break
                except FileExistsError:
                    continue
                except OSError as exc:
                    self._close_dir()
                    raise OutputError(f"{shown}: cannot create a file ({exc.strerror})") from None
            else:
                self._close_dir()
                raise OutputError(f"{shown}: cannot create a temporary file beside it")
            self.temp = name
            fcntl.flock(fd, fcntl.LOCK_EX)  # held until the file is closed
            self.stream = _text_stream(fd, self.target)

    def commit(self) -> None:
        """Make the written text the target's content."""
        if self.temp is None:
            try:
                self.stream.flush()
                if self.stream is not sys.stdout:
                    self.stream.close()
            except OSError as exc:
                raise OutputError(
                    f"{escape(self.target)}: cannot be written ({_write_problem(exc)})"
                ) from None
            return
        assert self.dir_fd is not None
        try:
            self.stream.flush()
            if self.durable:
                os.fsync(self.stream.fileno())
            os.fchmod(self.stream.fileno(), self._mode)
            os.replace(self.temp, self.name, src_dir_fd=self.dir_fd, dst_dir_fd=self.dir_fd)
        except OSError as exc:
            self.discard()
            raise OutputError(
                f"{escape(self.target)}: cannot be written ({_write_problem(exc)})"
            ) from None
        self.temp = None
        with contextlib.suppress(OSError):
            self.stream.close()  # releases the lock, now on the renamed file
        self._close_dir()

    def discard(self) -> None:
        """Delete the temporary (nothing to undo for a write-through target)."""
        if self.temp is not None and self.dir_fd is not None:
            with contextlib.suppress(OSError):
                os.unlink(self.temp, dir_fd=self.dir_fd)
            self.temp = None
        if self.stream is not sys.stdout:
            _close_unflushed(self.stream)
        self._close_dir()

    def _close_dir(self) -> None:
        if self.dir_fd is not None:
            os.close(self.dir_fd)
            self.dir_fd = None


def _open_dir(folder: str | os.PathLike[str], relative: PurePath) -> int:
    """Return a descriptor of ``folder/relative``, created below ``folder`` without links."""
    return open_folder(folder, relative, create=True)


def _mode_of(dir_fd: int, name: str) -> int:
    """Return the mode a new output gets: the old regular file's, else 0666 less the umask."""
    try:
        info = os.stat(name, dir_fd=dir_fd)
        if stat.S_ISREG(info.st_mode):
            return stat.S_IMODE(info.st_mode)
    except OSError:
        pass
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def _close_unflushed(stream: TextIO) -> None:
    """Close ``stream`` whatever its buffer holds (a full disk must not fail the close)."""
    with contextlib.suppress(OSError, ValueError):
        stream.close()
    buffer = getattr(stream, "buffer", None)
    raw = getattr(buffer, "raw", None)
    if raw is not None and not raw.closed:
        with contextlib.suppress(OSError, ValueError):
            raw.close()


def _named(exc: WriteError) -> OutputError:
    return OutputError(f"{escape(str(exc.filename))}: cannot be written ({_write_problem(exc)})")


@contextlib.contextmanager
def atomic_output(
    target: str, durable: bool = False, out_folder: str | None = None
) -> Iterator[TextIO]:
    """Yield a text stream that becomes ``target`` only if the block succeeds."""
    output = AtomicFile(target, durable, out_folder)
    try:
        yield output.stream
    except WriteError as exc:
        output.discard()
        raise _named(exc) from None
    except BaseException:
        output.discard()
        raise
    output.commit()


@contextlib.contextmanager
def atomic_binary_output(target: str, durable: bool = False) -> Iterator[BinaryIO]:
    """Yield a byte stream that becomes ``target`` only if the block succeeds.

    For writers that produce bytes (lxml's XML serialiser): the same
    temporary, lock, rename and stale-temporary cleaning as :func:`atomic_output`,
    after removing what killed writers left for ``target``.
    """
    remove_stale(Path(target))
    with atomic_output(target, durable) as stream:
        yield stream.buffer


@contextlib.contextmanager
def atomic_outputs(
    targets: list[str], durable: bool = False, out_folder: str | None = None
) -> Iterator[list[TextIO]]:
    """Yield streams for several targets, all renamed into place only if the block succeeds."""
    outputs: list[AtomicFile] = []
    try:
        for target in targets:
            outputs.append(AtomicFile(target, durable, out_folder))
        yield [output.stream for output in outputs]
    except BaseException as exc:
        for output in outputs:
            output.discard()
        if isinstance(exc, WriteError):
            raise _named(exc) from None
        raise
    for index, output in enumerate(outputs):
        try:
            output.commit()
        except BaseException:
            for rest in outputs[index + 1 :]:
                rest.discard()
            raise


# -- folders: staged beside their place, renamed into it -----------------------------


@contextlib.contextmanager
def staged_folder(path: Path) -> Iterator[Path]:
    """Yield a path (not yet created) for a folder that replaces ``path`` when the block ends well.

    The folder is built inside ``.NAME.tmp-XXXX`` beside ``path`` (same file
    system) and renamed into place whole, the old one first renamed aside, so
    a reader never sees half a folder; on any failure nothing at ``path``
    changes and the staging folder is deleted.  For the model store's
    conversions and unpacked copies.  The caller holds the folder's lock, so
    :func:`remove_stale_folders` may clean what a killed writer left.  An
    ``OSError`` propagates: the caller names the store and what to do.
    """
    staging = Path(tempfile.mkdtemp(prefix=f".{path.name}{_FOLDER_STAGING}", dir=path.parent))
    try:
        folder = staging / "new"
        yield folder
        if path.exists():  # replaced: a rename is atomic, rmtree is not
            path.rename(staging / "old")
        folder.rename(path)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def remove_folder(path: Path) -> bool:
    """Remove the folder ``path`` as one step (renamed aside, then deleted); False if absent."""
    if not path.exists():
        return False
    staging = Path(tempfile.mkdtemp(prefix=f".{path.name}{_FOLDER_STAGING}", dir=path.parent))
    try:
        path.rename(staging / "old")
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return True


def remove_stale_folders(path: Path) -> int:
    """Delete the staging folders killed writers left beside ``path`` (under its lock)."""
    removed = 0
    for leftover in path.parent.glob(f".{path.name}{_FOLDER_STAGING}*"):
        shutil.rmtree(leftover, ignore_errors=True)
        removed += 1
    return removed


#: What names a staging folder beside its place: ``.NAME.tmp-XXXX``.
_FOLDER_STAGING = ".tmp-"
