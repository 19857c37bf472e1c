"""Write the eval test data: two systems' JSONL of 12 fixture sentences, their reference, a review.

Run from the repository root: ``.venv/bin/python tests/data/eval/make.py``.
The English of each system is the fixture's reference with hand-made,
MT-like edits (a word dropped, two swapped, one replaced); flags and scores
are set by hand, so that tests know which sentences changed and were flagged.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path

sys.path.insert(0, "tests")
from conftest import read_pairs

from translate.formats import get_writer
from translate.signature import Signature
from translate.types import Sentence

Edit = Callable[[list[str]], list[str]]
PAIRS = read_pairs()[:12]
OUT = Path("tests/data/eval")


def same(w: list[str]) -> list[str]:
    return w


def drop(i: int) -> Edit:
    return lambda w: w[:i] + w[i + 1 :]


def swap(i: int) -> Edit:
    return lambda w: [*w[:i], w[i + 1], w[i], *w[i + 2 :]]


def sub(i: int, new: str) -> Edit:
    return lambda w: [*w[:i], new, *w[i + 1 :]]


def both(first: Edit, second: Edit) -> Edit:
    return lambda w: second(first(w))


A: list[tuple[Edit, tuple[str, ...], float | None]] = [
    (same, (), -0.35),
    (drop(3), ("low_score",), -1.72),
    (same, (), -0.41),
    (both(sub(5, "the"), swap(2)), ("low_score", "length"), -1.95),
    (same, ("low_score",), -1.61),
    (sub(1, "Korea's"), (), -0.88),
    (same, (), -0.52),
    (both(drop(4), drop(4)), ("numbers",), -1.18),
    (same, ("passthrough",), None),
    (sub(0, "It"), ("low_score", "untranslated"), -2.31),
    (same, ("numbers",), -0.66),
    (swap(6), (), -0.97),
]
B: list[tuple[Edit, tuple[str, ...], float | None]] = [
    (same, (), -0.30),
    (same, (), -0.92),
    (same, (), -0.38),
    (swap(2), ("low_score",), -1.55),
    (same, (), -0.73),
    (same, (), -0.61),
    (same, (), -0.49),
    (drop(4), ("numbers",), -1.02),
    (same, ("passthrough",), None),
    (sub(0, "It"), ("low_score",), -1.71),
    (same, (), -0.58),
    (same, (), -0.64),
]


def sentences(plan: list[tuple[Edit, tuple[str, ...], float | None]]) -> Iterator[Sentence]:
    for i, ((el, en), (edit, flags, score)) in enumerate(zip(PAIRS, plan, strict=True)):
        english = " ".join(edit(en.split()))
        yield Sentence(
            "news.el.txt", i // 3, i % 3, 0, len(el), el, el, english, flags, score=score
        )


def main() -> None:
    for name, plan, model in (
        ("a", A, "Helsinki-NLP/opus-mt-el-en"),
        ("b", B, "Helsinki-NLP/opus-mt-tc-big-el-en"),
    ):
        fields = (("model", model), ("rev", "test"), ("beam", "4"), ("el2en", "0.2.0"))
        with open(OUT / f"{name}.jsonl", "w", encoding="utf-8") as f:
            get_writer("jsonl")(sentences(plan), [f], Signature(fields))
    with open(OUT / "ref.en", "w", encoding="utf-8") as f:
        f.writelines(en + "\n" for _, en in PAIRS)
    # A reviewer's XLIFF: the reference English, units in another order, the last two left out.
    order = [3, 0, 1, 2, 5, 4, 7, 6, 9, 8]
    reviewed = [
        Sentence("news.el.txt", 0, n, 0, len(PAIRS[i][0]), PAIRS[i][0], PAIRS[i][0], PAIRS[i][1])
        for n, i in enumerate(order)
    ]
    signature = Signature((("model", "Helsinki-NLP/opus-mt-el-en"), ("el2en", "0.2.0")))
    with open(OUT / "reviewed.xlf", "w", encoding="utf-8") as f:
        get_writer("xliff")(reviewed, [f], signature)


if __name__ == "__main__":
    main()
