"""Read Greek documents: UTF-8 with or without BOM, LF or CRLF, from paths or stdin.

Documents are checked whole before anything is translated (so a bad byte
near the end of a file fails the run before the model is even loaded), then
streamed paragraph by paragraph, so a large file never sits in memory.
"""

from __future__ import annotations

import io
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from translate.errors import InputError

STDIN = "-"
_BOM = b"\xef\xbb\xbf"
_CHUNK = 1 << 20


@dataclass(frozen=True, slots=True)
class Document:
    """An input document: its id (the path as given, or ``-``) and where its bytes are."""

    doc_id: str
    path: Path | None
    #: The whole input, for stdin (which cannot be read twice); None for files.
    data: bytes | None = None

    @property
    def size(self) -> int:
        """Return the document's size in bytes."""
        if self.data is not None:
            return len(self.data)
        assert self.path is not None
        return self.path.stat().st_size


@dataclass(frozen=True, slots=True)
class Paragraph:
    """A block of text between blank lines, and where it starts in the document."""

    index: int
    #: Offset of the block's first character in the decoded document (BOM excluded).
    offset: int
    text: str


def open_document(name: str) -> Document:
    """Return the document named ``name`` after checking it is readable UTF-8 text."""
    if name == STDIN:
        data = sys.stdin.buffer.read()
        check_bytes(io.BytesIO(data), name)
        return Document(STDIN, None, data)
    path = Path(name)
    if not path.exists():
        raise InputError(name, "no such file")
    if path.is_dir():
        raise InputError(name, "is a directory, not a text file")
    try:
        with open(path, "rb") as f:
            check_bytes(f, name)
    except PermissionError:
        raise InputError(name, "permission denied") from None
    except OSError as exc:
        raise InputError(name, f"cannot be read ({exc.strerror})") from None
    return Document(name, path)


def check_bytes(stream: BinaryIO, name: str) -> None:
    """Raise InputError if ``stream`` holds NUL bytes or is not valid UTF-8."""
    import codecs

    decoder = codecs.getincrementaldecoder("utf-8")("strict")
    offset = 0
    while chunk := stream.read(_CHUNK):
        nul = chunk.find(b"\0")
        if nul >= 0:
            raise InputError(name, f"binary file (NUL byte at byte offset {offset + nul})")
        try:
            decoder.decode(chunk)
        except UnicodeDecodeError as exc:
            pending = len(exc.object) - len(chunk)
            raise InputError(name, _utf8_problem(exc, offset - pending)) from None
        offset += len(chunk)
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError as exc:
        raise InputError(name, _utf8_problem(exc, offset - len(exc.object))) from None


def _utf8_problem(exc: UnicodeDecodeError, chunk_offset: int) -> str:
    # The decoder's error positions count from the bytes it was decoding,
    # which start with any incomplete character left from the last chunk.
    bad = exc.object[exc.start]
    return f"not UTF-8 text (invalid byte 0x{bad:02x} at byte offset {chunk_offset + exc.start})"


def paragraphs(doc: Document) -> Iterator[Paragraph]:
    """Yield the document's paragraphs (blocks between blank lines), in order."""
    if doc.data is not None:
        yield from _paragraphs(_lines(io.BytesIO(doc.data), doc.doc_id))
        return
    assert doc.path is not None
    with open(doc.path, "rb") as stream:
        yield from _paragraphs(_lines(stream, doc.doc_id))


def _lines(stream: BinaryIO, name: str) -> Iterator[str]:
    """Yield decoded lines with their line ends, the BOM dropped."""
    first = True
    for raw in stream:
        if first:
            raw = raw.removeprefix(_BOM)
            first = False
        try:
            yield raw.decode("utf-8")
        except UnicodeDecodeError as exc:  # the file changed since it was checked
            raise InputError(name, f"not UTF-8 text ({exc.reason})") from None


def _paragraphs(lines: Iterator[str]) -> Iterator[Paragraph]:
    block: list[str] = []
    offset = start = index = 0
    for line in lines:
        if line.strip():
            if not block:
                start = offset
            block.append(line)
        elif block:
            yield Paragraph(index, start, "".join(block).rstrip())
            index += 1
            block = []
        offset += len(line)
    if block:
        yield Paragraph(index, start, "".join(block).rstrip())
