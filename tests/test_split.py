"""Long sentences are cut at clause boundaries, never truncated."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from translate.split import split_to_fit


def words(text: str) -> int:
    return len(text.split())


LONG = (
    "Ο Κιμ είπε ότι, παρά τις απώλειες, θα στηρίξει τη Ρωσία· "
    "η Μόσχα ευχαρίστησε: όλα καλά, όπως είπε ο ίδιος σήμερα"
)


def test_short_sentence_is_one_piece() -> None:
    assert split_to_fit("Ο Κιμ ήρθε.", words, 10) == ["Ο Κιμ ήρθε."]


def test_ano_teleia_before_commas() -> None:
    # The ano teleia is the strongest boundary present, so it is cut first.
    assert split_to_fit(LONG, words, 12) == [
        "Ο Κιμ είπε ότι, παρά τις απώλειες, θα στηρίξει τη Ρωσία·",
        "η Μόσχα ευχαρίστησε: όλα καλά, όπως είπε ο ίδιος σήμερα",
    ]


@pytest.mark.parametrize(
    ("text", "pieces"),
    [
        ("α β γ; δ ε ζ", ["α β γ;", "δ ε ζ"]),
        ("α β: γ δ, ε ζ", ["α β:", "γ δ, ε ζ"]),
        ("α β, γ δ, ε ζ", ["α β,", "γ δ, ε ζ"]),
        ("α β γ δ ε ζ", ["α β γ", "δ ε ζ"]),
    ],
)
def test_boundary_priority(text: str, pieces: list[str]) -> None:
    assert split_to_fit(text, words, 4) == pieces


def test_one_giant_token_is_halved() -> None:
    assert split_to_fit("x" * 40, len, 10) == ["x" * 10] * 4


@given(
    st.lists(
        st.sampled_from(["λέξη", "και,", "εδώ;", "τότε:", "ναι·", "123"]), min_size=1, max_size=80
    ),
    st.integers(min_value=1, max_value=20),
)
def test_pieces_fit_and_keep_every_word(tokens: list[str], limit: int) -> None:
    text = " ".join(tokens)
    pieces = split_to_fit(text, words, limit)
    assert all(words(p) <= limit for p in pieces)
    assert " ".join(pieces).split() == text.split()
