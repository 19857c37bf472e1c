"""``el2en glossary check FILE...``: what in a house glossary would mislead a run."""

from __future__ import annotations

import click

from translate.cli.exits import cli_error
from translate.errors import TranslateError


@click.group()
def glossary() -> None:
    """Work with house glossaries (OmegaT format: Greek<TAB>English[<TAB>comment])."""


@glossary.command(
    epilog="\b\nExit codes: 0 the files can be used (duplicates are only warned about); "
    "1 some line would stop a run (no tab, an empty side, a conflict) or can never "
    "match; 2 a file does not exist."
)
@click.argument("files", nargs=-1, required=True, metavar="FILE...")
def check(files: tuple[str, ...]) -> None:
    """Report duplicates, conflicts, empty sides and entries that can never match.

    Each problem is one line, FILE:LINE: what is wrong, on stdout; the files
    are checked together, as a run with several --glossary options uses them.
    """
    from translate.glossary import check as check_terms
    from translate.glossary import read_file

    try:
        terms = []
        problems = []
        for path in files:
            found, bad = read_file(path)
            terms.extend(found)
            problems.extend(bad)
        problems.extend(check_terms(terms))
    except TranslateError as exc:
        raise cli_error(exc) from None
    for problem in sorted(problems, key=_order):
        kind = "error" if problem.fatal else "warning"
        click.echo(f"{problem.where}: {kind}: {problem.message}")
    errors = sum(1 for p in problems if p.fatal)
    warnings = len(problems) - errors
    click.echo(
        f"{len(terms)} entries in {len(files)} file(s): {errors} error(s), {warnings} warning(s)",
        err=True,
    )
    if errors:
        click.get_current_context().exit(1)


def _order(problem: object) -> tuple[str, int]:
    where = str(getattr(problem, "where", ""))
    path, _, line = where.rpartition(":")
    return (path, int(line) if line.isdigit() else 0)
