"""The docs checked against the code: the CLI reference, the environment, the signature.

Each check is generated from the code (the Click commands, the ``os.environ``
reads found by scripts/cli_docs.py, a real signature), so a new command,
option or variable is checked without an edit here.
"""

from __future__ import annotations

import ast
import json
import os
import re
from pathlib import Path

import cli_docs
import click
import pytest
from conftest import ROOT, SEED, check_command, el2en

from translate import __version__
from translate.cli.options import ENV_VARS
from translate.segment import SEGMENTER_VERSION

README = ROOT / "README.md"
DOCS = sorted((ROOT / "docs").glob("*.md"))
VARIABLE = re.compile(r"\bEL2EN_[A-Z0-9_]+\b")


def readme() -> str:
    return README.read_text(encoding="utf-8")


# -- docs/cli.md is every command's --help -------------------------------------


def test_the_cli_reference_is_current() -> None:
    expected = cli_docs.render()
    current = cli_docs.CLI_MD.read_text(encoding="utf-8") if cli_docs.CLI_MD.is_file() else ""
    assert current == expected, f"docs/cli.md is stale: run {cli_docs.REGENERATE}"


def test_the_reference_has_every_command_and_option() -> None:
    text = cli_docs.CLI_MD.read_text(encoding="utf-8")
    for ctx, command in cli_docs.walk_commands(cli_docs.root_command()):
        assert f"\n## {ctx.command_path}\n" in text
        for param in command.params:
            if isinstance(param, click.Option) and not param.hidden:
                assert param.opts[-1] in text, (ctx.command_path, param.opts[-1])


