"""Tab-separated rows, one per sentence: doc, paragraph, sentence, el, en, flags.

The first line is a ``#`` comment with the signature, the second the column
names.  Tabs, line breaks and backslashes inside a field are written as
``\\t``, ``\\n``, ``\\r`` and ``\\\\`` so that every sentence stays on one row.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TextIO

from translate.signature import Signature
from translate.types import Sentence

COLUMNS = ("doc", "paragraph", "sentence", "el", "en", "flags")
_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
_UNESCAPES = {"\\\\": "\\", "\\t": "\t", "\\n": "\n", "\\r": "\r"}


def escape(field: str) -> str:
    """Return ``field`` with tabs, line breaks and backslashes escaped."""
    return field.translate(_ESCAPES)


def unescape(field: str) -> str:
    """Return the field that :func:`escape` turned into ``field``."""
    import re

    return re.sub(r"\\[\\tnr]", lambda m: _UNESCAPES[m.group()], field)


def write(sentences: Iterable[Sentence], stream: TextIO, signature: Signature) -> int:
    """Write the signature comment, the header row and one row per sentence."""
    stream.write(f"# el2en {signature}\n")
    stream.write("\t".join(COLUMNS) + "\n")
    count = 0
    for s in sentences:
        row = (
            s.doc_id,
            str(s.paragraph),
            str(s.index),
            s.source,
            s.translation or "",
            ",".join(s.flags),
        )
        stream.write("\t".join(escape(field) for field in row) + "\n")
        count += 1
    return count
