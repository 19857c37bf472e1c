"""House glossary: term adherence of each enforcement method, and its cost.

    python benchmarks/glossary.py                          # test model, quality + a short cost run
    python benchmarks/glossary.py --arch opus              # + random model of opus-mt-el-en's shape
    python benchmarks/glossary.py --arch opus --quality-only
    python benchmarks/glossary.py --arch opus --sentences 2000 --repeat 3   # quiet machine
    python benchmarks/glossary.py --model /srv/models/opus-mt-el-en          # the real model

Quality, on tests/data/glossary/sentences.tsv (Greek news sentences with
inflected, capitalised and accentless term forms, and look-alikes) and
tests/data/glossary/news.glossary.txt, for every method of translate.terms:

- adherence: expected term occurrences whose agreed English is in the
  output, exact match on whole words (as in the WMT terminology task);
- silently broken: sentences where an expected term's English is missing and
  no ``term`` flag says so (target 0);
- look-alikes forced: look-alike sentences where a look-alike entry matched,
  or its English appears with the glossary and not without (target 0);
- unchanged: sentences with no match whose translation is byte-identical to
  the run without a glossary (target: all).

Cost: documents of 50 sentences where 1 sentence in 5 has a term (the test
set's term sentences between Greek-like filler sentences), translated with
and without the glossary by the same loaded backend, alternating, ``--repeat``
rounds, median sentences/s.  Target: >= 0.9x without the glossary.

The random model (``--arch opus``) is built once by benchmarks/throughput.py's
recipe under ``--work``.  It translates nothing meaningfully: its adherence
shows what each method forces, not what a trained model would choose.
"""

from __future__ import annotations

import argparse
import csv
import os
import statistics
import sys
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(HERE))

DATA = REPO / "tests" / "data" / "glossary"
GLOSSARY = DATA / "news.glossary.txt"
TEST_SET = DATA / "sentences.tsv"
TEST_MODEL = REPO / "tests" / "fixtures" / "tiny-marian-el-en"


@dataclass
class Row:
    el: str
    terms: list[str]
    lookalikes: list[str]


def test_set() -> list[Row]:
    with open(TEST_SET, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))
    return [
        Row(
            r["el"],
            [t for t in r["terms"].split("|") if t],
            [t for t in r["lookalikes"].split("|") if t],
        )
        for r in rows
    ]


def sentences_of(texts: list[str], doc_id: str) -> list[Any]:
    from translate.normalise import normalise
    from translate.types import Sentence

    return [
        Sentence(doc_id, i, 0, 0, len(t), t, normalise(t), starts_line=True)
        for i, t in enumerate(texts)
    ]


def translator(model: Any, backend: Any, method: str | None) -> Any:
    from translate.pipeline import TranslateConfig, Translator

    config = TranslateConfig(model=str(model.path))
    if method is not None:
        config = replace(config, glossary=(str(GLOSSARY),), term_method=method)
    return Translator(config, model, backend=backend)


