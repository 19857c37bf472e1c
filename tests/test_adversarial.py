"""el2en tried as an attacker and as a careless operator would: a subprocess per case.

Whoever can write into OUT, SRC or /tmp may plant symlinks, FIFOs and hostile
names there; a nightly job may run as root.  Each case checks the promise of
README's "Inputs and outputs" section that it attacks: nothing is written
outside OUT, a user-named link is followed only as the kernel's
protected_symlinks rule allows, one stray file fails alone (exit 3) and never
hangs the run, names are shown escaped, a full disk is one line (exit 1).

Every run has a private HOME and XDG folders.  Cases that need root (another
user's symlink, a device node, a tmpfs) skip with the reason otherwise; they
never touch the machine's own /dev or /etc.
"""

from __future__ import annotations

import contextlib
import json
import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import ROOT, SEED

EL2EN = [sys.executable, "-m", "translate"]
#: Another user, to own symlinks planted "by someone else".
NOBODY = 65534
#: Two paragraphs of the seed article: a quick input.
SHORT = "\n\n".join(SEED.read_text(encoding="utf-8").split("\n\n")[:2]) + "\n"
VICTIM_TEXT = "a file outside OUT that el2en must never touch\n"


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory, fixture_model: Path) -> dict[str, str]:
    """A private HOME/XDG environment whose model store holds the converted test model."""
    home = tmp_path_factory.mktemp("home")
    environment = {
        k: v for k, v in os.environ.items() if not k.startswith("EL2EN_") or k == "EL2EN_MODELS_DIR"
    }
    environment.update(
        EL2EN_MODEL=str(fixture_model),
        HF_HUB_OFFLINE="1",
        PYTHONPATH=str(ROOT),
        HOME=str(home),
        XDG_CACHE_HOME=str(home / ".cache"),
        XDG_DATA_HOME=str(home / ".local" / "share"),
        XDG_CONFIG_HOME=str(home / ".config"),
    )
    subprocess.run(
        [*EL2EN, "translate", str(SEED), "-q"], env=environment, check=True, capture_output=True
    )
    return environment


def el2en(
    env: dict[str, str],
    *args: str | Path,
    input: bytes | None = None,
    cwd: Path | None = None,
    timeout: float = 120,
) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [*EL2EN, *map(str, args)],
        env=env,
        input=input,
        capture_output=True,
        timeout=timeout,
        cwd=cwd,
    )


