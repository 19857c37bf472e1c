"""Group sentences into batches by a token budget, and put results back in order.

Sorting by length inside a window keeps padding (wasted work) small; the
window bounds memory, so a file of any size streams through.  The budget
counts padded positions (batch size x longest source), which is what the
model actually computes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
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


def run_in_batches(
    items: Sequence[T],
    costs: Sequence[int],
    fn: Callable[[list[T]], list[R]],
    max_tokens: int,
    max_size: int = 0,
    on_batch: Callable[[list[T]], None] | None = None,
) -> list[R]:
    """Return ``fn`` applied to ``items`` in length-sorted batches, in the items' order."""
    results: list[R | None] = [None] * len(items)
    for batch in plan_batches(costs, max_tokens, max_size):
        chunk = [items[i] for i in batch]
        outputs = fn(chunk)
        if len(outputs) != len(batch):
            raise RuntimeError(f"backend returned {len(outputs)} results for {len(batch)} inputs")
        for i, output in zip(batch, outputs, strict=True):
            results[i] = output
        if on_batch is not None:
            on_batch(chunk)
    return results  # type: ignore[return-value]  # every slot was filled above
