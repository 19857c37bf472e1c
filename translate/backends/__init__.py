"""Translation backends behind one small interface, imported lazily by name.

A backend is anything with ``translate_batch(list[str]) -> list[Translation]``
and a ``signature``.  Backends are looked up in :data:`BACKENDS` and imported
only when chosen, so that choosing CTranslate2 never imports torch.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from translate.errors import BackendError

if TYPE_CHECKING:
    from translate.modelfiles import ResolvedModel
    from translate.types import Translation

log = logging.getLogger("translate")

#: Backend name -> "module:factory".  The factory takes (ResolvedModel, DecodeOptions).
BACKENDS: dict[str, str] = {
    "transformers": "translate.backends.hf:TransformersBackend",
    "ctranslate2": "translate.backends.ct2:CTranslate2Backend",
}


@dataclass(frozen=True, slots=True)
class DecodeOptions:
    """Decoding settings shared by every backend, so that they agree."""

    beam_size: int = 4
    #: Most decoding steps; the end token takes one. A translation that has not
    #: ended within them is flagged ``max_length``.
    max_output_tokens: int = 256
    length_penalty: float = 1.0
    #: "cpu" or "cuda"; :func:`open_backend` resolves "auto" before a backend sees it.
    device: str = "cpu"
    #: Backend-specific numeric type; "default" lets the backend choose.
    compute_type: str = "default"
    #: CPU threads in all; 0 means one per available core.
    threads: int = 0
    #: CTranslate2 on CPU: batches decoded at once, each with ``threads // inter_threads``
    #: threads; 0 means one thread per batch (see :mod:`translate.backends.threads`),
    #: whose output does not depend on ``threads``.  transformers ignores it.
    inter_threads: int = 0


class Backend(Protocol):
    """What the pipeline needs from a translation backend."""

    name: str

    @property
    def signature(self) -> dict[str, str]:
        """Return key/value pairs that say how this backend translates."""
        ...

    def translate_batch(
        self, sources: list[str], on_chunk: Callable[[int], None] | None = None
    ) -> list[Translation]:
        """Return one translation per normalised source string, in order.

        ``on_chunk`` (if given) is called with the number of sources finished
        each time a chunk of them is decoded, for progress bars.
        """
        ...


def load_backend(name: str, model: ResolvedModel, options: DecodeOptions) -> Backend:
    """Return the backend called ``name`` loaded with ``model``."""
    try:
        target = BACKENDS[name]
    except KeyError:
        choices = ", ".join(sorted(BACKENDS))
        raise BackendError(f"unknown backend {name!r}; choose one of: {choices}") from None
    module_name, _, factory_name = target.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise BackendError(
            f"backend {name!r} is not installed ({exc.name} is missing); "
            f"install el2en with its dependencies"
        ) from exc
    factory = getattr(module, factory_name)
    backend: Backend = factory(model, options)
    return backend


def resolve_device(backend: str, device: str) -> str:
    """Return "cpu" or "cuda" for ``device`` ("auto", "cpu" or "cuda") on ``backend``."""
    if device != "auto":
        return device
    if backend == "ctranslate2":
        import ctranslate2

        return "cuda" if ctranslate2.get_cuda_device_count() > 0 else "cpu"
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


def open_backend(name: str, model: ResolvedModel, options: DecodeOptions) -> Backend:
    """Return a loaded backend; ``auto`` prefers CTranslate2 and falls back to transformers."""
    from dataclasses import replace
    from importlib.util import find_spec

    from translate.errors import DamagedModelError, ModelError

    if name != "auto":
        return load_backend(
            name, model, replace(options, device=resolve_device(name, options.device))
        )
    if find_spec("ctranslate2") is not None:
        try:
            device = resolve_device("ctranslate2", options.device)
            return load_backend("ctranslate2", model, replace(options, device=device))
        except DamagedModelError:
            raise  # a damaged file needs replacing, not another backend
        except ModelError as exc:
            log.warning("CTranslate2 cannot run this model (%s); using transformers", exc)
    device = resolve_device("transformers", options.device)
    return load_backend("transformers", model, replace(options, device=device))
