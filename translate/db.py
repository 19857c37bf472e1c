"""The one SQLite layer under the translation cache, the translation memory and the manifest.

Every el2en database goes through here, so that they all behave alike:

* :func:`open_database` checks what a file is *before* changing anything.  A
  file that is not SQLite, is truncated, is another program's SQLite database
  (another ``PRAGMA application_id``, or unknown tables), or was written by a
  newer el2en (a higher ``PRAGMA user_version``) is refused with a
  :class:`~translate.errors.StoreError` that names the file and the command
  that fixes it; nothing is written to it, so ``el2en cache stats app.db``
  never switches someone's database to WAL.  Only then is an el2en database
  put in WAL mode, created or migrated.
* :func:`write` is the one write transaction: ``BEGIN IMMEDIATE`` (the write
  lock taken up front), ``COMMIT``, or ``ROLLBACK`` on any error.
* Waiting for another process's lock is bounded: the busy timeout is
  :data:`DEFAULT_LOCK_TIMEOUT` seconds, or ``$EL2EN_LOCK_TIMEOUT``
  (:data:`LOCK_TIMEOUT_ENV`).  Past it, and for a read-only file or a full
  disk, :func:`store_error` turns SQLite's exception into a one-line typed
  error (exit 1) saying which file and what to do; callers never let a raw
  ``sqlite3.Error`` (a traceback) out.
* :func:`utc_text` is the one way el2en writes a time: ISO 8601, UTC, to the
  second.

Like sqlite-utils: stdlib ``sqlite3``, no ORM.
"""

from __future__ import annotations

import contextlib
import functools
import os
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Concatenate, ParamSpec, Protocol, TypeVar

from translate.errors import (
    DamagedStoreError,
    ForeignStoreError,
    StoreError,
    StoreLockedError,
    StoreWriteError,
)

#: Seconds a connection waits for another process's lock before giving up.
DEFAULT_LOCK_TIMEOUT = 10.0
#: Environment variable that overrides :data:`DEFAULT_LOCK_TIMEOUT` (seconds, >= 0).
LOCK_TIMEOUT_ENV = "EL2EN_LOCK_TIMEOUT"

_MAGIC = b"SQLite format 3\x00"


def utc_text(timestamp: float | None = None) -> str:
    """Return ``timestamp`` (default: now) as ISO 8601 UTC to the second (``2026-11-27T10:53:57Z``).

    The one time format of el2en: reports, manifests, the memory's import
    times, conversions' metadata and ``el2en cache stats`` all use it.
    """
    when = (
        datetime.now(timezone.utc)
        if timestamp is None
        else datetime.fromtimestamp(timestamp, timezone.utc)
    )
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def lock_timeout() -> float:
    """Return the seconds to wait for a lock: ``$EL2EN_LOCK_TIMEOUT``, else 10.

    A bad value is a usage error named by the variable, not a silent default.
    """
    raw = os.environ.get(LOCK_TIMEOUT_ENV, "").strip()
    if not raw:
        return DEFAULT_LOCK_TIMEOUT
    try:
        seconds = float(raw)
    except ValueError:
        seconds = -1.0
    if not seconds >= 0 or seconds == float("inf"):
        from translate.errors import UsageError

        raise UsageError(f"{LOCK_TIMEOUT_ENV}={raw!r}: give the seconds to wait, e.g. 10")
    return seconds


@dataclass(frozen=True, slots=True)
class Schema:
    """What one kind of el2en database holds, and how its problems are fixed."""

    #: What the user calls it: "cache", "translation memory", "manifest".
    kind: str
    #: ``PRAGMA application_id`` of this kind (an el2en file says what it is).
    application_id: int
    #: ``PRAGMA user_version`` this el2en writes and reads.
    version: int
    #: The tables, ``;``-separated statements (run one by one in a transaction).
    statements: str
    #: Tables a file of this kind holds; older el2en files had no application id
    #: and are recognised (and stamped) by these.
    tables: frozenset[str]
    #: Synchronous level: FULL where a commit must survive a power cut.
    synchronous: str = "NORMAL"
    #: What to do with a damaged file of this kind ({path} is replaced).
    fix: str = "move {path} aside and run again"
    #: What to do when the file is not this kind's (another program's, a newer
    #: el2en's): point el2en at its own file; the file itself is left alone.
    elsewhere: str = "give el2en a file of its own"


