"""Read Greek documents, each exactly once, from a path, a pipe, a FIFO or stdin.

An input is read once, as a stream: its bytes are decoded and checked (valid
text in the chosen encoding, no NUL characters) while they are read, hashed,
and kept in a spooled buffer (memory up to :data:`SPOOL_BYTES`, a temporary
file beyond).  Paragraphs are then streamed from that buffer.  So a pipe or a
FIFO works like a file, the checks apply to exactly the bytes that are
translated, and a bad input is found before the model is loaded.

Encodings: UTF-8 with or without a byte order mark by default, UTF-16 with a
byte order mark recognised, any Python codec on request, or an ordered list of
them tried per file (``utf-8,cp1253``: a folder with both kinds).  When UTF-8
fails and the bytes read as Greek in one of the two legacy Greek encodings,
the error says which option to use: nothing is ever guessed silently.
"""

from __future__ import annotations

import codecs
import hashlib
import io
import os
import stat
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, BinaryIO

from translate.errors import InputError, MissingInputError, OutputError, UsageError

STDIN = "-"
_CHUNK = 1 << 16
#: Decoded text kept in memory per document before the buffer moves to a temporary file.
SPOOL_BYTES = 16 << 20
#: Legacy Greek encodings suggested when UTF-8 fails, as (codec, option value).
LEGACY_GREEK = ("iso-8859-7", "cp1253")
_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_UTF8 = ("utf-8", "utf-8-sig")


def check_encoding_option(encoding: str | None) -> str | None:
    """Return the codecs' canonical names, comma-separated (None for the default),
    or raise UsageError.

    ``--encoding`` takes one codec or an ordered list (``utf-8,cp1253``), each
    file read with the first one its bytes are valid text in.
    """
    if not encoding:
        return None
    names: list[str] = []
    for part in encoding.split(","):
        try:
            name = codecs.lookup(part.strip()).name
        except LookupError:
            raise UsageError(
                f"--encoding {encoding}: unknown encoding {part.strip()!r} (try utf-8, "
                "iso-8859-7, cp1253, utf-16, or a list tried in order: utf-8,cp1253)"
            ) from None
        if name not in names:
            names.append(name)
    return ",".join(names)


@dataclass(slots=True)
class Document:
    """An input read once: its id, its decoded text (spooled) and the hash of its bytes."""

    doc_id: str
    path: Path | None
    #: sha256 of the input's bytes, as read.
    sha256: str = ""
    #: Bytes read.
    size: int = 0
    #: The codec the bytes were decoded with.
    encoding: str = "utf-8"
    _text: IO[bytes] = field(default_factory=io.BytesIO, repr=False)

    @classmethod
    def from_text(cls, doc_id: str, text: str) -> Document:
        """Return a document holding ``text`` (for tests and library callers)."""
        data = text.encode("utf-8")
        digest = hashlib.sha256(data).hexdigest()
        return cls(doc_id, None, digest, len(data), "utf-8", io.BytesIO(data))

    def lines(self) -> Iterator[str]:
        """Yield the decoded text's lines from its start, line ends as in the input."""
        self._text.seek(0)
        for raw in self._text:
            yield raw.decode("utf-8")

    def close(self) -> None:
        """Free the buffer (a temporary file for large inputs)."""
        self._text.close()

    def __enter__(self) -> Document:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


@dataclass(frozen=True, slots=True)
class Paragraph:
    """A block of text between blank lines, and where it starts in the document."""

    index: int
    #: Offset of the block's first character in the decoded document (BOM excluded).
    offset: int
    text: str


