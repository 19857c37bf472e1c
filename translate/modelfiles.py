"""Model files: what a Marian folder holds, what it is called, and which file is damaged.

One module that the hub (:mod:`translate.hub`), the conversion store
(:mod:`translate.convert`), the tokenizer and the backends share, so that
none of them imports another to learn a file name: the files a model folder
needs, a local folder's name and revision in signatures, finding the damaged
file after a load failed, and the hint that says how to replace it (convert
again, or download again).  It imports no optional library at module level.
"""

from __future__ import annotations

import hashlib
import json
import re
import shlex
import struct
from dataclasses import dataclass
from pathlib import Path

from translate.errors import DamagedModelError, ModelError

#: Files a Marian (OPUS-MT) folder needs besides its weights.
REQUIRED_FILES = ("config.json", "source.spm", "target.spm", "vocab.json")
WEIGHT_FILES = ("model.safetensors", "pytorch_model.bin")
OPTIONAL_FILES = ("generation_config.json", "tokenizer_config.json", "special_tokens_map.json")
#: The tokenizer's files: copied next to converted weights, so that a converted
#: model is self-contained.
TOKENIZER_FILES = ("source.spm", "target.spm", "vocab.json")
#: What el2en writes beside CTranslate2's files, to list and check conversions.
METADATA_FILE = "el2en-conversion.json"
_HUB_ID = re.compile(r"^[A-Za-z0-9][\w.-]*(/[\w.-]+)?$")
#: Characters a folder name may not carry into a signature (its separators, line breaks).
_NOT_IN_SIGNATURE = re.compile(r"[|\s]+")


@dataclass(frozen=True, slots=True)
class ResolvedModel:
    """A model found on disk, and what to call it in signatures."""

    #: The hub id, or a local folder's name: never its path, so that outputs
    #: sent elsewhere do not carry the sender's folder layout.
    model_id: str
    #: The hub commit, or ``local-`` and a hash of the folder's files.
    revision: str
    #: A folder holding the transformers files (config, tokenizer, weights).
    path: Path

    @property
    def is_local(self) -> bool:
        """Return True when the model came from a local folder, not the hub."""
        return self.revision.startswith("local-")

    @property
    def reference(self) -> str:
        """Return what to pass to ``--model`` to name this model again: hub id or folder."""
        return str(self.path) if self.is_local else self.model_id


def looks_local(ref: str) -> bool:
    """Return True when ``ref`` names a folder rather than a hub id."""
    return Path(ref).expanduser().exists() or not _HUB_ID.match(ref) or ref.startswith(".")


def check_folder(path: Path, name: str) -> None:
    """Raise ModelError unless ``path`` holds a complete Marian model."""
    if not path.is_dir():
        raise ModelError(f"model folder {name} does not exist or is not a folder")
    missing = [f for f in REQUIRED_FILES if not (path / f).is_file()]
    if not any((path / f).is_file() for f in WEIGHT_FILES):
        missing.append(" or ".join(WEIGHT_FILES))
    if missing:
        raise ModelError(
            f"model folder {name} is incomplete: missing {', '.join(missing)}; "
            "it needs a Marian model saved with save_pretrained plus its tokenizer files"
        )


def folder_revision(path: Path) -> str:
    """Return a short content hash of a model folder, as its revision."""
    digest = hashlib.sha256()
    for name in (*REQUIRED_FILES, *OPTIONAL_FILES):
        if (path / name).is_file():
            digest.update(name.encode())
            digest.update(_read(path / name))
    for name in WEIGHT_FILES:
        weights = path / name
        if weights.is_file():
            # Hashing a 300 MB file would cost more than a short translation;
            # its size and both ends tell revisions apart in practice.
            try:
                size = weights.stat().st_size
                digest.update(f"{name}:{size}".encode())
                with open(weights, "rb") as f:
                    digest.update(f.read(1 << 20))
                    f.seek(max(0, size - (1 << 20)))
                    digest.update(f.read(1 << 20))
            except OSError as exc:
                raise damaged_file(weights, exc) from exc
    return "local-" + digest.hexdigest()[:12]


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise damaged_file(path, exc) from exc


def local_name(path: Path) -> str:
    """Return the name a local model folder goes by in signatures: the folder's name."""
    return _NOT_IN_SIGNATURE.sub("_", path.name).strip("_") or "model"


