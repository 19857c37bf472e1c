"""A house glossary: Greek terms in their dictionary form and their agreed English.

The file is OmegaT's glossary format, so reviewers keep one file for both
tools: UTF-8, one entry a line, ``Greek<TAB>English[<TAB>comment]``, lines
starting with ``#`` and blank lines ignored.

Matching knows Greek (docs/glossary.md has the rules and their reasons):

- Text and entries are compared in a *folded* form: NFD, combining marks
  (accents, diaeresis) dropped, casefolded, final sigma as sigma.  So
  ``ΜΗΤΣΟΤΑΚΗΣ``, ``Μητσοτάκης`` and ``μητσοτακης`` are the same word.
- Each word of an entry is split into a stem and the endings its class
  allows, from a small table keyed by the dictionary form's ending (``-ης``
  gives ``-ης/-η``, ``-ος`` gives ``-ος/-ου/-ο/-ε``, ``-α`` gives ``-α/-ας``,
  ...).  A word of the text matches when it is exactly the stem plus one of
  those endings, so inflected forms and multi-word genitives (``Νέας
  Δημοκρατίας``, ``Αρείου Πάγου``) match, while a longer word that merely
  starts with the stem (``πατρίδα`` for ``Πάτρα``) does not.  Words whose
  ending is in no class (``Σοϊγκού``, ``Πούτιν``, ``ΝΔ``) are indeclinable:
  only the folded word itself matches.
- Matching works on whole words, left to right; at each word the entries
  with the most words are tried first, and a match consumes its words.

Nothing here imports the model: matching is pure text, tested without one.
"""

from __future__ import annotations

import hashlib
import itertools
import re
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from translate.errors import GlossaryError, UsageError

#: Ending of the folded dictionary form -> the endings its inflected forms may take.
#: Longest first: ``-μα`` must win over ``-α``, ``-ος`` over ``-ς``.  Folded text has
#: no accents and no final sigma, so ``-ός``/``-ος`` and ``-ής``/``-ης`` are one class.
ENDING_CLASSES: tuple[tuple[str, tuple[str, ...]], ...] = (
    # neuter -μα: Σύνταγμα, Συντάγματος, Συντάγματα
    ("μα", ("μα", "ματοσ", "ματα", "ματων")),
    # masculine -ης and feminine -η share one table: Μητσοτάκης/Μητσοτάκη, Κρήτη/Κρήτης
    ("ησ", ("ησ", "η")),
    ("η", ("η", "ησ")),
    # masculine (and a few feminine) -ος: Άρειος Πάγος, Αρείου Πάγου, Πάγο, Πάγε
    ("οσ", ("οσ", "ου", "ο", "ε")),
    # masculine -ας: Σαμαράς/Σαμαρά
    ("ασ", ("ασ", "α")),
    # feminine -α: Πάτρα/Πάτρας, Νέα Δημοκρατία/Νέας Δημοκρατίας
    ("α", ("α", "ασ")),
    # neuter -ο: Ηράκλειο/Ηρακλείου
    ("ο", ("ο", "ου")),
)

#: A stem shorter than this is too weak to inflect on (``Ηλ`` + ending would match
#: unrelated short words): such words match only as written.  In a multi-word
#: entry the other words guard each one, so ``Νέα`` (stem ``νε``) inflects there.
MIN_STEM = 3
MIN_STEM_IN_PHRASE = 2

_WORD = re.compile(r"\w+")
#: What may stand between two words of a multi-word match: spaces, a hyphen, an
#: abbreviation's dot; never a comma or other punctuation between clauses.
_GAP = re.compile(r"[\s\-\u2010\u2011.]*")


