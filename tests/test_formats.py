"""The format registry, the files each format writes, and the text and JSONL writers."""

from __future__ import annotations

import dataclasses
import io
import json
import math
import os
import re
from pathlib import Path

import pytest
from conftest import ROOT, SEED, EchoBackend, run
from format_cases import SENTENCES, SIG, render, sentence, write_files

from translate.errors import UsageError
from translate.flags import PASSTHROUGH, SPLIT
from translate.formats import FORMATS, get_format, input_stem, parse_formats
from translate.signature import Signature


def readme_format_files() -> dict[str, list[str]]:
    """Return the README's formats table: format -> the files it writes for ``X.el.txt``."""
    lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("| format | file(s) for"))
    table = {}
    for line in lines[start + 2 :]:
        if not line.startswith("| `"):
            break
        name, files = line.split(" | ")[:2]
        table[name.strip("|` ")] = re.findall(r"`(X\.[^`]+)`", files)
    return table


def test_every_format_writes_the_files_the_readme_names(
    echo_backend: EchoBackend, fixture_model: Path, tmp_path: Path
) -> None:
    """All formats at once, through the command: each file named as documented, none shared."""
    source = tmp_path / "X.el.txt"
    source.write_bytes(SEED.read_bytes())
    out = tmp_path / "out"
    model = ("--model", str(fixture_model))
    code, _, err = run("translate", str(source), *model, "-f", ",".join(FORMATS), "-o", f"{out}/")
    assert code == 0, err
    documented = readme_format_files()
    assert sorted(documented) == sorted(FORMATS), "README's formats table differs from FORMATS"
    expected = [name for files in documented.values() for name in files]
    assert sorted(os.listdir(out)) == sorted(expected)
    assert len(set(expected)) == len(expected)
    assert all((out / name).stat().st_size > 0 for name in expected)
    assert echo_backend.batches, "the formats were not written from a translation"


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


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_writer_refuses_the_wrong_number_of_streams(fmt: str) -> None:
    wrong = [io.StringIO() for _ in range(len(get_format(fmt).suffixes) + 1)]
    with pytest.raises(ValueError, match=fmt):
        get_format(fmt).write(SENTENCES, wrong, SIG)


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
        assert record.get("terms", []) == list(s.terms)  # glossary terms, only when matched


def test_jsonl_keeps_non_ascii_readable() -> None:
    (text,) = render("jsonl")
    assert "Σοϊγκού" in text and "😀" in text and "\\u" not in text


def test_signature_round_trips() -> None:
    assert Signature.parse(str(SIG)) == SIG
