"""XLSX: every cell reads back exactly (LibreOffice, openpyxl, pandas), rows streamed to disk."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from translate.formats import xlsx
from translate.signature import Signature
from translate.types import Sentence

# What a spreadsheet would turn into something else if it were typed or imported as TSV.
HOSTILE = [
    "=1+1 και =SUM(A1:A9) έγραψε.",
    "+30 210 1234567 είναι το τηλέφωνο.",
    "-5 βαθμούς έκανε χθες.",
    "@δήμος απάντησε.",
    "007 ήταν ο κωδικός.",
    "Ο αριθμός 12345678901234567890 δεν χωράει.",
    "Κείμενο _x0041_ με διαφυγή.",
    "<r>x</r>",
    "   Κενά μπροστά και πίσω.   ",
]


def _el2en(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    from conftest import FIXTURE_MODEL

    env = {
        **os.environ,
        "HOME": str(tmp_path / "home"),
        "EL2EN_MODEL": str(FIXTURE_MODEL),
        "EL2EN_MEMORY": str(tmp_path / "no-memory.sqlite"),
    }
    command = [sys.executable, "-m", "translate", *args]
    return subprocess.run(command, capture_output=True, text=True, env=env, timeout=300)


@pytest.fixture(scope="module")
def outputs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Translate the hostile article to XLSX and JSONL in one run; return the folder."""
    folder = tmp_path_factory.mktemp("xlsx")
    (folder / "out").mkdir()
    (folder / "hostile.txt").write_text("\n\n".join(HOSTILE) + "\n", "utf-8")
    done = _el2en(
        folder, "translate", str(folder / "hostile.txt"), "-f", "xlsx,jsonl", "-o", f"{folder}/out/"
    )
    assert done.returncode == 0, done.stderr
    return folder / "out"


def _jsonl(out: Path) -> list[dict[str, Any]]:
    lines = (out / "hostile.el-en.jsonl").read_text("utf-8").splitlines()
    return [r for r in map(json.loads, lines) if r["type"] == "sentence"]


def _expected(record: dict[str, Any]) -> dict[str, Any]:
    """Return the XLSX cells a JSONL record must give, by column."""
    return {
        "doc": record["doc"],
        "paragraph": record["paragraph"],
        "sentence": record["sentence"],
        "el": record["el"],
        "en": record["en"],
        "flags": ",".join(record["flags"]),
        "score": record["score"],
        "provenance": record.get("provenance") or "",
        "terms": "; ".join(record.get("terms", [])),
        "mt": record["en"],
    }


def _unescape(value: Any) -> Any:
    """Undo OOXML's ``_xHHHH_`` escapes, which openpyxl undoes for shared strings only.

    XlsxWriter's streamed rows are inline strings, escaped as the standard says
    (``_x0041_`` in the text is written ``_x005F_x0041_``); LibreOffice and
    Excel read them back exactly, openpyxl (and so pandas) leave the escape.
    ``el2en review import`` unescapes them as this does.
    """
    from openpyxl.utils.escape import unescape

    return unescape(value) if isinstance(value, str) else value


def _check(
    rows: list[dict[str, Any]], records: list[dict[str, Any]], texts: bool, ooxml: bool = False
) -> None:
    assert len(rows) == len(records) == len(HOSTILE)
    for got, record in zip(rows, records, strict=True):
        for name, want in _expected(record).items():
            cell = _unescape(got[name]) if ooxml else got[name]
            if name == "score":
                assert float(cell) == pytest.approx(want, abs=1e-12), name
            elif name in ("paragraph", "sentence") and texts:
                assert cell == str(want), name
            else:
                assert cell == want, (name, cell, want)
        assert not got["correction"]


def test_jsonl_has_the_hostile_text_as_written(outputs: Path) -> None:
    assert [r["el"] for r in _jsonl(outputs)] == [h.strip() for h in HOSTILE]


