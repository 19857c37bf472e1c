"""Corrections back: reviewed XLIFF/TMX/TSV into the translation memory, and the memory out."""

from __future__ import annotations

import io
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import read_pairs
from lxml import etree

from translate import flags
from translate.cli.review_cmd import review
from translate.errors import ReviewError
from translate.memory import TranslationMemory
from translate.normalise import normalise
from translate.review import (
    decide,
    export_tmx,
    export_tmx_file,
    import_reviewed,
    read_units,
)
from translate.signature import Signature
from translate.types import Sentence

PAIRS = read_pairs()
XLIFF = "{urn:oasis:names:tc:xliff:document:1.2}"
SIGNATURE = Signature((("model", "test"),))
#: Units the "reviewer" corrects in the tests, by index in the fixture.
CORRECTED = {3: "Kim and Shoigu discussed strategic cooperation (reviewed).", 20: "Reviewed."}


def doc_sentences() -> list[Sentence]:
    return [
        Sentence("article", i // 10, i % 10, 0, len(el), el, normalise(el))
        for i, (el, _) in enumerate(PAIRS)
    ]


@pytest.fixture(scope="module")
def machine(fixture_model: Path) -> list[Sentence]:
    """Return the fixture sentences as the test model translates them, without a memory."""
    from translate.pipeline import TranslateConfig, Translator

    return list(Translator(TranslateConfig(model=str(fixture_model))).translate(doc_sentences()))


def write_xliff(sentences: list[Sentence], path: Path) -> None:
    from translate.formats import xliff

    with open(path, "w", encoding="utf-8", newline="") as f:
        xliff.write(sentences, [f], SIGNATURE)


def review_xliff(original: Path, reviewed: Path, state: str | None = "final") -> None:
    """Correct CORRECTED's targets as a CAT tool would (and set their state)."""
    tree = etree.parse(str(original))
    units = list(tree.iter(f"{XLIFF}trans-unit"))
    for index, text in CORRECTED.items():
        target = units[index].find(f"{XLIFF}target")
        target.text = text
        if state:
            target.set("state", state)
    tree.write(str(reviewed), xml_declaration=True, encoding="UTF-8")


def test_reviewed_xliff_imported_twice_changes_exactly_the_corrected_sentences(
    tmp_path: Path, fixture_model: Path, machine: list[Sentence]
) -> None:
    from translate.pipeline import TranslateConfig, Translator

    write_xliff(machine, tmp_path / "article.xlf")
    review_xliff(tmp_path / "article.xlf", tmp_path / "reviewed.xlf")
    memory_path = tmp_path / "memory.sqlite"
    runner = CliRunner()
    first = runner.invoke(
        review, ["import", str(tmp_path / "reviewed.xlf"), "--memory", str(memory_path)]
    )
    assert first.exit_code == 0, first.output
    assert "65 units: 2 new, 0 replaced" in first.stdout
    second = runner.invoke(
        review, ["import", str(tmp_path / "reviewed.xlf"), "--memory", str(memory_path)]
    )
    assert second.exit_code == 0, second.output
    assert "0 new, 0 replaced, 2 already in memory, 0 conflicts" in second.stdout

    with TranslationMemory(memory_path) as memory:
        assert len(memory) == 2
        translator = Translator(TranslateConfig(model=str(fixture_model)), memory=memory)
        after = list(translator.translate(doc_sentences()))
    for i, (before, now) in enumerate(zip(machine, after, strict=True)):
        if i in CORRECTED:
            assert now.translation == CORRECTED[i]
            assert now.flags == (flags.HUMAN,)
            assert now.provenance is not None and now.provenance.startswith("reviewed.xlf#article:")
        else:
            assert (now.translation, now.flags, now.provenance) == (
                before.translation,
                before.flags,
                None,
            )


def test_xliff_edit_without_a_state_change_is_taken_by_its_alt_trans(
    tmp_path: Path, machine: list[Sentence]
) -> None:
    """A CAT tool leaves state="translated" on an edited target: el2en's alt-trans tells."""
    write_xliff(machine, tmp_path / "article.xlf")
    review_xliff(tmp_path / "article.xlf", tmp_path / "reviewed.xlf", state=None)
    with TranslationMemory(tmp_path / "m.sqlite") as memory:
        report = import_reviewed(tmp_path / "reviewed.xlf", memory)
        assert report.new == 2 and len(memory) == 2
        assert len(report.not_taken) == len(machine) - 2
        assert {n.reason for n in report.not_taken} == {
            "English unchanged from the machine translation"
        }


def test_xliff_units_from_cat_tools_are_decided_by_state() -> None:
    path = Path(__file__).parent / "data" / "review_cat_tool.xlf"
    units = {u.unit: u for u in read_units(path)}
    assert {name: decide(u)[0] for name, u in units.items()} == {
        "a.txt:1": True,  # final
        "a.txt:2": True,  # signed-off
        "a.txt:3": False,  # el2en's translated + mt-suggestion, untouched
        "a.txt:4": True,  # flagged by el2en, now translated
        "a.txt:5": True,  # a reviewer's qualifier
        "a.txt:6": False,  # still needs review
        "a.txt:7": True,  # differs from its alt-trans machine translation
        "a.txt:8": False,  # no target
    }
    assert units["a.txt:1"].el == "Η φωτιά ξέσπασε 20 χλμ. βόρεια της Αθήνας."
    assert units["a.txt:1"].en == "The fire broke out 20 km north of Athens."  # <g> flattened


def test_conflicts_are_reported_line_by_line_and_kept_unless_replace(tmp_path: Path) -> None:
    el, en = PAIRS[30]
    memory_path = tmp_path / "m.sqlite"
    with TranslationMemory(memory_path) as memory:
        memory.put(el, en, file="earlier.tsv", unit="row1", imported="2026-01-01T00:00:00Z")
    tsv = tmp_path / "reviewed.tsv"
    tsv.write_text(f"el\ten\n{PAIRS[0][0]}\t{PAIRS[0][1]}\n{el}\tAnother English.\n", "utf-8")
    runner = CliRunner()
    bare = runner.invoke(review, ["import", str(tsv), "--memory", str(memory_path)])
    assert bare.exit_code == 0
    assert "no review signal" in bare.stderr and "pass --all" in bare.stderr
    assert "0 new, 0 replaced, 0 already in memory, 0 conflicts, 2 not taken" in bare.stdout
    result = runner.invoke(review, ["import", str(tsv), "--memory", str(memory_path), "--all"])
    assert result.exit_code == 0
    assert f"{tsv}:3: unit row2: the memory has other English (earlier.tsv#row1" in result.stderr
    assert "1 new, 0 replaced, 0 already in memory, 1 conflicts" in result.stdout
    with TranslationMemory(memory_path) as memory:
        assert memory.get(el).en == en  # type: ignore[union-attr]
    result = runner.invoke(
        review, ["import", str(tsv), "--memory", str(memory_path), "--replace", "--all"]
    )
    assert "0 new, 1 replaced, 1 already in memory, 0 conflicts" in result.stdout
    assert f"{tsv}:3: unit row2: replaced the memory's English" in result.stderr
    with TranslationMemory(memory_path) as memory:
        assert memory.get(el).en == "Another English."  # type: ignore[union-attr]


def test_same_greek_twice_in_a_file_with_different_english_is_reported(tmp_path: Path) -> None:
    el, en = PAIRS[5]
    tsv = tmp_path / "twice.tsv"
    tsv.write_text(f"el\ten\n{el}\t{en}\n{el}\tOther.\n", "utf-8")
    with TranslationMemory(tmp_path / "m.sqlite") as memory:
        report = import_reviewed(tsv, memory, all_units=True)
        assert [(p.line, p.kind) for p in report.problems] == [(3, "duplicate")]
        assert memory.get(el).en == en  # type: ignore[union-attr]
        assert import_reviewed(tsv, memory, all_units=True).new == 0


def test_tsv_as_el2en_writes_it_with_a_reviewed_column(
    tmp_path: Path, machine: list[Sentence]
) -> None:
    from translate.formats import tsv as tsv_format

    buffer = io.StringIO(newline="")
    tsv_format.write(
        [replace(machine[0], translation='He said "yes"\tand\nleft')], [buffer], SIGNATURE
    )
    rows = buffer.getvalue().splitlines(keepends=True)
    header = rows[0].rstrip("\r\n") + "\treviewed\r\n"
    body = "".join(rows[1:]).rstrip("\r\n") + "\tyes\r\n"
    path = tmp_path / "article.el-en.tsv"
    path.write_text(header + body, encoding="utf-8", newline="")
    (unit,) = read_units(path)
    assert (unit.el, unit.en, unit.reviewed) == (PAIRS[0][0], 'He said "yes"\tand\nleft', True)
    assert unit.unit == "article:0:0" and decide(unit)[0]


def test_old_tsv_with_a_comment_line_and_escapes_still_reads(tmp_path: Path) -> None:
    path = tmp_path / "old.el-en.tsv"
    path.write_text(
        "# el2en model:x|beam:4\n"
        "doc\tparagraph\tsentence\tel\ten\tflags\n"
        f"a\t0\t0\t{PAIRS[1][0]}\tTab\\there \\\\ back\t\n",
        encoding="utf-8",
    )
    (unit,) = read_units(path)
    assert (unit.el, unit.en, unit.unit, unit.line) == (
        PAIRS[1][0],
        "Tab\there \\ back",
        "a:0:0",
        3,
    )


def test_tmx_read_by_structure(tmp_path: Path) -> None:
    path = tmp_path / "other-tool.tmx"
    path.write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n<tmx version="1.4"><header creationtool="OmegaT" '
        'srclang="EL-GR" adminlang="en" segtype="sentence" o-tmf="x" datatype="plaintext"/>'
        "<body>\n"
        f'<tu><tuv xml:lang="EN-GB"><seg>{PAIRS[2][1]}</seg></tuv>'
        f'<tuv xml:lang="EL-GR"><seg>{PAIRS[2][0]}</seg></tuv></tu>\n'
        f'<tu tuid="x"><tuv lang="el"><seg>{PAIRS[3][0]}</seg></tuv>'
        '<tuv lang="en"><seg>A <bpt i="1">&lt;b&gt;</bpt>bold<ept i="1">&lt;/b&gt;</ept> one</seg>'
        "</tuv></tu>\n"
        '<tu><tuv xml:lang="de"><seg>Nicht</seg></tuv></tu>\n'
        "</body></tmx>\n",
        encoding="utf-8",
    )
    units = list(read_units(path))
    assert [(u.el, u.unit, u.line, decide(u)[0]) for u in units] == [
        (PAIRS[2][0], "tu1", 3, True),
        (PAIRS[3][0], "x", 4, True),
    ]
    assert units[1].en == "A <b>bold</b> one"


