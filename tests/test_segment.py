"""Tests for translate.segment: tables of real Greek cases, one or more per rule, and the
invariants every segmentation must keep (hypothesis)."""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from translate.segment import (
    SEGMENTER_VERSION,
    SegmenterOptions,
    segment,
    segmenter_signature,
)

CASES_PATH = Path(__file__).parent / "data" / "segmentation_cases.tsv"
SEED = Path(__file__).parent.parent / "seeds" / "skai-russia-north-korea-shoigu-pyongyang.el.txt"
ANO_ON = SegmenterOptions(ano_teleia_ends_sentence=True)


@dataclass(frozen=True)
class Case:
    rule: str
    ano_teleia_ends_sentence: bool
    text: str
    segments: tuple[str, ...]


def read_cases(path: Path = CASES_PATH) -> list[Case]:
    """Return the edge cases of the table (also read by benchmarks/segmentation.py)."""
    cases = []
    lines = path.read_text(encoding="utf-8").splitlines()
    for line in lines:
        if not line.strip() or line.startswith("#") or line.startswith("rule\t"):
            continue
        rule, policy, text, segments = line.split("\t")
        assert policy in ("ano:off", "ano:on"), f"{rule}: bad policy {policy!r}"
        cases.append(
            Case(
                rule,
                policy == "ano:on",
                text.replace("\\n", "\n"),
                tuple(part.replace("\\n", "\n") for part in segments.split(" || ")),
            )
        )
    return cases


def texts(text: str, options: SegmenterOptions | None = None) -> list[str]:
    return [piece.text for piece in segment(text, options)]


@pytest.mark.parametrize("case", read_cases(), ids=lambda case: case.rule)
def test_edge_case_table(case: Case) -> None:
    options = SegmenterOptions(ano_teleia_ends_sentence=case.ano_teleia_ends_sentence)
    assert texts(case.text, options) == list(case.segments)


def test_edge_case_rules_are_unique() -> None:
    rules = [case.rule for case in read_cases()]
    assert len(rules) == len(set(rules))


def _abbreviation_rows() -> list[tuple[str, str]]:
    table = files("translate").joinpath("data", "el_abbreviations.tsv").read_text("utf-8")
    rows = [line.split("\t") for line in table.splitlines() if line and line[0] != "#"]
    return [(row[0], row[1]) for row in rows]


def _continuation_words() -> list[str]:
    table = files("translate").joinpath("data", "el_continuation_words.txt").read_text("utf-8")
    return [line for line in table.splitlines() if line and not line.startswith("#")]


def _word_list(name: str) -> list[str]:
    table = files("translate").joinpath("data", name).read_text("utf-8")
    return [line for line in table.splitlines() if line and not line.startswith("#")]


NEVER = [word for word, kind in _abbreviation_rows() if kind == "never"]
NAME = [word for word, kind in _abbreviation_rows() if kind == "name"]
MAY = [word for word, kind in _abbreviation_rows() if kind == "may"]
AMOUNT = [word for word, kind in _abbreviation_rows() if kind == "amount"]
UNITS = _word_list("el_units.txt")
OPENERS = _word_list("el_sentence_openers.txt")


def _unaccented(word: str) -> str:
    return word.translate(str.maketrans("άέήίόύώΆΈΉΊΌΎΏ", "αεηιουωΑΕΗΙΟΥΩ"))


def test_abbreviation_table_is_well_formed() -> None:
    rows = _abbreviation_rows()
    assert {kind for _, kind in rows} == {"never", "name", "may", "amount"}
    assert all(word.endswith(".") for word, _ in rows)
    assert len({word for word, _ in rows}) == len(rows)
    for word in ("κ.", "κα.", "κκ.", "δρ.", "καθ.", "αριθ.", "π.χ.", "λ.χ.", "δηλ."):
        assert word in NEVER
    for word in ("βλ.", "σελ.", "τηλ.", "οδ."):
        assert word in NEVER
    # References before a number (issue 12).
    for word in ("ν.", "άρθ.", "παρ.", "σελ.", "αρ.", "αριθ.", "πρωτ.", "τεύχ.", "τόμ."):
        assert word in NEVER
    for word in ("Κυρ.", "Αλ.", "Γιαν.", "Γιάν.", "Θαν.", "Κων.", "Δημ.", "Αικ."):
        assert word in NAME or _unaccented(word) in map(_unaccented, NAME)
    assert all(word[0].isupper() and word[1:].islower() for word in NAME)
    for word in ("χλμ.", "π.μ.", "μ.μ.", "κ.λπ.", "κ.ά.", "α.ε."):
        assert word in MAY
    for word in ("εκατ.", "δισ.", "χιλ."):
        assert word in AMOUNT


