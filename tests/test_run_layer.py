"""The run layer's front ends: el2en segment as translate does, and el2en from Python.

``el2en segment`` goes through :func:`translate.jobs.segment_files`, so several
inputs and a folder work as they do for ``translate``; the Python entry point
(:mod:`translate.api`) gives exactly what ``el2en translate`` writes.  The
commands run as a user runs them: a subprocess with a private HOME.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from conftest import article, el2en, one_line_error

from translate.jobs import JobOutcome, Task, run_one


@pytest.fixture()
def store() -> Path:
    """Return the session's model store (conftest points EL2EN_MODELS_DIR there)."""
    return Path(os.environ["EL2EN_MODELS_DIR"])


def run(store: Path, home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    done = el2en(store, *args, home=home)
    assert done.returncode == 0, done.stderr
    return done


def two_articles(folder: Path) -> tuple[Path, Path]:
    first, second = folder / "a.el.txt", folder / "b.txt"
    first.write_text(article(0), encoding="utf-8")
    second.write_text(article(5), encoding="utf-8")
    return first, second


def test_segment_several_inputs_into_a_folder_as_each_alone(store: Path, tmp_path: Path) -> None:
    first, second = two_articles(tmp_path)
    alone = [run(store, tmp_path, "segment", str(p)).stdout for p in (first, second)]
    assert alone[0] and alone[0] != alone[1]

    run(store, tmp_path, "segment", str(first), str(second), "-o", str(tmp_path / "out") + "/")

    written = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert written == ["a.sentences.txt", "b.sentences.txt"]
    assert (tmp_path / "out" / "a.sentences.txt").read_text(encoding="utf-8") == alone[0]
    assert (tmp_path / "out" / "b.sentences.txt").read_text(encoding="utf-8") == alone[1]


def test_segment_into_an_existing_folder_writes_a_file_inside_it(
    store: Path, tmp_path: Path
) -> None:
    first, _ = two_articles(tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    run(store, tmp_path, "segment", str(first), "-o", str(out), "-f", "jsonl")
    assert out.is_dir()
    lines = (out / "a.sentences.jsonl").read_text(encoding="utf-8").splitlines()
    assert '"signature"' in lines[0] and len(lines) > 3


def test_segment_several_inputs_into_one_file_one_after_another(
    store: Path, tmp_path: Path
) -> None:
    first, second = two_articles(tmp_path)
    alone = [run(store, tmp_path, "segment", str(p)).stdout for p in (first, second)]
    target = tmp_path / "all.txt"
    run(store, tmp_path, "segment", str(first), str(second), "-o", str(target))
    assert target.read_text(encoding="utf-8") == alone[0] + "\n" + alone[1]


def test_segment_refuses_inputs_whose_outputs_collide(store: Path, tmp_path: Path) -> None:
    (tmp_path / "x").mkdir()
    (tmp_path / "y").mkdir()
    for folder in ("x", "y"):
        (tmp_path / folder / "a.txt").write_text(article(1), encoding="utf-8")
    done = el2en(
        store,
        "segment",
        str(tmp_path / "x" / "a.txt"),
        str(tmp_path / "y" / "a.txt"),
        "-o",
        str(tmp_path / "out") + "/",
        home=tmp_path,
    )
    assert "would both be written to" in one_line_error(done, 2)
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


@pytest.mark.slow
def test_translate_text_is_what_el2en_translate_writes(
    fixture_model: Path, store: Path, tmp_path: Path
) -> None:
    from translate.api import TextTranslator, translate_text

    first, second = two_articles(tmp_path)
    expected = []
    for path in (first, second):
        target = tmp_path / f"{path.name}.en.txt"
        run(
            store,
            tmp_path,
            "translate",
            str(path),
            "--model",
            str(fixture_model),
            "-o",
            str(target),
        )
        expected.append(target.read_text(encoding="utf-8").removesuffix("\n"))
    texts = [first.read_text(encoding="utf-8"), second.read_text(encoding="utf-8")]

    # Together or alone, each text's English is its own (documents never mix).
    assert translate_text(texts, model=str(fixture_model)) == expected
    with TextTranslator(str(fixture_model)) as translator:
        assert translator.translate(texts[1]) == [expected[1]]
        assert translator.translate([""]) == [""]
        rows = translator.sentences(texts[0])
        assert [r.translation for r in rows] and all(r.translation for r in rows)
        assert "el2en:" in str(translator.signature)


def test_run_one_reports_an_empty_input_and_writes_nothing(
    fixture_model: Path, tmp_path: Path
) -> None:
    from translate.jobs import RunOptions, plan_jobs
    from translate.pipeline import TranslateConfig, Translator

    empty = tmp_path / "empty.txt"
    empty.write_text("\n  \n", encoding="utf-8")
    (job,) = plan_jobs([str(empty)], str(tmp_path / "out") + "/", ["jsonl"], root=tmp_path)
    translator = Translator(TranslateConfig(model=str(fixture_model)))
    outcome = run_one(Task(job), translator, RunOptions(formats=("jsonl",)))
    assert isinstance(outcome, JobOutcome)
    assert outcome.error == "empty: no text to translate"
    assert outcome.input_sha256 and not outcome.outputs and not outcome.fresh
    assert not (tmp_path / "out" / "empty.el-en.jsonl").exists()


def test_a_redone_batch_input_is_read_once(
    fixture_model: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The redo decision's read (to compare the hash) is the one the translation uses."""
    from collections import Counter

    from conftest import batch, make_source, report

    import translate.jobs
    import translate.read

    src, out = tmp_path / "in", tmp_path / "out"
    make_source(src, 2)
    assert batch(fixture_model, src, out)[0] == 0
    (src / "a0.txt").write_text(article(7), encoding="utf-8")  # changed: redone

    reads: Counter[str] = Counter()
    read_stream, file_sha256 = translate.read.read_stream, translate.jobs.file_sha256

    def counted_read(stream: object, name: str, *args: object, **kwargs: object) -> object:
        reads[Path(name).name] += 1
        return read_stream(stream, name, *args, **kwargs)  # type: ignore[arg-type]

    def counted_hash(path: str) -> str:
        reads[Path(path).name] += 1
        return file_sha256(path)

    monkeypatch.setattr(translate.read, "read_stream", counted_read)
    monkeypatch.setattr(translate.jobs, "file_sha256", counted_hash)
    assert batch(fixture_model, src, out)[0] == 0
    assert [(t["path"], t["reason"]) for t in report(out)["translated"]] == [("a0.txt", "changed")]
    assert reads["a0.txt"] == 1
    assert reads["b1.el.txt"] == 1  # read to find it unchanged, then skipped
