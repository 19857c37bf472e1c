"""Throughput of el2en's backends on a model of opus-mt-el-en's exact architecture.

    python benchmarks/throughput.py            # full run, ~10 minutes on 2 cores
    python benchmarks/throughput.py --quick    # smaller workload, ~3 minutes
    python benchmarks/throughput.py --memory   # el2en peak RSS on 10,000 and 100,000 sentences

The first run builds, outside the repository (``--work``, default
``~/.cache/el2en-bench``), a random-weight MarianMTModel with opus-mt-el-en's
architecture and SentencePiece tokenizers trained on Greek-like text, plus a
workload of Greek-like sentences with news lengths; later runs reuse them.  A
bias on the end token makes beam search stop after a news-like number of
target tokens (about 32 for 35 source tokens), so every system does realistic
work; the table reports target tokens per second so that any difference in
the work done shows.

Each system runs in its own process, so its peak RSS is its own: the naive
transformers loop (one sentence per generate(), on a subset), transformers on
batches of 32 sorted by length, CTranslate2 int8 ``translate_batch`` on
batches of 32 sorted by length (timed with SentencePiece encoding and decoding,
which any caller needs), and ``el2en translate`` end to end on a file (reading,
segmenting, batching, writing JSONL) with each backend.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(HERE))

#: Bump when the model or workload recipe changes, so that old builds are not reused.
RECIPE = "v1"
#: End-token biases that give news-like lengths with beam 4 (measured, see module doc).
OPUS_EOS_BIAS = 1.45
TINY_EOS_BIAS = 0.8
BATCH = 32
BEAM = 4
MAX_OUTPUT_TOKENS = 256


# --- set-up ---------------------------------------------------------------------------


def build_once(folder: Path, arch: str, eos_bias: float, spm_vocab: int) -> Path:
    """Return a random Marian model folder, building it first if needed (in a subprocess)."""
    if (folder / "model.safetensors").is_file():
        return folder
    staging = folder.with_name(folder.name + ".tmp")
    shutil.rmtree(staging, ignore_errors=True)
    log(f"building {arch} random model in {folder} (once) ...")
    code = (
        "import sys; from pathlib import Path; import random_marian as rm; "
        f"rm.build_model(Path(sys.argv[1]), rm.{arch}, eos_bias={eos_bias}, "
        f"spm_vocab={spm_vocab})"
    )
    subprocess.run(
        [sys.executable, "-c", code, str(staging)],
        check=True,
        cwd=HERE,
        env=_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    staging.rename(folder)
    return folder


def workload(n: int, seed: int) -> list[str]:
    """Return ``n`` Greek-like sentences, already in the form el2en feeds the model."""
    from random_marian import greek_like_sentences

    from translate.normalise import normalise

    sentences = greek_like_sentences(n, seed=seed)
    changed = [s for s in sentences if normalise(s) != s]
    if changed:
        raise SystemExit(f"workload is not normalisation-stable: {changed[0]!r}")
    return sentences


def write_document(sentences: list[str], path: Path) -> None:
    """Write one sentence per paragraph, so that segmentation gives back exactly these."""
    path.write_text("\n\n".join(sentences) + "\n", encoding="utf-8")


def convert_once(model_dir: Path, store: Path, quantization: str) -> Path:
    os.environ["EL2EN_MODELS_DIR"] = str(store)
    from translate.convert import ensure_converted
    from translate.hub import resolve_model

    return ensure_converted(resolve_model(str(model_dir)), quantization)


def _env(store: Path | None = None) -> dict[str, str]:
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(REPO), str(HERE)]),
        "TOKENIZERS_PARALLELISM": "false",
        "HF_HUB_OFFLINE": "1",
    }
    if store is not None:
        env["EL2EN_MODELS_DIR"] = str(store)
    return env


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --- workers: one process per system --------------------------------------------------


def by_length(sentences: list[str], count: Any) -> list[list[int]]:
    """Return batches of indices, BATCH sentences each, sorted by source length."""
    order = sorted(range(len(sentences)), key=lambda i: count(sentences[i]))
    return [order[i : i + BATCH] for i in range(0, len(order), BATCH)]


def worker(system: str, model_dir: Path, input_file: Path, threads: int) -> dict[str, Any]:
    """Translate ``input_file`` (one sentence per line) with one system; return its figures."""
    sentences = input_file.read_text(encoding="utf-8").splitlines()
    started = time.perf_counter()
    if system == "ct2-int8":
        translate, count = _raw_ct2(model_dir, threads)
    else:
        translate, count = _transformers(model_dir, threads)
    load = time.perf_counter() - started
    batches = (
        [[i] for i in range(len(sentences))] if system == "naive" else by_length(sentences, count)
    )
    tokens = [0] * len(sentences)
    started = time.perf_counter()
    for batch in batches:
        for i, n in zip(batch, translate([sentences[i] for i in batch]), strict=True):
            tokens[i] = n
    seconds = time.perf_counter() - started
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    return {
        "sentences": len(sentences),
        "seconds": seconds,
        "target_tokens": sum(tokens),
        "load_s": load,
        "peak_rss": rss,
        "torch": "torch" in sys.modules,
    }


def _raw_ct2(model_dir: Path, threads: int) -> tuple[Any, Any]:
    import ctranslate2
    import sentencepiece as spm

    source = spm.SentencePieceProcessor(model_file=str(model_dir / "source.spm"))
    target = spm.SentencePieceProcessor(model_file=str(model_dir / "target.spm"))
    translator = ctranslate2.Translator(str(model_dir), compute_type="int8", intra_threads=threads)

    def translate(batch: list[str]) -> list[int]:
        pieces = [[*p, "</s>"] for p in source.encode(batch, out_type=str)]
        results = translator.translate_batch(
            pieces,
            beam_size=BEAM,
            max_decoding_length=MAX_OUTPUT_TOKENS,
            min_decoding_length=0,
            max_input_length=0,
            return_end_token=True,
        )
        hypotheses = [r.hypotheses[0] for r in results]
        target.decode_pieces([[p for p in h if p != "</s>"] for h in hypotheses])
        return [len(h) - (h[-1:] == ["</s>"]) for h in hypotheses]

    return translate, lambda s: len(source.encode(s))


def _transformers(model_dir: Path, threads: int) -> tuple[Any, Any]:
    from translate.backends import DecodeOptions
    from translate.backends.hf import TransformersBackend
    from translate.hub import resolve_model

    options = DecodeOptions(beam_size=BEAM, max_output_tokens=MAX_OUTPUT_TOKENS, threads=threads)
    backend = TransformersBackend(resolve_model(str(model_dir)), options)

    def translate(batch: list[str]) -> list[int]:
        return [t.target_tokens for t in backend.translate_batch(batch)]

    return translate, lambda s: len(backend.tokenizer(s).input_ids)


def run_worker(
    system: str, model_dir: Path, sentences: list[str], work: Path, threads: int
) -> dict[str, Any]:
    """Run one system in a fresh process and return its figures."""
    input_file = work / f"input-{system}.txt"
    input_file.write_text("\n".join(sentences) + "\n", encoding="utf-8")
    result = subprocess.run(
        [
            sys.executable,
            __file__,
            "--worker",
            system,
            "--model",
            str(model_dir),
            "--input",
            str(input_file),
            "--threads",
            str(threads),
        ],
        capture_output=True,
        text=True,
        env=_env(),
        check=False,
    )
    if result.returncode != 0:
        raise SystemExit(f"{system} failed:\n{result.stderr[-3000:]}")
    figures: dict[str, Any] = json.loads(result.stdout.splitlines()[-1])
    return figures


def el2en_command() -> list[str]:
    found = shutil.which("el2en")
    return [found] if found else [sys.executable, "-m", "translate"]


def run_el2en(
    model_dir: Path,
    sentences: list[str],
    work: Path,
    store: Path,
    backend: str,
    threads: int,
    name: str,
) -> dict[str, Any]:
    """Run ``el2en translate`` on a file in a child process; return wall time and peak RSS."""
    document = work / f"{name}.txt"
    output = work / f"{name}.jsonl"
    write_document(sentences, document)
    command = [
        *el2en_command(),
        "translate",
        str(document),
        "-o",
        str(output),
        "--format",
        "jsonl",
        "--model",
        str(model_dir),
        "--backend",
        backend,
        "--beam",
        str(BEAM),
        "--threads",
        str(threads),
        "-q",
    ]
    # A fresh wrapper per run: RUSAGE_CHILDREN's peak is then this child's alone.
    wrapper = (
        "import resource, subprocess, sys, time; t = time.perf_counter(); "
        "r = subprocess.run(sys.argv[1:], capture_output=True, text=True); "
        "print(r.returncode, time.perf_counter() - t, "
        "resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024); "
        "print(r.stderr[-3000:], file=sys.stderr)"
    )
    result = subprocess.run(
        [sys.executable, "-c", wrapper, *command],
        capture_output=True,
        text=True,
        env=_env(store),
        check=False,
    )
    code, seconds, rss = result.stdout.split()
    if code != "0":
        raise SystemExit(f"el2en failed ({' '.join(command)}):\n{result.stderr}")
    lines = output.read_text(encoding="utf-8").splitlines()
    rows = [row for row in map(json.loads, lines) if "el" in row]  # the first is a header
    return {
        "sentences": len(sentences),
        "rows": len(rows),
        "seconds": float(seconds),
        "peak_rss": int(rss),
        "load_s": None,
        "output": output,
    }


# --- report ---------------------------------------------------------------------------


def machine() -> str:
    cpu = platform.processor() or "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import ctranslate2

    versions = f"python {platform.python_version()}, ctranslate2 {ctranslate2.__version__}"
    try:
        from importlib.metadata import version

        versions += f", torch {version('torch')}, transformers {version('transformers')}"
    except Exception:  # versions are informative only
        pass
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{cpu}, {os.cpu_count()} cores, {memory:.0f} GiB RAM; {platform.system()}; {versions}"


def table(rows: list[tuple[str, dict[str, Any]]], naive_rate: float) -> str:
    header = (
        f"{'system':<34} {'sents':>6} {'sent/s':>8} {'tgt tok/s':>10} {'x naive':>8} "
        f"{'load s':>7} {'peak RSS MB':>12} {'tgt tok/sent':>13}"
    )
    lines = [header, "-" * len(header)]
    for name, r in rows:
        rate = r["sentences"] / r["seconds"]
        load = f"{r['load_s']:.2f}" if r.get("load_s") is not None else "-"
        token_rate = r["target_tokens"] / r["seconds"]
        lines.append(
            f"{name:<34} {r['sentences']:>6} {rate:>8.2f} {token_rate:>10.0f} "
            f"{rate / naive_rate:>7.1f}x {load:>7} {r['peak_rss'] / 1e6:>12.0f} "
            f"{r['target_tokens'] / r['sentences']:>13.1f}"
        )
    return "\n".join(lines)


def throughput(args: argparse.Namespace) -> None:
    work: Path = args.work
    work.mkdir(parents=True, exist_ok=True)
    store = work / "store"
    model_dir = build_once(
        work / f"opus-mt-el-en-arch-random-{RECIPE}", "OPUS_MT_EL_EN", OPUS_EOS_BIAS, 8000
    )
    converted = convert_once(model_dir, store, "int8")
    sentences = workload(args.sentences, seed=7)
    naive = sentences[: args.naive]
    subset = sentences[: args.hf_sentences]
    print(f"# el2en throughput benchmark: {' '.join(sys.argv[1:]) or '(defaults)'}")
    print(f"# machine: {machine()}")
    print(
        f"# model: random weights, opus-mt-el-en architecture, end-token bias {OPUS_EOS_BIAS};"
        f" {model_dir}"
    )
    print(
        f"# workload: {len(sentences)} Greek-like sentences, beam {BEAM}, batches of {BATCH};"
        f" transformers on the first {len(subset)}, the naive loop on the first {len(naive)};"
        f" {args.threads} threads"
    )
    rows: list[tuple[str, dict[str, Any]]] = []
    systems = [
        ("transformers naive (1 per generate)", "naive", naive, model_dir),
        ("transformers batched (32, sorted)", "hf-batched", subset, model_dir),
        ("ctranslate2 int8 raw (32, sorted)", "ct2-int8", sentences, converted),
    ]
    for name, system, inputs, folder in systems:
        log(f"running {name} ...")
        rows.append((name, run_worker(system, folder, inputs, work, args.threads)))
        log(f"  {rows[-1][1]['seconds']:.1f} s")
    raw = rows[-1][1]
    for backend in ("ctranslate2", "transformers"):
        name = f"el2en e2e --backend {backend}"
        log(f"running {name} ...")
        inputs = sentences if backend == "ctranslate2" else subset
        result = run_el2en(model_dir, inputs, work, store, backend, args.threads, f"e2e-{backend}")
        result.pop("output")
        # The same backend's raw run on the same sentences: its own outputs' token counts
        # (re-encoding el2en's text would not give back the generated pieces).
        result["target_tokens"] = rows[2 if backend == "ctranslate2" else 1][1]["target_tokens"]
        if result["rows"] != len(inputs):
            log(f"warning: {name} wrote {result['rows']} rows for {len(inputs)} sentences")
        rows.append((name, result))
        log(f"  {result['seconds']:.1f} s")
    naive_rate = rows[0][1]["sentences"] / rows[0][1]["seconds"]
    print(table(rows, naive_rate))
    e2e = rows[3][1]
    ratio = (e2e["sentences"] / e2e["seconds"]) / (raw["sentences"] / raw["seconds"])
    one = run_el2en(model_dir, sentences[:1], work, store, "auto", args.threads, "one")
    steady = (e2e["sentences"] / (e2e["seconds"] - one["seconds"])) / (
        raw["sentences"] / raw["seconds"]
    )
    print(
        f"el2en e2e (default backend) / raw CT2 int8: {ratio:.2f}x wall, including process"
        f" start and model load; {steady:.2f}x without them (the one-sentence run's wall time"
        f" subtracted)  (target >= 0.95x)"
    )
    print(
        f"el2en e2e (default backend) / naive: "
        f"{e2e['sentences'] / e2e['seconds'] / naive_rate:.1f}x  (target >= 20x)"
    )
    print(
        f"el2en e2e (default backend) peak RSS: {e2e['peak_rss'] / 1e6:.0f} MB  (target <= 700 MB)"
    )
    print(
        f"el2en one-sentence file, default backend, converted model: {one['seconds']:.2f} s"
        f" wall  (target <= 3 s)"
    )
    print(f"torch imported by raw CT2 worker: {raw['torch']}")


def memory(args: argparse.Namespace) -> None:
    work: Path = args.work
    work.mkdir(parents=True, exist_ok=True)
    store = work / "store"
    model_dir = build_once(work / f"tiny-random-{RECIPE}", "TINY", TINY_EOS_BIAS, 1500)
    convert_once(model_dir, store, "int8")
    print(f"# el2en memory flatness: {' '.join(sys.argv[1:])}")
    print(f"# machine: {machine()}")
    print(
        f"# model: a TINY random Marian (d_model 64, 2+2 layers, vocabulary 4,001, about 6"
        f" target tokens per sentence) so that {max(args.memory_sizes):,} sentences run in"
        f" minutes: this measures the pipeline's streaming, not the decoder"
    )
    results = []
    for n in args.memory_sizes:
        log(f"running el2en on {n:,} sentences ...")
        r = run_el2en(
            model_dir, workload(n, seed=11), work, store, "auto", args.threads, f"memory-{n}"
        )
        r["output"].unlink()
        results.append((n, r))
        print(
            f"{n:>8,} sentences: peak RSS {r['peak_rss'] / 1e6:6.0f} MB, "
            f"{n / r['seconds']:7.0f} sent/s, {r['rows']:,} rows"
        )
    low, high = results[0][1]["peak_rss"], results[-1][1]["peak_rss"]
    print(
        f"peak RSS {results[-1][0]:,} vs {results[0][0]:,} sentences: "
        f"{(high - low) / low * 100:+.1f}%  (target within 10%)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--work",
        type=Path,
        default=Path.home() / ".cache" / "el2en-bench",
        help="where the models, store and inputs are built (outside the repo)",
    )
    parser.add_argument("--sentences", type=int, default=480)
    parser.add_argument(
        "--naive", type=int, default=24, help="sentences for the naive one-per-generate() loop"
    )
    parser.add_argument(
        "--hf-sentences",
        type=int,
        default=128,
        help="sentences for batched transformers and el2en --backend transformers",
    )
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    parser.add_argument(
        "--quick",
        action="store_true",
        help="96 sentences, 64 for transformers, 8 naive; memory sizes 2,000 and 20,000",
    )
    parser.add_argument(
        "--memory", action="store_true", help="measure el2en peak RSS on growing inputs instead"
    )
    parser.add_argument(
        "--memory-sizes", type=lambda s: [int(x) for x in s.split(",")], default=[10_000, 100_000]
    )
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--model", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--input", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(args.worker, args.model, args.input, args.threads)))
        return
    if args.quick:
        args.sentences, args.naive = min(args.sentences, 96), min(args.naive, 8)
        args.hf_sentences = min(args.hf_sentences, 64)
        args.memory_sizes = [2_000, 20_000]
    started = time.perf_counter()
    memory(args) if args.memory else throughput(args)
    print(f"# total {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
