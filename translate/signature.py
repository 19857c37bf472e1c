"""The signature every output carries: exactly how it was made.

Like sacrebleu's ``nrefs:1|case:mixed|tok:13a|...``: someone holding an
output file can tell which model, revision, backend, decoding settings,
normaliser, segmenter and el2en version produced it.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Signature:
    """Ordered key/value pairs, printed as ``key:value|key:value``."""

    fields: tuple[tuple[str, str], ...]

    def __str__(self) -> str:
        return "|".join(f"{key}:{value}" for key, value in self.fields)

    def as_dict(self) -> dict[str, str]:
        """Return the fields as a dict, in order."""
        return dict(self.fields)

    @classmethod
    def parse(cls, text: str) -> Signature:
        """Return the signature printed as ``text``."""
        pairs = (item.partition(":") for item in text.split("|"))
        return cls(tuple((key, value) for key, _, value in pairs))