def quality(model: Any, backend: Any, methods: list[str]) -> None:
    from translate.glossary import Glossary, has_english

    glossary = Glossary.load([str(GLOSSARY)])
    english = {t.greek: t.english for t in glossary.terms}
    rows = test_set()
    base = list(translator(model, backend, None).translate(sentences_of([r.el for r in rows], "q")))
    expected = sum(len(r.terms) for r in rows)
    lookalike_rows = sum(1 for r in rows if r.lookalikes)
    plain = [r for r in rows if not r.terms]
    # A term the model's vocabulary cannot spell (the test model and the random one
    # lack some letters, e.g. Y and Z) can be flagged, never produced.
    vocab = backend.tokenizer.vocab
    spellable = {
        greek: all(p in vocab for p in backend.target_pieces(text))
        for greek, text in english.items()
    }
    reachable = sum(spellable[e] for r in rows for e in r.terms)
    print(
        f"# test set: {len(rows)} sentences, {expected} expected terms, "
        f"{lookalike_rows} with look-alikes, {len(plain)} with no match"
    )
    print(
        "| method | adherence | adherence, spellable terms | silently broken | "
        "look-alikes forced | flagged term | unchanged (no match) | repaired | seconds |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for method in ["none", *methods]:
        t = translator(model, backend, None if method == "none" else method)
        started = time.perf_counter()
        out = list(t.translate(sentences_of([r.el for r in rows], "q")))
        seconds = time.perf_counter() - started
        hits = broken = forced = flagged = unchanged = spelled = 0
        for row, s, b in zip(rows, out, base, strict=True):
            text = s.translation or ""
            missing = [e for e in row.terms if not has_english(text, english[e])]
            hits += len(row.terms) - len(missing)
            spelled += sum(spellable[e] for e in row.terms if e not in missing)
            if "term" in s.flags:
                flagged += 1
            if missing and "term" not in s.flags:
                broken += 1
            for entry in row.lookalikes:
                listed = any(item.startswith(f"{entry} = ") for item in s.terms)
                # Its English newly in the output, and not as part of an expected
                # term's ("Mitsotakis" inside "Kyriakos Mitsotakis").
                new = (
                    has_english(text, english[entry])
                    and not has_english(b.translation or "", english[entry])
                    and not any(english[entry] in english[e] for e in row.terms)
                )
                forced += listed or new
            if not row.terms:
                unchanged += s.translation == b.translation and s.flags == b.flags
        repaired = t.terms.repaired if t.terms is not None else 0
        broken_text = str(broken) if method != "none" else f"{broken} (no glossary)"
        print(
            f"| {method} | {hits / expected:.3f} ({hits}/{expected}) | "
            f"{spelled / max(reachable, 1):.3f} ({spelled}/{reachable}) | {broken_text} | "
            f"{forced} | {flagged} | {unchanged}/{len(plain)} | {repaired} | {seconds:.2f} |"
        )


def cost_documents(n: int) -> list[list[str]]:
    """Return ``n`` sentences in documents of 50, every fifth one from the test set's term rows."""
    from throughput import workload

    from translate.glossary import Glossary

    glossary = Glossary.load([str(GLOSSARY)])
    with_terms = [r.el for r in test_set() if r.terms]
    filler = [s for s in workload(n, seed=13) if not glossary.find(s)]
    docs: list[list[str]] = []
    texts: list[str] = []
    k = 0
    for i in range(n):
        texts.append(
            with_terms[i // 5 % len(with_terms)] if i % 5 == 4 else filler[k % len(filler)]
        )
        k += i % 5 != 4
        if len(texts) == 50:
            docs.append(texts)
            texts = []
    if texts:
        docs.append(texts)
    return docs


def cost(model: Any, backend: Any, methods: list[str], n: int, repeat: int) -> None:
    docs = cost_documents(n)
    batches = [sentences_of(d, f"doc{j}") for j, d in enumerate(docs)]
    total = sum(len(b) for b in batches)
    runs: dict[str, list[float]] = {m: [] for m in ["none", *methods]}
    cpu: dict[str, list[float]] = {m: [] for m in runs}
    decoded: dict[str, int] = dict.fromkeys(runs, 0)
    translators = {m: translator(model, backend, None if m == "none" else m) for m in runs}
    counting = _count_decodes(backend)
    for _ in range(repeat):
        for method, t in translators.items():
            counting["sources"] = 0
            started, started_cpu = time.perf_counter(), time.process_time()
            for sentences in batches:
                t.document_signature(sentences)  # the per-document digest is part of the cost
                for _ in t.translate(sentences):
                    pass
            runs[method].append(total / (time.perf_counter() - started))
            cpu[method].append(time.process_time() - started_cpu)
            decoded[method] = counting["sources"]
    base = statistics.median(runs["none"])
    base_cpu = statistics.median(cpu["none"])
    print(
        f"# cost: {len(batches)} documents, {total} sentences, 1 in 5 with a term; "
        f"median of {repeat} alternating rounds.  Wall-clock rates need a quiet machine; the "
        "CPU seconds of this process and the sentences handed to the decoder (each at the "
        "same beam) are steadier on a busy one"
    )
    print(
        "| method | sentences/s | vs no glossary | CPU s | vs no glossary (CPU) | "
        "sentences decoded |"
    )
    print("|---|---|---|---|---|---|")
    for method, rates in runs.items():
        rate, seconds = statistics.median(rates), statistics.median(cpu[method])
        print(
            f"| {method} | {rate:.1f} | {rate / base:.3f}x | {seconds:.1f} | "
            f"{base_cpu / seconds:.3f}x | {decoded[method]} |"
        )


def cli_cost(model_path: Path, methods: list[str], n: int, repeat: int, threads: int) -> None:
    """Time el2en itself with and without the glossary: ``batch`` of the documents, and
    ``translate`` of them as one file, each run in its own process, alternating."""
    import shutil
    import tempfile

    from batch import CPU_SECONDS, timed, write_articles
    from throughput import _env, el2en_command

    docs = cost_documents(n)
    base = Path(tempfile.mkdtemp(prefix="el2en-gloss-bench-"))
    src = base / "in"
    write_articles(src, docs)
    one = base / "one.txt"
    one.write_text("\n\n".join(s for d in docs for s in d) + "\n", encoding="utf-8")
    env = _env(Path(os.environ["EL2EN_MODELS_DIR"]) if "EL2EN_MODELS_DIR" in os.environ else None)
    common = ["--model", str(model_path), "--threads", str(threads), "-f", "jsonl", "-q"]
    el2en = el2en_command()
    systems = {
        f"{path} {method}": (path, method)
        for method in ["none", *methods]
        for path in ("batch", "translate")
    }
    wall: dict[str, list[float]] = {k: [] for k in systems}
    cpu: dict[str, list[float]] = {k: [] for k in systems}
    for round_ in range(repeat):
        order = list(systems) if round_ % 2 == 0 else list(reversed(systems))
        for label in order:
            path, method = systems[label]
            out = base / "out"
            shutil.rmtree(out, ignore_errors=True)
            steer = (
                [] if method == "none" else ["--glossary", str(GLOSSARY), "--term-method", method]
            )
            if path == "batch":
                command = [*el2en, "batch", str(src), str(out), *common, "--no-cache", *steer]
            else:
                command = [*el2en, "translate", str(one), "-o", f"{out}/", *common, *steer]
            wall[label].append(timed(command, env))
            cpu[label].append(CPU_SECONDS[-1])
    shutil.rmtree(base, ignore_errors=True)
    total = sum(len(d) for d in docs)
    print(
        f"# el2en itself: {len(docs)} documents of 50 ({total} sentences, 1 in 5 with a term) "
        f"as `el2en batch --no-cache` (documents in flight) and as one file with `el2en "
        f"translate`; each a process of its own (model load included); median of {repeat} "
        "alternating rounds"
    )
    print("| run | method | sentences/s | vs no glossary | CPU s | vs no glossary (CPU) |")
    print("|---|---|---|---|---|---|")
    for label, (path, method) in systems.items():
        seconds, used = statistics.median(wall[label]), statistics.median(cpu[label])
        none_s = statistics.median(wall[f"{path} none"])
        none_cpu = statistics.median(cpu[f"{path} none"])
        print(
            f"| el2en {path} | {method} | {total / seconds:.1f} | {none_s / seconds:.3f}x | "
            f"{used:.1f} | {none_cpu / used:.3f}x |"
        )


def _count_decodes(backend: Any) -> dict[str, int]:
    """Count the sources the backend is asked to decode (first decodes and repairs)."""
    counts = {"sources": 0}
    plain, steered = backend.translate_batch, backend.hypotheses

    def translate_batch(sources: list[str], *args: Any, **kwargs: Any) -> Any:
        counts["sources"] += len(sources)
        return plain(sources, *args, **kwargs)

    def hypotheses(sources: list[str], *args: Any, **kwargs: Any) -> Any:
        counts["sources"] += len(sources)
        return steered(sources, *args, **kwargs)

    backend.translate_batch, backend.hypotheses = translate_batch, hypotheses
    return counts


def open_model(path: Path, threads: int) -> tuple[Any, Any]:
    from translate.backends import DecodeOptions, open_backend
    from translate.hub import resolve_model

    model = resolve_model(str(path))
    return model, open_backend("ctranslate2", model, DecodeOptions(threads=threads))


def main() -> None:
    from translate.terms import METHODS

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--arch",
        choices=("test", "opus"),
        default="test",
        help="test: the committed test model only; opus: also a random "
        "model of opus-mt-el-en's architecture",
    )
    parser.add_argument("--methods", default=",".join(METHODS))
    parser.add_argument("--sentences", type=int, default=200, help="sentences for the cost run")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--quality-only", action="store_true")
    parser.add_argument(
        "--cli",
        action="store_true",
        help="also time el2en batch and el2en translate themselves, with and without the glossary",
    )
    parser.add_argument(
        "--model",
        type=Path,
        action="append",
        default=[],
        help="also a local model folder (e.g. a copy of the real opus-mt-el-en); repeatable",
    )
    parser.add_argument("--work", type=Path, default=Path.home() / ".cache" / "el2en-bench")
    args = parser.parse_args()
    methods = [m for m in args.methods.split(",") if m]
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from throughput import OPUS_EOS_BIAS, RECIPE, build_once, machine

    print(f"# el2en glossary benchmark: {' '.join(sys.argv[1:]) or '(defaults)'}")
    print(f"# machine: {machine()}; load average before: {os.getloadavg()[0]:.2f}")
    models = [("test model (tests/fixtures/tiny-marian-el-en)", TEST_MODEL)]
    if args.arch == "opus":
        os.environ.setdefault("EL2EN_MODELS_DIR", str(args.work / "store"))
        folder = args.work / f"opus-mt-el-en-arch-random-{RECIPE}"
        built = build_once(folder, "OPUS_MT_EL_EN", OPUS_EOS_BIAS, 8000)
        models.append(("random model, opus-mt-el-en architecture, int8", built))
    models += [(f"model {path}", path) for path in args.model]
    for label, path in models:
        print(f"\n## {label}\n")
        model, backend = open_model(path, args.threads)
        quality(model, backend, methods)
        if not args.quality_only:
            print()
            cost(model, backend, methods, args.sentences, args.repeat)
            if args.cli:
                print()
                cli_methods = [m for m in methods if m != "flag"]
                cli_cost(path, cli_methods, args.sentences, args.repeat, args.threads)


if __name__ == "__main__":
    main()
