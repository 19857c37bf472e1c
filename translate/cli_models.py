"""``el2en models``: fetch, convert and list models; a thin layer over translate.convert."""

from __future__ import annotations

import click

from translate.convert import QUANTIZATIONS, Conversion
from translate.errors import TranslateError


@click.group()
def models() -> None:
    """Fetch models for offline use and convert them for CTranslate2."""


@models.command()
@click.argument("model")
@click.option("--revision", default=None, help="Hub revision (branch, tag or commit) to pin.")
@click.option(
    "--quantization",
    type=click.Choice(QUANTIZATIONS),
    default="int8",
    show_default=True,
    help="Weight type to store: int8 for CPU, float16 (or int8_float16) for CUDA.",
)
@click.option("--force", is_flag=True, help="Replace an existing conversion.")
def convert(model: str, revision: str | None, quantization: str, force: bool) -> None:
    """Convert MODEL (hub id or folder) to CTranslate2 and store it; print its folder."""
    from translate.convert import convert as convert_model
    from translate.hub import resolve_model

    try:
        path = convert_model(resolve_model(model, revision), quantization, force=force)
    except TranslateError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(str(path))


@models.command(name="list")
def list_models() -> None:
    """List the converted models in the store."""
    from translate.convert import list_converted, store_root

    conversions = list_converted()
    if not conversions:
        click.echo(f"no converted models in {store_root()}", err=True)
        return
    for conversion in conversions:
        click.echo(_row(conversion))


@models.command()
@click.argument("model")
def info(model: str) -> None:
    """Show the stored conversions of MODEL (hub id or folder)."""
    from translate.convert import info as model_info
    from translate.convert import store_root

    try:
        conversions = model_info(model)
    except TranslateError as exc:
        raise click.ClickException(str(exc)) from None
    if not conversions:
        click.echo(f"{model}: not converted (store: {store_root()})", err=True)
        return
    for conversion in conversions:
        click.echo(f"model:        {conversion.model_id}")
        click.echo(f"revision:     {conversion.revision}")
        click.echo(f"quantization: {conversion.quantization}")
        click.echo(f"ctranslate2:  {conversion.ctranslate2_version}")
        click.echo(f"created:      {conversion.created}")
        click.echo(f"size:         {_size(conversion.size_bytes)}")
        click.echo(f"path:         {conversion.path}")
        click.echo("")


@models.command()
@click.argument("model")
@click.option("--revision", default=None, help="Hub revision (branch, tag or commit) to pin.")
def fetch(model: str, revision: str | None) -> None:
    """Download hub MODEL into the Hugging Face cache for offline use; print its folder."""
    from translate.hub import resolve_model

    try:
        resolved = resolve_model(model, revision)
    except TranslateError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"{resolved.model_id}\t{resolved.revision}\t{resolved.path}")


def _row(conversion: Conversion) -> str:
    return "\t".join(
        (
            conversion.model_id,
            conversion.revision,
            conversion.quantization,
            _size(conversion.size_bytes),
            str(conversion.path),
        )
    )


def _size(n_bytes: int) -> str:
    return f"{n_bytes / 1e6:.1f} MB"
