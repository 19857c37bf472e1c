"""Moses: two line-aligned plain-text files, ``NAME.el`` and ``NAME.en``.

Line ``n`` of one file is the translation of line ``n`` of the other, the form
Moses, fairseq, OpenNMT and Marian train and score on.  A sentence holding a
line break (a headline joined to its line, a hard-wrapped line) is written on
one line, each break turned into a space, so that the two files stay aligned.
An untranslated sentence gives an empty English line.  Plain text has no place
for the signature (``-v`` logs it; the other formats carry it).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import TextIO

from translate.signature import Signature
from translate.types import Sentence

#: Every character that str.splitlines() (and so most readers) ends a line at.
_LINE_BREAKS = re.compile("\r\n|[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]")


def one_line(text: str) -> str:
    """Return ``text`` with each line break (``\\r\\n`` counting as one) turned into a space."""
    return _LINE_BREAKS.sub(" ", text)


def write(sentences: Iterable[Sentence], streams: Sequence[TextIO], signature: Signature) -> int:
    """Write each sentence's Greek to the first stream and its English to the second."""
    if len(streams) != 2:
        raise ValueError(f"format moses writes 2 files (.el, .en), given {len(streams)} streams")
    greek, english = streams
    count = 0
    for s in sentences:
        greek.write(one_line(s.source) + "\n")
        english.write(one_line(s.translation or "") + "\n")
        count += 1
    return count