def test_el2en_tmx_counts_only_changed_units(tmp_path: Path, machine: list[Sentence]) -> None:
    from translate.formats import tmx

    path = tmp_path / "article.tmx"
    with open(path, "w", encoding="utf-8", newline="") as f:
        tmx.write(machine[:3], [f], SIGNATURE)
    tree = etree.parse(str(path))
    tu = list(tree.iter("tu"))[1]
    tuv = next(
        t for t in tu.iter("tuv") if t.get("{http://www.w3.org/XML/1998/namespace}lang") == "en"
    )
    tuv.find("seg").text = "Corrected."
    tuv.set("changedate", "20261127T101500Z")
    tree.write(str(path), xml_declaration=True, encoding="UTF-8")
    taken = [u.en for u in read_units(path) if decide(u)[0]]
    assert taken == ["Corrected."]


def test_export_writes_tmx_that_reads_back(tmp_path: Path) -> None:
    memory_path = tmp_path / "m.sqlite"
    with TranslationMemory(memory_path) as memory:
        memory.put(
            "Τι «σημαίνει» <αυτό> & 😀;",
            'What does "this" <mean> & 😀?',
            file="r.xlf",
            unit="a:1",
            imported="2026-11-27T10:15:00Z",
        )
        memory.put(PAIRS[0][0], PAIRS[0][1], file="r.xlf", unit="a:2")
        buffer = io.BytesIO()
        assert export_tmx(memory, buffer) == 2
    root = etree.fromstring(buffer.getvalue())
    header = root.find("header")
    for attribute in (
        "creationtool",
        "creationtoolversion",
        "segtype",
        "o-tmf",
        "adminlang",
        "srclang",
        "datatype",
    ):
        assert header.get(attribute)
    tus = root.findall("body/tu")
    assert tus[0].get("creationdate") == "20261127T101500Z"
    segs = [[s.text for s in tu.iter("seg")] for tu in tus]
    assert segs[0] == ["Τι «σημαίνει» <αυτό> & 😀;", 'What does "this" <mean> & 😀?']
    # The export imports back into an empty memory as the same entries.
    out = tmp_path / "tm.tmx"
    runner = CliRunner()
    result = runner.invoke(review, ["export", "-o", str(out), "--memory", str(memory_path)])
    assert result.exit_code == 0 and "2 units exported" in result.stderr
    again = runner.invoke(review, ["export", "-o", str(out), "--memory", str(memory_path)])
    assert again.exit_code == 1 and "exists; pass --force" in again.stderr
    with TranslationMemory(tmp_path / "copy.sqlite") as copy:
        assert import_reviewed(out, copy).new == 2
        assert copy.get(PAIRS[0][0]).en == PAIRS[0][1]  # type: ignore[union-attr]


