"""``el2en eval``: sacreBLEU's numbers, flag precision/recall, paired bootstrap, bad input.

Every command runs as a user runs it: ``python -m translate eval`` in a
subprocess, with a private HOME and no EL2EN_ variable.  The expected numbers
come from sacreBLEU's own API called here on sentence lists read
independently of el2en (``json``, plain lines, lxml), and the flag counts of
the constructed case are counted by hand in the comments.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import subprocess
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from conftest import EL2EN, FIXTURE_MODEL, PARALLEL, ROOT, environment, one_line_error
from sacrebleu.metrics.bleu import BLEU
from sacrebleu.metrics.chrf import CHRF
from sacrebleu.metrics.ter import TER
from sacrebleu.significance import PairedTest

from translate.formats import get_writer
from translate.signature import Signature
from translate.types import Sentence

DATA = ROOT / "tests" / "data" / "eval"
A, B, REF, REVIEWED = DATA / "a.jsonl", DATA / "b.jsonl", DATA / "ref.en", DATA / "reviewed.xlf"


@pytest.fixture
def home(tmp_path: Path) -> Path:
    path = tmp_path / "home"
    path.mkdir()
    return path


def el2en(
    home: Path, *args: str | Path, memory: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """Run ``el2en eval ARGS`` with HOME and XDG folders in ``home`` and no other EL2EN_ setting."""
    env = environment(home / "models", home)
    env.pop("SACREBLEU_SEED", None)  # sacreBLEU's default seed, as the tests' own PairedTest
    if memory is not None:
        env["EL2EN_MEMORY"] = str(memory)
    command = [*EL2EN, "eval", *map(str, args)]
    return subprocess.run(command, capture_output=True, text=True, env=env, timeout=120)


def eval_json(home: Path, *args: str | Path, memory: Path | None = None) -> dict[str, Any]:
    done = el2en(home, *args, "--json", memory=memory)
    assert done.returncode == 0, done.stderr
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def records(path: Path) -> list[dict[str, Any]]:
    """Return the sentence records of an el2en JSONL, read with the json module alone."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return [r for r in map(json.loads, lines) if r["type"] == "sentence"]


def sacrebleu_scores(hyps: list[str], refs: list[str]) -> dict[str, tuple[float, str]]:
    """Return sacreBLEU's own corpus scores and signatures for these sentence lists."""
    metrics = {"bleu": BLEU(), "chrf": CHRF(), "ter": TER()}
    return {
        name: (metric.corpus_score(hyps, [refs]).score, str(metric.get_signature()))
        for name, metric in metrics.items()
    }


def assert_scores(result: dict[str, Any], hyps: list[str], refs: list[str]) -> None:
    assert result["sentences"] == len(hyps)
    for name, (score, signature) in sacrebleu_scores(hyps, refs).items():
        assert result[name] == pytest.approx(score, abs=0.01), name
        assert result["signatures"][name] == signature


def one_error_line(done: subprocess.CompletedProcess[str], code: int) -> str:
    """Assert one error line and the exit ``code``, and nothing on stdout; return the line."""
    line = one_line_error(done, code)
    assert done.stdout == ""
    return line


# -- the numbers are sacreBLEU's -------------------------------------------------


def test_line_aligned_reference_gives_sacrebleus_numbers(home: Path) -> None:
    result = eval_json(home, A, "--ref", REF)
    hyps = [r["en"] for r in records(A)]
    refs = REF.read_text(encoding="utf-8").splitlines()
    assert_scores(result, hyps, refs)
    # The data changes 6 of the 12 sentences (tests/data/eval/make.py: the edits of A).
    assert result["changed"] == 6
    assert result["el2en_signature"].startswith("model:Helsinki-NLP/opus-mt-el-en|")


