"""The read stage: UTF-8 checks with byte offsets, BOM, CRLF, paragraphs with offsets."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from translate.errors import InputError
from translate.read import Document, open_document, paragraphs


def write(tmp_path: Path, data: bytes, name: str = "in.txt") -> str:
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (b"\xffabc", "not UTF-8 text (invalid byte 0xff at byte offset 0)"),
        ("Καλημέρα".encode() + b"\xa0", "not UTF-8 text (invalid byte 0xa0 at byte offset 16)"),
        ("αβ".encode() + "γ".encode()[:1], "not UTF-8 text (invalid byte 0xce at byte offset 4)"),
        (
            "Καλη".encode("iso-8859-7"),
            "not UTF-8 text (invalid byte 0xca at byte offset 0); it looks like Greek in "
            "ISO-8859-7 or Windows-1253: rerun with --encoding utf-8,iso-8859-7 or --encoding "
            "utf-8,cp1253 (each file is read with the first encoding that fits)",
        ),
        (b"PK\x03\x04\x00\x00", "binary file (NUL byte at byte offset 4)"),
    ],
)
def test_bad_bytes_are_named_with_their_offset(tmp_path: Path, data: bytes, problem: str) -> None:
    name = write(tmp_path, data)
    with pytest.raises(InputError) as info:
        open_document(name)
    assert info.value.problem == problem
    assert str(info.value) == f"{name}: {problem}"


def test_bad_byte_after_a_chunk_boundary(tmp_path: Path) -> None:
    # 2**20 bytes of two-byte characters, then a bad byte: offsets must count across chunks.
    data = "α".encode() * (1 << 19) + "β".encode()[:1] + b"x"
    with pytest.raises(InputError, match=r"0xce at byte offset 1048576\)"):
        open_document(write(tmp_path, data))


def test_missing_and_directory(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        open_document(str(tmp_path / "nope.txt"))
    with pytest.raises(InputError, match="is a directory"):
        open_document(str(tmp_path))


def test_bom_crlf_and_paragraph_offsets(tmp_path: Path) -> None:
    text = "Τίτλος\r\n\r\nΠρώτη. Δεύτερη;\r\nσυνέχεια\r\n \r\n\r\nΤρίτη\r\n"
    doc = open_document(write(tmp_path, b"\xef\xbb\xbf" + text.encode()))
    paras = list(paragraphs(doc))
    assert [p.text for p in paras] == ["Τίτλος", "Πρώτη. Δεύτερη;\r\nσυνέχεια", "Τρίτη"]
    assert [p.index for p in paras] == [0, 1, 2]
    for p in paras:
        assert text[p.offset : p.offset + len(p.text)] == p.text


def test_empty_file_has_no_paragraphs(tmp_path: Path) -> None:
    assert list(paragraphs(open_document(write(tmp_path, b"")))) == []
    assert list(paragraphs(open_document(write(tmp_path, b"\n \n\t\n", "ws.txt")))) == []


@given(st.text(alphabet=st.sampled_from("αβ γ.\n\r\t;«»"), max_size=200))
def test_paragraphs_keep_every_non_space_character(text: str) -> None:
    doc = Document.from_text("-", text)
    paras = list(paragraphs(doc))
    for p in paras:
        assert text[p.offset : p.offset + len(p.text)] == p.text
    assert "".join(text.split()) == "".join("".join(p.text.split()) for p in paras)
