"""Normalise source text the way OPUS-MT's training data was normalised.

OPUS-MT ran Moses' ``normalize-punctuation.perl`` and
``remove-non-printing-char.perl`` before SentencePiece; the transformers
tokenizer applies neither, so a model fed raw news text sees quotes, ellipses
and invisible characters it never saw in training.  sacremoses is the
maintained Python port of those Moses scripts; a few Unicode steps around it
cover what the scripts assumed was already done (NFC, exotic spaces, line
breaks inside a sentence).  Only the model sees the normalised form: every
output keeps the original source text.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sacremoses import MosesPunctNormalizer

#: Bump when the output of :func:`normalise` changes for any input.
NORMALISER_VERSION = "1"

# Characters that take up no width and that OPUS-MT's cleaning dropped.
_INVISIBLE = dict.fromkeys(
    map(ord, "\u00ad\u200b\u200c\u200d\u200e\u200f\u2060\u2066\u2067\u2068\u2069\ufeff"),
    None,
)
_SPACES = re.compile(r"[\s\u00a0\u2000-\u200a\u202f\u205f\u3000]+")


@lru_cache(maxsize=1)
def _moses() -> MosesPunctNormalizer:
    normalizer_class = _normalizer_class()
    return normalizer_class(
        lang="el", pre_replace_unicode_punct=True, post_remove_control_chars=True
    )


def _normalizer_class() -> type[MosesPunctNormalizer]:
    """Return sacremoses' MosesPunctNormalizer, loading only the module that defines it.

    ``import sacremoses`` runs the package's ``__init__``, which imports its
    tokenizer too (hundreds of regular expressions, joblib, numpy): about a
    third of a second, more than the rest of a one-sentence run.  The
    normaliser's own module needs only ``re`` and ``regex``, so it is loaded
    from sacremoses' installed files by itself: the same code, the same output.
    """
    import importlib.util
    from pathlib import Path

    package = importlib.util.find_spec("sacremoses")
    if package is not None and package.origin is not None:
        path = Path(package.origin).with_name("normalize.py")
        spec = importlib.util.spec_from_file_location("translate._moses_normalize", path)
        if spec is not None and spec.loader is not None and path.is_file():
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
            loaded: type[MosesPunctNormalizer] = module.MosesPunctNormalizer
            return loaded
    from sacremoses import MosesPunctNormalizer as whole_package_import

    fallback: type[MosesPunctNormalizer] = whole_package_import
    return fallback


def normaliser_signature() -> str:
    """Return the normaliser's name and version for output signatures."""
    from importlib.metadata import version

    return f"moses-el+{NORMALISER_VERSION}(sacremoses-{version('sacremoses')})"


def normalise(text: str) -> str:
    """Return ``text`` as the model should see it: one line, Moses-normalised."""
    text = unicodedata.normalize("NFC", text).translate(_INVISIBLE)
    text = _SPACES.sub(" ", text).strip()
    if not text:
        return ""
    return str(_moses().normalize(text)).strip()
