"""QA flags: each fires on a case built for it and stays quiet on clean translations."""

from __future__ import annotations

import inspect
from decimal import Decimal
from pathlib import Path

import pytest
from conftest import read_pairs
from hypothesis import given
from hypothesis import strategies as st

from translate import flags as flags_
from translate.normalise import normalise
from translate.qa import QAOptions, annotate, check, greek_numbers, missing_numbers
from translate.types import Sentence

PAIRS = read_pairs()
LONG_EL, LONG_EN = PAIRS[0]


def sentence(
    el: str, en: str | None, score: float | None = None, flags: tuple[str, ...] = ()
) -> Sentence:
    return Sentence("doc", 0, 0, 0, len(el), el, normalise(el), en, flags, score=score)


def qa(el: str, en: str, score: float | None = None, **options: object) -> list[str]:
    return check(sentence(el, en, score), QAOptions(**options))  # type: ignore[arg-type]


@pytest.mark.parametrize(("el", "en"), PAIRS, ids=[f"ref{i}" for i in range(len(PAIRS))])
def test_quiet_on_every_reference_translation(el: str, en: str) -> None:
    assert qa(el, en, score=-0.05) == []


def test_quiet_on_the_test_models_own_translations(fixture_model: Path) -> None:
    from translate.pipeline import TranslateConfig, Translator

    translator = Translator(TranslateConfig(model=str(fixture_model)))
    sentences = [sentence(el, None) for el, _ in PAIRS]
    out = list(annotate(translator.translate(sentences)))
    assert len(out) == len(PAIRS)
    assert [s for s in out if set(s.flags) & set(flags_.QA)] == []


# -- low_score ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("score", "fires"), [(-3.2, True), (-1.51, True), (-1.5, False), (-0.02, False), (None, False)]
)
def test_low_score(score: float | None, fires: bool) -> None:
    el, en = PAIRS[10]
    assert (flags_.LOW_SCORE in qa(el, en, score)) is fires


def test_low_score_threshold_is_configurable() -> None:
    el, en = PAIRS[10]
    assert flags_.LOW_SCORE in qa(el, en, -0.3, min_score=-0.2)


# -- numbers -----------------------------------------------------------------

NUMBERS_FIRE = [
    # Greek thousands dot copied: an English reader reads ten.
    ("Στη συγκέντρωση συμμετείχαν 10.000 άνθρωποι.", "10.000 people took part in the rally."),
    ("Στη συγκέντρωση συμμετείχαν 10.000 άνθρωποι.", "1,000 people took part in the rally."),
    ("Ο πληθωρισμός έφτασε το 5,2% τον Μάρτιο.", "Inflation reached 5.3% in March."),
    ("Ο πληθωρισμός έφτασε το 5,2% τον Μάρτιο.", "Inflation reached 5,2% in March."),
    (
        "Η συνεδρίαση ορίστηκε για τις 15.3.2024 στη Βουλή.",
        "The session was set for March 15, 2023.",
    ),
    (
        "Η συνεδρίαση ορίστηκε για τις 15.3.2024 στη Βουλή.",
        "The session was set for 15 April 2024.",
    ),
    (
        "Τα αποτελέσματα θα ανακοινωθούν στις 20.6.2025.",
        "The results will be announced on June 20.",
    ),
    ("Η πυροσβεστική έστειλε 50 οχήματα και 2 ελικόπτερα.", "The fire service sent vehicles."),
    ("Η συνέντευξη Τύπου θα δοθεί στις 10:30 π.μ.", "The press conference will be at 11:30 a.m."),
    (
        "Το λιμάνι του Πειραιά δέχθηκε 1.200.000 επιβάτες το 2023.",
        "The port received 1.2 passengers in 2023.",
    ),
    ("Η ΕΕ ενέκρινε πακέτο 2,5 δισ. ευρώ.", "The EU approved a 25 billion euro package."),
]