def test_reviewed_xliff_is_matched_by_greek_sentence(home: Path) -> None:
    from lxml import etree

    ns = {"x": "urn:oasis:names:tc:xliff:document:1.2"}
    units = etree.parse(str(REVIEWED)).getroot().iterfind(".//x:trans-unit", ns)
    by_greek = {
        u.findtext("x:source", namespaces=ns): u.findtext("x:target", namespaces=ns) for u in units
    }
    matched = [(r["en"], by_greek[r["el"]]) for r in records(A) if r["el"] in by_greek]
    assert len(matched) == 10  # the review leaves out the last two sentences, in another order
    result = eval_json(home, A, "--ref", REVIEWED)
    assert_scores(result, [h for h, _ in matched], [r for _, r in matched])
    assert result["left_out"] == {"no reference": 2}
    assert result["reference_kind"] == "reviewed"


@pytest.mark.parametrize("fmt", ["tsv", "xlsx", "tmx", "xliff", "moses"])
def test_every_hyp_format_reads_as_the_jsonl(home: Path, tmp_path: Path, fmt: str) -> None:
    sentences = [
        Sentence(
            r["doc"],
            r["paragraph"],
            r["sentence"],
            0,
            len(r["el"]),
            r["el"],
            r["el"],
            r["en"],
            tuple(r["flags"]),
            score=r["score"],
        )
        for r in records(A)
    ]
    names = {
        "tsv": ["a.tsv"],
        "xlsx": ["a.xlsx"],
        "tmx": ["a.tmx"],
        "xliff": ["a.xlf"],
        "moses": ["a.el", "a.en"],
    }[fmt]
    with contextlib.ExitStack() as stack:
        streams = [
            stack.enter_context(open(tmp_path / name, "w", encoding="utf-8", newline=""))
            for name in names
        ]
        get_writer(fmt)(sentences, streams, Signature((("model", "m"),)))
    hyp = tmp_path / names[-1]
    expected = eval_json(home, A, "--ref", REVIEWED)
    result = eval_json(home, hyp, "--ref", REVIEWED)  # by Greek: a Moses .en takes its .el
    for key in ("sentences", "changed", "bleu", "chrf", "ter"):
        assert result[key] == pytest.approx(expected[key], abs=0.01), key
    if fmt != "moses":  # Moses carries neither flags nor scores
        assert result["flags"] == expected["flags"]
        assert result["min_score"]["suggested"] == expected["min_score"]["suggested"]
    else:
        assert result["flags"]["low_score"]["flagged"] == 0
        assert result["min_score"]["suggested"] is None


def test_a_folder_of_outputs_is_one_system(home: Path, tmp_path: Path) -> None:
    lines = A.read_text(encoding="utf-8").splitlines(keepends=True)
    out = tmp_path / "out"
    (out / "sub").mkdir(parents=True)
    (out / "1.el-en.jsonl").write_text("".join(lines[:7]), encoding="utf-8")
    (out / "sub" / "2.el-en.jsonl").write_text(lines[0] + "".join(lines[7:]), encoding="utf-8")
    (out / "1.el-en.html").write_text("<p>not read</p>", encoding="utf-8")
    result = eval_json(home, out, "--ref", REF)
    assert_scores(
        result, [r["en"] for r in records(A)], REF.read_text(encoding="utf-8").splitlines()
    )


# -- flags, counted by hand ------------------------------------------------------

# (English of HYP, the reference, flags, score).  Changed: 1, 3, 4, 5 (four).
CASE = [
    ("One cat sat.", "One cat sat down.", ["low_score"], -2.0),  # 1 changed
    ("Two dogs ran.", "Two dogs ran.", ["low_score"], -1.7),  # 2
    ("It cost 5 euros.", "It cost 50 euros.", ["numbers"], -0.5),  # 3 changed
    ("A bird sang.", "The bird sang.", [], -1.2),  # 4 changed
    ("On 3 May it rained.", "It rained on 3 May.", ["low_score", "numbers"], -1.6),  # 5 changed
    ("2024", "2024", ["passthrough"], None),  # 6
    ("The sun  shone.", " The sun shone. ", [], -0.3),  # 7: spaces only, not changed
    ("A very long one.", "A very long one.", ["length"], -0.8),  # 8
    ("From the memory.", "Reviewed differently.", ["human"], None),  # 9: left out
]


