"""Stores off the happy path, as a user meets them: the el2en command in a subprocess.

A cache, manifest or memory that is locked by another process (a child holding
``BEGIN EXCLUSIVE``), read-only, on a full disk, garbage, truncated, another
program's SQLite database or a newer el2en's must give exit 1 and one line
naming the file and what to do (issue 15, items 4, 7, 9) -- never a
traceback, never exit 0 with a report that says "completed" -- and a foreign
file is never changed.  Only a damaged cache is rebuilt, after it is moved
aside with a warning.

Read-only and full file systems are small tmpfs mounts in the test's own
temporary folder, so these cases need root (CI runs as root) and are skipped
with the reason otherwise: chmod does not stop root.  The lock wait is cut to
one second through ``EL2EN_LOCK_TIMEOUT``.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import ROOT, read_pairs

from translate.cache import SCHEMA_VERSION, TranslationCache
from translate.manifest import Manifest
from translate.memory import TranslationMemory
from translate.signature import Signature
from translate.types import Translation

CACHE_NAME = ".el2en-cache.sqlite"
MANIFEST_NAME = ".el2en-manifest.sqlite"
REPORT_NAME = "el2en-report.json"
GREEK = [el for el, _ in read_pairs()]
SIGNATURE = Signature(
    (
        ("model", "m"),
        ("rev", "r"),
        ("backend", "b"),
        ("device", "cpu"),
        ("compute", "int8"),
        ("beam", "4"),
        ("lp", "1.0"),
        ("maxout", "256"),
        ("norm", "n"),
        ("el2en", "0"),
    )
)


# -- helpers -------------------------------------------------------------------


def environment(tmp_path: Path, **extra: str) -> dict[str, str]:
    """Return the environment of a user with a private home and a 1 s lock wait."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("XDG_")}
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    env.update(HOME=str(home), PYTHONPATH=str(ROOT), EL2EN_LOCK_TIMEOUT="1", HF_HUB_OFFLINE="1")
    env.update(extra)
    return env


def el2en(tmp_path: Path, *args: str, **extra: str) -> subprocess.CompletedProcess[str]:
    """Run ``el2en ARGS`` as a user would, in a subprocess."""
    return subprocess.run(
        [sys.executable, "-m", "translate", *args],
        env=environment(tmp_path, **extra),
        capture_output=True,
        text=True,
        timeout=180,
    )


def one_line(done: subprocess.CompletedProcess[str], code: int) -> str:
    """Assert exit ``code`` and exactly one line on stderr (no traceback); return it."""
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert "Traceback" not in done.stderr, done.stderr
    assert done.returncode == code, (done.returncode, done.stderr)
    assert len(lines) == 1, done.stderr
    return lines[0]


def make_source(folder: Path, count: int, start: int = 0) -> None:
    """Write ``count`` small articles of fixture sentences into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(start, start + count):
        text = " ".join(GREEK[(i * 3 + k) % len(GREEK)] for k in range(3))
        (folder / f"a{i}.txt").write_text(text + "\n", encoding="utf-8")


def batch(
    tmp_path: Path, model: Path, src: Path, out: Path, *extra: str
) -> subprocess.CompletedProcess[str]:
    return el2en(tmp_path, "batch", str(src), str(out), "--model", str(model), "-q", *extra)


def report(out: Path) -> dict[str, object]:
    data: dict[str, object] = json.loads((out / REPORT_NAME).read_text(encoding="utf-8"))
    return data


def snapshot(path: Path) -> dict[str, bytes]:
    """Return the bytes of ``path`` and of any -wal/-shm beside it."""
    found = {}
    for name in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        if name.exists():
            found[name.name] = name.read_bytes()
    return found


def foreign_database(path: Path) -> None:
    """Write another program's SQLite database (rollback journal, its own table)."""
    raw = sqlite3.connect(path)
    raw.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY, total REAL)")
    raw.execute("INSERT INTO invoices (total) VALUES (12.5)")
    raw.commit()
    raw.close()