@pytest.mark.parametrize("abbreviation", NEVER)
def test_never_ending_abbreviation_before_capital(abbreviation: str) -> None:
    text = f"Το ανέφερε ο {abbreviation} Παπαδόπουλος χθες. Η συζήτηση συνεχίζεται."
    assert texts(text) == [
        f"Το ανέφερε ο {abbreviation} Παπαδόπουλος χθες.",
        "Η συζήτηση συνεχίζεται.",
    ]


@pytest.mark.parametrize("abbreviation", NEVER)
def test_never_ending_abbreviation_capitalised(abbreviation: str) -> None:
    capitalised = abbreviation[0].upper() + abbreviation[1:]
    assert len(texts(f"Σημείωση: {capitalised} Παπαδόπουλος, 12.")) == 1


@pytest.mark.parametrize("abbreviation", NEVER)
def test_never_ending_abbreviation_unaccented(abbreviation: str) -> None:
    # "άρθ. 5" and "αρθ. 5" alike: every entry also matches without its accent.
    text = f"Το ανέφερε το {_unaccented(abbreviation)} 5 χθες. Η συζήτηση συνεχίζεται."
    assert len(texts(text)) == 2


@pytest.mark.parametrize(
    "name", NAME + [_unaccented(name) for name in NAME if name != _unaccented(name)]
)
def test_first_name_abbreviation_before_surname(name: str) -> None:
    text = f"Το ανέφερε ο {name} Παπαδόπουλος χθες. Η συζήτηση συνεχίζεται."
    assert texts(text) == [
        f"Το ανέφερε ο {name} Παπαδόπουλος χθες.",
        "Η συζήτηση συνεχίζεται.",
    ]


@pytest.mark.parametrize("name", NAME)
def test_first_name_abbreviation_before_sentence_opener(name: str) -> None:
    # Only a real word can end there ("με τον Αλ. Η συζήτηση"): before an article, it ends.
    assert len(texts(f"Μίλησε με τον {name} Η συζήτηση συνεχίζεται.")) == 2
    assert len(texts(f"Μίλησε με τον {name} 25 άτομα ήρθαν.")) == 1


@pytest.mark.parametrize("opener", OPENERS)
def test_sentence_openers_end_a_first_name(opener: str) -> None:
    capitalised = opener[0].upper() + opener[1:]
    assert len(texts(f"Συναντήθηκε με τον Αλ. {capitalised} συζήτησαν πολλά.")) == 2


@pytest.mark.parametrize(
    "name",
    ["Σεβ.", "Ιφ.", "Τάσ.", "Μπ.", "Ντ.", "Ευστ.", "Κων/νος.", "Παν/τής.", "Ζαν-Κλ.", "Χ.-Κ."],
)
def test_unknown_first_name_abbreviation(name: str) -> None:
    assert len(texts(f"Το υπογράφει ο {name} Παπαδόπουλος. Η συζήτηση συνεχίζεται.")) == 2


@pytest.mark.parametrize(
    "word",
    [
        "Ιράν.",
        "Μίλαν.",
        "Κιμ.",
        "Τραμπ.",
        "Λιγκ.",
        "Ολάντ.",
        "Σαλέχ.",
        "Ιράκ.",
        "ΑΚΕ/ΕΕ.",
        "Μπιλ.",
        "Τζακ.",
    ],
)
def test_real_sentence_end_that_looks_like_a_name(word: str) -> None:
    # Greek words end in a vowel, ς or ν; foreign names after a nasal or in a digraph,
    # μ, and accented words are left to the ordinary rule.
    assert len(texts(f"Η συνάντηση έγινε με τον {word} Παρόντες ήταν πολλοί.")) == 2


@pytest.mark.parametrize("abbreviation", MAY + AMOUNT)
def test_may_end_abbreviation_before_capital(abbreviation: str) -> None:
    text = f"Το σύνολο ήταν 20 {abbreviation} Η συζήτηση συνεχίζεται."
    assert texts(text) == [f"Το σύνολο ήταν 20 {abbreviation}", "Η συζήτηση συνεχίζεται."]


