"""Find a model: a Hugging Face hub id (downloaded and cached) or a local folder.

Hub models are cached the usual Hugging Face way (``HF_HOME``,
``HF_HUB_CACHE``, ``HF_HUB_OFFLINE`` all apply).  A cached model is used
without touching the network; only a missing one is downloaded.
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass
from pathlib import Path

from translate.errors import ModelError

log = logging.getLogger("translate")

DEFAULT_MODEL = "Helsinki-NLP/opus-mt-el-en"

#: Files a Marian (OPUS-MT) folder needs besides its weights.
REQUIRED_FILES = ("config.json", "source.spm", "target.spm", "vocab.json")
WEIGHT_FILES = ("model.safetensors", "pytorch_model.bin")
_OPTIONAL_FILES = ("generation_config.json", "tokenizer_config.json", "special_tokens_map.json")
_HUB_ID = re.compile(r"^[A-Za-z0-9][\w.-]*(/[\w.-]+)?$")


@dataclass(frozen=True, slots=True)
class ResolvedModel:
    """A model found on disk, and what to call it in signatures."""

    #: The hub id, or the folder's absolute path.
    model_id: str
    #: The hub commit, or ``local-`` and a hash of the folder's files.
    revision: str
    #: A folder holding the transformers files (config, tokenizer, weights).
    path: Path

    @property
    def is_local(self) -> bool:
        """Return True when the model came from a local folder, not the hub."""
        return self.revision.startswith("local-")


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
    for name in (*REQUIRED_FILES, *_OPTIONAL_FILES):
        if (path / name).is_file():
            digest.update(name.encode())
            digest.update((path / name).read_bytes())
    for name in WEIGHT_FILES:
        weights = path / name
        if weights.is_file():
            # Hashing a 300 MB file would cost more than a short translation;
            # its size and both ends tell revisions apart in practice.
            size = weights.stat().st_size
            digest.update(f"{name}:{size}".encode())
            with open(weights, "rb") as f:
                digest.update(f.read(1 << 20))
                f.seek(max(0, size - (1 << 20)))
                digest.update(f.read(1 << 20))
    return "local-" + digest.hexdigest()[:12]


def resolve_model(ref: str, revision: str | None = None) -> ResolvedModel:
    """Return the model named ``ref``, downloading a hub model if it is not cached."""
    if looks_local(ref):
        path = Path(ref).expanduser().resolve()
        check_folder(path, ref)
        if revision:
            log.warning("--revision %s ignored: %s is a local folder", revision, ref)
        return ResolvedModel(str(path), folder_revision(path), path)
    path = _snapshot(ref, revision)
    check_folder(path, ref)
    return ResolvedModel(ref, path.name, path)


def _snapshot(repo_id: str, revision: str | None) -> Path:
    """Return the local snapshot folder of a hub model, downloading it if needed."""
    from huggingface_hub import snapshot_download
    from huggingface_hub.errors import LocalEntryNotFoundError

    patterns = [*REQUIRED_FILES, *_OPTIONAL_FILES]
    try:
        cached = snapshot_download(
            repo_id,
            revision=revision,
            allow_patterns=patterns + list(WEIGHT_FILES),
            local_files_only=True,
        )
        if any((Path(cached) / f).is_file() for f in WEIGHT_FILES):
            return Path(cached)
    except LocalEntryNotFoundError:
        pass
    return _download(repo_id, revision, patterns)


def _download(repo_id: str, revision: str | None, patterns: list[str]) -> Path:
    """Download a hub model's files (one weights format only) and return its folder."""
    from huggingface_hub import HfApi, snapshot_download
    from huggingface_hub.constants import HF_HUB_OFFLINE
    from huggingface_hub.errors import RepositoryNotFoundError, RevisionNotFoundError

    where = f"{repo_id}" + (f" at revision {revision}" if revision else "")
    if HF_HUB_OFFLINE:
        raise ModelError(
            f"model {where} is not in the local cache and HF_HUB_OFFLINE is set; run "
            f"'el2en models fetch {repo_id}' on a machine with network, or pass --model DIR"
        )
    log.info("downloading %s from the Hugging Face hub", where)
    try:
        info = HfApi().model_info(repo_id, revision=revision)
        files = {s.rfilename for s in info.siblings or ()}
        weights = next((w for w in WEIGHT_FILES if w in files), None)
        if weights is None:
            raise ModelError(f"model {where} has no PyTorch weights ({' or '.join(WEIGHT_FILES)})")
        return Path(
            snapshot_download(repo_id, revision=revision, allow_patterns=[*patterns, weights])
        )
    except (RepositoryNotFoundError, RevisionNotFoundError) as exc:
        raise ModelError(f"model {where} was not found on the Hugging Face hub") from exc
    except ModelError:
        raise
    except Exception as exc:
        # httpx's connection errors are not OSErrors; any failure here means
        # the model could not be fetched, and the user's fix is the same.
        raise ModelError(
            f"cannot download model {where} ({type(exc).__name__}: {exc}); check the network, "
            f"or pass --model DIR with a local copy (see 'el2en models fetch')"
        ) from exc