NUMBERS_QUIET = [
    ("Η συνεδρίαση ορίστηκε για τις 15.3.2024.", "The session was set for 15 March 2024."),
    ("Η συνεδρίαση ορίστηκε για τις 15.3.2024.", "The session was set for 15/3/2024."),
    ("Η συνεδρίαση ορίστηκε για τις 15.3.2024.", "The session was set for the 15th of March 2024."),
    ("Η συνεδρίαση ορίστηκε για τις 15.3.2024.", "The session was set for 2024-03-15."),
    ("Στη συγκέντρωση συμμετείχαν 10.000 άνθρωποι.", "10000 people took part."),
    ("Στη συγκέντρωση συμμετείχαν 10.000 άνθρωποι.", "Ten thousand people took part."),
    ("Η κυκλοφορία διακόπηκε για 2 ώρες.", "Traffic was stopped for two hours."),
    ("Η Ελλάδα κατέλαβε την 5η θέση.", "Greece took fifth place."),
    ("Ο αγώνας αρχίζει στις 15:00.", "The match starts at 3 p.m."),
    ("Ο αγώνας αρχίζει στις 21.30.", "The match starts at 9:30 pm."),
    ("Η ΕΕ ενέκρινε πακέτο 2,5 δισ. ευρώ.", "The EU approved a 2,500,000,000 euro package."),
    ("Το ποσό ανέρχεται σε 3 εκατ. ευρώ.", "The amount is 3,000,000 euros."),
    ("Το ποσό ανέρχεται σε 1.500.000 ευρώ.", "The amount is 1.5 million euros."),
    ("Δαπανήθηκαν 2.000,50 ευρώ.", "2,000.50 euros were spent."),
    ("Ο νόμος 4412/2016 τροποποιείται.", "Law 4412/2016 is amended."),
    ("Δεν υπάρχει κανένας αριθμός εδώ.", "There is no number here."),
    ("Η μουσική της δεκαετίας του '80 επιστρέφει.", "The music of the 1980s is back."),
    ("Ο σεισμός σημειώθηκε στις 8 το πρωί.", "The earthquake struck at 8 a.m."),
]


@pytest.mark.parametrize(("el", "en"), NUMBERS_FIRE)
def test_numbers_fires(el: str, en: str) -> None:
    assert flags_.NUMBERS in qa(el, en)


@pytest.mark.parametrize(("el", "en"), NUMBERS_QUIET)
def test_numbers_quiet(el: str, en: str) -> None:
    assert missing_numbers(el, en) == []
    assert flags_.NUMBERS not in qa(el, en)


@pytest.mark.parametrize(
    ("el", "count"),
    [("10.000-12.000 στρατιώτες", 2), ("στις 15.3.2024 και 3,5%", 2), ("τηλ. 210 1234567", 2)],
)
def test_greek_numbers_are_read_as_greek_writes_them(el: str, count: int) -> None:
    assert len(greek_numbers(el)) == count


# -- untranslated ------------------------------------------------------------


@pytest.mark.parametrize(
    "en",
    [
        "G. Papadopoulos was elected δήμαρχος of the city.",
        "G. Papadopoulos was elected mayor of the city of Καλαμάτα.",
        "The company Α.Ε. was elected.",  # Greek capitals that look Latin
    ],
)
def test_untranslated_fires(en: str) -> None:
    assert flags_.UNTRANSLATED in qa("Ο Γ. Παπαδόπουλος εξελέγη δήμαρχος της πόλης.", en)


def test_untranslated_threshold_is_configurable() -> None:
    el = "Ο Γ. Παπαδόπουλος εξελέγη δήμαρχος."
    assert flags_.UNTRANSLATED not in qa(
        el, "Γ. Papadopoulos was elected mayor.", untranslated_min_letters=2
    )


# -- repetition --------------------------------------------------------------


@pytest.mark.parametrize(
    "en",
    [
        "The fire broke out 20 km north of Athens of Athens of Athens of Athens.",
        "The the the fire broke out north of Athens.",
        "The fire broke out north of the city, north of the city and north of the city.",
    ],
)
def test_repetition_fires(en: str) -> None:
    assert flags_.REPETITION in qa("Η φωτιά ξέσπασε 20 χλμ. βόρεια της Αθήνας.", en)


def test_a_doubled_translation_is_a_repetition() -> None:
    assert qa(LONG_EL, LONG_EN + " " + LONG_EN.replace("Russian", "new")) == [flags_.REPETITION]


def test_repetition_quiet_when_the_greek_repeats_itself() -> None:
    el = "«Όχι, όχι, όχι», φώναξε ο εκπρόσωπος του κόμματος."
    assert qa(el, '"No, no, no," shouted the party spokesman.') == []


# -- length ------------------------------------------------------------------


