"""Throughput of el2en on a model of opus-mt-el-en's exact architecture.

    python benchmarks/throughput.py                  # full run: 2,000 sentences (quiet machine!)
    python benchmarks/throughput.py --sentences 200  # a short check
    python benchmarks/throughput.py --memory         # el2en peak RSS, 10,000 and 100,000 sentences
    python benchmarks/throughput.py --busy --sentences 256   # thread splits beside a CPU hog

The first run builds, outside the repository (``--work``, default
``~/.cache/el2en-bench``), a random-weight MarianMTModel with opus-mt-el-en's
architecture and SentencePiece tokenizers trained on Greek-like text, plus a
workload of Greek-like sentences with news lengths; later runs reuse them.  A
bias on the end token makes beam search stop after a news-like number of
target tokens (about 32 for 35 source tokens), so every system does realistic
work; the table reports target tokens per second so that any difference in
the work done shows.

One run prints, on the same sentences, each system in its own process (so
its peak RSS is its own):

- raw CTranslate2 int8 in its usual configuration (one translator,
  ``inter_threads=1``, every thread on each batch, batches of 32 sorted by
  length), timing ``translate_batch`` alone with the model loaded and the
  input already tokenised;
- raw CTranslate2 in other thread splits (``--configs``), several batches in
  flight at once; the best of them is the engine's best here;
- ``el2en translate`` end to end, the whole process from the command line
  (start, model load, reading, segmenting, normalising, decoding, writing);
- the naive transformers loop (one sentence per ``generate()``), on a subset;

then the one-sentence start-up (median of 10 runs of ``el2en translate`` on a
one-sentence file with the model already converted) and a thread-invariance
check: el2en's CTranslate2 backend on every split of 1, 2 and 4 threads must
give byte-identical output (text and score) wherever its signature is the same.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import resource
import shutil
import statistics
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
RECIPE = "v2"
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


def _env(store: Path | None = None, work: Path | None = None) -> dict[str, str]:
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(REPO), str(HERE)]),
        "TOKENIZERS_PARALLELISM": "false",
        "HF_HUB_OFFLINE": "1",
    }
    if store is not None:
        env["EL2EN_MODELS_DIR"] = str(store)
    if work is not None:
        # Time el2en as installed: with its bytecode cached (outside the repository).
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(work / "pycache")
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
    if system.startswith("ct2:"):
        inter, intra = (int(n) for n in system[4:].split("x"))
        return _raw_ct2(model_dir, sentences, inter, intra)
    if system == "invariance":
        return _invariance(model_dir, sentences)
    return _transformers(model_dir, sentences, threads, naive=system == "naive")


def _raw_ct2(model_dir: Path, sentences: list[str], inter: int, intra: int) -> dict[str, Any]:
    """Decode with a bare CTranslate2 translator; time translate_batch alone."""
    import ctranslate2
    import sentencepiece as spm

    started = time.perf_counter()
    source = spm.SentencePieceProcessor(model_file=str(model_dir / "source.spm"))
    target = spm.SentencePieceProcessor(model_file=str(model_dir / "target.spm"))
    translator = ctranslate2.Translator(
        str(model_dir), compute_type="int8", inter_threads=inter, intra_threads=intra
    )
    load = time.perf_counter() - started
    pieces = [[*p, "</s>"] for p in source.encode(sentences, out_type=str)]
    batches = by_length(sentences, lambda s: len(source.encode(s)))
    settings = {
        "beam_size": BEAM,
        "patience": 1.0,
        "max_decoding_length": MAX_OUTPUT_TOKENS,
        "min_decoding_length": 0,
        "max_input_length": 0,
        "return_end_token": True,
        "return_scores": True,
    }
    results: list[Any] = [None] * len(sentences)
    started = time.perf_counter()
    if inter == 1:  # the usual way: one batch after another
        for batch in batches:
            done = translator.translate_batch([pieces[i] for i in batch], **settings)
            for i, result in zip(batch, done, strict=True):
                results[i] = result
    else:  # every batch submitted, ``inter`` of them decoded at once
        queued = [
            (
                batch,
                translator.translate_batch(
                    [pieces[i] for i in batch], asynchronous=True, **settings
                ),
            )
            for batch in batches
        ]
        for batch, pending in queued:
            for i, result in zip(batch, pending, strict=True):
                results[i] = result.result()
    seconds = time.perf_counter() - started
    hypotheses = [r.hypotheses[0] for r in results]
    texts = target.decode_pieces([[p for p in h if p != "</s>"] for h in hypotheses])
    lines = [f"{t}\t{r.scores[0]!r}" for t, r in zip(texts, results, strict=True)]
    return {
        "sentences": len(sentences),
        "seconds": seconds,
        "target_tokens": sum(len(h) - (h[-1:] == ["</s>"]) for h in hypotheses),
        "load_s": load,
        "peak_rss": _peak_rss(),
        "torch": "torch" in sys.modules,
        "output_sha": hashlib.sha256("\n".join(lines).encode()).hexdigest(),
    }


def _transformers(
    model_dir: Path, sentences: list[str], threads: int, naive: bool
) -> dict[str, Any]:
    from translate.backends import DecodeOptions
    from translate.backends.hf import TransformersBackend
    from translate.hub import resolve_model

    started = time.perf_counter()
    options = DecodeOptions(beam_size=BEAM, max_output_tokens=MAX_OUTPUT_TOKENS, threads=threads)
    backend = TransformersBackend(resolve_model(str(model_dir)), options)
    load = time.perf_counter() - started
    if naive:
        batches = [[i] for i in range(len(sentences))]
    else:
        batches = by_length(sentences, lambda s: len(backend.tokenizer(s).input_ids))
    tokens = 0
    started = time.perf_counter()
    for batch in batches:
        tokens += sum(
            t.target_tokens for t in backend.translate_batch([sentences[i] for i in batch])
        )
    return {
        "sentences": len(sentences),
        "seconds": time.perf_counter() - started,
        "target_tokens": tokens,
        "load_s": load,
        "peak_rss": _peak_rss(),
    }


#: (threads in all, batches at once; 0 = el2en's default) for the invariance check.
SPLITS = [(1, 1), (2, 0), (2, 1), (4, 0), (4, 2), (4, 1)]


def _invariance(model_dir: Path, sentences: list[str]) -> dict[str, Any]:
    """Return el2en's CTranslate2 backend's output digest and signature for every split."""
    from translate.backends import DecodeOptions
    from translate.backends.ct2 import CTranslate2Backend
    from translate.hub import resolve_model

    model = resolve_model(str(model_dir))
    runs = []
    for threads, inter in SPLITS:
        options = DecodeOptions(beam_size=BEAM, threads=threads, inter_threads=inter)
        backend = CTranslate2Backend(model, options)
        out = backend.translate_batch(sentences)
        lines = [f"{t.text}\t{t.hit_max_length}\t{t.target_tokens}\t{t.score!r}" for t in out]
        runs.append(
            {
                "threads": threads,
                "inter": backend.threads.inter,
                "intra": backend.threads.intra,
                "signature": backend.signature,
                "sha": hashlib.sha256("\n".join(lines).encode()).hexdigest(),
            }
        )
        del backend
    return {"runs": runs, "sentences": len(sentences)}


def _peak_rss() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def run_worker(
    system: str,
    model_dir: Path,
    sentences: list[str],
    work: Path,
    threads: int,
    store: Path | None = None,
    extra_env: dict[str, str] | None = None,
) -> dict[str, Any]:
    """Run one system in a fresh process and return its figures."""
    input_file = work / f"input-{system.replace(':', '-')}.txt"
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
        env={**_env(store), **(extra_env or {})},
        check=False,
    )
    if result.returncode != 0:
        raise SystemExit(f"{system} failed:\n{result.stderr[-3000:]}")
    figures: dict[str, Any] = json.loads(result.stdout.splitlines()[-1])
    return figures


def el2en_command() -> list[str]:
    """Return the installed console script beside this Python, else ``python -m translate``."""
    beside = Path(sys.executable).parent / "el2en"
    found = str(beside) if beside.is_file() else shutil.which("el2en")
    return [found] if found else [sys.executable, "-m", "translate"]


def run_el2en(
    model_dir: Path,
    sentences: list[str],
    work: Path,
    store: Path,
    threads: int,
    name: str,
    backend: str = "auto",
    fmt: str = "jsonl",
) -> dict[str, Any]:
    """Run ``el2en translate`` on a file in a child process; return wall time and peak RSS."""
    document = work / f"{name}.txt"
    output = work / f"{name}.{fmt}"
    write_document(sentences, document)
    command = [
        *el2en_command(),
        "translate",
        str(document),
        "-o",
        str(output),
        "--format",
        fmt,
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
        env=_env(store, work),
        check=False,
    )
    code, seconds, rss = result.stdout.split()
    if code != "0":
        raise SystemExit(f"el2en failed ({' '.join(command)}):\n{result.stderr}")
    rows = 0
    if fmt == "jsonl":
        lines = output.read_text(encoding="utf-8").splitlines()
        rows = sum(1 for row in map(json.loads, lines) if "el" in row)  # the first is a header
    return {
        "sentences": len(sentences),
        "rows": rows,
        "seconds": float(seconds),
        "peak_rss": int(rss),
        "load_s": None,
        "output": output,
    }


def start_up(model_dir: Path, sentence: str, work: Path, store: Path, runs: int) -> list[float]:
    """Return the wall times of ``runs`` one-sentence el2en runs (after one to warm up)."""
    run_el2en(model_dir, [sentence], work, store, 0, "one", fmt="text")
    return [
        run_el2en(model_dir, [sentence], work, store, 0, "one", fmt="text")["seconds"]
        for _ in range(runs)
    ]


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


def table(rows: list[tuple[str, dict[str, Any]]], baseline: float) -> str:
    header = (
        f"{'system':<44} {'sents':>6} {'sent/s':>8} {'s/sent':>7} {'tgt tok/s':>10} "
        f"{'x raw':>6} {'load s':>7} {'peak RSS MB':>12} {'tgt tok/sent':>13}"
    )
    lines = [header, "-" * len(header)]
    for name, r in rows:
        rate = r["sentences"] / r["seconds"]
        load = f"{r['load_s']:.2f}" if r.get("load_s") is not None else "-"
        token_rate = r["target_tokens"] / r["seconds"]
        lines.append(
            f"{name:<44} {r['sentences']:>6} {rate:>8.2f} {1 / rate:>7.3f} {token_rate:>10.0f} "
            f"{rate / baseline:>5.2f}x {load:>7} {r['peak_rss'] / 1e6:>12.0f} "
            f"{r['target_tokens'] / r['sentences']:>13.1f}"
        )
    return "\n".join(lines)


def default_configs(threads: int) -> list[tuple[int, int]]:
    """Return raw CTranslate2 (inter, intra) splits worth trying with ``threads`` in all."""
    found = [(threads, 1)]
    if threads >= 4:
        found.append((threads // 2, 2))
    return found


def throughput(args: argparse.Namespace) -> None:
    work: Path = args.work
    work.mkdir(parents=True, exist_ok=True)
    store = work / "store"
    threads = args.threads
    model_dir = build_once(
        work / f"opus-mt-el-en-arch-random-{RECIPE}", "OPUS_MT_EL_EN", OPUS_EOS_BIAS, 8000
    )
    converted = convert_once(model_dir, store, "int8")
    sentences = workload(args.sentences, seed=7)
    naive = sentences[: args.naive]
    print(f"# el2en throughput benchmark: {' '.join(sys.argv[1:]) or '(defaults)'}")
    print(f"# machine: {machine()}; load average before: {os.getloadavg()[0]:.2f}")
    print(
        f"# model: random weights, opus-mt-el-en architecture, end-token bias {OPUS_EOS_BIAS};"
        f" {model_dir}"
    )
    print(
        f"# workload: {len(sentences)} Greek-like sentences, beam {BEAM}, batches of {BATCH}"
        f" sorted by length; {threads} threads in all; the naive loop on the first {len(naive)}"
    )
    configs = args.configs or default_configs(threads)
    raw_systems = [(f"ct2 int8 raw, 1 x {threads} (the usual way)", f"ct2:1x{threads}")]
    raw_systems += [
        (f"ct2 int8 raw, {inter} x {intra} ({inter} batches at once)", f"ct2:{inter}x{intra}")
        for inter, intra in configs
        if (inter, intra) != (1, threads)
    ]
    rows: list[tuple[str, dict[str, Any]]] = []
    for name, system in raw_systems:
        log(f"running {name} ...")
        rows.append((name, run_worker(system, converted, sentences, work, threads)))
        log(f"  {rows[-1][1]['seconds']:.1f} s")
    raw = rows[0][1]
    best_name, best = max(rows, key=lambda row: row[1]["sentences"] / row[1]["seconds"])
    name = f"el2en translate e2e (whole process), --threads {threads}"
    log(f"running {name} ...")
    e2e = run_el2en(model_dir, sentences, work, store, threads, "e2e")
    e2e.pop("output")
    # Its token count: the raw runs' on the same sentences (re-encoding el2en's text would
    # not give back the generated pieces).
    e2e["target_tokens"] = raw["target_tokens"]
    if e2e["rows"] != len(sentences):
        log(f"warning: el2en wrote {e2e['rows']} rows for {len(sentences)} sentences")
    rows.append((name, e2e))
    log(f"  {e2e['seconds']:.1f} s")
    if naive:
        log("running the naive transformers loop ...")
        rows.append(
            (
                "transformers naive (1 per generate), subset",
                run_worker("naive", model_dir, naive, work, threads),
            )
        )
        log(f"  {rows[-1][1]['seconds']:.1f} s")
    raw_rate = raw["sentences"] / raw["seconds"]
    print(table(rows, raw_rate))
    print("(x raw: sentences/s over raw CT2 in the usual way; raw rows time translate_batch alone)")
    e2e_rate = e2e["sentences"] / e2e["seconds"]
    best_rate = best["sentences"] / best["seconds"]
    print(
        f"el2en e2e / raw CT2 int8 the usual way: {e2e_rate / raw_rate:.2f}x  (target >= 1.25x);"
        f" / raw CT2 at its best here ({best_name}): {e2e_rate / best_rate:.2f}x"
    )
    print(f"el2en e2e peak RSS: {e2e['peak_rss'] / 1e6:.0f} MB  (target <= 700 MB)")
    report_start_up(model_dir, sentences[0], work, store, args.start_runs)
    outputs = {row[1].get("output_sha") for row in rows if row[1].get("output_sha")}
    print(
        "raw CT2 outputs (text and score) of every split above: "
        + ("identical" if len(outputs) == 1 else f"{len(outputs)} different")
    )
    report_invariance(model_dir, sentences[: args.invariance], work, store, threads)
    print(f"torch imported by the raw CT2 workers: {any(row[1].get('torch') for row in rows)}")


def report_start_up(model_dir: Path, sentence: str, work: Path, store: Path, runs: int) -> None:
    """Print the median one-sentence wall time with this model and with the test model."""
    if runs <= 0:
        return
    log(f"timing {runs} one-sentence runs ...")
    fixture = REPO / "tests" / "fixtures" / "tiny-marian-el-en"
    convert_once(fixture, store, "int8")
    for label, folder, text in (
        ("opus-mt-el-en architecture", model_dir, sentence),
        ("the test model", fixture, "Η Αθήνα είναι η πρωτεύουσα της Ελλάδας."),
    ):
        times = start_up(folder, text, work, store, runs)
        print(
            f"el2en one-sentence file, converted model ({label}): median"
            f" {statistics.median(times):.3f} s of {runs} runs (min {min(times):.3f},"
            f" max {max(times):.3f})  (target <= 0.5 s)"
        )


def report_invariance(
    model_dir: Path, sentences: list[str], work: Path, store: Path, threads: int
) -> None:
    """Print whether every thread split of el2en's backend gives the same bytes."""
    if not sentences:
        return
    log(f"checking thread invariance on {len(sentences)} sentences ...")
    runs = run_worker("invariance", model_dir, sentences, work, threads, store)["runs"]
    reference = runs[0]["sha"]
    for run in runs:
        same = run["sha"] == reference
        signature = (
            "same signature"
            if run["signature"] == runs[0]["signature"]
            else (f"signature says intra:{run['signature'].get('intra')}")
        )
        print(
            f"  --threads {run['threads']}: {run['inter']} batches x {run['intra']} threads:"
            f" {'identical' if same else 'DIFFERENT'} output ({signature})"
        )
    bad = [r for r in runs if r["signature"] == runs[0]["signature"] and r["sha"] != reference]
    print(
        f"thread invariance ({len(sentences)} sentences, text and score): "
        + ("byte-identical wherever the signature is the same" if not bad else "FAILED")
    )


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
        r = run_el2en(model_dir, workload(n, seed=11), work, store, args.threads, f"memory-{n}")
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


