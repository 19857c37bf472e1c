"""Shared fixtures and helpers: the committed test model, a fake backend, running el2en.

Test modules import helpers from here, never from each other (a test module
imported by another runs its tests' module-level code twice, and mypy sees it
under two names).
"""

from __future__ import annotations

import csv
import functools
import json
import os
import re
import shlex
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner

from translate.types import Translation

ROOT = Path(__file__).resolve().parent.parent
FIXTURE_MODEL = ROOT / "tests" / "fixtures" / "tiny-marian-el-en"
PARALLEL = ROOT / "tests" / "fixtures" / "parallel" / "el-en.tsv"
SEED = ROOT / "seeds" / "skai-russia-north-korea-shoigu-pyongyang.el.txt"


def read_pairs() -> list[tuple[str, str]]:
    """Return the fixture's (Greek, English reference) pairs."""
    with open(PARALLEL, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))
    return [(row["el"], row["en"]) for row in rows]


@pytest.fixture(scope="session")
def fixture_model() -> Path:
    """Return the committed tiny Marian model's folder; fail loudly if it is missing."""
    if not (FIXTURE_MODEL / "config.json").is_file():
        pytest.fail(f"test model missing: {FIXTURE_MODEL}; run `make fixture`")
    return FIXTURE_MODEL


@pytest.fixture(scope="session")
def references() -> dict[str, str]:
    """Return the fixture's references, Greek source -> English."""
    return dict(read_pairs())


class EchoBackend:
    """A fake backend: 'translates' by upper-casing, and records every batch."""

    name = "echo"

    def __init__(self) -> None:
        self.batches: list[list[str]] = []

    @property
    def signature(self) -> dict[str, str]:
        return {"backend": "echo-1", "device": "cpu", "compute": "none"}

    def translate_batch(
        self, sources: list[str], on_chunk: Callable[[int], None] | None = None
    ) -> list[Translation]:
        self.batches.append(list(sources))
        if on_chunk is not None:
            on_chunk(len(sources))
        return [Translation(text=s.upper(), target_tokens=len(s.split())) for s in sources]


@pytest.fixture()
def echo_backend(monkeypatch: pytest.MonkeyPatch) -> EchoBackend:
    """Make the pipeline use an EchoBackend (with the fixture model's tokenizer)."""
    backend = EchoBackend()
    monkeypatch.setattr("translate.pipeline.open_backend", lambda *args: backend)
    return backend


