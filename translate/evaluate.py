"""Measure translations against references: sacreBLEU scores, flag quality, paired bootstrap.

``el2en eval`` closes the loop from reviewers' corrections to knowledge about
the model.  Everything here is offline and library-only (the CLI in
:mod:`translate.cli.eval_cmd` parses options and prints):

- :func:`read_system` reads a hypothesis (HYP): an el2en output that carries
  Greek and English (JSONL, TSV, TMX, XLIFF, XLSX), a Moses ``.en`` (its ``.el``
  beside it gives the Greek), or a folder of such outputs (a batch's OUT).
  The flags and model scores el2en wrote come with each sentence, and its
  English is el2en's own: where a reviewed file keeps el2en's machine
  translation beside the reviewer's edit (XLIFF ``<alt-trans origin="el2en">``,
  TMX ``x-mt``, TSV and XLSX ``mt``), that is what is scored, so a reviewed
  file is its own reference (``el2en eval reviewed.xlsx --ref reviewed.xlsx``).
- :func:`read_reference` reads a reference (REF): plain English lines aligned
  with HYP's sentences (a Moses ``.en`` is one), or a reviewed file that
  ``el2en review import`` reads (through :func:`translate.review.read_units`),
  matched by Greek sentence; :func:`memory_reference` takes the translation
  memory's human entries instead.
- :func:`evaluate` scores with sacreBLEU's own metric objects (``BLEU``,
  ``CHRF``, ``TER``: ``corpus_score`` and ``get_signature``; nothing is
  re-implemented), counts for each flag how many sentences it flagged, how
  many of those the reference changed (precision) and how many changed
  sentences it caught (recall), suggests the ``--min-score`` that reaches a
  chosen recall, and compares two or more systems with sacreBLEU's paired
  bootstrap resampling (:class:`sacrebleu.significance.PairedTest`).
- :mod:`translate.eval_report` presents it: the table, ``--json`` and ``--html``.

"Changed" means the reference's English differs from HYP's, spaces aside:
that is the reviewer's verdict on the sentence.  A reviewed file is taken
whole (a unit the reviewer left as it was counts as approved, unchanged), so
that precision has unchanged sentences to count; the memory holds only what
an import took, mostly changed sentences, which makes its precision
optimistic (docs/eval.md).  A HYP sentence flagged ``human`` carries a
reviewer's English, not the model's, and is left out of every figure.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from translate.errors import InputError, UsageError
from translate.flags import Flag, is_warning, needs_review

if TYPE_CHECKING:
    from translate.glossary import Glossary

#: The recall a suggested ``--min-score`` aims at by default.
DEFAULT_RECALL = 0.9
#: Resamples of the paired bootstrap (sacreBLEU's default).
DEFAULT_SAMPLES = 1000
#: A difference is called significant below this p-value.
SIGNIFICANCE = 0.05
#: The row that counts a sentence with any warning flag: what summaries call "to review".
ANY_WARNING = "any warning"
HUMAN = Flag.HUMAN.value

#: HYP formats by file suffix, in the order a folder is searched for them.
HYP_SUFFIXES: dict[str, str] = {
    ".jsonl": "jsonl",
    ".tsv": "tsv",
    ".xlsx": "xlsx",
    ".xlf": "xliff",
    ".xliff": "xliff",
    ".tmx": "tmx",
    ".en": "moses",
}
#: REF suffixes read as reviewed files (by Greek sentence), the rest as English lines.
_REVIEWED_SUFFIXES = frozenset({".xlf", ".xliff", ".sdlxliff", ".mqxliff", ".tmx", ".tsv", ".tab"})
_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
_EL2EN_SCORE = "{urn:el2en:xliff:1}score"
#: Where el2en's XLIFF keeps its own English beside the target a reviewer edits.
_EL2EN_ALT = "{*}alt-trans[@origin='el2en']/{*}target"
_KNOWN_FLAGS = frozenset(flag.value for flag in Flag)
_SPACES = re.compile(r"\s+")


# -- values --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Hypothesis:
    """One sentence of a HYP: its Greek (None in a Moses ``.en`` alone), English, flags, score."""

    el: str | None
    en: str
    flags: tuple[str, ...]
    score: float | None
    #: ``FILE:LINE`` (or ``FILE#unit``), for messages.
    where: str


@dataclass(frozen=True, slots=True)
class System:
    """A HYP as read: its sentences in order, and the el2en signature it carries (if any)."""

    name: str
    sentences: tuple[Hypothesis, ...]
    signature: str | None = None


@dataclass(frozen=True, slots=True)
class Reference:
    """A REF: English lines aligned with HYP, or English by normalised Greek sentence."""

    name: str
    #: "lines", "reviewed" or "memory": how it was given, for reports.
    kind: str
    lines: tuple[str, ...] | None = None
    by_greek: Mapping[str, str] | None = None


@dataclass(frozen=True, slots=True)
class FlagStats:
    """How well one flag points at the sentences reviewers changed."""

    flag: str
    flagged: int
    #: Flagged sentences that the reference changed.
    changed: int
    #: ``changed / flagged``; None when nothing was flagged.
    precision: float | None
    #: ``changed / all changed sentences``; None when nothing was changed.
    recall: float | None
    warning: bool


@dataclass(frozen=True, slots=True)
class MinScore:
    """The ``--min-score`` that flags ``low_score`` on enough of the changed sentences."""

    target_recall: float
    #: The suggested threshold (``low_score`` when score < it); None when there is no basis.
    suggested: float | None
    #: Sentences with a model score, and how many of them the reference changed.
    scored: int
    changed: int
    #: What the suggestion would do: sentences flagged, changed ones caught, and the rates.
    flagged: int = 0
    caught: int = 0
    recall: float | None = None
    precision: float | None = None
    #: Why there is no suggestion, when there is none.
    reason: str = ""


@dataclass(frozen=True, slots=True)
class SystemResult:
    """Everything measured for one HYP against the reference."""

    name: str
    signature: str | None
    sentences: int
    changed: int
    bleu: float
    chrf: float
    ter: float
    #: sacreBLEU's signature of each metric, by metric ("bleu", "chrf", "ter").
    signatures: Mapping[str, str]
    flags: tuple[FlagStats, ...]
    min_score: MinScore
    #: (model score, changed) of each scored sentence that has a score: the plot's points.
    points: tuple[tuple[float, bool], ...] = ()
    terms: Mapping[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class MetricComparison:
    """One metric of a system against the baseline, from sacreBLEU's paired bootstrap."""

    metric: str
    baseline: float
    system: float
    #: ``system - baseline``.
    delta: float
    p_value: float | None
    #: The system's mean over the resamples and its 95% confidence half-width.
    mean: float | None
    ci: float | None
    higher_is_better: bool

    @property
    def verdict(self) -> str:
        """Return ``better``, ``worse`` or ``no significant difference`` (p < 0.05)."""
        if self.p_value is None or self.p_value >= SIGNIFICANCE or self.delta == 0:
            return "no significant difference"
        return "better" if (self.delta > 0) == self.higher_is_better else "worse"


