"""``el2en cache stats|prune|clear``: look inside the translation cache, trim it, empty it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import click

from translate.cli.exits import cli_error
from translate.errors import TranslateError, UsageError

if TYPE_CHECKING:
    from translate.cache import TranslationCache

CACHE_HELP = (
    "CACHE is a cache file, or a batch output folder (its .el2en-cache.sqlite); "
    "default: $EL2EN_CACHE."
)


def cache_file(name: str) -> Path:
    """Return the cache file ``name`` means: the file itself, or a batch folder's cache."""
    from translate.batch import CACHE_NAME

    path = Path(name)
    if path.is_dir():
        path = path / CACHE_NAME
    if not path.is_file():
        raise UsageError(f"{path}: no such cache file")
    return path


@contextmanager
def opened(
    name: str, max_entries: int | None = None, *, readonly: bool = False
) -> Iterator[TranslationCache]:
    """Yield the cache ``name`` names, any library error as a one-line CLI error.

    Opened without a signature: a damaged, foreign or newer file is reported
    (one line naming it and the fix) and left exactly as it is, never moved
    aside or switched to WAL; only a run rebuilds a damaged cache.
    """
    from translate.cache import TranslationCache

    try:
        with TranslationCache(cache_file(name), None, max_entries, readonly=readonly) as cache:
            yield cache
    except TranslateError as exc:
        raise cli_error(exc) from None


cache_argument = click.argument("cache_path", metavar="CACHE", envvar="EL2EN_CACHE")


@click.group("cache", epilog=CACHE_HELP)
def cache() -> None:
    """Inspect, trim or empty a translation cache (el2en batch keeps one in OUT)."""


@cache.command(epilog=CACHE_HELP)
@cache_argument
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
def stats(cache_path: str, as_json: bool) -> None:
    """Print how many translations CACHE holds, its size, hits and misses per signature."""
    with opened(cache_path, readonly=True) as store:  # looking writes nothing
        found = store.stats()
    if as_json:
        data = {
            "path": str(found.path),
            "entries": found.entries,
            "size_bytes": found.size_bytes,
            "hits": found.hits,
            "misses": found.misses,
            "signatures": [
                {
                    "key": s.key,
                    "entries": s.entries,
                    "hits": s.hits,
                    "misses": s.misses,
                    "last_used": _when(s.last_used),
                }
                for s in found.signatures
            ],
        }
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    click.echo(f"cache: {found.path}")
    click.echo(
        f"entries: {found.entries}, size: {found.size_bytes / 1e6:.1f} MB, "
        f"hits: {found.hits}, misses: {found.misses}"
    )
    for s in found.signatures:
        click.echo(
            f"  {s.key}: {s.entries} entries, {s.hits} hits, {s.misses} misses, "
            f"last used {_when(s.last_used) or 'never'}"
        )


@cache.command(epilog=CACHE_HELP)
@cache_argument
@click.option(
    "--max-entries",
    type=click.IntRange(0),
    required=True,
    metavar="N",
    help="Keep at most N translations; the least recently used go first.",
)
def prune(cache_path: str, max_entries: int) -> None:
    """Delete the least recently used translations beyond --max-entries."""
    with opened(cache_path, max_entries) as store:
        removed = store.prune(max_entries)
    click.echo(f"removed {removed} translation{'s' if removed != 1 else ''}")


@cache.command(epilog=CACHE_HELP)
@cache_argument
def clear(cache_path: str) -> None:
    """Delete every translation in CACHE (every signature)."""
    with opened(cache_path) as store:
        removed = store.clear()
    click.echo(f"removed {removed} translation{'s' if removed != 1 else ''}")


def _when(timestamp: float | None) -> str | None:
    """Return a row's last use as el2en writes times (None: never used)."""
    from translate.db import utc_text

    return None if timestamp is None else utc_text(timestamp)