#: application_id values of el2en's own files: ASCII "E2EC" (cache and memory,
#: one schema, so one file can hold both) and "E2EM" (the batch manifest).
STORE_APPLICATION_ID = 0x45324543
MANIFEST_APPLICATION_ID = 0x4532454D
_KINDS = {STORE_APPLICATION_ID: "el2en cache/memory", MANIFEST_APPLICATION_ID: "el2en manifest"}


def database_error(path: Path, schema: Schema, problem: str) -> DamagedStoreError:
    """Return the one-line error for a file that is not a usable ``schema`` database."""
    return DamagedStoreError(
        f"{path}: {problem}, not a usable el2en {schema.kind}; {schema.fix.format(path=path)}",
        path=path,
    )


def store_error(exc: BaseException, path: Path, schema: Schema) -> StoreError:
    """Return the typed one-line error for an SQLite or OS error on ``path``.

    Locked past the timeout, read-only and disk full are runtime errors that
    say what to do; a damaged file names the command that fixes it.
    """
    if isinstance(exc, StoreError):
        return exc
    code = getattr(exc, "sqlite_errorcode", None)
    primary = code & 0xFF if isinstance(code, int) else None
    text = str(exc)
    if primary in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED) or "locked" in text:
        return StoreLockedError(
            f"{path}: the {schema.kind} is locked by another process (waited "
            f"{lock_timeout():g} s, {LOCK_TIMEOUT_ENV}); nothing more was written to it: "
            "let the other run finish (or stop it) and run again",
            path=path,
        )
    unwritable = primary in (sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_IOERR) and not os.access(
        path.parent, os.W_OK
    )
    if primary == sqlite3.SQLITE_READONLY or "readonly" in text or unwritable:
        return StoreWriteError(
            f"{path}: the {schema.kind} is read-only ({text}); make it and its folder "
            "writable, or give another file",
            path=path,
        )
    if primary == sqlite3.SQLITE_FULL or "disk is full" in text or _disk_full(path, primary):
        return StoreWriteError(
            f"{path}: the disk is full; the {schema.kind} was not updated: free space on "
            "its file system and run again",
            path=path,
        )
    damaged = isinstance(exc, sqlite3.DatabaseError) and not isinstance(
        exc, sqlite3.OperationalError
    )
    if primary in (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB) or damaged:
        return database_error(path, schema, f"damaged ({text})")
    if primary in (sqlite3.SQLITE_IOERR, sqlite3.SQLITE_CANTOPEN):
        return StoreWriteError(
            f"{path}: cannot read or write the {schema.kind} ({text}); check the file, "
            "its folder and the disk",
            path=path,
        )
    if isinstance(exc, OSError):
        reason = exc.strerror or str(exc)
        return StoreWriteError(f"{path}: cannot open the {schema.kind} ({reason})", path=path)
    return StoreError(f"{path}: the {schema.kind} failed ({text})", path=path)


def _disk_full(path: Path, primary: int | None) -> bool:
    """Say whether an I/O error on ``path`` came from a full file system.

    SQLite reports a write into the WAL or its index on a full disk as a
    plain "disk I/O error"; free space of less than a page tells them apart.
    """
    if primary != sqlite3.SQLITE_IOERR:
        return False
    try:
        found = os.statvfs(path.parent)
    except OSError:
        return False
    return found.f_bavail * found.f_frsize < 65536


@contextlib.contextmanager
def errors(path: Path, schema: Schema) -> Iterator[None]:
    """``with errors(path, schema):`` SQLite and OS errors inside become :func:`store_error`."""
    try:
        yield
    except (sqlite3.Error, OSError) as exc:
        raise store_error(exc, path, schema) from None


class _Stored(Protocol):
    """An object kept in an el2en database: its file and its kind."""

    path: Path
    schema: Schema


_S = TypeVar("_S", bound=_Stored)
_P = ParamSpec("_P")
_R = TypeVar("_R")


def guarded(method: Callable[Concatenate[_S, _P], _R]) -> Callable[Concatenate[_S, _P], _R]:
    """Decorate a store's method: SQLite and OS errors become one-line typed errors."""

    @functools.wraps(method)
    def wrapper(self: _S, /, *args: _P.args, **kwargs: _P.kwargs) -> _R:
        with errors(self.path, self.schema):
            return method(self, *args, **kwargs)

    return wrapper


