"""JSON Lines: a signature record, then one record per sentence.

``{"type": "signature", "signature": "model:...|...", "fields": {...}}`` comes
first; each sentence is ``{"type": "sentence", "doc", "paragraph", "sentence",
"span": [start, end], "el", "en", "flags"}``, the span counting characters of
the decoded source document (byte order mark excluded).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import TextIO

from translate.signature import Signature
from translate.types import Sentence


def sentence_record(s: Sentence) -> dict[str, object]:
    """Return the source fields of a sentence record: where it is and what it says."""
    return {
        "type": "sentence",
        "doc": s.doc_id,
        "paragraph": s.paragraph,
        "sentence": s.index,
        "span": [s.start, s.end],
        "el": s.source,
    }


def write_records(
    records: Iterable[dict[str, object]], stream: TextIO, signature: Signature
) -> int:
    """Write the signature record, then ``records``; return how many records were written."""
    header = {"type": "signature", "signature": str(signature), "fields": signature.as_dict()}
    stream.write(json.dumps(header, ensure_ascii=False) + "\n")
    count = 0
    for record in records:
        stream.write(json.dumps(record, ensure_ascii=False) + "\n")
        count += 1
    return count


def write(sentences: Iterable[Sentence], stream: TextIO, signature: Signature) -> int:
    """Write the signature record and one record per translated sentence."""
    records = (
        {**sentence_record(s), "en": s.translation, "flags": list(s.flags)} for s in sentences
    )
    return write_records(records, stream, signature)
