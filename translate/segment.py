"""Split a Greek document into paragraphs and sentences, with exact character spans.

Off-the-shelf splitters miss the Greek question mark, cut after ``κ.`` and ``π.χ.``, or
glue a headline to the first sentence under it (``docs/segmentation.md`` has the measured
comparison).  This module finds every place a sentence could end -- a run of terminal
punctuation, a line break, a closing parenthesis -- with one precompiled regular expression,
and decides each candidate with a few rules over small tables in ``translate/data``:

* ``?``, ``!``, ``;`` and U+037E end a sentence unless the next word is in lower case;
* ``…`` ends one before a capital; the ano teleia only when the policy says so;
* ``.`` ends one before a capital or a digit, except after an abbreviation that never ends a
  sentence (``κ.``, ``π.χ.``, ``ν.``, ``σελ.``, an initial) or a list marker opening a sentence
  (``1.``); after one that may (``χλμ.``, ``π.μ.``, ``Α.Ε.``) or a number, only before a
  capital, and after an amount (``εκατ.``, ``δισ.``) only before a capital that is not a
  currency or unit (``ΕΥΡΩ``, ``USD``);
* after a first name cut short (``Κυρ.``, ``Αλ.``, ``Γιαν.``, ``Κων/νος``, or an unknown short
  capitalised word that no Greek word could be: ``Αικ.``, ``Χρ.``, ``Βασ.``) it ends one only
  before a word that opens sentences and is never a surname (``Ο``, ``Στη``, ``Σύμφωνα``);
* a number after a reference abbreviation (``σελ. 45.``) is not a list marker: it ends a
  sentence before a capital like any number;
* nothing ends before punctuation or leaves a sentence of punctuation alone (``φθινόπωρο. .``);
* a parenthetical standing alone, ``(Χειροκροτήματα)``, is its own sentence;
* a line without final punctuation (a headline, a dateline, ``Πηγή: skai.gr``) is its own
  sentence unless it is a hard-wrapped line of a longer one: the next line starts in lower
  case, the line ends with a comma or a function word, or the whole paragraph is wrapped;
* one or more blank lines end a paragraph.

Everything between two segments is whitespace, so the spans reproduce the input exactly.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from enum import Enum
from functools import lru_cache
from importlib.resources import files

from translate.types import Segment

#: Bump when the output of :func:`segment` changes for any input.
SEGMENTER_VERSION = "el2en-seg/2"


@dataclass(frozen=True)
class SegmenterOptions:
    """Policies of the segmenter; the defaults suit translation of news text."""

    #: The ano teleia (U+0387, U+00B7) is a semicolon in Greek, so by default it does not end
    #: a sentence; Greek treebanks (UD Greek-GDT) split there.
    ano_teleia_ends_sentence: bool = False


def segmenter_signature(options: SegmenterOptions | None = None) -> str:
    """Return the segmenter's version and policies for output signatures."""
    options = options or SegmenterOptions()
    # No "|" inside: it separates the fields of an output signature.
    return f"{SEGMENTER_VERSION}(ano:{'on' if options.ano_teleia_ends_sentence else 'off'})"


_QUESTION = "?!;\u037e"
_ANO_TELEIA = "\u0387\u00b7"
_TERMINAL = "." + _QUESTION + "\u2026" + _ANO_TELEIA
_CLOSERS = "»\"”’')\\]"
_OPENERS = "«\"“‘'([{¿¡—–-"

# A candidate is the end of a whitespace-delimited token that is followed by whitespace and
# either ends with terminal punctuation (and closing quotes or brackets), ends with a closing
# parenthesis, or is the last token on its line.  The lookahead captures the whitespace and
# the next token without consuming them, so consecutive tokens can all be candidates.
_CANDIDATE = re.compile(
    rf"(?<!\S)(?P<token>\S*?(?:(?P<punct>[{re.escape(_TERMINAL)}]+)[{re.escape(_CLOSERS)}]*"
    rf"|(?P<paren>\))|\S(?=[^\S\n]*\n)))"
    rf"(?=(?P<space>\s+)(?P<next>\S*))"
)
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
# Dotted acronyms and short dotted forms not in the table: Η.Π.Α., Ο.Η.Ε., skai.gr.
_DOTTED = re.compile(r"(?:\w{1,4}\.)+\w{1,4}", re.UNICODE)
_LIST_MARKER = re.compile(r"\(?(?:\d{1,3}|[IVXLC]{1,5}|\w)\)?")


class _Kind(Enum):
    NEVER = "never"
    NAME = "name"
    MAY = "may"
    AMOUNT = "amount"


