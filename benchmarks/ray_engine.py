"""The Ray engine against the local engine, on one machine, in one run.

    python benchmarks/ray_engine.py                          # opus-mt-el-en's architecture
    python benchmarks/ray_engine.py --articles 8 --tiny      # a short check (the test model)

On one folder of articles (``--articles`` of ``--sentences`` each), each in its
own process so that its memory is its own:

- the local engine (``el2en batch``'s default), one translator with every thread;
- Ray, 1 actor x 2 threads;
- Ray, 2 actors x 1 thread (``--configs`` for others);

each printed with its wall time, sentences/s overall and in the steady state
(from the first document's outcome to the last: what more nodes multiply),
the fixed start-up cost (run() to the first outcome, less that document's
own time: cluster, model shipping, actors), and the peak memory summed over
the process tree (the driver and, for Ray, its GCS, raylet and workers),
as PSS (shared pages counted once) and RSS.  Every run's outputs must be
byte-identical; the benchmark says so or fails.  Last, a scaling curve to N
nodes simulated from these figures: fixed + sentences / (N x steady rate).

The model: by default a random-weight model of opus-mt-el-en's exact
architecture (built once by :mod:`throughput`'s recipe under ``--work``),
which decodes at a trained model's cost, on Greek-like sentences; ``--tiny``
uses the committed test model and the fixture's sentences (seconds, but its
decoding is so cheap that the figures say little about the real model);
``--model`` any model folder or hub id.  Run it on a quiet machine.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(HERE))

FIXTURE_MODEL = REPO / "tests" / "fixtures" / "tiny-marian-el-en"
PARALLEL = REPO / "tests" / "fixtures" / "parallel" / "el-en.tsv"
FORMATS = ("jsonl",)


# --- one engine, in its own process ---------------------------------------------------


def child(args: argparse.Namespace) -> None:
    """Run one engine over the folder; print its figures as one JSON line."""
    from translate.backends import DecodeOptions
    from translate.engines import get_engine_class
    from translate.jobs import JobOutcome, RunOptions, Task, plan_jobs
    from translate.pipeline import TranslateConfig, Translator
    from translate.qa import QAOptions

    started = time.perf_counter()
    threads = 1 if args.engine == "ray" else args.threads  # Ray's driver only translates
    # nothing: its translator gives the signature and the converted files
    config = TranslateConfig(
        model=args.model, backend="ctranslate2", decode=DecodeOptions(threads=threads)
    )
    translator = Translator(config)  # the batch driver loads one to learn the signature
    loaded = time.perf_counter()
    src, out = Path(args.src), Path(args.out)
    inputs = sorted(str(p) for p in src.rglob("*.txt"))
    jobs = plan_jobs(inputs, str(out) + os.sep, FORMATS, root=src)
    options: dict[str, Any] = {"translator": translator}
    if args.engine == "ray":
        options.update(actors=args.actors, threads_per_actor=args.threads)
    engine = get_engine_class(args.engine)(**options)
    arrivals: list[tuple[float, JobOutcome]] = []
    run_started = time.perf_counter()
    run_wallclock = time.time()
    engine.run(
        [Task(job) for job in jobs],
        RunOptions(formats=FORMATS, qa=QAOptions()),
        lambda outcome: arrivals.append((time.perf_counter(), outcome)),
    )
    ended = time.perf_counter()
    errors = [o.error for _, o in arrivals if o.error]
    if errors or len(arrivals) != len(jobs):
        raise SystemExit(f"{args.engine}: {len(arrivals)}/{len(jobs)} done; {errors[:3]}")
    # When each document was done: its output's rename, on the machine's clock.  The
    # driver's arrival times would not do: Ray Data hands rows over in bursts.
    finished = sorted(
        ((os.stat(o.job.targets[0]).st_mtime_ns / 1e9, o) for _, o in arrivals),
        key=lambda pair: pair[0],
    )
    first_at, first = finished[0]
    last_at = finished[-1][0]
    sentences = sum(o.sentences for _, o in arrivals)
    after_first = sentences - first.sentences
    steady = after_first / (last_at - first_at) if last_at > first_at else float("nan")
    startup = (first_at - run_wallclock) - first.seconds
    print(
        json.dumps(
            {
                "model_load": loaded - started,
                "run": ended - run_started,
                "wall": ended - started,
                "startup": startup,
                "sentences": sentences,
                "documents": len(arrivals),
                "steady": steady,
            }
        ),
        flush=True,
    )


# --- the parent: one process per engine, memory sampled over its tree ---------------------


class TreeMemory:
    """Samples a process tree's summed PSS and RSS until stopped; keeps the peaks."""

    def __init__(self, pid: int, interval: float = 0.25) -> None:
        import psutil

        self.root = psutil.Process(pid)
        self.interval = interval
        self.peak_pss = self.peak_rss = 0
        self.processes = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        import psutil

        while not self._stop.is_set():
            pss = rss = 0
            try:
                tree = [self.root, *self.root.children(recursive=True)]
            except psutil.Error:
                return
            for process in tree:
                try:
                    info = process.memory_full_info()
                except psutil.Error:
                    continue
                pss += getattr(info, "pss", info.rss)
                rss += info.rss
            self.peak_pss = max(self.peak_pss, pss)
            if rss > self.peak_rss:
                self.peak_rss, self.processes = rss, len(tree)
            self._stop.wait(self.interval)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