def test_export_to_stdout_and_of_a_missing_memory(tmp_path: Path) -> None:
    runner = CliRunner()
    missing = runner.invoke(review, ["export", "--memory", str(tmp_path / "none.sqlite")])
    assert missing.exit_code == 1 and "no translation memory" in missing.stderr
    assert not (tmp_path / "none.sqlite").exists()
    with TranslationMemory(tmp_path / "m.sqlite") as memory:
        memory.put(PAIRS[0][0], PAIRS[0][1], file="f", unit="1")
    result = runner.invoke(review, ["export", "--memory", str(tmp_path / "m.sqlite")])
    assert result.exit_code == 0
    assert etree.fromstring(result.stdout_bytes).find("body/tu") is not None


def test_memory_path_from_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    tsv = tmp_path / "r.tsv"
    tsv.write_text(f"el\ten\treviewed\n{PAIRS[0][0]}\tX.\tyes\n", "utf-8")
    monkeypatch.setenv("EL2EN_MEMORY", str(tmp_path / "env.sqlite"))
    result = CliRunner().invoke(review, ["import", str(tsv)])
    assert result.exit_code == 0 and "1 new" in result.stdout
    assert (tmp_path / "env.sqlite").is_file()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("bad.xlf", "<xliff><file>", "not well-formed XML"),
        ("bad.tsv", "greek\tenglish\nα\tb\n", "needs 'el' and 'en' columns"),
        ("de.xlf", '<xliff version="1.2"><file source-language="de"/></xliff>', "not Greek"),
        ("x.tmx", "<xliff/>", "not TMX"),
        ("v2.xlf", '<xliff version="2.0"/>', "export XLIFF 1.2"),
    ],
)
def test_unreadable_files_are_refused_with_a_reason(
    tmp_path: Path, name: str, content: str, message: str
) -> None:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    with (
        TranslationMemory(tmp_path / "m.sqlite") as memory,
        pytest.raises(ReviewError, match=message),
    ):
        import_reviewed(path, memory)
    result = CliRunner().invoke(
        review, ["import", str(path), "--memory", str(tmp_path / "m.sqlite")]
    )
    assert result.exit_code == 1 and message.split("'")[0] in result.stderr


