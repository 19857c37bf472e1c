"""Hand-built sentences for the format tests: the characters formats get wrong.

Two documents, several paragraphs, warning and info flags, scores and a
provenance, and texts holding markup, quotes, tabs, line breaks, backslashes
and characters outside the Basic Multilingual Plane.  No model needed.
"""

from __future__ import annotations

import io
from pathlib import Path

from translate.flags import HUMAN, PASSTHROUGH, SPLIT, is_warning
from translate.formats import get_format
from translate.signature import Signature
from translate.types import Sentence

SIG = Signature(
    (
        ("model", "tests/tiny"),
        ("rev", "local-abc"),
        ("backend", "ctranslate2-4.0"),
        ("beam", "4"),
        ("el2en", "0.1.0"),
    )
)


def sentence(
    doc: str,
    paragraph: int,
    index: int,
    el: str,
    en: str | None,
    *,
    flags: tuple[str, ...] = (),
    score: float | None = None,
    provenance: str | None = None,
    terms: tuple[str, ...] = (),
) -> Sentence:
    """Return a translated sentence whose span is its own length."""
    return Sentence(
        doc,
        paragraph,
        index,
        0,
        len(el),
        el,
        el,
        en,
        flags,
        starts_line=index == 0,
        score=score,
        provenance=provenance,
        terms=terms,
    )


SENTENCES = [
    sentence(
        "a.el.txt", 0, 0, "Τίτλος: «Ρωσία» & <Κορέα>", "Title: 'Russia' & <Korea>", score=-0.21
    ),
    sentence(
        "a.el.txt",
        0,
        1,
        '"Θα δούμε", είπε ο κ. Σοϊγκού.',
        '"We\'ll see," said Mr. Shoigu.',
        score=-0.4567,
        terms=("Σοϊγκού = Shoigu", "Πάτρα = Patras (missing)"),  # glossary (translate.terms)
    ),
    sentence(
        "a.el.txt",
        0,
        2,
        "Μια\tστήλη και\nμια γραμμή, ένα \\ και \\t.",
        "A\ttab and\na line, a \\ and \\t.",
        flags=(SPLIT,),
        score=-1.5,
    ),
    sentence(
        "a.el.txt",
        1,
        0,
        "<script>alert('el')</script> κείμενο",
        "<script>window.__el2en_pwned = 1</script><img src=x onerror=alert(1)> text",
        score=-0.9,
    ),
    sentence("a.el.txt", 1, 1, "Χαμόγελο 😀 και 𝔸 (εκτός BMP)", "Smile 😀 and 𝔸 (outside BMP)"),
    sentence("a.el.txt", 2, 0, "10.000", "10.000", flags=(PASSTHROUGH,)),
    sentence(
        "b.txt",
        0,
        0,
        "  Κενά γύρω  ",
        "  Spaces around  ",
        flags=(HUMAN,),
        provenance="review.el-en.xlf#0:0 (2026-11-27)",
    ),
    sentence("b.txt", 0, 1, "=1+1 και \r\n τέλος; ", "=1+1 and \r\n end? ", score=-0.05),
]

#: Sentences with at least one flag that asks for a review.
TO_REVIEW = [s for s in SENTENCES if any(is_warning(f) for f in s.flags)]


#: Formats that write bytes (through their text stream's ``buffer``).
BINARY = frozenset({"xlsx"})


def render(fmt: str, sentences: list[Sentence] = SENTENCES) -> list[str]:
    """Return what format ``fmt`` writes for ``sentences``: one string per file.

    A binary format (xlsx) writes to the byte stream under its text stream, as
    it does to a file; its bytes come back decoded as Latin-1 (one character a byte).
    """
    if fmt in BINARY:
        files = [io.TextIOWrapper(io.BytesIO(), encoding="utf-8", newline="")]
        assert get_format(fmt).write(sentences, files, SIG) == len(sentences)
        return [f.buffer.getvalue().decode("latin-1") for f in files]
    streams = [io.StringIO(newline="") for _ in get_format(fmt).suffixes]
    assert get_format(fmt).write(sentences, streams, SIG) == len(sentences)
    return [stream.getvalue() for stream in streams]


def write_files(folder: Path, fmt: str, sentences: list[Sentence] = SENTENCES) -> list[Path]:
    """Write format ``fmt`` into ``folder`` the way a run does (UTF-8, no newline
    translation); return the files, one per suffix."""
    paths = [folder / f"a{suffix}" for suffix in get_format(fmt).suffixes]
    for path in paths:  # a project format (omegat) writes into folders, as runs create them
        path.parent.mkdir(parents=True, exist_ok=True)
    streams = [open(p, "w", encoding="utf-8", newline="\n") for p in paths]  # noqa: SIM115
    try:
        assert get_format(fmt).write(sentences, streams, SIG) == len(sentences)
    finally:
        for stream in streams:
            stream.close()
    return paths
