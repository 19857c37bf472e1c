"""The normaliser: what OPUS-MT's training preprocessing did, and nothing more."""

from __future__ import annotations

import pytest

from translate.normalise import normalise, normaliser_signature


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("θα «υποστηρίξει άνευ όρων»", 'θα "υποστηρίξει άνευ όρων"'),
        ("Είπε “ναι” και ‘όχι’", "Είπε \"ναι\" και 'όχι'"),
        ("Και μετά…", "Και μετά..."),
        ("δύο  κενά\tκαι\nγραμμή", "δύο κενά και γραμμή"),
        ("αόρατο\u200bκενό\u00adεδώ", "αόρατοκενόεδώ"),
        ("χωρίς\u00a0διακοπή", "χωρίς διακοπή"),
        ("ελέγχου\x07χαρακτήρας", "ελέγχουχαρακτήρας"),
        # NFC: an accented vowel typed as letter + combining accent becomes one character.
        ("ε\u0301να", "ένα"),
        ("  άκρα  ", "άκρα"),
        ("Τι έγινε;", "Τι έγινε;"),
        ("10.000-12.000 και 15.3.2024", "10.000-12.000 και 15.3.2024"),
        ("", ""),
        ("\u200b", ""),
    ],
)
def test_normalise(raw: str, expected: str) -> None:
    assert normalise(raw) == expected


def test_signature_names_version_and_library() -> None:
    assert normaliser_signature().startswith("moses-el+1(sacremoses-")
