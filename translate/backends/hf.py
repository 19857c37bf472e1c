"""The reference backend: transformers' MarianMTModel.generate on torch."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from translate.errors import BackendError, ModelError
from translate.types import Translation

if TYPE_CHECKING:
    from transformers import GenerationConfig

    from translate.backends import DecodeOptions
    from translate.modelfiles import ResolvedModel

log = logging.getLogger("translate")

#: Outputs scored at once after decoding (their logits: rows x length x vocabulary floats).
SCORE_ROWS = 8


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
        from transformers.utils import logging as hf_logging

        # transformers 5 draws a "Loading weights" bar on stderr; el2en draws its own.
        bars = hf_logging.is_progress_bar_enabled()
        hf_logging.disable_progress_bar()  # type: ignore[no-untyped-call]
        try:
            self.tokenizer = MarianTokenizer.from_pretrained(str(model.path))
            self.model = MarianMTModel.from_pretrained(str(model.path), dtype=dtype)
        except Exception as exc:  # any load failure has the same fix
            from translate.modelfiles import find_damage

            damage = find_damage(model.path)  # only now that loading failed: name the file
            if damage is not None:
                raise damage from exc
            raise ModelError(
                f"cannot load model from {model.path} ({type(exc).__name__}: {exc}); "
                "the folder may be corrupt: replace it with a good copy of the model"
            ) from exc
        finally:
            if bars:
                hf_logging.enable_progress_bar()  # type: ignore[no-untyped-call]
        self.model.eval().to(options.device)  # type: ignore[no-untyped-call]
        self._eos = self.tokenizer.eos_token_id
        self._exclude_padding_token()
        # Replace, not pass: generate() fills settings left at their defaults
        # from the model's own generation config.
        self.model.generation_config = self._decoding_settings()

    def _exclude_padding_token(self) -> None:
        """Take the padding token out of the softmax, as Marian and CTranslate2 do.

        transformers adds ``<pad>`` to Marian's vocabulary only to start the
        decoder; the original models and CTranslate2 have no such output token.
        Banning it with ``bad_words_ids`` (the hub configs' way) removes it only
        after the softmax, which shifts every score by log(1 - p(pad)); a bias
        of -inf removes it before, so the scores are Marian's own.
        """
        pad = self.tokenizer.pad_token_id
        bias = getattr(self.model, "final_logits_bias", None)
        if pad is not None and bias is not None and pad < bias.shape[-1]:
            with self._torch.no_grad():
                bias[..., pad] = float("-inf")

    def _decoding_settings(self) -> GenerationConfig:
        """Return the generation settings, all explicit, that CTranslate2 mirrors.

        Nothing is left to the model's own generation_config.json: OPUS-MT's
        sets ``forced_eos_token_id``, which writes an end token at the length
        limit and hides a cut translation, and ``max_length``, which would
        compete with ``max_new_tokens``.  See docs/backends.md.
        """
        from transformers import GenerationConfig

        options = self.options
        config = self.model.generation_config
        beam_settings = {}
        if options.beam_size > 1:
            # Stop once num_beams hypotheses have ended: CTranslate2's rule.
            # (transformers' default, False, goes on while a heuristic says a
            # running beam could still win; CTranslate2 has no such mode.)
            beam_settings = {"early_stopping": True, "length_penalty": options.length_penalty}
        return GenerationConfig(  # type: ignore[no-untyped-call]
            decoder_start_token_id=config.decoder_start_token_id,
            eos_token_id=self._eos,
            pad_token_id=self.tokenizer.pad_token_id,
            num_beams=options.beam_size,
            **beam_settings,
            max_new_tokens=options.max_output_tokens,
            min_length=0,
            do_sample=False,
            forced_eos_token_id=None,
            bad_words_ids=None,
        )

    @property
    def signature(self) -> dict[str, str]:
        """Return how this backend decodes."""
        from transformers import __version__ as tv

        return {
            "backend": f"transformers-{tv}",
            "device": self.options.device,
            "compute": self.compute_type,
        }

    def translate_batch(
        self, sources: list[str], on_chunk: Callable[[int], None] | None = None
    ) -> list[Translation]:
        """Return one translation per normalised source, in order."""
        if not sources:
            return []
        from translate.backends.ct2 import sub_batches

        lengths = [len(ids) for ids in self.tokenizer(sources).input_ids]
        translations: list[Translation] = [Translation("")] * len(sources)
        for batch in sub_batches(lengths):
            chunk = self._generate([sources[i] for i in batch])
            for i, translation in zip(batch, chunk, strict=True):
                translations[i] = translation
            if on_chunk is not None:
                on_chunk(len(batch))
        return translations

    def _generate(self, sources: list[str]) -> list[Translation]:
        torch = self._torch
        # No truncation: the pipeline has already split anything too long.
        batch = self.tokenizer(sources, return_tensors="pt", padding=True)
        batch = batch.to(self.options.device)
        with torch.inference_mode():
            output = self.model.generate(**batch)
            scores = self._mean_log_probs(batch, output)
        results = []
        for row, score in zip(output.tolist(), scores, strict=True):
            generated = row[1:]  # drop the decoder start token
            ended = self._eos in generated
            text = self.tokenizer.decode(
                generated, skip_special_tokens=True, use_source_tokenizer=False
            )
            n_tokens = generated.index(self._eos) if ended else len(generated)
            results.append(
                Translation(
                    text=text, hit_max_length=not ended, target_tokens=n_tokens, score=score
                )
            )
        return results

    def _mean_log_probs(self, batch: Any, output: Any) -> list[float]:
        """Return each output's mean log-probability per token, end token included.

        The outputs are scored again in one teacher-forced pass (in slices of
        :data:`SCORE_ROWS` rows, so the logits of every position stay small)
        rather than kept from ``generate``: ``output_scores`` would hold
        beam x vocabulary scores for every step of the whole batch.
        """
        torch = self._torch
        targets = output[:, 1:]
        # Score each position up to and including the first end token.
        ends_before = torch.cumsum(targets == self._eos, dim=1) - (targets == self._eos).long()
        scored = ends_before == 0
        means: list[float] = []
        for start in range(0, output.shape[0], SCORE_ROWS):
            rows = slice(start, start + SCORE_ROWS)
            logits = self.model(
                input_ids=batch["input_ids"][rows],
                attention_mask=batch["attention_mask"][rows],
                decoder_input_ids=output[rows, :-1],
            ).logits.float()
            chosen = logits.gather(-1, targets[rows].unsqueeze(-1)).squeeze(-1)
            log_probs = chosen - logits.logsumexp(-1)
            mask = scored[rows]
            total = torch.where(mask, log_probs, torch.zeros_like(log_probs)).sum(dim=1)
            means.extend((total / mask.sum(dim=1)).tolist())
        return means