@pytest.mark.parametrize(
    "en",
    [
        "A Russian delegation.",  # truncated
        LONG_EN + " " + PAIRS[1][1],  # a hallucinated second sentence
        "",
    ],
)
def test_length_fires(en: str) -> None:
    assert flags_.LENGTH in qa(LONG_EL, en)


def test_length_ignores_short_sentences() -> None:
    assert qa("Όχι.", "No way, absolutely not.") == []


# -- which sentences are checked ---------------------------------------------


def test_passthrough_and_human_sentences_are_not_checked() -> None:
    greek = "Ο Γ. Παπαδόπουλος εξελέγη δήμαρχος της πόλης 10.000 φορές."
    human = sentence(greek, "Σχόλιο: 10", score=-9.0, flags=(flags_.HUMAN,))
    passthrough = sentence("10.000", "10.000", flags=(flags_.PASSTHROUGH,))
    untranslated = sentence(greek, None)
    assert check(human) == check(passthrough) == check(untranslated) == []


def test_cached_sentences_are_checked() -> None:
    s = sentence("Η φωτιά ξέσπασε.", "Η φωτιά.", flags=(flags_.CACHED,))
    assert check(s) == [flags_.UNTRANSLATED]


def test_annotate_is_a_generator_that_keeps_order_and_existing_flags() -> None:
    el = "Η φωτιά ξέσπασε 20 χλμ. βόρεια της Αθήνας."
    sentences = [
        sentence(el, "The fire broke out north of Athens.", flags=(flags_.SPLIT,)),
        sentence(el, "The fire broke out 20 km north of Athens."),
        sentence(el, "The fire broke out 20 km north of Αθήνα.", flags=(flags_.UNTRANSLATED,)),
    ]
    out = annotate(iter(sentences), QAOptions())
    result = list(out)
    assert inspect.isgenerator(out)
    assert [s.flags for s in result] == [
        (flags_.SPLIT, flags_.NUMBERS),
        (),
        (flags_.UNTRANSLATED,),  # not added twice
    ]
    assert result[1] is sentences[1]


def test_checks_can_be_turned_off() -> None:
    el = "Στη συγκέντρωση συμμετείχαν 10.000 άνθρωποι."
    en = "Στη rally many thousands of people took part."
    assert qa(el, en) == [flags_.NUMBERS, flags_.UNTRANSLATED]
    assert qa(el, en, checks=frozenset({flags_.UNTRANSLATED})) == [flags_.UNTRANSLATED]
    with pytest.raises(ValueError, match="unknown QA checks: spelling"):
        QAOptions(checks=frozenset({"spelling"}))


def test_every_qa_flag_is_a_described_warning() -> None:
    for name in flags_.QA:
        assert flags_.is_warning(name)
        assert flags_.describe(name) != name


def greek_format(value: Decimal) -> str:
    """Return ``value`` as the Greek press writes it: 1.234.567,89."""
    whole, _, part = f"{value:,f}".partition(".")
    whole = whole.replace(",", ".")
    return f"{whole},{part}" if part else whole


@given(
    whole=st.integers(min_value=0, max_value=10**9),
    cents=st.one_of(st.none(), st.integers(min_value=1, max_value=99)),
)
def test_any_greek_amount_matches_itself_in_english_and_not_another(
    whole: int, cents: int | None
) -> None:
    value = Decimal(whole) + (Decimal(cents) / 100 if cents else 0)
    el = f"Το ποσό ανήλθε σε {greek_format(value)} ευρώ."
    assert missing_numbers(el, f"The amount came to {value:,f} euros.") == []
    assert missing_numbers(el, f"The amount came to {value:f} euros.") == []
    other = value + Decimal("0.01") if cents else value + 1
    assert missing_numbers(el, f"The amount came to {other:,f} euros.") != []


def test_amounts_in_capitals_are_understood() -> None:
    # "ΔΙΣ".lower() is "δις" (final sigma): the scale must still be found, not crash.
    assert qa("ΠΡΟΫΠΟΛΟΓΙΣΜΟΣ 2,5 ΔΙΣ. ΕΥΡΩ", "A budget of 2.5 billion euros") == []
    assert qa("ΠΡΟΫΠΟΛΟΓΙΣΜΟΣ 2,5 ΔΙΣ. ΕΥΡΩ", "A budget of 3 billion euros") == [flags_.NUMBERS]
