"""SentencePiece tokenisation of a Marian (OPUS-MT) model folder, without torch.

This reproduces what ``MarianTokenizer`` does (source SentencePiece model,
pieces outside ``vocab.json`` become ``<unk>``, ``</s>`` appended; target
SentencePiece model to detokenise), so that token counts for batching and
splitting, and the CTranslate2 backend, need neither torch nor transformers.
A test checks it against ``MarianTokenizer`` token for token.
"""

from __future__ import annotations

import json
from pathlib import Path

import sentencepiece as spm

EOS = "</s>"
UNK = "<unk>"
PAD = "<pad>"


class MarianSpm:
    """Source and target SentencePiece models plus the shared vocabulary."""

    def __init__(self, model_dir: Path) -> None:
        self.model_dir = model_dir
        loading = model_dir / "source.spm"
        try:
            self.source = spm.SentencePieceProcessor(model_file=str(loading))
            loading = model_dir / "target.spm"
            self.target = spm.SentencePieceProcessor(model_file=str(loading))
            loading = model_dir / "vocab.json"
            with open(loading, encoding="utf-8") as f:
                self.vocab: dict[str, int] = json.load(f)
        except (OSError, RuntimeError, ValueError) as exc:  # ValueError: bad JSON or UTF-8
            from translate.hub import damaged_file

            raise damaged_file(loading, exc) from exc

    def source_pieces(self, text: str) -> list[str]:
        """Return the source pieces of ``text``, unknown pieces as ``<unk>``, plus ``</s>``."""
        pieces = self.source.encode(text, out_type=str)
        vocab = self.vocab
        return [p if p in vocab else UNK for p in pieces] + [EOS]

    def count(self, text: str) -> int:
        """Return how many source positions ``text`` takes, end token included."""
        return len(self.source.encode(text)) + 1

    def has_unknown(self, text: str) -> bool:
        """Return True when some piece of ``text`` is outside the model's vocabulary."""
        vocab = self.vocab
        return any(p not in vocab for p in self.source.encode(text, out_type=str))

    def detokenise(self, pieces: list[str]) -> str:
        """Return the text of target ``pieces`` exactly as ``MarianTokenizer.decode`` gives it.

        Special tokens (``<unk>`` too) are skipped, and the word marker of pieces
        the target model does not know (source-side pieces of the joint
        vocabulary, such as untranslated Greek) becomes a space.
        """
        kept = [p for p in pieces if p not in (EOS, PAD, UNK)]
        return str(self.target.decode_pieces(kept)).replace("\u2581", " ").strip()