class _Next(Enum):
    LOWER = "lower"
    UPPER = "upper"
    DIGIT = "digit"
    PUNCT = "punct"


@lru_cache(maxsize=1)
def _abbreviations() -> tuple[dict[str, _Kind], int]:
    """Return the table, every spelling that matches mapped to its kind, and its longest key."""
    table: dict[str, _Kind] = {}
    variants: dict[str, _Kind] = {}
    for line in _data_lines("el_abbreviations.tsv"):
        abbreviation, kind, *_ = line.split("\t")
        # Lower-case entries match any case; an entry with a capital matches only as spelt,
        # and a first name also in capitals, as in headlines (ΚΥΡ. ΜΗΤΣΟΤΑΚΗΣ).
        key = _fold(abbreviation) if abbreviation == abbreviation.lower() else abbreviation
        table[key] = _Kind(kind)
        variants.setdefault(_strip_accents(key), _Kind(kind))
        if kind == _Kind.NAME.value:
            variants.setdefault(_strip_accents(key.upper()), _Kind(kind))
    # Every entry also matches without its accent, unless an entry is spelt so.
    merged = variants | table
    return merged, max(map(len, merged))


@lru_cache(maxsize=1)
def _continuation_words() -> frozenset[str]:
    return frozenset(map(_fold, _data_lines("el_continuation_words.txt")))


@lru_cache(maxsize=1)
def _sentence_openers() -> frozenset[str]:
    words = [*_data_lines("el_sentence_openers.txt"), *_continuation_words()]
    return frozenset(_strip_accents(_fold(word)) for word in words)


@lru_cache(maxsize=1)
def _unit_words() -> frozenset[str]:
    return frozenset(
        _strip_accents(_fold(word)).rstrip(".") for word in _data_lines("el_units.txt")
    )


def _data_lines(name: str) -> list[str]:
    text = files("translate").joinpath("data", name).read_text(encoding="utf-8")
    return [line for line in text.splitlines() if line.strip() and not line.startswith("#")]


def _fold(word: str) -> str:
    return word.lower().replace("ς", "σ")


_UNACCENT = str.maketrans("άέήίόύώΆΈΉΊΌΎΏΐΰ", "αεηιουωΑΕΗΙΟΥΩϊϋ")


def _strip_accents(word: str) -> str:
    return word.translate(_UNACCENT)


# A first name cut short: capitalised Greek, at most six letters (Αικ., Χρυσ., Τάσ.).
_NAME_STEM = re.compile(r"[Α-ΩΆΈΉΊΌΎΏ][α-ωάέήίόύώϊϋΐΰ]{1,5}")
# A name contracted with a slash: Κων/νος, Κων/νου (also Παν/τής, Αν/τρια).
_SLASHED = re.compile(r"[Α-ΩΆΈΉΊΌΎΏ][α-ωάέήίόύώϊϋΐΰ]+/[α-ωάέήίόύώϊϋΐΰ]+")
_VOWELS = frozenset("ΑΕΗΙΟΥΩΆΈΉΊΌΎΏαεηιουωάέήίόύώϊϋΐΰ")
# Consonants no Greek word ends with; foreign names written in Greek end in them too, most
# often after a nasal or as a digraph (Τραμπ, Λιγκ, Ολάντ, Χανχ), or begin with a digraph
# (Μπιλ, Τζακ), which the rule leaves alone.
_NON_FINAL = frozenset("βγδζθκλξπτφχψ")
_FOREIGN_ENDINGS = ("γκ", "τσ", "τζ")
_FOREIGN_STARTS = ("μπ", "ντ", "γκ", "τσ", "τζ")


def _is_name_abbreviation(stem: str) -> bool:
    """Return whether ``stem`` (without its period) is a first name cut short.

    Greek words end in a vowel, ``ς`` or ``ν`` (rarely ``ρ``), so a short capitalised word
    with no vowel (``Χρ``), ending in a medial ``σ`` (``Χρυσ``), or of at most four
    unaccented letters ending in another consonant (``Αλ``, ``Αικ``) is an
    abbreviation; ``μ``, ``ν``, ``ρ`` and the foreign endings need the table (Κυρ., Θαν.).
    """
    if not _NAME_STEM.fullmatch(stem):
        return False
    last = stem[-1]
    if last == "σ" or not _VOWELS.intersection(stem):
        return True
    if len(stem) > 4 or last not in _NON_FINAL or stem[-2] in "μν":
        return False
    if stem.lower().startswith(_FOREIGN_STARTS):
        return False  # Μπιλ, Ντικ, Τζακ: foreign names begin so too
    return stem == _strip_accents(stem) and not stem.endswith(_FOREIGN_ENDINGS)


