"""HTML: one self-contained review page, Greek and English side by side.

The page has no external assets and makes no network request: its style and
its one small script are inline.  Each document is a section, each paragraph
a block of aligned sentence pairs.  A sentence with a flag that points at a
probably wrong translation (:func:`translate.flags.is_warning`) is "to
review": highlighted, its reasons in the pair's tooltip (``title``) and
written out under it; other flags (how it was made) are listed without the
highlight.  A header gives the counts, the flags seen and the signature.

The "only sentences to review" checkbox is shown by the script, so without
JavaScript the page shows everything and offers no control that does nothing.
Narrow screens get one column; print hides the control and keeps pairs whole.

Every text goes into the tree as text (lxml escapes it), never as markup, so
a ``<script>`` in an article is shown, not run.  Unlike the other formats the
page is built in memory: its header counts every sentence before the first.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from itertools import groupby
from typing import Any, TextIO

from lxml import etree

from translate.flags import describe, is_warning
from translate.formats import single_stream
from translate.formats.xmlwrite import xml_text
from translate.qa import note as flag_note
from translate.signature import Signature
from translate.types import Sentence

#: The id of the filter checkbox (the tests look for it).
FILTER_ID = "only-flagged"

STYLE = """
:root { --review: #b45309; --review-bg: #fff7e6; --info: #64748b; --line: #d4d4d8; }
* { box-sizing: border-box; }
body { font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
  margin: 0 auto; max-width: 80rem; padding: 0 1rem 2rem; color: #18181b; background: #fff; }
header.top { border-bottom: 2px solid var(--line); padding: 0.5rem 0 1rem; }
h1 { font-size: 1.4rem; margin: 0.5rem 0; }
h2 { font-size: 1.15rem; margin: 1.5rem 0 0.5rem; overflow-wrap: anywhere; }
.counts { font-size: 1.05rem; margin: 0.25rem 0; }
.signature code { font-size: 0.8rem; overflow-wrap: anywhere; color: #3f3f46; }
.flag-counts { list-style: none; padding: 0; margin: 0.5rem 0; }
.flag-counts li { margin: 0.15rem 0; }
.filter { display: inline-block; margin-top: 0.5rem; padding: 0.35rem 0.6rem; cursor: pointer;
  border: 1px solid var(--line); border-radius: 0.4rem; background: #fafafa; }
.filter[hidden] { display: none; }
.labels, .pair { display: grid; grid-template-columns: 3.5rem 1fr 1fr; gap: 0 1rem; }
.labels { font-weight: 600; color: var(--info); border-bottom: 1px solid var(--line);
  padding: 0 0.5rem; margin-left: 3px; }
.para { margin: 0 0 0.75rem; border-left: 3px solid var(--line); }
.pair { padding: 0.3rem 0.5rem; border-bottom: 1px solid #f4f4f5; }
.pair.review { background: var(--review-bg); box-shadow: inset 4px 0 0 var(--review); }
.ref { color: var(--info); font-size: 0.8rem; text-decoration: none; padding-top: 0.15rem; }
.el, .en { white-space: pre-wrap; overflow-wrap: anywhere; }
.flags { grid-column: 2 / -1; list-style: none; margin: 0.2rem 0 0; padding: 0;
  font-size: 0.85rem; }
.flag-name { font-weight: 600; font-family: ui-monospace, monospace; }
.flags .warning .flag-name, .flag-counts .warning .flag-name { color: var(--review); }
.flags .info .flag-name, .flag-counts .info .flag-name { color: var(--info); }
body.only-flagged .pair:not(.review), body.only-flagged .para:not(.has-review),
body.only-flagged .doc:not(.has-review) { display: none; }
@media (max-width: 40rem) {
  body { padding: 0 0.5rem 1rem; }
  .labels { display: none; }
  .pair { grid-template-columns: 1fr; }
  .en { padding-left: 0.75rem; border-left: 2px solid var(--line); margin-top: 0.2rem; }
  .flags { grid-column: 1; }
}
@media print {
  body { max-width: none; font-size: 10pt; }
  .filter { display: none !important; }
  .pair { break-inside: avoid; }
  .pair.review { background: none; box-shadow: inset 3px 0 0 #000; }
  a { color: inherit; }
}
"""

SCRIPT = """
(function () {
  var box = document.getElementById("only-flagged");
  box.parentNode.hidden = false;
  function apply() { document.body.classList.toggle("only-flagged", box.checked); }
  box.addEventListener("change", apply);
  apply();
})();
"""


def needs_review(s: Sentence) -> bool:
    """Return True when a flag of ``s`` points at a probably wrong translation."""
    return any(is_warning(flag) for flag in s.flags)


def _element(parent: Any, tag: str, text: str | None = None, **attributes: str) -> Any:
    """Add a child element with ``text`` (escaped by lxml) and attributes; return it."""
    # class_ -> class, data_doc -> data-doc: Python names for HTML attribute names.
    names = {key: key.rstrip("_").replace("_", "-") for key in attributes}
    child = etree.SubElement(parent, tag, {names[k]: xml_text(v) for k, v in attributes.items()})
    if text is not None:
        child.text = xml_text(text)
    return child


def _head(html: Any, title: str) -> None:
    head = _element(html, "head")
    _element(head, "meta", charset="utf-8")
    _element(head, "meta", name="viewport", content="width=device-width, initial-scale=1")
    _element(head, "title", title)
    _element(head, "style", STYLE)


def _header(body: Any, sentences: list[Sentence], documents: int, signature: Signature) -> None:
    top = _element(body, "header", class_="top")
    _element(top, "h1", "el2en review: Greek → English")
    review = sum(needs_review(s) for s in sentences)
    counts = _element(top, "p", class_="counts")
    _element(
        counts, "strong", f"{review} of {len(sentences)} sentences to review"
    ).tail = f" · {documents} document{'s' if documents != 1 else ''}"
    flags = Counter(flag for s in sentences for flag in s.flags)
    if flags:
        listing = _element(top, "ul", class_="flag-counts")
        for flag, n in sorted(flags.items(), key=lambda item: (not is_warning(item[0]), item[0])):
            item = _element(listing, "li", class_="warning" if is_warning(flag) else "info")
            _element(item, "span", flag, class_="flag-name").tail = f" × {n}: {describe(flag)}"
    line = _element(top, "p", "Signature: ", class_="signature")
    _element(line, "code", str(signature))
    label = _element(top, "label", class_="filter", hidden="hidden")
    _element(label, "input", type="checkbox", id=FILTER_ID).tail = " Show only sentences to review"


def _pair(parent: Any, s: Sentence, number: int) -> bool:
    """Add the row of one sentence; return True when it is to review."""
    review = needs_review(s)
    reasons = [flag_note(flag, s) for flag in s.flags]
    if s.provenance is not None:
        reasons.append(f"provenance: {s.provenance}")
    reasons.extend(f"glossary: {term}" for term in s.terms)
    if s.score is not None:
        reasons.append(f"score: {s.score:.4f}")
    classes = ["pair"] + (["review"] if review else []) + (["flagged"] if s.flags else [])
    pair = _element(
        parent,
        "div",
        class_=" ".join(classes),
        id=f"s{number}",
        data_flags=" ".join(s.flags),
        title="\n".join(reasons),
    )
    # The same numbers as every other format's ids (XLIFF paragraph:sentence, the
    # TSV/JSONL columns, TMX doc:paragraph:sentence): 0-based, so a reviewer can
    # name a sentence to whoever holds the TSV or the XLIFF.
    ref = f"{s.paragraph}:{s.index}"
    _element(pair, "a", ref, class_="ref", href=f"#s{number}", title=f"{s.doc_id}:{ref}")
    _element(pair, "div", s.source, class_="el", lang="el")
    _element(pair, "div", s.translation or "", class_="en", lang="en")
    if s.flags or s.provenance is not None or s.terms:
        listing = _element(pair, "ul", class_="flags")
        for flag in s.flags:
            item = _element(listing, "li", class_="warning" if is_warning(flag) else "info")
            _element(item, "span", flag, class_="flag-name").tail = flag_note(flag, s)[len(flag) :]
        if s.provenance is not None:
            _element(listing, "li", f"from: {s.provenance}", class_="info")
        for term in s.terms:
            _element(listing, "li", f"glossary: {term}", class_="info")
    return review


def _document(main: Any, doc_id: str, sentences: list[Sentence], first: int) -> None:
    section = _element(main, "section", class_="doc", data_doc=doc_id)
    _element(section, "h2", doc_id or "(no name)")
    labels = _element(section, "div", class_="labels", aria_hidden="true")
    for text in ("", "Ελληνικά", "English"):
        _element(labels, "span", text)
    number = first
    any_review = False
    for paragraph, members in groupby(sentences, key=lambda s: s.paragraph):
        block = _element(section, "div", class_="para", data_paragraph=str(paragraph))
        review = False
        for s in members:
            review |= _pair(block, s, number)
            number += 1
        if review:
            block.set("class", "para has-review")
        any_review |= review
    if any_review:
        section.set("class", "doc has-review")


def page(sentences: list[Sentence], signature: Signature) -> Any:
    """Return the ``<html>`` element of the review page of ``sentences``."""
    documents = [(doc, list(group)) for doc, group in groupby(sentences, key=lambda s: s.doc_id)]
    html = etree.Element("html", lang="en")
    names = ", ".join(doc for doc, _ in documents[:3]) + (" …" if len(documents) > 3 else "")
    _head(html, f"el2en review: {names}" if names else "el2en review")
    body = _element(html, "body")
    _header(body, sentences, len(documents), signature)
    main = _element(body, "main")
    first = 1
    for doc, members in documents:
        _document(main, doc, members, first)
        first += len(members)
    if not sentences:
        _element(main, "p", "No sentences.")
    _element(body, "script", SCRIPT)
    return html


def write(sentences: Iterable[Sentence], streams: Sequence[TextIO], signature: Signature) -> int:
    """Write the review page of ``sentences``; return how many sentences it shows."""
    stream = single_stream(streams, "html")
    rows = list(sentences)
    stream.write(
        etree.tostring(
            page(rows, signature), method="html", encoding="unicode", doctype="<!DOCTYPE html>"
        )
    )
    stream.write("\n")
    return len(rows)
