"""JSON Lines: a signature record, then one record per sentence.

``{"type": "signature", "signature": "model:...|...", "fields": {...}}`` comes
first; each sentence is ``{"type": "sentence", "doc", "paragraph", "sentence",
"span": [start, end], "el", "en", "flags", "score"}``, plus ``"provenance"``
when the translation is a reviewer's.  The span counts characters of the
decoded source document (byte order mark excluded); ``score`` is the model's
length-normalised log-probability, null when the model did not translate it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import TextIO

from translate.formats import single_stream
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


def translation_record(s: Sentence) -> dict[str, object]:
    """Return the record of a translated sentence."""
    record = {**sentence_record(s), "en": s.translation, "flags": list(s.flags), "score": s.score}
    if s.provenance is not None:
        record["provenance"] = s.provenance
    if s.terms:
        record["terms"] = list(s.terms)
    return record


def write(sentences: Iterable[Sentence], streams: Sequence[TextIO], signature: Signature) -> int:
    """Write the signature record and one record per translated sentence."""
    stream = single_stream(streams, "jsonl")
    return write_records((translation_record(s) for s in sentences), stream, signature)
