"""Build random-weight Marian models and Greek-like workloads for benchmarks.

A random model costs exactly what a trained one of the same shape costs per
decoding step; what differs is when it stops.  Untrained logits are nearly
flat, so a bias on the end token (``final_logits_bias``) makes the end token
win the argmax at some steps and not others; :func:`calibrate_eos_bias` picks
the bias that gives news-like output lengths with beam search.  Every system
decodes the same model and inputs, and the benchmark reports target tokens per
second so that any difference in the work done is visible.

Nothing here is imported by the ``translate`` package.
"""

from __future__ import annotations

import json
import random
import string
from dataclasses import dataclass
from pathlib import Path

#: Architecture of Helsinki-NLP/opus-mt-el-en (config.json of the hub model).
OPUS_MT_EL_EN = {
    "vocab_size": 58101,
    "d_model": 512,
    "encoder_layers": 6,
    "decoder_layers": 6,
    "encoder_attention_heads": 8,
    "decoder_attention_heads": 8,
    "encoder_ffn_dim": 2048,
    "decoder_ffn_dim": 2048,
}

#: A model small enough to translate 100,000 sentences in minutes.
TINY = {
    "vocab_size": 4001,
    "d_model": 64,
    "encoder_layers": 2,
    "decoder_layers": 2,
    "encoder_attention_heads": 4,
    "decoder_attention_heads": 4,
    "encoder_ffn_dim": 128,
    "decoder_ffn_dim": 128,
}

_GREEK_ONSETS = [
    "",
    "κ",
    "λ",
    "μ",
    "ν",
    "π",
    "ρ",
    "σ",
    "τ",
    "δ",
    "γ",
    "θ",
    "φ",
    "χ",
    "β",
    "στ",
    "πρ",
    "τρ",
    "κρ",
    "γρ",
    "σπ",
    "ντ",
    "μπ",
    "ξ",
    "ψ",
    "ζ",
]
_GREEK_VOWELS = ["α", "ε", "ι", "ο", "η", "ου", "ω", "υ", "αι", "ει", "οι"]
_GREEK_ACCENTED = ["ά", "έ", "ί", "ό", "ή", "ού", "ώ", "ύ", "αί", "εί", "οί"]
_GREEK_ENDINGS = ["", "", "ς", "ν", "ς", "ν", "σ"]
_LATIN_ONSETS = [
    "",
    "b",
    "c",
    "d",
    "f",
    "g",
    "h",
    "l",
    "m",
    "n",
    "p",
    "r",
    "s",
    "t",
    "w",
    "st",
    "pr",
    "tr",
    "th",
    "ch",
    "sh",
    "gr",
]
_LATIN_VOWELS = ["a", "e", "i", "o", "u", "ea", "ou", "ai", "ee"]
_LATIN_ENDINGS = ["", "", "s", "n", "t", "d", "r", "ng"]


@dataclass(frozen=True)
class Lexicon:
    """A Zipf-distributed vocabulary of made-up words in one script."""

    words: list[str]
    weights: list[float]

    def sentence(self, rng: random.Random, n_words: int) -> str:
        """Return a capitalised sentence of ``n_words`` words ending with a full stop."""
        words = rng.choices(self.words, weights=self.weights, k=n_words)
        out = []
        for i, word in enumerate(words):
            if i == 0 or rng.random() < 0.08:
                word = word[:1].upper() + word[1:]
            if 0 < i < n_words - 1 and rng.random() < 0.07:
                word += ","
            if rng.random() < 0.02:
                word = str(rng.randint(2, 2024))
            out.append(word)
        return " ".join(out) + "."


def _lexicon(rng: random.Random, size: int, greek: bool) -> Lexicon:
    onsets = _GREEK_ONSETS if greek else _LATIN_ONSETS
    vowels = _GREEK_VOWELS if greek else _LATIN_VOWELS
    endings = _GREEK_ENDINGS if greek else _LATIN_ENDINGS
    seen: set[str] = set()
    words: list[str] = []
    while len(words) < size:
        n = rng.choice([1, 1, 2, 2, 2, 3, 3, 4])
        stressed = rng.randrange(n) if greek and n > 1 else -1
        syllables = [
            rng.choice(onsets)
            + (rng.choice(_GREEK_ACCENTED) if i == stressed else rng.choice(vowels))
            for i in range(n)
        ]
        word = "".join(syllables) + rng.choice(endings)
        if word not in seen:
            seen.add(word)
            words.append(word)
    return Lexicon(words, [1.0 / (rank + 10) for rank in range(size)])