@pytest.mark.parametrize("abbreviation", AMOUNT)
@pytest.mark.parametrize("unit", UNITS)
def test_amount_before_currency_or_unit(abbreviation: str, unit: str) -> None:
    for spelling in (unit, unit.upper(), unit[0].upper() + unit[1:]):
        assert len(texts(f"Το κόστος ήταν 20 {abbreviation} {spelling} φέτος.")) == 1


@pytest.mark.parametrize("abbreviation", MAY + AMOUNT)
def test_may_end_abbreviation_before_lowercase_or_digit(abbreviation: str) -> None:
    assert len(texts(f"Το σύνολο ήταν 20 {abbreviation} και όχι 30.")) == 1
    assert len(texts(f"Το σύνολο ήταν 20 {abbreviation} 30 άτομα ήρθαν.")) == 1


def test_exact_spelling_wins_over_folded_case() -> None:
    # π.Χ. (BC) may end a sentence, π.χ. (for example) never does.
    assert len(texts("Έγινε το 500 π.Χ. Οι Πέρσες ήρθαν.")) == 2
    assert len(texts("Υπάρχουν λύσεις, π.χ. Οι Πέρσες ήρθαν.")) == 1


def test_final_sigma_is_folded() -> None:
    assert texts("ΤΟ ΚΟΣΤΟΣ ΕΙΝΑΙ 2 ΔΙΣ. ΤΟ ΧΡΕΟΣ ΜΕΓΑΛΟ.") == [
        "ΤΟ ΚΟΣΤΟΣ ΕΙΝΑΙ 2 ΔΙΣ.",
        "ΤΟ ΧΡΕΟΣ ΜΕΓΑΛΟ.",
    ]


@pytest.mark.parametrize("word", _continuation_words())
def test_line_ending_with_function_word_is_joined(word: str) -> None:
    text = f"Η συνάντηση έγινε χθες {word}\nΚιμ Γιονγκ Ουν και τον Πούτιν."
    assert texts(text) == [text]


def test_headline_without_function_word_is_own_segment() -> None:
    text = "Συνάντηση Κιμ και Πούτιν\nΚιμ Γιονγκ Ουν και Πούτιν συναντήθηκαν."
    assert texts(text) == text.split("\n")


def test_paragraph_and_sentence_numbering() -> None:
    text = "\n\nΤίτλος\n\n \t\nΠρώτη πρόταση. Δεύτερη πρόταση.\n   \n\nΤρίτη πρόταση.\n"
    result = list(segment(text))
    assert [(piece.paragraph, piece.index, piece.text) for piece in result] == [
        (0, 0, "Τίτλος"),
        (1, 0, "Πρώτη πρόταση."),
        (1, 1, "Δεύτερη πρόταση."),
        (2, 0, "Τρίτη πρόταση."),
    ]


def test_crlf_line_ends() -> None:
    text = "Τίτλος άρθρου\r\nΠρώτη πρόταση. Δεύτερη\r\nγραμμή.\r\n\r\nΠηγή: skai.gr\r\n"
    result = list(segment(text))
    assert [(piece.paragraph, piece.text) for piece in result] == [
        (0, "Τίτλος άρθρου"),
        (0, "Πρώτη πρόταση."),
        (0, "Δεύτερη\r\nγραμμή."),
        (1, "Πηγή: skai.gr"),
    ]
    assert all(text[piece.start : piece.end] == piece.text for piece in result)


@pytest.mark.parametrize("text", ["", " ", "\n\n", "\r\n \t\u00a0\n"])
def test_blank_text_yields_nothing(text: str) -> None:
    assert list(segment(text)) == []


def test_punctuation_only_text_is_one_segment() -> None:
    assert texts(". . .") == [". . ."]


@pytest.mark.parametrize(
    "text",
    [
        ". " * 200_000,
        "(α) " * 100_000,
        "λέξη\n" * 100_000,
        "Α" * 400_000 + ". Β.",
        "κ. " * 100_000 + "Τέλος.",
    ],
    ids=["lone-dots", "parentheses", "short-lines", "one-long-token", "abbreviations"],
)
def test_pathological_input_stays_linear(text: str) -> None:
    started = time.perf_counter()
    kept = sum(len(piece.text) for piece in segment(text))
    assert kept > 0
    assert time.perf_counter() - started < 5  # quadratic behaviour would take minutes