def _word_of(token: str) -> str:
    """Return ``token`` folded for the word lists: no quotes, punctuation, case or accents."""
    return _strip_accents(_fold(token.strip(_OPENERS + _CLOSERS + _TERMINAL + ",:")))


_NAME_PARTS = (_Kind.NAME, _Kind.NEVER)  # the last part of Ζαν-Κλ. or Χ.-Κ.


def _abbreviation_kind(word: str) -> _Kind | None:
    """Return how the abbreviation ``word`` (with its final period) may end a sentence."""
    table, longest = _abbreviations()
    if len(word) <= longest:  # most words that end a sentence are longer than any entry
        kind = table.get(word) or table.get(_fold(word)) or table.get(_strip_accents(word))
        if kind is not None:
            return kind
    stem = word[:-1]
    if stem[:1].isupper():
        if len(stem) == 1:
            return _Kind.NEVER  # an initial: Α. Παπαδόπουλος, John F. Kennedy
        if _is_name_abbreviation(stem) or _SLASHED.fullmatch(stem):
            return _Kind.NAME  # Αικ. Παπαδοπούλου, Κων/νος. Καραμανλής
        first, _, last = stem.rpartition("-")
        if first and last[:1].isupper() and _abbreviation_kind(last + ".") in _NAME_PARTS:
            return _Kind.NAME  # a compound first name: Ζαν-Κλ. Γιούνκερ, Χ.-Κ. Παπαδόπουλος
    if _DOTTED.fullmatch(stem):
        return _Kind.MAY
    return None


def _classify_next(token: str, text: str, token_end: int) -> _Next:
    """Return what the first letter or digit of the next token says about a boundary."""
    stripped = token.lstrip(_OPENERS)
    if not stripped:
        # A lone dash or quote: the word after it decides ("115 χλμ. - κάποιες από").
        after = _NEXT_TOKEN.match(text, token_end)
        if after is None or not after.group(1).lstrip(_OPENERS):
            return _Next.UPPER
        stripped = after.group(1).lstrip(_OPENERS)
    first = stripped[0]
    if first.islower():
        return _Next.LOWER
    if first.isalpha():
        return _Next.UPPER  # capitals, and letters of scripts without case
    if first in _TERMINAL or first in _CLOSERS or first in ",:%":
        return _Next.PUNCT
    return _Next.DIGIT  # digits and symbols: 2012, €5, #tag


def _period_ends(
    token: str, punct_start: int, next_kind: _Next, opens: bool, next_token: str
) -> bool:
    """Decide a single period: abbreviations, numbers and list markers first."""
    word = token[:punct_start].lstrip(_OPENERS) + "."
    if opens and _LIST_MARKER.fullmatch(word[:-1]):
        return False  # "1. Εισαγωγή", "ήταν: 1. Η μη επέκταση ... 2. Η εκκένωση"
    kind = _abbreviation_kind(word)
    if kind is _Kind.NEVER:
        return False
    if kind is _Kind.NAME:
        # "ο Κυρ. Μητσοτάκης", but "μίλησε με τον Αλ. Η συνάντηση ..." can only be an end.
        return next_kind is _Next.UPPER and _word_of(next_token) in _sentence_openers()
    if kind is _Kind.AMOUNT and next_kind is _Next.UPPER:
        return _word_of(next_token) not in _unit_words()  # "5 εκατ. ΕΥΡΩ", "2 δισ. USD"
    if kind in (_Kind.MAY, _Kind.AMOUNT) or _NUMBER.fullmatch(word[:-1]):
        return next_kind is _Next.UPPER
    return next_kind in (_Next.UPPER, _Next.DIGIT)


def _punct_ends(
    token: str,
    punct: str,
    punct_start: int,
    next_kind: _Next,
    opens: bool,
    ano: bool,
    next_token: str,
) -> bool:
    """Decide a run of terminal punctuation followed by whitespace."""
    if next_kind is _Next.PUNCT:
        return False  # "φθινόπωρο. ." keeps the stray period with its sentence
    if any(char in _QUESTION for char in punct):
        return next_kind is not _Next.LOWER
    if any(char in _ANO_TELEIA for char in punct):
        return ano
    if punct == ".":
        return _period_ends(token, punct_start, next_kind, opens, next_token)
    # An ellipsis, written "…" or "...": a sentence ends only if a capital follows.
    return next_kind is _Next.UPPER


