"""Errors live in one place and carry their exit code: the CLI maps them in one place.

An AST walk finds every class in translate/ deriving (directly or through
another) from TranslateError, so an error class defined elsewhere, or one
without a documented exit code, fails here rather than being found by a user.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from conftest import ROOT, el2en

from translate import errors

#: The documented exit codes a library error may carry (README "Exit codes").
DOCUMENTED = {errors.EXIT_RUNTIME, errors.EXIT_USAGE, errors.EXIT_LOCKED}


def error_classes_outside_errors_py() -> list[str]:
    """Return 'path: Class' for each TranslateError subclass defined outside errors.py."""
    names = {"TranslateError"} | {
        name
        for name, value in vars(errors).items()
        if isinstance(value, type) and issubclass(value, errors.TranslateError)
    }
    found = []
    for path in sorted((ROOT / "translate").rglob("*.py")):
        if path.name == "errors.py" and path.parent.name == "translate":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef):
                bases = {
                    b.id if isinstance(b, ast.Name) else getattr(b, "attr", "") for b in node.bases
                }
                if bases & names:
                    found.append(f"{path.relative_to(ROOT)}: {node.name}")
    return found


def test_every_error_class_lives_in_errors_py() -> None:
    assert error_classes_outside_errors_py() == []


def test_every_error_class_carries_a_documented_exit_code() -> None:
    classes = [
        value
        for value in vars(errors).values()
        if isinstance(value, type) and issubclass(value, errors.TranslateError)
    ]
    assert len(classes) > 5
    assert {cls.__name__: cls.exit_code for cls in classes if cls.exit_code not in DOCUMENTED} == {}
    assert errors.UsageError.exit_code == errors.MissingInputError.exit_code == 2
    assert errors.LockedError.exit_code == 4
    assert errors.InputError.exit_code == errors.ModelError.exit_code == 1


def test_the_command_line_exits_with_the_errors_code(tmp_path: Path) -> None:
    """One line and the class's code, for errors raised in the library (no try/except there)."""
    store = tmp_path / "models"
    missing = el2en(store, "segment", str(tmp_path / "nope.txt"), home=tmp_path)
    assert (missing.returncode, missing.stderr.count("\n")) == (2, 1), missing.stderr
    assert "nope.txt: no such file" in missing.stderr
    binary = tmp_path / "b.txt"
    binary.write_bytes(b"\x00\x01")
    bad = el2en(store, "segment", str(binary), home=tmp_path)
    assert (bad.returncode, bad.stderr.count("\n")) == (1, 1), bad.stderr
    assert "b.txt" in bad.stderr and "binary" in bad.stderr
    info = el2en(store, "models", "info", str(tmp_path / "no-model"), home=tmp_path)
    assert (info.returncode, info.stderr.count("\n")) == (1, 1), info.stderr


@pytest.mark.parametrize("wrap", ["import", "backend"])
def test_a_signal_inside_a_native_import_still_exits_128_plus_n(
    wrap: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """SIGTERM while CTranslate2's extension loads surfaces as its ImportError (or the
    BackendError made of it); the run still exits 143, not 1 (seen in test_batch_faults)."""
    import click

    from translate.cli import El2enGroup
    from translate.errors import BackendError, Interrupted

    @click.group(cls=El2enGroup)
    def group() -> None:
        pass

    @group.command()
    def run() -> None:
        try:
            try:
                raise Interrupted(15)  # what the handler raises inside the import
            except Interrupted as stop:
                raise ImportError("initialization failed") from stop
        except ImportError as exc:
            if wrap == "backend":
                raise BackendError("backend 'ctranslate2' is not installed") from exc
            raise

    with pytest.raises(SystemExit) as exited:
        group.main(["run"], prog_name="el2en")
    assert exited.value.code == 143
    assert "stopped by SIGTERM" in capsys.readouterr().err
    assert group.interrupted


def test_an_import_error_without_a_signal_is_not_a_stop() -> None:
    import click

    from translate.cli import El2enGroup

    @click.group(cls=El2enGroup)
    def group() -> None:
        pass

    @group.command()
    def run() -> None:
        raise ImportError("no module named x")

    with pytest.raises(ImportError):
        group.main(["run"], prog_name="el2en")
