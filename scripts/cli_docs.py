"""Write docs/cli.md, the command-line reference, from the Click commands themselves.

Like sqlite-utils' ``docs/cli-reference.rst`` (kept by cog), the reference is
every command's ``--help`` as Click prints it, so it cannot drift from the code:
``tests/test_docs.py`` fails when docs/cli.md differs from what this script
writes, and says to rerun it.

    python scripts/cli_docs.py            # (re)write docs/cli.md   (make docs)
    python scripts/cli_docs.py --check    # exit 1 when docs/cli.md is stale

It also finds the environment variables el2en reads, for the reference and
for the tests that hold the README to them: the ``envvar`` of every Click
parameter, and every ``os.environ``/``os.getenv`` read in ``translate/``,
found by walking the source's syntax tree (a name kept in a module constant
is followed; a read through anything else is reported, so that none escapes
the check).
"""

from __future__ import annotations

import argparse
import ast
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import click

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "translate"
CLI_MD = ROOT / "docs" / "cli.md"
REGENERATE = "python scripts/cli_docs.py (make docs)"

#: Help is rendered at a fixed width, so the file does not depend on the terminal.
WIDTH = 80

#: What the variables of other programs' conventions change in el2en (the EL2EN_ ones are
#: described by their options' help or by ENV_VARS).
OTHER_VARIABLES = {
    "LOCALAPPDATA": "on Windows, the folder holding the model store by default",
    "RAY_ADDRESS": "the Ray cluster to join when --ray-address is not given",
    "RAY_DATA_LOG_LEVEL": "when set, Ray Data logs at this level (el2en leaves it alone)",
    "TERM": "dumb: no progress bar",
    "XDG_CACHE_HOME": "the folder holding the model store by default (~/.cache)",
    "XDG_DATA_HOME": "the folder holding the translation memory by default (~/.local/share)",
}


@dataclass(frozen=True, slots=True)
class EnvRead:
    """One place that reads an environment variable."""

    #: The variable's name, or None when the code passes a non-literal name.
    name: str | None
    #: ``path:line`` of the read, relative to the repository.
    where: str


def walk_commands(
    command: click.Command, parent: click.Context | None = None, name: str = "el2en"
) -> Iterator[tuple[click.Context, click.Command]]:
    """Yield (context, command) for ``command`` and every subcommand, depth first.

    Subcommands come in :meth:`click.Group.list_commands` order (by name), so
    the order does not depend on the order commands are mounted in.
    """
    # The command's own context settings (the group's ``-h``), as ``el2en`` applies
    # them: without them the text would depend on whether Click had already cached
    # the help option from a real invocation in this process.
    settings = {
        **command.context_settings,
        "terminal_width": WIDTH,
        "max_content_width": WIDTH,
    }
    ctx = click.Context(command, info_name=name, parent=parent, **settings)
    yield ctx, command
    if isinstance(command, click.Group):
        for sub_name in command.list_commands(ctx):
            sub = command.get_command(ctx, sub_name)
            if sub is not None and not sub.hidden:
                yield from walk_commands(sub, ctx, sub_name)


def root_command() -> click.Command:
    """Return the ``el2en`` group with every command mounted."""
    from translate.cli import cli

    return cli


def option_envvars() -> dict[str, list[str]]:
    """Return each environment variable a Click parameter reads -> ``command --option``s."""
    found: dict[str, list[str]] = {}
    for ctx, command in walk_commands(root_command()):
        for param in command.params:
            envvar = param.envvar
            names = [envvar] if isinstance(envvar, str) else list(envvar or ())
            label = param.opts[-1] if isinstance(param, click.Option) else param.human_readable_name
            for var in names:
                found.setdefault(var, []).append(f"{ctx.command_path} {label}")
    return found


def option_help() -> dict[str, str]:
    """Return each option variable -> the first sentence of its option's help."""
    found: dict[str, str] = {}
    for _, command in walk_commands(root_command()):
        for param in command.params:
            envvar = param.envvar
            text = getattr(param, "help", None) or ""
            first = text.split(". ")[0].rstrip(".").replace("|", "\\|")
            first = first or f"as {param.opts[-1]}"
            for var in [envvar] if isinstance(envvar, str) else list(envvar or ()):
                if first and var not in found:
                    found[var] = first
    return found


def _is_environ(node: ast.expr) -> bool:
    """Return True for ``os.environ`` (or a bare ``environ``)."""
    if isinstance(node, ast.Attribute):
        return node.attr == "environ" and isinstance(node.value, ast.Name) and node.value.id == "os"
    return isinstance(node, ast.Name) and node.id == "environ"


def _constants(tree: ast.Module) -> dict[str, str]:
    """Return the module's top-level ``NAME = "text"`` assignments (a variable's name kept
    in a constant, as ``LOCK_TIMEOUT_ENV = "EL2EN_LOCK_TIMEOUT"``)."""
    found = {}
    for node in tree.body:
        value = node.value if isinstance(node, ast.Assign | ast.AnnAssign) else None
        targets = node.targets if isinstance(node, ast.Assign) else [getattr(node, "target", None)]
        if isinstance(value, ast.Constant) and isinstance(value.value, str):
            for target in targets:
                if isinstance(target, ast.Name):
                    found[target.id] = value.value
    return found


