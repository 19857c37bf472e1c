"""``el2en segment``: the sentence splits, to audit them before translating."""

from __future__ import annotations

import functools

import click

from translate.cli import cli_error
from translate.cli.options import encoding_option, segmenter_options, verbosity
from translate.cli.report import setup_logging
from translate.errors import TranslateError


@click.command()
@click.argument("inputs", nargs=-1, required=True, metavar="INPUT...")
@click.option("-o", "--output", default="-", show_default=True, help="Output file or '-'.")
@click.option(
    "-f",
    "--format",
    "fmt",
    type=click.Choice(["text", "jsonl"]),
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
    from translate.formats.segments import segmentation_signature, write_jsonl, write_text
    from translate.output import atomic_output
    from translate.read import check_encoding_option
    from translate.segment import SegmenterOptions

    options = SegmenterOptions(ano_teleia_ends_sentence=ano_teleia)
    jobs.log.info("signature: %s", segmentation_signature(options))
    try:
        planned = jobs.plan_jobs(inputs, output, ["text"])
        (job,) = planned
        documents = jobs.open_inputs(job, check_encoding_option(encoding))
        try:
            with atomic_output(output) as stream:
                sentences = jobs.document_stream(documents, options, normalised=False)
                if fmt == "jsonl":
                    write_jsonl(sentences, stream, segmentation_signature(options))
                else:
                    write_text(sentences, stream)
        finally:
            for doc in documents:
                doc.close()
    except TranslateError as exc:
        raise cli_error(exc) from None
