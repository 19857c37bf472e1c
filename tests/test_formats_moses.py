"""Moses: two files with one line per sentence, aligned line for line."""

from __future__ import annotations

from pathlib import Path

from format_cases import SENTENCES, render, sentence, write_files

from translate.formats.moses import one_line


def read_lines(path: Path) -> list[str]:
    # Split on "\n" only, as Moses tools do; a stray "\r" would show up here.
    text = path.read_text(encoding="utf-8")
    assert text.endswith("\n")
    return text[:-1].split("\n")


def test_two_files_with_one_line_per_sentence(tmp_path: Path) -> None:
    greek, english = write_files(tmp_path, "moses")
    assert (greek.name, english.name) == ("a.el", "a.en")
    el, en = read_lines(greek), read_lines(english)
    assert len(el) == len(en) == len(SENTENCES)
    assert el == [one_line(s.source) for s in SENTENCES]
    assert en == [one_line(s.translation or "") for s in SENTENCES]
    # str.splitlines agrees: no line break of any kind is left inside a line.
    assert greek.read_text(encoding="utf-8").splitlines() == el


def test_a_line_break_inside_a_sentence_becomes_a_space() -> None:
    text = "α\nβ\r\nγ\rδ\u2028ε\u0085ζ\x0bη\x0cθ"
    assert one_line(text) == "α β γ δ ε ζ η θ"
    assert one_line("tabs\tstay") == "tabs\tstay"


def test_untranslated_sentence_keeps_the_files_aligned() -> None:
    rows = [sentence("d", 0, 0, "Ένα", None), sentence("d", 0, 1, "Δύο", "Two")]
    assert render("moses", rows) == ["Ένα\nΔύο\n", "\nTwo\n"]


def test_text_is_written_unchanged_otherwise() -> None:
    el, en = render("moses")
    assert "<script>alert('el')</script>" in el and "😀 και 𝔸" in el
    assert "A\ttab and a line, a \\ and \\t." in en