def test_seed_article() -> None:
    text = SEED.read_text(encoding="utf-8")
    result = list(segment(text))
    by_paragraph: dict[int, list[str]] = {}
    for piece in result:
        by_paragraph.setdefault(piece.paragraph, []).append(piece.text)
    assert len(by_paragraph) == 12
    assert [len(sentences) for sentences in by_paragraph.values()] == [1] * 8 + [2] + [1] * 3
    assert by_paragraph[5] == ["Συνεργασία με ανταλλάγματα"]
    assert by_paragraph[11] == ["Πηγή: skai.gr"]
    assert by_paragraph[8][1].endswith("στη Ρωσία το περασμένο φθινόπωρο. .")
    assert all(piece.text[-1] in ".»" for piece in result if piece.paragraph not in (5, 11))


def test_reference_number_may_end_a_sentence() -> None:
    # "45." after "σελ." is a page number, not a list marker opening a sentence...
    assert len(texts("Στη σελ. 45. Η Βρετανία αντέδρασε.")) == 2
    # ...while a list marker after a colon or at a sentence start stays one.
    assert len(texts("Τα μέτρα: 1. Η μείωση των φόρων. 2. Η αύξηση.")) == 2
    assert len(texts("Περίμενε... 2. Η αύξηση.")) == 1


def test_signature() -> None:
    assert segmenter_signature(None) == f"{SEGMENTER_VERSION}(ano:off)"
    assert segmenter_signature(ANO_ON).endswith("(ano:on)")
    assert SEGMENTER_VERSION.startswith("el2en-seg/")


# --- invariants --------------------------------------------------------------------------

_PIECES = [
    "Η", "Ο", "το", "κ.", "π.χ.", "χλμ.", "Α.Ε.", "10.000", "15.3.2024", "5,2", "skai.gr",
    "«", "»", "(", ")", ".", ";", "\u037e", "…", "...", "·", "\u0387", "!", "?", ":", ",",
    "-", "Πηγή:", "λέξη", "Λέξη", "1.", "α.", "ΔΙΣ.", "\"", "'", "Χ", "x",
]  # fmt: skip
_SPACES = [" ", "  ", "\n", "\r\n", "\n\n", "\n \n", "\t", "\u00a0", "\u2028", "\u3000", "\f"]

_documents = st.lists(
    st.tuples(st.sampled_from(_PIECES), st.sampled_from(_SPACES + [""] * 3)), max_size=60
).map(lambda pairs: "".join(piece + space for piece, space in pairs))
_any_text = st.text(max_size=200)


def _check_invariants(text: str, options: SegmenterOptions | None) -> None:
    result = list(segment(text, options))
    previous_end = 0
    previous = None
    for piece in result:
        assert text[piece.start : piece.end] == piece.text
        assert piece.text and piece.text == piece.text.strip()
        assert text[previous_end : piece.start].strip() == ""
        if previous is not None:
            assert piece.start > previous.end
            if piece.paragraph == previous.paragraph:
                assert piece.index == previous.index + 1
            else:
                assert piece.paragraph == previous.paragraph + 1 and piece.index == 0
        else:
            assert (piece.paragraph, piece.index) == (0, 0)
        previous_end, previous = piece.end, piece
    assert text[previous_end:].strip() == ""
    kept = "".join(piece.text for piece in result)
    assert "".join(kept.split()) == "".join(text.split())


@settings(max_examples=300, deadline=None)
@given(_documents, st.booleans())
def test_invariants_on_greek_like_text(text: str, ano: bool) -> None:
    _check_invariants(text, SegmenterOptions(ano_teleia_ends_sentence=ano))


@settings(max_examples=300, deadline=None)
@given(_any_text, st.booleans())
def test_invariants_on_arbitrary_text(text: str, ano: bool) -> None:
    _check_invariants(text, SegmenterOptions(ano_teleia_ends_sentence=ano))


@settings(max_examples=100, deadline=None)
@given(_documents)
def test_paragraphs_follow_blank_lines(text: str) -> None:
    result = list(segment(text))
    for previous, piece in itertools.pairwise(result):
        gap = text[previous.end : piece.start]
        blank_line = any(not line.strip() for line in gap.split("\n")[1:-1])
        assert (piece.paragraph != previous.paragraph) == blank_line