@pytest.fixture
def case(tmp_path: Path) -> tuple[Path, Path]:
    hyp, ref = tmp_path / "case.jsonl", tmp_path / "case.en"
    sentences = [
        Sentence("d", 0, i, 0, 1, f"Πρόταση {i}.", f"Πρόταση {i}.", en, tuple(flags), score=score)
        for i, (en, _, flags, score) in enumerate(CASE)
    ]
    with open(hyp, "w", encoding="utf-8") as f:
        get_writer("jsonl")(sentences, [f], Signature((("model", "m"),)))
    ref.write_text("".join(r + "\n" for _, r, _, _ in CASE), encoding="utf-8")
    return hyp, ref


def test_flag_precision_and_recall_match_counts_by_hand(
    home: Path, case: tuple[Path, Path]
) -> None:
    result = eval_json(home, case[0], "--ref", case[1])
    assert result["sentences"] == 8 and result["changed"] == 4
    assert result["left_out"] == {"a reviewer's English in HYP (flag human)": 1}
    flags = result["flags"]
    # low_score: 1, 2, 5 flagged; 1 and 5 changed: precision 2/3, recall 2/4.
    assert flags["low_score"] == pytest.approx(
        {"flagged": 3, "changed": 2, "precision": 2 / 3, "recall": 0.5, "warning": True}
    )
    # numbers: 3 and 5, both changed: precision 1, recall 2/4.
    assert flags["numbers"] == pytest.approx(
        {"flagged": 2, "changed": 2, "precision": 1.0, "recall": 0.5, "warning": True}
    )
    # length: 8 only, unchanged.
    assert flags["length"] == pytest.approx(
        {"flagged": 1, "changed": 0, "precision": 0.0, "recall": 0.0, "warning": True}
    )
    assert flags["passthrough"]["flagged"] == 1 and flags["passthrough"]["warning"] is False
    assert flags["repetition"] == {
        "flagged": 0,
        "changed": 0,
        "precision": None,
        "recall": 0.0,
        "warning": True,
    }
    # Any warning: 1, 2, 3, 5, 8 flagged; 1, 3, 5 changed: precision 3/5, recall 3/4.
    assert flags["any warning"] == pytest.approx(
        {"flagged": 5, "changed": 3, "precision": 0.6, "recall": 0.75, "warning": True}
    )
    assert "human" not in flags


def test_min_score_suggestion_reaches_the_recall(home: Path, case: tuple[Path, Path]) -> None:
    # Changed scores, sorted: -2.0, -1.6, -1.2, -0.5.  Recall 0.75 needs 3 of 4:
    # below -1.2, i.e. -1.19, which flags 1, 2, 4, 5 (scores < -1.19): 3 of them changed.
    result = eval_json(home, case[0], "--ref", case[1], "--recall", "0.75")
    assert result["min_score"] == pytest.approx(
        {
            "target_recall": 0.75,
            "suggested": -1.19,
            "scored": 7,
            "changed": 4,
            "flagged": 4,
            "caught": 3,
            "recall": 0.75,
            "precision": 0.75,
            "reason": None,
        }
    )
    # Default 0.9 needs all 4: -0.49 flags every scored sentence but 7 (-0.3): 6, precision 4/6.
    default = eval_json(home, case[0], "--ref", case[1])["min_score"]
    assert (default["suggested"], default["flagged"], default["caught"]) == (-0.49, 6, 4)


# -- two systems -----------------------------------------------------------------


