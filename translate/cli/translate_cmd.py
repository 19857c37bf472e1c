"""``el2en translate``: one or more files, to stdout, a file or a folder."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from translate.cli.options import (
    EXIT_CODES_HELP,
    encoding_option,
    format_option,
    memory_option,
    model_options,
    no_memory_option,
    pop_qa_config,
    qa_options,
    translate_config,
    verbosity,
)
from translate.cli.report import log_job, on_terminal, progress_bar, setup_logging, summary

EPILOG = f"""\b
Examples:
  el2en translate article.txt                      English article on stdout
  el2en translate article.txt -o article.en.txt
  cat article.txt | el2en translate -              '-' is stdin (and stdout for -o)
  el2en translate a.txt b.txt -f tsv,jsonl -o out/ one file per input and format
  el2en translate old.txt --encoding iso-8859-7

{EXIT_CODES_HELP}
"""


@click.command(epilog=EPILOG)
@click.argument("inputs", nargs=-1, required=True, metavar="INPUT...")
@click.option(
    "-o",
    "--output",
    default="-",
    show_default=True,
    help="Output file, '-' for stdout, or a folder (ending in '/'; created if missing) "
    "for one file per input and format (needed for several formats, and for moses).",
)
@format_option()
@click.option(
    "--only-flagged",
    is_flag=True,
    help="Write only flagged sentences (with their ids, to merge back).",
)
@encoding_option
@model_options
@qa_options
@memory_option
@no_memory_option
@click.option(
    "--cache",
    default=None,
    envvar="EL2EN_CACHE",
    metavar="PATH",
    help="Cross-run translation cache (SQLite; off unless given): repeated sentences are "
    "taken from it, flagged 'cached'.",
)
@verbosity
def translate(
    inputs: tuple[str, ...],
    output: str,
    formats: str,
    only_flagged: bool,
    encoding: str | None,
    memory: str | None,
    no_memory: bool,
    cache: str | None,
    verbose: int,
    quiet: bool,
    **settings: Any,
) -> None:
    """Translate Greek INPUT files ('-' for stdin) to English."""
    setup_logging(verbose, quiet)
    from translate import jobs
    from translate.formats import formats_for_output, parse_formats
    from translate.read import check_encoding_option

    started = time.perf_counter()
    qa = pop_qa_config(settings)
    source = click.get_current_context().get_parameter_source("formats")
    given = source is not None and source is not click.core.ParameterSource.DEFAULT
    options = jobs.RunOptions(
        formats=formats_for_output(output, parse_formats(formats), given),
        only_flagged=only_flagged,
        encoding=check_encoding_option(encoding),
        qa=qa,
        keep_flagged=verbose > 0,
    )
    outcomes = jobs.translate_files(
        inputs,
        output,
        options,
        translate_config(**settings),
        memory=jobs.memory_path(memory, no_memory),
        cache=Path(cache) if cache else None,
        progress=None if quiet or not on_terminal() else _bar,
        on_outcome=log_job,
    )
    if not quiet and on_terminal():
        click.echo(summary(outcomes, time.perf_counter() - started), err=True)


def _bar(
    total: int | None, unit: str, label: str
) -> contextlib.AbstractContextManager[Callable[[int], None]]:
    """Return the terminal's progress bar (translate_files opens it once the model is loaded)."""
    return progress_bar(total, unit, label, True)