def test_the_check_fails_on_a_stale_reference(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    stale = tmp_path / "docs" / "cli.md"
    stale.parent.mkdir()
    stale.write_text(cli_docs.render().replace("--inter-threads", "--threads-between"))
    monkeypatch.setattr(cli_docs, "CLI_MD", stale)
    monkeypatch.setattr(cli_docs, "ROOT", tmp_path)
    assert cli_docs.main(["--check"]) == 1
    assert "docs/cli.md is stale: run python scripts/cli_docs.py" in capsys.readouterr().err
    assert cli_docs.main([]) == 0  # writes it
    assert cli_docs.main(["--check"]) == 0
    assert stale.read_text() == cli_docs.render()


def test_every_example_in_the_help_exists() -> None:
    """Each ``el2en ...`` example line of every command's --help names commands and options
    that exist (the text after two spaces is the example's explanation)."""
    checked = 0
    for _, command in cli_docs.walk_commands(cli_docs.root_command()):
        for line in (command.epilog or "").splitlines():
            if line.strip().startswith("el2en "):
                example = re.split(r"\s{2,}", line.strip())[0]
                check_command(example.split(" | ")[-1])
                checked += 1
    assert checked >= 10


def shell_commands(text: str) -> list[str]:
    """Return the ``el2en ...`` commands of a Markdown text's ```sh blocks (pipes split,
    comments and process substitutions taken out)."""
    found = []
    for block in re.findall(r"^```sh\n(.*?)^```", text, re.S | re.M):
        for line in block.splitlines():
            line = re.sub(r"<\([^)]*\)", "FILE", line.split(" #")[0])
            parts = [part.strip() for part in line.split(" | ")]
            found += [part for part in parts if part.startswith("el2en ")]
    return found


def test_every_command_in_the_docs_exists() -> None:
    """The README's and docs/' shell examples name commands and options that exist."""
    checked = 0
    for doc in [README, *DOCS]:
        for command in shell_commands(doc.read_text(encoding="utf-8")):
            try:
                check_command(command)
            except AssertionError as exc:
                raise AssertionError(f"{doc.name}: {exc}") from None
            checked += 1
    assert checked >= 20


# -- environment variables ---------------------------------------------------


def test_every_option_variable_is_in_its_commands_help() -> None:
    """The epilog's list is made from the options, so --help cannot leave one out."""
    for ctx, command in cli_docs.walk_commands(cli_docs.root_command()):
        shown = " ".join(command.get_help(ctx).split())
        for param in command.params:
            names = [param.envvar] if isinstance(param.envvar, str) else param.envvar or []
            for name in names:
                assert name in shown, f"{ctx.command_path} --help does not name {name}"


def test_translate_help_names_the_variables_it_once_left_out(tmp_path: Path) -> None:
    done = el2en(tmp_path, "translate", "--help", home=tmp_path)
    assert done.returncode == 0, done.stderr
    shown = " ".join(done.stdout.split())
    for name in ("EL2EN_INTER_THREADS", "EL2EN_CACHE", "EL2EN_MIN_SCORE", "EL2EN_MODEL"):
        assert name in shown


def test_every_el2en_variable_the_code_reads_is_in_env_vars() -> None:
    """ENV_VARS is the list the tests clear (conftest): a variable missing there leaks in."""
    read = {name for name in cli_docs.environment() if name.startswith("EL2EN_")}
    assert read == set(ENV_VARS), (
        "add it to (or remove it from) ENV_VARS in translate/cli/options.py"
    )


def test_every_variable_the_code_reads_is_in_the_readme() -> None:
    text = readme()
    missing = [name for name in cli_docs.environment() if name not in text]
    assert missing == [], f"README.md does not document {missing} (see its Exit codes section)"


def test_every_el2en_variable_in_the_docs_is_read_by_the_code() -> None:
    product = set(cli_docs.environment())
    unread = set(VARIABLE.findall(readme())) - product
    assert unread == set(), f"README.md names variables el2en never reads: {sorted(unread)}"
    # docs/ may also name the variables the tests read (EL2EN_XLIFF_XSD, ...).
    tests = {r.name for r in cli_docs.code_env_reads(ROOT / "tests") if r.name}
    for doc in DOCS:
        unread = set(VARIABLE.findall(doc.read_text(encoding="utf-8"))) - product - tests
        assert unread == set(), f"{doc.name} names variables nothing reads: {sorted(unread)}"


def test_every_environment_read_names_its_variable() -> None:
    """A read through a variable would escape the checks above."""
    hidden = [read.where for read in cli_docs.code_env_reads() if read.name is None]
    assert hidden == []


def test_the_walk_finds_every_kind_of_read(tmp_path: Path) -> None:
    (tmp_path / "m.py").write_text(
        "import os\n"
        "from os import environ, getenv\n"
        "a = os.environ.get('A')\n"
        "b = os.environ['B']\n"
        "c = getenv('C', 'x')\n"
        "if 'D' not in os.environ: pass\n"
        "e = environ.pop('E', None)\n"
        "os.environ['WRITTEN'] = '1'\n"
        "del os.environ['DELETED']\n"
        "f = os.environ.get(name)\n"
        "g = settings.get('NOT_ENV')\n"
        "H_ENV = 'H'\n"
        "h = os.environ.get(H_ENV)\n"
    )
    reads = [(r.name, r.where) for r in cli_docs.code_env_reads(tmp_path, root=tmp_path)]
    assert reads == [
        ("A", "m.py:3"),
        ("B", "m.py:4"),
        ("C", "m.py:5"),
        ("D", "m.py:6"),
        ("E", "m.py:7"),
        (None, "m.py:10"),
        ("H", "m.py:13"),
    ]


# -- the tests' own shape -----------------------------------------------------


def test_no_test_module_imports_another() -> None:
    """Shared helpers live in conftest.py: a test module imported by another runs twice."""
    found = []
    for path in sorted((ROOT / "tests").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            modules = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom) and node.module:
                modules = [node.module]
            found += [f"{path.name} imports {m}" for m in modules if m.startswith("test_")]
    assert found == []


# -- the signature and versions the README shows -----------------------------


def readme_signature() -> dict[str, str]:
    """Return the fields of the README's example signature (the line in a code block)."""
    (line,) = [ln for ln in readme().splitlines() if ln.startswith("model:") and "|el2en:" in ln]
    return dict(item.partition(":")[::2] for item in line.split("|"))


@pytest.fixture(scope="module")
def real_signature(fixture_model: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Return the signature fields of a real run on the test model, as a user runs el2en."""
    home = tmp_path_factory.mktemp("home")
    done = el2en(
        Path(os.environ["EL2EN_MODELS_DIR"]),
        "translate",
        str(SEED),
        "--model",
        str(fixture_model),
        "-f",
        "jsonl",
        home=home,
    )
    assert done.returncode == 0, done.stderr
    first = json.loads(done.stdout.splitlines()[0])
    assert first["type"] == "signature"
    fields: dict[str, str] = first["fields"]
    return fields


def test_the_readme_signature_has_a_real_signatures_fields(real_signature: dict[str, str]) -> None:
    shown = readme_signature()
    assert list(shown) == list(real_signature)
    # el2en's own parts are shown as they are; model, revision and backend vary by install.
    for key in ("el2en", "seg", "norm", "beam", "lp", "maxout", "maxsrc"):
        assert shown[key] == real_signature[key], key


def test_the_readme_shows_this_version_everywhere() -> None:
    text = readme()
    assert re.findall(r"el2en:(\d[\w.]*)", text) == [__version__]
    assert set(re.findall(r'"el2en": "([^"]+)"', text)) == {__version__}
    assert set(re.findall(r"el2en-seg/\d+", text)) == {SEGMENTER_VERSION}
    # docs/ tells the segmenter's history, but its example signatures are current.
    for doc in DOCS:
        text = doc.read_text(encoding="utf-8")
        shown = re.findall(r'el2en:(\d[\w.]*)|creationtoolversion="([^"]+)"', text)
        assert {version for pair in shown for version in pair if version} <= {__version__}, doc


def test_segment_v_prints_the_signature_its_help_promises(tmp_path: Path) -> None:
    done = el2en(tmp_path, "segment", str(SEED), "-v", home=tmp_path)
    assert done.returncode == 0, done.stderr
    assert f"signature: seg:{SEGMENTER_VERSION}(ano:off)|el2en:{__version__}" in done.stderr
    help_done = el2en(tmp_path, "segment", "--help")
    assert "-v the segmentation's signature" in " ".join(help_done.stdout.split())
