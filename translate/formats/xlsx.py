"""XLSX for people who review in a spreadsheet (LibreOffice Calc, Excel, Google Sheets).

A TSV opened in a spreadsheet is *interpreted*: ``=1+1`` becomes 2 (and a
formula from an untrusted article runs), ``007`` becomes 7, ``-5`` a number.
This workbook cannot be misread that way: every cell that holds text (the
document, the Greek, the English, flags, provenance, signature) is a string
cell with the Text number format (``@``), so it reads back exactly as written
and what a reviewer types into it stays text.  The paragraph and sentence
numbers and the score are number cells, because a reviewer sorts and filters
by them; they come from el2en, never from the input.

One sheet, ``el2en``: a frozen, bold header row with a filter; the Greek,
English and correction columns wide and wrapped; a sentence to review (a
warning flag, :func:`translate.flags.needs_review`) has a highlighted row and
its reasons spelled out in ``reasons``.  The reviewer writes a better English
into ``correction`` (or edits ``en`` itself); ``el2en review import`` takes a
row whose correction is filled in, or whose ``en`` differs from ``mt``,
el2en's own English kept in the last column (hidden) for exactly that.

Written with XlsxWriter in ``constant_memory`` mode: each row goes to disk as
soon as it is complete (inline strings, no shared-string table), so memory
stays flat in the number of rows.  openpyxl's write-only mode also streams,
but keeps every distinct string in memory for its shared-string table.
openpyxl is what ``review import`` reads XLSX with.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Sequence
from datetime import datetime, timezone
from typing import Any, BinaryIO, TextIO

from translate.errors import OutputError, UsageError
from translate.flags import is_warning, needs_review
from translate.formats import single_stream
from translate.qa import note as flag_note
from translate.signature import Signature
from translate.types import Sentence

SHEET = "el2en"
COLUMNS = (
    "doc",
    "paragraph",
    "sentence",
    "el",
    "en",
    "correction",
    "flags",
    "reasons",
    "score",
    "provenance",
    "terms",
    "signature",
    "mt",
)
#: Columns holding numbers (everything else is a text cell).
NUMERIC = frozenset({"paragraph", "sentence", "score"})
#: Wide, wrapped columns: what a reviewer reads and writes.
WRAPPED = frozenset({"el", "en", "correction", "reasons"})
WIDTHS = {
    "doc": 18,
    "paragraph": 10,
    "sentence": 9,
    "el": 60,
    "en": 60,
    "correction": 50,
    "flags": 18,
    "reasons": 40,
    "score": 8,
    "provenance": 20,
    "terms": 30,
    "signature": 30,
    "mt": 20,
}
#: Excel's limits: characters in a cell (UTF-16 code units) and rows in a sheet.
MAX_CELL = 32767
MAX_ROWS = 1_048_576
HIGHLIGHT = "#FFF2CC"
_EPOCH = datetime(2000, 1, 1, tzinfo=timezone.utc)

Cells = dict[str, "str | float | None"]


def reasons(s: Sentence) -> str:
    """Return the descriptions of the sentence's warning flags, one per line."""
    return "\n".join(flag_note(flag, s) for flag in s.flags if is_warning(flag))


def row(s: Sentence, signature: str) -> Cells:
    """Return one sentence's cells by column name (None: an empty cell)."""
    return {
        "doc": s.doc_id,
        "paragraph": s.paragraph,
        "sentence": s.index,
        "el": s.source,
        "en": s.translation or "",
        "correction": None,
        "flags": ",".join(s.flags),
        "reasons": reasons(s),
        "score": s.score,
        "provenance": s.provenance or "",
        # House glossary entries matched (translate.terms), as in the TSV.
        "terms": "; ".join(s.terms),
        "signature": signature,
        "mt": s.translation or "",
    }


def binary_stream(stream: TextIO) -> BinaryIO:
    """Return the byte stream under a writer's text stream; refuse a terminal."""
    if stream is sys.stdout and stream.isatty():
        raise UsageError("XLSX is a binary file: give -o FILE.xlsx or redirect stdout")
    buffer = getattr(stream, "buffer", None)
    if buffer is None:
        raise OutputError("XLSX needs a byte stream; this output only takes text")
    stream.flush()
    return buffer  # type: ignore[no-any-return]