def run_engine(
    engine: str, actors: int, threads: int, model: str, src: Path, out: Path
) -> dict[str, Any]:
    """Run one engine in a child process; return its figures and memory peaks."""
    command = [
        sys.executable, __file__, "--child", "--engine", engine, "--model", model,
        "--src", str(src), "--out", str(out),
        "--actors", str(actors), "--threads", str(threads),
    ]  # fmt: skip
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    env.pop("RAY_ADDRESS", None)  # a local cluster, always
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, env=env, cwd=REPO)
    memory = TreeMemory(process.pid)
    stdout, _ = process.communicate()
    memory.stop()
    if process.returncode != 0:
        raise SystemExit(f"{engine} {actors}x{threads}: exit {process.returncode}")
    figures: dict[str, Any] = json.loads(stdout.decode().strip().splitlines()[-1])
    figures.update(
        process_wall=time.perf_counter() - started,
        peak_pss_mb=memory.peak_pss / 2**20,
        peak_rss_mb=memory.peak_rss / 2**20,
        processes=memory.processes,
    )
    return figures


def outputs_digest(folder: Path) -> str:
    """Return one hash of every output file under ``folder`` (names and bytes)."""
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            digest.update(str(path.relative_to(folder)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


# --- the folder of articles ---------------------------------------------------------------


def fixture_sentences() -> list[str]:
    with open(PARALLEL, encoding="utf-8", newline="") as f:
        return [row["el"] for row in csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE)]


def write_articles(src: Path, sentences: list[str], articles: int, per_article: int) -> None:
    """Write ``articles`` articles of ``per_article`` sentences, two per paragraph
    (distinct within an article, so that none is de-duplicated)."""
    per_article = min(per_article, len(sentences))
    for number in range(articles):
        start = number * per_article
        picked = [sentences[(start + k) % len(sentences)] for k in range(per_article)]
        paragraphs = [" ".join(picked[i : i + 2]) for i in range(0, len(picked), 2)]
        folder = src / f"day-{number % 3}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"article-{number:04d}.txt").write_text("\n\n".join(paragraphs) + "\n", "utf-8")


def realistic_model(work: Path) -> tuple[str, list[str]]:
    """Return the opus-mt-el-en-architecture random model and Greek-like sentences."""
    from throughput import OPUS_EOS_BIAS, RECIPE, build_once, workload

    model = build_once(
        work / f"opus-mt-el-en-arch-random-{RECIPE}", "OPUS_MT_EL_EN", OPUS_EOS_BIAS, 8000
    )
    # Sentences that end with a full stop, so that segmentation gives them back.
    return str(model), [s if s.endswith(".") else s + "." for s in workload(2000, seed=11)]


def machine() -> str:
    import platform

    return f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, " + (
        f"Python {platform.python_version()}"
    )


