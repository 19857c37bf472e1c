"""Segmentation output for reviewers: one sentence per line, or JSONL with spans.

The JSONL form starts with a signature record, like the translation formats;
the one-sentence-per-line form has none, so that it stays plain text.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TextIO

from translate.formats.jsonl import sentence_record, write_records
from translate.segment import SegmenterOptions, segmenter_signature
from translate.signature import Signature
from translate.types import Sentence


def one_line(text: str) -> str:
    """Return ``text`` with its line breaks and runs of whitespace turned to single spaces."""
    return " ".join(text.split())


def segmentation_signature(options: SegmenterOptions) -> Signature:
    """Return the signature of a segmentation: the segmenter's and el2en's versions."""
    from translate import __version__

    return Signature((("seg", segmenter_signature(options)), ("el2en", __version__)))


def write_text(sentences: Iterable[Sentence], stream: TextIO) -> int:
    """Write one sentence per line, a blank line between paragraphs and documents."""
    count = 0
    previous: tuple[str, int] | None = None
    for s in sentences:
        if previous is not None and previous != (s.doc_id, s.paragraph):
            stream.write("\n")
        stream.write(one_line(s.source) + "\n")
        previous = (s.doc_id, s.paragraph)
        count += 1
    return count


def write_jsonl(sentences: Iterable[Sentence], stream: TextIO, signature: Signature) -> int:
    """Write a signature record, then one record per sentence with its span in the source."""
    return write_records((sentence_record(s) for s in sentences), stream, signature)