def test_openpyxl_reads_every_cell_as_the_jsonl(outputs: Path) -> None:
    import openpyxl

    book = openpyxl.load_workbook(outputs / "hostile.el-en.xlsx")
    sheet = book[xlsx.SHEET]
    header, *body = sheet.iter_rows()
    assert [c.value for c in header] == list(xlsx.COLUMNS)
    rows = [{name: c.value for name, c in zip(xlsx.COLUMNS, r, strict=True)} for r in body]
    _check(rows, _jsonl(outputs), texts=False, ooxml=True)
    for r in body:
        for name, cell in zip(xlsx.COLUMNS, r, strict=True):
            if name not in xlsx.NUMERIC and cell.value is not None:
                assert cell.data_type == "s" and cell.number_format == "@", name
    assert sheet.freeze_panes == "A2"
    assert sheet.column_dimensions["D"].width >= 50
    assert body[0][3].alignment.wrap_text and body[0][4].alignment.wrap_text
    from openpyxl.utils import get_column_letter

    mt = get_column_letter(xlsx.COLUMNS.index("mt") + 1)
    assert sheet.column_dimensions[mt].hidden  # mt: el2en's English, for review import


def test_rows_to_review_are_highlighted_with_their_reasons(outputs: Path) -> None:
    import openpyxl

    from translate.flags import needs_review

    sheet = openpyxl.load_workbook(outputs / "hostile.el-en.xlsx")[xlsx.SHEET]
    records = _jsonl(outputs)
    assert any(needs_review(r["flags"]) for r in records)
    for r, cells in zip(records, list(sheet.iter_rows())[1:], strict=True):
        highlighted = cells[3].fill.fgColor.rgb == "FF" + xlsx.HIGHLIGHT[1:]
        reasons = cells[xlsx.COLUMNS.index("reasons")].value or ""
        assert highlighted is needs_review(r["flags"])
        warnings = [f for f in r["flags"] if needs_review([f])]
        assert [line.split(":")[0] for line in reasons.splitlines()] == warnings


def test_pandas_read_excel_gives_the_jsonl(outputs: Path) -> None:
    import pandas as pd

    frame = pd.read_excel(outputs / "hostile.el-en.xlsx", dtype=str, keep_default_na=False)
    assert list(frame.columns) == list(xlsx.COLUMNS)
    _check(frame.to_dict("records"), _jsonl(outputs), texts=True, ooxml=True)


def test_libreoffice_reads_every_cell_as_the_jsonl(outputs: Path, tmp_path: Path) -> None:
    soffice = shutil.which("soffice")
    assert soffice, "LibreOffice (soffice) is needed: scripts/install-tools.sh installs it"
    # Field 44 ",", text 34 '"', charset 76 UTF-8; raw values, not as shown.
    target = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false"
    env = {**os.environ, "HOME": str(tmp_path)}
    command = [soffice, "--headless", "--convert-to", target, "--outdir", str(tmp_path)]
    done = subprocess.run(
        [*command, str(outputs / "hostile.el-en.xlsx")],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    text = (tmp_path / "hostile.el-en.csv").read_text("utf-8")
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    _check(rows, _jsonl(outputs), texts=True)


def _sentences(count: int) -> list[Sentence]:
    return [
        Sentence("d.txt", i, 0, 0, 10, f"Πρόταση {i} " * 8, translation=f"Sentence {i} " * 8)
        for i in range(count)
    ]


@pytest.mark.slow
def test_memory_is_flat_in_the_number_of_rows(tmp_path: Path) -> None:
    """Rows go to disk as they come: 20 times the rows must not take much more memory."""
    import tracemalloc

    def peak(count: int) -> int:
        sentences = _sentences(count)
        with open(tmp_path / f"{count}.xlsx", "w", encoding="utf-8") as stream:
            tracemalloc.start()
            xlsx.write(iter(sentences), [stream], Signature((("el2en", "test"),)))
            size = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
        return size

    small, large = peak(500), peak(10_000)
    assert large < small * 1.5 + 512 * 1024, (small, large)


def test_a_cell_too_long_for_a_spreadsheet_is_refused_not_cut(tmp_path: Path) -> None:
    from translate.errors import OutputError

    long = Sentence("d.txt", 0, 0, 0, 1, "α" * (xlsx.MAX_CELL + 1), translation="a")
    with (
        open(tmp_path / "x.xlsx", "w", encoding="utf-8") as stream,
        pytest.raises(OutputError, match=r"d\.txt: paragraph 0 sentence 0: el holds 32768"),
    ):
        xlsx.write([long], [stream], Signature((("el2en", "test"),)))


def test_same_input_same_bytes(tmp_path: Path) -> None:
    made = []
    for name in ("a.xlsx", "b.xlsx"):
        with open(tmp_path / name, "w", encoding="utf-8") as stream:
            xlsx.write(_sentences(3), [stream], Signature((("el2en", "test"),)))
        made.append((tmp_path / name).read_bytes())
    assert made[0] == made[1]
