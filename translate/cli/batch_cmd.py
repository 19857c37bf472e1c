"""``el2en batch SRC OUT``: a folder (or a list of files) into a folder, for nightly jobs."""

from __future__ import annotations

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
from translate.cli.report import setup_logging
from translate.engines import ENGINES
from translate.errors import EXIT_SOME_FAILED

EPILOG = f"""\b
Examples:
  el2en batch in/ out/                          every *.txt under in/, JSONL, tree mirrored
  el2en batch in/ out/ -f jsonl,tsv --glob '*.el.txt'
  find in -newer stamp -name '*.txt' | el2en batch - out/    a list of files on stdin
  el2en batch in/ out/ --force --no-cache       redo everything from the model

\b
A rerun skips inputs whose bytes, signature and settings are unchanged and
whose outputs are intact; it redoes changed inputs and deleted outputs. The
manifest (OUT/.el2en-manifest.sqlite), the cache (OUT/.el2en-cache.sqlite) and
the lock (OUT/.el2en.lock) live in OUT; the report is OUT/el2en-report.json.

{EXIT_CODES_HELP}
"""


@click.command(epilog=EPILOG)
@click.argument("src", metavar="SRC")
@click.argument("out", metavar="OUT")
@click.option(
    "--glob",
    "pattern",
    default="*.txt",
    show_default=True,
    help="Which files under SRC are inputs (recursive; a pattern with '/' matches the "
    "end of the path). Hidden files and folders are left out.",
)
@format_option(default="jsonl")
@click.option("--force", is_flag=True, help="Translate every input again, changed or not.")
@click.option(
    "--cache",
    "cache_path",
    default=None,
    envvar="EL2EN_CACHE",
    metavar="PATH",
    help="Translation cache file, shareable by several jobs. Default: OUT/.el2en-cache.sqlite.",
)
@click.option("--no-cache", is_flag=True, help="Translate every sentence with the model.")
@click.option(
    "--cache-size",
    "cache_rows",
    type=click.IntRange(1),
    default=None,
    metavar="N",
    help="Most sentences the cache keeps; the least recently used go first. [default: 200000]",
)
@click.option(
    "--report",
    "report_path",
    default=None,
    metavar="FILE.json",
    help="Also write the run's report here (it is always written to OUT/el2en-report.json).",
)
@click.option(
    "--root",
    default=None,
    metavar="DIR",
    help="With a list of inputs: mirror their paths relative to DIR "
    "(default: their common folder).",
)
@click.option(
    "--engine",
    type=click.Choice(list(ENGINES)),
    default="local",
    show_default=True,
    help="Where the jobs run: this process, or a Ray cluster (pip install 'el2en[ray]').",
)
@click.option("--ray-address", default=None, help="Ray cluster to join (--engine ray).")
@click.option("--actors", type=click.IntRange(1), default=None, help="Ray actors (--engine ray).")
@click.option(
    "--threads-per-actor",
    type=click.IntRange(1),
    default=None,
    help="CPU threads per Ray actor (--engine ray).",
)
@encoding_option
@model_options
@qa_options
@memory_option
@no_memory_option
@verbosity
def batch(
    src: str,
    out: str,
    pattern: str,
    formats: str,
    force: bool,
    cache_path: str | None,
    no_cache: bool,
    cache_rows: int | None,
    report_path: str | None,
    root: str | None,
    engine: str,
    ray_address: str | None,
    actors: int | None,
    threads_per_actor: int | None,
    encoding: str | None,
    memory: str | None,
    no_memory: bool,
    verbose: int,
    quiet: bool,
    **settings: Any,
) -> None:
    """Translate every input under the folder SRC into the folder OUT.

    SRC may instead be a file listing input paths, one a line ('-' for stdin).
    One bad input never stops the rest: it is reported, and the run exits 3.
    """
    from translate.batch import BatchOptions, run_batch
    from translate.formats import parse_formats
    from translate.jobs import RunOptions, memory_path
    from translate.read import check_encoding_option

    setup_logging(verbose, quiet)
    context = click.get_current_context()
    source = context.get_parameter_source("cache_path")
    if no_cache and source == click.core.ParameterSource.COMMANDLINE:
        raise click.UsageError("--cache and --no-cache contradict each other")
    qa = pop_qa_config(settings)
    config = translate_config(**settings)
    run = RunOptions(
        formats=parse_formats(formats),
        encoding=check_encoding_option(encoding),
        # No fsync per output: the manifest records each output's sha256 and a
        # rerun checks it, so an output a power cut lost is redone; the
        # manifest itself is fsynced at each commit.
        durable=False,
        qa=qa,
    )
    options = BatchOptions(
        src=src,
        out=out,
        glob=pattern,
        formats=run.formats,
        encoding=run.encoding,
        force=force,
        cache_path=cache_path,
        use_cache=not no_cache,
        cache_rows=cache_rows,
        report_path=report_path,
        root=root,
        memory=memory_path(memory, no_memory),
        engine=engine,
        engine_options={
            name: value
            for name, value in (
                ("ray_address", ray_address),
                ("actors", actors),
                ("threads_per_actor", threads_per_actor),
            )
            if value is not None
        },
    )
    from translate.cli.progress import batch_bar

    with batch_bar(not quiet) as progress:
        report = run_batch(options, config, run, progress=progress)
    if not quiet:
        click.echo(report.summary(), err=True)
    if report.failed:
        click.get_current_context().exit(EXIT_SOME_FAILED)
