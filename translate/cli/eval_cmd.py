"""``el2en eval``: sacreBLEU scores, flag calibration and model comparison; a thin layer.

Parses options, calls :mod:`translate.evaluate`, prints the table (or
``--json``) on stdout and writes ``--html``.  Exit codes: 0 ok; 1 a HYP or
REF that cannot be used (unreadable, empty, line counts that differ, nothing
in common), each with one line naming the file; 2 a usage error (no
reference, both ``--ref`` and ``--memory``, a missing file, ``--html`` naming
an input).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import click

from translate.cli.exits import cli_error
from translate.errors import TranslateError, UsageError

_EPILOG = """\b
Examples:
  el2en eval out.el-en.jsonl --ref reference.en          # a score
  el2en eval reviewed.xlsx --ref reviewed.xlsx           # flags against a review
  el2en eval base.jsonl big.jsonl --ref reviewed.xlf     # is big better than base?

\b
Exit codes: 0 ok; 1 a HYP or REF that cannot be used (one line names it:
empty, line counts that differ, no sentence in common); 2 usage error.
"""


@click.command(name="eval", epilog=_EPILOG)
@click.argument(
    "hyps",
    nargs=-1,
    required=True,
    metavar="HYP...",
    type=click.Path(exists=True, path_type=Path),
)
@click.option(
    "--ref",
    "ref",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Reference: English lines aligned with HYP's sentences (a Moses .en), or a reviewed "
    "XLIFF/TMX/TSV/XLSX that 'el2en review import' reads (matched by Greek sentence; a "
    "returned review is its own reference).",
)
@click.option(
    "--memory",
    "memory",
    is_flag=False,
    flag_value="",
    default=None,
    metavar="[PATH]",
    help="Use the translation memory's human entries as the reference: alone, the default "
    "memory ($EL2EN_MEMORY, else ~/.local/share/el2en/memory.sqlite); --memory=PATH another.",
)
@click.option(
    "--recall",
    type=click.FloatRange(0, 1, min_open=True),
    default=0.9,
    show_default=True,
    help="The share of changed sentences the suggested --min-score must flag.",
)
@click.option(
    "--samples",
    type=click.IntRange(min=10),
    default=1000,
    show_default=True,
    help="Resamples of the paired bootstrap when comparing HYPs (sacreBLEU's --paired-bs-n).",
)
@click.option(
    "--glossary",
    "glossaries",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False),
    help="House glossary (repeatable): also report term adherence.",
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of the table.")
@click.option(
    "--html",
    "html_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write a self-contained HTML report with a plot of model score against change.",
)
def eval_(
    hyps: tuple[Path, ...],
    ref: Path | None,
    memory: str | None,
    recall: float,
    samples: int,
    glossaries: tuple[str, ...],
    as_json: bool,
    html_path: Path | None,
) -> None:
    """Score HYP (el2en outputs, or folders of them) against a reference with sacreBLEU.

    Prints BLEU, chrF and TER with sacreBLEU's signatures, how many sentences
    the reference changed, each flag's precision and recall against those
    changes, and the --min-score that would flag the chosen recall of them.
    With two or more HYPs, each is compared with the first by sacreBLEU's
    paired bootstrap resampling.
    """
    from translate import eval_report, evaluate

    try:
        _check_usage(hyps, ref, memory, html_path)
        systems = [evaluate.read_system(path) for path in hyps]
        if ref is not None:
            reference = evaluate.read_reference(ref)
        else:
            reference = evaluate.memory_reference(_memory_path(memory), systems)
        glossary = evaluate.load_glossary(glossaries) if glossaries else None
        result = evaluate.evaluate(
            systems, reference, recall=recall, samples=samples, glossary=glossary
        )
        if html_path is not None:
            eval_report.write_html(result, html_path)
    except TranslateError as exc:
        raise cli_error(exc) from None
    if as_json:
        click.echo(json.dumps(eval_report.to_json(result), ensure_ascii=False, indent=2))
    else:
        click.echo(eval_report.format_table(result), nl=False)


def _memory_path(memory: str | None) -> Path:
    from translate.evaluate import default_memory_path

    return Path(memory).expanduser() if memory else default_memory_path()


def _check_usage(
    hyps: tuple[Path, ...], ref: Path | None, memory: str | None, html_path: Path | None
) -> None:
    if ref is None and memory is None:
        raise UsageError("no reference: give --ref FILE or --memory")
    if ref is not None and memory is not None:
        raise UsageError("give --ref or --memory, not both")
    if html_path is None:
        return
    inputs = [*hyps, *([ref] if ref is not None else [])]
    for path in inputs:
        if html_path.exists() and _same_file(path, html_path):
            raise UsageError(f"{html_path}: --html would overwrite the input {path}")


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False