def news_lengths(rng: random.Random, n: int) -> list[int]:
    """Return ``n`` sentence lengths in words, shaped like Greek news (mean ~24, 4-70)."""
    return [max(4, min(70, round(rng.lognormvariate(3.1, 0.45)))) for _ in range(n)]


def greek_like_sentences(n: int, seed: int = 1) -> list[str]:
    """Return ``n`` Greek-like sentences with news lengths (deterministic for a seed)."""
    rng = random.Random(seed)
    lexicon = _lexicon(random.Random(1234), 12000, greek=True)
    return [lexicon.sentence(rng, k) for k in news_lengths(rng, n)]


def _train_spm(lines: list[str], prefix: Path, vocab_size: int, required_chars: str = "") -> None:
    import sentencepiece as spm

    text = prefix.with_suffix(".txt")
    text.write_text("\n".join(lines) + "\n", encoding="utf-8")
    spm.SentencePieceTrainer.train(
        input=str(text),
        model_prefix=str(prefix),
        vocab_size=vocab_size,
        character_coverage=1.0,
        model_type="unigram",
        bos_id=-1,
        eos_id=2,
        unk_id=1,
        pad_id=-1,
        minloglevel=2,
        num_threads=2,
        required_chars=required_chars,
    )
    text.unlink()


def _vocabulary(folder: Path, vocab_size: int) -> dict[str, int]:
    """Return a Marian-style joint vocabulary: </s>=0, <unk>=1, pieces, fillers, <pad> last."""
    import sentencepiece as spm

    vocab = {"</s>": 0, "<unk>": 1}
    for name in ("source.spm", "target.spm"):
        processor = spm.SentencePieceProcessor(model_file=str(folder / name))
        for i in range(processor.get_piece_size()):
            piece = processor.id_to_piece(i)
            if not processor.is_control(i) and not processor.is_unknown(i):
                vocab.setdefault(piece, len(vocab))
    if len(vocab) > vocab_size - 1:
        raise ValueError(f"vocabulary of {len(vocab)} pieces does not fit in {vocab_size}")
    filler = 0
    while len(vocab) < vocab_size - 1:
        vocab.setdefault(f"▁x{filler}", len(vocab))
        filler += 1
    vocab["<pad>"] = vocab_size - 1
    return vocab


def build_model(
    folder: Path,
    arch: dict[str, int],
    eos_bias: float = 0.0,
    seed: int = 0,
    spm_vocab: int = 8000,
) -> Path:
    """Save a random-weight MarianMTModel with SentencePiece tokenizers in ``folder``."""
    import torch
    from transformers import MarianConfig, MarianMTModel

    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    greek = _lexicon(random.Random(1234), 12000, greek=True)
    latin = _lexicon(random.Random(4321), 12000, greek=False)
    lengths = news_lengths(rng, 20000)
    _train_spm([greek.sentence(rng, k) for k in lengths], folder / "source", spm_vocab)
    # Every ASCII letter and digit is a target piece, as in opus-mt-el-en's vocabulary, though
    # the made-up English never uses k, y, j, q, v, x or z: a glossary term can then be spelt.
    _train_spm(
        [latin.sentence(rng, k) for k in lengths],
        folder / "target",
        spm_vocab,
        string.ascii_letters + string.digits,
    )
    for side in ("source", "target"):
        (folder / f"{side}.model").rename(folder / f"{side}.spm")
        (folder / f"{side}.vocab").unlink()
    vocab = _vocabulary(folder, arch["vocab_size"])
    (folder / "vocab.json").write_text(json.dumps(vocab, ensure_ascii=False), encoding="utf-8")
    (folder / "tokenizer_config.json").write_text(
        json.dumps(
            {
                "source_lang": "el",
                "target_lang": "en",
                "tokenizer_class": "MarianTokenizer",
                "model_max_length": 512,
            }
        ),
        encoding="utf-8",
    )

    pad = arch["vocab_size"] - 1
    config = MarianConfig(
        **arch,
        decoder_vocab_size=arch["vocab_size"],
        max_position_embeddings=512,
        activation_function="swish",
        scale_embedding=True,
        static_position_embeddings=True,
        share_encoder_decoder_embeddings=True,
        tie_word_embeddings=True,
        pad_token_id=pad,
        eos_token_id=0,
        decoder_start_token_id=pad,
        bos_token_id=0,
        forced_eos_token_id=0,
    )
    torch.manual_seed(seed)
    model = MarianMTModel(config).eval()
    with torch.no_grad():
        model.final_logits_bias[0, 0] = eos_bias
    model.generation_config.bad_words_ids = [[pad]]
    model.generation_config.num_beams = 4
    model.generation_config.max_length = 512
    model.save_pretrained(folder)
    return folder
