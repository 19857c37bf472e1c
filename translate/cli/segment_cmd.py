"""``el2en segment``: the sentence splits, to audit them before translating."""

from __future__ import annotations

import functools

import click

from translate.cli.options import encoding_option, segmenter_options, verbosity
from translate.cli.report import setup_logging


@click.command()
@click.argument("inputs", nargs=-1, required=True, metavar="INPUT...")
@click.option(
    "-o",
    "--output",
    default="-",
    show_default=True,
    help="Output file, '-' for stdout, or a folder (ending in '/'; created if missing) "
    "for one X.sentences.txt (or .jsonl) per input.",
)
@click.option(
    "-f",
    "--format",
    "fmt",
    type=click.Choice(["text", "jsonl"]),  # translate.jobs.SEGMENT_FORMATS
    default="text",
    show_default=True,
    help="text: one sentence per line, blank line between paragraphs; jsonl: with spans.",
)
@encoding_option
@segmenter_options
@functools.partial(verbosity, verbose_help="More messages: -v the segmentation's signature.")
def segment(
    inputs: tuple[str, ...],
    output: str,
    fmt: str,
    encoding: str | None,
    ano_teleia: bool,
    verbose: int,
    quiet: bool,
) -> None:
    """Split Greek INPUT files into sentences, to audit the splits before translating."""
    setup_logging(verbose, quiet)
    from translate import jobs
    from translate.formats.segments import segmentation_signature
    from translate.read import check_encoding_option
    from translate.segment import SegmenterOptions

    options = SegmenterOptions(ano_teleia_ends_sentence=ano_teleia)
    jobs.log.info("signature: %s", segmentation_signature(options))
    jobs.segment_files(inputs, output, fmt, options, check_encoding_option(encoding))
