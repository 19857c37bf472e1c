"""The format registry, output names, and the text and JSONL writers."""

from __future__ import annotations

import dataclasses
import importlib
import io
import json
import math
from pathlib import Path

import pytest
from format_cases import SENTENCES, SIG, render, sentence, write_files

from translate.errors import UsageError
from translate.flags import PASSTHROUGH, SPLIT
from translate.formats import (
    FORMATS,
    Format,
    get_format,
    get_writer,
    input_stem,
    names,
    output_names,
    parse_formats,
)
from translate.signature import Signature


def test_every_format_is_registered_with_an_importable_writer() -> None:
    assert names() == list(FORMATS)
    assert set(names()) >= {"text", "tsv", "jsonl", "tmx", "xliff", "moses", "html"}
    for name in names():
        fmt = get_format(name)
        assert isinstance(fmt, Format) and fmt.name == name
        assert fmt.suffixes and all(suffix.startswith(".") for suffix in fmt.suffixes)
        assert callable(importlib.import_module(fmt.module).write)


def test_unknown_format_is_a_usage_error_naming_the_known_ones() -> None:
    with pytest.raises(UsageError, match="tmx"):
        get_format("docx")
    assert parse_formats("tmx, xliff,tmx,html") == ("tmx", "xliff", "html")
    with pytest.raises(UsageError):
        parse_formats("tmx,docx")


@pytest.mark.parametrize(
    ("name", "stem"),
    [
        ("skai.el.txt", "skai"),
        ("skai.txt", "skai"),
        ("skai.el", "skai"),
        ("skai", "skai"),
        ("notes.md", "notes.md"),
        ("-", "stdin"),
        (None, "stdin"),
    ],
)
def test_input_stem(name: str | None, stem: str) -> None:
    assert input_stem(name) == stem


def test_output_names_for_every_format() -> None:
    assert {name: output_names("X", name) for name in names()} == {
        "text": ["X.en.txt"],
        "tsv": ["X.el-en.tsv"],
        "jsonl": ["X.el-en.jsonl"],
        "tmx": ["X.el-en.tmx"],
        "xliff": ["X.el-en.xlf"],
        "moses": ["X.el", "X.en"],
        "html": ["X.el-en.html"],
    }


def test_no_two_formats_write_the_same_file_name() -> None:
    files = [name for fmt in names() for name in output_names("X", fmt)]
    assert len(files) == len(set(files))


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_writer_refuses_the_wrong_number_of_streams(fmt: str) -> None:
    wrong = [io.StringIO() for _ in range(len(get_format(fmt).suffixes) + 1)]
    with pytest.raises(ValueError, match=fmt):
        get_writer(fmt)(SENTENCES, wrong, SIG)


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_every_format_writes_an_empty_run(fmt: str, tmp_path: Path) -> None:
    paths = write_files(tmp_path, fmt, [])
    assert all(path.is_file() for path in paths)


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_same_input_gives_the_same_bytes(fmt: str) -> None:
    assert render(fmt) == render(fmt)


def test_text_keeps_paragraphs_lines_and_documents() -> None:
    rows = [
        sentence("a.txt", 0, 0, "Τίτλος", "Title"),
        sentence("a.txt", 0, 1, "Πρώτη.", "First."),
        sentence("a.txt", 0, 2, "Δεύτερη;", "Second?"),
        sentence("a.txt", 1, 0, "Τρίτη.", "Third.", flags=(SPLIT,)),
        sentence("b.txt", 0, 0, "10.000", "10.000", flags=(PASSTHROUGH,)),
    ]
    # index 0 starts a line; so does "Πρώτη." (a headline came before it).
    rows[1] = dataclasses.replace(rows[1], starts_line=True)
    assert render("text", rows) == ["Title\nFirst. Second?\n\nThird.\n\n10.000\n"]
    assert render("text", []) == [""]


def test_jsonl_round_trips_every_field() -> None:
    (text,) = render("jsonl")
    records = [json.loads(line) for line in text.splitlines()]
    assert len(text.splitlines()) == len(SENTENCES) + 1
    assert records[0] == {"type": "signature", "signature": str(SIG), "fields": SIG.as_dict()}
    assert Signature.parse(records[0]["signature"]) == SIG
    for record, s in zip(records[1:], SENTENCES, strict=True):
        assert record["type"] == "sentence"
        assert (record["doc"], record["paragraph"], record["sentence"]) == (
            s.doc_id,
            s.paragraph,
            s.index,
        )
        assert record["span"] == [s.start, s.end]
        assert record["el"] == s.source and record["en"] == s.translation
        assert record["flags"] == list(s.flags)
        if s.score is None:
            assert record["score"] is None
        else:
            assert math.isclose(record["score"], s.score)
        assert record.get("provenance") == s.provenance
        assert ("provenance" in record) == (s.provenance is not None)


def test_jsonl_keeps_non_ascii_readable() -> None:
    (text,) = render("jsonl")
    assert "Σοϊγκού" in text and "😀" in text and "\\u" not in text


def test_signature_round_trips() -> None:
    assert Signature.parse(str(SIG)) == SIG
