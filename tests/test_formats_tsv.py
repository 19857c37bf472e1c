"""TSV that standard readers load: csv.DictReader and pandas give every field back exactly."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas as pd
from format_cases import SENTENCES, SIG, render, sentence, write_files
from hypothesis import given, settings
from hypothesis import strategies as st

from translate.formats.tsv import COLUMNS, format_score
from translate.signature import Signature
from translate.types import Sentence


def expected_row(s: Sentence) -> dict[str, str]:
    return {
        "doc": s.doc_id,
        "paragraph": str(s.paragraph),
        "sentence": str(s.index),
        "el": s.source,
        "en": s.translation or "",
        "flags": ",".join(s.flags),
        "score": format_score(s.score),
        "provenance": s.provenance or "",
        "terms": "; ".join(s.terms),
        "signature": str(SIG),
        "mt": s.translation or "",
    }


def test_header_is_the_first_line() -> None:
    (text,) = render("tsv")
    assert text.split("\r\n", 1)[0] == "\t".join(COLUMNS)
    assert COLUMNS[:7] == ("doc", "paragraph", "sentence", "el", "en", "flags", "score")


def test_csv_dictreader_with_excel_tab_gives_every_field_exactly(tmp_path: Path) -> None:
    (path,) = write_files(tmp_path, "tsv")
    with open(path, encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f, dialect="excel-tab")
        assert tuple(reader.fieldnames or ()) == COLUMNS
        rows = list(reader)
    assert rows == [expected_row(s) for s in SENTENCES]


def test_pandas_defaults_give_the_columns_and_the_text_exactly(tmp_path: Path) -> None:
    (path,) = write_files(tmp_path, "tsv")
    frame = pd.read_csv(path, sep="\t")
    assert tuple(frame.columns) == COLUMNS
    assert len(frame) == len(SENTENCES)
    assert list(frame["el"]) == [s.source for s in SENTENCES]
    assert list(frame["en"]) == [s.translation for s in SENTENCES]
    assert list(frame["paragraph"]) == [s.paragraph for s in SENTENCES]
    assert list(frame["sentence"]) == [s.index for s in SENTENCES]
    for value, s in zip(frame["score"], SENTENCES, strict=True):
        assert pd.isna(value) if s.score is None else round(s.score, 4) == value
    assert set(frame["signature"]) == {str(SIG)}
    assert Signature.parse(frame["signature"][0]) == SIG
    # Empty fields are NaN under pandas' defaults; keep_default_na=False gives "".
    exact = pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False)
    assert exact.to_dict("records") == [expected_row(s) for s in SENTENCES]


def test_quotes_are_not_stripped_and_backslashes_not_escaped() -> None:
    (text,) = render("tsv")
    # The csv module doubles quotes inside a quoted field; it never adds backslashes.
    assert '"""Θα δούμε"", είπε ο κ. Σοϊγκού."' in text
    assert "\\\\" not in text


_texts = st.text(
    alphabet=st.characters(codec="utf-8"),  # no lone surrogates
    max_size=40,
)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(_texts, _texts), min_size=1, max_size=5))
def test_any_text_round_trips_through_csv_and_pandas(pairs: list[tuple[str, str]]) -> None:
    rows = [sentence("d", 0, i, el, en) for i, (el, en) in enumerate(pairs)]
    (text,) = render("tsv", rows)
    read = list(csv.DictReader(io.StringIO(text, newline=""), dialect="excel-tab"))
    assert [(r["el"], r["en"]) for r in read] == pairs
    frame = pd.read_csv(io.StringIO(text, newline=""), sep="\t", dtype=str, keep_default_na=False)
    assert list(zip(frame["el"], frame["en"], strict=True)) == pairs