def test_export_goes_through_the_atomic_writer(tmp_path: Path) -> None:
    """A killed export's temporary is cleaned by the next; a failed one leaves none."""
    from translate.errors import OutputError
    from translate.output import temp_prefix

    target = tmp_path / "tm.tmx"
    stale = tmp_path / f"{temp_prefix(target.name)}4242-deadbeef.tmp"  # no live writer
    stale.write_text("<tmx half")
    with TranslationMemory(tmp_path / "m.sqlite") as memory:
        memory.put(PAIRS[0][0], "A checked line.", file="r.tsv", unit="1")
        assert export_tmx_file(memory, target) == 1
        assert not stale.exists()
        assert b"A checked line." in target.read_bytes()
        with pytest.raises(OutputError, match=r"tm\.tmx"):
            export_tmx_file(memory, tmp_path / "no-such-dir" / "tm.tmx")
    assert not list(tmp_path.glob("**/*.tmp"))


def test_review_through_the_command_line(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    tsv = tmp_path / "r.tsv"
    tsv.write_text(f"el\ten\treviewed\n{PAIRS[0][0]}\tA checked line.\tyes\n", "utf-8")
    env = {**os.environ, "EL2EN_MEMORY": str(tmp_path / "tm.sqlite")}

    def el2en(*args: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "translate", "review", *args]
        return subprocess.run(command, capture_output=True, text=True, env=env, timeout=120)

    first, second = el2en("import", str(tsv)), el2en("import", str(tsv))
    assert first.returncode == second.returncode == 0, first.stderr
    assert "1 new" in first.stdout and "0 new" in second.stdout
    exported = el2en("export")
    assert exported.returncode == 0
    assert "A checked line." in exported.stdout
