"""Output formats behind a small registry, imported lazily by name.

A writer is a function ``write(sentences, stream, signature) -> int`` that
writes the aligned sentences to a text stream and returns how many it wrote.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable
from typing import TYPE_CHECKING, Protocol, TextIO

if TYPE_CHECKING:
    from translate.signature import Signature
    from translate.types import Sentence

#: Format name -> (module, file suffix).
FORMATS: dict[str, tuple[str, str]] = {
    "text": ("translate.formats.text", ".en.txt"),
    "tsv": ("translate.formats.tsv", ".el-en.tsv"),
    "jsonl": ("translate.formats.jsonl", ".el-en.jsonl"),
}


class Writer(Protocol):
    """Writes aligned sentences to a stream."""

    def __call__(self, sentences: Iterable[Sentence], stream: TextIO, signature: Signature) -> int:
        """Write the sentences and return how many were written."""
        ...


def get_writer(name: str) -> Writer:
    """Return the writer of format ``name``."""
    module = importlib.import_module(FORMATS[name][0])
    writer: Writer = module.write
    return writer


def suffix(name: str) -> str:
    """Return the file-name suffix for outputs of format ``name``."""
    return FORMATS[name][1]
