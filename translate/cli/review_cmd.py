"""``el2en review``: take reviewers' corrections back; a thin layer over translate.review.

``el2en review import FILE`` stores the corrected sentences of a reviewed
XLIFF, TMX or TSV in the translation memory (later runs use them before the
model, flagged ``human``); ``el2en review export`` writes the memory as TMX.
The memory is ``--memory PATH``, else ``$EL2EN_MEMORY``, else
``~/.local/share/el2en/memory.sqlite`` (``$XDG_DATA_HOME`` respected).
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from translate.cli.exits import cli_error
from translate.errors import StoreError, TranslateError

_MEMORY_HELP = (
    "Translation memory file (SQLite). Default: $EL2EN_MEMORY, else "
    "$XDG_DATA_HOME/el2en/memory.sqlite (~/.local/share/el2en/memory.sqlite)."
)


def _memory_path(memory: Path | None) -> Path:
    from translate.memory import default_memory_path

    return memory if memory is not None else default_memory_path()


@click.group()
def review() -> None:
    """Store reviewers' corrections in the translation memory, and export it."""


@review.command(name="import")
@click.argument("file", type=click.Path(exists=True, path_type=Path))
@click.option("--memory", type=click.Path(dir_okay=False, path_type=Path), help=_MEMORY_HELP)
@click.option(
    "--format",
    "file_format",
    type=click.Choice(["auto", "xliff", "tmx", "tsv", "xlsx", "omegat"]),
    default="auto",
    show_default=True,
    help="The reviewed file's format; auto goes by its name, then its content.",
)
@click.option(
    "--original",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="el2en's unreviewed output of the same text: a unit is taken when the reviewer "
    "changed its English from this one.",
)
@click.option(
    "--replace",
    is_flag=True,
    help="When the memory has the same Greek with other English, take the file's "
    "(default: keep the memory's and report the conflict).",
)
@click.option(
    "--all",
    "all_units",
    is_flag=True,
    help="Take every unit with Greek and English as the reviewer's, whatever the file says "
    "(for a table with no 'mt', 'reviewed' or 'correction' column).",
)
@click.option("-v", "--verbose", is_flag=True, help="List every unit not taken, and why.")
def import_(
    file: Path,
    memory: Path | None,
    file_format: str,
    original: Path | None,
    replace: bool,
    all_units: bool,
    verbose: bool,
) -> None:
    """Store the reviewer's translations in FILE (XLIFF 1.2, TMX, TSV, XLSX) in the memory.

    FILE may also be an OmegaT project folder made by --format omegat: its
    omegat/project_save.tmx and target/ documents are read.

    A unit is taken when its English differs from el2en's (kept in the file),
    when its state or a column says it was reviewed, or when its correction
    is filled in.  The file is checked whole, then stored in one transaction:
    all of it or nothing.  Prints one line per conflict (FILE:LINE) and,
    with -v, one per unit not taken (FILE:LINE: unit ID: reason) on stderr,
    and a summary on stdout.  Importing the same file again changes nothing.
    """
    from translate.memory import TranslationMemory
    from translate.review import import_reviewed, printable

    path = _memory_path(memory)
    try:
        with TranslationMemory(path) as tm:
            report = import_reviewed(
                file,
                tm,
                format=None if file_format == "auto" else file_format,
                original=original,
                replace=replace,
                all_units=all_units,
            )
    except TranslateError as exc:  # the group is bypassed when this command is called alone
        raise cli_error(exc) from None
    shown = printable(str(file))
    for note in report.notes:
        click.echo(f"el2en: warning: {note}", err=True)
    if verbose:
        for unit in report.not_taken:
            click.echo(f"{shown}:{unit.line}: unit {printable(unit.unit)}: {unit.reason}", err=True)
    elif report.not_taken:
        click.echo(
            f"el2en: {len(report.not_taken)} units not taken (first: {shown}:"
            f"{report.not_taken[0].line}: {report.not_taken[0].reason}); -v lists them",
            err=True,
        )
    for problem in report.problems:
        if problem.kind == "duplicate":
            what = f"same Greek as {problem.other_provenance} with other English; the first kept"
        elif problem.kind == "conflict":
            what = (
                f"the memory has other English ({problem.other_provenance}); "
                "kept it (--replace takes the file's)"
            )
        else:
            what = f"replaced the memory's English ({problem.other_provenance})"
        where = f"{shown}:{problem.line}: unit {printable(problem.unit)}"
        click.echo(f"{where}: {printable(what)}", err=True)
        click.echo(f"    el:     {printable(problem.el)}", err=True)
        click.echo(f"    file:   {printable(problem.en)}", err=True)
        click.echo(f"    before: {printable(problem.other_en)}", err=True)
    click.echo(f"{report.summary()} (memory: {path})")


@review.command(name="export")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="TMX file to write (default: stdout).",
)
@click.option("--memory", type=click.Path(dir_okay=False, path_type=Path), help=_MEMORY_HELP)
@click.option("--force", is_flag=True, help="Replace an existing output file.")
def export(output: Path | None, memory: Path | None, force: bool) -> None:
    """Write the translation memory as TMX 1.4b (OmegaT, Trados, memoQ import it)."""
    from translate.memory import TranslationMemory
    from translate.review import export_tmx, export_tmx_file

    path = _memory_path(memory)
    try:
        if not path.is_file():
            raise StoreError(f"{path}: no translation memory here (nothing imported yet)", path)
        with TranslationMemory(path, readonly=True) as tm:
            if output is None or str(output) == "-":
                sys.stdout.flush()
                count = export_tmx(tm, sys.stdout.buffer)
                sys.stdout.buffer.flush()
            else:
                count = export_tmx_file(tm, output, force=force)
    except TranslateError as exc:
        raise cli_error(exc) from None
    click.echo(f"{count} units exported from {path}", err=True)
