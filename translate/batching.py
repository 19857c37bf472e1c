"""Windows of sentences.

The pipeline reads a document in windows (bounding memory, so a file of any
size streams through); a backend decodes a window in length-sorted chunks
(translate.backends.ct2.sub_batches), which keeps padding (wasted work) small.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import islice
from typing import TypeVar

T = TypeVar("T")


def windows(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """Yield consecutive lists of at most ``size`` items."""
    iterator = iter(items)
    while window := list(islice(iterator, size)):
        yield window