@pytest.fixture(autouse=True, scope="session")
def _isolated_environment(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Keep tests off the network and out of the user's model store."""
    import os

    from translate.cli.options import ENV_VARS

    for name in ENV_VARS:  # the one list of every variable el2en reads
        os.environ.pop(name, None)
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["EL2EN_MODELS_DIR"] = str(tmp_path_factory.mktemp("models"))
    os.environ["EL2EN_MEMORY"] = str(tmp_path_factory.mktemp("memory") / "memory.sqlite")


def seed_sentences() -> list[list[str]]:
    """Return the seed article's sentences, paragraph by paragraph, as the segmenter gives them."""
    from translate.pipeline import document_sentences
    from translate.read import open_document

    paragraphs: dict[int, list[str]] = {}
    for s in document_sentences(open_document(str(SEED))):
        paragraphs.setdefault(s.paragraph, []).append(s.source)
    return [paragraphs[i] for i in sorted(paragraphs)]


# -- running el2en ----------------------------------------------------------

#: The command line, as a user runs it (the package's ``python -m translate``).
EL2EN = [sys.executable, "-m", "translate"]


def environment(store: Path, home: Path | None = None) -> dict[str, str]:
    """Return an environment with only this model store, offline, and no other EL2EN_ setting.

    With ``home``, HOME and the XDG folders point there, so nothing of the
    user's (a translation memory, a cache) is read or written.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith("EL2EN_")}
    env.update(EL2EN_MODELS_DIR=str(store), HF_HUB_OFFLINE="1", PYTHONPATH=str(ROOT))
    if home is not None:
        env.update(
            HOME=str(home),
            XDG_DATA_HOME=str(home / ".local" / "share"),
            XDG_CACHE_HOME=str(home / ".cache"),
        )
    return env


def el2en(store: Path, *args: str, home: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run ``el2en ARGS`` in a subprocess with :func:`environment`; return what it did."""
    return subprocess.run(
        [*EL2EN, *args], env=environment(store, home), capture_output=True, text=True, timeout=120
    )


def review_el2en(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run ``el2en ARGS`` with the test model and a translation memory of ``tmp_path``'s own.

    For the review tests: HOME under ``tmp_path``, ``EL2EN_MEMORY`` at
    ``tmp_path/memory.sqlite``, the rest of the environment as it is.
    """
    env = {
        **os.environ,
        "HOME": str(tmp_path / "home"),
        "EL2EN_MODEL": str(FIXTURE_MODEL),
        "EL2EN_MEMORY": str(tmp_path / "memory.sqlite"),
    }
    return subprocess.run([*EL2EN, *args], capture_output=True, text=True, env=env, timeout=300)


def one_line_error(done: subprocess.CompletedProcess[str], code: int) -> str:
    """Assert that a command failed with ``code`` and one line on stderr; return the line."""
    assert done.returncode == code, done.stderr
    assert done.stderr.startswith("Error: ") and done.stderr.count("\n") == 1, done.stderr
    assert "Usage:" not in done.stderr and "Traceback" not in done.stderr
    return done.stderr.rstrip("\n")


def run(*args: str, input: str | None = None) -> tuple[int, str, str]:
    """Run ``el2en ARGS`` in this process (Click's runner); return (exit code, stdout, stderr)."""
    from translate.cli import cli

    result = CliRunner().invoke(cli, list(args), input=input, catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


# -- commands quoted in messages and help exist -------------------------------

SUGGESTION = re.compile(r"'(el2en [^']*)'")


def suggestions_exist(message: str) -> list[str]:
    """Assert that every 'el2en ...' command quoted in ``message`` exists; return them."""
    found = SUGGESTION.findall(message)
    for command in found:
        check_command(command)
    return found


def check_command(command: str) -> None:
    """Assert that ``command`` names el2en commands and options that exist."""
    from translate.cli import cli

    current: click.Command = cli
    words = shlex.split(command)[1:]
    skip_value = False
    for word in words:
        if skip_value:
            skip_value = False
            continue
        if word.startswith("-") and word != "-":  # a lone '-' is stdin, an argument
            options = {
                opt: p
                for p in current.params
                if isinstance(p, click.Option)
                for opt in (*p.opts, *p.secondary_opts)
            }
            assert word in options or word in ("-h", "--help"), f"{command}: no option {word}"
            skip_value = word in options and not options[word].is_flag
        elif isinstance(current, click.Group):
            assert word in current.commands, f"{command}: no command {word!r}"
            current = current.commands[word]
        # else: an argument (a model, a folder)


# -- el2en batch: a source tree of articles, its outputs and report ------------


@functools.cache
def _greek() -> tuple[str, ...]:
    return tuple(el for el, _ in read_pairs())


def article(index: int) -> str:
    """Return a small article of fixture sentences: two paragraphs, a line shared by all."""
    greek = _greek()
    first = " ".join(greek[(index * 3 + k) % len(greek)] for k in range(3))
    return f"{first}\n\n{greek[(index + 40) % len(greek)]} {greek[-1]}\n"


def make_source(folder: Path, count: int = 4) -> list[str]:
    """Write ``count`` articles under ``folder`` (some in a subfolder); return their keys."""
    keys = []
    for i in range(count):
        key = f"a{i}.txt" if i % 2 == 0 else f"sub/deeper/b{i}.el.txt"
        path = folder / key
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(article(i), encoding="utf-8")
        keys.append(key)
    return keys


def batch(model: Path, src: Path, out: Path, *extra: str) -> tuple[int, str, str]:
    """Run ``el2en batch SRC OUT --model MODEL EXTRA`` in this process."""
    return run("batch", str(src), str(out), "--model", str(model), *extra)


#: The report every batch run writes into OUT (the name the README documents).
REPORT_NAME = "el2en-report.json"


def report(out: Path) -> Any:
    """Return the report the last run wrote into ``out``."""
    return json.loads((out / REPORT_NAME).read_text(encoding="utf-8"))


def outputs(out: Path) -> dict[str, bytes]:
    """Return every output file under ``out`` (not the manifest, cache, lock or report)."""
    found = {}
    for path in sorted(out.rglob("*")):
        name = path.name
        if path.is_file() and not name.startswith(".") and name != REPORT_NAME:
            found[path.relative_to(out).as_posix()] = path.read_bytes()
    return found
