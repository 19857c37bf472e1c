"""The reference backend: transformers' MarianMTModel.generate on torch."""

from __future__ import annotations

import logging
import os
from typing import TYPE_CHECKING

from translate.errors import BackendError, ModelError
from translate.types import Translation

if TYPE_CHECKING:
    from translate.backends import DecodeOptions
    from translate.hub import ResolvedModel

log = logging.getLogger("translate")


class TransformersBackend:
    """Translate with transformers (slow on CPU, but the reference for every other backend)."""

    name = "transformers"

    def __init__(self, model: ResolvedModel, options: DecodeOptions) -> None:
        import torch
        from transformers import MarianMTModel, MarianTokenizer

        self._torch = torch
        self.options = options
        torch.set_num_threads(options.threads or os.cpu_count() or 1)
        if options.device == "cuda" and not torch.cuda.is_available():
            raise BackendError("--device cuda: torch sees no CUDA device on this machine")
        dtype = torch.float16 if options.compute_type == "float16" else torch.float32
        self.compute_type = "float16" if dtype == torch.float16 else "float32"
        try:
            self.tokenizer = MarianTokenizer.from_pretrained(str(model.path))
            self.model = MarianMTModel.from_pretrained(str(model.path), dtype=dtype)
        except Exception as exc:  # noqa: BLE001 - any load failure has the same fix
            raise ModelError(
                f"cannot load model from {model.path} ({type(exc).__name__}: {exc}); "
                "the folder may be corrupt: delete it and fetch the model again"
            ) from exc
        self.model.eval().to(options.device)
        self._eos = self.tokenizer.eos_token_id

    @property
    def signature(self) -> dict[str, str]:
        """Return how this backend decodes."""
        from transformers import __version__ as tv

        return {
            "backend": f"transformers-{tv}",
            "device": self.options.device,
            "compute": self.compute_type,
        }

    def translate_batch(self, sources: list[str]) -> list[Translation]:
        """Return one translation per normalised source, in order."""
        if not sources:
            return []
        torch = self._torch
        # No truncation: the pipeline has already split anything too long.
        batch = self.tokenizer(sources, return_tensors="pt", padding=True)
        batch = batch.to(self.options.device)
        with torch.inference_mode():
            output = self.model.generate(
                **batch,
                num_beams=self.options.beam_size,
                max_new_tokens=self.options.max_output_tokens,
                length_penalty=self.options.length_penalty,
                do_sample=False,
            )
        results = []
        for row in output.tolist():
            generated = row[1:]  # drop the decoder start token
            ended = self._eos in generated
            text = self.tokenizer.decode(
                generated, skip_special_tokens=True, use_source_tokenizer=False
            )
            n_tokens = generated.index(self._eos) if ended else len(generated)
            results.append(Translation(text=text, hit_max_length=not ended, target_tokens=n_tokens))
        return results
