"""Measure the QA flags' thresholds: distributions on clean and damaged translations.

Runs the committed test model (tests/fixtures/tiny-marian-el-en) with the
CTranslate2 backend on the 65 reference pairs of tests/fixtures/parallel/el-en.tsv,
and scores, by forced decoding (CTranslate2 ``score_batch``: the model's
mean log-probability per target token, end token included, as the backends
report it), the references and deliberately damaged translations of each:

* truncated: the first 45% of the reference's words;
* repeated: the reference with its last four words said three more times
  (Marian's looping), and the reference said twice (a doubled clause);
* untranslated: the reference's last third replaced by the Greek's last third;
* numbers: the reference with its first number changed (or removed, when it
  has none, from a Greek sentence that has one: skipped).

It prints each measure's distribution per set, and each QA flag's precision and
recall with the default thresholds of :class:`translate.qa.QAOptions`:
recall on the damage the flag is meant for, false alarms on the clean
references and on the model's own translations.  Run:

    python benchmarks/qa_thresholds.py

The test model has memorised its references, so its scores of clean text are
near 0 and far from the real opus-mt-el-en's; the score threshold's default
is set from this measurement's damaged/clean gap with a wide margin and should
be re-measured on the real model when it is at hand (``--model DIR``).
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from translate import flags  # noqa: E402
from translate.normalise import normalise  # noqa: E402
from translate.qa import (  # noqa: E402
    QAOptions,
    check,
    greek_letters,
    length_ratio,
    ngram_repeats,
    tandem_repeats,
    words,
)
from translate.types import Sentence  # noqa: E402

PARALLEL = ROOT / "tests" / "fixtures" / "parallel" / "el-en.tsv"
FIXTURE_MODEL = ROOT / "tests" / "fixtures" / "tiny-marian-el-en"


@dataclass
class Case:
    """A Greek sentence, an English translation, what was done to it, and its score."""

    el: str
    en: str
    damage: str  # "clean", "model", "truncated", "looped", "doubled", "untranslated", "numbers"
    score: float | None = None


#: The flag each damage is meant to raise.
TARGET = {
    "truncated": flags.LENGTH,
    "looped": flags.REPETITION,
    "doubled": flags.REPETITION,
    "untranslated": flags.UNTRANSLATED,
    "numbers": flags.NUMBERS,
}


def read_pairs() -> list[tuple[str, str]]:
    import csv

    with open(PARALLEL, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))
    return [(row["el"], row["en"]) for row in rows]


def damaged(el: str, en: str) -> list[Case]:
    """Return the damaged translations of one reference pair."""
    tokens = en.split()
    cases = [
        Case(el, " ".join(tokens[: max(1, int(len(tokens) * 0.45))]), "truncated"),
        Case(el, en.rstrip(".") + (" " + " ".join(tokens[-4:]).rstrip(".")) * 3 + ".", "looped"),
        Case(el, f"{en} {en}", "doubled"),
    ]
    greek = el.split()
    keep = tokens[: max(1, len(tokens) * 2 // 3)]
    cases.append(Case(el, " ".join(keep + greek[len(greek) * 2 // 3 :]), "untranslated"))
    number = re.search(r"\d+", en)
    if number and re.search(r"\d", el):
        changed = str(int(number[0]) + 1)
        cases.append(Case(el, en[: number.start()] + changed + en[number.end() :], "numbers"))
    return cases


def forced_scores(model: Path, cases: list[Case]) -> None:
    """Set each case's score: the model's mean log-probability of its English."""
    from translate.backends import DecodeOptions
    from translate.backends.ct2 import CTranslate2Backend
    from translate.hub import resolve_model

    backend = CTranslate2Backend(resolve_model(str(model), None), DecodeOptions())
    spm = backend.tokenizer
    sources = [spm.source_pieces(normalise(c.el)) for c in cases]
    targets = [spm.target.encode(c.en, out_type=str) for c in cases]
    results = backend.translator.score_batch(sources, targets)
    for case, result in zip(cases, results, strict=True):
        case.score = sum(result.log_probs) / len(result.log_probs)


def model_translations(model: Path, pairs: list[tuple[str, str]]) -> list[Case]:
    """Return the model's own translations of the references, with the pipeline's scores."""
    from translate.pipeline import TranslateConfig, Translator

    translator = Translator(TranslateConfig(model=str(model), backend="ctranslate2"))
    sentences = [
        Sentence(f"s{i}", 0, 0, 0, len(el), el, normalise(el)) for i, (el, _) in enumerate(pairs)
    ]
    return [
        Case(s.source, s.translation or "", "model", s.score)
        for s in translator.translate(sentences)
    ]


def describe(values: Sequence[float]) -> str:
    """Return min / 5th percentile / median / 95th percentile / max."""
    ordered = sorted(values)
    if not ordered:
        return "-"

    def at(q: float) -> float:
        return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]

    parts = (ordered[0], at(0.05), statistics.median(ordered), at(0.95), ordered[-1])
    return " / ".join(f"{v:7.3f}" for v in parts)


MEASURES: dict[str, Callable[[Case], float]] = {
    "score": lambda c: c.score if c.score is not None else float("nan"),
    "length ratio": lambda c: length_ratio(c.el, c.en),
    "tandem repeats": lambda c: tandem_repeats(words(c.en)),
    "4-gram repeats": lambda c: ngram_repeats(words(c.en), 4),
    "greek letters": lambda c: greek_letters(c.en),
}


def sentence(case: Case) -> Sentence:
    return Sentence(
        "d", 0, 0, 0, len(case.el), case.el, normalise(case.el), case.en, score=case.score
    )


def bad_cases(cases: list[Case]) -> list[Case]:
    return [c for c in cases if c.damage in TARGET]


def report(cases: list[Case], options: QAOptions) -> None:
    kinds = list(dict.fromkeys(c.damage for c in cases))
    print("Distributions (min / p5 / median / p95 / max):")
    for name, measure in MEASURES.items():
        print(f"  {name}")
        for kind in kinds:
            values = [measure(c) for c in cases if c.damage == kind]
            print(f"    {kind:13} n={len(values):3}  {describe(values)}")
    found = {id(c): set(check(sentence(c), options)) for c in cases}
    print(f"\nFlags with the defaults: {options}")
    print(f"  {'flag':13} {'fires on':22} {'recall':>8} {'false alarms (clean refs / model)':>36}")
    clean = [c for c in cases if c.damage == "clean"]
    model = [c for c in cases if c.damage == "model"]
    for flag in flags.QA:
        meant = [c for c in cases if TARGET.get(c.damage) == flag]
        if flag == flags.LOW_SCORE:
            meant = [c for c in cases if c.damage in TARGET]
        hits = sum(flag in found[id(c)] for c in meant)
        clean_alarms = sum(flag in found[id(c)] for c in clean)
        model_alarms = sum(flag in found[id(c)] for c in model)
        target = (
            "any damage"
            if flag == flags.LOW_SCORE
            else ", ".join(sorted({c.damage for c in meant}))
        )
        recall = hits / len(meant) if meant else float("nan")
        print(
            f"  {flag:13} {target:22} {recall:8.3f} "
            f"{clean_alarms:>18}/{len(clean)} {model_alarms:>10}/{len(model)}"
        )
    print("\nlow_score alone, by threshold (damaged = positives; clean refs + model = negatives):")
    negatives = clean + model
    for threshold in (-0.1, -0.25, -0.5, -1.0, -1.5, -2.0, -3.0):
        fired = [c for c in cases if c.score is not None and c.score < threshold]
        true = sum(1 for c in fired if c.damage in TARGET)
        alarms = sum(1 for c in negatives if c.score is not None and c.score < threshold)
        print(
            f"  min_score {threshold:5.2f}: precision {true / max(1, len(fired)):.3f}, "
            f"recall {true / max(1, len(bad_cases(cases))):.3f}, "
            f"false alarms {alarms}/{len(negatives)}"
        )
    flagged = [c for c in cases if found[id(c)]]
    bad = [c for c in cases if c.damage in TARGET]
    true = sum(1 for c in flagged if c.damage in TARGET)
    print(
        f"\nAny QA flag: precision {true / max(1, len(flagged)):.3f} "
        f"(flagged {len(flagged)}, of which damaged {true}), "
        f"recall {true / max(1, len(bad)):.3f} over {len(bad)} damaged translations"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=FIXTURE_MODEL, help="Marian model folder")
    parser.add_argument("--min-score", type=float, default=None, help="try another threshold")
    args = parser.parse_args()
    pairs = read_pairs()
    cases = [Case(el, en, "clean") for el, en in pairs]
    cases += [c for el, en in pairs for c in damaged(el, en)]
    forced_scores(args.model, cases)
    cases += model_translations(args.model, pairs)
    options = QAOptions() if args.min_score is None else QAOptions(min_score=args.min_score)
    report(cases, options)


if __name__ == "__main__":
    main()