def test_paired_bootstrap_is_sacrebleus(home: Path) -> None:
    result = eval_json(home, A, B, "--ref", REF, "--samples", "200")
    refs = REF.read_text(encoding="utf-8").splitlines()
    named: list[tuple[str, Sequence[str]]] = [
        ("a", [r["en"] for r in records(A)]),
        ("b", [r["en"] for r in records(B)]),
    ]
    metrics = {"bleu": BLEU(), "chrf": CHRF(), "ter": TER()}
    previous = os.environ.pop("SACREBLEU_SEED", None)
    try:
        signatures, scores = PairedTest(named, metrics, [refs], test_type="bs", n_samples=200)()
    finally:
        if previous is not None:
            os.environ["SACREBLEU_SEED"] = previous
    (comparison,) = result["comparisons"]
    assert comparison["baseline"] == str(A) and comparison["system"] == str(B)
    for ours, theirs in zip(metrics, [k for k in scores if k != "System"], strict=True):
        got = comparison["metrics"][ours]
        base, system = scores[theirs][0], scores[theirs][1]
        assert got["baseline"] == pytest.approx(base.score, abs=0.01)  # type: ignore[union-attr]
        assert got["system"] == pytest.approx(system.score, abs=0.01)  # type: ignore[union-attr]
        assert got["delta"] == pytest.approx(system.score - base.score, abs=0.01)  # type: ignore[union-attr]
        assert got["p_value"] == pytest.approx(system.p_value, abs=1e-9)  # type: ignore[union-attr]
        assert comparison["signatures"][ours] == str(signatures[theirs])
    # B fixes most of A's edits: better on every metric (TER lower), p below 0.05 here.
    assert {m["verdict"] for m in comparison["metrics"].values()} == {"better"}
    assert [s["name"] for s in result["systems"]] == [str(A), str(B)]


def test_the_table_names_the_figures(home: Path) -> None:
    done = el2en(home, A, B, "--ref", REF, "--samples", "100")
    assert done.returncode == 0, done.stderr
    for text in (
        "BLEU",
        "chrF",
        "TER",
        "nrefs:1|",
        "low_score",
        "--min-score for recall 0.90",
        "paired bootstrap (100 resamples)",
        "better",
    ):
        assert text in done.stdout, text


# -- the translation memory as reference ------------------------------------------


def test_memory_reference_uses_human_entries_and_changes_nothing(
    home: Path, tmp_path: Path
) -> None:
    pairs = [
        (r["el"], line)
        for r, line in zip(records(A), REF.read_text(encoding="utf-8").splitlines(), strict=True)
    ]
    reviewed = tmp_path / "reviewed.tsv"
    rows = "".join(f"{el}\t{en}\tyes\n" for el, en in pairs[:8])
    reviewed.write_text("el\ten\treviewed\n" + rows, encoding="utf-8")
    memory = tmp_path / "memory.sqlite"
    imported = subprocess.run(
        [*EL2EN, "review", "import", str(reviewed), "--memory", str(memory)],
        capture_output=True,
        text=True,
        env=environment(home / "models", home),
        timeout=120,
    )
    assert imported.returncode == 0, imported.stderr
    before = hashlib.sha256(memory.read_bytes()).hexdigest()
    explicit = eval_json(home, A, f"--memory={memory}")
    by_default = eval_json(home, A, "--memory", memory=memory)  # $EL2EN_MEMORY
    assert explicit == by_default
    assert_scores(explicit, [r["en"] for r in records(A)[:8]], [en for _, en in pairs[:8]])
    assert explicit["reference_kind"] == "memory" and explicit["left_out"] == {"no reference": 4}
    assert hashlib.sha256(memory.read_bytes()).hexdigest() == before


def test_a_missing_memory_is_one_line_and_is_not_created(home: Path, tmp_path: Path) -> None:
    memory = tmp_path / "none" / "memory.sqlite"
    line = one_error_line(el2en(home, A, f"--memory={memory}"), 1)
    assert str(memory) in line and "no translation memory" in line
    assert not memory.parent.exists()


# -- bad input: one line, documented exit code ----------------------------------------


def test_mismatched_line_counts(home: Path, tmp_path: Path) -> None:
    short = tmp_path / "short.en"
    short.write_text(
        "".join(REF.read_text(encoding="utf-8").splitlines(keepends=True)[:11]), encoding="utf-8"
    )
    line = one_error_line(el2en(home, A, "--ref", short), 1)
    assert str(short) in line and "11 lines" in line and "12 sentences" in line


def test_no_overlap_between_hyp_and_ref(home: Path, tmp_path: Path) -> None:
    other = tmp_path / "other.tsv"
    other.write_text("el\ten\nΚάτι άλλο εντελώς.\tSomething else entirely.\n", encoding="utf-8")
    line = one_error_line(el2en(home, A, "--ref", other), 1)
    assert str(other) in line and "no overlap" in line


