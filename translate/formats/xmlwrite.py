"""Helpers shared by the XML formats (TMX, XLIFF): streaming lxml output to a text stream.

The documents are written with :class:`lxml.etree.xmlfile`, one element at a
time, so that a large run streams instead of building its whole tree; every
element is still built by lxml, which escapes its text and attributes.
"""

from __future__ import annotations

import codecs
import re
from typing import TextIO

#: Characters XML 1.0 cannot hold at all, not even as character references.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_text(text: str) -> str:
    """Return ``text`` with the characters XML 1.0 forbids (C0 controls, lone surrogates,
    U+FFFE/U+FFFF) replaced by U+FFFD; everything else is kept as it is."""
    return _NOT_XML.sub("\ufffd", text)


class TextSink:
    """A binary file-like object that decodes UTF-8 into a text stream.

    :class:`lxml.etree.xmlfile` writes bytes; the writers' streams take text.
    The incremental decoder keeps a character split across two writes whole.
    """

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self._decoder = codecs.getincrementaldecoder("utf-8")()

    def write(self, data: bytes) -> int:
        """Decode ``data`` and write it to the text stream; return its length in bytes."""
        self._stream.write(self._decoder.decode(data))
        return len(data)

    def close(self) -> None:
        """Flush what is left of the decoder; the text stream stays open."""
        self._stream.write(self._decoder.decode(b"", final=True))
