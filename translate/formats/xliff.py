"""XLIFF 1.2: the bilingual format every CAT tool (OmegaT, Trados, memoQ) imports.

One ``<file>`` per document (``original`` is the document id), its paragraphs
as ``<group>``s, one ``<trans-unit>`` per sentence with ``xml:space="preserve"``
(line breaks and spaces inside a sentence are kept).  The target's ``state``
is ``needs-review-translation`` when the sentence has a flag that points at a
probably wrong translation (:func:`translate.flags.is_warning`), else
``translated``; ``state-qualifier`` says where it came from (``mt-suggestion``
for the model's, ``leveraged-tm`` for a reviewer's from the translation memory).
Every flag gives a ``<note>`` with its description, warnings at priority 1,
the rest at 5.  An ``<alt-trans origin="el2en">`` keeps el2en's English as
written, so that ``el2en review import`` recognises an edited target whatever
state the CAT tool left.  The model's score is the ``el2en:score`` attribute of the
unit (XLIFF 1.2 allows attributes of other namespaces there); the signature
is a note in the file's header, beside ``<tool>``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Sequence
from typing import Any, TextIO

from lxml import etree

from translate.flags import is_warning
from translate.formats import single_stream
from translate.formats.xmlwrite import TextSink, xml_text
from translate.qa import note as flag_note
from translate.signature import Signature
from translate.types import Sentence

XLIFF_NS = "urn:oasis:names:tc:xliff:document:1.2"
#: el2en's own namespace, for what XLIFF 1.2 has no attribute for (the score).
EL2EN_NS = "urn:el2en:xliff:1"
NSMAP = {None: XLIFF_NS, "el2en": EL2EN_NS}
XML_NS = "http://www.w3.org/XML/1998/namespace"
SOURCE_LANG = "el"
TARGET_LANG = "en"
NEEDS_REVIEW = "needs-review-translation"
#: ``origin`` of the ``<alt-trans>`` holding el2en's machine translation.
ALT_ORIGIN = "el2en"
TRANSLATED = "translated"


def _q(tag: str) -> str:
    return f"{{{XLIFF_NS}}}{tag}"


def state(s: Sentence) -> str:
    """Return the target state: needs review when a warning flag is present."""
    return NEEDS_REVIEW if any(is_warning(flag) for flag in s.flags) else TRANSLATED


def unit_id(s: Sentence) -> str:
    """Return the id of a sentence's unit, unique in its file: ``paragraph:sentence``."""
    return f"{s.paragraph}:{s.index}"


def file_header(signature: Signature) -> Any:
    """Return the ``<header>`` of a file: the tool and the signature."""
    from translate import __version__

    head = etree.Element(_q("header"), nsmap=NSMAP)
    etree.SubElement(
        head, _q("tool"), {"tool-id": "el2en", "tool-name": "el2en", "tool-version": __version__}
    )
    note = etree.SubElement(head, _q("note"), {"from": "el2en"})
    note.text = xml_text(f"signature: {signature}")
    return head


def trans_unit(s: Sentence) -> Any:
    """Return the ``<trans-unit>`` of one sentence."""
    unit = etree.Element(_q("trans-unit"), {"id": xml_text(unit_id(s))}, nsmap=NSMAP)
    unit.set(f"{{{XML_NS}}}space", "preserve")
    if s.score is not None:
        unit.set(f"{{{EL2EN_NS}}}score", f"{s.score:.4f}")
    source = etree.SubElement(unit, _q("source"))
    source.set(f"{{{XML_NS}}}lang", SOURCE_LANG)
    source.text = xml_text(s.source)
    if s.translation is not None:
        target = etree.SubElement(unit, _q("target"), {"state": state(s)})
        target.set("state-qualifier", "leveraged-tm" if s.provenance else "mt-suggestion")
        target.set(f"{{{XML_NS}}}lang", TARGET_LANG)
        target.text = xml_text(s.translation)
    for flag in s.flags:
        note = etree.SubElement(
            unit, _q("note"), {"from": "el2en", "priority": "1" if is_warning(flag) else "5"}
        )
        note.text = xml_text(flag_note(flag, s))
    if s.provenance is not None:
        note = etree.SubElement(unit, _q("note"), {"from": "el2en", "priority": "5"})
        note.text = xml_text(f"provenance: {s.provenance}")
    for term in s.terms:  # house glossary entries matched (translate.terms)
        missing = term.endswith("(missing)")
        note = etree.SubElement(
            unit, _q("note"), {"from": "el2en", "priority": "1" if missing else "5"}
        )
        note.text = xml_text(f"glossary: {term}")
    if s.translation is not None:
        # el2en's own English again (after the notes, as the schema orders them),
        # which CAT tools leave alone when the target is edited: review import
        # takes every unit whose target differs from it.
        alt = etree.SubElement(unit, _q("alt-trans"), {"origin": ALT_ORIGIN})
        machine = etree.SubElement(alt, _q("target"))
        machine.set(f"{{{XML_NS}}}lang", TARGET_LANG)
        machine.text = xml_text(s.translation)
    return unit


def write(sentences: Iterable[Sentence], streams: Sequence[TextIO], signature: Signature) -> int:
    """Write an XLIFF 1.2 document, a file per document and a group per paragraph."""
    sink = TextSink(single_stream(streams, "xliff"))
    count = 0
    with etree.xmlfile(sink, encoding="UTF-8") as xf:
        xf.write_declaration()
        with xf.element(_q("xliff"), {"version": "1.2"}, nsmap=NSMAP):
            xf.write("\n")
            document: str | None = None
            paragraph: int | None = None
            # The open <file> (with its <body>) and <group>, closed when they change.
            file_scope = contextlib.ExitStack()
            group_scope = contextlib.ExitStack()
            for s in sentences:
                if s.doc_id != document:
                    group_scope.close()
                    file_scope.close()
                    _open_file(xf, file_scope, s.doc_id, signature)
                    document, paragraph = s.doc_id, None
                if s.paragraph != paragraph:
                    group_scope.close()
                    group_scope.enter_context(
                        xf.element(_q("group"), {"id": xml_text(f"p{s.paragraph}")})
                    )
                    xf.write("\n")
                    paragraph = s.paragraph
                xf.write(trans_unit(s), pretty_print=True)
                count += 1
            group_scope.close()
            file_scope.close()
            if document is None:
                # XLIFF needs at least one <file>: an empty input gives an empty one.
                _open_file(xf, file_scope, "", signature)
                file_scope.close()
    sink.close()
    return count


def _open_file(xf: Any, scope: contextlib.ExitStack, doc_id: str, signature: Signature) -> None:
    """Open a ``<file>`` and its ``<body>`` inside ``scope``, the header written."""
    attributes = {
        "original": xml_text(doc_id),
        "source-language": SOURCE_LANG,
        "target-language": TARGET_LANG,
        "datatype": "plaintext",
        "tool-id": "el2en",
    }
    scope.enter_context(xf.element(_q("file"), attributes))
    xf.write("\n")
    xf.write(file_header(signature), pretty_print=True)
    scope.enter_context(xf.element(_q("body")))
    xf.write("\n")
