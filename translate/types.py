"""Small typed values that flow between the pipeline stages."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Segment:
    """One sentence (or headline) found by the segmenter in a document's text.

    ``start``/``end`` are offsets into the text given to the segmenter, so
    ``text == source[start:end]``; everything between two segments is whitespace.
    """

    paragraph: int
    index: int
    start: int
    end: int
    text: str


@dataclass(frozen=True, slots=True)
class Sentence:
    """A source sentence and, once translated, its translation and flags."""

    doc_id: str
    paragraph: int
    index: int
    start: int
    end: int
    source: str
    normalised: str = ""
    translation: str | None = None
    flags: tuple[str, ...] = field(default=())
    #: The sentence begins a line of the source (a headline or dateline came
    #: before it, or it opens its paragraph), so text output starts a line too.
    starts_line: bool = False
    #: The model's length-normalised log-probability of the translation (mean per
    #: target token, end token included); None when the model did not make it.
    score: float | None = None
    #: Where a translation that is not the model's came from (a reviewed file).
    provenance: str | None = None
    #: House glossary entries matched in the source, ``Greek = English`` each,
    #: ``(missing)`` appended where the English is not in the translation
    #: (translate.terms); empty without a glossary.
    terms: tuple[str, ...] = ()

    @property
    def span(self) -> tuple[int, int]:
        """Return the character span of the sentence in its document."""
        return (self.start, self.end)


@dataclass(frozen=True, slots=True)
class Translation:
    """What a backend returns for one source string."""

    text: str
    # True when decoding stopped at the length limit without an end token.
    hit_max_length: bool = False
    target_tokens: int = 0
    #: Length-normalised log-probability of ``text`` under the model (the sum of
    #: the target tokens' log-probabilities, end token included, divided by their
    #: number); None when the backend cannot give it.
    score: float | None = None
    #: None for the model's own output; ``"cached"`` for a translation taken from a
    #: cross-run cache, ``"human"`` for one from the translation memory.
    origin: str | None = None
    #: For a human translation: where it came from (file, unit, date).
    provenance: str | None = None
    #: The target pieces the model wrote (end token excluded), when the backend
    #: gives them: glossary repair cuts the model's own output (translate.terms).
    pieces: tuple[str, ...] = ()
