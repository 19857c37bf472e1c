"""Quality flags: point a reviewer at the translations most likely to be wrong.

A stage of its own, after translation: :func:`annotate` takes translated
sentences and yields them with QA flags added (see :mod:`translate.flags`):

* ``low_score``: the model's length-normalised log-probability of its output
  (``Sentence.score``) is below :attr:`QAOptions.min_score`;
* ``numbers``: a number, date or time of the Greek is missing or different in
  the English (Greek conventions understood: ``10.000`` is ten thousand,
  ``3,5`` three and a half, ``15.3.2024`` a date that English may write as
  ``15 March 2024``, ``March 15, 2024`` or ``15/3/2024``);
* ``untranslated``: Greek letters remain in the English;
* ``repetition``: the English repeats an n-gram abnormally (Marian's looping);
* ``length``: the English/Greek character ratio is far outside the usual range.

Sentences the model did not translate get no QA flag: a ``passthrough``
sentence is the source itself, and a ``human`` one is a reviewer's.  The
thresholds' defaults were chosen by measurement (``benchmarks/qa_thresholds.py``,
docs/qa.md).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation

from translate import flags
from translate.types import Sentence


@dataclass(frozen=True, slots=True)
class QAOptions:
    """Which QA checks run, and their thresholds (see docs/qa.md for how they were chosen)."""

    #: The QA flags to compute; the others are never added.
    checks: frozenset[str] = field(default_factory=lambda: frozenset(flags.QA))
    #: ``low_score`` below this mean log-probability per target token.  Never
    #: fires for a sentence without a score.
    min_score: float = -1.5
    #: ``length`` when English characters / Greek characters is below this...
    min_length_ratio: float = 0.5
    #: ...or above this.
    max_length_ratio: float = 1.8
    #: ...but only for a Greek sentence of at least this many characters
    #: (short ones vary too much: "Όχι." / "No.").
    length_min_chars: int = 20
    #: ``repetition`` when an n-gram (n = 1 to 8 words) occurs more than this
    #: many times back to back ("the the the": 3)...
    max_tandem_repeats: int = 2
    #: ...or a ``repetition_ngram``-gram occurs more than this many times anywhere
    #: (a doubled clause)...
    max_ngram_repeats: int = 1
    repetition_ngram: int = 4
    # ...and in both cases more than in the Greek (a source that repeats itself
    # may be translated faithfully; Greek n-grams one word shorter are compared,
    # as Greek says with fewer words what English says with articles and "of").
    #: ``untranslated`` when at least this many Greek letters remain.
    untranslated_min_letters: int = 1

    def __post_init__(self) -> None:
        unknown = set(self.checks) - set(flags.QA)
        if unknown:
            raise ValueError(f"unknown QA checks: {', '.join(sorted(unknown))}")


def annotate(sentences: Iterable[Sentence], options: QAOptions | None = None) -> Iterator[Sentence]:
    """Yield each sentence with the QA flags that apply to it added, in order."""
    options = options or QAOptions()
    for sentence in sentences:
        found = check(sentence, options)
        new = tuple(name for name in found if name not in sentence.flags)
        yield replace(sentence, flags=sentence.flags + new) if new else sentence


def check(sentence: Sentence, options: QAOptions | None = None) -> list[str]:
    """Return the QA flags that apply to ``sentence``, in :data:`flags.QA` order."""
    options = options or QAOptions()
    english = sentence.translation
    if english is None or flags.PASSTHROUGH in sentence.flags or flags.HUMAN in sentence.flags:
        return []
    greek = sentence.source
    tests = {
        flags.LOW_SCORE: lambda: sentence.score is not None and sentence.score < options.min_score,
        flags.NUMBERS: lambda: bool(missing_numbers(greek, english)),
        flags.UNTRANSLATED: lambda: greek_letters(english) >= options.untranslated_min_letters,
        flags.REPETITION: lambda: is_repetitive(greek, english, options),
        flags.LENGTH: lambda: bad_length(greek, english, options),
    }
    return [name for name in flags.QA if name in options.checks and tests[name]()]


# -- length ------------------------------------------------------------------


def length_ratio(greek: str, english: str) -> float:
    """Return English characters per Greek character (spaces at the ends ignored)."""
    return len(english.strip()) / max(1, len(greek.strip()))


def bad_length(greek: str, english: str, options: QAOptions) -> bool:
    """Return True when the length ratio is outside the options' range (long enough Greek)."""
    if len(greek.strip()) < options.length_min_chars:
        return False
    ratio = length_ratio(greek, english)
    return not options.min_length_ratio <= ratio <= options.max_length_ratio


