"""el2en batch on the committed test model: mirrored trees, skip-unchanged, failures, cache."""

from __future__ import annotations

import json
import os
import sqlite3
import time
from pathlib import Path

import pytest
from conftest import article, batch, make_source, outputs, read_pairs, report, run

from translate.batch import CACHE_NAME, LOCK_NAME, REPORT_NAME, RunCache
from translate.manifest import MANIFEST_NAME
from translate.types import Translation

GREEK = [el for el, _ in read_pairs()]


def mtimes(out: Path) -> dict[str, int]:
    return {name: (out / name).stat().st_mtime_ns for name in outputs(out)}


def test_folder_into_a_mirrored_folder(fixture_model: Path, tmp_path: Path) -> None:
    src, out = tmp_path / "in", tmp_path / "new" / "out"  # OUT need not exist
    make_source(src)
    (src / "notes.md").write_text("not an input\n")
    (src / ".hidden.txt").write_text(GREEK[0])
    code, _, err = batch(fixture_model, src, out, "-f", "jsonl,tsv")
    assert code == 0, err
    assert sorted(outputs(out)) == [
        "a0.el-en.jsonl",
        "a0.el-en.tsv",
        "a2.el-en.jsonl",
        "a2.el-en.tsv",
        "sub/deeper/b1.el-en.jsonl",
        "sub/deeper/b1.el-en.tsv",
        "sub/deeper/b3.el-en.jsonl",
        "sub/deeper/b3.el-en.tsv",
    ]
    records = [json.loads(line) for line in (out / "sub/deeper/b1.el-en.jsonl").open()]
    # The document id is the path under SRC: outputs do not depend on where SRC is.
    assert {r["doc"] for r in records[1:]} == {"sub/deeper/b1.el.txt"}
    assert [r["el"] for r in records[1:4]] == GREEK[3:6]
    data = report(out)
    assert data["status"] == "completed"
    assert data["files"] == {"seen": 4, "translated": 4, "skipped": 0, "failed": 0}
    assert data["sentences"] == 4 * 5
    assert data["signature"] == records[0]["signature"]
    assert data["el2en"] and data["started"] and data["ended"]
    assert data["sentences_per_second"] > 0
    # One line on stderr, even off a terminal; -q hides it.
    (line,) = [line for line in err.splitlines() if "converting" not in line]  # first use
    assert line.startswith("el2en batch completed: 4 seen, 4 translated, 0 skipped, 0 failed")
    for name in (LOCK_NAME, MANIFEST_NAME, CACHE_NAME, REPORT_NAME):
        assert (out / name).exists()


def test_quiet_and_verbose(fixture_model: Path, tmp_path: Path) -> None:
    src, out = tmp_path / "in", tmp_path / "out"
    keys = make_source(src, 2)
    code, _, err = batch(fixture_model, src, out, "-q")
    assert (code, err) == (0, "")
    (src / keys[0]).write_text(article(7), encoding="utf-8")
    code, _, err = batch(fixture_model, src, out, "-v")
    assert code == 0
    assert f"{keys[0]}: translated (changed)" in err
    assert f"{keys[1]}: skipped (unchanged)" in err


