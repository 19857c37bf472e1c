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


class OutputError(TranslateError):
    """An output file or folder cannot be written."""


class ModelError(TranslateError):
    """The model cannot be found, downloaded, converted or loaded."""


class BackendError(TranslateError):
    """A backend is unknown, not installed, or cannot run on the requested device."""
