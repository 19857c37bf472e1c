"""The HTML review page read back as HTML (no browser): content, escaping, no assets.

tests/test_html_browser.py opens the same page in a real Chromium.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from format_cases import SENTENCES, SIG, TO_REVIEW, render, write_files
from lxml import html as lxml_html

from translate.flags import describe
from translate.formats.html import FILTER_ID


@pytest.fixture
def page(tmp_path: Path) -> Any:
    (path,) = write_files(tmp_path, "html")
    return lxml_html.parse(str(path)).getroot()


def test_every_pair_is_there_with_its_exact_text(page: Any) -> None:
    pairs = page.find_class("pair")
    assert len(pairs) == len(SENTENCES)
    for pair, s in zip(pairs, SENTENCES, strict=True):
        (el,) = pair.find_class("el")
        (en,) = pair.find_class("en")
        assert el.text_content() == s.source
        assert en.text_content() == s.translation
        assert el.get("lang") == "el" and en.get("lang") == "en"


def test_flagged_sentences_carry_their_reasons_in_title_and_text(page: Any) -> None:
    pairs = page.find_class("pair")
    review = [p for p in pairs if "review" in p.get("class").split()]
    assert len(review) == len(TO_REVIEW) > 0
    for pair, s in zip(pairs, SENTENCES, strict=True):
        assert pair.get("data-flags") == " ".join(s.flags)
        for flag in s.flags:
            assert f"{flag}: {describe(flag)}" in pair.get("title")
            (listing,) = pair.find_class("flags")
            assert f"{flag}: {describe(flag)}" in listing.text_content()
        if not s.flags and s.score is None:
            assert not pair.get("title")


def test_header_has_counts_and_the_signature(page: Any) -> None:
    (counts,) = page.find_class("counts")
    assert f"{len(TO_REVIEW)} of {len(SENTENCES)} sentences to review" in counts.text_content()
    assert "2 documents" in counts.text_content()
    (signature,) = page.find_class("signature")
    assert signature.find("code").text == str(SIG)


def test_the_filter_is_hidden_until_the_script_shows_it(page: Any) -> None:
    box = page.get_element_by_id(FILTER_ID)
    assert box.get("type") == "checkbox"
    assert box.getparent().get("hidden") is not None
    (script,) = page.iter("script")
    assert FILTER_ID in script.text


def test_the_page_is_self_contained() -> None:
    (text,) = render("html")
    root = lxml_html.fromstring(text)
    assert not root.xpath("//link | //img | //iframe | //object | //embed | //script[@src]")
    for attribute in ("src", "href", "action"):
        for value in root.xpath(f"//@{attribute}"):
            assert value.startswith("#"), value
    style = "".join(root.xpath("//style/text()"))
    assert "@import" not in style and "url(" not in style
    assert not re.search(r"https?://", style + "".join(root.xpath("//script/text()")))


def test_text_is_escaped_not_markup() -> None:
    (text,) = render("html")
    assert "<script>window.__el2en_pwned" not in text
    assert "<img src=x" not in text
    assert "&lt;script&gt;window.__el2en_pwned" in text
    root = lxml_html.fromstring(text)
    assert len(root.xpath("//script")) == 1


def test_readable_on_a_phone_and_printable() -> None:
    (text,) = render("html")
    root = lxml_html.fromstring(text)
    assert root.xpath("//meta[@name='viewport']")
    style = "".join(root.xpath("//style/text()"))
    assert "@media (max-width:" in style and "@media print" in style


def test_an_empty_run_gives_a_page_that_says_so() -> None:
    (text,) = render("html", [])
    root = lxml_html.fromstring(text)
    assert "0 of 0 sentences" in root.text_content()
    assert not root.find_class("pair")


def test_sentences_are_numbered_as_the_other_formats_ids(page: Any) -> None:
    """paragraph:sentence from 0: the XLIFF unit id, the TSV columns, the TMX tuid's tail."""
    from translate.formats.xliff import unit_id

    refs = [pair.find_class("ref")[0] for pair in page.find_class("pair")]
    assert [r.text_content() for r in refs] == [unit_id(s) for s in SENTENCES]
    assert [r.get("title") for r in refs] == [f"{s.doc_id}:{unit_id(s)}" for s in SENTENCES]
