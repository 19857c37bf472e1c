"""The house glossary without a model: parsing, Greek-aware matching, checking."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from translate.errors import GlossaryError, UsageError
from translate.glossary import Glossary, check, fold, has_english, parse, word_pattern

DATA = Path(__file__).resolve().parent / "data" / "glossary"
GLOSSARY = DATA / "news.glossary.txt"


@pytest.fixture(scope="module")
def news() -> Glossary:
    return Glossary.load([str(GLOSSARY)])


def found(glossary: Glossary, text: str) -> list[tuple[str, str]]:
    """Return (entry, the text it matched) for each match in ``text``."""
    return [(m.term.greek, text[m.start : m.end]) for m in glossary.find(text)]


@pytest.mark.parametrize(
    ("written", "folded"),
    [
        ("Μητσοτάκης", "μητσοτακησ"),
        ("ΜΗΤΣΟΤΑΚΗΣ", "μητσοτακησ"),
        ("Σοϊγκού", "σοιγκου"),
        ("ΣΟΪΓΚΟΥ", "σοιγκου"),
        ("Ευρωπαϊκής", "ευρωπαικησ"),
    ],
)
def test_fold_drops_case_accents_diaeresis_and_final_sigma(written: str, folded: str) -> None:
    assert fold(written) == folded


@pytest.mark.parametrize(
    ("word", "stem", "endings"),
    [
        ("Μητσοτάκης", "μητσοτακ", ("ησ", "η")),
        ("Κρήτη", "κρητ", ("η", "ησ")),
        ("Πάγος", "παγ", ("οσ", "ου", "ο", "ε")),
        ("Σαμαράς", "σαμαρ", ("ασ", "α")),
        ("Πάτρα", "πατρ", ("α", "ασ")),
        ("Ηράκλειο", "ηρακλει", ("ο", "ου")),
        ("Σύνταγμα", "συνταγ", ("μα", "ματοσ", "ματα", "ματων")),
        ("Σοϊγκού", "σοιγκου", ("",)),  # no class: indeclinable
        ("Πούτιν", "πουτιν", ("",)),
        ("ΝΔ", "νδ", ("",)),
        ("Νέα", "νεα", ("",)),  # stem too short alone
    ],
)
def test_word_classes(word: str, stem: str, endings: tuple[str, ...]) -> None:
    pattern = word_pattern(word)
    assert (pattern.stem, pattern.endings) == (stem, endings)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Ο Μητσοτάκης μίλησε", [("Μητσοτάκης", "Μητσοτάκης")]),
        ("του Μητσοτάκη", [("Μητσοτάκης", "Μητσοτάκη")]),
        ("ΜΗΤΣΟΤΑΚΗΣ: ΟΧΙ", [("Μητσοτάκης", "ΜΗΤΣΟΤΑΚΗΣ")]),
        ("ο μητσοτακης", [("Μητσοτάκης", "μητσοτακης")]),
        ("στον Σαμαρά", [("Σαμαράς", "Σαμαρά")]),
        ("της Πάτρας", [("Πάτρα", "Πάτρας")]),
        ("της Κρήτης", [("Κρήτη", "Κρήτης")]),
        ("του Ηρακλείου", [("Ηράκλειο", "Ηρακλείου")]),
        ("του Συντάγματος", [("Σύνταγμα", "Συντάγματος")]),
        ("της Νέας Δημοκρατίας", [("Νέα Δημοκρατία", "Νέας Δημοκρατίας")]),
        ("ΝΕΑ ΔΗΜΟΚΡΑΤΙΑ", [("Νέα Δημοκρατία", "ΝΕΑ ΔΗΜΟΚΡΑΤΙΑ")]),
        ("του Αρείου Πάγου", [("Άρειος Πάγος", "Αρείου Πάγου")]),
        ("τον Λευκό Οίκο", [("Λευκός Οίκος", "Λευκό Οίκο")]),
        ("της Ευρωπαϊκής Επιτροπής", [("Ευρωπαϊκή Επιτροπή", "Ευρωπαϊκής Επιτροπής")]),
        ("της Νέας Υόρκης", [("Νέα Υόρκη", "Νέας Υόρκης")]),
        ("στον Σοϊγκού", [("Σοϊγκού", "Σοϊγκού")]),
        ("ΣΟΪΓΚΟΥ", [("Σοϊγκού", "ΣΟΪΓΚΟΥ")]),
        ("Κιμ Γιονγκ Ουν", [("Κιμ Γιονγκ Ουν", "Κιμ Γιονγκ Ουν")]),
        # The longer entry wins over the one inside it.
        ("ο Κυριάκος Μητσοτάκης", [("Κυριάκος Μητσοτάκης", "Κυριάκος Μητσοτάκης")]),
        # Two entries, left to right.
        ("Η ΝΔ και ο ΣΥΡΙΖΑ", [("ΝΔ", "ΝΔ"), ("ΣΥΡΙΖΑ", "ΣΥΡΙΖΑ")]),
    ],
)
def test_inflected_capitalised_and_accentless_forms_match(
    news: Glossary, text: str, expected: list[tuple[str, str]]
) -> None:
    assert found(news, text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "η πατρίδα μας",  # not Πάτρα
        "ο Πατριάρχης",
        "ο Ηρακλής",  # not Ηράκλειο
        "οι κρητικοί χοροί",  # not Κρήτη
        "ο συνταγματάρχης",  # not Σύνταγμα
        "ο Σαμαράκης",  # not Σαμαράς
        "μια νέα δημοκρατική κυβέρνηση",  # not Νέα Δημοκρατία
        "η Νότια Κορέα",  # not Βόρεια Κορέα
        "ο Λευκός σκύλος",  # half a multi-word entry
        "νέα μέτρα",
        "Μητσοτάκηδες",  # an ending outside the class
        "Νέα, Δημοκρατία",  # a comma between the words: two clauses
    ],
)
def test_look_alikes_never_match(news: Glossary, text: str) -> None:
    assert found(news, text) == []


def test_new_york_is_not_new_democracy(news: Glossary) -> None:
    assert found(news, "της Νέας Υόρκης") == [("Νέα Υόρκη", "Νέας Υόρκης")]
    assert found(news, "της Νέας Δημοκρατίας") == [("Νέα Δημοκρατία", "Νέας Δημοκρατίας")]


def test_the_committed_test_set_matches_as_annotated(news: Glossary) -> None:
    """Every sentence of the benchmark's test set matches exactly its annotated entries."""
    with open(DATA / "sentences.tsv", encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))
    assert len(rows) >= 40
    lookalikes = 0
    for row in rows:
        expected = [t for t in row["terms"].split("|") if t]
        assert [m.term.greek for m in news.find(row["el"])] == expected, row["el"]
        for entry in filter(None, row["lookalikes"].split("|")):
            lookalikes += 1
            assert entry not in expected
    assert lookalikes >= 10