@contextlib.contextmanager
def write(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """``with write(conn):`` one short write transaction, rolled back on any error.

    ``BEGIN IMMEDIATE`` takes the write lock up front (waiting at most the busy
    timeout), so a transaction never fails half-way for want of the lock.
    """
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        with contextlib.suppress(sqlite3.Error):
            conn.execute("ROLLBACK")
        raise
    try:
        conn.execute("COMMIT")
    except BaseException:
        with contextlib.suppress(sqlite3.Error):
            conn.execute("ROLLBACK")
        raise


def check_file(path: Path, schema: Schema) -> None:
    """Raise DamagedStoreError for a file that cannot be an intact SQLite database.

    Reads only the 100-byte header: not SQLite at all, shorter than the pages
    its header counts (a truncated copy), or stamped with another application
    id or a newer el2en schema (ForeignStoreError).  An empty file is a new one.
    """
    try:
        with open(path, "rb") as f:
            header = f.read(100)
            size = os.fstat(f.fileno()).st_size
    except FileNotFoundError:
        return
    except OSError as exc:
        raise store_error(exc, path, schema) from None
    if not header:
        return
    if not header.startswith(_MAGIC):
        raise database_error(path, schema, "not an SQLite file")
    if len(header) < 100:
        raise database_error(path, schema, "truncated (no complete SQLite header)")
    page_size = int.from_bytes(header[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    pages = int.from_bytes(header[28:32], "big")
    valid_for = int.from_bytes(header[92:96], "big")
    change = int.from_bytes(header[24:28], "big")
    if pages and valid_for == change and size < pages * page_size:
        raise database_error(
            path, schema, f"truncated ({size} bytes where its header counts {pages * page_size})"
        )
    # Another program's file, or a newer el2en's, is refused from its header
    # alone: SQLite is not even opened on it (no -wal or -shm beside it).
    version = int.from_bytes(header[60:64], "big")
    application_id = int.from_bytes(header[68:72], "big")
    _refuse_unless_ours(path, schema, application_id, version, set())


def open_database(
    path: str | Path, schema: Schema, *, readonly: bool = False, create: bool = True
) -> sqlite3.Connection:
    """Return an autocommit connection to the ``schema`` database at ``path``.

    The file is checked before anything is written to it (see the module's
    docstring); a new or empty file is created with ``schema`` unless
    ``readonly`` or not ``create``.  ``readonly`` opens with ``mode=ro``: no
    WAL switch, no migration, nothing written, for lookups in a file the user
    may not be allowed to change.  A WAL file on a read-only file system
    cannot get its shared-memory index: it is then read as immutable (a
    snapshot: nobody can be writing to it there).
    """
    path = Path(path)
    check_file(path, schema)
    attempts = ["mode=ro", "mode=ro&immutable=1"] if readonly else [""]
    for n, mode in enumerate(attempts, 1):
        try:
            return _open(path, schema, mode, create=create)
        except sqlite3.OperationalError as exc:
            code = getattr(exc, "sqlite_errorcode", 0) & 0xFF
            if n < len(attempts) and code == sqlite3.SQLITE_CANTOPEN:
                continue
            raise store_error(exc, path, schema) from None
        except (OSError, sqlite3.Error) as exc:
            raise store_error(exc, path, schema) from None
    raise AssertionError("unreachable")


def _open(path: Path, schema: Schema, mode: str, *, create: bool) -> sqlite3.Connection:
    """Connect (``mode``: URI parameters, '' for read-write), check, create or migrate."""
    timeout = lock_timeout()
    if mode:
        target = f"{path.absolute().as_uri()}?{mode}"
        conn = sqlite3.connect(target, timeout=timeout, isolation_level=None, uri=True)
    else:
        if create:
            path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(path, timeout=timeout, isolation_level=None)
    try:
        conn.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
        _check_and_migrate(conn, path, schema, readonly=bool(mode) or not create)
        if not mode:
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute(f"PRAGMA synchronous = {schema.synchronous}")
    except BaseException:
        conn.close()
        raise
    return conn


def _read_identity(conn: sqlite3.Connection) -> tuple[int, int, set[str]]:
    """Return the file's application id, schema version and table names (reads only)."""
    application_id = int(conn.execute("PRAGMA application_id").fetchone()[0])
    version = int(conn.execute("PRAGMA user_version").fetchone()[0])
    tables = {
        str(row[0])
        for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        if not str(row[0]).startswith("sqlite_")
    }
    return application_id, version, tables


def _refuse_unless_ours(
    path: Path, schema: Schema, application_id: int, version: int, tables: set[str]
) -> None:
    """Raise for another program's database, another el2en kind, or a newer schema."""
    if application_id not in (0, schema.application_id):
        other = _KINDS.get(application_id)
        what = (
            other
            if other
            else f"another program's SQLite database (application id {application_id})"
        )
        raise ForeignStoreError(
            f"{path}: {what}, not an el2en {schema.kind}; it was left unchanged: "
            f"{schema.elsewhere.format(path=path)}",
            path=path,
        )
    if application_id == 0 and tables and not tables <= schema.tables:
        names = ", ".join(sorted(tables)[:5])
        raise ForeignStoreError(
            f"{path}: an SQLite database that is not an el2en {schema.kind} (tables: {names}); "
            f"it was left unchanged: {schema.elsewhere.format(path=path)}",
            path=path,
        )
    if version > schema.version:
        raise ForeignStoreError(
            f"{path}: written by a newer el2en ({schema.kind} schema {version}; this el2en "
            f"reads up to {schema.version}); it was left unchanged: upgrade el2en "
            f"(pip install -U el2en), or {schema.elsewhere.format(path=path)}",
            path=path,
        )


def _check_and_migrate(
    conn: sqlite3.Connection, path: Path, schema: Schema, *, readonly: bool
) -> None:
    """Refuse a file that is not ours; create or upgrade ours (under the write lock)."""
    application_id, version, tables = _read_identity(conn)
    _refuse_unless_ours(path, schema, application_id, version, tables)
    if application_id == schema.application_id and version == schema.version:
        return
    # Migrations are additive (every statement is CREATE ... IF NOT EXISTS): an
    # older file of ours gets the tables it lacks, under the write lock below.
    # Files from before application ids (version 1, the same tables) are
    # recognised by their tables and stamped.
    if readonly:
        if not tables:
            raise database_error(path, schema, "empty")
        if not tables >= schema.tables:
            raise database_error(path, schema, "incomplete (tables missing)")
        return
    with write(conn):
        # Read again under the write lock: another process may have just created it.
        application_id, version, tables = _read_identity(conn)
        _refuse_unless_ours(path, schema, application_id, version, tables)
        if application_id == schema.application_id and version == schema.version:
            return
        older = 0 < version < schema.version or (application_id == 0 and version <= 1)
        if not tables or older:
            # One statement at a time: executescript() would COMMIT our transaction.
            for statement in schema.statements.split(";"):
                if statement.strip():
                    conn.execute(statement)
            tables = _read_identity(conn)[2]
        if version > schema.version or not tables >= schema.tables:
            raise database_error(path, schema, f"incomplete (schema {version}, tables missing)")
        conn.execute(f"PRAGMA application_id = {schema.application_id}")
        conn.execute(f"PRAGMA user_version = {schema.version}")


def size_on_disk(path: Path) -> int:
    """Return the bytes a database takes: the file and its WAL."""
    total = 0
    for name in (path, path.with_name(path.name + "-wal")):
        with contextlib.suppress(OSError):
            total += name.stat().st_size
    return total


def move_aside(path: Path) -> Path:
    """Rename a damaged database (and its -wal/-shm) beside itself; return the new name.

    Used only for the cache, which can be rebuilt: nothing is deleted, so a
    user who pointed ``--cache`` at the wrong file still has it.
    """
    stamp = utc_text().replace(":", "")
    target = path.with_name(f"{path.name}.damaged-{stamp}")
    n = 1
    while target.exists():
        n += 1
        target = path.with_name(f"{path.name}.damaged-{stamp}-{n}")
    os.replace(path, target)
    for suffix in ("-wal", "-shm"):
        side = path.with_name(path.name + suffix)
        if side.exists():
            os.replace(side, target.with_name(target.name + suffix))
    return target
