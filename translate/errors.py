"""One exception hierarchy for the library, each class carrying its exit code.

Every error el2en raises for a user to act on is a :class:`TranslateError`
subclass defined here, with the documented exit code as its ``exit_code``
class attribute: the CLI maps an error to a code in one place
(:class:`translate.cli.El2enGroup`) by reading it, and a library caller can
read it too.
"""

from __future__ import annotations

#: The documented exit codes (README, ``el2en --help``).
EXIT_OK = 0
EXIT_RUNTIME = 1
EXIT_USAGE = 2
EXIT_SOME_FAILED = 3
EXIT_LOCKED = 4


class TranslateError(Exception):
    """Base class: a problem the user can act on, with a message saying how (exit 1)."""

    #: The exit code of a command that stops on this error.
    exit_code: int = EXIT_RUNTIME


class InputError(TranslateError):
    """An input file is missing, unreadable, not UTF-8 text, or binary."""

    def __init__(self, name: str, problem: str) -> None:
        super().__init__(f"{name}: {problem}")
        self.name = name
        self.problem = problem


class MissingInputError(InputError):
    """An input named on the command line does not exist or is a folder (a usage error)."""

    exit_code = EXIT_USAGE


class UsageError(TranslateError):
    """Something the user asked for cannot be done as asked (exit 2).

    Two inputs whose outputs would collide, an output that would overwrite an
    input, stdin given twice, an unknown encoding or compute type.
    """

    exit_code = EXIT_USAGE


class LockedError(TranslateError):
    """Another run holds the lock on the output folder (exit 4)."""

    exit_code = EXIT_LOCKED


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


class ReviewError(TranslateError):
    """A reviewed file cannot be used as it is: unreadable, malformed, or not Greek to English.

    The message starts with FILE or FILE:LINE; nothing of the file was stored (exit 1).
    """


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
