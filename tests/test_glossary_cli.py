"""``--glossary`` and ``el2en glossary check`` as a user runs them (subprocess, test model)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from conftest import el2en, one_line_error

DATA = Path(__file__).resolve().parent / "data" / "glossary"
GLOSSARY = DATA / "news.glossary.txt"

NO_MATCH = "Η αγάπη για την πατρίδα δεν έχει όρια.\n\nΟι τιμές των καυσίμων αυξήθηκαν ξανά.\n"
WITH_TERMS = "Ο Σοϊγκού βρέθηκε στην Πιονγιάνγκ την Τετάρτη.\n\nΗ Πάτρα γιορτάζει.\n"


@pytest.fixture()
def home(tmp_path: Path) -> Path:
    path = tmp_path / "home"
    path.mkdir()
    return path


def translate(
    tmp_path: Path, home: Path, text: str, *extra: str, name: str = "a.txt"
) -> tuple[int, str, str]:
    source = tmp_path / name
    source.write_text(text, encoding="utf-8")
    done = el2en(
        tmp_path / "store",
        "translate",
        str(source),
        "--model",
        str(Path(__file__).resolve().parent / "fixtures" / "tiny-marian-el-en"),
        *extra,
        home=home,
    )
    return done.returncode, done.stdout, done.stderr


def records(jsonl: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in jsonl.splitlines()]


@pytest.mark.slow
@pytest.mark.parametrize("fmt", ["jsonl", "tsv", "text"])
def test_a_document_with_no_match_is_byte_identical_with_or_without_the_glossary(
    tmp_path: Path, home: Path, fmt: str
) -> None:
    code, without, _ = translate(tmp_path, home, NO_MATCH, "-f", fmt)
    assert code == 0
    code, with_glossary, err = translate(
        tmp_path, home, NO_MATCH, "-f", fmt, "--glossary", str(GLOSSARY)
    )
    assert code == 0, err
    assert with_glossary == without
    assert "gloss:" not in with_glossary


@pytest.mark.slow
def test_matched_terms_are_enforced_listed_and_signed(tmp_path: Path, home: Path) -> None:
    code, out, err = translate(
        tmp_path, home, WITH_TERMS, "-f", "jsonl", "--glossary", str(GLOSSARY)
    )
    assert code == 0, err
    header, *rows = records(out)
    signature = str(header["signature"])
    assert "|gloss:" in signature and signature.index("|gloss:") < signature.index("|el2en:")
    first, second = rows
    assert first["terms"] == ["Σοϊγκού = Shoigu", "Πιονγιάνγκ = Pyongyang"]
    assert "Shoigu" in str(first["en"]) and "Pyongyang" in str(first["en"])
    assert "term" not in first["flags"]  # type: ignore[operator]
    assert second["terms"] in (["Πάτρα = Patras"], ["Πάτρα = Patras (missing)"])
    if second["terms"] == ["Πάτρα = Patras"]:
        assert "Patras" in str(second["en"])
    else:
        assert "term" in second["flags"]  # type: ignore[operator]
    # The same document without the glossary: the model's own words, no terms field.
    code, plain, _ = translate(tmp_path, home, WITH_TERMS, "-f", "jsonl")
    assert all("terms" not in r for r in records(plain)[1:])
    assert records(plain)[1]["en"] != first["en"]


@pytest.mark.slow
def test_flag_method_never_changes_a_translation_and_flags_what_is_missing(
    tmp_path: Path, home: Path
) -> None:
    code, plain, _ = translate(tmp_path, home, WITH_TERMS, "-f", "jsonl")
    code, out, err = translate(
        tmp_path,
        home,
        WITH_TERMS,
        "-f",
        "jsonl",
        "--glossary",
        str(GLOSSARY),
        "--term-method",
        "flag",
    )
    assert code == 0, err
    for before, after in zip(records(plain)[1:], records(out)[1:], strict=True):
        assert after["en"] == before["en"]
        missing = [t for t in after["terms"] if str(t).endswith("(missing)")]  # type: ignore[attr-defined]
        assert ("term" in after["flags"]) == bool(missing)  # type: ignore[operator]
        assert missing  # the test model writes none of these names unaided


@pytest.mark.slow
def test_no_sentence_of_the_test_set_is_silently_broken(tmp_path: Path, home: Path) -> None:
    """Every expected term's English is in the output, or the row is flagged 'term'."""
    with open(DATA / "sentences.tsv", encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))
    text = "\n\n".join(r["el"] for r in rows) + "\n"
    code, out, err = translate(tmp_path, home, text, "-f", "jsonl", "--glossary", str(GLOSSARY))
    assert code == 0, err
    got = records(out)[1:]
    assert len(got) == len(rows)
    english = dict(
        line.split("\t")[:2]
        for line in GLOSSARY.read_text("utf-8").splitlines()
        if line and not line.startswith("#")
    )
    present = expected_count = 0
    for row, record in zip(rows, got, strict=True):
        expected = [t for t in row["terms"].split("|") if t]
        listed = [str(t).split(" = ")[0] for t in record.get("terms", [])]  # type: ignore[attr-defined]
        assert listed == expected, row["el"]
        expected_count += len(expected)
        for entry in expected:
            found = f"{entry} = {english[entry]}" in record["terms"]  # type: ignore[operator]
            present += found
            assert found or "term" in record["flags"], (row["el"], record)  # type: ignore[operator]
    # The test model writes none of these names unaided; its vocabulary spells every ASCII
    # letter (as opus-mt-el-en's does), so `prefix` forces every one in: adherence 1.0.
    assert present == expected_count == 42


