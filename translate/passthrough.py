"""Recognise segments with nothing to translate.

OPUS-MT models invent text when fed a number, a lone URL or punctuation (they
were trained on sentences), so such segments are copied to the output and
flagged instead of going to the model.
"""

from __future__ import annotations

import re

_URL = re.compile(
    r"(?:https?://|www\.)\S+"  # a web address
    r"|[\w.+-]+@[\w-]+(?:\.[\w-]+)+"  # an e-mail address
    r"|[\w-]+(?:\.[\w-]+)*\.[a-z]{2,}/?\S*",  # a bare domain: skai.gr, ertnews.gr/news
    re.IGNORECASE,
)


def nothing_to_translate(text: str) -> bool:
    """Return True when ``text`` has no words: empty, numbers, symbols, or a URL/e-mail alone."""
    stripped = text.strip()
    if not any(ch.isalpha() for ch in stripped):
        return True
    return _URL.fullmatch(stripped.strip(".,;:!?()[]<>\"'«»")) is not None