def real_cache(path: Path, rows: int = 2000) -> None:
    """Write an el2en cache with ``rows`` rows (big enough to truncate meaningfully)."""
    items = {f"πρόταση {i}": Translation(f"sentence {i}", target_tokens=2) for i in range(rows)}
    with TranslationCache(path, SIGNATURE, None) as cache:
        cache.put_many(items)
    raw = sqlite3.connect(path)
    raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    raw.close()


def newer_schema(path: Path) -> None:
    real_cache(path, 10)
    raw = sqlite3.connect(path)
    raw.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    raw.close()


class Locker:
    """A child process holding ``BEGIN EXCLUSIVE`` on a database until released."""

    def __init__(self, path: Path) -> None:
        code = (
            "import sqlite3, sys\n"
            f"c = sqlite3.connect({str(path)!r}, isolation_level=None)\n"
            "c.execute('BEGIN EXCLUSIVE')\n"
            "print('locked', flush=True)\n"
            "sys.stdin.read()\n"
            "c.execute('ROLLBACK')\n"
        )
        self.process = subprocess.Popen(
            [sys.executable, "-c", code],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout is not None
        assert self.process.stdout.readline() == "locked\n"

    def release(self) -> None:
        if self.process.poll() is None:
            assert self.process.stdin is not None
            self.process.stdin.close()
            self.process.wait(10)


@pytest.fixture()
def locker() -> Iterator[list[Locker]]:
    held: list[Locker] = []
    yield held
    for lock in held:
        lock.release()


def _mount(args: list[str]) -> None:
    subprocess.run(["mount", *args], check=True, capture_output=True, timeout=30)


@pytest.fixture()
def tmpfs(tmp_path: Path) -> Iterator[Path]:
    """Return a 2 MB tmpfs mounted in the test's folder (root only; unmounted after)."""
    if os.geteuid() != 0:
        pytest.skip("needs root to mount a tmpfs (chmod alone does not stop root)")
    folder = tmp_path / "mnt"
    folder.mkdir()
    try:
        _mount(["-t", "tmpfs", "-o", "size=2m,mode=0755", "tmpfs", str(folder)])
    except (OSError, subprocess.CalledProcessError) as exc:
        pytest.skip(f"cannot mount a tmpfs here: {exc}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], capture_output=True, timeout=30)


def remount_read_only(folder: Path) -> None:
    _mount(["-o", "remount,ro", str(folder)])


def fill(folder: Path) -> None:
    """Fill the file system of ``folder`` to the last byte."""
    with open(folder / "filler", "wb") as f, pytest.raises(OSError):
        while True:
            f.write(b"\0" * 65536)
            f.flush()
            os.fsync(f.fileno())


# -- damaged and foreign files, with no model: el2en cache / review -----------------


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        ("garbage", "not an SQLite file"),
        ("truncated", "truncated"),
        ("foreign", "another program's|not an el2en cache"),
        ("newer", "newer el2en"),
        ("manifest", "el2en manifest, not an el2en cache"),
    ],
)
def test_cache_stats_refuses_a_bad_file_in_one_line_and_leaves_it_unchanged(
    tmp_path: Path, kind: str, expected: str
) -> None:
    path = tmp_path / "app.db"
    if kind == "garbage":
        path.write_bytes(b"PK\x03\x04 not a database " * 200)
    elif kind == "truncated":
        real_cache(path)
        data = path.read_bytes()
        path.write_bytes(data[: len(data) // 2])
    elif kind == "foreign":
        foreign_database(path)
    elif kind == "newer":
        newer_schema(path)
    else:
        Manifest(path).close()
    before = snapshot(path)
    line = one_line(el2en(tmp_path, "cache", "stats", str(path)), 1)
    assert str(path) in line
    assert re.search(expected, line), line
    if kind in ("garbage", "truncated"):
        assert f"move {path} aside" in line
    else:
        assert "--cache FILE" in line and "--no-cache" in line
        assert ("upgrade el2en" in line) == (kind == "newer")
    assert snapshot(path) == before  # not one byte changed, no WAL file created
    if kind == "foreign":
        raw = sqlite3.connect(path)
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "delete"  # never WAL
        raw.close()


def test_cache_stats_of_an_old_cache_without_an_application_id_still_works(
    tmp_path: Path,
) -> None:
    path = tmp_path / "old.sqlite"
    real_cache(path, 3)
    raw = sqlite3.connect(path)
    raw.execute("PRAGMA application_id = 0")  # as el2en 0.2 wrote them
    raw.close()
    done = el2en(tmp_path, "cache", "stats", str(path), "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["entries"] == 3


def test_a_bad_lock_timeout_is_a_usage_error_naming_the_variable(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite"
    real_cache(path, 1)
    done = el2en(tmp_path, "cache", "stats", str(path), EL2EN_LOCK_TIMEOUT="soon")
    line = one_line(done, 2)
    assert "EL2EN_LOCK_TIMEOUT='soon'" in line


@pytest.mark.parametrize("kind", ["garbage", "foreign", "newer"])
def test_review_export_of_a_bad_memory_is_one_line_naming_the_fix(
    tmp_path: Path, kind: str
) -> None:
    path = tmp_path / "memory.sqlite"
    if kind == "garbage":
        path.write_bytes(b"\x00garbage" * 300)
    elif kind == "foreign":
        foreign_database(path)
    else:
        newer_schema(path)
    before = snapshot(path)
    line = one_line(el2en(tmp_path, "review", "export", "--memory", str(path)), 1)
    assert str(path) in line and "translation memory" in line
    if kind == "garbage":
        assert "el2en review import" in line
    else:
        assert "--memory FILE" in line
        assert ("upgrade el2en" in line) == (kind == "newer")
    assert snapshot(path) == before


def test_review_import_into_a_read_only_memory_is_one_line(tmp_path: Path, tmpfs: Path) -> None:
    memory = tmpfs / "memory.sqlite"
    with TranslationMemory(memory) as tm:
        tm.put(GREEK[0], "First.", file="f", unit="1")
    reviewed = tmp_path / "reviewed.tsv"
    reviewed.write_text(f"el\ten\n{GREEK[1]}\tSecond.\n", encoding="utf-8")
    remount_read_only(tmpfs)
    done = el2en(tmp_path, "review", "import", str(reviewed), "--memory", str(memory))
    line = one_line(done, 1)
    assert str(memory) in line and "read-only" in line


def test_cache_stats_reads_a_cache_on_a_read_only_file_system_and_clear_says_why_not(
    tmp_path: Path, tmpfs: Path
) -> None:
    cache = tmpfs / "cache.sqlite"
    real_cache(cache, 3)
    remount_read_only(tmpfs)
    done = el2en(tmp_path, "cache", "stats", str(cache), "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["entries"] == 3
    line = one_line(el2en(tmp_path, "cache", "clear", str(cache)), 1)
    assert str(cache) in line and "read-only" in line


def test_a_run_reads_a_memory_on_a_read_only_file_system(tmp_path: Path, tmpfs: Path) -> None:
    memory = tmpfs / "memory.sqlite"
    with TranslationMemory(memory) as tm:
        tm.put(GREEK[0], "A reviewer's sentence.", file="f", unit="1")
    remount_read_only(tmpfs)
    with TranslationMemory(memory, readonly=True) as tm:
        assert tm.get(GREEK[0]) is not None
        assert len(tm) == 1


# -- batch: the run fails, says so in one line, and writes a "failed" report ----------


@pytest.fixture()
def done_batch(fixture_model: Path, tmp_path: Path) -> tuple[Path, Path]:
    """Return SRC and OUT after one successful batch run (cache and manifest exist)."""
    src, out = tmp_path / "in", tmp_path / "out"
    make_source(src, 2)
    done = batch(tmp_path, fixture_model, src, out)
    assert done.returncode == 0, done.stderr
    return src, out


@pytest.mark.slow
@pytest.mark.parametrize("store", [CACHE_NAME, MANIFEST_NAME])
def test_a_store_locked_by_another_process_fails_the_run_and_the_next_run_recovers(
    fixture_model: Path,
    tmp_path: Path,
    done_batch: tuple[Path, Path],
    locker: list[Locker],
    store: str,
) -> None:
    src, out = done_batch
    make_source(src, 1, start=5)  # one new document to commit
    locker.append(Locker(out / store))
    done = batch(tmp_path, fixture_model, src, out)
    line = one_line(done, 1)
    assert str(out / store) in line and "locked by another process" in line
    assert "EL2EN_LOCK_TIMEOUT" in line
    assert report(out)["status"] == "failed"
    assert report(out)["error"] == line.removeprefix("Error: ")
    locker[0].release()
    again = batch(tmp_path, fixture_model, src, out)
    assert again.returncode == 0, again.stderr
    assert report(out)["status"] == "completed"
    assert (out / "a5.el-en.jsonl").is_file()


@pytest.mark.slow
def test_a_garbage_cache_is_moved_aside_and_rebuilt_with_one_warning(
    fixture_model: Path, tmp_path: Path, done_batch: tuple[Path, Path]
) -> None:
    src, out = done_batch
    garbage = b"this was never a cache\n" * 100
    (out / CACHE_NAME).write_bytes(garbage)
    make_source(src, 1, start=5)
    done = el2en(tmp_path, "batch", str(src), str(out), "--model", str(fixture_model))
    assert done.returncode == 0, done.stderr
    warnings = [line for line in done.stderr.splitlines() if "warning" in line]
    assert len(warnings) == 1, done.stderr
    assert "moved to" in warnings[0] and str(out / CACHE_NAME) in warnings[0]
    [aside] = list(out.glob(CACHE_NAME + ".damaged-*"))
    assert aside.read_bytes() == garbage  # nothing lost
    check = el2en(tmp_path, "cache", "stats", str(out), "--json")
    assert check.returncode == 0 and json.loads(check.stdout)["entries"] > 0


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["garbage", "foreign", "newer"])
def test_a_bad_manifest_fails_the_run_in_one_line_and_is_left_unchanged(
    fixture_model: Path, tmp_path: Path, done_batch: tuple[Path, Path], kind: str
) -> None:
    src, out = done_batch
    manifest = out / MANIFEST_NAME
    for side in ("-wal", "-shm"):
        manifest.with_name(manifest.name + side).unlink(missing_ok=True)
    if kind == "garbage":
        manifest.write_bytes(b"\x13\x37" * 3000)
    elif kind == "foreign":
        manifest.unlink()
        foreign_database(manifest)
    else:
        raw = sqlite3.connect(manifest)
        raw.execute("PRAGMA user_version = 99")
        raw.close()
    before = snapshot(manifest)
    line = one_line(batch(tmp_path, fixture_model, src, out), 1)
    assert str(manifest) in line
    assert f"mv {manifest} {manifest}.bad" in line
    assert report(out)["status"] == "failed"
    assert snapshot(manifest) == before


@pytest.mark.slow
def test_a_damaged_manifest_row_is_one_line_too(
    fixture_model: Path, tmp_path: Path, done_batch: tuple[Path, Path]
) -> None:
    src, out = done_batch
    raw = sqlite3.connect(out / MANIFEST_NAME)
    raw.execute("UPDATE files SET outputs = '{not json'")
    raw.commit()
    raw.close()
    line = one_line(batch(tmp_path, fixture_model, src, out), 1)
    assert str(out / MANIFEST_NAME) in line and "damaged row" in line and "mv " in line
    assert report(out)["status"] == "failed"


@pytest.mark.slow
@pytest.mark.parametrize("command", ["translate", "batch"])
def test_a_garbage_memory_stops_a_run_in_one_line_and_is_kept(
    fixture_model: Path, tmp_path: Path, command: str
) -> None:
    src, out = tmp_path / "in", tmp_path / "out"
    make_source(src, 1)
    memory = tmp_path / "memory.sqlite"
    memory.write_bytes(b"reviewers' work, damaged\n" * 100)
    before = memory.read_bytes()
    model = ("--model", str(fixture_model), "--memory", str(memory))
    if command == "translate":
        done = el2en(tmp_path, "translate", str(src / "a0.txt"), *model)
    else:
        done = el2en(tmp_path, "batch", str(src), str(out), *model)
    line = one_line(done, 1)
    assert str(memory) in line and "el2en review import" in line
    assert memory.read_bytes() == before  # a memory is never rebuilt or moved


@pytest.mark.slow
def test_a_foreign_database_given_as_cache_is_refused_unchanged(
    fixture_model: Path, tmp_path: Path
) -> None:
    src, out = tmp_path / "in", tmp_path / "out"
    make_source(src, 1)
    app = tmp_path / "app.db"
    foreign_database(app)
    before = snapshot(app)
    line = one_line(batch(tmp_path, fixture_model, src, out, "--cache", str(app)), 1)
    assert str(app) in line and "not an el2en cache" in line
    assert snapshot(app) == before
    assert report(out)["status"] == "failed"


@pytest.mark.slow
def test_a_read_only_cache_fails_the_run_in_one_line(
    fixture_model: Path, tmp_path: Path, tmpfs: Path
) -> None:
    src, out = tmp_path / "in", tmp_path / "out"
    make_source(src, 1)
    cache = tmpfs / "cache.sqlite"
    real_cache(cache, 3)
    remount_read_only(tmpfs)
    line = one_line(batch(tmp_path, fixture_model, src, out, "--cache", str(cache)), 1)
    assert str(cache) in line and "read-only" in line
    assert report(out)["status"] == "failed"


@pytest.mark.slow
def test_a_read_only_manifest_fails_the_run_in_one_line(
    fixture_model: Path, tmp_path: Path, done_batch: tuple[Path, Path]
) -> None:
    if os.geteuid() != 0:
        pytest.skip("needs root for a read-only bind mount (chmod alone does not stop root)")
    src, out = done_batch
    manifest = out / MANIFEST_NAME
    try:
        _mount(["--bind", str(manifest), str(manifest)])
    except (OSError, subprocess.CalledProcessError) as exc:
        pytest.skip(f"cannot bind-mount here: {exc}")
    try:
        _mount(["-o", "remount,ro,bind", str(manifest)])
        make_source(src, 1, start=5)
        line = one_line(batch(tmp_path, fixture_model, src, out), 1)
    finally:
        subprocess.run(["umount", "-l", str(manifest)], capture_output=True, timeout=30)
    assert str(manifest) in line and "read-only" in line
    assert report(out)["status"] == "failed"


@pytest.mark.slow
def test_a_cache_on_a_full_disk_fails_the_run_in_one_line(
    fixture_model: Path, tmp_path: Path, tmpfs: Path
) -> None:
    src, out = tmp_path / "in", tmp_path / "out"
    make_source(src, 2)
    cache = tmpfs / "cache.sqlite"
    done = batch(tmp_path, fixture_model, src, out, "--cache", str(cache))
    assert done.returncode == 0, done.stderr
    fill(tmpfs)
    make_source(src, 3, start=10)  # new sentences to store
    line = one_line(batch(tmp_path, fixture_model, src, out, "--cache", str(cache)), 1)
    assert str(cache) in line and "disk is full" in line
    assert report(out)["status"] == "failed"
    (tmpfs / "filler").unlink()
    again = batch(tmp_path, fixture_model, src, out, "--cache", str(cache))
    assert again.returncode == 0, again.stderr


# -- a service user whose home cannot be read ------------------------------------------


@pytest.mark.slow
def test_a_home_that_cannot_be_read_means_no_default_memory_and_one_warning(
    fixture_model: Path, tmp_path: Path
) -> None:
    home = tmp_path / "home"
    home.mkdir()
    (home / ".local" / "share" / "el2en").mkdir(parents=True)
    home.chmod(0)
    text = tmp_path / "in.txt"
    text.write_text(GREEK[0] + "\n", encoding="utf-8")
    command = [sys.executable, "-m", "translate", "translate", str(text)]
    command += ["--model", str(fixture_model)]
    if os.geteuid() == 0:
        if shutil.which("setpriv") is None:
            pytest.skip("root ignores permissions, and setpriv (to drop that) is missing")
        command = ["setpriv", "--bounding-set", "-dac_override,-dac_read_search", *command]
    env = environment(tmp_path)
    env.pop("EL2EN_MEMORY", None)  # the default memory, under the home
    try:
        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=180)
    finally:
        home.chmod(0o755)
    assert "Traceback" not in done.stderr
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip()
    warnings = [line for line in done.stderr.splitlines() if "translation memory" in line]
    assert len(warnings) == 1 and "translating without it" in warnings[0], done.stderr
