"""The flags a sentence can carry, for reviewers and scripts.

Each flag points a human at something that may need a second look.  A flag
is a :class:`Flag` (a ``str`` enum, so ``Sentence.flags`` stays a tuple of
plain names that every format can write), with a one-line description and a
severity that formats use to explain and rank them.

Two kinds: *warnings* ask for a human and are what "to review" counts
everywhere (summaries, reports, ``-v``, the HTML header, XLIFF's
``needs-review-translation``); *information* (``cached``, ``reused``,
``human``, ``passthrough``) is shown beside them and never counted as work.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import Enum


class Severity(str, Enum):
    """How much a flag says about the translation's quality."""

    #: Probably wrong: a reviewer should read it.
    WARNING = "warning"
    #: Worth knowing (how it was made), not a sign of a bad translation.
    INFO = "info"


class Flag(str, Enum):
    """A reason to look at a sentence, with its description and severity."""

    description: str
    severity: Severity

    def __new__(cls, name: str, severity: Severity, description: str) -> Flag:
        member = str.__new__(cls, name)
        member._value_ = name
        member.severity = severity
        member.description = description
        return member

    def __str__(self) -> str:
        return str(self.value)

    SPLIT = (
        "split",
        Severity.WARNING,
        "longer than the model takes: cut at clause boundaries, the pieces translated "
        "separately and joined",
    )
    MAX_LENGTH = (
        "max_length",
        Severity.WARNING,
        "decoding reached its length limit without an end: the translation may be cut or looping",
    )
    PASSTHROUGH = (
        "passthrough",
        Severity.INFO,
        "nothing to translate (numbers, punctuation, a URL or e-mail alone): copied unchanged",
    )
    UNKNOWN_TOKENS = (
        "unknown_tokens",
        Severity.WARNING,
        "the source has characters the model's vocabulary does not know",
    )
    LOW_SCORE = (
        "low_score",
        Severity.WARNING,
        "the model was unsure of its translation (its mean log-probability per token is low)",
    )
    NUMBERS = (
        "numbers",
        Severity.WARNING,
        "a number, date or time of the source is missing or different in the translation",
    )
    UNTRANSLATED = (
        "untranslated",
        Severity.WARNING,
        "Greek letters remain in the translation: a word was copied, not translated",
    )
    REPETITION = (
        "repetition",
        Severity.WARNING,
        "the translation repeats words abnormally (a known failure of the model: looping)",
    )
    LENGTH = (
        "length",
        Severity.WARNING,
        "the translation is far shorter or longer than the source: something dropped or added",
    )
    CACHED = (
        "cached",
        Severity.INFO,
        "taken from the translation cache of an earlier run, not decoded in this one",
    )
    REUSED = (
        "reused",
        Severity.INFO,
        "decoded earlier in this run for another document and reused here (with the cache on, "
        "a sentence repeated across a run's documents is decoded once)",
    )
    HUMAN = (
        "human",
        Severity.INFO,
        "a reviewer's translation from the translation memory, used instead of the model's",
    )
    TERM = (
        "term",
        Severity.WARNING,
        "a house glossary entry matched the source but its agreed English is missing "
        "from the translation (the entry is named in the terms)",
    )


SPLIT = Flag.SPLIT.value
MAX_LENGTH = Flag.MAX_LENGTH.value
PASSTHROUGH = Flag.PASSTHROUGH.value
UNKNOWN_TOKENS = Flag.UNKNOWN_TOKENS.value
LOW_SCORE = Flag.LOW_SCORE.value
NUMBERS = Flag.NUMBERS.value
UNTRANSLATED = Flag.UNTRANSLATED.value
REPETITION = Flag.REPETITION.value
LENGTH = Flag.LENGTH.value
CACHED = Flag.CACHED.value
REUSED = Flag.REUSED.value
HUMAN = Flag.HUMAN.value
TERM = Flag.TERM.value

#: The flags that ask for a human: a sentence with one of them is "to review".
WARNINGS = tuple(flag.value for flag in Flag if flag.severity is Severity.WARNING)
#: The flags that only say how a translation was made; shown, never counted as work.
INFO = tuple(flag.value for flag in Flag if flag.severity is Severity.INFO)
#: The flags :mod:`translate.qa` computes (the others come from the pipeline).
QA = (LOW_SCORE, NUMBERS, UNTRANSLATED, REPETITION, LENGTH)
_BY_NAME: dict[str, Flag] = {flag.value: flag for flag in Flag}


def describe(name: str) -> str:
    """Return the description of the flag called ``name`` (the name itself if unknown)."""
    flag = _BY_NAME.get(name)
    return flag.description if flag else name


def is_warning(name: str) -> bool:
    """Return True when the flag called ``name`` points at a probably wrong translation."""
    flag = _BY_NAME.get(name)
    return flag is None or flag.severity is Severity.WARNING


def needs_review(names: Iterable[str]) -> bool:
    """Return True when one of the flags ``names`` is a warning: the sentence is "to review".

    Summaries, reports, ``-v`` and the HTML header count these, not every
    flagged sentence: an ``info`` flag (``cached``, ``human``, ``passthrough``)
    describes how a translation was made and asks nothing of a reviewer.
    """
    return any(is_warning(name) for name in names)