@dataclass(frozen=True, slots=True)
class Comparison:
    """A system against the baseline (the first HYP)."""

    baseline: str
    system: str
    metrics: tuple[MetricComparison, ...]
    #: sacreBLEU's signatures of the test (with ``bs:N`` and ``seed:N``), by metric.
    signatures: Mapping[str, str]
    samples: int


@dataclass(frozen=True, slots=True)
class Evaluation:
    """The result of :func:`evaluate`: one result per system, and the comparisons."""

    reference: str
    reference_kind: str
    systems: tuple[SystemResult, ...]
    comparisons: tuple[Comparison, ...] = ()
    #: Sentences of HYP not scored, by reason.
    left_out: Mapping[str, int] = field(default_factory=dict)


# -- reading hypotheses --------------------------------------------------------


def read_system(path: str | Path) -> System:
    """Return the HYP at ``path``: an el2en output file, a Moses ``.en``, or a folder of outputs."""
    path = Path(path)
    if path.is_dir():
        return _read_folder(path)
    kind = HYP_SUFFIXES.get(path.suffix.lower())
    if kind is None:
        raise InputError(
            str(path),
            "not an el2en output with Greek and English; give a .jsonl, .tsv, .xlsx, .tmx, "
            ".xlf or a Moses .en file, or a folder of them",
        )
    signature, sentences = _READERS[kind](path)
    if not sentences:
        raise InputError(str(path), "empty: no sentences to evaluate")
    return System(str(path), tuple(sentences), signature)


