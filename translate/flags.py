"""Names of the flags a sentence can carry, for reviewers and scripts.

Each flag points a human at something that may need a second look.
"""

from __future__ import annotations

#: The sentence was longer than the source-token limit; it was cut at clause
#: boundaries, the pieces translated separately and joined back.
SPLIT = "split"
#: Decoding reached its length limit without producing an end token.
MAX_LENGTH = "max_length"
#: Nothing to translate (punctuation, numbers, a URL or e-mail alone): the
#: source is copied to the output instead of going to the model.
PASSTHROUGH = "passthrough"
#: The source contains pieces the model's vocabulary does not know.
UNKNOWN_TOKENS = "unknown_tokens"

#: Taken from a cross-run translation cache, not decoded in this run.
CACHED = "cached"
#: A reviewer's translation from the translation memory, used instead of the model's.
HUMAN = "human"

ALL = (SPLIT, MAX_LENGTH, PASSTHROUGH, UNKNOWN_TOKENS, CACHED, HUMAN)
