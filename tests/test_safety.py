"""Every run safe, tried as a user runs el2en: a subprocess per case.

Inputs are read once (pipes, FIFOs, /dev/stdin); outputs never replace what
is not a regular file; signals stop a run cleanly with 128 + N; a killed
run's debris is cleaned by the next; legacy encodings decode on request.
Device nodes are the test's own (os.mknod in a temporary folder), never the
system's.
"""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from conftest import ROOT, SEED, read_pairs

EL2EN = [sys.executable, "-m", "translate"]


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory, fixture_model: Path) -> dict[str, str]:
    """An environment whose model store already holds the converted test model."""
    environment = {
        k: v for k, v in os.environ.items() if not k.startswith("EL2EN_") or k == "EL2EN_MODELS_DIR"
    }
    environment["EL2EN_MODEL"] = str(fixture_model)
    environment["HF_HUB_OFFLINE"] = "1"
    environment["PYTHONPATH"] = str(ROOT)
    subprocess.run(
        [*EL2EN, "translate", str(SEED), "-q"], env=environment, check=True, capture_output=True
    )
    return environment


def el2en(
    env: dict[str, str], *args: str, input: bytes | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [*EL2EN, *args], env=env, input=input, capture_output=True, timeout=timeout
    )


@pytest.fixture(scope="module")
def expected_tsv(env: dict[str, str]) -> bytes:
    done = el2en(env, "translate", str(SEED), "-f", "tsv", "-q")
    assert done.returncode == 0, done.stderr
    return done.stdout


def rows(tsv: bytes) -> list[bytes]:
    """Return the TSV's lines without the doc column (which names the input)."""
    return [line.split(b"\t", 1)[1] for line in tsv.splitlines()[1:]]


# -- inputs are read once --------------------------------------------------


def test_piped_input_through_dev_stdin(env: dict[str, str], expected_tsv: bytes) -> None:
    done = el2en(env, "translate", "/dev/stdin", "-f", "tsv", "-q", input=SEED.read_bytes())
    assert done.returncode == 0, done.stderr
    assert rows(done.stdout) == rows(expected_tsv)