def _read_folder(folder: Path) -> System:
    """Read every output of the first format (in :data:`HYP_SUFFIXES` order) under ``folder``."""
    files = sorted(
        p
        for p in folder.rglob("*")
        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(folder).parts)
    )
    for suffix, kind in HYP_SUFFIXES.items():
        chosen = [p for p in files if p.suffix.lower() == suffix]
        if not chosen:
            continue
        sentences: list[Hypothesis] = []
        signatures: set[str] = set()
        for path in chosen:
            signature, found = _READERS[kind](path)
            sentences.extend(found)
            if signature:
                signatures.add(signature)
        if not sentences:
            raise InputError(str(folder), f"empty: its {suffix} files hold no sentences")
        # One signature when every file agrees; several would mean several systems.
        signature = signatures.pop() if len(signatures) == 1 else None
        return System(str(folder), tuple(sentences), signature)
    raise InputError(str(folder), "no el2en output (.jsonl, .tsv, .xlsx, .xlf, .tmx, .en) in it")


def _text_of(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(str(path), f"not UTF-8 text (byte {exc.start})") from None
    except OSError as exc:
        raise InputError(str(path), f"cannot read ({exc.strerror})") from None


def _lines_of(path: Path) -> list[str]:
    """Return the lines of a text file; a last line break ends the last line, adds none."""
    text = _text_of(path)
    if not text:
        return []
    return [line.removesuffix("\r") for line in text.removesuffix("\n").split("\n")]


def _flags_of(field_text: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in field_text.split(",") if part.strip())


def _score_of(value: object, where: str) -> float | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise InputError(where, f"score {value!r} is not a number")
    try:
        score = float(value)
    except ValueError:
        raise InputError(where, f"score {value!r} is not a number") from None
    if not math.isfinite(score):
        raise InputError(where, f"score {value!r} is not a finite number")
    return score


def _read_jsonl(path: Path) -> tuple[str | None, list[Hypothesis]]:
    signature: str | None = None
    sentences: list[Hypothesis] = []
    for number, line in enumerate(_lines_of(path), start=1):
        if not line.strip():
            continue
        where = f"{path}:{number}"
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(where, f"not a JSON record ({exc.msg})") from None
        if not isinstance(record, dict):
            raise InputError(where, "not a JSON object")
        if record.get("type") == "signature":
            signature = str(record.get("signature") or "") or None
            continue
        el, en, flags = record.get("el"), record.get("en"), record.get("flags") or []
        if not isinstance(el, str) or not isinstance(en, str | None):
            raise InputError(where, "a sentence record needs text 'el' and 'en' fields")
        if not isinstance(flags, list) or not all(isinstance(f, str) for f in flags):
            raise InputError(where, "'flags' is not a list of names")
        score = _score_of(record.get("score"), where)
        sentences.append(Hypothesis(el, en or "", tuple(flags), score, where))
    return signature, sentences


def _read_tsv(path: Path) -> tuple[str | None, list[Hypothesis]]:
    text = _text_of(path)
    reader = csv.DictReader(io.StringIO(text, newline=""), dialect="excel-tab")
    try:
        columns = set(reader.fieldnames or ())
        if not {"el", "en"} <= columns:
            found = ", ".join(sorted(columns)) or "none"
            raise InputError(str(path), f"a TSV needs 'el' and 'en' columns (found: {found})")
        signature: str | None = None
        sentences: list[Hypothesis] = []
        line = reader.line_num
        for row in reader:
            where, line = f"{path}:{line + 1}", reader.line_num
            signature = signature or row.get("signature") or None
            sentences.append(
                Hypothesis(
                    row.get("el") or "",
                    row.get("mt") or row.get("en") or "",  # el2en's, beside an edit
                    _flags_of(row.get("flags") or ""),
                    _score_of(row.get("score"), where),
                    where,
                )
            )
    except csv.Error as exc:
        raise InputError(f"{path}:{reader.line_num}", f"broken TSV ({exc})") from None
    return signature, sentences


def _read_xlsx(path: Path) -> tuple[str | None, list[Hypothesis]]:
    """Read el2en's XLSX by its header row (the columns of its TSV), with openpyxl."""
    try:
        import openpyxl  # type: ignore[import-untyped,unused-ignore]
    except ImportError:  # pragma: no cover - openpyxl is a dependency
        raise InputError(str(path), "reading XLSX needs openpyxl (pip install openpyxl)") from None
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises zipfile, KeyError and its own errors
        raise InputError(str(path), f"not a readable XLSX workbook ({exc})") from None
    try:
        rows = book.worksheets[0].iter_rows(values_only=True) if book.worksheets else iter(())
        header = [str(cell or "").strip().lower() for cell in next(rows, ())]
        if not {"el", "en"} <= set(header):
            raise InputError(str(path), "the first sheet needs 'el' and 'en' columns in row 1")
        column = {name: index for index, name in reversed(list(enumerate(header)))}
        signature: str | None = None
        sentences: list[Hypothesis] = []
        for number, values in enumerate(rows, start=2):
            cells = {name: _cell(values, index) for name, index in column.items()}
            if not any(cells.values()):
                continue
            where = f"{path}:{number}"
            signature = signature or cells.get("signature") or None
            flags = _flags_of(cells.get("flags", ""))
            score = _score_of(cells.get("score"), where)
            # el2en's own English is in "mt": "en" may hold a reviewer's edit.
            english = cells.get("mt") or cells["en"]
            sentences.append(Hypothesis(cells["el"], english, flags, score, where))
    finally:
        book.close()
    return signature, sentences


def _cell(values: Sequence[object], index: int) -> str:
    value = values[index] if index < len(values) else None
    return "" if value is None else str(value)


def _parse_xml(path: Path) -> Any:
    from lxml import etree

    # No entities, no network, no DTD: a HYP may come from anywhere.
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    try:
        return etree.parse(str(path), parser).getroot()
    except OSError as exc:
        raise InputError(str(path), f"cannot read ({exc})") from None
    except etree.XMLSyntaxError as exc:
        raise InputError(str(path), f"not well-formed XML ({exc})") from None


def _all_text(element: Any) -> str:
    return "" if element is None else "".join(element.itertext())


def _local(element: Any) -> str:
    tag = element.tag
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _read_tmx(path: Path) -> tuple[str | None, list[Hypothesis]]:
    root = _parse_xml(path)
    if _local(root) != "tmx":
        raise InputError(str(path), f"not TMX (the root element is <{_local(root)}>)")
    signature = None
    for prop in root.iterfind("header/prop"):
        if prop.get("type") == "x-signature":
            signature = _all_text(prop) or None
    sentences: list[Hypothesis] = []
    for tu in root.iter("tu"):
        texts: dict[str, str] = {}
        for tuv in tu.iter("tuv"):
            lang = str(tuv.get(_XML_LANG) or tuv.get("lang") or "").lower()[:2]
            texts.setdefault(lang, _all_text(tuv.find("seg")))
        if "el" not in texts:
            continue
        props = {p.get("type"): _all_text(p) for p in tu.findall("prop")}
        where = f"{path}:{tu.sourceline}"
        sentences.append(
            Hypothesis(
                texts["el"],
                props.get("x-mt") or texts.get("en", ""),  # el2en's, beside an edit
                _flags_of(props.get("x-flags") or ""),
                _score_of(props.get("x-score"), where),
                where,
            )
        )
    return signature, sentences


def _read_xliff(path: Path) -> tuple[str | None, list[Hypothesis]]:
    root = _parse_xml(path)
    if _local(root) != "xliff":
        raise InputError(str(path), f"not XLIFF (the root element is <{_local(root)}>)")
    signature = None
    sentences: list[Hypothesis] = []
    for note in root.iterfind("{*}file/{*}header/{*}note"):
        text = _all_text(note)
        if text.startswith("signature: "):
            signature = text.removeprefix("signature: ")
    for unit in root.iter("{*}trans-unit"):
        where = f"{path}:{unit.sourceline}"
        # el2en writes one note per flag, "NAME: description"; other notes are not flags.
        names = (_all_text(n).partition(":")[0].strip() for n in unit.findall("{*}note"))
        flags = tuple(name for name in names if name in _KNOWN_FLAGS)
        sentences.append(
            Hypothesis(
                _all_text(unit.find("{*}source")),
                _all_text(_first(unit.find(_EL2EN_ALT), unit.find("{*}target"))),
                flags,
                _score_of(unit.get(_EL2EN_SCORE), where),
                where,
            )
        )
    return signature, sentences


def _first(*elements: Any) -> Any:
    """Return the first element that is there (an lxml element without children is falsy)."""
    return next((e for e in elements if e is not None), None)


def _read_moses(path: Path) -> tuple[str | None, list[Hypothesis]]:
    english = _lines_of(path)
    greek_path = path.with_suffix(".el")
    greek: list[str | None] = [None] * len(english)
    if greek_path.is_file():
        greek = list(_lines_of(greek_path))
        if len(greek) != len(english):
            raise InputError(
                str(path),
                f"{len(english)} lines, but its Greek {greek_path.name} has {len(greek)}",
            )
    return None, [
        Hypothesis(el, en, (), None, f"{path}:{number}")
        for number, (el, en) in enumerate(zip(greek, english, strict=True), start=1)
    ]


_READERS = {
    "jsonl": _read_jsonl,
    "tsv": _read_tsv,
    "xlsx": _read_xlsx,
    "tmx": _read_tmx,
    "xliff": _read_xliff,
    "moses": _read_moses,
}


# -- reading references --------------------------------------------------------


def _key(el: str) -> str:
    from translate.normalise import normalise

    return normalise(el)


def read_reference(path: str | Path) -> Reference:
    """Return the REF at ``path``: a reviewed file (by Greek) or English lines (by position).

    XLIFF, TMX, TSV and XLSX go through :func:`translate.review.read_units`, so
    a REF reads exactly as an import would (an XLSX ``correction``, when filled
    in, is the reviewer's English); an el2en JSONL is read by Greek too;
    anything else is plain English, one line per HYP sentence (a Moses ``.en``).
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".jsonl":
        _, sentences = _read_jsonl(path)
        pairs: Iterable[tuple[str, str]] = ((s.el or "", s.en) for s in sentences)
        return _by_greek(path, pairs, "reviewed")
    if suffix in _REVIEWED_SUFFIXES or suffix == ".xlsx" or _looks_like_xml(path):
        from translate.review import read_units

        units = read_units(path)
        return _by_greek(path, ((u.el, u.correction or u.en) for u in units), "reviewed")
    lines = _lines_of(path)
    if not any(line.strip() for line in lines):
        raise InputError(str(path), "empty: no reference lines")
    return Reference(str(path), "lines", lines=tuple(lines))


def _looks_like_xml(path: Path) -> bool:
    """Return True when a regular file starts with ``<``: a pipe is never sniffed (read once)."""
    if not path.is_file():
        return False
    try:
        with open(path, "rb") as f:
            return f.read(512).lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<")
    except OSError as exc:
        raise InputError(str(path), f"cannot read ({exc.strerror})") from None


def _by_greek(path: Path, pairs: Iterable[tuple[str, str]], kind: str) -> Reference:
    """Return a REF keyed by normalised Greek; the first English of a sentence counts."""
    by_greek: dict[str, str] = {}
    for el, en in pairs:
        key = _key(el) if el.strip() else ""
        if key and en.strip():
            by_greek.setdefault(key, en)
    if not by_greek:
        raise InputError(str(path), "empty: no unit with both Greek and English")
    return Reference(str(path), kind, by_greek=by_greek)


def memory_reference(path: str | Path, systems: Sequence[System]) -> Reference:
    """Return the memory's human entries for the Greek sentences of ``systems``, as a REF.

    The memory must exist: evaluating never creates one.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(str(path), "no translation memory here (nothing imported yet)")
    keys = sorted({_key(s.el) for system in systems for s in system.sentences if s.el})
    from translate.memory import TranslationMemory

    with TranslationMemory(path, readonly=True) as memory:
        if len(memory) == 0:
            raise InputError(str(path), "empty: the translation memory has no entries")
        found = memory.get_many(keys)
    return Reference(str(path), "memory", by_greek={k: t.text for k, t in found.items()})


def default_memory_path() -> Path:
    """Return the translation memory ``review import`` fills by default ($EL2EN_MEMORY, ...)."""
    from translate.memory import default_memory_path as memory_path

    return memory_path()


# -- pairing -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Pairs:
    """The sentences scored: per system, aligned with the references."""

    references: tuple[str, ...]
    hypotheses: tuple[tuple[Hypothesis, ...], ...]
    left_out: Mapping[str, int]


def pair(systems: Sequence[System], reference: Reference) -> Pairs:
    """Return the sentences every system has a reference for, aligned across systems.

    By line for English lines (every HYP must have as many sentences as REF
    has lines), else by normalised Greek (the n-th occurrence of a sentence
    in one HYP with the n-th in another).  Raises :class:`InputError` when
    counts differ or nothing is in common.
    """
    if reference.lines is not None:
        rows = _pair_by_line(systems, reference, reference.lines)
    else:
        rows = _pair_by_greek(systems, reference)
    left_out: dict[str, int] = {}
    kept: list[tuple[str, tuple[Hypothesis, ...]]] = []
    for ref, hyps in rows:
        if hyps is None:
            reason = _NOT_IN_EVERY_HYP
        elif ref is None:
            reason = "no reference"
        elif any(HUMAN in h.flags for h in hyps):
            reason = _HUMAN_IN_HYP
        else:
            kept.append((ref, hyps))
            continue
        left_out[reason] = left_out.get(reason, 0) + 1
    if not kept:
        names = ", ".join(s.name for s in systems)
        if not any(left_out.get(r) for r in ("no reference", _HUMAN_IN_HYP)):
            raise InputError(names, "no sentence in common between the HYPs (by Greek sentence)")
        if left_out.get("no reference"):
            how = "by line" if reference.lines is not None else "by Greek sentence"
            raise InputError(
                reference.name, f"no overlap with {names}: no sentence has a reference ({how})"
            )
        raise InputError(names, "every sentence with a reference is a reviewer's (flag human)")
    return Pairs(
        tuple(ref for ref, _ in kept),
        tuple(tuple(hyps[i] for _, hyps in kept) for i in range(len(systems))),
        left_out,
    )


#: A pairing row: the reference (None: none), and each HYP's sentence (None: not in every HYP).
_Row = tuple[str | None, tuple[Hypothesis, ...] | None]
_NOT_IN_EVERY_HYP = "not in every HYP"
_HUMAN_IN_HYP = "a reviewer's English in HYP (flag human)"


def _pair_by_line(
    systems: Sequence[System], reference: Reference, lines: Sequence[str]
) -> Iterator[_Row]:
    for system in systems:
        if len(system.sentences) != len(lines):
            raise InputError(
                reference.name,
                f"{len(lines)} lines, but {system.name} has {len(system.sentences)} sentences; "
                "a line-aligned reference needs one line per sentence",
            )
    for index, line in enumerate(lines):
        yield (line if line.strip() else None), tuple(s.sentences[index] for s in systems)


def _occurrences(system: System) -> dict[tuple[str, int], Hypothesis]:
    seen: dict[str, int] = {}
    keyed: dict[tuple[str, int], Hypothesis] = {}
    for s in system.sentences:
        if s.el is None:
            raise InputError(
                system.name,
                "has no Greek (a Moses .en without its .el): give a line-aligned --ref",
            )
        key = _key(s.el)
        seen[key] = seen.get(key, 0) + 1
        keyed[(key, seen[key])] = s
    return keyed


def _pair_by_greek(systems: Sequence[System], reference: Reference) -> Iterator[_Row]:
    assert reference.by_greek is not None
    keyed = [_occurrences(system) for system in systems]
    for occurrence in dict.fromkeys(o for k in keyed for o in k):  # first HYP's order first
        if all(occurrence in k for k in keyed):
            yield reference.by_greek.get(occurrence[0]), tuple(k[occurrence] for k in keyed)
        else:
            yield None, None


# -- scoring -------------------------------------------------------------------


def same_text(a: str, b: str) -> bool:
    """Return True when ``a`` and ``b`` differ at most in spaces (the reviewer changed nothing)."""
    return _SPACES.sub(" ", a).strip() == _SPACES.sub(" ", b).strip()


def _metrics() -> dict[str, Any]:
    from sacrebleu.metrics.bleu import BLEU
    from sacrebleu.metrics.chrf import CHRF
    from sacrebleu.metrics.ter import TER

    return {"bleu": BLEU(), "chrf": CHRF(), "ter": TER()}


def score_system(
    system: System,
    hypotheses: Sequence[Hypothesis],
    references: Sequence[str],
    recall: float = DEFAULT_RECALL,
    glossary: Glossary | None = None,
) -> SystemResult:
    """Return the scores, flag statistics and min-score suggestion of one aligned system."""
    english = [h.en for h in hypotheses]
    scores: dict[str, float] = {}
    signatures: dict[str, str] = {}
    for name, metric in _metrics().items():
        scores[name] = float(metric.corpus_score(english, [list(references)]).score)
        signatures[name] = str(metric.get_signature())
    changed = [not same_text(h.en, r) for h, r in zip(hypotheses, references, strict=True)]
    points = tuple(
        (h.score, c) for h, c in zip(hypotheses, changed, strict=True) if h.score is not None
    )
    return SystemResult(
        name=system.name,
        signature=system.signature,
        sentences=len(hypotheses),
        changed=sum(changed),
        bleu=scores["bleu"],
        chrf=scores["chrf"],
        ter=scores["ter"],
        signatures=signatures,
        flags=flag_stats(hypotheses, changed),
        min_score=suggest_min_score(points, recall),
        points=points,
        terms=None if glossary is None else term_adherence(glossary, hypotheses, references),
    )


def load_glossary(paths: Sequence[str]) -> Glossary:
    """Return the house glossary of ``paths``; GlossaryError (exit 1) names a line it cannot use."""
    from translate.glossary import Glossary

    return Glossary.load(list(paths))


def term_adherence(
    glossary: Glossary, hypotheses: Sequence[Hypothesis], references: Sequence[str]
) -> dict[str, Any]:
    """Return how often HYP (and the reference) writes each glossary term's agreed English.

    Exact-match accuracy, as in the WMT terminology task: every glossary
    match in a sentence's Greek counts once, kept when its English stands in
    the translation (:func:`translate.glossary.has_english`).  ``unflagged``
    counts the misses that carry no ``term`` flag: silently broken sentences.
    """
    from translate.glossary import has_english

    occurrences = kept = in_reference = unflagged = 0
    for hypothesis, reference in zip(hypotheses, references, strict=True):
        for match in glossary.find(hypothesis.el or ""):
            english = match.term.english
            occurrences += 1
            found = bool(has_english(hypothesis.en, english))
            kept += found
            in_reference += bool(has_english(reference, english))
            unflagged += not found and "term" not in hypothesis.flags
    return {
        "occurrences": occurrences,
        "kept": kept,
        "adherence": _ratio(kept, occurrences),
        "reference_kept": in_reference,
        "reference_adherence": _ratio(in_reference, occurrences),
        "unflagged_misses": unflagged,
    }


def _ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def flag_stats(hypotheses: Sequence[Hypothesis], changed: Sequence[bool]) -> tuple[FlagStats, ...]:
    """Return, for each flag, its flagged count, precision and recall against ``changed``.

    Every warning flag el2en knows is listed (a flag that never fired shows 0),
    then any other flag found, then :data:`ANY_WARNING`: a sentence with at
    least one warning, what summaries count as "to review".
    """
    seen = {flag for h in hypotheses for flag in h.flags} - {HUMAN}
    names = [f.value for f in Flag if is_warning(f.value)]
    names += sorted(seen - set(names))
    total_changed = sum(changed)
    rows = []
    for name in [*names, ANY_WARNING]:
        if name == ANY_WARNING:
            marks = [needs_review(h.flags) for h in hypotheses]
        else:
            marks = [name in h.flags for h in hypotheses]
        flagged = sum(marks)
        hits = sum(m and c for m, c in zip(marks, changed, strict=True))
        rows.append(
            FlagStats(
                flag=name,
                flagged=flagged,
                changed=hits,
                precision=_ratio(hits, flagged),
                recall=_ratio(hits, total_changed),
                warning=name == ANY_WARNING or is_warning(name),
            )
        )
    return tuple(rows)


def suggest_min_score(
    points: Sequence[tuple[float, bool]], recall: float = DEFAULT_RECALL
) -> MinScore:
    """Return the ``--min-score`` that flags ``low_score`` on ``recall`` of the changed sentences.

    ``low_score`` fires when a sentence's score is below ``--min-score``.  The
    changed sentences' scores are sorted; the ``ceil(recall * n)``-th lowest
    must be below the threshold, which is that score rounded up to the next
    hundredth (strictly above it).  What the threshold then flags is counted
    on all scored sentences, changed and unchanged, to give its precision.
    """
    changed_scores = sorted(score for score, changed in points if changed)
    base = MinScore(recall, None, scored=len(points), changed=len(changed_scores))
    if not points:
        return _replace(base, reason="no model scores in HYP")
    if not changed_scores:
        return _replace(base, reason="the reference changed no sentence that has a score")
    needed = max(1, math.ceil(recall * len(changed_scores) - 1e-9))
    pivot = changed_scores[needed - 1]
    threshold = (math.floor(pivot * 100) + 1) / 100
    while not pivot < threshold:  # float rounding: stay strictly above the pivot
        threshold += 0.01
    threshold = round(threshold, 2)
    flagged = sum(1 for score, _ in points if score < threshold)
    caught = sum(1 for score in changed_scores if score < threshold)
    return _replace(
        base,
        suggested=threshold,
        flagged=flagged,
        caught=caught,
        recall=_ratio(caught, len(changed_scores)),
        precision=_ratio(caught, flagged),
    )


def _replace(value: MinScore, **changes: Any) -> MinScore:
    from dataclasses import replace

    return replace(value, **changes)


def compare(
    systems: Sequence[System],
    pairs: Pairs,
    samples: int = DEFAULT_SAMPLES,
) -> tuple[Comparison, ...]:
    """Return each system after the first against the first, by sacreBLEU's paired bootstrap.

    :class:`sacrebleu.significance.PairedTest` with ``test_type="bs"``: the
    same test as ``sacrebleu --paired-bs``, seeded by ``SACREBLEU_SEED``
    (12345 unless set), so a rerun gives the same p-values.
    """
    if len(systems) < 2:
        return ()
    from sacrebleu.significance import PairedTest

    metrics = _metrics()
    named: list[tuple[str, Sequence[str]]] = [
        (system.name, [h.en for h in hyps])
        for system, hyps in zip(systems, pairs.hypotheses, strict=True)
    ]
    test = PairedTest(named, metrics, [list(pairs.references)], test_type="bs", n_samples=samples)
    signatures, results = test()
    # PairedTest keys its results by the scores' names (BLEU, chrF2, TER), in the metrics' order.
    by_metric = dict(zip(metrics, [key for key in results if key != "System"], strict=True))
    signature_text = {ours: str(signatures[theirs]) for ours, theirs in by_metric.items()}
    comparisons = []
    for index in range(1, len(systems)):
        rows = []
        for ours, theirs in by_metric.items():
            base, other = results[theirs][0], results[theirs][index]
            rows.append(
                MetricComparison(
                    metric=ours,
                    baseline=float(base.score),  # type: ignore[union-attr]
                    system=float(other.score),  # type: ignore[union-attr]
                    delta=float(other.score) - float(base.score),  # type: ignore[union-attr]
                    p_value=_float_or_none(getattr(other, "p_value", None)),
                    mean=_float_or_none(getattr(other, "mean", None)),
                    ci=_float_or_none(getattr(other, "ci", None)),
                    higher_is_better=ours != "ter",
                )
            )
        comparisons.append(
            Comparison(systems[0].name, systems[index].name, tuple(rows), signature_text, samples)
        )
    return tuple(comparisons)


def _float_or_none(value: object) -> float | None:
    return None if value is None else float(value)  # type: ignore[arg-type]


def evaluate(
    systems: Sequence[System],
    reference: Reference,
    *,
    recall: float = DEFAULT_RECALL,
    samples: int = DEFAULT_SAMPLES,
    glossary: Glossary | None = None,
) -> Evaluation:
    """Score every system against ``reference``; compare the later ones with the first.

    ``glossary`` (from :func:`load_glossary`) adds term adherence to each result.
    """
    if not systems:
        raise UsageError("no HYP to evaluate")
    if not 0 < recall <= 1:
        raise UsageError(f"recall {recall} is not in (0, 1]")
    pairs = pair(systems, reference)
    results = tuple(
        score_system(system, hyps, pairs.references, recall, glossary)
        for system, hyps in zip(systems, pairs.hypotheses, strict=True)
    )
    return Evaluation(
        reference=reference.name,
        reference_kind=reference.kind,
        systems=results,
        comparisons=compare(systems, pairs, samples),
        left_out=dict(pairs.left_out),
    )
