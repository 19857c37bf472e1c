"""A memory import redoes only the documents it touches: ``tm:`` is per document."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import review_el2en as el2en

ARTICLES = {
    "a.txt": "Η Αθήνα είναι η πρωτεύουσα.\n",
    "b.txt": "Ο καιρός είναι καλός σήμερα.\n",
    "c.txt": "Τρίτο κείμενο εδώ.\n",
}


def signature(path: Path) -> str:
    first = json.loads(path.read_text("utf-8").splitlines()[0])
    return str(first["signature"])


@pytest.mark.slow
def test_an_import_redoes_only_the_document_it_touches(tmp_path: Path) -> None:
    src, out = tmp_path / "src", tmp_path / "out"
    src.mkdir()
    for name, text in ARTICLES.items():
        (src / name).write_text(text, "utf-8")
    first = el2en(tmp_path, "batch", str(src), str(out), "-f", "jsonl")
    assert first.returncode == 0, first.stderr
    before = {name: (out / f"{name[0]}.el-en.jsonl").read_bytes() for name in ARTICLES}

    review = tmp_path / "r.tsv"
    review.write_text(
        f"el\ten\treviewed\n{ARTICLES['b.txt'].strip()}\tThe weather is fine today.\tyes\n",
        "utf-8",
    )
    assert el2en(tmp_path, "review", "import", str(review)).returncode == 0

    second = el2en(tmp_path, "batch", str(src), str(out), "-f", "jsonl")
    assert second.returncode == 0, second.stderr
    report = json.loads((out / "el2en-report.json").read_text("utf-8"))
    assert [t["path"] for t in report["translated"]] == ["b.txt"]
    assert report["files"]["skipped"] == 2
    # The untouched documents: the same bytes, the base signature without tm:.
    for name in ("a.txt", "c.txt"):
        path = out / f"{name[0]}.el-en.jsonl"
        assert path.read_bytes() == before[name]
        assert "|tm:" not in signature(path)
    touched = out / "b.el-en.jsonl"
    fields = signature(touched).split("|")  # tm: just before el2en:, 12 hex digits
    assert fields[-2].startswith("tm:") and len(fields[-2]) == 3 + 12
    assert fields[-1].startswith("el2en:")
    records = [json.loads(line) for line in touched.read_text("utf-8").splitlines()[1:]]
    assert [r["en"] for r in records] == ["The weather is fine today."]
    assert records[0]["flags"] == ["human"]