def test_process_substitution(env: dict[str, str], expected_tsv: bytes) -> None:
    command = f'{" ".join(EL2EN)} translate <(cat "{SEED}") -f tsv -q'
    done = subprocess.run(["bash", "-c", command], env=env, capture_output=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert rows(done.stdout) == rows(expected_tsv)


def test_fifo_input(env: dict[str, str], expected_tsv: bytes, tmp_path: Path) -> None:
    fifo = tmp_path / "in.fifo"
    os.mkfifo(fifo)

    def feed() -> None:
        with open(fifo, "wb") as f:
            f.write(SEED.read_bytes())

    writer = threading.Thread(target=feed)
    writer.start()
    done = el2en(env, "translate", str(fifo), "-f", "tsv", "-q", timeout=60)
    writer.join(5)
    assert done.returncode == 0, done.stderr
    assert rows(done.stdout) == rows(expected_tsv)


@pytest.mark.parametrize(
    ("encoding", "option"),
    [("iso-8859-7", "iso-8859-7"), ("cp1253", "cp1253"), ("utf-16", None)],
)
def test_legacy_encodings_give_the_same_rows(
    env: dict[str, str], expected_tsv: bytes, tmp_path: Path, encoding: str, option: str | None
) -> None:
    text = SEED.read_text(encoding="utf-8")
    path = tmp_path / "legacy.txt"
    path.write_bytes(text.encode(encoding))  # utf-16 writes a byte order mark
    args = ["--encoding", option] if option else []
    done = el2en(env, "translate", str(path), "-f", "tsv", "-q", *args)
    assert done.returncode == 0, done.stderr
    assert rows(done.stdout) == rows(expected_tsv)
    if option:
        without = el2en(env, "translate", str(path), "-q")
        assert without.returncode == 1
        line = without.stderr.decode().strip()
        assert "\n" not in line and "--encoding utf-8,iso-8859-7" in line and str(path) in line


# -- outputs never replace what is not a regular file ----------------------


def test_output_to_a_character_device_writes_through(env: dict[str, str], tmp_path: Path) -> None:
    if os.geteuid() != 0:
        pytest.skip("creating a device node needs root")
    node = tmp_path / "null"
    os.mknod(node, stat.S_IFCHR | 0o666, os.makedev(1, 3))  # a private /dev/null
    done = el2en(env, "translate", str(SEED), "-o", str(node), "-q")
    assert done.returncode == 0, done.stderr
    assert stat.S_ISCHR(node.stat().st_mode)
    assert sorted(os.listdir(tmp_path)) == ["null"]


def test_output_to_a_fifo_writes_through(env: dict[str, str], tmp_path: Path) -> None:
    fifo = tmp_path / "out.fifo"
    os.mkfifo(fifo)
    received: list[bytes] = []

    def read() -> None:
        with open(fifo, "rb") as f:
            received.append(f.read())

    reader = threading.Thread(target=read)
    reader.start()
    done = el2en(env, "translate", str(SEED), "-o", str(fifo), "-q", timeout=60)
    reader.join(5)
    assert done.returncode == 0, done.stderr
    assert stat.S_ISFIFO(fifo.stat().st_mode)
    assert received and received[0].startswith(b"A Russian delegation")
    assert sorted(os.listdir(tmp_path)) == ["out.fifo"]


def test_output_through_a_symlink_replaces_its_target(env: dict[str, str], tmp_path: Path) -> None:
    real = tmp_path / "real.txt"
    real.write_text("old\n")
    link = tmp_path / "link.txt"
    link.symlink_to(real)
    done = el2en(env, "translate", str(SEED), "-o", str(link), "-q")
    assert done.returncode == 0, done.stderr
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert real.read_text().startswith("A Russian delegation")


def test_output_to_dev_stdout(env: dict[str, str], expected_tsv: bytes) -> None:
    done = el2en(env, "translate", str(SEED), "-f", "tsv", "-o", "/dev/stdout", "-q")
    assert done.returncode == 0, done.stderr
    assert rows(done.stdout) == rows(expected_tsv)


def test_a_rerun_keeps_the_output_mode(env: dict[str, str], tmp_path: Path) -> None:
    out = tmp_path / "out.txt"
    out.write_text("old\n")
    out.chmod(0o600)
    done = el2en(env, "translate", str(SEED), "-o", str(out), "-q")
    assert done.returncode == 0, done.stderr
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert out.read_text().startswith("A Russian delegation")


def test_output_folder_is_created_and_names_drop_el(env: dict[str, str], tmp_path: Path) -> None:
    source = tmp_path / "article.el.txt"
    source.write_bytes(SEED.read_bytes())
    done = el2en(env, "translate", str(source), "-f", "text,tsv", "-o", f"{tmp_path}/new/deep/")
    assert done.returncode == 0, done.stderr
    assert sorted(os.listdir(tmp_path / "new" / "deep")) == [
        "article.el-en.tsv",
        "article.en.txt",
    ]


# -- signals ---------------------------------------------------------------


def long_article(path: Path, paragraphs: int = 400) -> Path:
    """Write an article of distinct sentences, long enough to be stopped mid-run."""
    greek = [el for el, _ in read_pairs()]
    lines = [
        f"{greek[i % len(greek)]} {greek[(i * 7 + 3) % len(greek)]}" for i in range(paragraphs)
    ]
    path.write_text("\n\n".join(f"Άρθρο {i}. {line}" for i, line in enumerate(lines)) + "\n")
    return path


def start(env: dict[str, str], *args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [*EL2EN, *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )


def wait_for_temporary(folder: Path, process: subprocess.Popen[bytes]) -> None:
    """Wait until the run is writing (its temporary exists): mid-run."""
    deadline = time.monotonic() + 60
    while not any(p.name.endswith(".tmp") for p in folder.iterdir()):
        assert process.poll() is None, process.stderr.read() if process.stderr else b""
        assert time.monotonic() < deadline, "the run never started writing"
        time.sleep(0.02)
    time.sleep(0.3)


@pytest.mark.parametrize(
    ("signum", "code"), [(signal.SIGTERM, 143), (signal.SIGINT, 130), (signal.SIGHUP, 129)]
)
def test_a_signal_stops_the_run_cleanly(
    env: dict[str, str], tmp_path: Path, signum: int, code: int
) -> None:
    source = long_article(tmp_path / "long.txt")
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    process = start(env, "translate", str(source), "-f", "tsv", "-o", str(out_dir / "long.tsv"))
    wait_for_temporary(out_dir, process)
    sent = time.monotonic()
    process.send_signal(signum)
    _, stderr = process.communicate(timeout=30)
    took = time.monotonic() - sent
    assert process.returncode == code, stderr
    assert took < 1.0, f"took {took:.2f} s to stop"
    assert os.listdir(out_dir) == []
    line = stderr.decode().strip().splitlines()[-1]
    assert line.startswith("Error: stopped by SIG")


def test_a_run_after_a_sigkill_cleans_the_debris(env: dict[str, str], tmp_path: Path) -> None:
    source = long_article(tmp_path / "long.txt")
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    target = out_dir / "long.tsv"
    process = start(env, "translate", str(source), "-f", "tsv", "-o", str(target))
    wait_for_temporary(out_dir, process)
    process.kill()
    process.communicate(timeout=30)
    assert any(p.name.endswith(".tmp") for p in out_dir.iterdir())  # what SIGKILL leaves
    short = tmp_path / "short.txt"
    short.write_bytes(SEED.read_bytes())
    done = el2en(env, "translate", str(short), "-f", "tsv", "-o", str(target), "-q")
    assert done.returncode == 0, done.stderr
    assert os.listdir(out_dir) == ["long.tsv"]


def test_a_live_runs_temporary_is_left_alone(env: dict[str, str], tmp_path: Path) -> None:
    source = long_article(tmp_path / "long.txt")
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    target = out_dir / "long.tsv"
    first = start(env, "translate", str(source), "-f", "tsv", "-o", str(target))
    try:
        wait_for_temporary(out_dir, first)
        from translate.output import remove_stale

        assert remove_stale(target) == 0
        assert any(p.name.endswith(".tmp") for p in out_dir.iterdir())
    finally:
        first.kill()
        first.communicate(timeout=30)


# -- one line for every error ----------------------------------------------


@pytest.mark.parametrize(
    ("args", "code", "needle"),
    [
        (["--compute-type", "bogus"], 2, "'bogus' is not one of"),
        (["--backend", "transformers", "--compute-type", "int8"], 2, "float32 or float16 only"),
        (["--beam", "0"], 2, "--beam"),
        (["--no-such-option"], 2, "No such option"),
        (["--encoding", "klingon"], 2, "unknown encoding"),
        (["--threads", "1", "--inter-threads", "2"], 2, "more than the 1 threads"),
        (["-f", "tsv,nope", "-o", "x/"], 2, "unknown format 'nope'"),
        (["-f", "tsv,jsonl"], 2, "need a folder"),
    ],
)
def test_bad_options_give_one_line_and_exit_2(
    env: dict[str, str], args: list[str], code: int, needle: str
) -> None:
    done = el2en(env, "translate", str(SEED), *args)
    assert done.returncode == code, done.stderr
    lines = done.stderr.decode().strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ") and needle in lines[0], lines


def test_same_file_names_are_both_named(env: dict[str, str], tmp_path: Path) -> None:
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "x.txt").write_bytes(SEED.read_bytes())
    a, b = tmp_path / "a" / "x.txt", tmp_path / "b" / "x.txt"
    done = el2en(env, "translate", str(a), str(b), "-o", f"{tmp_path}/out/")
    assert done.returncode == 2
    line = done.stderr.decode().strip()
    assert "\n" not in line and str(a) in line and str(b) in line


def test_a_file_where_a_folder_should_be(env: dict[str, str], tmp_path: Path) -> None:
    (tmp_path / "afile").write_text("x")
    done = el2en(env, "translate", str(SEED), "-o", f"{tmp_path}/afile/x.tsv")
    assert done.returncode == 1
    line = done.stderr.decode().strip()
    assert "\n" not in line and "is a file, not a folder" in line


def test_help_shows_examples_environment_and_exit_codes(env: dict[str, str]) -> None:
    done = el2en(env, "translate", "--help")
    text = done.stdout.decode()
    assert done.returncode == 0
    assert "Examples:" in text and "EL2EN_MODEL" in text and "Exit codes:" in text
