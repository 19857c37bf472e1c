"""Library errors as Click sees them: one line, the error's own exit code.

A leaf module (Click and :mod:`translate.errors` only), so that the command
modules can use it without importing the command group that mounts them.
The code comes from the error class (``TranslateError.exit_code``): nothing
here or in a command decides it.
"""

from __future__ import annotations

import functools

import click

from translate.errors import EXIT_SOME_FAILED, TranslateError

__all__ = ["EXIT_SOME_FAILED", "CliError", "cli_error"]


class CliError(click.ClickException):
    """A library error shown as one line (Click reads the exit code from the class)."""


@functools.cache
def _kind(exit_code: int) -> type[CliError]:
    """Return the CliError subclass that exits with ``exit_code`` (one per code)."""
    return type(f"CliError{exit_code}", (CliError,), {"exit_code": exit_code})


def cli_error(exc: TranslateError) -> CliError:
    """Return the one-line CLI error, with its documented exit code, for a library error."""
    return _kind(exc.exit_code)(str(exc))
