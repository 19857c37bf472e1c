"""Writers: text keeps paragraphs, TSV and JSONL rows line up with the sentences."""

from __future__ import annotations

import io
import json

from hypothesis import given
from hypothesis import strategies as st

from translate.formats import FORMATS, get_writer
from translate.formats.tsv import escape, unescape
from translate.signature import Signature
from translate.types import Sentence

SIG = Signature((("model", "m"), ("rev", "r"), ("backend", "b"), ("el2en", "0")))


def sentence(
    doc: str,
    para: int,
    index: int,
    el: str,
    en: str,
    *,
    starts_line: bool = False,
    flags: tuple[str, ...] = (),
) -> Sentence:
    return Sentence(
        doc, para, index, 0, len(el), el, el, en, flags, starts_line=starts_line or index == 0
    )


SENTENCES = [
    sentence("a.txt", 0, 0, "Τίτλος", "Title"),
    sentence("a.txt", 0, 1, "Πρώτη.", "First.", starts_line=True),
    sentence("a.txt", 0, 2, "Δεύτερη;", "Second?"),
    sentence("a.txt", 1, 0, "Τρίτη\tμε\nγραμμή\\.", "Third.", flags=("split",)),
    sentence("b.txt", 0, 0, "10.000", "10.000", flags=("passthrough",)),
]


def render(fmt: str, sentences: list[Sentence]) -> str:
    out = io.StringIO()
    assert get_writer(fmt)(sentences, out, SIG) == len(sentences)
    return out.getvalue()


def test_text_keeps_paragraphs_lines_and_documents() -> None:
    assert render("text", SENTENCES) == ("Title\nFirst. Second?\n\nThird.\n\n10.000\n")
    assert render("text", []) == ""


def test_tsv_has_signature_header_and_one_row_per_sentence() -> None:
    lines = render("tsv", SENTENCES).splitlines()
    assert lines[0] == f"# el2en {SIG}"
    assert lines[1] == "doc\tparagraph\tsentence\tel\ten\tflags"
    rows = [line.split("\t") for line in lines[2:]]
    assert len(rows) == len(SENTENCES)
    assert all(len(row) == 6 for row in rows)
    assert rows[3] == ["a.txt", "1", "0", "Τρίτη\\tμε\\nγραμμή\\\\.", "Third.", "split"]
    assert unescape(rows[3][3]) == SENTENCES[3].source


def test_jsonl_has_signature_record_and_spans() -> None:
    records = [json.loads(line) for line in render("jsonl", SENTENCES).splitlines()]
    assert records[0] == {"type": "signature", "signature": str(SIG), "fields": SIG.as_dict()}
    assert [r["el"] for r in records[1:]] == [s.source for s in SENTENCES]
    assert records[4] == {
        "type": "sentence",
        "doc": "a.txt",
        "paragraph": 1,
        "sentence": 0,
        "span": [0, len(SENTENCES[3].source)],
        "el": SENTENCES[3].source,
        "en": "Third.",
        "flags": ["split"],
    }


def test_every_format_has_a_file_suffix() -> None:
    assert {name: suffix for name, (_, suffix) in FORMATS.items()} == {
        "text": ".en.txt",
        "tsv": ".el-en.tsv",
        "jsonl": ".el-en.jsonl",
    }


@given(st.text())
def test_tsv_escape_round_trips_and_leaves_no_tab_or_newline(field: str) -> None:
    escaped = escape(field)
    assert "\t" not in escaped and "\n" not in escaped and "\r" not in escaped
    assert unescape(escaped) == field


def test_signature_round_trips() -> None:
    assert Signature.parse(str(SIG)) == SIG
    assert str(SIG) == "model:m|rev:r|backend:b|el2en:0"
