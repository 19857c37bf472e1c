"""Windows of sentences, and batches of them sorted by length.

The pipeline reads a document in windows (bounding memory, so a file of any
size streams through); a backend decodes a window in length-sorted batches,
which keeps padding (wasted work) small.  A budget, when given, counts padded
positions (batch size x longest source), which is what the model computes.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from itertools import islice
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")


def windows(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """Yield consecutive lists of at most ``size`` items."""
    iterator = iter(items)
    while window := list(islice(iterator, size)):
        yield window


def plan_batches(costs: Sequence[int], max_tokens: int, max_size: int = 0) -> list[list[int]]:
    """Return batches of indices into ``costs``, sorted by cost, each within the budget.

    A batch's cost is its size times its largest item's cost; an item costlier
    than the whole budget still gets a batch of its own.  ``max_size`` (if
    positive) also caps the number of items in a batch.
    """
    order = sorted(range(len(costs)), key=lambda i: costs[i])
    batches: list[list[int]] = []
    batch: list[int] = []
    for i in order:
        # Sorted ascending, so this item is the batch's longest.
        too_many = max_size > 0 and len(batch) >= max_size
        if batch and (too_many or (len(batch) + 1) * costs[i] > max_tokens):
            batches.append(batch)
            batch = []
        batch.append(i)
    if batch:
        batches.append(batch)
    return batches