def _line_ends(token: str, next_kind: _Next, next_token: str) -> bool:
    """Decide a line break after a token without final punctuation (headline or wrap)."""
    if next_kind in (_Next.LOWER, _Next.PUNCT):
        return False
    if token[-1] in ",-‐–—&/(":
        return False
    if _SLASHED.fullmatch(token.strip(_OPENERS + _CLOSERS)):
        # A name contracted with a slash is a first name: "Κων/νος\nΜητσοτάκης".
        return _word_of(next_token) in _sentence_openers()
    return _fold(token.strip(_OPENERS + _CLOSERS)) not in _continuation_words()


def _is_wrapped(text: str, start: int) -> bool:
    """Return whether the paragraph starting at ``start`` is hard-wrapped at a fixed width.

    A wrapped paragraph has three or more lines, none longer than a terminal, and every
    line but the last filled to near the longest; a headline over a body never looks so.
    """
    found = _PARAGRAPH_BREAK.search(text, start)
    end = found.start() if found else len(text)
    lengths = [len(line.strip()) for line in text[start:end].split("\n")]
    if len(lengths) < 3:
        return False
    width = max(lengths)
    return width <= 100 and all(length >= 0.75 * width for length in lengths[:-1])


_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")
_NEXT_TOKEN = re.compile(r"\s+(\S+)")
_FIRST_TEXT = re.compile(r"\S")
_ALNUM = re.compile(r"[^\W_]")


def segment(text: str, options: SegmenterOptions | None = None) -> Iterator[Segment]:
    """Yield the sentences of ``text`` in order, each with its paragraph and character span."""
    options = options or SegmenterOptions()
    first = _FIRST_TEXT.search(text)
    if first is None:
        return
    start = paragraph_start = first.start()
    paragraph = index = 0
    wrapped: dict[int, bool] = {}  # paragraph start -> hard-wrapped, computed when needed
    # Whether the sentence so far has a letter or digit, found incrementally (checked up to
    # ``scanned``) so that a long run of lone dots stays linear.
    has_text, scanned = False, start
    for match in _CANDIDATE.finditer(text, start):
        if not match.group("next"):
            break  # trailing whitespace: the last segment is emitted below
        space = match.group("space")
        new_paragraph = space.count("\n") >= 2
        if not new_paragraph:
            if not has_text:
                has_text = _ALNUM.search(text, scanned, match.end("token")) is not None
                scanned = match.end("token")
            if not _ends_here(match, text, start, has_text, options):
                continue
            if match.group("punct") is None and "\n" in space:
                if paragraph_start not in wrapped:
                    wrapped[paragraph_start] = _is_wrapped(text, paragraph_start)
                if wrapped[paragraph_start]:
                    continue
        end = match.end("token")
        yield Segment(paragraph, index, start, end, text[start:end])
        start = scanned = match.start("next")
        has_text = False
        index += 1
        if new_paragraph:
            paragraph, index, paragraph_start = paragraph + 1, 0, start
    end = len(text.rstrip())
    yield Segment(paragraph, index, start, end, text[start:end])


def _follows_sentence_end(text: str, start: int, token_start: int) -> bool:
    """Return whether the token at ``token_start`` opens a sentence or follows ``:;!?…``.

    A single period before it that did not end the sentence closed an abbreviation
    (``σελ. 45.``), so the number after it is a reference, not a list marker.
    """
    if token_start == start:
        return True
    before = token_start - 1
    while before > start and text[before].isspace():
        before -= 1
    if text[before] == ".":
        return before > 0 and text[before - 1] == "."  # an ellipsis written "..."
    return text[before] in _TERMINAL or text[before] == ":"


def _ends_here(
    match: re.Match[str], text: str, start: int, has_text: bool, options: SegmenterOptions
) -> bool:
    """Decide whether the candidate ``match`` ends the sentence that began at ``start``."""
    token = match.group("token")
    next_token = match.group("next")
    next_kind = _classify_next(next_token, text, match.end("next"))
    punct = match.group("punct")
    if punct is not None:
        punct_start = match.start("punct") - match.start("token")
        if not has_text:
            return False  # ". ." or "…": a segment of punctuation alone is noise
        after_end = _follows_sentence_end(text, start, match.start("token"))
        ano = options.ano_teleia_ends_sentence
        return _punct_ends(token, punct, punct_start, next_kind, after_end, ano, next_token)
    if match.group("paren") is not None and _is_parenthetical(text, start, match.end("token")):
        return next_kind is _Next.UPPER  # (Χειροκροτήματα) Κύριε Πρόεδρε, ...
    return "\n" in match.group("space") and _line_ends(token, next_kind, next_token)


def _is_parenthetical(text: str, start: int, end: int) -> bool:
    """Return whether ``text[start:end]`` is one parenthetical: a stage direction, a tag."""
    return text[start] == "(" and text.find(")", start) == end - 1