@pytest.mark.parametrize(
    ("translation", "english", "present"),
    [
        ("Shoigu arrived.", "Shoigu", True),
        ("He met Shoigu's deputy.", "Shoigu", True),
        ("the new democracy", "New Democracy", False),  # exact, not case-folded
        ("New Democracy won.", "New Democracy", True),
        ("prime minister spoke", "Prime minister", True),  # first letter free
        ("Shoigus", "Shoigu", False),  # whole words
        ("DPRKup", "DPRK", False),
    ],
)
def test_has_english_is_exact_on_whole_words(translation: str, english: str, present: bool) -> None:
    assert has_english(translation, english) is present


def test_parse_skips_comments_and_blank_lines_and_keeps_comments_column() -> None:
    terms, problems = parse("\ufeffΠάτρα\tPatras\tcity\n# a comment\n\nΚρήτη\tCrete\n", "g.txt")
    assert problems == []
    first, second = terms
    assert (first.greek, first.english, first.comment, first.where) == (
        "Πάτρα",
        "Patras",
        "city",
        "g.txt:1",
    )
    assert (second.greek, second.where) == ("Κρήτη", "g.txt:4")


def test_check_names_each_problem_with_file_and_line() -> None:
    text = (
        "Νέα Δημοκρατία\tNew Democracy\n"  # 1
        "Νέας Δημοκρατίας\tND\n"  # 2: a form of line 1, other English
        "no tab here\n"  # 3
        "Πάτρα\t\n"  # 4
        "Πάτρα\tPatras\n"  # 5
        "Πάτρας\tPatras\n"  # 6: overlaps line 5 with the same English
        "...\tdots\n"  # 7
        "Τι; Όχι\tWhat\n"  # 8: the segmenter cuts it
    )
    terms, problems = parse(text, "g.txt")
    problems += check(terms)
    lines = {(str(p).split(":")[1], p.fatal) for p in problems}
    assert lines == {
        ("2", True),
        ("3", True),
        ("4", True),
        ("6", False),
        ("7", True),
        ("8", True),
    }
    messages = " | ".join(map(str, problems))
    assert "conflict with g.txt:1" in messages
    assert "duplicate of g.txt:5" in messages
    assert "never match" in messages


def test_load_refuses_a_conflict_between_files(tmp_path: Path) -> None:
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    a.write_text("Πάτρα\tPatras\n", encoding="utf-8")
    b.write_text("Πάτρας\tPatra\n", encoding="utf-8")
    with pytest.raises(GlossaryError, match=r"b\.txt:1: conflict with .*a\.txt:1"):
        Glossary.load([str(a), str(b)])
    assert len(Glossary.load([str(a)])) == 1


def test_load_errors_name_the_file(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="not found"):
        Glossary.load([str(tmp_path / "missing.txt")])
    latin1 = tmp_path / "latin1.txt"
    latin1.write_bytes("Πάτρα\tPatras\n".encode("iso-8859-7"))
    with pytest.raises(GlossaryError, match=r"latin1\.txt: the glossary is not UTF-8"):
        Glossary.load([str(latin1)])
    bad = tmp_path / "bad.txt"
    bad.write_text("Πάτρα Patras\n", encoding="utf-8")
    with pytest.raises(GlossaryError, match=r"bad\.txt:1: no tab"):
        Glossary.load([str(bad)])


def test_digest_depends_on_the_matched_entries_only(news: Glossary) -> None:
    shoigu = [m.term for m in news.find("Ο Σοϊγκού")]
    putin = [m.term for m in news.find("Ο Πούτιν")]
    assert news.digest(shoigu) == news.digest(shoigu + shoigu)
    assert news.digest(shoigu) != news.digest(putin)
    assert news.digest(shoigu, "prefix") != news.digest(shoigu, "rerank")
    assert len(news.digest(shoigu)) == 12