def reconvert_command(path: Path) -> str:
    """Return the command that converts the model stored at ``path`` again, in place."""
    try:
        record = json.loads((path / METADATA_FILE).read_text(encoding="utf-8"))
        if not isinstance(record, dict):
            record = {}
    except (OSError, ValueError):
        record = {}
    revision = str(record.get("revision", ""))
    quantization = str(record.get("quantization", path.name))
    if revision.startswith("local-") or not record:
        ref, pin = str(record.get("source_path") or "MODEL"), ""
    else:
        ref, pin = str(record.get("model_id", "MODEL")), f" --revision {revision}"
    return f"el2en models convert {shlex.quote(ref)}{pin} --quantization {quantization} --force"


#: Files parsed as JSON when looking for the damaged one (``shared_vocabulary.json``
#: is CTranslate2's).
_JSON_FILES = (
    "config.json",
    "vocab.json",
    *OPTIONAL_FILES,
    "shared_vocabulary.json",
)
_SPM_FILES = ("source.spm", "target.spm")


def find_damage(folder: Path) -> DamagedModelError | None:
    """Return the error naming the first damaged file in a model folder, or None.

    The checks are cheap (parse the JSON and SentencePiece files, compare the
    weights' header with their length) but not free, so they run only after a
    load has failed, to say which file to replace; nothing runs them at start-up.
    CTranslate2's ``model.bin`` is not checked here (only CTranslate2 can read it).
    """
    for name in _JSON_FILES:
        path = folder / name
        if path.is_file():
            try:
                json.loads(path.read_bytes())
            except (OSError, ValueError) as exc:
                return damaged_file(path, exc)
    for name in _SPM_FILES:
        path = folder / name
        if path.is_file():
            import sentencepiece as spm

            try:
                spm.SentencePieceProcessor(model_file=str(path))
            except (OSError, RuntimeError) as exc:
                return damaged_file(path, exc)
    checks = (("model.safetensors", _check_safetensors), ("pytorch_model.bin", _check_zip))
    for name, check in checks:
        path = folder / name
        if path.is_file():
            try:
                check(path)
            except (OSError, ValueError) as exc:
                return damaged_file(path, exc)
    return None


def _check_safetensors(path: Path) -> None:
    """Raise ValueError unless the file is as long as its header says (a truncation test)."""
    size = path.stat().st_size
    with open(path, "rb") as f:
        head = f.read(8)
        if len(head) < 8:
            raise ValueError(f"{size} bytes, shorter than a safetensors header")
        (header_size,) = struct.unpack("<Q", head)
        if header_size > size - 8:
            raise ValueError(f"{size} bytes, shorter than its own header")
        header = json.loads(f.read(header_size))
    try:
        ends = [int(t["data_offsets"][1]) for k, t in header.items() if k != "__metadata__"]
    except (AttributeError, KeyError, TypeError, IndexError) as exc:
        raise ValueError(f"malformed safetensors header ({exc})") from exc
    expected = 8 + header_size + max(ends, default=0)
    if expected != size:
        raise ValueError(f"{size} bytes, but its header describes {expected}")


def _check_zip(path: Path) -> None:
    """Raise ValueError when a (zip-format) PyTorch checkpoint has lost its end."""
    import zipfile

    with open(path, "rb") as f:
        if f.read(2) != b"PK":
            return  # the legacy pickle format: nothing cheap to check
    try:
        with zipfile.ZipFile(path):
            pass
    except zipfile.BadZipFile as exc:
        raise ValueError(str(exc)) from exc


def damaged_file(path: Path, problem: BaseException | str) -> DamagedModelError:
    """Return the one-line error for a damaged model file, saying how to replace it."""
    if isinstance(problem, BaseException):
        text = str(problem).strip().splitlines()[0] if str(problem).strip() else ""
        text = text.replace(str(path), path.name)
        problem = f"{type(problem).__name__}: {text}" if text else type(problem).__name__
    if len(problem) > 160:
        problem = problem[:157] + "..."
    return DamagedModelError(path, problem, repair_hint(path.parent))


def repair_hint(folder: Path) -> str:
    """Return how to replace a damaged file in ``folder``: re-convert or download again."""
    if (folder / METADATA_FILE).is_file():
        return f"re-convert it with '{reconvert_command(folder)}'"
    repo = _hub_repo(folder)
    if repo is not None:
        return f"download it again with 'el2en models fetch {repo} --force'"
    return "replace the model folder with a good copy (download or copy it again)"


def _hub_repo(folder: Path) -> str | None:
    """Return the hub id of a Hugging Face cache snapshot folder, or None."""
    snapshots = folder.parent
    repo_dir = snapshots.parent.name
    if snapshots.name != "snapshots" or not repo_dir.startswith("models--"):
        return None
    return repo_dir.removeprefix("models--").replace("--", "/", 1)