def test_bad_files_are_reported_and_skipped(fixture_model: Path, tmp_path: Path) -> None:
    src, out = tmp_path / "in", tmp_path / "out"
    make_source(src, 2)
    (src / "legacy.txt").write_bytes(GREEK[0].encode("iso-8859-7"))
    (src / "binary.txt").write_bytes(b"\x89PNG\r\n\x1a\n\0\0\0")
    (src / "empty.txt").write_bytes(b"")
    (src / "dangling.txt").symlink_to(tmp_path / "gone.txt")
    outside = tmp_path / "secret.txt"
    outside.write_text(GREEK[1], encoding="utf-8")
    (src / "escape.txt").symlink_to(outside)
    report_file = tmp_path / "morning.json"
    code, _, err = batch(fixture_model, src, out, "--report", str(report_file))
    assert code == 3, err
    data = report(out)
    assert json.loads(report_file.read_text()) == data
    reasons = {f["path"]: f["reason"] for f in data["failures"]}
    assert sorted(reasons) == [
        "binary.txt",
        "dangling.txt",
        "empty.txt",
        "escape.txt",
        "legacy.txt",
    ]
    assert "ISO-8859-7" in reasons["legacy.txt"] and "--encoding" in reasons["legacy.txt"]
    assert "binary" in reasons["binary.txt"]
    assert "empty" in reasons["empty.txt"]
    assert "dangling" in reasons["dangling.txt"]
    assert "out of the source folder" in reasons["escape.txt"]
    assert data["files"] == {"seen": 7, "translated": 2, "skipped": 0, "failed": 5}
    assert sorted(outputs(out)) == ["a0.el-en.jsonl", "sub/deeper/b1.el-en.jsonl"]
    assert "5 failed" in err and "legacy.txt" in err
    # Fixed with the right encoding, the legacy file is translated on the next run.
    (src / "legacy.txt").write_text(GREEK[0], encoding="utf-8")
    code, _, _ = batch(fixture_model, src, out)
    assert code == 3
    data = report(out)
    assert [t["path"] for t in data["translated"]] == ["legacy.txt"]


@pytest.mark.skipif(
    os.geteuid() == 0,
    reason="root reads a chmod-000 file; covered by the "
    "dangling symlink of test_bad_files_are_reported_and_skipped",
)
def test_unreadable_file_is_reported(fixture_model: Path, tmp_path: Path) -> None:
    src, out = tmp_path / "in", tmp_path / "out"
    make_source(src, 1)
    locked = src / "locked.txt"
    locked.write_text(GREEK[2], encoding="utf-8")
    locked.chmod(0)
    try:
        code, _, _ = batch(fixture_model, src, out)
    finally:
        locked.chmod(0o644)
    assert code == 3
    (failure,) = report(out)["failures"]
    assert failure["path"] == "locked.txt" and "permission denied" in failure["reason"]


def test_rerun_writes_nothing_then_only_what_changed(fixture_model: Path, tmp_path: Path) -> None:
    src, out = tmp_path / "in", tmp_path / "out"
    keys = make_source(src)
    assert batch(fixture_model, src, out, "-f", "jsonl,tsv")[0] == 0
    before, stamps = outputs(out), mtimes(out)
    time.sleep(0.02)
    code, _, err = batch(fixture_model, src, out, "-f", "jsonl,tsv")
    assert code == 0
    assert mtimes(out) == stamps and outputs(out) == before
    assert report(out)["files"] == {"seen": 4, "translated": 0, "skipped": 4, "failed": 0}
    assert "0 translated, 4 skipped" in err
    # One input changed: only its outputs are written again.
    (src / keys[1]).write_text(article(9), encoding="utf-8")
    assert batch(fixture_model, src, out, "-f", "jsonl,tsv")[0] == 0
    changed = {k for k, v in mtimes(out).items() if v != stamps[k]}
    assert changed == {"sub/deeper/b1.el-en.jsonl", "sub/deeper/b1.el-en.tsv"}
    translated = report(out)["translated"]
    assert translated == [
        {"path": keys[1], "reason": "changed", "sentences": 5, "encoding": "utf-8"}
    ]
    # A different beam is a different signature: everything is translated again.
    code, _, _ = batch(fixture_model, src, out, "-f", "jsonl,tsv", "--beam", "2")
    assert code == 0
    reasons = {t["path"]: t["reason"] for t in report(out)["translated"]}
    assert reasons == dict.fromkeys(keys, "signature changed")
    # --force redoes everything, changed or not.
    code, _, _ = batch(fixture_model, src, out, "-f", "jsonl,tsv", "--beam", "2", "--force")
    assert code == 0
    assert report(out)["files"] == {"seen": 4, "translated": 4, "skipped": 0, "failed": 0}


