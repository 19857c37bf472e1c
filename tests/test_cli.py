"""The el2en command end to end on the committed test model: exact English, aligned."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import ROOT, SEED, seed_sentences

from translate.cli import cli
from translate.signature import Signature

BACKENDS = ["transformers", "ctranslate2"]


def run(*args: str, input: str | bytes | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), input=input, catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def expected_article(references: dict[str, str]) -> str:
    return "\n\n".join(" ".join(references[s] for s in para) for para in seed_sentences()) + "\n"


def test_seed_sentences_are_the_fixture_rows(references: dict[str, str]) -> None:
    flat = [s for para in seed_sentences() for s in para]
    assert flat == list(references)[: len(flat)]


@pytest.mark.parametrize("backend", BACKENDS)
def test_seed_article_translates_exactly(
    fixture_model: Path, references: dict[str, str], backend: str
) -> None:
    code, out, err = run(
        "translate", str(SEED), "--model", str(fixture_model), "--backend", backend, "-q"
    )
    assert (code, err) == (0, "")
    assert out == expected_article(references)


@pytest.mark.parametrize("beam", ["1", "4"])
def test_jsonl_rows_line_up_with_the_greek(
    fixture_model: Path, references: dict[str, str], beam: str
) -> None:
    code, out, _ = run(
        "translate",
        str(SEED),
        "--model",
        str(fixture_model),
        "--format",
        "jsonl",
        "--beam",
        beam,
        "-q",
    )
    assert code == 0
    header, *rows = [json.loads(line) for line in out.splitlines()]
    assert header["type"] == "signature"
    assert Signature.parse(header["signature"]).as_dict() == header["fields"]
    fields = header["fields"]
    assert fields["model"] == fixture_model.name and fields["beam"] == beam
    assert fields["rev"].startswith("local-") and fields["el2en"]
    text = SEED.read_text(encoding="utf-8")
    flat = [s for para in seed_sentences() for s in para]
    assert [r["el"] for r in rows] == flat
    assert [r["en"] for r in rows] == [references[s] for s in flat]
    assert all(text[r["span"][0] : r["span"][1]] == r["el"] for r in rows)
    assert all(r["flags"] == [] for r in rows)


def test_tsv_rows_line_up_with_the_greek(
    fixture_model: Path, references: dict[str, str], tmp_path: Path
) -> None:
    out = tmp_path / "seed.tsv"
    code, stdout, _ = run(
        "translate",
        str(SEED),
        "--model",
        str(fixture_model),
        "--format",
        "tsv",
        "-o",
        str(out),
        "-q",
    )
    assert (code, stdout) == (0, "")
    with open(out, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f, dialect="excel-tab"))
    assert rows[0]["signature"].startswith("model:")
    flat = [(p, i, s) for p, para in enumerate(seed_sentences()) for i, s in enumerate(para)]
    assert [(int(r["paragraph"]), int(r["sentence"]), r["el"]) for r in rows] == flat
    assert [r["en"] for r in rows] == [references[s] for _, _, s in flat]


@pytest.mark.parametrize("layout", ["reordered", "crlf", "bom", "all"])
def test_other_layouts_of_the_same_sentences(
    fixture_model: Path, references: dict[str, str], tmp_path: Path, layout: str
) -> None:
    paragraphs = seed_sentences()
    if layout in ("reordered", "all"):
        paragraphs = paragraphs[::-1]
    newline = "\r\n" if layout in ("crlf", "all") else "\n"
    text = (newline * 2).join(" ".join(p) for p in paragraphs) + newline
    data = text.encode()
    if layout in ("bom", "all"):
        data = b"\xef\xbb\xbf" + data
    source = tmp_path / "article.txt"
    source.write_bytes(data)
    code, out, _ = run("translate", str(source), "--model", str(fixture_model), "-q")
    assert code == 0
    assert out == "\n\n".join(" ".join(references[s] for s in p) for p in paragraphs) + "\n"


def test_stdin_to_stdout_and_python_dash_m(fixture_model: Path, references: dict[str, str]) -> None:
    first = seed_sentences()[0][0]
    result = subprocess.run(
        [sys.executable, "-m", "translate", "translate", "-", "--model", str(fixture_model), "-q"],
        input=first.encode(),
        capture_output=True,
        check=False,
        cwd=ROOT,
    )
    assert (result.returncode, result.stderr) == (0, b"")
    assert result.stdout.decode() == references[first] + "\n"


def test_installed_console_script(
    fixture_model: Path, references: dict[str, str], tmp_path: Path
) -> None:
    script = Path(sys.executable).with_name("el2en")
    assert script.is_file(), "el2en is not installed: pip install -e ."
    out = tmp_path / "out.jsonl"
    result = subprocess.run(
        [
            str(script),
            "translate",
            str(SEED),
            "--model",
            str(fixture_model),
            "-f",
            "jsonl",
            "-o",
            str(out),
        ],
        capture_output=True,
        check=False,
        env={**os.environ, "TERM": "dumb"},
    )
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in out.read_text().splitlines()[1:]]
    assert [r["en"] for r in rows] == [references[r["el"]] for r in rows]
    assert len(rows) == sum(len(p) for p in seed_sentences())


def test_output_folder_gets_one_file_per_input(fixture_model: Path, tmp_path: Path) -> None:
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    paras = seed_sentences()
    a.write_text(paras[0][0], encoding="utf-8")
    b.write_text(paras[1][0], encoding="utf-8")
    out = tmp_path / "out"
    out.mkdir()
    code, _, _ = run(
        "translate",
        str(a),
        str(b),
        "--model",
        str(fixture_model),
        "-f",
        "tsv",
        "-o",
        f"{out}/",
        "-q",
    )
    assert code == 0
    assert sorted(os.listdir(out)) == ["a.el-en.tsv", "b.el-en.tsv"]


def test_long_sentence_is_split_and_flagged_not_cut(fixture_model: Path) -> None:
    longest = max((s for p in seed_sentences() for s in p), key=len)
    code, out, _ = run(
        "translate",
        "-",
        "--model",
        str(fixture_model),
        "-f",
        "jsonl",
        "--max-source-tokens",
        "12",
        "-q",
        input=longest,
    )
    assert code == 0
    header, *rows = [json.loads(line) for line in out.splitlines()]
    assert len(rows) == 1 and rows[0]["el"] == longest
    # 12-token pieces of a sentence the tiny model never saw come out repetitive;
    # the QA stage says so too.
    assert rows[0]["flags"][0] == "split" and rows[0]["en"]
    assert header["fields"]["maxsrc"] == "12"


def test_only_flagged_writes_flagged_rows_with_their_ids(fixture_model: Path) -> None:
    text = "Ο Κιμ ήρθε.\n\n10.000\n\nΗ Μόσχα απάντησε."
    code, out, _ = run(
        "translate",
        "-",
        "--model",
        str(fixture_model),
        "-f",
        "jsonl",
        "--only-flagged",
        "-q",
        input=text,
    )
    assert code == 0
    _, *rows = [json.loads(line) for line in out.splitlines()]
    assert rows and all(r["flags"] for r in rows)
    assert [(r["paragraph"], r["sentence"]) for r in rows] == [(1, 0)]  # the passthrough


def test_no_qa_leaves_only_the_pipelines_flags(fixture_model: Path) -> None:
    longest = max((s for p in seed_sentences() for s in p), key=len)
    code, out, _ = run(
        "translate",
        "-",
        "--model",
        str(fixture_model),
        "-f",
        "jsonl",
        "-q",
        "--max-source-tokens",
        "12",
        "--no-qa",
        input=longest,
    )
    assert code == 0
    assert json.loads(out.splitlines()[1])["flags"] == ["split"]


def test_nothing_to_translate_passes_through(fixture_model: Path) -> None:
    code, out, _ = run(
        "translate",
        "-",
        "--model",
        str(fixture_model),
        "-f",
        "jsonl",
        "-q",
        input="10.000\n\nskai.gr\n",
    )
    assert code == 0
    rows = [json.loads(line) for line in out.splitlines()[1:]]
    assert [(r["el"], r["en"], r["flags"]) for r in rows] == [
        ("10.000", "10.000", ["passthrough"]),
        ("skai.gr", "skai.gr", ["passthrough"]),
    ]


def test_segment_command_prints_sentences_and_paragraphs() -> None:
    code, out, err = run("segment", str(SEED))
    assert (code, err) == (0, "")
    assert out == "\n".join("\n".join(p) + "\n" for p in seed_sentences())


def test_segment_command_jsonl_spans_and_stdin() -> None:
    text = "Ο κ. Παπαδόπουλος ήρθε στις 10:30 π.μ. Τι έγινε; Τίποτα.\r\n\r\nΠηγή: skai.gr\r\n"
    code, out, _ = run("segment", "-", "--format", "jsonl", input=text)
    assert code == 0
    header, *rows = [json.loads(line) for line in out.splitlines()]
    assert header["type"] == "signature"
    assert header["fields"]["seg"].startswith("el2en-seg/")
    assert {r["type"] for r in rows} == {"sentence"}
    assert [r["el"] for r in rows] == [
        "Ο κ. Παπαδόπουλος ήρθε στις 10:30 π.μ.",
        "Τι έγινε;",
        "Τίποτα.",
        "Πηγή: skai.gr",
    ]
    assert [(r["paragraph"], r["sentence"]) for r in rows] == [(0, 0), (0, 1), (0, 2), (1, 0)]
    assert all(text[r["span"][0] : r["span"][1]] == r["el"] for r in rows)
