"""Finding a batch's inputs: a folder searched recursively, or a list of paths.

Inputs are untrusted: hidden files and folders are left out, symlinked
folders are not followed, and a symlinked file that dangles or leads out of
the source folder (or a listed path outside ``--root``) is refused as a
:class:`~translate.batch.report.Failure` of that input alone.  Nothing is
read here but names (and a list file).
"""

from __future__ import annotations

import fnmatch
import logging
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import TextIO

from translate.batch.report import Failure
from translate.display import escape
from translate.errors import UsageError
from translate.paths import input_problem

log = logging.getLogger("translate")

#: SRC naming stdin: the inputs are listed there, one path a line.
LIST_STDIN = "-"


@dataclass(slots=True)
class Inputs:
    """The inputs found: paths to translate, the folder they mirror, and refusals."""

    names: list[str]
    root: Path
    failures: list[Failure]


def find_inputs(
    src: str, pattern: str, out: Path, root: str | None = None, stdin: TextIO | None = None
) -> Inputs:
    """Return the inputs ``src`` names: a folder searched recursively, or a list file."""
    if src == LIST_STDIN:
        lines = (stdin or sys.stdin).read().splitlines()
        return _listed(lines, root)
    path = Path(src)
    if path.is_dir():
        if os.path.realpath(path) == os.path.realpath(out):
            raise UsageError(f"{out}: the output folder cannot be the source folder")
        if root is not None:
            raise UsageError("--root is for a list of inputs; a folder is its own root")
        return _walk(path, pattern, out)
    if not path.exists():
        raise UsageError(f"{src}: no such folder or list file")
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"{src}: cannot read the list of inputs ({exc})") from None
    return _listed(lines, root)


def _matches(relative: PurePosixPath, pattern: str) -> bool:
    """Return True when a file's path (relative to SRC) matches the --glob pattern.

    A pattern without '/' matches the name (``*.txt``); with '/' the end of the
    path (``2026/*/*.txt``).
    """
    if "/" in pattern:
        return relative.match(pattern)
    return fnmatch.fnmatchcase(relative.name, pattern)


def _walk(src: Path, pattern: str, out: Path) -> Inputs:
    """Return the files under ``src`` matching ``pattern``, sorted; hidden ones left out."""
    real_src = os.path.realpath(src)
    real_out = os.path.realpath(out)
    names: list[str] = []
    failures: list[Failure] = []
    for folder, dirnames, filenames in os.walk(src, followlinks=False):
        # Hidden folders and the output folder (when inside SRC) are not inputs.
        dirnames[:] = sorted(
            d
            for d in dirnames
            if not d.startswith(".") and os.path.realpath(os.path.join(folder, d)) != real_out
        )
        for d in dirnames:
            if os.path.islink(os.path.join(folder, d)):
                log.info("%s: a symlinked folder, not followed", os.path.join(folder, d))
        for name in sorted(filenames):
            if name.startswith("."):
                continue
            full = Path(folder) / name
            relative = PurePosixPath(full.relative_to(src).as_posix())
            if not _matches(relative, pattern):
                continue
            problem = input_problem(str(full), real_src, walked=True)
            if problem:
                failures.append(Failure(escape(str(relative)), problem))
            else:
                names.append(str(full))
    return Inputs(names, src, failures)


def _listed(lines: Sequence[str], root: str | None) -> Inputs:
    """Return the inputs a list names (one path a line; blank and '#' lines ignored)."""
    stripped = (line.strip() for line in lines)
    paths = list(dict.fromkeys(os.path.abspath(p) for p in stripped if p and not p.startswith("#")))
    if not paths:
        return Inputs([], Path(root or "."), [])
    if root:
        base = Path(os.path.abspath(root))
    else:
        base = Path(os.path.commonpath([os.path.dirname(p) for p in paths]))
    names: list[str] = []
    failures: list[Failure] = []
    real_base = os.path.realpath(base)
    for path in paths:
        if os.path.commonpath([str(base), path]) != str(base):
            failures.append(Failure(escape(path), f"outside --root {escape(str(base))}"))
        elif problem := input_problem(path, real_base):
            # The same rule as a folder walk: a link out of the root is refused.
            failures.append(Failure(escape(os.path.relpath(path, base)), problem))
        else:
            names.append(path)
    return Inputs(names, base, failures)
