"""Segments with nothing to translate skip the model."""

from __future__ import annotations

import pytest

from translate.passthrough import nothing_to_translate


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "...",
        "—",
        "10.000",
        "15.3.2024",
        "5,2%",
        "(1)",
        "***",
        "skai.gr",
        "https://www.skai.gr/news/world",
        "www.ertnews.gr",
        "info@skai.gr",
        "«skai.gr»",
    ],
)
def test_nothing_to_translate(text: str) -> None:
    assert nothing_to_translate(text)


@pytest.mark.parametrize(
    "text",
    [
        "Πηγή: skai.gr",
        "Α.Ε.",
        "Τι;",
        "Ναι.",
        "Στις 15.3.2024 βρέχει.",
        "ΗΠΑ",
        "Διαβάστε στο skai.gr",
    ],
)
def test_something_to_translate(text: str) -> None:
    assert not nothing_to_translate(text)