def open_document(name: str, encoding: str | None = None, regular_only: bool = False) -> Document:
    """Return the input named ``name`` (a path, or ``-`` for stdin), read once and checked.

    ``regular_only`` (inputs a batch found, not ones a user named) refuses
    anything but a regular file, checked on the opened descriptor: a FIFO
    swapped in after the walk is never waited on, a device never read.
    """
    if name == STDIN:
        return read_stream(sys.stdin.buffer, STDIN, None, encoding)
    path = Path(name)
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        raise MissingInputError(name, "no such file") from None
    except OSError as exc:
        raise InputError(name, f"cannot be read ({exc.strerror})") from None
    if stat.S_ISDIR(mode):
        raise MissingInputError(name, "is a directory, not a text file")
    try:
        # Otherwise a FIFO or a pipe opens and streams like a file; O_NONBLOCK is not
        # used, so opening a FIFO waits for its writer as a shell redirection would.
        stream = _open_regular(name) if regular_only else open(path, "rb")  # noqa: SIM115
    except PermissionError:
        raise InputError(name, "permission denied") from None
    except OSError as exc:
        raise InputError(name, f"cannot be read ({exc.strerror})") from None
    with stream:
        return read_stream(stream, name, path, encoding)


class NotRegularFileError(OSError):
    """A path that had to be a regular file is a FIFO, a device, a socket or a folder."""


def open_regular(name: str | os.PathLike[str]) -> BinaryIO:
    """Open ``name`` for reading if it is a regular file, never blocking on a FIFO.

    The check is made on the opened descriptor (``O_NONBLOCK``, then
    ``fstat``), so a FIFO or device swapped in after a walk's ``lstat`` is
    refused too: NotRegularFileError, an OSError like any other open failure.
    """
    from translate.paths import file_kind

    fd = os.open(name, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC)
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise NotRegularFileError(f"not a regular file ({file_kind(mode)}); not read")
        os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def _open_regular(name: str) -> BinaryIO:
    try:
        return open_regular(name)
    except NotRegularFileError as exc:
        raise InputError(name, str(exc)) from None


def read_stream(
    stream: BinaryIO, name: str, path: Path | None = None, encoding: str | None = None
) -> Document:
    """Return the document whose bytes ``stream`` gives, decoded and checked as they come.

    ``encoding`` may be a comma-separated list, tried in order (:func:`_read_first_fitting`).
    """
    if encoding is not None and "," in encoding:
        return _read_first_fitting(stream, name, path, encoding.split(","))
    digest = hashlib.sha256()
    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115 - owned by the Document
    try:
        head = _read(stream, name, _CHUNK)
        codec = encoding or _sniff(head)
        decoder = codecs.getincrementaldecoder(codec)("strict")
        offset = 0
        chunk = head
        first = True
        while chunk:
            digest.update(chunk)
            if codec in _UTF8:
                _check_bytes(chunk, name, offset)
            text = _decode(decoder, chunk, offset, name, codec, head, encoding)
            if first:
                text = text.removeprefix("\ufeff")
                first = False
            if codec not in _UTF8 and "\0" in text:
                raise InputError(name, "binary file (NUL character)")
            _spool(spool, text, name)
            offset += len(chunk)
            chunk = _read(stream, name, _CHUNK)
        tail = _decode(decoder, b"", offset, name, codec, head, encoding, final=True)
        _spool(spool, tail, name)
    except BaseException:
        spool.close()
        raise
    return Document(name, path, digest.hexdigest(), offset, codec, spool)


def _read_first_fitting(
    stream: BinaryIO, name: str, path: Path | None, encodings: list[str]
) -> Document:
    """Return the document read with the first of ``encodings`` its bytes are text in.

    The input is still read once: its bytes are kept in a buffer (memory up to
    :data:`SPOOL_BYTES`, a temporary file beyond), which each codec decodes in
    turn with the same checks.  The document records the codec that fitted.
    """
    raw = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115 - closed below
    try:
        while chunk := _read(stream, name, _CHUNK):
            try:
                raw.write(chunk)
            except OSError as exc:
                raise OutputError(
                    f"{name}: cannot buffer the input in the temporary folder "
                    f"{tempfile.gettempdir()} ({exc.strerror}); free space there or set TMPDIR "
                    "to a folder with room"
                ) from None
        problems: list[str] = []
        for codec in encodings:
            raw.seek(0)
            try:
                return read_stream(raw, name, path, codec)  # type: ignore[arg-type]
            except InputError as exc:
                if exc.problem.startswith("binary file"):
                    raise  # a NUL is binary in every codec: nothing else to try
                problems.append(exc.problem)
        listed = ",".join(encodings)
        raise InputError(name, f"not text in any of --encoding {listed}: {'; '.join(problems)}")
    finally:
        raw.close()


