"""Output formats behind a small registry, imported lazily by name.

A format writes one or more files (Moses writes two); its module has a
function ``write(sentences, streams, signature) -> int`` that writes the
aligned sentences to ``streams`` (one per suffix, in order) and returns how
many sentences it wrote.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, TextIO

from translate.errors import UsageError

if TYPE_CHECKING:
    from translate.signature import Signature
    from translate.types import Sentence


class Writer(Protocol):
    """Writes aligned sentences to one stream per output file."""

    def __call__(
        self, sentences: Iterable[Sentence], streams: Sequence[TextIO], signature: Signature
    ) -> int:
        """Write the sentences and return how many were written."""
        ...


@dataclass(frozen=True, slots=True)
class Format:
    """An output format: its module and the suffix of each file it writes."""

    name: str
    module: str
    suffixes: tuple[str, ...]
    help: str = ""

    def write(
        self, sentences: Iterable[Sentence], streams: Sequence[TextIO], signature: Signature
    ) -> int:
        """Write ``sentences`` to ``streams`` (one per suffix); return how many."""
        writer: Writer = importlib.import_module(self.module).write
        return writer(sentences, streams, signature)


#: Format name -> Format.  A new format needs an entry here and nothing in the CLI.
FORMATS: dict[str, Format] = {
    f.name: f
    for f in (
        Format("text", "translate.formats.text", (".en.txt",), "the English article"),
        Format(
            "tsv", "translate.formats.tsv", (".el-en.tsv",), "aligned rows for programs (not Calc)"
        ),
        Format(
            "xlsx", "translate.formats.xlsx", (".el-en.xlsx",), "a workbook for spreadsheet users"
        ),
        Format("jsonl", "translate.formats.jsonl", (".el-en.jsonl",), "aligned JSON records"),
        Format("tmx", "translate.formats.tmx", (".el-en.tmx",), "TMX 1.4b translation memory"),
        Format("xliff", "translate.formats.xliff", (".el-en.xlf",), "XLIFF 1.2 for CAT tools"),
        Format("moses", "translate.formats.moses", (".el", ".en"), "two line-aligned files"),
        Format(
            "omegat",
            "translate.formats.omegat",
            tuple(
                f".omegat/{name}"
                for name in (
                    "omegat.project",
                    "source/article.el.txt",
                    "tm/auto/article.el-en.tmx",
                    "glossary/el2en.txt",
                    "omegat/el2en-signature.txt",
                    "target/README.txt",
                )
            ),
            "a ready OmegaT project folder: the Greek to translate, el2en's English filling it",
        ),
        Format("html", "translate.formats.html", (".el-en.html",), "a review page for a browser"),
    )
}


def get_format(name: str) -> Format:
    """Return the format called ``name``, or raise UsageError listing the known ones."""
    try:
        return FORMATS[name]
    except KeyError:
        raise UsageError(f"unknown format {name!r}; choose from: {', '.join(FORMATS)}") from None


#: File name endings that name a one-file format (``-o x.tsv``), beside the formats' own.
_ALIASES = {".xliff": "xliff", ".htm": "html"}


def format_of_name(name: str) -> str | None:
    """Return the one-file format a file name's extension names (``x.tsv`` -> tsv), or None."""
    extension = os.path.splitext(name)[1].lower()
    if not extension:
        return None
    for fmt in FORMATS.values():
        if len(fmt.suffixes) == 1 and os.path.splitext(fmt.suffixes[0])[1] == extension:
            return fmt.name
    return _ALIASES.get(extension)


def formats_for_output(output: str, chosen: tuple[str, ...], given: bool) -> tuple[str, ...]:
    """Return the formats to write to ``output``: the file name's when -f was not ``given``.

    ``-o x.tsv`` alone writes TSV, not the default text into a file called
    ``.tsv``; with ``-f jsonl`` the name and the format disagree, a usage error
    rather than a JSONL file that every TSV reader would misread.
    """
    if output == "-" or output.endswith(("/", os.sep)) or os.path.isdir(output):
        return chosen
    named = format_of_name(output)
    if named is None:
        return chosen
    if not given:
        return (named,)
    if len(chosen) == 1 and chosen[0] != named:
        raise UsageError(
            f"-o {output}: the name says {named} but --format is {chosen[0]}; "
            f"make them agree (or leave out --format to write {named})"
        )
    return chosen


def get_writer(name: str) -> Writer:
    """Return the writer of format ``name``, importing its module now."""
    writer: Writer = importlib.import_module(get_format(name).module).write
    return writer


def parse_formats(value: str) -> tuple[str, ...]:
    """Return the format names in a comma-separated list, checked and without repeats."""
    chosen = tuple(dict.fromkeys(part.strip() for part in value.split(",") if part.strip()))
    if not chosen:
        raise UsageError("no format given")
    for name in chosen:
        get_format(name)
    return chosen


#: The stem of outputs made from standard input.
STDIN_STEM = "stdin"


def input_stem(name: str | None) -> str:
    """Return the stem an input's outputs are named after: ``X.el.txt`` and ``X.txt`` give ``X``.

    Standard input (None or ``-``) gives ``stdin``.  Other extensions are kept
    (``notes.md`` gives ``notes.md``), so inputs that differ there do not collide.
    """
    if name is None or name == "-":
        return STDIN_STEM
    stem = name.removesuffix(".txt")
    return stem.removesuffix(".el") or stem or "output"


def single_stream(streams: Sequence[TextIO], name: str) -> TextIO:
    """Return the only stream of a one-file format; raise ValueError when given another number."""
    if len(streams) != 1:
        raise ValueError(f"format {name} writes 1 file, given {len(streams)} streams")
    return streams[0]
