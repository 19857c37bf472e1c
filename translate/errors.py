"""One exception hierarchy for the library; the CLI maps it to exit codes."""

from __future__ import annotations


class TranslateError(Exception):
    """Base class: a problem the user can act on, with a message saying how."""


class InputError(TranslateError):
    """An input file is missing, unreadable, not UTF-8 text, or binary."""

    def __init__(self, name: str, problem: str) -> None:
        super().__init__(f"{name}: {problem}")
        self.name = name
        self.problem = problem


class MissingInputError(InputError):
    """An input named on the command line does not exist or is a folder (a usage error)."""


class UsageError(TranslateError):
    """Something the user asked for cannot be done as asked (exit 2).

    Two inputs whose outputs would collide, an output that would overwrite an
    input, stdin given twice, an unknown encoding or compute type.
    """


class LockedError(TranslateError):
    """Another run holds the lock on the output folder (exit 4)."""


class OutputError(TranslateError):
    """An output file or folder cannot be written."""


class ModelError(TranslateError):
    """The model cannot be found, downloaded, converted or loaded."""


class DamagedModelError(ModelError):
    """A model file is truncated or corrupt (an interrupted download, copy or conversion).

    No other backend can help: the fix is to replace the file, which the message says how.
    """

    def __init__(self, path: object, problem: str, fix: str) -> None:
        super().__init__(f"{path}: damaged or unreadable ({problem}); {fix}")
        self.path = str(path)
        self.problem = problem


class BackendError(TranslateError):
    """A backend is unknown, not installed, or cannot run on the requested device."""


class GlossaryError(TranslateError):
    """A glossary file cannot be used as it is (exit 1); the message names FILE:LINE."""


class StoreError(TranslateError):
    """A cache, translation memory or batch manifest cannot be used (exit 1).

    The message names the file and what to do (translate/db.py writes them all).
    """

    def __init__(self, message: str, path: object = None) -> None:
        super().__init__(message)
        self.path = None if path is None else str(path)


class StoreLockedError(StoreError):
    """Another process held a store's write lock past $EL2EN_LOCK_TIMEOUT (exit 1, not 4)."""


class StoreWriteError(StoreError):
    """A store cannot be written: read-only, disk full, I/O error (exit 1)."""


class DamagedStoreError(StoreError):
    """A store file that is garbage or truncated (exit 1); only a cache is rebuilt."""


class ForeignStoreError(StoreError):
    """Another program's SQLite file, another el2en kind, or a newer schema: left unchanged."""


class Interrupted(BaseException):
    """The run was stopped by a signal (SIGINT, SIGTERM, SIGHUP); exit 128 + the number.

    A BaseException, like KeyboardInterrupt, so that ``except Exception`` blocks
    never swallow it and ``finally`` blocks clean up on the way out.
    """

    def __init__(self, signum: int) -> None:
        import signal

        super().__init__(signal.Signals(signum).name)
        self.signum = signum
