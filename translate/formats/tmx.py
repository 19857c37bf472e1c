"""TMX 1.4b: a translation memory that OmegaT, Trados, memoQ and Okapi import.

The header carries every attribute TMX 1.4b requires (``creationtool``,
``creationtoolversion``, ``segtype="sentence"``, ``o-tmf``, ``adminlang``,
``srclang``, ``datatype``) and the signature as ``<prop type="x-signature">``.
Each sentence is one ``<tu>`` with an ``el`` and (once translated) an ``en``
``<tuv>``, and ``<prop>``s for where it is and what was seen:
``x-doc``, ``x-paragraph``, ``x-sentence``, ``x-flags`` (names, comma-separated,
when there are any), ``x-score`` and ``x-provenance`` (when known), and ``x-mt``,
el2en's English, which ``el2en review import`` compares the edited ``en`` with.  TMX
reserves types without the ``x-`` prefix for itself.  No ``creationdate``, so
that the same run gives the same file.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, TextIO

from lxml import etree

from translate.formats import single_stream
from translate.formats.xmlwrite import TextSink, xml_text
from translate.signature import Signature
from translate.types import Sentence

DOCTYPE = '<!DOCTYPE tmx SYSTEM "tmx14.dtd">'
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
SOURCE_LANG = "el"
TARGET_LANG = "en"


def header(signature: Signature | None, tmf: str = "el2en") -> Any:
    """Return the ``<header>`` element, with the signature (if any) as a property.

    ``tmf`` (``o-tmf``) names the format the units came from: el2en's own output,
    or its translation memory (``el2en review export``).
    """
    from translate import __version__

    element = etree.Element(
        "header",
        creationtool="el2en",
        creationtoolversion=__version__,
        segtype="sentence",
        adminlang="en",
        srclang=SOURCE_LANG,
        datatype="plaintext",
    )
    element.set("o-tmf", tmf)
    if signature is not None:
        _prop(element, "x-signature", str(signature))
    return element


def tuid(s: Sentence) -> str:
    """Return the id of a sentence's unit: ``doc:paragraph:sentence``."""
    return f"{s.doc_id}:{s.paragraph}:{s.index}"


def translation_unit(s: Sentence) -> Any:
    """Return the ``<tu>`` of one sentence."""
    tu = etree.Element("tu", tuid=xml_text(tuid(s)), srclang=SOURCE_LANG)
    _prop(tu, "x-doc", s.doc_id)
    _prop(tu, "x-paragraph", str(s.paragraph))
    _prop(tu, "x-sentence", str(s.index))
    if s.flags:
        _prop(tu, "x-flags", ",".join(s.flags))
    if s.score is not None:
        _prop(tu, "x-score", f"{s.score:.4f}")
    if s.provenance is not None:
        _prop(tu, "x-provenance", s.provenance)
    if s.translation is not None:  # el2en's English, kept when a CAT tool edits the tuv
        _prop(tu, "x-mt", s.translation)
    _tuv(tu, SOURCE_LANG, s.source)
    if s.translation is not None:
        _tuv(tu, TARGET_LANG, s.translation)
    return tu


def _prop(parent: Any, kind: str, text: str) -> None:
    prop = etree.SubElement(parent, "prop", type=kind)
    prop.text = xml_text(text)


def _tuv(tu: Any, lang: str, text: str) -> None:
    tuv = etree.SubElement(tu, "tuv")
    tuv.set(XML_LANG, lang)
    etree.SubElement(tuv, "seg").text = xml_text(text)


def write(sentences: Iterable[Sentence], streams: Sequence[TextIO], signature: Signature) -> int:
    """Write a TMX 1.4b document with one ``<tu>`` per sentence; return how many."""
    sink = TextSink(single_stream(streams, "tmx"))
    count = 0
    with etree.xmlfile(sink, encoding="UTF-8") as xf:
        xf.write_declaration()
        xf.write_doctype(DOCTYPE)
        with xf.element("tmx", version="1.4"):
            xf.write("\n")
            xf.write(header(signature), pretty_print=True)
            with xf.element("body"):
                xf.write("\n")
                for s in sentences:
                    xf.write(translation_unit(s), pretty_print=True)
                    count += 1
            xf.write("\n")
    sink.close()
    return count
