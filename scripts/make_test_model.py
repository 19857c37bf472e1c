"""Build the tiny Marian el-en model that the test suite translates with.

The real ``Helsinki-NLP/opus-mt-el-en`` weights cannot be fetched where the tests run, so this
script trains a small model of the same architecture (a ``MarianMTModel`` with the same special
tokens, shared vocabulary, sinusoidal positions and generation settings) until it reproduces
every English reference of ``tests/fixtures/parallel/el-en.tsv`` exactly, with greedy and beam-4
decoding (beam search also stopping as CTranslate2's does).  The model sees the Greek as
``translate.normalise.normalise`` gives it, as the pipeline feeds it.

Run from anywhere: ``python scripts/make_test_model.py``.  It is deterministic for a given
machine and library versions (fixed seeds, one thread, deterministic torch ops).
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import json
import random
import shutil
import string
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sentencepiece as spm
import torch

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from translate.normalise import normalise  # noqa: E402
from translate.tokenizer import EOS, PAD, UNK, MarianSpm  # noqa: E402

if TYPE_CHECKING:
    from transformers import MarianMTModel, MarianTokenizer

DEFAULT_TSV = REPO / "tests" / "fixtures" / "parallel" / "el-en.tsv"
DEFAULT_OUT = REPO / "tests" / "fixtures" / "tiny-marian-el-en"
TARGET_REQUIRED_CHARS = string.ascii_letters + string.digits
MAX_SOURCE_PIECES = 200
# Stop only once every reference token beats the runner-up by this many nats (teacher forced,
# dropout off), so that padding, batch composition, CTranslate2 or int8 are unlikely to flip one.
MIN_MARGIN = 2.0
# Share of decoder input tokens replaced by random ones in training.  The model learns to go
# on with the reference after a wrong token instead of skipping ahead, so that a beam which
# went astray ends no earlier than the reference: CTranslate2's beam search (and transformers'
# with early_stopping=True, as the project's backend runs it) stops once beam_size hypotheses
# have ended, and short strays ending first would push the reference out.
DECODER_NOISE = 0.15
# The decodings that must reproduce every reference: the model's own generation config
# (greedy and beam 4), and beam 4 stopping as CTranslate2 does.
DECODINGS: dict[str, dict[str, object]] = {
    "greedy": {"num_beams": 1},
    "beam4": {"num_beams": 4},
    "beam4 early-stopping": {"num_beams": 4, "early_stopping": True},
}


@dataclass(frozen=True)
class Pair:
    """One row of the parallel set: the original Greek, the model's input and the reference."""

    greek: str
    source: str
    reference: str


def read_pairs(path: Path) -> list[Pair]:
    """Return the rows of the tab-separated parallel file, header ``el<TAB>en`` skipped."""
    with path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE))
    if rows[0] != ["el", "en"]:
        raise SystemExit(f"{path}: expected the header 'el<TAB>en', got {rows[0]!r}")
    pairs = []
    for line_no, row in enumerate(rows[1:], start=2):
        if len(row) != 2 or not all(row):
            raise SystemExit(f"{path}:{line_no}: expected two non-empty fields, got {row!r}")
        pairs.append(Pair(greek=row[0], source=normalise(row[0]), reference=row[1]))
    return pairs


def train_spm(lines: list[str], seed: int, required_chars: str = "") -> bytes:
    """Return a serialised unigram SentencePiece model with as many pieces as ``lines`` allow.

    ``required_chars`` become pieces of their own even where ``lines`` never use them.
    """
    spm.set_random_generator_seed(seed)
    model = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(lines),
        model_writer=model,
        model_type="unigram",
        vocab_size=8000,
        hard_vocab_limit=False,
        character_coverage=1.0,
        num_threads=1,
        shuffle_input_sentence=False,
        input_sentence_size=0,
        minloglevel=2,
        required_chars=required_chars,
    )
    return model.getvalue()


