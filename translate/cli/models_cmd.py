"""``el2en models``: fetch, convert, list, inspect and remove models; a thin layer over
translate.hub and translate.convert.

Library errors become one line and exit 1; a bad option value is a usage
error (exit 2), printed as one line by the ``el2en`` group.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

from translate.convert import QUANTIZATIONS, Conversion
from translate.errors import ModelError

F = TypeVar("F", bound=Callable[..., Any])

_STORE_HELP = (
    "Converted models are kept in $EL2EN_MODELS_DIR, else the user cache "
    "(~/.cache/el2en/models on Linux); hub downloads in the Hugging Face cache (HF_HOME)."
)


def _epilog(examples: tuple[str, ...], exits: str) -> str:
    """Return a command's help epilog: examples, environment and exit codes, unwrapped."""
    lines = "\n".join(f"  {example}" for example in examples)
    return (
        f"\b\nExamples:\n{lines}\n\n"
        "\b\nEnvironment: EL2EN_MODELS_DIR (the store of conversions); HF_HOME, HF_HUB_CACHE,\n"
        "HF_HUB_OFFLINE (the Hugging Face cache and offline mode).\n\n"
        f"\b\nExit codes: {exits}; 2 a bad option."
    )


def _quantization_option(default: str | None, help_text: str) -> Callable[[F], F]:
    return click.option(
        "--quantization",
        type=click.Choice(QUANTIZATIONS),
        default=default,
        show_default=default is not None,
        help=help_text,
    )


@click.group(epilog=_STORE_HELP)
def models() -> None:
    """Fetch models for offline use, convert them for CTranslate2, list and remove them."""


@models.command(
    epilog=_epilog(
        ("el2en models fetch Helsinki-NLP/opus-mt-el-en",),
        "0 fetched (or already cached); 1 cannot be fetched",
    )
)
@click.argument("model")
@click.option("--revision", default=None, help="Hub revision (branch, tag or commit) to pin.")
@click.option("--force", is_flag=True, help="Download the files again (a damaged download).")
def fetch(model: str, revision: str | None, force: bool) -> None:
    """Download hub MODEL into the Hugging Face cache for offline use.

    Prints the model id, its revision and its folder, tab-separated.  To use
    it on a machine without network, copy the Hugging Face cache (HF_HOME)
    there: the folder's files are links into it.
    """
    from translate.hub import fetch_model

    resolved = fetch_model(model, revision, force=force)
    click.echo(f"{resolved.model_id}\t{resolved.revision}\t{resolved.path}")


@models.command(
    epilog=_epilog(
        (
            "el2en models convert Helsinki-NLP/opus-mt-el-en",
            "el2en models convert ./my-model --quantization float16 --force",
        ),
        "0 converted, or already converted and kept; 1 cannot be converted",
    )
)
@click.argument("model")
@click.option("--revision", default=None, help="Hub revision (branch, tag or commit) to pin.")
@_quantization_option("int8", "Weight type to store: int8 for CPU, float16 for CUDA.")
@click.option("--force", is_flag=True, help="Convert again, replacing the stored conversion.")
def convert(model: str, revision: str | None, quantization: str, force: bool) -> None:
    """Convert MODEL (hub id or folder) to CTranslate2 and store it; print its folder.

    A model already converted with the same revision and quantization is
    kept (exit 0, said on stderr); --force converts it again.
    """
    from translate.convert import convert as convert_model
    from translate.hub import resolve_model

    result = convert_model(resolve_model(model, revision), quantization, force=force)
    if not result.converted:
        click.echo(
            f"{model} ({quantization}) is already converted; kept it (--force converts it again)",
            err=True,
        )
    click.echo(str(result.path))


@models.command(name="list", epilog=_epilog(("el2en models list",), "0 (also for an empty store)"))
def list_models() -> None:
    """List the converted models in the store, with their sizes."""
    from translate.convert import list_converted, models_dir

    conversions = list_converted()
    if not conversions:
        click.echo(f"no converted models in {models_dir()}", err=True)
        return
    for line in _table(conversions):
        click.echo(line)


@models.command(
    epilog=_epilog(
        ("el2en models info Helsinki-NLP/opus-mt-el-en",), "0 shown; 1 the model is not converted"
    )
)
@click.argument("model")
def info(model: str) -> None:
    """Show the stored conversions of MODEL (hub id or folder); exit 1 if there are none."""
    from translate.convert import info as model_info
    from translate.convert import models_dir

    conversions = model_info(model)
    if not conversions:
        raise ModelError(
            f"{model}: not converted (store: {models_dir()}); "
            f"'el2en models convert {model}' converts it"
        )
    for conversion in conversions:
        click.echo(f"model:        {conversion.model_id}")
        click.echo(f"revision:     {conversion.revision}")
        click.echo(f"quantization: {conversion.quantization}")
        click.echo(f"ctranslate2:  {conversion.ctranslate2_version}")
        click.echo(f"created:      {conversion.created}")
        click.echo(f"size:         {_size(conversion.size_bytes)}")
        click.echo(f"path:         {conversion.path}")
        click.echo("")


@models.command(
    epilog=_epilog(
        (
            "el2en models remove Helsinki-NLP/opus-mt-el-en --quantization float16",
            "el2en models remove ./my-model",
        ),
        "0 removed; 1 nothing to remove",
    )
)
@click.argument("model")
@_quantization_option(None, "Remove only this weight type (default: all).")
@click.option(
    "--revision",
    default=None,
    help="Remove only this revision: a hub commit (or its start) or local-... as listed.",
)
def remove(model: str, quantization: str | None, revision: str | None) -> None:
    """Delete the stored conversions of MODEL (hub id or folder); print their folders.

    Only the CTranslate2 conversions are deleted, under the store's lock; the
    model itself (a local folder, or the Hugging Face cache) is left alone.
    Exit 1 if nothing matches.
    """
    from translate.convert import find_conversions, models_dir
    from translate.convert import remove as remove_conversion

    conversions = find_conversions(model, revision, quantization)
    if not conversions:
        narrowed = "".join(
            f" {name} {value}"
            for name, value in (("--quantization", quantization), ("--revision", revision))
            if value
        )
        raise ModelError(
            f"{model}{narrowed}: nothing to remove, no such conversion in {models_dir()} "
            "(see 'el2en models list')"
        )
    for conversion in conversions:
        remove_conversion(conversion)
        click.echo(str(conversion.path))


_HEADER = ("MODEL", "REVISION", "QUANTIZATION", "SIZE", "PATH")


def _table(conversions: list[Conversion]) -> list[str]:
    """Return the rows of ``list`` under a header, columns aligned (the path last)."""
    rows = [_HEADER] + [
        (
            c.model_id,
            c.revision,
            c.quantization,
            _size(c.size_bytes),
            str(c.path),
        )
        for c in conversions
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(len(_HEADER) - 1)]
    return [
        "  ".join([*(cell.ljust(w) for cell, w in zip(row, widths, strict=False)), row[-1]])
        for row in rows
    ]


def _size(n_bytes: int) -> str:
    """Return a size as people read it: 812 B, 1.1 MB, 76 MB, 1.2 GB."""
    value = float(n_bytes)
    for unit in ("B", "kB", "MB", "GB"):
        if value < 1000 or unit == "GB":
            break
        value /= 1000
    if unit == "B":
        return f"{n_bytes} B"
    return f"{value:.1f} {unit}" if value < 10 else f"{value:.0f} {unit}"