def _literal(node: ast.expr | None, constants: dict[str, str] | None = None) -> str | None:
    """Return the string ``node`` names: a literal, or a module constant; else None."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.Name) and constants:
        return constants.get(node.id)
    return None


def _reads(tree: ast.AST) -> Iterator[tuple[ast.expr | None, int]]:
    """Yield (name expression, line) for every read of an environment variable in ``tree``.

    Reads are ``os.environ.get/pop/setdefault(NAME)``, ``os.getenv(NAME)``,
    ``os.environ[NAME]`` (loaded, not assigned or deleted) and ``NAME in os.environ``.
    """
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            first = node.args[0] if node.args else None
            if isinstance(func, ast.Attribute) and func.attr in ("get", "pop", "setdefault"):
                if _is_environ(func.value):
                    yield first, node.lineno
            elif (isinstance(func, ast.Attribute) and func.attr == "getenv") or (
                isinstance(func, ast.Name) and func.id == "getenv"
            ):
                yield first, node.lineno
        elif isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Load):
            if _is_environ(node.value):
                yield node.slice, node.lineno
        elif (
            isinstance(node, ast.Compare)
            and isinstance(node.ops[0], ast.In | ast.NotIn)
            and _is_environ(node.comparators[0])
        ):
            yield node.left, node.lineno


def code_env_reads(folder: Path = PACKAGE, root: Path = ROOT) -> list[EnvRead]:
    """Return every environment read in the Python files under ``folder``, in file order.

    Places are named relative to ``root``.
    """
    found = []
    for path in sorted(folder.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        constants = _constants(tree)
        where = path.relative_to(root).as_posix()
        for expr, line in sorted(_reads(tree), key=lambda read: read[1]):
            found.append(EnvRead(_literal(expr, constants), f"{where}:{line}"))
    return found


def environment() -> dict[str, list[str]]:
    """Return every variable el2en reads -> its options, and the modules that read it.

    Modules are named without line numbers, so that docs/cli.md goes stale only
    when what is read changes, not whenever a line moves.
    """
    found = option_envvars()
    for read in code_env_reads():
        if read.name is not None:
            module = read.where.rpartition(":")[0]
            if module not in found.setdefault(read.name, []):
                found[read.name].append(module)
    return dict(sorted(found.items()))


def help_text(ctx: click.Context, command: click.Command) -> str:
    """Return ``command``'s ``--help`` as Click prints it, at :data:`WIDTH` columns."""
    return command.get_help(ctx).rstrip() + "\n"


def render() -> str:
    """Return the text of docs/cli.md."""
    parts = [
        "# Command-line reference\n\n"
        "<!-- Generated from the Click commands by scripts/cli_docs.py; do not edit by hand.\n"
        f"     Regenerate with: {REGENERATE}.  tests/test_docs.py fails when it is stale. -->\n\n"
        "Every command's `--help`, as `el2en ... --help` prints it. The exit codes, the\n"
        "formats and the signature are explained in the [README](../README.md).\n"
    ]
    for ctx, command in walk_commands(root_command()):
        parts.append(f"\n## {ctx.command_path}\n\n```text\n{help_text(ctx, command)}```\n")
    parts.append(
        "\n## Environment variables\n\n"
        "Every variable el2en reads: a command's option (the command line wins) or a\n"
        "read in the code (`os.environ`, found by scripts/cli_docs.py).\n\n"
        "| variable | read by | what it sets |\n|---|---|---|\n"
    )
    from translate.cli.options import ENV_VARS

    helps = option_help()
    for name, where in environment().items():
        # An option's variable sets what its help says; ENV_VARS describes the others.
        described = ENV_VARS.get(name, "")
        sets = helps.get(name) or OTHER_VARIABLES.get(name, "")
        sets = sets or ("" if described.startswith("--") else described)
        parts.append(f"| `{name}` | {', '.join(f'`{w}`' for w in where)} | {sets} |\n")
    return "".join(parts)


def main(argv: list[str] | None = None) -> int:
    """Write docs/cli.md, or with --check say whether it is current; return the exit code."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--check", action="store_true", help="exit 1 when docs/cli.md is stale")
    args = parser.parse_args(argv)
    text = render()
    current = CLI_MD.read_text(encoding="utf-8") if CLI_MD.is_file() else None
    if args.check:
        if current != text:
            print(f"{CLI_MD.relative_to(ROOT)} is stale: run {REGENERATE}", file=sys.stderr)
            return 1
        return 0
    if current != text:
        CLI_MD.write_text(text, encoding="utf-8")
        print(f"wrote {CLI_MD.relative_to(ROOT)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