@pytest.mark.parametrize("which", ["hyp", "ref"])
def test_an_empty_file(home: Path, tmp_path: Path, which: str) -> None:
    empty = tmp_path / ("empty.jsonl" if which == "hyp" else "empty.en")
    empty.write_text("", encoding="utf-8")
    args = (empty, "--ref", REF) if which == "hyp" else (A, "--ref", empty)
    line = one_error_line(el2en(home, *args), 1)
    assert str(empty) in line and "empty" in line


def test_a_broken_jsonl_line_is_named(home: Path, tmp_path: Path) -> None:
    broken = tmp_path / "broken.jsonl"
    broken.write_text(A.read_text(encoding="utf-8") + "{not json\n", encoding="utf-8")
    line = one_error_line(el2en(home, broken, "--ref", REF), 1)
    assert f"{broken}:14" in line


def test_a_moses_file_without_greek_needs_a_line_aligned_reference(
    home: Path, tmp_path: Path
) -> None:
    english = tmp_path / "alone.en"
    english.write_text("".join(r["en"] + "\n" for r in records(A)), encoding="utf-8")
    line = one_error_line(el2en(home, english, "--ref", REVIEWED), 1)
    assert str(english) in line and "no Greek" in line
    assert eval_json(home, english, "--ref", REF)["bleu"] == pytest.approx(
        eval_json(home, A, "--ref", REF)["bleu"]
    )


def test_not_an_el2en_output(home: Path, tmp_path: Path) -> None:
    notes = tmp_path / "notes.docx"
    notes.write_bytes(b"PK\x03\x04")
    line = one_error_line(el2en(home, notes, "--ref", REF), 1)
    assert str(notes) in line


@pytest.mark.parametrize(
    "args",
    [
        (str(A),),  # no reference
        (str(A), "--ref", str(REF), "--memory"),  # two references
        (str(A), "--ref", str(DATA / "missing.en")),  # a reference that does not exist
        (str(A), "--ref", str(REF), "--recall", "0"),
    ],
)
def test_usage_errors_exit_2(home: Path, args: tuple[str, ...]) -> None:
    one_error_line(el2en(home, *args), 2)


def test_html_never_overwrites_an_input(home: Path, tmp_path: Path) -> None:
    ref = tmp_path / "ref.en"
    ref.write_bytes(REF.read_bytes())
    line = one_error_line(el2en(home, A, "--ref", ref, "--html", ref), 2)
    assert str(ref) in line
    assert ref.read_bytes() == REF.read_bytes()


# -- HTML ----------------------------------------------------------------------