def fold(text: str) -> str:
    """Return ``text`` with accents and diaeresis dropped, casefolded, final sigma as sigma."""
    decomposed = unicodedata.normalize("NFD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return stripped.casefold().replace("ς", "σ")


@dataclass(frozen=True, slots=True)
class WordPattern:
    """One word of an entry: a folded stem and the endings it may take."""

    stem: str
    endings: tuple[str, ...]

    def matches(self, folded: str) -> bool:
        """Return True when the folded word is this stem plus one allowed ending."""
        if not folded.startswith(self.stem):
            return False
        return folded[len(self.stem) :] in self.endings

    def forms(self) -> frozenset[str]:
        """Return every folded form this word matches."""
        return frozenset(self.stem + ending for ending in self.endings)


def word_pattern(word: str, min_stem: int = MIN_STEM) -> WordPattern:
    """Return the stem and allowed endings of one dictionary-form word."""
    folded = fold(word)
    for ending, endings in ENDING_CLASSES:
        stem = folded[: -len(ending)]
        if folded.endswith(ending) and len(stem) >= min_stem:
            return WordPattern(stem, endings)
    return WordPattern(folded, ("",))  # indeclinable


@dataclass(frozen=True, slots=True)
class Term:
    """One glossary entry: the Greek as written, its agreed English, where it came from."""

    greek: str
    english: str
    source: str
    line: int
    comment: str = ""
    words: tuple[WordPattern, ...] = field(default=(), compare=False)

    @property
    def where(self) -> str:
        """Return ``FILE:LINE`` of the entry."""
        return f"{self.source}:{self.line}"

    def __str__(self) -> str:
        return f"{self.greek} = {self.english}"


@dataclass(frozen=True, slots=True)
class Match:
    """A term found in a text, with the character span of the words it matched."""

    term: Term
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Problem:
    """Something wrong with a glossary line; ``fatal`` ones stop a run using the file."""

    where: str
    message: str
    fatal: bool = True

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


def parse(text: str, source: str) -> tuple[list[Term], list[Problem]]:
    """Return the entries of a glossary file's text, and the problems of lines left out."""
    terms: list[Term] = []
    problems: list[Problem] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.lstrip("\ufeff") if number == 1 else raw
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        where = f"{source}:{number}"
        if "\t" not in line:
            problems.append(Problem(where, "no tab: write Greek<TAB>English[<TAB>comment]"))
            continue
        greek, english, *rest = (part.strip() for part in line.split("\t"))
        if not greek or not english:
            side = "Greek" if not greek else "English"
            problems.append(Problem(where, f"the {side} side is empty"))
            continue
        written = _WORD.findall(greek)
        shortest = MIN_STEM if len(written) == 1 else MIN_STEM_IN_PHRASE
        words = tuple(word_pattern(w, shortest) for w in written)
        if not words:
            problems.append(Problem(where, f"{greek!r} has no word to match: it can never match"))
            continue
        terms.append(Term(greek, english, source, number, "\t".join(rest), words))
    return terms, problems


def read_file(path: str) -> tuple[list[Term], list[Problem]]:
    """Return the entries and problems of the glossary file at ``path``."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except FileNotFoundError:
        raise UsageError(f"{path}: glossary file not found") from None
    except IsADirectoryError:
        raise UsageError(f"{path}: is a folder, not a glossary file") from None
    except OSError as exc:
        raise GlossaryError(f"{path}: cannot read the glossary ({exc.strerror})") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise GlossaryError(
            f"{path}: the glossary is not UTF-8 (invalid byte 0x{data[exc.start]:02x} "
            f"at byte offset {exc.start}); OmegaT glossaries are UTF-8"
        ) from None
    if "\0" in text:
        raise GlossaryError(f"{path}: the glossary holds NUL bytes: not a text file")
    return parse(text, path)


def check(terms: Sequence[Term], segment_text: bool = True) -> list[Problem]:
    """Return duplicates, conflicts and entries that can never match, each with FILE:LINE.

    Two entries *overlap* when some text would match both at the same words
    (each word's forms intersect): with the same English that is a duplicate
    (harmless, reported as a warning); with different English a conflict (the
    run could not tell which English is agreed).  An entry the segmenter would
    cut into two sentences can never match, since matching works per sentence.
    """
    problems: list[Problem] = []
    by_first: dict[str, list[Term]] = {}
    for term in terms:
        if segment_text and _crosses_sentences(term.greek):
            problems.append(
                Problem(
                    term.where,
                    f"{term.greek!r} would be split into two sentences: it can never match",
                )
            )
        for other in _overlapping(term, by_first):
            if other.english == term.english:
                problems.append(
                    Problem(term.where, f"duplicate of {other.where} ({other})", fatal=False)
                )
            else:
                problems.append(
                    Problem(
                        term.where,
                        f"conflict with {other.where}: {term.greek!r} is {term.english!r} "
                        f"here and {other.english!r} there",
                    )
                )
        for form in term.words[0].forms():
            by_first.setdefault(form, []).append(term)
    return problems


def _overlapping(term: Term, by_first: dict[str, list[Term]]) -> Iterator[Term]:
    seen: set[int] = set()
    for form in term.words[0].forms():
        for other in by_first.get(form, []):
            if id(other) in seen or len(other.words) != len(term.words):
                continue
            seen.add(id(other))
            if all(a.forms() & b.forms() for a, b in zip(term.words, other.words, strict=True)):
                yield other


def _crosses_sentences(greek: str) -> bool:
    from translate.segment import segment

    return len(list(segment(greek))) > 1


class Glossary:
    """Entries from one or more files and a matcher built once for them.

    Later files win nothing: a conflict between files is an error like one
    inside a file, so the agreed English is never a matter of file order.
    """

    def __init__(self, terms: Iterable[Term], paths: Sequence[str] = ()) -> None:
        self.terms = list(terms)
        self.paths = tuple(paths)
        #: Folded form of a first word -> entries starting with it, most words first.
        self._index: dict[str, list[Term]] = {}
        for term in self.terms:
            for form in term.words[0].forms():
                self._index.setdefault(form, []).append(term)
        for candidates in self._index.values():
            candidates.sort(key=lambda t: (-len(t.words), t.line))

    @classmethod
    def load(cls, paths: Sequence[str]) -> Glossary:
        """Return the glossary of ``paths``; raise GlossaryError for a line it cannot use."""
        terms: list[Term] = []
        for path in paths:
            found, problems = read_file(path)
            if problems:
                raise GlossaryError(f"{problems[0]} ('el2en glossary check {path}' lists all)")
            terms.extend(found)
        fatal = [p for p in check(terms, segment_text=False) if p.fatal]
        if fatal:
            raise GlossaryError(str(fatal[0]))
        return cls(terms, paths)

    def __len__(self) -> int:
        return len(self.terms)

    def find(self, text: str) -> list[Match]:
        """Return the entries found in ``text``, left to right, longest entries first."""
        if not self._index:
            return []
        words = [(m.start(), m.end(), fold(m.group())) for m in _WORD.finditer(text)]
        found: list[Match] = []
        i = 0
        while i < len(words):
            match = self._match_at(text, words, i)
            if match is None:
                i += 1
                continue
            found.append(match)
            i += len(match.term.words)
        return found

    def _match_at(self, text: str, words: list[tuple[int, int, str]], i: int) -> Match | None:
        for term in self._index.get(words[i][2], ()):
            n = len(term.words)
            if i + n > len(words):
                continue
            span = words[i : i + n]
            if all(p.matches(w[2]) for p, w in zip(term.words, span, strict=True)) and all(
                _GAP.fullmatch(text, a[1], b[0]) for a, b in itertools.pairwise(span)
            ):
                return Match(term, span[0][0], span[-1][1])
        return None

    def digest(self, terms: Iterable[Term], extra: str = "") -> str:
        """Return a 12-hex digest of ``terms`` (Greek and English), in a stable order."""
        digest = hashlib.sha256(extra.encode())
        for greek, english in sorted({(t.greek, t.english) for t in terms}):
            digest.update(f"{greek}\t{english}\n".encode())
        return digest.hexdigest()[:12]


def has_english(translation: str, english: str) -> bool:
    """Return True when ``english`` stands in ``translation`` as whole words.

    Exact match, as in the WMT terminology task, except that the first
    letter's case is free: a term opens a sentence as readily as it ends one.
    """
    if not english:
        return True
    head, tail = english[0], english[1:]
    first = f"[{re.escape(head.lower())}{re.escape(head.upper())}]"
    pattern = rf"(?<!\w){first}{re.escape(tail)}(?!\w)"
    return re.search(pattern, translation) is not None
