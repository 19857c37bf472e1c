"""Plain English text: the translated article with the source's paragraphs and lines."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TextIO

from translate.formats import single_stream
from translate.signature import Signature
from translate.types import Sentence


def write(sentences: Iterable[Sentence], streams: Sequence[TextIO], signature: Signature) -> int:
    """Write the translations as text, a blank line between paragraphs and documents.

    The signature is not written: plain text has no place for it that a
    reader would not have to strip (``-v`` logs it; TSV and JSONL carry it).
    """
    stream = single_stream(streams, "text")
    count = 0
    previous: Sentence | None = None
    for sentence in sentences:
        if previous is not None:
            if (sentence.doc_id, sentence.paragraph) != (previous.doc_id, previous.paragraph):
                stream.write("\n\n")
            elif sentence.starts_line:
                stream.write("\n")
            else:
                stream.write(" ")
        stream.write(sentence.translation or "")
        previous = sentence
        count += 1
    if previous is not None:
        stream.write("\n")
    return count
