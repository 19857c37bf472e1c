"""SentencePiece tokenisation of a Marian (OPUS-MT) model folder, without torch.

This reproduces what ``MarianTokenizer`` does (source SentencePiece model,
pieces outside ``vocab.json`` become ``<unk>``, ``</s>`` appended; target
SentencePiece model to detokenise), so that token counts for batching and
splitting, and the CTranslate2 backend, need neither torch nor transformers.
A test checks it against ``MarianTokenizer`` token for token.
"""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from pathlib import Path

import sentencepiece as spm

from translate.modelfiles import TOKENIZER_FILES, damaged_file

EOS = "</s>"
UNK = "<unk>"
PAD = "<pad>"


class MarianSpm:
    """Source and target SentencePiece models plus the shared vocabulary.

    Loading them takes tens of milliseconds for OPUS-MT (a 58,101-entry JSON
    vocabulary, two SentencePiece models), and a run needs them twice: the
    pipeline counts tokens with the model's folder, the CTranslate2 backend
    with the copies in its conversion.  Folders whose files are the same share
    one loaded copy (nothing changes them once loaded).
    """

    def __init__(self, model_dir: Path) -> None:
        self.model_dir = model_dir
        self.source, self.target, self.vocab = _load(_fingerprint(model_dir), model_dir)

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


def _fingerprint(model_dir: Path) -> str:
    """Return a digest of the tokenizer files' contents (about 2 ms for OPUS-MT's)."""
    digest = hashlib.sha256()
    for name in TOKENIZER_FILES:
        digest.update(name.encode())
        try:
            digest.update((model_dir / name).read_bytes())
        except OSError as exc:
            raise damaged_file(model_dir / name, exc) from exc
    return digest.hexdigest()


@lru_cache(maxsize=4)
def _load(
    fingerprint: str, model_dir: Path
) -> tuple[spm.SentencePieceProcessor, spm.SentencePieceProcessor, dict[str, int]]:
    """Return the loaded files of ``model_dir``, once per distinct ``fingerprint``."""
    loading = model_dir / "source.spm"
    try:
        source = spm.SentencePieceProcessor(model_file=str(loading))
        loading = model_dir / "target.spm"
        target = spm.SentencePieceProcessor(model_file=str(loading))
        loading = model_dir / "vocab.json"
        with open(loading, encoding="utf-8") as f:
            vocab: dict[str, int] = json.load(f)
    except (OSError, RuntimeError, ValueError) as exc:  # ValueError: bad JSON or UTF-8
        raise damaged_file(loading, exc) from exc
    return source, target, vocab
