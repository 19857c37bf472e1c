"""Cut a sentence that is too long for the model at clause boundaries.

OPUS-MT models take at most 512 positions, and quality falls well before
that; transformers would silently truncate.  A sentence over the limit is cut
at the clause boundary nearest its middle (``;``, then ano teleia, then
``:``, then ``,``, then any space), recursively, until every piece fits.
"""

from __future__ import annotations

import re
from collections.abc import Callable

# Strongest boundary first.  The cut goes after the mark and its spaces.
_BOUNDARIES = (
    re.compile(r"[;\u037e]\s+"),
    re.compile(r"[\u0387\u00b7]\s+"),
    re.compile(r":\s+"),
    re.compile(r",\s+"),
    re.compile(r"\s+"),
)


def split_to_fit(text: str, count: Callable[[str], int], max_tokens: int) -> list[str]:
    """Return ``text`` cut into pieces of at most ``max_tokens`` tokens each.

    ``count`` gives a piece's token count.  Joining the pieces with single
    spaces gives back ``text`` with each cut's whitespace collapsed.
    """
    if count(text) <= max_tokens:
        return [text]
    cut = _best_cut(text)
    if cut is None:
        return [text]
    head, tail = text[: cut[0]].rstrip(), text[cut[1] :].lstrip()
    return split_to_fit(head, count, max_tokens) + split_to_fit(tail, count, max_tokens)


def _best_cut(text: str) -> tuple[int, int] | None:
    """Return the (end of head, start of tail) of the boundary nearest the middle."""
    middle = len(text) / 2
    for pattern in _BOUNDARIES:
        # The head keeps the mark (and maybe a space the caller strips).
        cuts = [
            (m.start() + 1, m.end())
            for m in pattern.finditer(text)
            if m.start() > 0 and m.end() < len(text)
        ]
        if cuts:
            return min(cuts, key=lambda c: abs(c[1] - middle))
    if len(text) > 1:
        # One enormous "word" (a URL, a run of symbols): cut it in half.
        half = len(text) // 2
        return (half, half)
    return None
