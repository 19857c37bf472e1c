"""el2en batch against el2en translate on the same folder, and a rerun after corrections.

    python benchmarks/batch.py                        # 200 articles, tiny random model (fast)
    python benchmarks/batch.py --arch opus            # opus-mt-el-en's architecture (quiet box!)
    python benchmarks/batch.py --articles 40          # a short check

Prints, in one run on the same articles, each system in its own process,
timed from the command line (start, model load, reading, translating,
writing, and for batch the manifest, fsyncs, report and cache):

1. ``el2en translate in/*.txt -o out/ -f jsonl`` (one process, every file);
2. ``el2en batch in/ out/ -f jsonl --no-cache`` (the manifest's cost alone);
3. ``el2en batch in/ out/ -f jsonl`` with a new, empty cache (the first night);
4. the same job again after every article was re-published with one sentence
   changed (the cache answers the unchanged sentences);
5. the same job again with nothing changed.

Targets (issue 8): (2) and (3) at >= 0.95x the sentences per second of (1);
(4) in <= 15% of (3)'s time.  The model is a random-weight Marian built by
``benchmarks/throughput.py``'s recipe (``--work``, default
``~/.cache/el2en-bench``; built once), with an end-token bias that gives
news-like output lengths; the articles are Greek-like sentences with news
lengths (``random_marian.greek_like_sentences``), all distinct, so that no
run gets cache hits the news would not give.  ``--repeat N`` runs (1)-(3) N
times, alternating, and keeps each one's best.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(HERE))

from throughput import (  # noqa: E402 - after the path set-up
    OPUS_EOS_BIAS,
    RECIPE,
    TINY_EOS_BIAS,
    _env,
    build_once,
    convert_once,
    el2en_command,
    machine,
    workload,
)

ARCHS = {
    "tiny": ("TINY", TINY_EOS_BIAS, 1500, "tiny-random"),
    "opus": ("OPUS_MT_EL_EN", OPUS_EOS_BIAS, 8000, "opus-mt-el-en-arch-random"),
}


def write_articles(folder: Path, articles: list[list[str]]) -> None:
    """Write each article, one sentence a paragraph (segmentation gives them back exactly)."""
    shutil.rmtree(folder, ignore_errors=True)
    for index, sentences in enumerate(articles):
        path = folder / f"{index // 50:02d}" / f"article-{index:04d}.txt"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("\n\n".join(sentences) + "\n", encoding="utf-8")


def timed(command: list[str], env: dict[str, str], cwd: Path | None = None) -> float:
    """Run ``command``; return its wall time (raise with its stderr if it fails)."""
    started = time.perf_counter()
    result = subprocess.run(command, env=env, cwd=cwd, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"failed ({' '.join(command)}):\n{result.stderr[-3000:]}")
    return seconds


def outputs(folder: Path) -> dict[str, bytes]:
    """Return the JSONL outputs under ``folder`` by file name (translate -o DIR/ is flat)."""
    return {p.name: p.read_bytes() for p in sorted(folder.rglob("*.jsonl"))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--arch", choices=sorted(ARCHS), default="tiny")
    parser.add_argument("--articles", type=int, default=200)
    parser.add_argument("--sentences", type=int, default=20, help="sentences per article")
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument(
        "--work",
        type=Path,
        default=Path.home() / ".cache" / "el2en-bench",
        help="where the model, store and articles are built (outside the repo)",
    )
    args = parser.parse_args()
    started = time.perf_counter()
    work: Path = args.work
    work.mkdir(parents=True, exist_ok=True)
    store = work / "store"
    arch, bias, spm_vocab, name = ARCHS[args.arch]
    model_dir = build_once(work / f"{name}-{RECIPE}", arch, bias, spm_vocab)
    convert_once(model_dir, store, "int8")
    n, per = args.articles, args.sentences
    pool = workload(n * per + n, seed=11)
    articles = [pool[i * per : (i + 1) * per] for i in range(n)]
    # Re-published with a correction: one sentence of each article is new.
    corrected = [
        [*a[: per // 2], pool[n * per + i], *a[per // 2 + 1 :]] for i, a in enumerate(articles)
    ]
    base = work / "batch-bench"
    shutil.rmtree(base, ignore_errors=True)
    src, src2 = base / "in", base / "in-corrected"
    write_articles(src, articles)
    write_articles(src2, corrected)
    names = sorted(p.relative_to(src).as_posix() for p in src.rglob("*.txt"))
    total = n * per
    env = _env(store, work)
    el2en = el2en_command()
    common = ["--model", str(model_dir), "--threads", str(args.threads), "-f", "jsonl", "-q"]

    print(f"# el2en batch benchmark: {' '.join(sys.argv[1:]) or '(defaults)'}")
    print(f"# machine: {machine()}; load average before: {os.getloadavg()[0]:.2f}")
    print(f"# model: random weights, {arch} architecture, end-token bias {bias}; {model_dir}")
    print(f"# {n} articles x {per} sentences = {total} distinct sentences; beam 4; int8")
    best: dict[str, float] = {}
    for _ in range(args.repeat):
        for label, folder in (
            ("translate", base / "t"),
            ("nocache", base / "b0"),
            ("first", base / "b1"),
        ):
            shutil.rmtree(folder, ignore_errors=True)
            if label == "translate":
                command = [*el2en, "translate", *names, "-o", f"{folder}/", *common]
                seconds = timed(command, env, cwd=src)
            else:
                extra = ["--no-cache"] if label == "nocache" else []
                seconds = timed([*el2en, "batch", str(src), str(folder), *common, *extra], env)
            best[label] = min(best.get(label, seconds), seconds)
    identical = outputs(base / "t") == outputs(base / "b0")
    rerun = timed([*el2en, "batch", str(src2), str(base / "b1"), *common], env)
    unchanged = timed([*el2en, "batch", str(src2), str(base / "b1"), *common], env)

    rate = {k: total / v for k, v in best.items()}
    rows = [
        ("el2en translate, all files in one process", best["translate"], rate["translate"], 1.0),
        (
            "el2en batch --no-cache",
            best["nocache"],
            rate["nocache"],
            rate["nocache"] / rate["translate"],
        ),
        (
            "el2en batch (new cache: first night)",
            best["first"],
            rate["first"],
            rate["first"] / rate["translate"],
        ),
    ]
    print()
    print("| system | wall s | sentences/s | x translate |")
    print("|---|---:|---:|---:|")
    for label, seconds, speed, ratio in rows:
        print(f"| {label} | {seconds:.1f} | {speed:.1f} | {ratio:.3f} |")
    print()
    print(f"batch --no-cache outputs byte-identical to translate's: {'yes' if identical else 'NO'}")
    share = rerun / best["first"]
    print(
        f"rerun after one sentence of each article changed: {rerun:.1f} s = {share:.1%} of the "
        f"first run ({'meets' if share <= 0.15 else 'MISSES'} <= 15%)"
    )
    print(f"rerun with nothing changed: {unchanged:.1f} s")
    verdict = min(rate["nocache"], rate["first"]) / rate["translate"]
    meets = "meets" if verdict >= 0.95 else "MISSES"
    print(f"batch / translate sentences/s: {verdict:.3f} ({meets} >= 0.95)")
    print(f"# total {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
