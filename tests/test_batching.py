"""Windows of a document, and the length-sorted chunks a backend decodes them in."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from translate.backends.ct2 import MAX_BATCH_SENTENCES, ONE_CHUNK_SENTENCES, sub_batches
from translate.batching import windows


@given(st.lists(st.integers(min_value=1, max_value=300), max_size=200))
def test_every_index_in_exactly_one_chunk_sorted_and_balanced(lengths: list[int]) -> None:
    chunks = sub_batches(lengths)
    flat = [i for c in chunks for i in c]
    assert sorted(flat) == list(range(len(lengths)))
    assert [lengths[i] for i in flat] == sorted(lengths)
    assert all(chunks)
    if len(lengths) <= ONE_CHUNK_SENTENCES:
        assert len(chunks) == (1 if lengths else 0)
    else:
        assert all(len(c) <= MAX_BATCH_SENTENCES for c in chunks)
        assert len(chunks) == -(-len(lengths) // MAX_BATCH_SENTENCES)  # the fewest
        assert max(map(len, chunks)) - min(map(len, chunks)) <= 1


def test_an_article_is_one_chunk_and_a_long_call_balanced_chunks() -> None:
    assert [len(c) for c in sub_batches([5] * 20)] == [20]
    assert [len(c) for c in sub_batches([5] * 24)] == [24]
    assert [len(c) for c in sub_batches([5] * 25)] == [13, 12]
    assert [len(c) for c in sub_batches([5] * 38)] == [13, 13, 12]
    assert [len(c) for c in sub_batches([5] * 1024)] == [16] * 64
    # Sorted by length, ties in their order.
    assert sub_batches([50, 3, 20, 3]) == [[1, 3, 2, 0]]


@given(st.lists(st.integers(), max_size=100), st.integers(min_value=1, max_value=30))
def test_windows_lose_nothing(items: list[int], size: int) -> None:
    chunks = list(windows(items, size))
    assert [x for c in chunks for x in c] == items
    assert all(0 < len(c) <= size for c in chunks)
