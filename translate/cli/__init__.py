"""The ``el2en`` command: a thin Click layer over the library.

It parses options, builds a config, calls the pipeline, and turns library
errors into one line on stderr and a documented exit code:
0 ok, 1 runtime error (bad input content, model, output), 2 usage error
(bad option, an input that does not exist or is a folder).
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import click

from translate import __version__
from translate.errors import InputError, TranslateError

F = TypeVar("F", bound=Callable[..., Any])
log = logging.getLogger("translate")

EXIT_RUNTIME = 1
EXIT_USAGE = 2


class CliError(click.ClickException):
    """A library error shown as one line (exit 1)."""


class CliUsageError(CliError):
    """A command line naming something unusable, shown as one line (exit 2).

    Unlike click.UsageError, no usage text follows: one line says it all.
    """

    exit_code = EXIT_USAGE


class _Formatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return f"el2en: {record.levelname.lower()}: {record.getMessage()}"


def _setup_logging(verbose: int, quiet: bool) -> None:
    level = (
        logging.ERROR if quiet else (logging.WARNING, logging.INFO, logging.DEBUG)[min(verbose, 2)]
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_Formatter())
    root = logging.getLogger("translate")
    root.handlers[:] = [handler]
    root.setLevel(level)
    root.propagate = False


def verbosity(f: F) -> F:
    """Add -v/--verbose and -q/--quiet to a command."""
    f = click.option("-q", "--quiet", is_flag=True, help="Only errors on stderr; no progress bar.")(
        f
    )
    f = click.option("-v", "--verbose", count=True, help="More messages (-vv for debug).")(f)
    return f


#: Shared by translate and segment, so both split sentences the same way.
ano_teleia_option = click.option(
    "--ano-teleia/--no-ano-teleia",
    default=False,
    show_default=True,
    help="Whether the ano teleia (·) ends a sentence.",
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="el2en")
def cli() -> None:
    """Translate Greek news articles to English, sentence by sentence, aligned."""


def _open_inputs(names: tuple[str, ...]) -> list[Any]:
    from translate.read import open_document

    if names.count("-") > 1:
        raise CliUsageError("stdin ('-') can be given only once")
    documents = []
    for name in names:
        try:
            documents.append(open_document(name))
        except InputError as exc:
            missing = exc.problem == "no such file" or exc.problem.startswith("is a directory")
            raise (CliUsageError if missing else CliError)(str(exc)) from None
    return documents


def _destinations(documents: list[Any], output: str, fmt: str) -> list[tuple[str, list[Any]]]:
    """Return (output target, documents written there) pairs."""
    from translate.formats import suffix

    if output != "-" and (output.endswith(("/", os.sep)) or Path(output).is_dir()):
        folder = Path(output)
        if not folder.is_dir():
            raise CliError(f"{output}: output folder does not exist")
        targets = []
        for doc in documents:
            stem = "stdin" if doc.path is None else doc.path.name.removesuffix(".txt")
            targets.append((str(folder / (stem + suffix(fmt))), [doc]))
        seen = [t for t, _ in targets]
        if len(set(seen)) != len(seen):
            raise CliUsageError(
                "two inputs have the same file name; they would overwrite "
                "each other's output in the folder"
            )
        return targets
    return [(output, documents)]


def _refuse_input_as_output(documents: list[Any], targets: list[tuple[str, list[Any]]]) -> None:
    for target, _ in targets:
        if target == "-" or not Path(target).exists():
            continue
        for doc in documents:
            if doc.path is not None and Path(target).resolve() == doc.path.resolve():
                raise CliUsageError(f"{target}: output would overwrite the input")


@cli.command()
@click.argument("inputs", nargs=-1, required=True, metavar="INPUT...")
@click.option(
    "-o",
    "--output",
    default="-",
    show_default=True,
    help="Output file, '-' for stdout, or a folder (ending in '/') for one file per input.",
)
@click.option(
    "-f",
    "--format",
    "fmt",
    type=click.Choice(["text", "tsv", "jsonl"]),
    default="text",
    show_default=True,
    envvar="EL2EN_FORMAT",
    help="text: the English article; tsv/jsonl: aligned sentence rows.",
)
@click.option(
    "-m",
    "--model",
    default="Helsinki-NLP/opus-mt-el-en",
    show_default=True,
    envvar="EL2EN_MODEL",
    help="Hugging Face hub id or local model folder.",
)
@click.option(
    "--revision",
    default=None,
    envvar="EL2EN_REVISION",
    help="Hub revision (branch, tag or commit) to pin.",
)
@click.option(
    "--backend",
    type=click.Choice(["auto", "ctranslate2", "transformers"]),
    default="auto",
    show_default=True,
    envvar="EL2EN_BACKEND",
    help="auto: CTranslate2 when installed and the model converts, else transformers.",
)
@click.option(
    "--compute-type",
    default="default",
    show_default=True,
    envvar="EL2EN_COMPUTE_TYPE",
    help="Numeric type (int8, float32, float16, int8_float16...); default: "
    "int8 on CPU, float16 on CUDA for CTranslate2, float32 for transformers.",
)
@click.option(
    "--beam",
    type=click.IntRange(1, 32),
    default=4,
    show_default=True,
    envvar="EL2EN_BEAM",
    help="Beam size (1 = greedy).",
)
@click.option(
    "--device",
    type=click.Choice(["auto", "cpu", "cuda"]),
    default="auto",
    show_default=True,
    envvar="EL2EN_DEVICE",
)
@click.option(
    "--threads",
    type=click.IntRange(0, 256),
    default=0,
    show_default=True,
    envvar="EL2EN_THREADS",
    help="CPU threads; 0 = one per core.",
)
@click.option(
    "--max-source-tokens",
    type=click.IntRange(8, 511),
    default=200,
    show_default=True,
    help="Longer sentences are cut at clause boundaries and flagged 'split'.",
)
@click.option(
    "--max-output-tokens",
    type=click.IntRange(1, 512),
    default=256,
    show_default=True,
    help="Decoding limit; a translation that reaches it is flagged 'max_length'.",
)
@ano_teleia_option
@verbosity
def translate(
    inputs: tuple[str, ...],
    output: str,
    fmt: str,
    model: str,
    revision: str | None,
    backend: str,
    compute_type: str,
    beam: int,
    device: str,
    threads: int,
    max_source_tokens: int,
    max_output_tokens: int,
    ano_teleia: bool,
    verbose: int,
    quiet: bool,
) -> None:
    """Translate Greek INPUT files ('-' for stdin) to English."""
    _setup_logging(verbose, quiet)
    from translate.backends import DecodeOptions
    from translate.pipeline import TranslateConfig
    from translate.segment import SegmenterOptions

    config = TranslateConfig(
        model=model,
        revision=revision,
        backend=backend,
        decode=DecodeOptions(
            beam_size=beam,
            max_output_tokens=max_output_tokens,
            device=device,
            compute_type=compute_type,
            threads=threads,
        ),
        max_source_tokens=max_source_tokens,
        segmenter=SegmenterOptions(ano_teleia_ends_sentence=ano_teleia),
    )
    try:
        _run_translate(inputs, output, fmt, config, show_progress=not quiet)
    except TranslateError as exc:
        raise CliError(str(exc)) from None


def _run_translate(
    inputs: tuple[str, ...], output: str, fmt: str, config: Any, show_progress: bool
) -> None:
    from translate.formats import get_writer
    from translate.output import atomic_output, check_writable
    from translate.pipeline import Translator

    documents = _open_inputs(inputs)
    targets = _destinations(documents, output, fmt)
    _refuse_input_as_output(documents, targets)
    for target, _ in targets:
        if target != "-":
            check_writable(Path(target))
    translator = Translator(config)
    log.info("signature: %s", translator.signature)
    writer = get_writer(fmt)
    with _progress_bar(sum(doc.size for doc in documents), show_progress) as advance:
        for target, docs in targets:
            with atomic_output(target) as stream:
                sentences = translator.translate(
                    _sentences(docs, config.segmenter), on_done=advance
                )
                writer(sentences, stream, translator.signature)


def _sentences(documents: list[Any], options: Any) -> Iterator[Any]:
    """Yield the sentences of each document in turn, warning about empty ones."""
    from translate.pipeline import document_sentences

    for doc in documents:
        empty = True
        for sentence in document_sentences(doc, options):
            empty = False
            yield sentence
        if empty:
            log.warning("%s: no text to translate; its output is empty", doc.doc_id)


@contextlib.contextmanager
def _progress_bar(total_bytes: int, enabled: bool) -> Iterator[Callable[[Any], None]]:
    """Yield a callback that advances a progress bar on stderr, shown only on a terminal."""
    from tqdm import tqdm

    shown = enabled and sys.stderr.isatty() and os.environ.get("TERM") != "dumb"
    # delay: a short file finishes before any bar appears.
    with tqdm(
        total=total_bytes,
        unit="B",
        unit_scale=True,
        desc="translating",
        delay=1.0,
        disable=not shown,
        file=sys.stderr,
        leave=False,
    ) as bar:
        yield lambda sentence: bar.update(len(sentence.source.encode("utf-8")) + 1)


@cli.command()
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
@ano_teleia_option
@verbosity
def segment(
    inputs: tuple[str, ...], output: str, fmt: str, ano_teleia: bool, verbose: int, quiet: bool
) -> None:
    """Split Greek INPUT files into sentences, to audit the splits before translating."""
    _setup_logging(verbose, quiet)
    from translate.formats.segments import segmentation_signature, write_jsonl, write_text
    from translate.output import atomic_output
    from translate.segment import SegmenterOptions

    options = SegmenterOptions(ano_teleia_ends_sentence=ano_teleia)
    try:
        documents = _open_inputs(inputs)
        _refuse_input_as_output(documents, [(output, documents)])
        with atomic_output(output) as stream:
            sentences = _sentences(documents, options)
            if fmt == "jsonl":
                write_jsonl(sentences, stream, segmentation_signature(options))
            else:
                write_text(sentences, stream)
    except TranslateError as exc:
        raise CliError(str(exc)) from None


def _add_models_group() -> None:
    from translate.cli_models import models

    cli.add_command(models)


_add_models_group()


def main() -> None:
    """Run the el2en command line."""
    cli(prog_name="el2en")