# -- untranslated ------------------------------------------------------------


def greek_letters(text: str) -> int:
    """Return how many Greek letters (Greek and Greek Extended blocks) ``text`` has."""
    return sum(
        1
        for ch in text
        if ch.isalpha() and ("\u0370" <= ch <= "\u03ff" or "\u1f00" <= ch <= "\u1fff")
    )


# -- repetition --------------------------------------------------------------

_WORD = re.compile(r"\d[\d.,]*\d|\w+")
_MAX_N = 8


def words(text: str) -> list[str]:
    """Return the lower-cased words of ``text`` (a number with separators is one word)."""
    return _WORD.findall(text.lower())


def tandem_repeats(tokens: Sequence[str]) -> int:
    """Return the most times any n-gram (n <= 8) occurs back to back in ``tokens``."""
    best = 1 if tokens else 0
    for n in range(1, min(_MAX_N, len(tokens) // 2) + 1):
        for i in range(len(tokens) - 2 * n + 1):
            count, j = 1, i
            while tokens[j + n : j + 2 * n] == tokens[i : i + n] and j + 2 * n <= len(tokens):
                count += 1
                j += n
            best = max(best, count)
    return best


def ngram_repeats(tokens: Sequence[str], n: int) -> int:
    """Return how many times the most frequent n-gram of ``tokens`` occurs (0 if none)."""
    grams = Counter(tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1))
    return max(grams.values(), default=0)


def is_repetitive(greek: str, english: str, options: QAOptions) -> bool:
    """Return True when the English repeats itself beyond the options and beyond the Greek."""
    target, source = words(english), words(greek)
    tandem = tandem_repeats(target)
    if tandem > options.max_tandem_repeats and tandem > tandem_repeats(source):
        return True
    n = options.repetition_ngram
    repeats = ngram_repeats(target, n)
    return repeats > options.max_ngram_repeats and repeats > ngram_repeats(source, max(1, n - 1))


# -- numbers -----------------------------------------------------------------

#: A value a number can stand for: a number, ("date", day, month, year or
#: None) or ("time", hour, minute).
Value = Decimal | tuple[str, int, int, int | None] | tuple[str, int, int]

_SCALES_EL = {"χιλ": 3, "εκατ": 6, "δισ": 9, "τρισ": 12}
_SCALES_EN = {"thousand": 3, "million": 6, "billion": 9, "bn": 9, "trillion": 12}
_SCALE_EL = re.compile(r"\s*(χιλ|εκατ|δισ|τρισ)", re.IGNORECASE)
_SCALE_EN = re.compile(r"\s*(thousand|million|billion|bn|trillion)\b", re.IGNORECASE)
_NUMBER = re.compile(r"(?<![\w.,])\d+(?:[.,:/]\d+)*")
_DATE_NUMERIC = re.compile(
    r"(?<![\w.,/-])(\d{1,2})([./-])(\d{1,2})\2(\d{4}|\d{2})(?![\w/-]|[.,]\d)"
)

_MONTHS = {
    name: i + 1
    for i, names in enumerate(
        [
            "january jan",
            "february feb",
            "march mar",
            "april apr",
            "may",
            "june jun",
            "july jul",
            "august aug",
            "september sep sept",
            "october oct",
            "november nov",
            "december dec",
        ]
    )
    for name in names.split()
}
_MONTH = r"(" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"
_DAY = r"(\d{1,2})(?:st|nd|rd|th)?"
_DATE_DAY_MONTH = re.compile(rf"\b{_DAY}(?:\s+of)?\s+{_MONTH}(?:,?\s+(\d{{4}}))?\b", re.IGNORECASE)
_DATE_MONTH_DAY = re.compile(rf"\b{_MONTH}\s+{_DAY}\b(?:,?\s+(\d{{4}}))?", re.IGNORECASE)
_DATE_ISO = re.compile(r"\b(\d{4})-(\d{1,2})-(\d{1,2})\b")
_TIME_EN = re.compile(r"\b(\d{1,2})(?:[:.](\d{2}))?\s*([ap])\.?\s?m\b\.?", re.IGNORECASE)
_TIME = re.compile(r"(?<![\d.,])(\d{1,2})[:.](\d{2})(?![\d])")

_CARDINALS = "one two three four five six seven eight nine ten eleven twelve"
_ORDINALS = "first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth"
_TENS = "twenty thirty forty fifty sixty seventy eighty ninety"
_WORD_NUMBERS = {word: i + 1 for i, word in enumerate(re.findall(r"\w+", _CARDINALS))}
_WORD_NUMBERS.update({word: i + 1 for i, word in enumerate(re.findall(r"\w+", _ORDINALS))})
_WORD_NUMBERS.update({word: 10 * (i + 2) for i, word in enumerate(re.findall(r"\w+", _TENS))})
_WORD_NUMBERS.update(
    {"once": 1, "single": 1, "twice": 2, "both": 2, "pair": 2, "couple": 2, "dozen": 12}
)
_WORD_NUMBER = re.compile(
    r"\b(" + "|".join(sorted(_WORD_NUMBERS, key=len, reverse=True)) + r"|a|an|half)\b"
    r"(?:\s+(thousand|million|billion|trillion)s?\b)?",
    re.IGNORECASE,
)


def _date(day: int, month: int, year: int | None) -> list[Value]:
    """Return the date's values (with and without its year), none if it is not a date."""
    if not (1 <= day <= 31 and 1 <= month <= 12):
        return []
    if year is not None and year < 100:
        year += 2000 if year < 50 else 1900
    found: list[Value] = [("date", day, month, None)]
    if year is not None:
        found.append(("date", day, month, year))
    return found


def _time(hour: int, minute: int) -> list[Value]:
    return [("time", hour, minute)] if hour <= 24 and minute < 60 else []


def _decimal(text: str) -> Decimal | None:
    try:
        return Decimal(text)
    except InvalidOperation:
        return None


def _scaled(values: list[Value], exponent: int | None) -> list[Value]:
    """Return ``values`` plus their numbers times 10**exponent."""
    if exponent is None:
        return values
    factor = Decimal(10) ** exponent
    return values + [v * factor for v in values if isinstance(v, Decimal)]


def greek_numbers(text: str) -> list[list[Value]]:
    """Return, for each number, date or time of Greek ``text``, the values it may stand for."""
    return [values for _, values in greek_number_texts(text)]


def greek_number_texts(text: str) -> list[tuple[str, list[Value]]]:
    """Return each number, date or time of Greek ``text`` as written, with its values."""
    found: list[tuple[str, list[Value]]] = []

    def take_date(m: re.Match[str]) -> str:
        day, month, year = int(m[1]), int(m[3]), int(m[4])
        values = _date(day, month, year)
        if not values:
            return m[0]
        found.append((m[0], values[1:]))  # the date with its year: English must keep the year
        return " " * len(m[0])

    text = _DATE_NUMERIC.sub(take_date, text)
    for m in _NUMBER.finditer(text):
        scale = _SCALE_EL.match(text, m.end())
        exponent = _SCALES_EL[scale[1].casefold()] if scale else None  # ΔΙΣ.lower() ends in ς
        written = m[0] + (scale[0] if scale else "")
        for values in _greek_token(m[0]):
            found.append((written, _scaled(values, exponent)))
    return found


def _greek_token(token: str) -> list[list[Value]]:
    """Return the values of one Greek number token (several for a token like 4412/2016)."""
    if re.fullmatch(r"\d{1,2}:\d{2}", token):
        hour, minute = map(int, token.split(":"))
        if _time(hour, minute):
            return [_time(hour, minute)]
    if re.fullmatch(r"\d{1,3}(?:\.\d{3})+(?:,\d+)?", token):  # 10.000 / 1.200.000 / 2.000,50
        return [[Decimal(token.replace(".", "").replace(",", "."))]]
    if re.fullmatch(r"\d+,\d+", token):  # 3,5; with exactly three decimals maybe 3,500 (English)
        values: list[Value] = [Decimal(token.replace(",", "."))]
        if re.fullmatch(r"\d{1,3},\d{3}", token):
            values.append(Decimal(token.replace(",", "")))
        return [values]
    if re.fullmatch(r"\d+\.\d+", token):  # 5.2 (a dot used as decimal), 15.3 (day.month), 10.30
        whole, part = token.split(".")
        values = [Decimal(token)]
        values += _date(int(whole), int(part), None)
        if len(part) == 2:
            values += _time(int(whole), int(part))
        return [values]
    if re.fullmatch(r"\d+", token):
        return [[Decimal(token)]]
    return [[Decimal(part)] for part in re.findall(r"\d+", token)]


def english_values(text: str) -> set[Value]:
    """Return every value the numbers, dates, times and number words of ``text`` stand for."""
    values: set[Value] = set()
    for m in _DATE_DAY_MONTH.finditer(text):
        values.update(_date(int(m[1]), _MONTHS[m[2].lower()], int(m[3]) if m[3] else None))
    for m in _DATE_MONTH_DAY.finditer(text):
        values.update(_date(int(m[2]), _MONTHS[m[1].lower()], int(m[3]) if m[3] else None))
    for m in _DATE_NUMERIC.finditer(text):  # 15/3/2024 and the American 3/15/2024
        values.update(_date(int(m[1]), int(m[3]), int(m[4])))
        values.update(_date(int(m[3]), int(m[1]), int(m[4])))
    for m in _DATE_ISO.finditer(text):
        values.update(_date(int(m[3]), int(m[2]), int(m[1])))
    for m in _TIME.finditer(text):
        values.update(_time(int(m[1]), int(m[2])))
    for m in _TIME_EN.finditer(text):
        hour, minute = int(m[1]), int(m[2] or 0)
        if m[3].lower() == "p" and hour < 12:
            hour += 12
        elif m[3].lower() == "a" and hour == 12:
            hour = 0
        values.update(_time(hour, minute))
    for m in re.finditer(r"(?<![\w.,])(?:\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)", text):
        number = _decimal(m[0].replace(",", ""))
        if number is None:
            continue
        scale = _SCALE_EN.match(text, m.end())
        values.update(_scaled([number], _SCALES_EN[scale[1].lower()] if scale else None))
    for m in re.finditer(r"\b1[5-9](\d0)s\b|\b20(\d0)s\b", text):  # the 1980s: Greek '80
        values.add(Decimal(m[1] or m[2]))
    for m in _WORD_NUMBER.finditer(text):
        word = m[1].lower()
        base = Decimal("0.5") if word == "half" else Decimal(_WORD_NUMBERS.get(word, 1))
        word_scale: str | None = m[2]
        if word in ("a", "an") and not word_scale:
            continue  # "a" alone is an article, not the number one
        exponent = _SCALES_EN[word_scale.lower()] if word_scale else None
        values.update(_scaled([base], exponent))
    return values


def missing_number_texts(greek: str, english: str) -> list[str]:
    """Return the Greek numbers, dates and times (as written) that the English lacks or changed."""
    wanted = greek_number_texts(greek)
    if not wanted:
        return []
    have = english_values(english)
    missing = [text for text, values in wanted if not any(v in have for v in values)]
    return list(dict.fromkeys(missing))


def note(flag: str, sentence: Sentence) -> str:
    """Return the line that explains ``flag`` on ``sentence``, for reviewers.

    The flag's description, except for ``numbers``, which names the Greek
    numbers the translation lacks or changed, so the reviewer knows what to
    look for: ``numbers: 2,5 δισ., 15.3.2024 missing or different in the English``.
    """
    if flag == flags.NUMBERS and sentence.translation is not None:
        missing = missing_number_texts(sentence.source, sentence.translation)
        if missing:
            return f"{flag}: {', '.join(missing)} missing or different in the English"
    return f"{flag}: {flags.describe(flag)}"


def missing_numbers(greek: str, english: str) -> list[list[Value]]:
    """Return the Greek numbers none of whose values appears in the English."""
    wanted = greek_numbers(greek)
    if not wanted:
        return []
    have = english_values(english)
    return [values for values in wanted if not any(v in have for v in values)]