#: Raw CTranslate2 splits compared on a busy machine: (name, system, extra environment).
BUSY_SYSTEMS = [
    ("1 x 1", "ct2:1x1", {}),
    ("1 x 2 (the usual way)", "ct2:1x2", {}),
    ("1 x 2, OMP_WAIT_POLICY=PASSIVE", "ct2:1x2", {"OMP_WAIT_POLICY": "PASSIVE"}),
    ("2 x 1 (el2en's default)", "ct2:2x1", {}),
]


def busy(args: argparse.Namespace) -> None:
    """Compare thread splits with and without other processes busy on the cores."""
    work: Path = args.work
    work.mkdir(parents=True, exist_ok=True)
    store = work / "store"
    model_dir = build_once(
        work / f"opus-mt-el-en-arch-random-{RECIPE}", "OPUS_MT_EL_EN", OPUS_EOS_BIAS, 8000
    )
    converted = convert_once(model_dir, store, "int8")
    sentences = workload(args.sentences, seed=7)
    print(f"# el2en busy-machine benchmark: {' '.join(sys.argv[1:])}")
    print(f"# machine: {machine()}; load average before: {os.getloadavg()[0]:.2f}")
    print(
        f"# raw CT2 int8, {len(sentences)} sentences, beam {BEAM}, batches x threads per batch;"
        f" 'busy': {args.hogs} other process(es) spinning on the cores; median of {args.reps}"
    )
    rates: dict[tuple[str, bool], list[float]] = {}
    for _ in range(args.reps):
        for loaded in (False, True):
            hogs = [
                subprocess.Popen([sys.executable, "-c", "while True: pass"])
                for _ in range(args.hogs if loaded else 0)
            ]
            try:
                for name, system, extra in BUSY_SYSTEMS:
                    r = run_worker(system, converted, sentences, work, 2, extra_env=extra)
                    rates.setdefault((name, loaded), []).append(r["sentences"] / r["seconds"])
                    log(f"  {name}, busy={loaded}: {rates[(name, loaded)][-1]:.1f} sent/s")
            finally:
                for hog in hogs:
                    hog.kill()
                    hog.wait()
    print(f"{'batches x threads':<34} {'quiet sent/s':>13} {'busy sent/s':>12} {'busy/quiet':>11}")
    for name, _, _ in BUSY_SYSTEMS:
        quiet = statistics.median(rates[(name, False)])
        loaded_rate = statistics.median(rates[(name, True)])
        print(f"{name:<34} {quiet:>13.1f} {loaded_rate:>12.1f} {loaded_rate / quiet:>10.2f}x")


