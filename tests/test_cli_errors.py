"""Each bad input: one clear line naming the file and the problem, its exit code, no file."""

from __future__ import annotations

import os
import resource
import shutil
import signal
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import EL2EN, SEED, environment

from translate.cli import cli


def run(*args: str, input: bytes | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), input=input)
    return result.exit_code, result.stdout, result.stderr


def one_line(text: str) -> str:
    lines = text.strip().splitlines()
    assert len(lines) == 1, text
    return lines[0]


@pytest.mark.parametrize(
    ("make", "code", "message"),
    [
        (lambda d: d / "missing.txt", 2, "missing.txt: no such file"),
        (lambda d: d, 2, ": is a directory, not a text file"),
        (
            lambda d: (d / "l1.txt", (d / "l1.txt").write_bytes("Καλη".encode("iso-8859-7")))[0],
            1,
            "l1.txt: not UTF-8 text (invalid byte 0xca at byte offset 0); it looks like Greek "
            "in ISO-8859-7 or Windows-1253: rerun with --encoding utf-8,iso-8859-7 or --encoding "
            "utf-8,cp1253 (each file is read with the first encoding that fits)",
        ),
        (
            lambda d: (d / "bin.txt", (d / "bin.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00"))[0],
            1,
            "bin.txt: binary file (NUL byte at byte offset 8)",
        ),
    ],
)
def test_bad_inputs(
    fixture_model: Path, tmp_path: Path, make: object, code: int, message: str
) -> None:
    bad = make(tmp_path)  # type: ignore[operator]
    out = tmp_path / "out.txt"
    got, stdout, stderr = run(
        "translate", str(SEED), str(bad), "--model", str(fixture_model), "-o", str(out)
    )
    assert got == code
    line = one_line(stderr)
    assert line.startswith("Error: ") and line.endswith(message)
    assert str(bad) in line
    assert not out.exists() and stdout == ""


def test_unwritable_output(fixture_model: Path, tmp_path: Path) -> None:
    code, _, stderr = run(
        "translate",
        str(SEED),
        "--model",
        str(fixture_model),
        "-o",
        str(tmp_path / "no" / "out.txt"),
    )
    assert code == 1
    assert one_line(stderr).endswith("does not exist")
    assert not (tmp_path / "no").exists()


def test_output_may_not_overwrite_the_input(fixture_model: Path, tmp_path: Path) -> None:
    source = tmp_path / "a.txt"
    shutil.copy(SEED, source)
    code, _, stderr = run(
        "translate", str(source), "--model", str(fixture_model), "-o", str(source)
    )
    assert code == 2
    assert "output would overwrite an input" in one_line(stderr)
    assert source.read_bytes() == SEED.read_bytes()


@pytest.mark.parametrize("backend", ["transformers", "auto"])
def test_missing_and_corrupt_models(tmp_path: Path, fixture_model: Path, backend: str) -> None:
    out = tmp_path / "out.txt"
    code, _, stderr = run(
        "translate",
        str(SEED),
        "--model",
        str(tmp_path / "nomodel"),
        "--backend",
        backend,
        "-o",
        str(out),
    )
    assert code == 1 and "does not exist" in one_line(stderr)
    corrupt = tmp_path / "corrupt"
    shutil.copytree(fixture_model, corrupt)
    (corrupt / "model.safetensors").write_bytes(b"not safetensors")
    code, _, stderr = run(
        "translate", str(SEED), "--model", str(corrupt), "--backend", backend, "-o", str(out), "-q"
    )
    assert code == 1
    assert "corrupt" in one_line(stderr)
    assert not out.exists()


def test_offline_hub_model_says_how_to_fix(tmp_path: Path) -> None:
    code, _, stderr = run("translate", str(SEED), "--model", "Helsinki-NLP/opus-mt-el-zz")
    assert code == 1
    assert "HF_HUB_OFFLINE is set; run 'el2en models fetch" in one_line(stderr)


def test_empty_input_gives_empty_output_and_a_warning(fixture_model: Path, tmp_path: Path) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"\xef\xbb\xbf\r\n  \n")
    out = tmp_path / "out.txt"
    code, _, stderr = run("translate", str(empty), "--model", str(fixture_model), "-o", str(out))
    assert code == 0
    assert one_line(stderr) == f"el2en: warning: {empty}: no text to translate; its output is empty"
    assert out.read_text() == ""


def test_usage_error_is_exit_2() -> None:
    code, _, stderr = run("translate", str(SEED), "--beam", "0")
    assert code == 2 and "--beam" in stderr
    assert run("translate")[0] == 2


def _file_size_limit(size: int) -> Callable[[], None]:
    """Return a child set-up that lets it write files of at most ``size`` bytes.

    A larger write then fails with EFBIG, as on a full disk or over quota (SIGXFSZ,
    which would kill the child instead, is ignored).
    """

    def limit() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (size, size))

    return limit


def test_a_write_that_fails_midway_leaves_no_temporary(fixture_model: Path, tmp_path: Path) -> None:
    """The output cannot be written to the end (the file-size limit of a full disk).

    The failure comes while the temporary is being written, so the clean-up is
    what keeps the folder clean; the file already at the output path is kept.
    """
    store = Path(os.environ["EL2EN_MODELS_DIR"])
    command = [*EL2EN, "translate", str(SEED), "--model", str(fixture_model), "-f", "jsonl"]
    env = environment(store, tmp_path)
    whole = subprocess.run(command, env=env, capture_output=True, timeout=120)
    assert whole.returncode == 0, whole.stderr
    out_dir = tmp_path / "o"
    out_dir.mkdir()
    target = out_dir / "x.jsonl"
    target.write_text("yesterday's\n")
    done = subprocess.run(
        [*command, "-o", str(target)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=_file_size_limit(len(whole.stdout) // 2),
    )
    assert done.returncode == 1, done.stderr
    assert one_line(done.stderr) == f"Error: {target}: cannot be written (File too large)"
    assert os.listdir(out_dir) == ["x.jsonl"]
    assert target.read_text() == "yesterday's\n"
