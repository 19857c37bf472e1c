"""Paths under a folder el2en owns, opened so that a planted symlink is never followed.

Anyone who can write into an output folder (a shared drop folder, a
colleague, an attacker) can put a symlink at a name el2en is about to write:
``OUT/a.el-en.jsonl -> /etc/passwd``, ``OUT/2026 -> /var/www``.  From a root
cron job, following it would replace any file on the machine.  So every path
el2en derives below such a folder is opened component by component from a
descriptor of the folder (``openat``-style, ``dir_fd=``), each component
with ``O_NOFOLLOW``:

- a symlink where el2en needs a folder or a file is *removed and replaced*
  (a folder is created, a file written) as an entry of the folder; its target
  is never opened, read or written, and a warning names it;
- anything else that is in the way (a regular file where a folder is needed)
  is refused with one line naming it.

The folder itself (OUT, as the user named it) is followed: it is the user's
choice, like ``-o LINK``.

A path the user names explicitly (``translate -o FILE``, ``batch --report
FILE``) is followed as the kernel's ``protected_symlinks`` rule allows, even
where that sysctl is off and even though ``os.path.realpath`` would ignore it:
a symlink in a sticky world-writable folder (``/tmp``) is followed only when
its owner is the user running el2en or the folder's owner (:func:`resolve_followed`).

Inputs met by a walk or listed on stdin are checked by :func:`input_problem`:
only regular files (a FIFO would hang the run), only inside the root they
are mirrored from, only names that are UTF-8.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import stat
from collections.abc import Iterator, Sequence
from pathlib import Path

from translate.display import escape, is_utf8_name
from translate.errors import OutputError

log = logging.getLogger("translate")

_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC
#: SQLite's companions of a database file: a link there is as dangerous as at the file.
SQLITE_COMPANIONS = ("", "-wal", "-shm", "-journal")
#: The most symlinks followed in a row, as the kernel's ELOOP limit.
_MAX_LINKS = 40


def _strerror(exc: OSError) -> str:
    return exc.strerror or os.strerror(exc.errno or 0)


def open_root(root: str | os.PathLike[str]) -> int:
    """Return a descriptor of the folder ``root`` (followed: the user named it)."""
    try:
        return os.open(root, _DIR_FLAGS)
    except OSError as exc:
        raise OutputError(
            f"{escape(str(root))}: cannot open the folder ({_strerror(exc)})"
        ) from None


def _parts(relative: Sequence[str] | os.PathLike[str] | str) -> list[str]:
    parts = (
        list(Path(relative).parts) if isinstance(relative, str | os.PathLike) else list(relative)
    )
    for part in parts:
        if part in ("", ".", "..") or "/" in part:
            raise OutputError(f"{escape(str(relative))}: not a plain path below its folder")
    return parts


def replace_link(dir_fd: int, name: str, shown: str) -> bool:
    """Remove a symlink at ``name`` in the folder ``dir_fd`` (never its target); True if one was.

    ``shown`` is the path as messages name it.
    """
    try:
        info = os.lstat(name, dir_fd=dir_fd)
    except FileNotFoundError:
        return False
    except OSError as exc:
        raise OutputError(f"{escape(shown)}: cannot be checked ({_strerror(exc)})") from None
    if not stat.S_ISLNK(info.st_mode):
        return False
    try:
        target = os.readlink(name, dir_fd=dir_fd)
    except OSError:
        target = "?"
    try:
        os.unlink(name, dir_fd=dir_fd)
    except FileNotFoundError:
        return True
    except OSError as exc:
        raise OutputError(
            f"{escape(shown)}: a symbolic link (to {escape(target)}) that el2en does not "
            f"follow, and cannot remove ({_strerror(exc)}); remove it"
        ) from None
    log.warning(
        "%s: was a symbolic link (to %s); not followed: replaced by el2en's own, "
        "its target untouched",
        escape(shown),
        escape(target),
    )
    return True


def open_folder(
    root: str | os.PathLike[str], relative: Sequence[str] | os.PathLike[str] | str, create: bool
) -> int:
    """Return a descriptor of ``root/relative``, opened one component at a time.

    Missing folders are created when ``create``; a symlinked component is
    replaced by a real folder (see the module's doc); a component that is a
    file is an OutputError naming it.  The caller closes the descriptor.
    """
    parts = _parts(relative)
    fd = open_root(root)
    shown = Path(root)
    for part in parts:
        shown = shown / part
        fd = _step(fd, part, str(shown), create)  # closes the previous descriptor, always
    return fd


def _step(fd: int, part: str, shown: str, create: bool) -> int:
    """Return a descriptor of the folder ``part`` in ``fd`` (closed here); see open_folder."""
    try:
        for _ in range(3):  # a racing writer gets a few tries, then an error
            try:
                return os.open(part, _DIR_FLAGS | os.O_NOFOLLOW, dir_fd=fd)
            except FileNotFoundError:
                if not create:
                    raise
                with contextlib.suppress(FileExistsError):
                    os.mkdir(part, 0o777, dir_fd=fd)
            except OSError as exc:
                if exc.errno not in (errno.ELOOP, errno.ENOTDIR):
                    raise
                if not replace_link(fd, part, shown):
                    raise OutputError(f"{escape(shown)}: is a file, not a folder") from None
        raise OutputError(f"{escape(shown)}: keeps changing while el2en opens it")
    except OSError as exc:
        raise OutputError(f"{escape(shown)}: cannot open the folder ({_strerror(exc)})") from None
    finally:
        os.close(fd)


@contextlib.contextmanager
def folder_fd(
    root: str | os.PathLike[str],
    relative: Sequence[str] | os.PathLike[str] | str = (),
    create: bool = True,
) -> Iterator[int]:
    """Yield a descriptor of ``root/relative`` (see :func:`open_folder`), closed after."""
    fd = open_folder(root, relative, create)
    try:
        yield fd
    finally:
        os.close(fd)


def name_max(dir_fd: int) -> int:
    """Return the longest file name, in bytes, the folder's file system takes."""
    try:
        return int(os.fpathconf(dir_fd, "PC_NAME_MAX"))
    except (OSError, ValueError):
        return 255


def replace_planted_links(folder: str | os.PathLike[str], names: Sequence[str]) -> None:
    """Remove symlinks at ``names`` (and SQLite's companions of each) in ``folder``.

    For files opened by a library that follows links (SQLite): call it just
    before opening them.  A link planted after this call, while the library
    opens the file, is a race the folder's writer alone can win; the files
    el2en itself writes (outputs, report, lock) are opened without that race.
    """
    with folder_fd(folder, (), create=False) as fd:
        for name in names:
            for suffix in SQLITE_COMPANIONS:
                replace_link(fd, name + suffix, str(Path(folder) / (name + suffix)))


def open_lock_file(folder: str | os.PathLike[str], name: str) -> int:
    """Return a descriptor of the lock file ``folder/name``, created, never through a link.

    Nothing is truncated or written: a link planted there (to ``/etc/passwd``)
    is removed, and the lock is taken on el2en's own empty file.
    """
    shown = str(Path(folder) / name)
    with folder_fd(folder, (), create=False) as fd:
        replace_link(fd, name, shown)
        try:
            return os.open(
                name, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644, dir_fd=fd
            )
        except OSError as exc:
            raise OutputError(
                f"{escape(shown)}: cannot open the lock file ({_strerror(exc)})"
            ) from None


# -- paths the user named ------------------------------------------------------


def _protected_follow(link: str) -> None:
    """Raise OutputError if the kernel's protected_symlinks rule forbids following ``link``."""
    info = os.lstat(link)
    try:
        parent = os.stat(os.path.dirname(link) or ".")
    except OSError:
        return
    shared = parent.st_mode & stat.S_ISVTX and parent.st_mode & stat.S_IWOTH
    if not shared or info.st_uid in (os.geteuid(), parent.st_uid):
        return
    raise OutputError(
        f"{escape(link)}: a symbolic link owned by another user (uid {info.st_uid}) in a "
        "shared folder (sticky, world-writable); not followed, as the kernel's "
        "protected_symlinks rule says: remove it or name another path"
    )


def resolve_followed(path: str) -> str:
    """Return the file ``path`` names, following links the protected_symlinks rule allows.

    Every symlink met on the way, in any component, is checked; an
    OutputError names the first that the rule forbids.
    """
    pending = list(Path(os.path.abspath(path)).parts)
    resolved = pending.pop(0)  # "/"
    hops = 0
    while pending:
        part = pending.pop(0)
        candidate = os.path.join(resolved, part)
        if part == "..":
            resolved = os.path.dirname(resolved)
            continue
        if part == "." or not os.path.islink(candidate):
            resolved = candidate
            continue
        hops += 1
        if hops > _MAX_LINKS:
            raise OutputError(f"{escape(path)}: too many levels of symbolic links")
        _protected_follow(candidate)
        target = os.readlink(candidate)
        if os.path.isabs(target):
            resolved = "/"
        pending[:0] = [p for p in Path(target).parts if p != "/"]
    return os.path.normpath(resolved)


# -- inputs --------------------------------------------------------------------


def input_problem(path: str, real_root: str, walked: bool = False) -> str | None:
    """Return why the input ``path`` is refused, or None when it is a file to read.

    Refused: a name that is not UTF-8, a dangling symlink, one leading out of
    ``real_root`` (a resolved folder), and anything but a regular file (a FIFO
    would hang the run, a device never ends).  The reason is shown escaped.
    ``walked``: ``path`` came from a walk of the root that followed no folder
    link, so only a symlink at its last component can lead out.
    """
    if not is_utf8_name(path):
        return "file name is not UTF-8 (rename it)"
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return "no such file"
    except OSError as exc:
        return f"cannot be read ({_strerror(exc)})"
    is_link = stat.S_ISLNK(info.st_mode)
    mode = info.st_mode
    if is_link or not walked:
        if is_link and not os.path.exists(path):
            return "dangling symlink (its target does not exist)"
        real = os.path.realpath(path)
        if os.path.commonpath([real_root, real]) != real_root:
            where = "symlink leads" if is_link else "path leads"
            return f"{where} out of the source folder (to {escape(real)}); refused"
        try:
            mode = os.stat(path).st_mode
        except OSError as exc:
            return f"cannot be read ({_strerror(exc)})"
    if stat.S_ISDIR(mode):
        return "is a directory, not a text file"
    if not stat.S_ISREG(mode):
        return f"not a regular file ({file_kind(mode)}); not read"
    return None


def file_kind(mode: int) -> str:
    """Return what kind of file ``mode`` describes, in words."""
    kinds = (
        (stat.S_ISDIR, "a folder"),
        (stat.S_ISFIFO, "a FIFO"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISSOCK, "a socket"),
        (stat.S_ISLNK, "a symbolic link"),
    )
    for test, kind in kinds:
        if test(mode):
            return kind
    return "not a regular file"
