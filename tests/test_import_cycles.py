"""No import circle in translate/, counting imports inside functions.

A circle that only works because one side imports lazily is still a circle:
the two modules cannot be understood, tested or moved apart.  This walks the
syntax tree of every module (not an import trace, which would miss imports
inside functions that a run did not reach) and fails naming the circle.
Imports under ``if TYPE_CHECKING:`` are left out: they never run.
"""

from __future__ import annotations

import ast
from pathlib import Path

from conftest import ROOT

PACKAGE = ROOT / "translate"


def module_name(path: Path, root: Path = ROOT) -> str:
    """Return the dotted name of the module file at ``path`` (under ``root``)."""
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def runtime_imports(tree: ast.AST) -> list[ast.Import | ast.ImportFrom]:
    """Return every import statement that can run: anywhere but under TYPE_CHECKING."""
    found: list[ast.Import | ast.ImportFrom] = []

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and is_type_checking(node):
            for branch in node.orelse:
                visit(branch)
            return
        if isinstance(node, ast.Import | ast.ImportFrom):
            found.append(node)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return found


def import_graph(modules: dict[str, Path]) -> dict[str, set[str]]:
    """Return, for each module of the package, the package's modules it imports."""
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        is_package = path.name == "__init__.py"
        edges: set[str] = set()
        for node in runtime_imports(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            else:
                base = node.module or ""
                if node.level:
                    anchor = name.split(".")
                    anchor = anchor if is_package else anchor[:-1]
                    anchor = anchor[: len(anchor) - (node.level - 1)]
                    base = ".".join([*anchor, base] if base else anchor)
                # "from translate import jobs" imports that module; "from translate.x
                # import f" imports translate.x (parent packages are not counted).
                targets = [
                    f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base
                    for alias in node.names
                ]
            for target in targets:
                if target in modules and target != name:
                    edges.add(target)
        graph[name] = edges
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """Return one import circle (its modules, the first repeated at the end), or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt) :], nxt]
            if nxt not in state and (cycle := visit(nxt)) is not None:
                return cycle
        path.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)) is not None:
            return cycle
    return None


def package_modules() -> dict[str, Path]:
    return {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def test_translate_has_no_import_circle() -> None:
    graph = import_graph(package_modules())
    assert "translate.convert" in graph and "translate.modelfiles" in graph["translate.convert"]
    cycle = find_cycle(graph)
    assert cycle is None, "import circle: " + " -> ".join(cycle or [])


def test_the_walk_sees_imports_inside_functions_and_finds_a_circle(tmp_path: Path) -> None:
    """The checker itself: a circle closed by a lazy import is found; TYPE_CHECKING is not."""
    package = tmp_path / "translate"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("from translate.b import f\n")
    (package / "b.py").write_text(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from translate import c\n"
        "def f():\n    from translate import a\n"
    )
    (package / "c.py").write_text("from . import a\n")
    modules = {module_name(path, tmp_path): path for path in sorted(package.rglob("*.py"))}
    graph = import_graph(modules)
    assert graph["translate.b"] == {"translate.a"}  # not c: under TYPE_CHECKING
    assert graph["translate.c"] == {"translate.a"}  # a relative import
    assert find_cycle(graph) == ["translate.a", "translate.b", "translate.a"]
    (package / "b.py").write_text("def f():\n    return 1\n")
    assert find_cycle(import_graph(modules)) is None