def victim(folder: Path, name: str = "victim.txt") -> Path:
    """Return a file outside OUT that a planted link points at."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(VICTIM_TEXT)
    return path


def assert_untouched(*paths: Path) -> None:
    for path in paths:
        assert path.read_text() == VICTIM_TEXT, f"{path} was written through a planted link"


def error_lines(done: subprocess.CompletedProcess[bytes]) -> list[str]:
    return [line for line in done.stderr.decode().splitlines() if line.startswith("Error: ")]


def needs_root(why: str) -> None:
    if os.geteuid() != 0:
        pytest.skip(f"needs root: {why}")


def sticky_folder(tmp_path: Path) -> Path:
    """Return a /tmp-like folder: sticky and world-writable."""
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o1777)
    return shared


@contextlib.contextmanager
def small_tmpfs(folder: Path, size: str = "64k") -> Iterator[Path]:
    """Mount a small tmpfs at ``folder`` (root only), for a disk that fills up."""
    needs_root("mounting a small tmpfs to fill a disk")
    folder.mkdir(parents=True, exist_ok=True)
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "none", str(folder)],
        capture_output=True,
        text=True,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=True)


def long_article(path: Path, copies: int = 12) -> Path:
    path.write_text((SEED.read_text(encoding="utf-8") + "\n\n") * copies, encoding="utf-8")
    return path


# -- translate: outputs --------------------------------------------------------


def test_a_link_planted_at_an_output_name_in_the_output_folder_is_replaced(
    env: dict[str, str], tmp_path: Path
) -> None:
    source = tmp_path / "a.txt"
    source.write_text(SHORT, encoding="utf-8")
    out = tmp_path / "out"
    out.mkdir()
    target = victim(tmp_path / "elsewhere")
    (out / "a.el-en.jsonl").symlink_to(target)
    done = el2en(env, "translate", source, "-f", "jsonl,tsv", "-o", f"{out}/")
    assert done.returncode == 0, done.stderr
    assert_untouched(target)
    written = out / "a.el-en.jsonl"
    assert not written.is_symlink() and stat.S_ISREG(written.lstat().st_mode)
    assert written.read_text(encoding="utf-8").count("\n") >= 2
    assert f"{written}: was a symbolic link" in done.stderr.decode()
    assert sorted(os.listdir(out)) == ["a.el-en.jsonl", "a.el-en.tsv"]


def test_a_fifo_planted_at_an_output_name_does_not_hang_the_run(
    env: dict[str, str], tmp_path: Path
) -> None:
    source = tmp_path / "a.txt"
    source.write_text(SHORT, encoding="utf-8")
    out = tmp_path / "out"
    out.mkdir()
    os.mkfifo(out / "a.el-en.jsonl")
    done = el2en(env, "translate", source, "-f", "jsonl", "-o", f"{out}/", timeout=60)
    assert done.returncode == 0, done.stderr
    assert stat.S_ISREG((out / "a.el-en.jsonl").lstat().st_mode)


def test_another_users_link_in_a_sticky_folder_is_not_followed(
    env: dict[str, str], tmp_path: Path
) -> None:
    needs_root("a symlink owned by another user (lchown)")
    shared = sticky_folder(tmp_path)
    target = victim(tmp_path / "home")
    planted = shared / "out.txt"
    planted.symlink_to(target)
    os.lchown(planted, NOBODY, NOBODY)
    done = el2en(env, "translate", SEED, "-o", planted, "-q")
    assert done.returncode == 1, done.stderr
    (line,) = error_lines(done)
    assert str(planted) in line and "protected_symlinks" in line
    assert_untouched(target)
    assert sorted(os.listdir(shared)) == ["out.txt"]


def test_ones_own_link_in_a_sticky_folder_is_followed_as_documented(
    env: dict[str, str], tmp_path: Path
) -> None:
    shared = sticky_folder(tmp_path)
    target = victim(tmp_path / "home")
    link = shared / "out.txt"
    link.symlink_to(target)  # owned by the user running el2en
    done = el2en(env, "translate", SEED, "-o", link, "-q")
    assert done.returncode == 0, done.stderr
    assert link.is_symlink()
    assert target.read_text(encoding="utf-8").startswith("A Russian delegation")


def test_a_full_disk_is_one_line_and_leaves_nothing(env: dict[str, str], tmp_path: Path) -> None:
    source = long_article(tmp_path / "long.txt")
    with small_tmpfs(tmp_path / "disk", "16k") as disk:
        old = disk / "long.tsv"
        old.write_text("yesterday's good output\n")
        done = el2en(env, "translate", source, "-f", "tsv", "-o", old)
        assert done.returncode == 1, done.stderr
        assert b"Traceback" not in done.stderr
        (line,) = error_lines(done)
        assert str(old) in line and "No space left on device" in line
        assert old.read_text() == "yesterday's good output\n"
        assert os.listdir(disk) == ["long.tsv"]


def test_a_full_temporary_folder_is_one_line(env: dict[str, str], tmp_path: Path) -> None:
    from translate.read import SPOOL_BYTES

    line = "Η ρωσική αντιπροσωπεία έφτασε στην Πιονγκγιάνγκ.\n\n"
    big = tmp_path / "big.txt"  # beyond what is buffered in memory: spilled to TMPDIR
    big.write_text(line * (SPOOL_BYTES // len(line.encode()) + 1000), encoding="utf-8")
    with small_tmpfs(tmp_path / "tmp") as tmp:
        done = el2en({**env, "TMPDIR": str(tmp)}, "translate", big, "-o", tmp_path / "out.txt")
        assert os.listdir(tmp) == []
    assert done.returncode == 1, done.stderr
    assert b"Traceback" not in done.stderr
    (line_shown,) = error_lines(done)
    assert str(big) in line_shown and "No space left" in line_shown and "TMPDIR" in line_shown
    assert not (tmp_path / "out.txt").exists()


# -- options and names ---------------------------------------------------------


@pytest.mark.parametrize("command", ["translate", "batch"])
def test_an_unknown_format_is_clicks_usage_line(
    env: dict[str, str], tmp_path: Path, command: str
) -> None:
    args = [SEED] if command == "translate" else [tmp_path, tmp_path / "out"]
    done = el2en(env, command, *args, "--format", "xml")
    assert done.returncode == 2, done.stderr
    lines = done.stderr.decode().strip().splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith("Error: Invalid value for '-f' / '--format': ")
    assert "'xml'" in lines[0]


def test_a_hostile_name_is_shown_escaped(env: dict[str, str], tmp_path: Path) -> None:
    name = tmp_path / "a\x1b]0;owned\x07\nel2en batch completed: 0 failed\x9b2J.txt"
    done = el2en(env, "translate", name)
    assert done.returncode == 2, done.stderr
    text = done.stderr.decode()
    assert text.count("\n") == 1, text
    assert not any(ch in text for ch in "\x1b\x07\x9b")
    assert "a\\x1b]0;owned\\x07\\nel2en batch completed: 0 failed\\x9b2J.txt" in text


# -- batch: OUT ----------------------------------------------------------------


def make_source(folder: Path, *names: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(SHORT, encoding="utf-8")
    return folder


@pytest.mark.slow
def test_links_planted_at_every_path_under_out_are_never_followed(
    env: dict[str, str], tmp_path: Path
) -> None:
    src = make_source(tmp_path / "src", "a.txt", "sub/b.txt")
    out = tmp_path / "out"
    out.mkdir()
    victims = tmp_path / "victims"
    planted = {
        "output": (out / "a.el-en.jsonl", victim(victims, "output.txt")),
        "report": (out / "el2en-report.json", victim(victims, "report.txt")),
        "manifest": (out / ".el2en-manifest.sqlite", victim(victims, "manifest.txt")),
        "manifest journal": (out / ".el2en-manifest.sqlite-wal", victim(victims, "wal.txt")),
        "cache": (out / ".el2en-cache.sqlite", victim(victims, "cache.txt")),
        "lock": (out / ".el2en.lock", victim(victims, "lock.txt")),
    }
    for link, target in planted.values():
        link.symlink_to(target)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (out / "sub").symlink_to(elsewhere)  # a subfolder's name
    done = el2en(env, "batch", src, out)
    assert done.returncode == 0, done.stderr
    for kind, (link, target) in planted.items():
        assert target.read_text() == VICTIM_TEXT, f"written through the link at the {kind}"
        if link.exists():
            assert not link.is_symlink(), f"the {kind} link is still there"
    assert os.listdir(elsewhere) == [], "written through the link at a subfolder"
    assert (out / "sub").is_dir() and not (out / "sub").is_symlink()
    assert (out / "sub" / "b.el-en.jsonl").is_file()
    report = json.loads((out / "el2en-report.json").read_text(encoding="utf-8"))
    assert report["status"] == "completed" and report["files"]["translated"] == 2


@pytest.mark.slow
def test_a_listed_input_leading_out_of_root_is_refused(env: dict[str, str], tmp_path: Path) -> None:
    root = make_source(tmp_path / "root", "inside.txt")
    secret = tmp_path / "private" / "secret.txt"
    secret.parent.mkdir()
    secret.write_text("Μυστικό κείμενο που δεν πρέπει να μεταφραστεί.\n", encoding="utf-8")
    (root / "link.txt").symlink_to(secret)
    (root / "linked-folder").symlink_to(secret.parent)
    listed = [root / "inside.txt", root / "link.txt", root / "linked-folder" / "secret.txt"]
    out = tmp_path / "out"
    done = el2en(
        env,
        "batch",
        "-",
        out,
        "--root",
        root,
        input="".join(f"{p}\n" for p in listed).encode(),
    )
    assert done.returncode == 3, done.stderr
    report = json.loads((out / "el2en-report.json").read_text(encoding="utf-8"))
    assert report["files"] == {"seen": 3, "translated": 1, "skipped": 0, "failed": 2}
    reasons = " ".join(f["reason"] for f in report["failures"])
    assert reasons.count("out of the source folder") == 2
    written = [p for p in out.rglob("*") if p.is_file()]
    assert not any("Μυστικό" in p.read_text(encoding="utf-8", errors="replace") for p in written)
    assert (out / "inside.el-en.jsonl").is_file()


# -- batch: --report -------------------------------------------------------------


def test_the_report_is_never_an_input(env: dict[str, str], tmp_path: Path) -> None:
    src = make_source(tmp_path / "src", "a.txt", "b.txt")
    before = (src / "b.txt").read_bytes()
    done = el2en(env, "batch", src, tmp_path / "out", "--report", src / "b.txt")
    assert done.returncode == 2, done.stderr
    (line,) = error_lines(done)
    assert str(src / "b.txt") in line and "input" in line
    assert (src / "b.txt").read_bytes() == before


def test_a_report_link_planted_in_a_sticky_folder_is_not_followed(
    env: dict[str, str], tmp_path: Path
) -> None:
    needs_root("a symlink owned by another user (lchown)")
    src = make_source(tmp_path / "src", "a.txt")
    shared = sticky_folder(tmp_path)
    target = victim(tmp_path / "home")
    planted = shared / "nightly.json"
    planted.symlink_to(target)
    os.lchown(planted, NOBODY, NOBODY)
    done = el2en(env, "batch", src, tmp_path / "out", "--report", planted)
    assert done.returncode == 1, done.stderr
    (line,) = error_lines(done)
    assert str(planted) in line and "protected_symlinks" in line
    assert_untouched(target)


# -- batch: stray files in SRC ---------------------------------------------------


@pytest.mark.slow
def test_stray_files_fail_alone_and_names_are_shown_escaped(
    env: dict[str, str], tmp_path: Path
) -> None:
    src = make_source(
        tmp_path / "src",
        "good.txt",
        "new\nline.txt",
        "esc\x1b[2J\x9b.txt",
        "x" * 235 + ".txt",  # 239 bytes: its output name still fits
    )
    os.mkfifo(src / "fifo.txt")
    (src / "long").mkdir()
    (src / "long" / ("y" * 251 + ".txt")).write_text(SHORT, encoding="utf-8")  # 255 bytes
    raw = os.fsencode(src) + b"/caf\xe9.txt"  # Latin-1, not UTF-8
    with open(raw, "w", encoding="utf-8") as f:
        f.write(SHORT)
    if os.geteuid() == 0:
        os.mknod(src / "device.txt", stat.S_IFCHR | 0o666, os.makedev(1, 3))  # a private /dev/null
    out = tmp_path / "out"
    done = el2en(env, "batch", src, out, "-v", timeout=90)
    assert done.returncode == 3, done.stderr
    stderr = done.stderr.decode("utf-8")  # valid UTF-8, whatever the names
    assert not any(ch in stderr for ch in "\x1b\x9b"), "raw escape characters on stderr"
    summaries = [line for line in stderr.splitlines() if line.startswith("el2en batch ")]
    assert len(summaries) == 1, summaries
    assert "new\\nline.txt" in stderr and "esc\\x1b[2J\\x9b.txt" in stderr
    report = json.loads((out / "el2en-report.json").read_text(encoding="utf-8"))
    failed = {f["path"]: f["reason"] for f in report["failures"]}
    assert "not a regular file (a FIFO)" in failed["fifo.txt"]
    assert "not UTF-8" in failed["caf\\xe9.txt"]
    assert "too long" in failed["long/" + "y" * 251 + ".txt"]
    if os.geteuid() == 0:
        assert "character device" in failed["device.txt"]
    translated = {t["path"] for t in report["translated"]}
    assert translated == {"good.txt", "new\\nline.txt", "esc\\x1b[2J\\x9b.txt", "x" * 235 + ".txt"}
    assert (out / ("x" * 235 + ".el-en.jsonl")).is_file()
    assert (out / "new\nline.el-en.jsonl").is_file()
    assert stat.S_ISFIFO((src / "fifo.txt").lstat().st_mode)


# -- batch: a full disk ----------------------------------------------------------


@pytest.mark.slow
def test_a_full_disk_in_batch_is_one_line_and_the_report_says_failed(
    env: dict[str, str], tmp_path: Path
) -> None:
    src = tmp_path / "src"
    src.mkdir()
    long_article(src / "long.txt")
    report = tmp_path / "report.json"
    with small_tmpfs(tmp_path / "disk", "64k") as disk:
        done = el2en(env, "batch", src, disk / "out", "--no-cache", "--report", report)
        assert done.returncode == 1, done.stderr
        assert b"Traceback" not in done.stderr
        (line,) = error_lines(done)
        assert "long.el-en.jsonl" in line and "No space left on device" in line
        assert not (disk / "out" / "long.el-en.jsonl").exists()
    written = json.loads(report.read_text(encoding="utf-8"))
    assert written["status"] == "failed" and "No space left" in written["error"]


# -- the pieces: one escape, temporaries' names, the walk below OUT -----------


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("plain Ελληνικά.txt", "plain Ελληνικά.txt"),
        ("two\nlines.txt", "two\\nlines.txt"),
        ("tab\there\r.txt", "tab\\there\\r.txt"),
        ("esc\x1b[2J.txt", "esc\\x1b[2J.txt"),
        ("c1\x9b.txt", "c1\\x9b.txt"),
        ("del\x7f.txt", "del\\x7f.txt"),
        (os.fsdecode(b"caf\xe9.txt"), "caf\\xe9.txt"),
        ("rtl\u202etxt.exe", "rtl\\u202etxt.exe"),
        ("line\u2028sep.txt", "line\\u2028sep.txt"),
    ],
)
def test_escape_shows_every_unsafe_character(raw: str, shown: str) -> None:
    from translate.display import escape

    assert escape(raw) == shown
    assert escape(escape(raw)) == shown  # idempotent: safe to apply at every choke point
    shown.encode("utf-8")  # always writable to a UTF-8 stream


def test_temporary_names_fit_the_file_system() -> None:
    from translate.output import TEMP_SUFFIX, temp_prefix

    assert temp_prefix("a.el-en.jsonl") == ".a.el-en.jsonl.el2en-"
    long_names = ["x" * 247, "x" * 246 + "y", "Ω" * 123]  # 247, 247 and 246 bytes
    prefixes = [temp_prefix(name, 255) for name in long_names]
    for prefix in prefixes:
        temporary = f"{prefix}{4194304}-{'f' * 8}{TEMP_SUFFIX}"
        assert len(os.fsencode(temporary)) <= 255
    assert len(set(prefixes)) == len(prefixes), "different outputs share a temporary prefix"


def test_the_walk_below_out_replaces_links_and_refuses_files(tmp_path: Path) -> None:
    from translate.errors import OutputError
    from translate.paths import folder_fd

    out = tmp_path / "out"
    out.mkdir()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (out / "a").symlink_to(elsewhere)
    with folder_fd(out, "a/b", create=True) as fd:
        os.close(os.open("x", os.O_CREAT | os.O_WRONLY, 0o644, dir_fd=fd))
    assert (out / "a" / "b" / "x").is_file() and not (out / "a").is_symlink()
    assert os.listdir(elsewhere) == []
    (out / "file").write_text("mine\n")
    with pytest.raises(OutputError, match="is a file, not a folder"), folder_fd(out, "file/c"):
        pass
    assert (out / "file").read_text() == "mine\n"
