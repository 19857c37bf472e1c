"""Batching by token budget, and the original order restored."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from translate.batching import plan_batches, windows


@given(
    st.lists(st.integers(min_value=1, max_value=300), max_size=200),
    st.integers(min_value=1, max_value=2000),
    st.integers(min_value=0, max_value=40),
)
def test_every_index_in_exactly_one_batch_within_budget(
    costs: list[int], budget: int, max_size: int
) -> None:
    batches = plan_batches(costs, budget, max_size)
    flat = [i for b in batches for i in b]
    assert sorted(flat) == list(range(len(costs)))
    for batch in batches:
        assert batch
        if max_size:
            assert len(batch) <= max_size
        if len(batch) > 1:
            assert len(batch) * max(costs[i] for i in batch) <= budget


def test_batches_are_sorted_by_length_and_padded_cost_bounded() -> None:
    # Sorted: 3, 4, 20 fit (3 x 20 = 60); 49 would make 4 x 49 = 196, so a new batch.
    assert plan_batches([50, 3, 20, 4, 49], 100) == [[1, 3, 2], [4, 0]]
    assert plan_batches([5, 5, 5], 1000, max_size=2) == [[0, 1], [2]]
    # An item over the budget still gets a batch of its own.
    assert plan_batches([500, 1], 100) == [[1], [0]]


@given(st.lists(st.integers(), max_size=100), st.integers(min_value=1, max_value=30))
def test_windows_lose_nothing(items: list[int], size: int) -> None:
    chunks = list(windows(items, size))
    assert [x for c in chunks for x in c] == items
    assert all(0 < len(c) <= size for c in chunks)