def test_html_report_is_self_contained_with_a_plot(home: Path, tmp_path: Path) -> None:
    import base64
    import re

    hostile = tmp_path / "<img src=x onerror=alert(1)>.jsonl"
    hostile.write_bytes(A.read_bytes())
    page = tmp_path / "report.html"
    done = el2en(home, hostile, "--ref", REF, "--html", page)
    assert done.returncode == 0, done.stderr
    text = page.read_text(encoding="utf-8")
    assert "<img src=x" not in text and "&lt;img src=x onerror=alert(1)&gt;" in text
    images = re.findall(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', text)
    assert len(images) == 1
    assert base64.b64decode(images[0]).startswith(b"\x89PNG\r\n\x1a\n")
    assert not re.search(r'(src|href)="(?!data:)', text)  # nothing fetched from elsewhere
    assert done.stdout.startswith("reference: ")  # the table still goes to stdout


def test_a_reviewed_xlsx_reference_reads_as_review_import_reads_it(
    home: Path, tmp_path: Path
) -> None:
    rows = records(A)
    sentences = [
        Sentence("d", 0, i, 0, 1, r["el"], r["el"], line, ())
        for i, (r, line) in enumerate(
            zip(rows, REF.read_text(encoding="utf-8").splitlines(), strict=True)
        )
    ]
    workbook = tmp_path / "reviewed.xlsx"
    with open(workbook, "w", encoding="utf-8") as f:
        get_writer("xlsx")(sentences, [f], Signature((("model", "m"),)))
    expected = eval_json(home, A, "--ref", REF)
    assert eval_json(home, A, "--ref", workbook)["bleu"] == pytest.approx(
        expected["bleu"], abs=0.01
    )


def test_term_adherence_against_counts_by_hand(home: Path, tmp_path: Path) -> None:
    glossary = tmp_path / "house.txt"
    glossary.write_text("# house style\nΗράκλειο\tIraklio\n", encoding="utf-8")
    rows = [  # (Greek, HYP English, reference, flags)
        ("Στο Ηράκλειο βρέχει.", "It rains in Heraklion.", "It rains in Iraklio.", []),
        ("Το λιμάνι του Ηρακλείου.", "The port of Iraklio.", "Iraklio's port.", []),
        ("ΠΑΛΙ ΣΤΟ ΗΡΑΚΛΕΙΟ.", "Again in Heraklion.", "Again in Heraklion.", ["term"]),
        ("Τίποτα εδώ.", "Nothing here.", "Nothing here.", []),
    ]
    hyp, ref = tmp_path / "terms.jsonl", tmp_path / "terms.en"
    sentences = [
        Sentence("d", 0, i, 0, 1, el, el, en, tuple(flags), score=-1.0)
        for i, (el, en, _, flags) in enumerate(rows)
    ]
    with open(hyp, "w", encoding="utf-8") as f:
        get_writer("jsonl")(sentences, [f], Signature((("model", "m"),)))
    ref.write_text("".join(r + "\n" for _, _, r, _ in rows), encoding="utf-8")
    result = eval_json(home, hyp, "--ref", ref, "--glossary", glossary)
    # Three matches (inflected and capitalised forms); HYP keeps "Iraklio" in 1 of them,
    # the reference in 2; of HYP's two misses, one carries no 'term' flag.
    assert result["terms"] == pytest.approx(
        {
            "occurrences": 3,
            "kept": 1,
            "adherence": 1 / 3,
            "reference_kept": 2,
            "reference_adherence": 2 / 3,
            "unflagged_misses": 1,
        }
    )
    assert "terms" not in eval_json(home, hyp, "--ref", ref)


def test_a_broken_glossary_is_one_line(home: Path, tmp_path: Path) -> None:
    glossary = tmp_path / "broken.txt"
    glossary.write_text("Ηράκλειο\n", encoding="utf-8")  # no English
    line = one_error_line(el2en(home, A, "--ref", REF, "--glossary", glossary), 1)
    assert str(glossary) in line


@pytest.mark.slow
def test_the_test_models_output_against_the_fixtures_references(home: Path, tmp_path: Path) -> None:
    """End to end: translate with the committed test model, then score what it wrote."""
    import csv

    with open(PARALLEL, encoding="utf-8", newline="") as f:
        pairs = [
            (r["el"], r["en"]) for r in csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE)
        ]
    article = tmp_path / "news.el.txt"
    article.write_text("".join(f"{el}\n\n" for el, _ in pairs), encoding="utf-8")
    out = tmp_path / "out"
    command = [*EL2EN, "translate", str(article), "--model", str(FIXTURE_MODEL), "-f", "jsonl"]
    done = subprocess.run(
        [*command, "-o", f"{out}/", "-q", "--no-memory"],
        capture_output=True,
        text=True,
        env=environment(tmp_path / "models", home),
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    reviewed = tmp_path / "reviewed.tsv"  # written as el2en and spreadsheets quote a TSV
    with open(reviewed, "w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, dialect="excel-tab")
        writer.writerow(["el", "en", "reviewed"])
        writer.writerows((el, en, "yes") for el, en in pairs)
    result = eval_json(home, out, "--ref", reviewed)
    references = dict(pairs)
    written = records(out / "news.el-en.jsonl")
    matched = [(r["en"], references[r["el"]]) for r in written if r["el"] in references]
    assert len(matched) >= 60  # the segmenter gives back the fixture's sentences
    assert_scores(result, [h for h, _ in matched], [r for _, r in matched])
    assert result["el2en_signature"].startswith("model:tiny-marian-el-en|")


@pytest.mark.parametrize("fmt", ["xliff", "xlsx"])
def test_a_reviewed_file_is_its_own_reference(home: Path, tmp_path: Path, fmt: str) -> None:
    """el2en's English stays in the file beside the reviewer's edit: HYP and REF in one."""
    rows = records(A)
    refs = REF.read_text(encoding="utf-8").splitlines()
    sentences = [
        Sentence("d", 0, i, 0, 1, r["el"], r["el"], r["en"], tuple(r["flags"]), score=r["score"])
        for i, r in enumerate(rows)
    ]
    path = tmp_path / ("reviewed.xlf" if fmt == "xliff" else "reviewed.xlsx")
    with open(path, "w", encoding="utf-8") as f:
        get_writer(fmt)(sentences, [f], Signature((("model", "m"),)))
    edited = {1: refs[1], 3: refs[3], 5: refs[5]}  # the reviewer fixes three sentences
    if fmt == "xliff":
        from lxml import etree

        tree = etree.parse(str(path))
        units = tree.getroot().iterfind(".//{*}trans-unit")
        for index, unit in enumerate(units):
            if index in edited:
                unit.find("{*}target").text = edited[index]
        tree.write(str(path), xml_declaration=True, encoding="UTF-8")
    else:
        import openpyxl  # type: ignore[import-untyped,unused-ignore]

        book = openpyxl.load_workbook(path)
        sheet = book.worksheets[0]
        header = [cell.value for cell in sheet[1]]
        for index, english in edited.items():
            sheet.cell(row=index + 2, column=header.index("correction") + 1, value=english)
        book.save(path)
    result = eval_json(home, path, "--ref", path)
    reviewed = [edited.get(i, r["en"]) for i, r in enumerate(rows)]
    assert_scores(result, [r["en"] for r in rows], reviewed)
    assert result["changed"] == 3
    # low_score is on sentences 1, 3, 4, 9 (make.py); the reviewer changed 1 and 3 of them.
    low = result["flags"]["low_score"]
    assert (low["flagged"], low["changed"]) == (4, 2)
    assert low["precision"] == pytest.approx(0.5) and low["recall"] == pytest.approx(2 / 3)


def test_hyps_are_compared_on_the_sentences_they_share(home: Path, tmp_path: Path) -> None:
    lines = B.read_text(encoding="utf-8").splitlines(keepends=True)
    partial = tmp_path / "b-partial.jsonl"
    partial.write_text("".join(lines[:9]), encoding="utf-8")  # signature + B's first 8
    result = eval_json(home, A, partial, "--ref", REVIEWED, "--samples", "50")
    # The partial B has sentences 0-7 (REVIEWED covers 0-9): 8 scored, A's 8-11 left out.
    assert result["sentences"] == 8
    assert result["left_out"] == {"not in every HYP": 4}
    rows = records(A)[:8]
    by_greek = {r["el"]: r["en"] for r in records(B)}
    refs = REF.read_text(encoding="utf-8").splitlines()[:8]
    assert_scores(result["systems"][1], [by_greek[r["el"]] for r in rows], refs)


def test_hyps_with_no_sentence_in_common(home: Path, tmp_path: Path) -> None:
    lines = B.read_text(encoding="utf-8").splitlines(keepends=True)
    first, last = tmp_path / "first.jsonl", tmp_path / "last.jsonl"
    first.write_text("".join(lines[:5]), encoding="utf-8")
    last.write_text(lines[0] + "".join(lines[5:]), encoding="utf-8")
    line = one_error_line(el2en(home, first, last, "--ref", REVIEWED), 1)
    assert str(first) in line and str(last) in line and "no sentence in common" in line


def test_a_reference_from_a_pipe_is_read_once(home: Path, tmp_path: Path) -> None:
    import os
    import threading

    fifo = tmp_path / "ref.fifo"
    os.mkfifo(fifo)
    writer = threading.Thread(target=lambda: fifo.write_bytes(REF.read_bytes()), daemon=True)
    writer.start()
    result = eval_json(home, A, "--ref", fifo)
    writer.join(timeout=10)
    assert result["reference_kind"] == "lines"
    assert_scores(
        result, [r["en"] for r in records(A)], REF.read_text(encoding="utf-8").splitlines()
    )
