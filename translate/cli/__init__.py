"""The ``el2en`` command: a thin Click layer over the library.

Commands parse options, call the run layer (:mod:`translate.jobs`) and turn
library errors into one line on stderr and a documented exit code:

====  =====================================================================
0     ok
1     runtime error: bad input content, model, output
2     usage error: a bad option, an input that does not exist or is a folder,
      outputs that would collide or overwrite an input
3     finished, but some inputs failed (batch)
4     another run holds the output folder's lock (batch)
128+N stopped by signal N: 130 (SIGINT), 143 (SIGTERM), 129 (SIGHUP)
====  =====================================================================
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
from collections.abc import Sequence
from typing import Any

import click

from translate import __version__
from translate.errors import EXIT_LOCKED, EXIT_SOME_FAILED, EXIT_USAGE, Interrupted, TranslateError

__all__ = ["EXIT_LOCKED", "EXIT_SOME_FAILED", "EXIT_USAGE", "El2enGroup", "cli", "main"]

log = logging.getLogger("translate")


class El2enGroup(click.Group):
    """The command group: one line for every error, signals turned into exit codes.

    A library error (:class:`~translate.errors.TranslateError`) exits with the
    code its class carries.  Click prints a usage block before a usage error;
    el2en prints one line (the usage text stays in ``--help``).  SIGINT, SIGTERM and SIGHUP stop a
    run through the same clean-up path as an error and exit 128 + N.
    """

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode, **extra)
        from translate.signals import exit_code, raise_on_signals

        try:
            try:
                with raise_on_signals():
                    code = super().main(args, prog_name, complete_var, False, **extra)
            except Exception as exc:
                # A signal that lands inside a native module's import (CTranslate2's
                # extension, 0.2 s into a run) comes out as that module's ImportError,
                # or as the error a caller made of it: still a stop by that signal.
                stopped = _interrupted_in(exc)
                if stopped is None:
                    raise
                raise stopped from exc
        except click.UsageError as exc:
            command = exc.ctx.command_path if exc.ctx else "el2en"
            _error(f"{exc.format_message()} (see '{command} --help')")
            code = exc.exit_code
        except click.ClickException as exc:
            _error(exc.format_message())
            code = exc.exit_code
        except TranslateError as exc:  # the one place a library error becomes an exit code
            _error(str(exc))
            code = exc.exit_code
        except click.Abort:
            _error("interrupted")
            code = 130
        except Interrupted as exc:
            _error(f"stopped by {exc}; finished outputs are complete, nothing partial was left")
            code = exit_code(exc)
            self.interrupted = True
        sys.exit(code if isinstance(code, int) else 0)

    #: Set when a signal stopped the run (the console script then exits at once).
    interrupted = False


def _interrupted_in(exc: BaseException) -> Interrupted | None:
    """Return the Interrupted that ``exc`` was raised from (its causes and contexts), if any."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, Interrupted):
            return current
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return None


def _flush() -> None:
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):
            stream.flush()


def _error(message: str) -> None:
    from translate.display import escape

    # Messages quote file names: one line, nothing a terminal would act on.
    click.echo(f"Error: {escape(message)}", err=True)


@click.group(cls=El2enGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="el2en")
def cli() -> None:
    """Translate Greek news articles to English, sentence by sentence, aligned.

    Every Greek sentence gives exactly one aligned row, in order; nothing is
    dropped or truncated silently, and every aligned output carries a
    signature saying how it was made.
    """


def _mount() -> None:
    """Attach the commands (each module imports only Click and its own options)."""
    from translate.cli.batch_cmd import batch
    from translate.cli.cache_cmd import cache
    from translate.cli.eval_cmd import eval_
    from translate.cli.glossary_cmd import glossary
    from translate.cli.models_cmd import models
    from translate.cli.options import add_environment_help
    from translate.cli.review_cmd import review
    from translate.cli.segment_cmd import segment
    from translate.cli.translate_cmd import translate

    for command in (translate, batch, segment, review, models, cache, glossary):
        cli.add_command(command)
    cli.add_command(eval_)
    add_environment_help(cli)


_mount()


def main() -> None:
    """Run the el2en command line."""
    try:
        cli(prog_name="el2en")
    except SystemExit as exc:
        if isinstance(cli, El2enGroup) and cli.interrupted:
            # Clean-up is done; decoding threads may still be inside the engine:
            # leave without waiting for them.
            _flush()
            os._exit(exc.code if isinstance(exc.code, int) else 1)
        raise