def parent(args: argparse.Namespace) -> None:
    import ray

    work: Path = args.work
    work.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("EL2EN_MODELS_DIR", str(work / "store"))
    if args.tiny:
        model, sentences = str(FIXTURE_MODEL), fixture_sentences()
    elif args.model:
        model, sentences = args.model, fixture_sentences()
    else:
        model, sentences = realistic_model(work)
    runs = [("local", 1, args.local_threads)] + [("ray", a, t) for a, t in args.configs]
    with tempfile.TemporaryDirectory(prefix="el2en-ray-bench-") as tmp:
        src = Path(tmp) / "src"
        write_articles(src, sentences, args.articles, args.sentences)
        print(f"# el2en batch engines: {args.articles} articles x {args.sentences} sentences")
        print(f"# model: {model}")
        print(f"# machine: {machine()}; ray {ray.__version__}")
        # Convert once, outside the timings (a nightly job finds the model converted).
        run_engine("local", 1, 1, model, _one_article(src, Path(tmp)), Path(tmp) / "warm")
        rows = []
        digests = set()
        for engine, actors, threads in runs:
            out = Path(tmp) / f"out-{engine}-{actors}x{threads}"
            figures = run_engine(engine, actors, threads, model, src, out)
            digests.add(outputs_digest(out))
            rows.append((engine, actors, threads, figures))
        print(table(rows))
        print(f"outputs byte-identical across engines: {'yes' if len(digests) == 1 else 'NO'}")
        print(scaling(rows, args.scale))
        if len(digests) != 1:
            raise SystemExit(1)


def _one_article(src: Path, tmp: Path) -> Path:
    folder = tmp / "warm-src"
    folder.mkdir()
    first = sorted(src.rglob("*.txt"))[0]
    (folder / first.name).write_bytes(first.read_bytes())
    return folder


def table(rows: list[tuple[str, int, int, dict[str, Any]]]) -> str:
    local_steady = rows[0][3]["steady"]
    header = (
        "| engine | actors x threads | wall s | model load s | start-up s | sent/s overall "
        "| sent/s steady | steady vs local | peak PSS MB (sum) | peak RSS MB (sum) | processes |"
    )
    lines = [header, "|" + "---|" * 11]
    for engine, actors, threads, f in rows:
        overall = f["sentences"] / f["run"]
        lines.append(
            f"| {engine} | {actors} x {threads} | {f['wall']:.1f} | {f['model_load']:.1f} "
            f"| {f['startup']:.1f} | {overall:.1f} | {f['steady']:.1f} "
            f"| {f['steady'] / local_steady:.2f}x | {f['peak_pss_mb']:.0f} "
            f"| {f['peak_rss_mb']:.0f} | {f['processes']} |"
        )
    return "\n".join(lines)


def scaling(rows: list[tuple[str, int, int, dict[str, Any]]], sentences: int) -> str:
    """Return hours for ``sentences`` on N such nodes: fixed + sentences / (N x steady)."""
    ray_rows = [r for r in rows if r[0] == "ray"]
    _, actors, threads, best = max(ray_rows, key=lambda r: r[3]["steady"])
    local = rows[0][3]
    lines = [
        f"# simulated: {sentences:,} sentences on N nodes like this one, Ray {actors} x "
        f"{threads} per node (steady {best['steady']:.1f} sent/s/node, fixed "
        f"{best['startup']:.1f} s); local engine on one node: "
        f"{sentences / local['steady'] / 3600:.2f} h",
        "| nodes | hours | speed-up vs local |",
        "|---|---|---|",
    ]
    for nodes in (1, 2, 5, 10, 20, 50):
        seconds = best["startup"] + sentences / (nodes * best["steady"])
        speedup = (sentences / local["steady"]) / seconds
        lines.append(f"| {nodes} | {seconds / 3600:.2f} | {speedup:.1f}x |")
    return "\n".join(lines)


def parse_configs(text: str) -> list[tuple[int, int]]:
    pairs = []
    for item in text.split(","):
        actors, _, threads = item.partition("x")
        pairs.append((int(actors), int(threads)))
    return pairs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=60)
    parser.add_argument("--sentences", type=int, default=20, help="sentences per article")
    parser.add_argument("--configs", type=parse_configs, default=parse_configs("1x2,2x1"))
    parser.add_argument("--local-threads", type=int, default=2)
    parser.add_argument("--tiny", action="store_true", help="the committed test model")
    parser.add_argument("--model", default=None, help="a model folder or hub id")
    parser.add_argument("--scale", type=int, default=2_500_000, help="sentences to simulate")
    parser.add_argument("--work", type=Path, default=Path.home() / ".cache" / "el2en-bench")
    # The child process's own arguments.
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--engine", default="local", help=argparse.SUPPRESS)
    parser.add_argument("--src", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    parser.add_argument("--actors", type=int, default=1, help=argparse.SUPPRESS)
    parser.add_argument("--threads", type=int, default=1, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
    else:
        parent(args)


if __name__ == "__main__":
    main()