def test_deleted_or_damaged_outputs_are_written_again(fixture_model: Path, tmp_path: Path) -> None:
    src, out = tmp_path / "in", tmp_path / "out"
    make_source(src, 3)
    assert batch(fixture_model, src, out, "-f", "jsonl,text", "--no-cache")[0] == 0
    first = outputs(out)
    (out / "a0.en.txt").unlink()
    (out / "a2.el-en.jsonl").write_text("edited by hand\n")
    code, _, _ = batch(fixture_model, src, out, "-f", "jsonl,text", "--no-cache")
    assert code == 0
    data = report(out)
    assert {t["path"]: t["reason"] for t in data["translated"]} == {
        "a0.txt": "outputs missing or changed",
        "a2.txt": "outputs missing or changed",
    }
    assert outputs(out) == first
    # Another set of formats is another job.
    code, _, err = batch(fixture_model, src, out, "-f", "jsonl", "--no-cache")
    assert code == 0, err
    assert report(out)["files"]["translated"] == 3


def test_without_cache_each_output_is_the_file_translated_alone(
    fixture_model: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    src, out, alone = tmp_path / "in", tmp_path / "out", tmp_path / "alone"
    keys = make_source(src, 4)
    # A long document next to short ones: batches of another shape around them.
    (src / "long.txt").write_text("\n\n".join(GREEK) + "\n", encoding="utf-8")
    keys.append("long.txt")
    code, _, err = batch(fixture_model, src, out, "-f", "jsonl,tsv,text", "--no-cache")
    assert code == 0, err
    assert not (out / CACHE_NAME).exists()
    monkeypatch.chdir(src)  # the document id is the path under SRC
    for key in keys:
        target = alone / key
        code, _, err = run(
            "translate", key, "--model", str(fixture_model), "-f", "jsonl,tsv,text",
            "-o", f"{target.parent}/", "-q",
        )  # fmt: skip
        assert code == 0, err
    assert outputs(out) == outputs(alone)


def test_cache_gives_the_same_translations(fixture_model: Path, tmp_path: Path) -> None:
    src, out = tmp_path / "in", tmp_path / "out"
    make_source(src, 3)
    assert batch(fixture_model, src, out, "-f", "jsonl,text")[0] == 0
    first, data = outputs(out), report(out)
    # The shared closing sentence is decoded once and reused by the two other
    # documents, which say so (reused, not cached: this run decoded it).
    assert data["cache"]["hits"] == 0
    assert data["flags"].get("reused") == 2 and "cached" not in data["flags"]
    reused = [
        json.loads(line)
        for name, content in first.items()
        if name.endswith(".jsonl")
        for line in content.splitlines()
        if "reused" in json.loads(line).get("flags", [])
    ]
    assert len(reused) == 2 and len({r["el"] for r in reused}) == 1
    assert batch(fixture_model, src, out, "-f", "jsonl,text", "--force")[0] == 0
    second = outputs(out)
    assert report(out)["cache"]["hits"] == report(out)["sentences"]
    for name, content in first.items():
        if name.endswith(".en.txt"):
            assert second[name] == content
            continue
        old = [json.loads(line) for line in content.splitlines()]
        new = [json.loads(line) for line in second[name].splitlines()]
        assert new[0] == old[0]
        for a, b in zip(old[1:], new[1:], strict=True):
            assert "cached" in b["flags"]
            b["flags"].remove("cached")
            a["flags"] = [f for f in a["flags"] if f != "reused"]  # now an earlier run's
            assert a == b


def test_cache_options(fixture_model: Path, tmp_path: Path) -> None:
    src, out, shared = tmp_path / "in", tmp_path / "out", tmp_path / "shared.sqlite"
    make_source(src, 2)
    code, _, _ = batch(fixture_model, src, out, "--cache", str(shared), "--cache-size", "3")
    assert code == 0
    assert not (out / CACHE_NAME).exists()
    rows = sqlite3.connect(shared).execute("SELECT count(*) FROM cache").fetchone()[0]
    assert rows == 3
    code, _, err = batch(fixture_model, src, tmp_path / "o2", "--cache", "x", "--no-cache")
    assert code == 2 and "contradict" in err


def test_a_second_run_exits_4_at_once(fixture_model: Path, tmp_path: Path) -> None:
    from filelock import FileLock

    src, out = tmp_path / "in", tmp_path / "out"
    make_source(src, 1)
    out.mkdir()
    with FileLock(str(out / LOCK_NAME), timeout=0):
        started = time.monotonic()
        code, _, err = batch(fixture_model, src, out)
        assert time.monotonic() - started < 5
    assert code == 4
    assert err.count("\n") == 1 and "another el2en batch run holds" in err
    assert not (out / REPORT_NAME).exists() and outputs(out) == {}
    assert batch(fixture_model, src, out)[0] == 0  # released: the next run goes ahead


def test_a_list_of_inputs(
    fixture_model: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    src, out = tmp_path / "in", tmp_path / "out"
    keys = make_source(src, 3)
    (src / "folder.txt").mkdir()
    monkeypatch.chdir(tmp_path)
    listing = "\n".join(
        ["# tonight", f"in/{keys[0]}", str(src / keys[1]), "", "in/folder.txt", "in/gone.txt"]
    )
    code, _, err = run(
        "batch", "-", str(out), "--model", str(fixture_model), "--root", "in", input=listing
    )
    assert code == 3, err
    data = report(out)
    assert sorted(outputs(out)) == ["a0.el-en.jsonl", "sub/deeper/b1.el-en.jsonl"]
    reasons = {f["path"]: f["reason"] for f in data["failures"]}
    assert sorted(reasons) == ["folder.txt", "gone.txt"]
    assert "directory" in reasons["folder.txt"] and "no such file" in reasons["gone.txt"]
    (tmp_path / "list.txt").write_text(f"in/{keys[2]}\n/etc/hostname\n")
    code, _, _ = run("batch", "list.txt", str(out), "--model", str(fixture_model), "--root", "in")
    assert code == 3
    assert report(out)["failures"][0]["reason"].startswith("outside --root")
    assert (out / "a2.el-en.jsonl").exists()


def test_output_inside_source_is_not_read_back(fixture_model: Path, tmp_path: Path) -> None:
    src = tmp_path / "in"
    make_source(src, 2)
    code, _, _ = batch(fixture_model, src, src / "en", "-f", "text")
    assert code == 0
    code, _, err = batch(fixture_model, src, src / "en", "-f", "text")
    assert code == 0, err
    assert report(src / "en")["files"]["seen"] == 2


def test_usage_errors(fixture_model: Path, tmp_path: Path) -> None:
    src = tmp_path / "in"
    make_source(src, 1)
    code, _, err = batch(fixture_model, tmp_path / "nothing", tmp_path / "out")
    assert code == 2 and "no such folder or list file" in err
    code, _, err = batch(fixture_model, src, src)
    assert code == 2 and "cannot be the source folder" in err
    code, _, err = batch(fixture_model, src, tmp_path / "out", "--actors", "2")
    assert code == 2 and "--actors: only for --engine ray" in err


def test_killed_runs_leftovers_are_cleaned(fixture_model: Path, tmp_path: Path) -> None:
    src, out = tmp_path / "in", tmp_path / "out"
    make_source(src, 2)
    assert batch(fixture_model, src, out)[0] == 0
    # A temporary a killed run left beside a skipped output, and beside the report.
    for name in (".a0.el-en.jsonl.el2en-1-x.tmp", f".{REPORT_NAME}.el2en-1-y.tmp"):
        (out / name).write_text("partial")
    assert batch(fixture_model, src, out)[0] == 0
    assert not list(out.glob("*.tmp")) and not list(out.glob(".*.tmp"))


def test_run_cache_holds_a_documents_entries_until_committed(tmp_path: Path) -> None:
    from translate.cache import TranslationCache
    from translate.signature import Signature

    signature = Signature(
        tuple((k, "x") for k in ("model", "rev", "backend", "device", "compute", "beam", "lp",
                                 "maxout", "norm"))
    )  # fmt: skip
    with TranslationCache(tmp_path / "c.sqlite", signature) as store:
        cache = RunCache(store)
        # A finished document's new entries (from its outcome); a cache hit is not new.
        cache.add({"α": Translation("a"), "β": Translation("b", origin="cached")})
        reused = Translation("a", origin="reused")  # decoded in this run: no "cached" flag
        assert cache.get_many(["α", "β", "γ"]) == {"α": reused}
        assert store.get_many(["α"]) == {}  # not in the file until committed
        cache.committed()
        assert cache.get_many(["α"]) == {}


def test_cache_entries_of_a_committed_document_survive_a_kill(
    fixture_model: Path, tmp_path: Path
) -> None:
    """A kill between the manifest commit and the cache write: the next run writes them."""
    from translate.manifest import Manifest, PendingCache

    src, out = tmp_path / "in", tmp_path / "out"
    make_source(src, 1)
    assert batch(fixture_model, src, out)[0] == 0
    signature = report(out)["signature"]
    cache_path = str((out / CACHE_NAME).resolve())
    with Manifest(out / MANIFEST_NAME) as manifest:
        entry = manifest.get("a0.txt")
        assert entry is not None
        pending = PendingCache(cache_path, str(signature), {"ζζζ": Translation("z")})
        manifest.commit([entry], pending)
    assert batch(fixture_model, src, out)[0] == 0
    rows = (
        sqlite3.connect(cache_path)
        .execute("SELECT text FROM cache WHERE source = 'ζζζ'")
        .fetchall()
    )
    assert rows == [("z",)]
    with Manifest(out / MANIFEST_NAME) as manifest:
        assert manifest.pending_cache() == []


def test_qa_settings_and_translation_memory(fixture_model: Path, tmp_path: Path) -> None:
    from translate.memory import TranslationMemory

    src, out = tmp_path / "in", tmp_path / "out"
    keys = make_source(src, 2)
    assert batch(fixture_model, src, out)[0] == 0
    # QA settings change the flags written: every input is redone.
    assert batch(fixture_model, src, out, "--no-qa")[0] == 0
    reasons = {t["path"]: t["reason"] for t in report(out)["translated"]}
    assert reasons == dict.fromkeys(keys, "settings changed")
    # A reviewer's translation from the memory, as `el2en translate` uses it.
    memory = tmp_path / "memory.sqlite"
    with TranslationMemory(memory) as tm:
        tm.put(GREEK[0], "A reviewed sentence.", file="review.xlf", unit="1")
    assert batch(fixture_model, src, out, "--no-qa", "--memory", str(memory))[0] == 0
    # Only the document holding the reviewed sentence is redone: its tm: digest changed.
    assert [t["path"] for t in report(out)["translated"]] == ["a0.txt"]
    first = json.loads((out / "a0.el-en.jsonl").read_text().splitlines()[1])
    assert (first["en"], first["flags"]) == ("A reviewed sentence.", ["human"])


def test_a_resumed_run_continues_the_killed_one_and_a_completed_run_ends_it(
    tmp_path: Path,
) -> None:
    from translate.manifest import Manifest

    path = tmp_path / ".el2en-manifest.sqlite"
    with Manifest(path) as manifest:
        assert manifest.unfinished_run() is None
        manifest.start_run(1234.5)
    with Manifest(path) as manifest:  # killed: the next run finds when it began
        assert manifest.unfinished_run() == 1234.5
        manifest.finish_run()
    with Manifest(path) as manifest:
        assert manifest.unfinished_run() is None


def test_a_manifest_of_schema_1_gains_the_run_table_and_keeps_its_rows(tmp_path: Path) -> None:
    from translate.manifest import SCHEMA_VERSION, Entry, Manifest

    path = tmp_path / ".el2en-manifest.sqlite"
    with Manifest(path) as manifest:
        manifest.commit([Entry("a.txt", "a.txt", "0" * 64, 3, "sig", "{}")])
    conn = sqlite3.connect(path)
    conn.execute("DROP TABLE run")
    conn.execute("PRAGMA user_version = 1")
    conn.commit()
    conn.close()
    with Manifest(path) as manifest:
        entry = manifest.get("a.txt")
        assert entry is not None and entry.input_sha256 == "0" * 64
        assert manifest.unfinished_run() is None
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 2
    conn.close()
