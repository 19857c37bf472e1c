"""Find a model: a Hugging Face hub id (downloaded and cached) or a local folder.

Hub models are cached the usual Hugging Face way (``HF_HOME``,
``HF_HUB_CACHE``, ``HF_HUB_OFFLINE`` all apply).  A cached model is used
without touching the network; only a missing one is downloaded.
"""

from __future__ import annotations

import logging
from pathlib import Path

from translate.errors import ModelError
from translate.modelfiles import (
    OPTIONAL_FILES,
    REQUIRED_FILES,
    WEIGHT_FILES,
    ResolvedModel,
    check_folder,
    folder_revision,
    local_name,
    looks_local,
)

log = logging.getLogger("translate")

DEFAULT_MODEL = "Helsinki-NLP/opus-mt-el-en"


def resolve_model(ref: str, revision: str | None = None) -> ResolvedModel:
    """Return the model named ``ref``, downloading a hub model if it is not cached."""
    if looks_local(ref):
        path = Path(ref).expanduser().resolve()
        check_folder(path, ref)
        if revision:
            log.warning("--revision %s ignored: %s is a local folder", revision, ref)
        return ResolvedModel(local_name(path), folder_revision(path), path)
    path = _snapshot(ref, revision)
    check_folder(path, ref)
    return ResolvedModel(ref, path.name, path)


def fetch_model(ref: str, revision: str | None = None, force: bool = False) -> ResolvedModel:
    """Return the model named ``ref``; with ``force``, download a hub model's files again."""
    if not force or looks_local(ref):
        return resolve_model(ref, revision)
    path = _download(ref, revision, _patterns(), force=True)
    check_folder(path, ref)
    return ResolvedModel(ref, path.name, path)


def _patterns() -> list[str]:
    return [*REQUIRED_FILES, *OPTIONAL_FILES]


def _snapshot(repo_id: str, revision: str | None) -> Path:
    """Return the local snapshot folder of a hub model, downloading it if needed."""
    from huggingface_hub import snapshot_download
    from huggingface_hub.errors import LocalEntryNotFoundError

    patterns = _patterns()
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


def _download(repo_id: str, revision: str | None, patterns: list[str], force: bool = False) -> Path:
    """Download a hub model's files (one weights format only) and return its folder."""
    from huggingface_hub import HfApi, snapshot_download
    from huggingface_hub.constants import HF_HUB_OFFLINE
    from huggingface_hub.errors import RepositoryNotFoundError, RevisionNotFoundError

    where = f"{repo_id}" + (f" at revision {revision}" if revision else "")
    pin = f" --revision {revision}" if revision else ""
    # A snapshot folder's files are links into the cache's blobs: copying the
    # cache, not the folder, is what works on the other machine.
    elsewhere = (
        f"run 'el2en models fetch {repo_id}{pin}' on a machine with network and copy its "
        "Hugging Face cache (HF_HOME) here, or pass a local model folder with "
        "'el2en translate --model DIR'"
    )
    if HF_HUB_OFFLINE:
        raise ModelError(
            f"model {where} is not in the local cache and HF_HUB_OFFLINE is set; {elsewhere}"
        )
    log.info("downloading %s from the Hugging Face hub", where)
    try:
        info = HfApi().model_info(repo_id, revision=revision)
        files = {s.rfilename for s in info.siblings or ()}
        weights = next((w for w in WEIGHT_FILES if w in files), None)
        if weights is None:
            raise ModelError(f"model {where} has no PyTorch weights ({' or '.join(WEIGHT_FILES)})")
        return Path(
            snapshot_download(
                repo_id,
                revision=revision,
                allow_patterns=[*patterns, weights],
                force_download=force,
            )
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
            f"or {elsewhere}"
        ) from exc
