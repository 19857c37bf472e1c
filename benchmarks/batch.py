"""el2en batch of news-sized articles against el2en translate of the same text as one file.

    python benchmarks/batch.py                       # the target: opus-mt-el-en's architecture
    python benchmarks/batch.py --arch tiny --articles 6 --rounds 1   # a check that it runs
    python benchmarks/batch.py --cache-runs          # also the cache and rerun figures

Prints, in one run on the same sentences, each system in its own process,
timed from the command line (start, model load, reading, translating,
writing, and for batch the manifest, fsyncs and report):

1. ``el2en translate one.txt -o out/ -f jsonl``: every sentence in one file;
2. ``el2en batch in/ out/ -f jsonl --no-cache``: the same sentences as
   ``--articles`` articles of ``--sentences`` sentences (a news night).

After one untimed warm-up run, the two run alternately, ``--rounds`` times
(their order swapped every round, so that a drift of the machine falls on
both), and each one's median is kept.  Target (issue 17): batch at >= 0.95x
the sentences per second of the one file.  Documents never share a batch, so
a 20-sentence article is one chunk for the decoder (up to 24 sentences are;
``translate.backends.ct2.sub_batches``); several articles in flight at once
(translate.inflight) keep the decoding threads busy.

With ``--cache-runs``, then (issue 8): ``el2en batch`` with a new, empty
cache (the first night), the same job after every article was re-published
with one sentence changed (target <= 15% of the first night's time), and
again with nothing changed.

The model is a random-weight Marian built by ``benchmarks/throughput.py``'s
recipe (``--work``, default ``~/.cache/el2en-bench``; built once), with an
end-token bias that gives news-like output lengths; the sentences are
Greek-like with news lengths (``random_marian.greek_like_sentences``), all
distinct, so that no run gets cache hits the news would not give.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
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


#: CPU seconds (user + system) of each command timed, in order (see :func:`timed`).
CPU_SECONDS: list[float] = []
#: Peak resident memory of each command timed, in MB (0 without GNU time).
PEAK_MB: list[float] = []
TIME_COMMAND = Path("/usr/bin/time")


def timed(command: list[str], env: dict[str, str], cwd: Path | None = None) -> float:
    """Run ``command``; return its wall time (raise with its stderr if it fails).

    Its CPU time (user + system, all threads) is appended to :data:`CPU_SECONDS`:
    more CPU for the same sentences is more work, the same CPU in more wall time
    is cores left idle.
    """
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    with tempfile.NamedTemporaryFile("r", suffix=".rss") as rss:
        if TIME_COMMAND.exists():  # GNU time: the peak resident set, in KB
            command = [str(TIME_COMMAND), "-f", "%M", "-o", rss.name, *command]
        result = subprocess.run(command, env=env, cwd=cwd, capture_output=True, text=True)
        seconds = time.perf_counter() - started
        PEAK_MB.append(int(rss.read().split()[-1]) / 1024 if TIME_COMMAND.exists() else 0.0)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    CPU_SECONDS.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    if result.returncode != 0:
        raise SystemExit(f"failed ({' '.join(command)}):\n{result.stderr[-3000:]}")
    return seconds


def median(values: list[float]) -> float:
    """Return the median of ``values``."""
    return statistics.median(values)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--arch", choices=sorted(ARCHS), default="opus")
    parser.add_argument("--articles", type=int, default=60)
    parser.add_argument("--sentences", type=int, default=20, help="sentences per article")
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--cache-runs", action="store_true", help="also the cache and reruns")
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
    base = work / "batch-bench"
    shutil.rmtree(base, ignore_errors=True)
    src = base / "in"
    write_articles(src, articles)
    one = base / "one" / "night.txt"  # the same sentences, one a paragraph, in one file
    one.parent.mkdir(parents=True)
    one.write_text("\n\n".join(s for a in articles for s in a) + "\n", encoding="utf-8")
    total = n * per
    env = _env(store, work)
    el2en = el2en_command()
    common = ["--model", str(model_dir), "--threads", str(args.threads), "-f", "jsonl", "-q"]

    print(f"# el2en batch benchmark: {' '.join(sys.argv[1:]) or '(defaults)'}")
    print(f"# machine: {machine()}; load average before: {os.getloadavg()[0]:.2f}")
    print(f"# model: random weights, {arch} architecture, end-token bias {bias}; {model_dir}")
    print(f"# {n} articles x {per} sentences = {total} distinct sentences; beam 4; int8")
    print(f"# {args.rounds} rounds, alternating; medians")
    # Untimed: Python's bytecode is compiled and the model's files are in the page cache.
    warm = base / "warm"
    timed(
        [*el2en, "translate", str(src / "00" / "article-0000.txt"), "-o", f"{warm}/", *common], env
    )
    times: dict[str, list[float]] = {"one file": [], "batch": []}
    cpu: dict[str, list[float]] = {"one file": [], "batch": []}
    for round_ in range(args.rounds):
        order = ["one file", "batch"] if round_ % 2 == 0 else ["batch", "one file"]
        for label in order:
            out = base / ("t" if label == "one file" else "b")
            shutil.rmtree(out, ignore_errors=True)
            if label == "one file":
                command = [*el2en, "translate", str(one), "-o", f"{out}/", *common]
            else:
                command = [*el2en, "batch", str(src), str(out), *common, "--no-cache"]
            seconds = timed(command, env)
            times[label].append(seconds)
            cpu[label].append(CPU_SECONDS[-1])
            print(
                f"round {round_ + 1}: {label}: {seconds:.1f} s ({CPU_SECONDS[-1]:.1f} s CPU, "
                f"peak {PEAK_MB[-1]:.0f} MB)",
                flush=True,
            )
    counted = json.loads((base / "b" / "el2en-report.json").read_text(encoding="utf-8"))
    if counted["sentences"] != total:
        raise SystemExit(f"batch translated {counted['sentences']} sentences, not {total}")
    one_file, batch = median(times["one file"]), median(times["batch"])
    ratio = one_file / batch  # the same sentences: the ratio of sentences per second
    print()
    print("| run | wall s (median) | sentences/s | x one file |")
    print("|---|---:|---:|---:|")
    print(f"| `el2en translate` of one file | {one_file:.1f} | {total / one_file:.1f} | 1.000 |")
    print(
        f"| `el2en batch --no-cache` of {n} articles of {per} sentences | {batch:.1f} | "
        f"{total / batch:.1f} | {ratio:.3f} |"
    )
    print()
    each = ", ".join(f"{k}: {' '.join(f'{v:.1f}' for v in vs)}" for k, vs in times.items())
    print(f"every round (s): {each}")
    meets = "meets" if ratio >= 0.95 else "MISSES"
    print(f"batch / one file sentences/s: {ratio:.3f} ({meets} >= 0.95)")
    cpu_one, cpu_batch = median(cpu["one file"]), median(cpu["batch"])
    print(
        f"CPU s (median): one file {cpu_one:.1f}, batch {cpu_batch:.1f} "
        f"({cpu_one / cpu_batch:.3f}x); cores busy: one file {cpu_one / one_file:.2f}, "
        f"batch {cpu_batch / batch:.2f}"
    )
    if args.cache_runs:
        cache_runs(articles, pool, base, el2en, common, env, n, per)
    print(f"# total {time.perf_counter() - started:.0f} s")


def cache_runs(
    articles: list[list[str]],
    pool: list[str],
    base: Path,
    el2en: list[str],
    common: list[str],
    env: dict[str, str],
    n: int,
    per: int,
) -> None:
    """Print the first night with a new cache, a rerun after corrections, and one with none."""
    src, src2, out = base / "in", base / "in-corrected", base / "b1"
    # Re-published with a correction: one sentence of each article is new.
    corrected = [
        [*a[: per // 2], pool[n * per + i], *a[per // 2 + 1 :]] for i, a in enumerate(articles)
    ]
    write_articles(src2, corrected)
    shutil.rmtree(out, ignore_errors=True)
    first = timed([*el2en, "batch", str(src), str(out), *common], env)
    rerun = timed([*el2en, "batch", str(src2), str(out), *common], env)
    unchanged = timed([*el2en, "batch", str(src2), str(out), *common], env)
    share = rerun / first
    print()
    print(f"batch with a new cache (first night): {first:.1f} s")
    print(
        f"rerun after one sentence of each article changed: {rerun:.1f} s = {share:.1%} of the "
        f"first run ({'meets' if share <= 0.15 else 'MISSES'} <= 15%)"
    )
    print(f"rerun with nothing changed: {unchanged:.1f} s")


if __name__ == "__main__":
    main()
