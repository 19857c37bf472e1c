"""The store of models converted to CTranslate2's format.

A conversion is keyed by model id, revision and quantization, and lives at
``<store>/<model key>/<revision>/<quantization>/``.  A local folder's key is its
name and its revision a hash of its content (never its path), so the same
model copied elsewhere reuses its conversion.  It is written into a
temporary folder beside its final place, under a file lock, and renamed into
place when complete, so that a reader never sees half a model and two
processes never convert the same model at once.  Like CTranslate2's own
converter, :func:`convert` refuses to replace a conversion unless forced.

Converting imports transformers and torch (the converter reads the
transformers checkpoint); nothing else here does, so translating with an
already converted model needs neither.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from translate.errors import ModelError, OutputError
from translate.modelfiles import (
    METADATA_FILE,
    TOKENIZER_FILES,
    check_folder,
    find_damage,
    folder_revision,
    local_name,
    looks_local,
)
from translate.output import remove_folder, remove_stale_folders, staged_folder

if TYPE_CHECKING:
    from collections.abc import Iterator

    from translate.modelfiles import ResolvedModel

log = logging.getLogger("translate")

#: Weight types CTranslate2's converter can store.
QUANTIZATIONS = (
    "int8",
    "int8_float32",
    "int8_float16",
    "int8_bfloat16",
    "int16",
    "float16",
    "bfloat16",
    "float32",
)

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass(frozen=True, slots=True)
class Conversion:
    """A converted model in the store."""

    path: Path
    model_id: str
    revision: str
    quantization: str
    ctranslate2_version: str
    created: str
    size_bytes: int

    @property
    def is_local(self) -> bool:
        """Return True when the model came from a local folder, not the hub."""
        return self.revision.startswith("local-")


@dataclass(frozen=True, slots=True)
class ConvertResult:
    """Where a conversion is, and whether this call made it."""

    path: Path
    #: False when the store already held the same conversion and it was kept.
    converted: bool


def models_dir() -> Path:
    """Return the folder of converted models: ``$EL2EN_MODELS_DIR`` or the user cache."""
    configured = os.environ.get("EL2EN_MODELS_DIR")
    if configured:
        return Path(configured).expanduser()
    return _user_cache_dir() / "el2en" / "models"


def _user_cache_dir() -> Path:
    """Return the platform's per-user cache folder."""
    if sys.platform == "win32":
        return Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Caches"
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")


def model_key(model_id: str, local: bool = False) -> str:
    """Return a folder name for ``model_id`` (a hub id, or a local folder's name).

    A local model's key is ``local--`` and its name, so that it never meets a
    hub model's; two local folders that share a name but not their content are
    told apart by the revision (a content hash) below the key.
    """
    safe = _UNSAFE.sub("-", model_id.replace("/", "--")).strip("-.") or "model"
    return f"local--{safe[:60]}" if local else safe


def check_quantization(quantization: str) -> None:
    """Raise ModelError unless CTranslate2 can store weights as ``quantization``."""
    if quantization not in QUANTIZATIONS:
        raise ModelError(
            f"unknown quantization {quantization!r}; choose one of: {', '.join(QUANTIZATIONS)}"
        )


def converted_path(model: ResolvedModel, quantization: str) -> Path:
    """Return where the conversion of ``model`` to ``quantization`` is (or would be) stored."""
    check_quantization(quantization)
    revision = _UNSAFE.sub("-", model.revision)
    return models_dir() / model_key(model.model_id, model.is_local) / revision / quantization


def is_complete(path: Path) -> bool:
    """Return True when ``path`` holds a finished conversion."""
    return (path / "model.bin").is_file() and (path / METADATA_FILE).is_file()


def ensure_converted(model: ResolvedModel, quantization: str) -> Path:
    """Return the conversion of ``model``, converting it first if the store lacks it."""
    path = converted_path(model, quantization)
    if is_complete(path):
        return path
    with store_lock(path):
        if is_complete(path):  # another process finished it while we waited
            return path
        log.warning(
            "converting %s to CTranslate2 (%s), once; later runs reuse %s",
            model.model_id,
            quantization,
            path,
        )
        _convert_locked(model, quantization, path)
    return path


def convert(model: ResolvedModel, quantization: str = "int8", force: bool = False) -> ConvertResult:
    """Convert ``model`` into the store unless it holds the same conversion (``force``: redo it).

    An existing conversion is never replaced unforced, as CTranslate2's own
    converter refuses to; finding one is not an error, so a setup script can
    be run again.
    """
    path = converted_path(model, quantization)
    with store_lock(path):
        if is_complete(path) and not force:
            return ConvertResult(path, converted=False)
        _convert_locked(model, quantization, path)
    return ConvertResult(path, converted=True)


def remove(conversion: Conversion) -> None:
    """Delete a conversion from the store, under the lock its converter takes."""
    path = conversion.path
    with store_lock(path):
        try:
            # Renamed aside first (atomic), so that no reader ever finds half a model.
            if not remove_folder(path):
                return
        except OSError as exc:
            raise _store_error(exc) from exc
    log.info("removed %s", path)


class store_lock:
    """Hold the store's lock for one conversion folder (created with its parents).

    Every writer of a folder in the store takes it: a conversion, a removal,
    and a Ray worker unpacking the driver's model.
    """

    def __init__(self, path: Path) -> None:
        self.path = path

    def __enter__(self) -> None:
        from filelock import FileLock, Timeout

        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise _store_error(exc) from exc
        self.lock = FileLock(str(self.path.parent / f"{self.path.name}.lock"))
        try:
            self.lock.acquire(timeout=0.5)
        except Timeout:
            log.warning("waiting for another process converting into %s", self.path)
            self.lock.acquire()

    def __exit__(self, *exc_info: object) -> None:
        self.lock.release()


