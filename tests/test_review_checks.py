"""Reviewed files are checked before they are believed, and no reviewer's edit is dropped.

Run as a user runs ``el2en review import``: a subprocess with a private HOME
and memory.  Each hostile file gives one line on stderr naming FILE:LINE and
leaves the memory as it was (all or nothing per file).
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
from pathlib import Path

import pytest
from conftest import read_pairs
from conftest import review_el2en as el2en

PAIRS = read_pairs()


def memory_rows(tmp_path: Path) -> list[tuple[str, str]]:
    path = tmp_path / "memory.sqlite"
    if not path.exists():
        return []
    with sqlite3.connect(path) as conn:
        return list(conn.execute("SELECT el, en FROM memory ORDER BY el"))


def one_error_line(done: subprocess.CompletedProcess[str], where: str, what: str) -> None:
    assert done.returncode == 1, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert where in lines[0] and what in lines[0], lines[0]
    assert "Traceback" not in done.stderr


GOOD = f"{PAIRS[0][0]}\tA reviewed one.\tyes\r\n"


@pytest.mark.parametrize(
    ("name", "content", "where", "what"),
    [
        (
            "de.xlf",
            '<xliff version="1.2" xmlns="urn:oasis:names:tc:xliff:document:1.2">\n'
            '<file original="a" source-language="el" target-language="de" datatype="plaintext">'
            f"<body><trans-unit id='1'><source>{PAIRS[0][0]}</source>"
            '<target state="final">Deutsch.</target></trans-unit></body></file></xliff>\n',
            "de.xlf:2:",
            "target-language is 'de', not English",
        ),
        (
            "de-target.xlf",
            '<xliff version="1.2" xmlns="urn:oasis:names:tc:xliff:document:1.2">'
            '<file original="a" source-language="el" datatype="plaintext"><body>\n'
            f"<trans-unit id='1'><source>{PAIRS[0][0]}</source>\n"
            '<target xml:lang="de-DE" state="final">Deutsch.</target></trans-unit>'
            "</body></file></xliff>\n",
            "de-target.xlf:3:",
            "xml:lang is 'de-DE', not English",
        ),
        (
            "de.tmx",
            '<tmx version="1.4"><header creationtool="X" srclang="el" segtype="sentence" '
            'adminlang="en" o-tmf="x" datatype="plaintext"/><body>\n'
            f'<tu><tuv xml:lang="el"><seg>{PAIRS[0][0]}</seg></tuv>'
            '<tuv xml:lang="de"><seg>Deutsch.</seg></tuv></tu></body></tmx>\n',
            "de.tmx:2:",
            "'de', not English",
        ),
        (
            "quotes.tsv",
            f'el\ten\treviewed\r\n{GOOD}"{PAIRS[1][0]}\tBroken "quote.\tyes\r\n{GOOD}',
            "quotes.tsv:3:",
            "fields where the header has 3",
        ),
        (
            "big.tsv",
            f'el\ten\treviewed\r\n{GOOD}{PAIRS[1][0]}\t"{"x" * 200_000}\tyes\r\n',
            "big.tsv:3:",
            "broken quoting",
        ),
        (
            "big-cell.tsv",
            f"el\ten\treviewed\r\n{GOOD}{PAIRS[1][0]}\t{'x' * 100_000}\tyes\r\n",
            "big-cell.tsv:3:",
            "100000 characters long",
        ),
        (
            "invisible.tsv",
            f"el\ten\treviewed\r\n{GOOD}{PAIRS[1][0]}\t\u200b\u200b \u2060\tyes\r\n",
            "invisible.tsv:3:",
            "only invisible characters",
        ),
    ],
)
def test_hostile_review_gives_one_line_and_stores_nothing(
    tmp_path: Path, name: str, content: str, where: str, what: str
) -> None:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8", newline="")
    done = el2en(tmp_path, "review", "import", str(path))
    one_error_line(done, where, what)
    assert memory_rows(tmp_path) == []  # the good rows before the bad one were not stored


def test_escape_sequences_from_a_reviewed_file_never_reach_the_terminal(tmp_path: Path) -> None:
    path = tmp_path / "evil.tsv"
    evil = "Red\x1b[31m text\x1b]0;title\x07 \u202eright-to-left"
    path.write_text(
        f"el\ten\treviewed\r\n{PAIRS[0][0]}\tOne.\tyes\r\n{PAIRS[0][0]}\t{evil}\tyes\r\n",
        encoding="utf-8",
        newline="",
    )
    done = el2en(tmp_path, "review", "import", str(path))
    assert done.returncode == 0, done.stderr
    assert "evil.tsv:3: unit row2: same Greek as" in done.stderr
    assert "\x1b" not in done.stderr and "\x07" not in done.stderr and "\u202e" not in done.stderr
    assert "\\x1b[31m" in done.stderr and "\\u202e" in done.stderr


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes read-only files anyway")
def test_read_only_memory_gives_one_line(tmp_path: Path) -> None:
    path = tmp_path / "r.tsv"
    path.write_text(f"el\ten\treviewed\r\n{GOOD}", encoding="utf-8", newline="")
    first = el2en(tmp_path, "review", "import", str(path))
    assert first.returncode == 0, first.stderr
    path.write_text(f"el\ten\treviewed\r\n{PAIRS[1][0]}\tTwo.\tyes\r\n", "utf-8", newline="")
    (tmp_path / "memory.sqlite").chmod(0o444)
    tmp_path.chmod(0o555)
    try:
        done = el2en(tmp_path, "review", "import", str(path))
    finally:
        tmp_path.chmod(0o755)
    one_error_line(done, "memory.sqlite", "read-only")


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """el2en's TSV, XLSX, XLIFF and TMX of three sentences, from one run."""
    folder = tmp_path_factory.mktemp("made")
    article = "\n\n".join(el for el, _ in PAIRS[:3]) + "\n"
    (folder / "a.txt").write_text(article, "utf-8")
    (folder / "out").mkdir()
    done = el2en(
        folder,
        "translate",
        str(folder / "a.txt"),
        "-f",
        "tsv,xlsx,xliff,tmx",
        "-o",
        f"{folder}/out/",
    )
    assert done.returncode == 0, done.stderr
    return folder / "out"