class _Sheet:
    """The worksheet and the cell format of each column, plain and highlighted."""

    def __init__(self, workbook: Any) -> None:
        self.sheet = workbook.add_worksheet(SHEET)
        self.formats: dict[tuple[str, bool], Any] = {}
        for name in COLUMNS:
            for review in (False, True):
                spec: dict[str, object] = {"num_format": "@", "valign": "top"}
                if name in NUMERIC:
                    spec["num_format"] = "0.0000" if name == "score" else "0"
                if name in WRAPPED:
                    spec["text_wrap"] = True
                if review:
                    spec["bg_color"] = HIGHLIGHT
                self.formats[(name, review)] = workbook.add_format(spec)
        header = workbook.add_format({"bold": True, "num_format": "@", "bottom": 1})
        for column, name in enumerate(COLUMNS):
            # The column's format applies to the cells a reviewer fills in later too.
            options = {"hidden": name == "mt"}
            self.sheet.set_column(
                column, column, WIDTHS[name], self.formats[(name, False)], options
            )
            self.sheet.write_string(0, column, name, header)
        self.sheet.freeze_panes(1, 0)

    def write(self, number: int, cells: Cells, review: bool) -> None:
        """Write row ``number`` (1: the first below the header); raise OutputError if it cannot."""
        where = f"{cells['doc']}: paragraph {cells['paragraph']} sentence {cells['sentence']}"
        if number >= MAX_ROWS:
            raise OutputError(f"{where}: more than {MAX_ROWS - 1} sentences for one XLSX sheet")
        for column, name in enumerate(COLUMNS):
            value = cells[name]
            cell_format = self.formats[(name, review)]
            if value is None:
                status = self.sheet.write_blank(number, column, None, cell_format)
            elif isinstance(value, str):
                status = self._text(number, column, value, cell_format, f"{where}: {name}")
            else:
                status = self.sheet.write_number(number, column, value, cell_format)
            if status != 0:  # XlsxWriter only warns, and drops or cuts the cell
                raise OutputError(f"{where}: {name} cannot be written (XlsxWriter: {status})")

    def _text(self, number: int, column: int, text: str, cell_format: Any, where: str) -> int:
        if len(text) > MAX_CELL // 2 and len(text.encode("utf-16-le")) // 2 > MAX_CELL:
            raise OutputError(
                f"{where} holds {len(text)} characters, more than a spreadsheet cell takes "
                f"({MAX_CELL}); write jsonl or tsv for this document"
            )
        if text.startswith("<r>") and text.endswith("</r>"):
            # XlsxWriter's constant_memory mode writes such a string as raw rich-text
            # XML; as plain fragments it is escaped like any other text.
            fragments = (text[:1], text[1:2], text[2:])
            status: int = self.sheet.write_rich_string(number, column, *fragments, cell_format)
        else:
            status = self.sheet.write_string(number, column, text, cell_format)
        return status


def write(sentences: Iterable[Sentence], streams: Sequence[TextIO], signature: Signature) -> int:
    """Write one workbook with a row per sentence; return how many sentences."""
    import xlsxwriter

    stream = binary_stream(single_stream(streams, "xlsx"))
    options = {"constant_memory": True, "strings_to_numbers": False, "strings_to_formulas": False}
    workbook = xlsxwriter.Workbook(stream, options)
    # A fixed creation time: the same run writes the same bytes.
    workbook.set_properties(
        {"title": "el2en review", "comments": str(signature), "created": _EPOCH}
    )
    sheet = _Sheet(workbook)
    text = str(signature)
    count = 0
    for s in sentences:
        count += 1
        sheet.write(count, row(s, text), needs_review(s.flags))
    sheet.sheet.autofilter(0, 0, max(count, 1), len(COLUMNS) - 1)
    workbook.close()
    stream.flush()
    return count