def _spool(spool: IO[bytes], text: str, name: str) -> None:
    """Keep ``text`` in the buffer; a full temporary folder is one line, not a traceback."""
    try:
        spool.write(text.encode("utf-8"))
    except OSError as exc:
        raise OutputError(
            f"{name}: cannot buffer the input in the temporary folder {tempfile.gettempdir()} "
            f"({exc.strerror}); free space there or set TMPDIR to a folder with room"
        ) from None


def _read(stream: BinaryIO, name: str, size: int) -> bytes:
    try:
        return stream.read(size)
    except OSError as exc:
        raise InputError(name, f"cannot be read ({exc.strerror or exc})") from None


def _sniff(head: bytes) -> str:
    """Return the codec a byte order mark announces, else UTF-8."""
    for bom, codec in _BOMS:
        if head.startswith(bom):
            return codec
    return "utf-8"


def _decode(
    decoder: codecs.IncrementalDecoder,
    chunk: bytes,
    offset: int,
    name: str,
    codec: str,
    head: bytes,
    requested: str | None,
    final: bool = False,
) -> str:
    try:
        return str(decoder.decode(chunk, final=final))
    except UnicodeDecodeError as exc:
        # The error's positions count from the bytes the decoder held, which
        # start with any incomplete character left from the previous chunk.
        pending = len(exc.object) - len(chunk)
        position = offset - pending + exc.start
        bad = exc.object[exc.start]
        label = "UTF-8" if codec in _UTF8 else codec
        problem = f"not {label} text (invalid byte 0x{bad:02x} at byte offset {position})"
        if requested is None and codec == "utf-8" and head[:position].isascii():
            # Valid UTF-8 Greek before the bad byte means a damaged UTF-8 file,
            # not a legacy one: no hint then.
            problem += _legacy_hint(head)
        raise InputError(name, problem) from None


def _legacy_hint(head: bytes) -> str:
    """Return advice when the bytes read as Greek in a legacy encoding, else ''."""
    fits = []
    for codec in LEGACY_GREEK:
        try:
            text = head.decode(codec)
        except UnicodeDecodeError:
            continue
        letters = [ch for ch in text if ch.isalpha()]
        greek = sum("\u0370" <= ch <= "\u03ff" for ch in letters)
        if letters and greek / len(letters) >= 0.5:
            fits.append(codec)
    if not fits:
        return ""
    # A list, UTF-8 first: in a folder of both kinds, one legacy codec alone
    # would make every UTF-8 file fail (each file is read with the first that fits).
    options = " or ".join(f"--encoding utf-8,{codec}" for codec in fits)
    names = {"iso-8859-7": "ISO-8859-7", "cp1253": "Windows-1253"}
    return (
        f"; it looks like Greek in {' or '.join(names[c] for c in fits)}: rerun with {options} "
        "(each file is read with the first encoding that fits)"
    )


def _check_bytes(chunk: bytes, name: str, offset: int) -> None:
    nul = chunk.find(b"\0")
    if nul >= 0:
        raise InputError(name, f"binary file (NUL byte at byte offset {offset + nul})")


def paragraphs(doc: Document) -> Iterator[Paragraph]:
    """Yield the document's paragraphs (blocks between blank lines), in order."""
    yield from _paragraphs(doc.lines())


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