def test_an_untouched_el2en_file_imports_nothing_and_names_every_unit(
    tmp_path: Path, made: Path
) -> None:
    for name in ("a.el-en.tsv", "a.el-en.xlsx", "a.el-en.xlf", "a.el-en.tmx"):
        done = el2en(tmp_path, "review", "import", str(made / name), "-v")
        assert done.returncode == 0, done.stderr
        assert "3 units: 0 new" in done.stdout, (name, done.stdout)
        listed = [line for line in done.stderr.splitlines() if f"{name}:" in line]
        assert len(listed) == 3, (name, done.stderr)
        assert all(
            "unit a.txt" in line or "unit 0:0" in line or ": unit " in line for line in listed
        )
    assert memory_rows(tmp_path) == []


def test_an_edited_tsv_row_is_taken_by_its_mt_column(tmp_path: Path, made: Path) -> None:
    lines = (made / "a.el-en.tsv").read_bytes().decode("utf-8").split("\r\n")
    fields = lines[2].split("\t")
    fields[4] = "A corrected second sentence."
    lines[2] = "\t".join(fields)
    edited = tmp_path / "edited.tsv"
    edited.write_text("\r\n".join(lines), encoding="utf-8", newline="")
    done = el2en(tmp_path, "review", "import", str(edited))
    assert done.returncode == 0, done.stderr
    assert "3 units: 1 new" in done.stdout
    assert memory_rows(tmp_path) == [(PAIRS[1][0], "A corrected second sentence.")]


def test_xlsx_correction_and_edited_english_are_both_taken(tmp_path: Path, made: Path) -> None:
    import openpyxl

    book = openpyxl.load_workbook(made / "a.el-en.xlsx")
    sheet = book["el2en"]
    columns = [c.value for c in sheet[1]]
    fixed = sheet.cell(row=2, column=columns.index("correction") + 1, value="=A fixed first one.")
    fixed.data_type = "s"  # as Calc keeps it in el2en's Text-formatted column; openpyxl guesses
    sheet.cell(row=4, column=columns.index("en") + 1, value="007 edited in place.")
    book.save(tmp_path / "reviewed.xlsx")
    done = el2en(tmp_path, "review", "import", str(tmp_path / "reviewed.xlsx"), "-v")
    assert done.returncode == 0, done.stderr
    assert "3 units: 2 new" in done.stdout
    assert f"reviewed.xlsx:3: unit {made.parent}/a.txt:1:0: English unchanged" in done.stderr
    assert memory_rows(tmp_path) == sorted(
        [(PAIRS[0][0], "=A fixed first one."), (PAIRS[2][0], "007 edited in place.")]
    )


def test_a_bare_table_imports_nothing_unless_all(tmp_path: Path) -> None:
    path = tmp_path / "bare.tsv"
    path.write_text(f"el\ten\r\n{PAIRS[0][0]}\tOne.\r\n", encoding="utf-8", newline="")
    done = el2en(tmp_path, "review", "import", str(path))
    assert done.returncode == 0 and "0 new" in done.stdout
    assert "no review signal" in done.stderr and "--all" in done.stderr
    forced = el2en(tmp_path, "review", "import", str(path), "--all")
    assert forced.returncode == 0 and "1 new" in forced.stdout
    assert memory_rows(tmp_path) == [(PAIRS[0][0], "One.")]