def build_vocab(source_spm: bytes, target_spm: bytes) -> dict[str, int]:
    """Return an OPUS-MT style shared vocabulary: ``</s>``, ``<unk>``, pieces, ``<pad>`` last."""
    vocab = {EOS: 0, UNK: 1}
    for model in (source_spm, target_spm):
        processor = spm.SentencePieceProcessor(model_proto=model)
        for piece_id in range(processor.get_piece_size()):
            if processor.is_control(piece_id) or processor.is_unknown(piece_id):
                continue
            vocab.setdefault(processor.id_to_piece(piece_id), len(vocab))
    vocab[PAD] = len(vocab)
    return vocab


def write_tokenizer(out: Path, source_spm: bytes, target_spm: bytes, vocab: dict[str, int]) -> None:
    """Write the files ``MarianTokenizer.from_pretrained`` reads."""
    (out / "source.spm").write_bytes(source_spm)
    (out / "target.spm").write_bytes(target_spm)
    (out / "vocab.json").write_text(
        json.dumps(vocab, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    config = {
        "source_lang": "el",
        "target_lang": "en",
        "model_max_length": 512,
        "separate_vocabs": False,
        "unk_token": UNK,
        "eos_token": EOS,
        "pad_token": PAD,
        "tokenizer_class": "MarianTokenizer",
    }
    (out / "tokenizer_config.json").write_text(
        json.dumps(config, indent=2) + "\n", encoding="utf-8"
    )


def build_model(vocab_size: int, pad_id: int) -> MarianMTModel:
    """Return an untrained small model configured like opus-mt-el-en, ``<pad>`` row zeroed."""
    from transformers import GenerationConfig, MarianConfig, MarianMTModel

    # Keys of opus-mt-el-en's config.json that MarianConfig does not declare; kept so that the
    # fixture's config reads like the real one (CTranslate2's converter sets the first two).
    opus_mt_keys: dict[str, Any] = {
        "normalize_before": False,
        "normalize_embedding": False,
        "static_position_embeddings": True,
        "add_final_layer_norm": False,
        "add_bias_logits": False,
    }
    config = MarianConfig(
        architectures=["MarianMTModel"],
        vocab_size=vocab_size,
        decoder_vocab_size=vocab_size,
        d_model=128,
        encoder_layers=2,
        decoder_layers=2,
        encoder_attention_heads=4,
        decoder_attention_heads=4,
        encoder_ffn_dim=256,
        decoder_ffn_dim=256,
        activation_function="swish",
        dropout=0.1,
        attention_dropout=0.0,
        activation_dropout=0.0,
        scale_embedding=True,
        share_encoder_decoder_embeddings=True,
        tie_word_embeddings=True,
        max_position_embeddings=512,
        pad_token_id=pad_id,
        decoder_start_token_id=pad_id,
        bos_token_id=0,
        eos_token_id=0,
        forced_eos_token_id=0,
        **opus_mt_keys,
    )
    model = MarianMTModel(config)
    # As in the OPUS-MT checkpoints; renormalising after banning <pad> matches CTranslate2,
    # whose converted vocabulary has no <pad> at all.
    model.generation_config = GenerationConfig(  # type: ignore[no-untyped-call]
        bad_words_ids=[[pad_id]],
        bos_token_id=0,
        decoder_start_token_id=pad_id,
        eos_token_id=0,
        forced_eos_token_id=0,
        pad_token_id=pad_id,
        max_length=512,
        num_beams=4,
        renormalize_logits=True,
    )
    zero_pad_row(model, pad_id)
    return model


def zero_pad_row(model: MarianMTModel, pad_id: int) -> None:
    """Zero the ``<pad>`` embedding: Marian and CTranslate2 start decoding from a zero vector.

    transformers leaves that row random, and the tied output projection trains it.
    """
    with torch.no_grad():
        model.model.shared.weight[pad_id].zero_()


@dataclass(frozen=True)
class Batch:
    """The whole parallel set as one padded teacher-forcing batch."""

    input_ids: torch.Tensor
    attention_mask: torch.Tensor
    decoder_input_ids: torch.Tensor
    labels: torch.Tensor


def make_batch(tokenizer: MarianTokenizer, pairs: list[Pair], pad_id: int) -> Batch:
    """Return the padded batch; decoder inputs are ``<pad>`` followed by the labels shifted."""
    encoded = tokenizer([p.source for p in pairs], padding=True, return_tensors="pt")
    targets = tokenizer(text_target=[p.reference for p in pairs])["input_ids"]
    width = max(len(t) for t in targets)
    labels = torch.full((len(pairs), width), -100, dtype=torch.long)
    decoder_input_ids = torch.full((len(pairs), width), pad_id, dtype=torch.long)
    for row, target in enumerate(targets):
        labels[row, : len(target)] = torch.tensor(target)
        decoder_input_ids[row, 1 : len(target)] = torch.tensor(target[:-1])
    return Batch(encoded["input_ids"], encoded["attention_mask"], decoder_input_ids, labels)


def translate(
    model: MarianMTModel, tokenizer: MarianTokenizer, sources: list[str], **settings: object
) -> list[str]:
    """Return the decoded translations, detokenised with the target SentencePiece model."""
    encoded = tokenizer(sources, padding=True, return_tensors="pt")
    with torch.no_grad():
        generated = model.generate(**encoded, do_sample=False, **settings)
    # MarianTokenizer decodes with the source model by default when the vocabulary is shared.
    texts = tokenizer.batch_decode(  # type: ignore[no-untyped-call]
        generated, skip_special_tokens=True, use_source_tokenizer=False
    )
    return [str(text) for text in texts]


def count_exact(outputs: list[str], pairs: list[Pair]) -> int:
    """Return how many outputs equal their reference."""
    return sum(out == p.reference for out, p in zip(outputs, pairs, strict=True))


def exact_counts(model: MarianMTModel, tokenizer: MarianTokenizer, pairs: list[Pair]) -> str:
    """Return a line of how many references each of :data:`DECODINGS` reproduces, or ''."""
    sources = [p.source for p in pairs]
    counts = {}
    for name, settings in DECODINGS.items():
        counts[name] = count_exact(translate(model, tokenizer, sources, **settings), pairs)
        if counts[name] != len(pairs):
            break
    return ", ".join(f"{name} {n}/{len(pairs)} exact" for name, n in counts.items())


def add_noise(decoder_input_ids: torch.Tensor, labels: torch.Tensor, pad_id: int) -> torch.Tensor:
    """Return the decoder inputs with :data:`DECODER_NOISE` of the tokens after the first random."""
    noisy = decoder_input_ids.clone()
    chosen = torch.rand(noisy.shape) < DECODER_NOISE
    chosen[:, 0] = False
    chosen &= labels != -100
    # Ids 0 and 1 are </s> and <unk>, pad_id is last: draw from the pieces between.
    noisy[chosen] = torch.randint(2, pad_id, (int(chosen.sum()),))
    return noisy


def train(
    model: MarianMTModel,
    tokenizer: MarianTokenizer,
    pairs: list[Pair],
    pad_id: int,
    max_steps: int,
    check_every: int,
) -> int:
    """Train until greedy and beam-4 decoding reproduce every reference; return the steps."""
    batch = make_batch(tokenizer, pairs, pad_id)
    optimiser = torch.optim.Adam(model.parameters(), lr=2e-3, betas=(0.9, 0.98), eps=1e-9)
    # Linear warm-up, then inverse square root decay, as Marian trains.
    warmup = 50
    scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimiser, lambda step: min((step + 1) / warmup, (warmup / (step + 1)) ** 0.5)
    )
    started = time.perf_counter()
    for step in range(1, max_steps + 1):
        model.train()
        out = model(
            input_ids=batch.input_ids,
            attention_mask=batch.attention_mask,
            decoder_input_ids=add_noise(batch.decoder_input_ids, batch.labels, pad_id),
            labels=batch.labels,
        )
        optimiser.zero_grad()
        out.loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimiser.step()
        scheduler.step()
        zero_pad_row(model, pad_id)
        if step % check_every:
            continue
        margin = min_margin(model, batch, pad_id)
        elapsed = time.perf_counter() - started
        print(f"step {step} loss {out.loss.item():.4f} min margin {margin:.2f} {elapsed:.0f}s")
        if margin < MIN_MARGIN:
            continue
        counts = exact_counts(model, tokenizer, pairs)
        print(f"  {counts}")
        if counts.count(f"{len(pairs)}/{len(pairs)}") == len(DECODINGS):
            return step
    raise SystemExit(f"no exact reproduction after {max_steps} steps")


def min_margin(model: MarianMTModel, batch: Batch, pad_id: int) -> float:
    """Return the smallest gap between a reference token's logit and the best other one."""
    model.eval()  # type: ignore[no-untyped-call]
    with torch.no_grad():
        logits = model(
            input_ids=batch.input_ids,
            attention_mask=batch.attention_mask,
            decoder_input_ids=batch.decoder_input_ids,
        ).logits
    logits[..., pad_id] = float("-inf")
    mask = batch.labels != -100
    labels = batch.labels.clamp(min=0).unsqueeze(-1)
    reference = logits.gather(-1, labels).squeeze(-1)
    runner_up = logits.scatter(-1, labels, float("-inf")).max(-1).values
    return float((reference - runner_up)[mask].min())


def weights_digest(model: MarianMTModel) -> str:
    """Return a sha256 over the state dict, names and values, in name order."""
    digest = hashlib.sha256()
    for name, tensor in sorted(model.state_dict().items()):
        digest.update(name.encode())
        digest.update(tensor.detach().contiguous().numpy().tobytes())
    return digest.hexdigest()


def verify_saved(out: Path, pairs: list[Pair], pad_id: int) -> None:
    """Reload the saved folder as a user would and check every reference and the pad row."""
    from transformers import MarianMTModel, MarianTokenizer

    tokenizer = MarianTokenizer.from_pretrained(out, local_files_only=True)
    model = MarianMTModel.from_pretrained(out, local_files_only=True)
    model.eval()  # type: ignore[no-untyped-call]
    if model.model.shared.weight[pad_id].abs().max().item() != 0.0:
        raise SystemExit("the saved <pad> embedding row is not zero")
    counts = exact_counts(model, tokenizer, pairs)
    # The pipeline batches sentences its own way: each must come out the same on its own.
    sources = [p.source for p in pairs]
    settings = DECODINGS["beam4 early-stopping"]
    alone = [translate(model, tokenizer, [source], **settings)[0] for source in sources]
    n = len(pairs)
    alone_exact = count_exact(alone, pairs)
    print(f"transformers: {counts}, beam4 early-stopping one at a time {alone_exact}/{n} exact")
    marian_spm = MarianSpm(out)
    encoded = tokenizer(sources, return_tensors=None)["input_ids"]
    ids_agree = sum(
        [marian_spm.vocab[p] for p in marian_spm.source_pieces(src)] == ids
        for src, ids in zip(sources, encoded, strict=True)
    )
    generated = [
        tokenizer.convert_ids_to_tokens(tokenizer(text_target=p.reference)["input_ids"])
        for p in pairs
    ]
    detok_agree = sum(
        marian_spm.detokenise(pieces) == p.reference
        for pieces, p in zip(generated, pairs, strict=True)
    )
    print(f"MarianSpm: source ids {ids_agree}/{n} agree, detokenise {detok_agree}/{n} agree")
    if counts.count(f"{n}/{n}") != len(DECODINGS) or alone_exact != n:
        raise SystemExit("the saved model does not reproduce every reference")


def check_ctranslate2(out: Path, pairs: list[Pair]) -> None:
    """Convert the saved model with CTranslate2 and report how many references it reproduces."""
    try:
        import ctranslate2
    except ImportError:
        print("ctranslate2: not installed, skipped")
        return
    marian_spm = MarianSpm(out)
    batch = [marian_spm.source_pieces(p.source) for p in pairs]
    with tempfile.TemporaryDirectory() as tmp:
        converted = Path(tmp) / "ct2"
        ctranslate2.converters.TransformersConverter(str(out)).convert(
            str(converted), quantization=None
        )
        for compute_type in ("float32", "int8"):
            translator = ctranslate2.Translator(
                str(converted), device="cpu", compute_type=compute_type
            )
            counts = []
            for beams in (1, 4):
                results = translator.translate_batch(batch, beam_size=beams)
                outputs = [marian_spm.detokenise(r.hypotheses[0]) for r in results]
                counts.append(count_exact(outputs, pairs))
            n = len(pairs)
            print(
                f"ctranslate2 {compute_type}: greedy {counts[0]}/{n} exact, "
                f"beam4 {counts[1]}/{n} exact"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tsv", type=Path, default=DEFAULT_TSV, help="parallel el<TAB>en file")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="model folder to write")
    parser.add_argument("--seed", type=int, default=1234)
    parser.add_argument("--max-steps", type=int, default=4000)
    parser.add_argument("--check-every", type=int, default=25)
    # One thread: the same result on any machine with these library versions, and no slowdown
    # from oversubscription when the cores are busy.
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()

    from transformers import MarianTokenizer
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()  # type: ignore[no-untyped-call]
    hf_logging.disable_progress_bar()  # type: ignore[no-untyped-call]
    random.seed(args.seed)
    torch.manual_seed(args.seed)
    torch.use_deterministic_algorithms(True)
    torch.set_num_threads(args.threads)

    pairs = read_pairs(args.tsv)
    source_spm = train_spm([p.source for p in pairs], args.seed)
    # Every ASCII letter and digit, as opus-mt-el-en's vocabulary has them: a glossary's
    # English (New York, SYRIZA) can then be spelt by the test model too, although the
    # references never use Y or Z.
    target_spm = train_spm([p.reference for p in pairs], args.seed, TARGET_REQUIRED_CHARS)
    vocab = build_vocab(source_spm, target_spm)
    piece_counts = [
        spm.SentencePieceProcessor(model_proto=m).get_piece_size() for m in (source_spm, target_spm)
    ]
    print(f"SentencePiece pieces: source {piece_counts[0]}, target {piece_counts[1]}")
    pad_id = vocab[PAD]

    args.out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{args.out.name}-", dir=args.out.parent))
    staging.chmod(0o755)
    try:
        write_tokenizer(staging, source_spm, target_spm, vocab)
        tokenizer = MarianTokenizer.from_pretrained(staging, local_files_only=True)
        lengths = [len(ids) for ids in tokenizer([p.source for p in pairs])["input_ids"]]
        print(f"{len(pairs)} pairs, vocabulary {len(vocab)}, max source pieces {max(lengths)}")
        if max(lengths) >= MAX_SOURCE_PIECES:
            raise SystemExit(f"a source sentence takes {max(lengths)} pieces")

        model = build_model(len(vocab), pad_id)
        started = time.perf_counter()
        steps = train(model, tokenizer, pairs, pad_id, args.max_steps, args.check_every)
        print(f"trained in {steps} steps, {time.perf_counter() - started:.0f}s")
        print(f"weights sha256 {weights_digest(model)}")
        model.save_pretrained(staging)
        verify_saved(staging, pairs, pad_id)
        if args.out.exists():
            shutil.rmtree(args.out)
        staging.rename(args.out)
    finally:
        if staging.exists():
            shutil.rmtree(staging)
    check_ctranslate2(args.out, pairs)


if __name__ == "__main__":
    main()
