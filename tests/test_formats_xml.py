"""TMX and XLIFF read back as XML: structure, schema or DTD, and every text exactly."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from format_cases import SENTENCES, SIG, TO_REVIEW, render, sentence, write_files
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from translate.flags import describe, is_warning
from translate.formats.xliff import NEEDS_REVIEW, TRANSLATED
from translate.signature import Signature

SCHEMAS = Path(__file__).parent / "data" / "schemas"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"
X = "{urn:oasis:names:tc:xliff:document:1.2}"
EL2EN = "{urn:el2en:xliff:1}"


def parse(path: Path) -> Any:
    # no_network: a DOCTYPE or schema location must never make the test reach out.
    return etree.parse(str(path), etree.XMLParser(no_network=True, resolve_entities=False))


# --- TMX -------------------------------------------------------------------------------


@pytest.fixture
def tmx(tmp_path: Path) -> Any:
    (path,) = write_files(tmp_path, "tmx")
    return parse(path)


def test_tmx_is_valid_against_the_tmx_14b_dtd(tmx: Any) -> None:
    dtd = etree.DTD(str(SCHEMAS / "tmx-1.4b-el2en.dtd"))
    assert dtd.validate(tmx), dtd.error_log.filter_from_errors()
    assert tmx.docinfo.system_url == "tmx14.dtd"


def test_tmx_dtd_catches_a_missing_required_header_attribute(tmx: Any) -> None:
    del tmx.getroot().find("header").attrib["o-tmf"]
    assert not etree.DTD(str(SCHEMAS / "tmx-1.4b-el2en.dtd")).validate(tmx)


def test_tmx_header_has_every_required_attribute_and_the_signature(tmx: Any) -> None:
    root = tmx.getroot()
    assert root.tag == "tmx" and root.get("version") == "1.4"
    header = root.find("header")
    assert header.get("creationtool") == "el2en"
    assert header.get("creationtoolversion")
    assert header.get("segtype") == "sentence"
    assert header.get("o-tmf")
    assert header.get("adminlang") == "en"
    assert header.get("srclang") == "el"
    assert header.get("datatype") == "plaintext"
    (prop,) = header.findall("prop[@type='x-signature']")
    assert Signature.parse(prop.text) == SIG


def test_tmx_has_one_unit_per_sentence_with_exact_texts_and_props(tmx: Any) -> None:
    units = tmx.getroot().find("body").findall("tu")
    assert len(units) == len(SENTENCES)
    for tu, s in zip(units, SENTENCES, strict=True):
        props = {p.get("type"): p.text for p in tu.findall("prop")}
        assert props["x-doc"] == s.doc_id
        assert props["x-paragraph"] == str(s.paragraph)
        assert props["x-sentence"] == str(s.index)
        assert props.get("x-flags", "").split(",") == (list(s.flags) or [""])
        assert props.get("x-score") == (None if s.score is None else f"{s.score:.4f}")
        assert props.get("x-provenance") == s.provenance
        segs = {tuv.get(XML_LANG): tuv.find("seg").text or "" for tuv in tu.findall("tuv")}
        assert segs == {"el": s.source, "en": s.translation}
    assert len({tu.get("tuid") for tu in units}) == len(units)


def test_tmx_leaves_out_the_english_of_an_untranslated_sentence(tmp_path: Path) -> None:
    (path,) = write_files(tmp_path, "tmx", [sentence("d", 0, 0, "Ένα", None)])
    (tu,) = parse(path).getroot().iter("tu")
    assert [tuv.get(XML_LANG) for tuv in tu.findall("tuv")] == ["el"]


# --- XLIFF -----------------------------------------------------------------------------


@pytest.fixture
def xliff(tmp_path: Path) -> Any:
    (path,) = write_files(tmp_path, "xliff")
    return parse(path)


def _schema(path: Path) -> Any:
    return etree.XMLSchema(parse(path))


def test_xliff_is_valid_against_the_xliff_12_schema(xliff: Any) -> None:
    schema = _schema(SCHEMAS / "xliff-1.2-el2en.xsd")
    assert schema.validate(xliff), schema.error_log.filter_from_errors()


def test_xliff_schema_catches_an_unknown_state(xliff: Any) -> None:
    next(xliff.getroot().iter(f"{X}target")).set("state", "looks-fine")
    assert not _schema(SCHEMAS / "xliff-1.2-el2en.xsd").validate(xliff)


@pytest.mark.skipif(
    not os.environ.get("EL2EN_XLIFF_XSD"),
    reason="set EL2EN_XLIFF_XSD to OASIS's xliff-core-1.2-transitional.xsd to check against it",
)
def test_xliff_is_valid_against_oasis_transitional_schema(xliff: Any) -> None:
    class LocalXmlXsd(etree.Resolver):  # type: ignore[misc]
        def resolve(self, url: str, pubid: str, context: Any) -> Any:
            if url.endswith("xml.xsd"):
                return self.resolve_filename(str(SCHEMAS / "xml.xsd"), context)
            return None

    parser = etree.XMLParser(no_network=True)
    parser.resolvers.add(LocalXmlXsd())
    schema = etree.XMLSchema(etree.parse(os.environ["EL2EN_XLIFF_XSD"], parser))
    assert schema.validate(xliff), schema.error_log.filter_from_errors()


def test_xliff_has_a_file_per_document_a_group_per_paragraph(xliff: Any) -> None:
    root = xliff.getroot()
    assert root.tag == f"{X}xliff" and root.get("version") == "1.2"
    files = root.findall(f"{X}file")
    assert [f.get("original") for f in files] == ["a.el.txt", "b.txt"]
    for file, doc in zip(files, ["a.el.txt", "b.txt"], strict=True):
        assert file.get("source-language") == "el" and file.get("target-language") == "en"
        assert file.get("datatype") == "plaintext"
        header = file.find(f"{X}header")
        assert header.find(f"{X}tool").get("tool-name") == "el2en"
        (note,) = header.findall(f"{X}note")
        assert Signature.parse(note.text.removeprefix("signature: ")) == SIG
        groups = file.find(f"{X}body").findall(f"{X}group")
        paragraphs = sorted({s.paragraph for s in SENTENCES if s.doc_id == doc})
        assert len(groups) == len(paragraphs)
        for group, paragraph in zip(groups, paragraphs, strict=True):
            units = group.findall(f"{X}trans-unit")
            expected = [s for s in SENTENCES if (s.doc_id, s.paragraph) == (doc, paragraph)]
            assert [u.findtext(f"{X}source") for u in units] == [s.source for s in expected]


def test_xliff_units_keep_texts_states_notes_and_scores(xliff: Any) -> None:
    units = list(xliff.getroot().iter(f"{X}trans-unit"))
    assert len(units) == len(SENTENCES)
    for unit, s in zip(units, SENTENCES, strict=True):
        assert unit.get(XML_SPACE) == "preserve"
        assert unit.find(f"{X}source").text == s.source
        target = unit.find(f"{X}target")
        assert target.text == s.translation
        review = any(is_warning(flag) for flag in s.flags)
        assert target.get("state") == (NEEDS_REVIEW if review else TRANSLATED)
        assert target.get("state-qualifier") == (
            "leveraged-tm" if s.provenance else "mt-suggestion"
        )
        notes = [n.text for n in unit.findall(f"{X}note")]
        for flag in s.flags:
            assert f"{flag}: {describe(flag)}" in notes
        if s.provenance:
            assert f"provenance: {s.provenance}" in notes
        for term in s.terms:  # house glossary entries matched
            assert f"glossary: {term}" in notes
        assert unit.get(f"{EL2EN}score") == (None if s.score is None else f"{s.score:.4f}")
    states = [u.find(f"{X}target").get("state") for u in units]
    assert states.count(NEEDS_REVIEW) == len(TO_REVIEW) > 0
    # Unit ids are unique within each file.
    for file in xliff.getroot().findall(f"{X}file"):
        ids = [u.get("id") for u in file.iter(f"{X}trans-unit")]
        assert len(ids) == len(set(ids))


def test_xliff_of_nothing_is_still_valid(tmp_path: Path) -> None:
    (path,) = write_files(tmp_path, "xliff", [])
    schema = _schema(SCHEMAS / "xliff-1.2-el2en.xsd")
    assert schema.validate(parse(path)), schema.error_log.filter_from_errors()


@pytest.mark.parametrize("fmt", ["tmx", "xliff"])
def test_characters_xml_cannot_hold_become_replacement_characters(fmt: str) -> None:
    (text,) = render(fmt, [sentence("d", 0, 0, "α\x00β\x0cγ\x1b", "a\x0bb")])
    root = etree.fromstring(text.encode("utf-8"))
    texts = [
        e.text
        for e in root.iter()
        if e.tag in ("seg", f"{X}source", f"{X}target") and e.getparent().tag != f"{X}alt-trans"
    ]
    assert texts == ["α\ufffdβ\ufffdγ\ufffd", "a\ufffdb"]


@pytest.mark.parametrize("fmt", ["tmx", "xliff"])
def test_xml_is_built_by_a_serialiser_not_by_hand(fmt: str) -> None:
    (text,) = render(fmt)
    assert "<script>" not in text and "&lt;script&gt;" in text
    assert text.startswith("<?xml version='1.0' encoding='UTF-8'?>")


_xml_texts = st.text(
    alphabet=st.characters(
        codec="utf-8",  # no lone surrogates
        blacklist_characters="".join(map(chr, [*range(0, 9), 11, 12, *range(14, 32)]))
        + "\ufffe\uffff",
    ),
    max_size=30,
)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(_xml_texts, _xml_texts), min_size=1, max_size=4))
def test_any_xml_text_round_trips_through_tmx_and_xliff(pairs: list[tuple[str, str]]) -> None:
    rows = [sentence("d", i % 2, i, el, en) for i, (el, en) in enumerate(pairs)]
    (tmx_text,) = render("tmx", rows)
    segs = [seg.text or "" for seg in etree.fromstring(tmx_text.encode()).iter("seg")]
    assert segs == [text for pair in pairs for text in pair]
    (xliff_text,) = render("xliff", rows)
    root = etree.fromstring(xliff_text.encode())
    found = [
        (u.findtext(f"{X}source"), u.findtext(f"{X}target")) for u in root.iter(f"{X}trans-unit")
    ]
    assert found == pairs