def _store_error(exc: OSError) -> OutputError:
    return OutputError(
        f"cannot write to the model store {models_dir()} ({exc.strerror or exc}); "
        "set EL2EN_MODELS_DIR to a writable folder"
    )


def _convert_locked(model: ResolvedModel, quantization: str, path: Path) -> None:
    """Convert into a folder staged beside ``path`` and rename it into place (we hold the lock)."""
    remove_stale_folders(path)  # conversions that were killed
    try:
        with staged_folder(path) as output:
            _run_converter(model, quantization, output)
            _write_metadata(model, quantization, output)
    except OSError as exc:
        raise _store_error(exc) from exc


def _run_converter(model: ResolvedModel, quantization: str, output: Path) -> None:
    """Run CTranslate2's transformers converter on ``model`` into ``output``."""
    try:
        from ctranslate2.converters import TransformersConverter
    except ImportError as exc:
        raise ModelError(
            f"converting needs ctranslate2, transformers and torch ({exc.name} is missing)"
        ) from exc
    check_folder(model.path, model.model_id)
    present = [f for f in TOKENIZER_FILES if (model.path / f).is_file()]
    started = time.perf_counter()
    try:
        with _quiet_transformers():
            converter = TransformersConverter(str(model.path), copy_files=present)
            converter.convert(str(output), quantization=quantization)
    except ImportError as exc:
        raise ModelError(
            f"converting needs transformers and torch ({exc.name} is missing); "
            "install them, or convert on another machine and copy the store"
        ) from exc
    except Exception as exc:
        # Only now, when the converter has failed, look for the file to blame.
        damage = find_damage(model.path)
        if damage is not None:
            raise damage from exc
        if isinstance(exc, OSError):
            raise  # writing the store failed: _convert_locked says so
        raise ModelError(
            f"cannot convert {model.model_id} to CTranslate2 ({type(exc).__name__}: {exc}); "
            "use --backend transformers"
        ) from exc
    log.info("converted %s in %.1f s", model.model_id, time.perf_counter() - started)


@contextlib.contextmanager
def _quiet_transformers() -> Iterator[None]:
    """Hide transformers' "Loading weights" bar: a conversion is announced in one line."""
    from transformers.utils import logging as hf_logging

    bars = hf_logging.is_progress_bar_enabled()
    hf_logging.disable_progress_bar()  # type: ignore[no-untyped-call]
    try:
        yield
    finally:
        if bars:
            hf_logging.enable_progress_bar()  # type: ignore[no-untyped-call]


def _write_metadata(model: ResolvedModel, quantization: str, output: Path) -> None:
    import ctranslate2

    from translate import __version__
    from translate.db import utc_text

    record = {
        "model_id": model.model_id,
        "revision": model.revision,
        "quantization": quantization,
        "source_path": str(model.path),
        "ctranslate2_version": ctranslate2.__version__,
        "el2en_version": __version__,
        "created": utc_text(),
    }
    (output / METADATA_FILE).write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")


def read_conversion(path: Path) -> Conversion:
    """Return the description of the conversion stored at ``path``."""
    try:
        record = json.loads((path / METADATA_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ModelError(f"{path} is not a complete conversion ({exc})") from exc
    size = sum(f.stat().st_size for f in path.iterdir() if f.is_file())
    return Conversion(
        path=path,
        model_id=str(record.get("model_id", "?")),
        revision=str(record.get("revision", "?")),
        quantization=str(record.get("quantization", path.name)),
        ctranslate2_version=str(record.get("ctranslate2_version", "?")),
        created=str(record.get("created", "?")),
        size_bytes=size,
    )


def list_converted() -> list[Conversion]:
    """Return every complete conversion in the store, sorted by model id and revision."""
    root = models_dir()
    if not root.is_dir():
        return []
    found = []
    for path in root.glob("*/*/*"):
        if path.is_dir() and not path.name.startswith(".") and is_complete(path):
            try:
                found.append(read_conversion(path))
            except ModelError as exc:
                log.warning("%s; remove that folder", exc)
    return sorted(found, key=lambda c: (c.model_id, c.revision, c.quantization))


def find_conversions(
    model_ref: str, revision: str | None = None, quantization: str | None = None
) -> list[Conversion]:
    """Return the stored conversions of the model named ``model_ref`` (hub id or folder).

    A local folder matches the conversions of its name and present content
    (any revision if the folder is gone); ``revision`` narrows the match to
    one revision (a hub commit or its first characters, or ``local-...``).
    """
    if quantization is not None:
        check_quantization(quantization)
    local = looks_local(model_ref)
    names = {model_ref}
    if local:
        folder = Path(model_ref).expanduser().resolve()
        # Conversions made before signatures named a folder by its name were
        # recorded under its path.
        names = {local_name(folder), str(folder)}
        if revision is None and folder.is_dir():
            revision = folder_revision(folder)
    return [
        c
        for c in list_converted()
        if c.is_local == local
        and c.model_id in names
        and (revision is None or c.revision.startswith(revision))
        and (quantization is None or c.quantization == quantization)
    ]


def info(model_ref: str) -> list[Conversion]:
    """Return the conversions of the model named ``model_ref`` (hub id or folder)."""
    return find_conversions(model_ref)