@pytest.mark.slow
def test_environment_variable_takes_a_list_of_files(tmp_path: Path, home: Path) -> None:
    extra = tmp_path / "extra.txt"
    extra.write_text("Τετάρτη\tWednesday\n", encoding="utf-8")
    source = tmp_path / "a.txt"
    source.write_text(WITH_TERMS, encoding="utf-8")
    import os
    import subprocess

    from conftest import EL2EN, environment

    env = environment(tmp_path / "store", home)
    env["EL2EN_GLOSSARY"] = f"{GLOSSARY}{os.pathsep}{extra}"
    model = Path(__file__).resolve().parent / "fixtures" / "tiny-marian-el-en"
    done = subprocess.run(
        [*EL2EN, "translate", str(source), "-m", str(model), "-f", "jsonl"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    terms = records(done.stdout)[1]["terms"]
    assert "Τετάρτη = Wednesday" in terms  # type: ignore[operator]
    assert "Σοϊγκού = Shoigu" in terms  # type: ignore[operator]


@pytest.mark.slow
def test_a_broken_glossary_stops_the_run_before_the_model_loads(tmp_path: Path, home: Path) -> None:
    bad = tmp_path / "bad.txt"
    bad.write_text("Πάτρα\tPatras\nΠάτρας\tPatra\n", encoding="utf-8")
    source = tmp_path / "a.txt"
    source.write_text(WITH_TERMS, encoding="utf-8")
    done = el2en(
        tmp_path / "store",
        "translate",
        str(source),
        "-m",
        str(tmp_path / "no-model"),
        "--glossary",
        str(bad),
        home=home,
    )
    line = one_line_error(done, 1)
    assert f"{bad}:2: conflict with {bad}:1" in line
    done = el2en(
        tmp_path / "store",
        "translate",
        str(source),
        "--glossary",
        str(tmp_path / "none.txt"),
        home=home,
    )
    assert "glossary file not found" in one_line_error(done, 2)


def test_glossary_check_reports_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "g.txt"
    path.write_text(
        "# house\nΠάτρα\tPatras\nΠάτρας\tPatra\nΚρήτη\t\nΚρήτη\tCrete\nΚρήτης\tCrete\n",
        encoding="utf-8",
    )
    done = el2en(tmp_path / "store", "glossary", "check", str(path))
    assert done.returncode == 1
    assert done.stdout.splitlines() == [
        f"{path}:3: error: conflict with {path}:2: 'Πάτρας' is 'Patra' here and 'Patras' there",
        f"{path}:4: error: the English side is empty",
        f"{path}:6: warning: duplicate of {path}:5 (Κρήτη = Crete)",
    ]
    assert "4 entries in 1 file(s): 2 error(s), 1 warning(s)" in done.stderr
    clean = el2en(tmp_path / "store", "glossary", "check", str(GLOSSARY))
    assert (clean.returncode, clean.stdout) == (0, "")


@pytest.mark.slow
def test_batch_takes_the_glossary_and_lists_terms(tmp_path: Path, home: Path) -> None:
    src, out = tmp_path / "in", tmp_path / "out"
    src.mkdir()
    (src / "a.txt").write_text(WITH_TERMS, encoding="utf-8")
    (src / "b.txt").write_text(NO_MATCH, encoding="utf-8")
    model = Path(__file__).resolve().parent / "fixtures" / "tiny-marian-el-en"
    done = el2en(
        tmp_path / "store",
        "batch",
        str(src),
        str(out),
        "-m",
        str(model),
        "--glossary",
        str(GLOSSARY),
        home=home,
    )
    assert done.returncode == 0, done.stderr
    a = records((out / "a.el-en.jsonl").read_text("utf-8"))
    b = records((out / "b.el-en.jsonl").read_text("utf-8"))
    assert "gloss:" in str(a[0]["signature"]) and "gloss:" not in str(b[0]["signature"])
    assert a[1]["terms"] == ["Σοϊγκού = Shoigu", "Πιονγιάνγκ = Pyongyang"]


@pytest.mark.slow
def test_batch_redoes_only_the_documents_an_edited_glossary_touches(
    tmp_path: Path, home: Path
) -> None:
    src, out = tmp_path / "in", tmp_path / "out"
    src.mkdir()
    (src / "shoigu.txt").write_text("Ο Σοϊγκού μίλησε.\n", encoding="utf-8")
    (src / "patras.txt").write_text("Η Πάτρα γιορτάζει.\n", encoding="utf-8")
    (src / "plain.txt").write_text(NO_MATCH, encoding="utf-8")
    glossary = tmp_path / "house.txt"
    glossary.write_text("Σοϊγκού\tShoigu\nΠάτρα\tPatras\n", encoding="utf-8")
    model = Path(__file__).resolve().parent / "fixtures" / "tiny-marian-el-en"

    def run(*extra: str) -> dict[str, str]:
        done = el2en(
            tmp_path / "store", "batch", str(src), str(out), "-m", str(model), *extra, home=home
        )
        assert done.returncode == 0, done.stderr
        found = json.loads((out / "el2en-report.json").read_text("utf-8"))
        return {item["path"]: item["reason"] for item in found["translated"]}

    assert set(run()) == {"shoigu.txt", "patras.txt", "plain.txt"}
    plain = (out / "plain.el-en.jsonl").read_bytes()
    # The glossary given: only the documents it matches change signature.
    assert run("--glossary", str(glossary)) == {
        "shoigu.txt": "signature changed",
        "patras.txt": "signature changed",
    }
    assert run("--glossary", str(glossary)) == {}
    # An edit of one entry redoes the one document that matched it.
    glossary.write_text("Σοϊγκού\tShoygu\nΠάτρα\tPatras\n", encoding="utf-8")
    assert run("--glossary", str(glossary)) == {"shoigu.txt": "signature changed"}
    assert (out / "plain.el-en.jsonl").read_bytes() == plain
    assert "Shoygu" in (out / "shoigu.el-en.jsonl").read_text("utf-8")
