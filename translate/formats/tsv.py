"""Tab-separated rows for spreadsheets and pandas, one per sentence.

The first line is the header row; nothing comes before it, so
``csv.DictReader(f, dialect="excel-tab")``, ``pandas.read_csv(f, sep="\\t")``
and a spreadsheet's TSV import all take it as the column names.  Fields are
written by the :mod:`csv` module (``excel-tab`` dialect, minimal quoting): a
field holding a tab, a line break or a double quote is put in double quotes,
with its own quotes doubled, which every one of those readers undoes, so
each field reads back exactly as it was.

The signature travels in a ``signature`` column, repeated on every row: a
comment line breaks the readers above, and a sidecar file is lost when the
table is mailed, filtered, sorted or pasted into another sheet.  Repeated,
every row still says how it was made after any of those.

The last column, ``mt``, repeats el2en's English: a reviewer edits ``en``,
and ``el2en review import`` takes exactly the rows whose ``en`` differs from it.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from typing import TextIO

from translate.formats import single_stream
from translate.signature import Signature
from translate.types import Sentence

COLUMNS = (
    "doc",
    "paragraph",
    "sentence",
    "el",
    "en",
    "flags",
    "score",
    "provenance",
    "terms",
    "signature",
    "mt",
)


def format_score(score: float | None) -> str:
    """Return the score as a spreadsheet shows it: four decimals, empty when there is none."""
    return "" if score is None else f"{score:.4f}"


def row(s: Sentence, signature: str) -> tuple[str, ...]:
    """Return the fields of one sentence's row, in :data:`COLUMNS` order."""
    return (
        s.doc_id,
        str(s.paragraph),
        str(s.index),
        s.source,
        s.translation or "",
        ",".join(s.flags),
        format_score(s.score),
        s.provenance or "",
        "; ".join(s.terms),
        signature,
        s.translation or "",
    )


def write(sentences: Iterable[Sentence], streams: Sequence[TextIO], signature: Signature) -> int:
    """Write the header row and one row per sentence; return how many sentences."""
    stream = single_stream(streams, "tsv")
    # The dialect's "\r\n" line ends, not "\n": with "\n" the csv module
    # leaves a field holding a lone "\r" unquoted, and readers split the row there.
    writer = csv.writer(stream, dialect="excel-tab")
    writer.writerow(COLUMNS)
    text = str(signature)
    count = 0
    for s in sentences:
        writer.writerow(row(s, text))
        count += 1
    return count