def parse_configs(text: str) -> list[tuple[int, int]]:
    """Return ``"2x1,1x2"`` as [(2, 1), (1, 2)] (batches at once x threads per batch)."""
    pairs = [item.split("x") for item in text.split(",") if item]
    return [(int(inter), int(intra)) for inter, intra in pairs]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--work",
        type=Path,
        default=Path.home() / ".cache" / "el2en-bench",
        help="where the models, store and inputs are built (outside the repo)",
    )
    parser.add_argument("--sentences", type=int, default=2000)
    parser.add_argument(
        "--naive", type=int, default=24, help="sentences for the naive one-per-generate() loop"
    )
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    parser.add_argument(
        "--configs",
        type=parse_configs,
        help="raw CT2 splits to try besides 1 x threads, as INTERxINTRA,... "
        "(default: threads x 1, and threads/2 x 2 from 4 threads)",
    )
    parser.add_argument(
        "--start-runs", type=int, default=10, help="one-sentence runs timed (median)"
    )
    parser.add_argument(
        "--invariance", type=int, default=256, help="sentences for the thread-invariance check"
    )
    parser.add_argument(
        "--memory", action="store_true", help="measure el2en peak RSS on growing inputs instead"
    )
    parser.add_argument(
        "--memory-sizes", type=lambda s: [int(x) for x in s.split(",")], default=[10_000, 100_000]
    )
    parser.add_argument(
        "--busy",
        action="store_true",
        help="compare raw CT2 thread splits with and without other processes on the cores",
    )
    parser.add_argument("--hogs", type=int, default=1, help="--busy: processes spinning")
    parser.add_argument("--reps", type=int, default=3, help="--busy: repetitions (median)")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--model", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--input", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(args.worker, args.model, args.input, args.threads)))
        return
    started = time.perf_counter()
    if args.busy:
        busy(args)
    elif args.memory:
        memory(args)
    else:
        throughput(args)
    print(f"# total {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
