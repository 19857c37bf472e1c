"""Corrections back: read reviewed files into the translation memory, and export it.

A reviewer gets el2en's XLIFF, TMX, TSV or XLSX, corrects English targets in a
CAT tool or a spreadsheet, and ``el2en review import`` stores the corrected
sentences in the :class:`~translate.memory.TranslationMemory`, which later runs
use before the model.

Files are read by structure, not by el2en's exact layout, so that files that
went through a CAT tool, and el2en's older TSV (a ``# el2en`` comment line
first, escaped tabs), still read: XLIFF 1.2 ``trans-unit`` source/target,
TMX ``tu``/``tuv`` by ``xml:lang`` (``el*``/``en*``), TSV ``el``/``en`` columns.

Which units are the reviewer's (see :func:`decide` and docs/qa.md):

1. When the machine translation of the unit is known (``--original FILE``, the
   unreviewed el2en output; or in the file itself: an XLIFF ``<alt-trans>``
   target, a TMX ``x-mt`` prop, a TSV ``mt`` column), a unit is the
   reviewer's when its English differs from it (or, in XLIFF, when its state
   is ``final``/``signed-off``: approved as it stands).
2. Otherwise XLIFF: state ``final`` or ``signed-off``; or ``translated`` when
   el2en had asked for review (a warning note: el2en wrote
   ``needs-review-translation``) or when the state-qualifier is no longer
   el2en's ``mt-suggestion``.  Untouched ``translated`` + ``mt-suggestion``
   units are the model's and are not stored.
3. TMX: a ``<tu>`` or English ``<tuv>`` with ``changedate``/``changeid`` (CAT
   tools stamp edited units; el2en writes no dates); a TMX from another tool
   (not ``creationtool="el2en"``), or el2en's own memory export
   (``o-tmf="el2en-memory"``), is a human memory: every unit counts.
4. TSV and XLSX: a filled-in ``correction`` (XLSX) is the reviewer's; a
   ``reviewed`` column, when there is one, says which rows
   (``yes``/``y``/``true``/``1``/``x``).  A table with none of ``mt``,
   ``reviewed`` or ``correction`` has no review signal at all: nothing is
   imported unless ``all_units`` (``--all``) says every row is the reviewer's.

Every unit not taken is reported with its reason (``ImportReport.not_taken``).
A file is checked whole before anything is stored (languages, quoting, sizes,
units of invisible characters: :class:`ReviewError` with FILE:LINE), then
stored in one transaction: all of it or nothing.

Importing the same file twice changes nothing.  The same Greek with another
English in the memory is a conflict, reported with the file's line and kept
unless ``replace``; the same Greek twice in one file with different English is
reported too (the first is used).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from translate.errors import ReviewError
from translate.memory import MemoryEntry, PutResult, TranslationMemory
from translate.normalise import normalise

#: XLIFF 1.2 target states that mean "approved as it stands".
APPROVED_STATES = frozenset({"final", "signed-off"})
_TRUE = frozenset({"yes", "y", "true", "1", "x", "ok", "✓"})
_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
_EVERY_UNIT = "every unit of this file counts"
#: ``o-tmf`` of a memory export: its units are human translations.
MEMORY_TMF = "el2en-memory"
#: The longest sentence a reviewed file may hold (characters): a news sentence
#: is a few hundred; a larger cell is a broken file (a quote never closed).
MAX_UNIT = 20_000
_NO_SIGNAL = "no review signal"


def printable(text: str) -> str:
    """Return ``text`` with control and bidi-override characters shown as escapes.

    Reviewed files are untrusted: an escape sequence or a right-to-left override
    in a unit must not reach the terminal raw when a problem is reported.  The
    one escape every name and message goes through (translate.display).
    """
    from translate.display import escape

    return escape(text)


def _invisible(text: str) -> bool:
    """Return True when ``text`` is not empty but shows nothing (spaces, format characters)."""
    import unicodedata

    return bool(text) and all(
        ch.isspace() or unicodedata.category(ch) in ("Cf", "Cc", "Zs", "Mn") for ch in text
    )


@dataclass(frozen=True, slots=True)
class Unit:
    """One Greek sentence and its English as a reviewed file holds them."""

    el: str
    en: str
    #: The unit's id in the file (XLIFF ``original:id``, TMX ``tuid``, TSV
    #: ``doc:paragraph:sentence``), or its position when it has none.
    unit: str
    #: The line of the file where the unit starts (1-based).
    line: int
    #: What the file says about the unit's review, for :func:`decide`.
    state: str | None = None
    state_qualifier: str | None = None
    flagged: bool = False  # XLIFF: el2en had asked for review
    changed: bool = False  # TMX: a CAT tool stamped it
    reviewed: bool | None = None  # TSV: the reviewed column, when there is one
    #: The machine translation, when the file (or --original) tells it.
    machine: str | None = None
    #: How the file says a unit is reviewed: "xliff", "tmx-el2en", "tmx", "tsv",
    #: "xlsx", or "tsv-bare" (a table with no column that records a review).
    kind: str = ""
    #: XLSX: the reviewer's correction column, when filled in.
    correction: str | None = None


# -- reading -----------------------------------------------------------------


def detect_format(path: Path) -> str:
    """Return ``xliff``, ``tmx``, ``tsv`` or ``xlsx`` for ``path``, by name, else by content."""
    if path.is_dir():
        if (path / "omegat.project").is_file():
            return "omegat"
        raise ReviewError(f"{path}: a folder, but not an OmegaT project (no omegat.project)")
    suffix = path.suffix.lower()
    if suffix in (".xlf", ".xliff", ".sdlxliff", ".mqxliff"):
        return "xliff"
    if suffix == ".tmx":
        return "tmx"
    if suffix in (".tsv", ".tab"):
        return "tsv"
    if suffix == ".xlsx":
        return "xlsx"
    try:
        with open(path, "rb") as f:
            head = f.read(4096).lstrip(b"\xef\xbb\xbf \t\r\n")
    except OSError as exc:
        raise ReviewError(f"{path}: cannot read ({exc.strerror})") from exc
    if head.startswith(b"<"):
        return "tmx" if b"<tmx" in head else "xliff"
    if head.startswith(b"PK\x03\x04"):
        return "xlsx"
    return "tsv"


def read_units(path: str | Path, format: str | None = None) -> Iterator[Unit]:
    """Yield the units of a reviewed XLIFF 1.2, TMX, TSV or XLSX file, in file order.

    Each unit is checked as it is read (:func:`check_unit`): a ReviewError
    names the file and line of the first one that cannot be believed.
    """
    path = Path(path)
    kind = format or detect_format(path)
    readers = {
        "xliff": _read_xliff,
        "tmx": _read_tmx,
        "tsv": _read_tsv,
        "xlsx": _read_xlsx,
        "omegat": _read_omegat,
    }
    if kind not in readers:
        raise ReviewError(f"{path}: unknown format {kind!r}; choose xliff, tmx, tsv or xlsx")
    for unit in readers[kind](path):
        check_unit(path, unit)
        yield unit


def check_unit(path: Path, unit: Unit) -> None:
    """Raise ReviewError (FILE:LINE) for a unit too long to be a sentence, or of invisible text."""
    for side, text in (("Greek", unit.el), ("English", unit.en), ("correction", unit.correction)):
        if text is None:
            continue
        if len(text) > MAX_UNIT:
            raise ReviewError(
                f"{path}:{unit.line}: unit {printable(unit.unit)}: the {side} is {len(text)} "
                f"characters long, more than a sentence ({MAX_UNIT}): a broken file?"
            )
        if _invisible(text):
            raise ReviewError(
                f"{path}:{unit.line}: unit {printable(unit.unit)}: the {side} is only invisible "
                f"characters ({printable(text[:20])!r}); fix or remove the unit"
            )


def _english(path: Path, line: int | None, lang: str | None, what: str) -> None:
    """Raise ReviewError unless ``lang`` (when given) is English."""
    if lang and not lang.lower().startswith("en"):
        raise ReviewError(
            f"{path}:{line or 0}: {what} is {printable(lang)!r}, not English; el2en's "
            "memory holds English translations of Greek"
        )


def _parse_xml(path: Path) -> Any:
    from lxml import etree

    # No entities, no network, no DTD loading: a reviewed file is untrusted input.
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    try:
        return etree.parse(str(path), parser).getroot()
    except OSError as exc:
        raise ReviewError(f"{path}: cannot read ({exc})") from exc
    except etree.XMLSyntaxError as exc:
        raise ReviewError(f"{path}: not well-formed XML ({exc})") from exc


def _text(element: Any) -> str:
    """Return the text of an element with inline markup (XLIFF g/x/ph, TMX bpt/ph) flattened."""
    return "" if element is None else "".join(element.itertext())


def _local(element: Any) -> str:
    tag = element.tag
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _read_xliff(path: Path) -> Iterator[Unit]:
    root = _parse_xml(path)
    if _local(root) != "xliff":
        raise ReviewError(f"{path}: not XLIFF (the root element is <{_local(root)}>)")
    if (root.get("version") or "1.2").startswith("2"):
        raise ReviewError(
            f"{path}: XLIFF {root.get('version')}; export XLIFF 1.2 from the CAT tool"
        )
    for index, file in enumerate(root.iter("{*}file")):
        source_lang = (file.get("source-language") or "el").lower()
        if not source_lang.startswith("el"):
            raise ReviewError(
                f"{path}:{file.sourceline}: source-language is {source_lang!r}, not Greek"
            )
        _english(path, file.sourceline, file.get("target-language"), "target-language")
        original = file.get("original") or f"file{index + 1}"
        for position, unit in enumerate(file.iter("{*}trans-unit")):
            target = unit.find("{*}target")
            if target is not None:
                _english(path, target.sourceline, target.get(_XML_LANG), "the target's xml:lang")
            alt = unit.find("{*}alt-trans[@origin='el2en']/{*}target")
            if alt is None:
                alt = unit.find("{*}alt-trans/{*}target")
            notes = unit.findall("{*}note")
            yield Unit(
                el=_text(unit.find("{*}source")),
                en=_text(target),
                unit=f"{original}:{unit.get('id') or position + 1}",
                line=unit.sourceline or 0,
                state=None if target is None else target.get("state"),
                state_qualifier=None if target is None else target.get("state-qualifier"),
                flagged=any(n.get("from") == "el2en" and n.get("priority") == "1" for n in notes),
                machine=None if alt is None else _text(alt),
                kind="xliff",
            )


def _tuv_lang(tuv: Any) -> str:
    return str(tuv.get(_XML_LANG) or tuv.get("lang") or "").lower()


def _read_tmx(path: Path) -> Iterator[Unit]:
    root = _parse_xml(path)
    if _local(root) != "tmx":
        raise ReviewError(f"{path}: not TMX (the root element is <{_local(root)}>)")
    header = root.find("header")
    # el2en's translation output, not its memory export (which holds human translations).
    by_el2en = (
        header is not None
        and header.get("creationtool") == "el2en"
        and header.get("o-tmf") != MEMORY_TMF
    )
    for position, tu in enumerate(root.iter("tu")):
        el = en = None
        en_tuv = None
        others = []
        for tuv in tu.iter("tuv"):
            lang = _tuv_lang(tuv)
            if lang.startswith("el") and el is None:
                el = _text(tuv.find("seg"))
            elif lang.startswith("en") and en is None:
                en, en_tuv = _text(tuv.find("seg")), tuv
            elif not lang.startswith("el"):
                others.append(lang)
        if el is None:
            continue  # not a Greek unit
        if en is None and others:
            _english(path, tu.sourceline, others[0], "the translation's xml:lang")
        props = {p.get("type"): _text(p) for p in tu.findall("prop")}
        stamped = [tu] + ([en_tuv] if en_tuv is not None else [])
        yield Unit(
            el=el,
            en=en or "",
            unit=tu.get("tuid") or f"tu{position + 1}",
            line=tu.sourceline or 0,
            changed=any(e.get("changedate") or e.get("changeid") for e in stamped),
            machine=props.get("x-mt"),
            kind="tmx-el2en" if by_el2en else "tmx",
        )


def _read_tsv(path: Path) -> Iterator[Unit]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise ReviewError(f"{path}: cannot read as UTF-8 text ({exc})") from exc
    offset = 0
    old = text.startswith("# el2en")
    if old:  # el2en before the csv-module TSV: a comment line, fields escaped
        offset = 1
        text = text.split("\n", 1)[1] if "\n" in text else ""
    reader = csv.DictReader(
        io.StringIO(text, newline=""),
        dialect="excel-tab",
        quoting=csv.QUOTE_NONE if old else csv.QUOTE_MINIMAL,
    )
    columns = set(reader.fieldnames or ())
    if not {"el", "en"} <= columns:
        raise ReviewError(f"{path}: a TSV needs 'el' and 'en' columns (found: {sorted(columns)})")
    unescape = _old_unescape if old else (lambda field: field)
    width = len(reader.fieldnames or ())
    kind = "tsv" if columns & {"mt", "reviewed"} else "tsv-bare"
    line = reader.line_num
    position = 0
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:  # e.g. a quote never closed swallowed the rest of the file
            raise ReviewError(
                f"{path}:{line + 1 + offset}: broken quoting ({exc}); a field with a tab, a "
                'line break or a " must be in double quotes, its own quotes doubled'
            ) from None
        start, line = line + 1, reader.line_num
        extra = row.pop(None, None)
        missing = sum(1 for value in row.values() if value is None)
        if extra or missing:
            found = width + len(extra or ()) - missing
            raise ReviewError(
                f"{path}:{start + offset}: {found} fields where the header has {width} "
                "(a stray tab, or broken quoting)"
            )
        position += 1
        ids = [row.get(name) for name in ("doc", "paragraph", "sentence")]
        reviewed = row.get("reviewed")
        yield Unit(
            el=unescape(row.get("el") or ""),
            en=unescape(row.get("en") or ""),
            unit=":".join(i or "" for i in ids) if all(ids) else f"row{position}",
            line=start + offset,
            reviewed=None if reviewed is None else reviewed.strip().lower() in _TRUE,
            machine=unescape(row["mt"]) if row.get("mt") is not None else None,
            kind=kind,
        )


def _read_xlsx(path: Path) -> Iterator[Unit]:
    """Yield the rows of the first sheet with ``el`` and ``en`` columns (el2en's sheet first)."""
    import zipfile

    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except (OSError, zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise ReviewError(f"{path}: not a readable XLSX workbook ({exc})") from None
    try:
        sheets = sorted((book[name] for name in book.sheetnames), key=lambda s: s.title != "el2en")
        for sheet in sheets:
            rows = sheet.iter_rows(values_only=True)
            header = [_cell(v).strip() for v in next(rows, ())]
            if {"el", "en"} <= set(header):
                yield from _xlsx_units(header, rows)
                return
        raise ReviewError(f"{path}: no sheet has 'el' and 'en' columns in its first row")
    finally:
        book.close()


def _xlsx_units(header: list[str], rows: Iterator[tuple[object, ...]]) -> Iterator[Unit]:
    kind = "xlsx" if set(header) & {"mt", "reviewed", "correction"} else "tsv-bare"
    for number, values in enumerate(rows, start=2):
        cells = {name: _cell(v) for name, v in zip(header, values, strict=False) if name}
        if not any(cells.values()):
            continue
        ids = [cells.get(name, "") for name in ("doc", "paragraph", "sentence")]
        reviewed = cells.get("reviewed")
        yield Unit(
            el=cells.get("el", ""),
            en=cells.get("en", ""),
            unit=":".join(ids) if all(ids) else f"row{number}",
            line=number,
            reviewed=None if reviewed is None else reviewed.strip().lower() in _TRUE,
            machine=cells.get("mt") if "mt" in cells else None,
            correction=cells.get("correction") or None,
            kind=kind,
        )


def _read_omegat(project: Path) -> Iterator[Unit]:
    """Yield what a reviewer did in an OmegaT project made by ``--format omegat``.

    Two places hold it: ``omegat/project_save.tmx`` (OmegaT's own memory of the
    project, written when it saves) and the documents in ``target/`` (written by
    *Create Translated Documents* or ``console-translate``), aligned paragraph
    by paragraph with ``source/``, as el2en wrote one sentence per paragraph.
    el2en's English is in ``tm/auto/``, so a unit is taken exactly when the
    reviewer's English differs from it.
    """
    import re

    settings = (project / "omegat.project").read_text("utf-8", errors="replace")
    found = re.search(r"<target_lang>([^<]*)</target_lang>", settings)
    _english(project / "omegat.project", None, found.group(1) if found else None, "target_lang")
    machine: dict[str, str] = {}
    for memory in sorted((project / "tm" / "auto").glob("*.tmx")):
        for unit in _read_tmx(memory):
            machine.setdefault(normalise(unit.el), unit.machine or unit.en)
    save = project / "omegat" / "project_save.tmx"
    if save.is_file():
        for unit in _read_tmx(save):
            yield _replace(
                unit,
                unit=f"omegat/project_save.tmx#{unit.unit}",
                machine=machine.get(normalise(unit.el), unit.machine),
                kind="tmx-el2en",  # OmegaT's own units carry no review signal of their own
            )
    for source in sorted((project / "source").glob("*.txt")):
        yield from _omegat_target(project, source, machine)


def _omegat_target(project: Path, source: Path, machine: dict[str, str]) -> Iterator[Unit]:
    target = project / "target" / source.name
    if not target.is_file():
        return
    greek = _paragraphs(source.read_text("utf-8"))
    english = _paragraphs(target.read_text("utf-8"))
    if len(greek) != len(english):
        raise ReviewError(
            f"{target}: {len(english)} paragraphs where source/{source.name} has "
            f"{len(greek)}; create the translated documents again in OmegaT"
        )
    for index, ((_, el), (line, en)) in enumerate(zip(greek, english, strict=True)):
        yield Unit(
            el=el,
            en="" if en == el else en,  # OmegaT copies the source of an untranslated segment
            unit=f"target/{target.name}:{index + 1}",
            line=line,
            machine=machine.get(normalise(el)),
            kind="tmx-el2en",
        )


def _paragraphs(text: str) -> list[tuple[int, str]]:
    """Return the blank-line separated paragraphs of ``text``, each with its first line number."""
    found: list[tuple[int, str]] = []
    lines: list[str] = []
    start = 0
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip():
            if not lines:
                start = number
            lines.append(line)
        elif lines:
            found.append((start, "\n".join(lines)))
            lines = []
    if lines:
        found.append((start, "\n".join(lines)))
    return found


def _cell(value: object) -> str:
    """Return a cell's text: OOXML's ``_xHHHH_`` escapes undone, 3.0 as ``3``, None as ''.

    openpyxl undoes the escapes of shared strings only; el2en's streamed
    workbook (translate.formats.xlsx) has inline strings, escaped the same way.
    """
    from openpyxl.utils.escape import unescape

    if value is None:
        return ""
    if isinstance(value, str):
        return str(unescape(value))
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _old_unescape(field: str) -> str:
    import re

    table = {"\\\\": "\\", "\\t": "\t", "\\n": "\n", "\\r": "\r"}
    return re.sub(r"\\[\\tnr]", lambda m: table[m.group()], field)


# -- deciding ----------------------------------------------------------------


def decide(unit: Unit, all_units: bool = False) -> tuple[bool, str]:
    """Return whether ``unit`` holds a reviewer's translation, and why (see the module doc)."""
    if unit.correction and unit.el.strip():
        return True, "a correction"
    if not unit.el.strip() or not unit.en.strip():
        return False, "no Greek or no English"
    if all_units:
        return True, "--all"
    if unit.machine is not None:
        if unit.en != unit.machine:
            return True, "English differs from the machine translation"
        if unit.state in APPROVED_STATES:
            return True, f"approved (state {unit.state})"
        if unit.reviewed:
            return True, "approved (reviewed column)"
        return False, "English unchanged from the machine translation"
    if unit.kind == "xliff":
        if unit.state in APPROVED_STATES:
            return True, f"approved (state {unit.state})"
        if unit.state == "translated" and unit.flagged:
            return True, "flagged for review, now translated"
        if unit.state == "translated" and unit.state_qualifier not in ("mt-suggestion", None):
            return True, f"translated ({unit.state_qualifier})"
        return False, f"not reviewed (state {unit.state}, {unit.state_qualifier})"
    if unit.kind == "tmx-el2en":
        if unit.changed:
            return True, "changed (changedate/changeid)"
        return False, "el2en's own unit, not changed (no changedate)"
    if unit.kind in ("tsv", "xlsx") and unit.reviewed is not None:
        return unit.reviewed, "reviewed column" if unit.reviewed else "not marked reviewed"
    if unit.kind == "tsv-bare":
        return False, _NO_SIGNAL
    if unit.kind in ("tsv", "xlsx"):
        return False, "no correction, not marked reviewed"
    return True, _EVERY_UNIT


def with_original(units: Iterator[Unit], original: Path) -> Iterator[Unit]:
    """Yield ``units`` with their machine translation taken from the unreviewed ``original``."""
    by_id: dict[str, str] = {}
    by_greek: dict[str, str] = {}
    for unit in read_units(original):
        by_id.setdefault(unit.unit, unit.en)
        by_greek.setdefault(normalise(unit.el), unit.en)
    for unit in units:
        machine = by_id.get(unit.unit) if unit.unit in by_id else by_greek.get(normalise(unit.el))
        yield unit if machine is None else _replace(unit, machine=machine)


def _replace(original: Unit, /, **changes: Any) -> Unit:
    from dataclasses import replace

    return replace(original, **changes)


# -- importing ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Problem:
    """A unit of the file that was not stored as it is, with where it is."""

    line: int
    unit: str
    el: str
    en: str
    #: "conflict" (the memory has other English), "duplicate" (the file has
    #: this Greek twice with different English), or "replaced".
    kind: str
    #: What the memory (or the file's first occurrence) holds instead.
    other_en: str
    other_provenance: str


@dataclass(frozen=True, slots=True)
class NotTaken:
    """A unit that was not taken as a reviewer's translation, and why."""

    line: int
    unit: str
    reason: str


@dataclass
class ImportReport:
    """What one import did."""

    path: Path
    units: int = 0
    new: int = 0
    same: int = 0
    replaced: int = 0
    #: Units not taken as a reviewer's translation, by reason.
    skipped: dict[str, int] = field(default_factory=dict)
    #: Every unit not taken, in file order (``-v`` lists them).
    not_taken: list[NotTaken] = field(default_factory=list)
    #: Conflicts, duplicates and replacements, in file order.
    problems: list[Problem] = field(default_factory=list)
    #: Warnings about the file as a whole.
    notes: list[str] = field(default_factory=list)

    @property
    def conflicts(self) -> int:
        """Return how many units disagreed with the memory and were kept out."""
        return sum(1 for p in self.problems if p.kind == "conflict")

    def summary(self) -> str:
        """Return the one-line summary, e.g. ``review.xlf: 12 units: 3 new, 0 replaced, ...``."""
        skipped = sum(self.skipped.values())
        return (
            f"{printable(self.path.name)}: {self.units} units: {self.new} new, "
            f"{self.replaced} replaced, {self.same} already in memory, "
            f"{self.conflicts} conflicts, {skipped} not taken as reviewed"
        )


def import_reviewed(
    path: str | Path,
    memory: TranslationMemory,
    *,
    format: str | None = None,
    original: str | Path | None = None,
    replace: bool = False,
    imported: str | None = None,
    all_units: bool = False,
) -> ImportReport:
    """Store the reviewer's translations of the file at ``path`` in ``memory``; say what changed.

    The whole file is read, checked and decided first; only then is what it
    holds stored, in one transaction.  A ReviewError (FILE:LINE) or a store
    error leaves the memory as it was.  ``all_units`` takes every unit with
    Greek and English as the reviewer's, whatever the file says.
    """
    path = Path(path)
    report = ImportReport(path)
    units: Iterator[Unit] = read_units(path, format)
    if original is not None:
        units = with_original(units, Path(original))
    first: dict[str, Unit] = {}
    for unit in units:
        report.units += 1
        taken, reason = decide(unit, all_units)
        if not taken:
            report.skipped[reason] = report.skipped.get(reason, 0) + 1
            report.not_taken.append(NotTaken(unit.line, unit.unit, reason))
            continue
        key = normalise(unit.el)
        en = unit.correction or unit.en
        if key in first:
            earlier = first[key]
            if (earlier.correction or earlier.en) != en:
                where = f"{path.name}#{earlier.unit} (line {earlier.line})"
                report.problems.append(
                    Problem(unit.line, unit.unit, unit.el, en, "duplicate", earlier.en, where)
                )
            continue
        first[key] = unit
    if report.skipped.get(_NO_SIGNAL):
        report.notes.append(
            f"{printable(path.name)}: no review signal (no 'mt', 'reviewed' or 'correction' "
            "column, and no --original): nothing imported; pass --all to take every row "
            "as the reviewer's"
        )
    chosen = list(first.values())
    results = memory.put_all(
        [(u.el, u.correction or u.en, path.name, u.unit) for u in chosen],
        imported=imported,
        replace=replace,
    )
    for unit, (result, before) in zip(chosen, results, strict=True):
        _count(report, unit, result, before)
    return report


def _count(report: ImportReport, unit: Unit, result: PutResult, before: MemoryEntry | None) -> None:
    if result is PutResult.NEW:
        report.new += 1
    elif result is PutResult.SAME:
        report.same += 1
    elif before is not None:
        kind = "replaced" if result is PutResult.REPLACED else "conflict"
        report.replaced += result is PutResult.REPLACED
        en = unit.correction or unit.en
        report.problems.append(
            Problem(unit.line, unit.unit, unit.el, en, kind, before.en, before.provenance)
        )


# -- exporting ---------------------------------------------------------------


def _tmx_date(iso: str) -> str | None:
    """Return TMX's ``YYYYMMDDThhmmssZ`` for an ISO 8601 UTC time, None if it is not one."""
    digits = iso.replace("-", "").replace(":", "")
    return digits if len(digits) == 16 and digits.endswith("Z") else None


def export_tmx(memory: TranslationMemory, stream: BinaryIO) -> int:
    """Write the memory as a TMX 1.4b document to the binary ``stream``; return the units."""
    from lxml import etree

    from translate.formats import tmx

    count = 0
    with etree.xmlfile(stream, encoding="UTF-8") as xf:
        xf.write_declaration()
        xf.write_doctype('<!DOCTYPE tmx SYSTEM "tmx14.dtd">')
        with xf.element("tmx", version="1.4"):
            xf.write("\n")
            xf.write(tmx.header(None, tmf=MEMORY_TMF), pretty_print=True)
            with xf.element("body"):
                xf.write("\n")
                for entry in memory.entries():
                    xf.write(_memory_unit(entry), pretty_print=True)
                    count += 1
    return count


def _memory_unit(entry: MemoryEntry) -> Any:
    from lxml import etree

    from translate.formats.xmlwrite import xml_text

    tu = etree.Element("tu", srclang="el")
    date = _tmx_date(entry.imported)
    if date:
        tu.set("creationdate", date)
    for kind, value in (
        ("x-provenance", entry.provenance),
        ("x-file", entry.file),
        ("x-unit", entry.unit),
    ):
        etree.SubElement(tu, "prop", type=kind).text = xml_text(value)
    for lang, text in (("el", entry.el), ("en", entry.en)):
        tuv = etree.SubElement(tu, "tuv")
        tuv.set(_XML_LANG, lang)
        etree.SubElement(tuv, "seg").text = xml_text(text)
    return tu


def export_tmx_file(memory: TranslationMemory, path: str | Path, *, force: bool = False) -> int:
    """Write the memory as TMX to ``path``, whole or not at all; overwrite only if ``force``.

    A file that cannot be written is an :class:`~translate.errors.OutputError` (exit 1).
    """
    from translate.output import atomic_binary_output

    path = Path(path)
    if path.exists() and not force:
        raise ReviewError(f"{path}: exists; pass --force to replace it")
    # Through the one atomic writer: a killed export's temporary is cleaned by the next.
    with atomic_binary_output(str(path)) as stream:
        return export_tmx(memory, stream)
