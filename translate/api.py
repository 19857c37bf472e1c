"""Use el2en from Python: translate texts with the same pipeline as ``el2en translate``.

What sacrebleu's ``corpus_bleu`` and sqlite-utils' ``Database`` give their
library users: one call for the common case, one object to keep a model
loaded across calls::

    from translate.api import TextTranslator, translate_text

    english = translate_text(["Καλημέρα.", "Η Βουλή ψήφισε."], model="path/to/model")

    translator = TextTranslator(model="Helsinki-NLP/opus-mt-el-en")
    english = translator.translate(articles)       # one English text per article
    rows = translator.sentences(article)           # aligned Sentence rows, with flags

Each text is one document: it is translated exactly as ``el2en translate``
would translate that text alone in a file (same segmentation, batches,
flags), so the result depends only on the text and
:attr:`TextTranslator.signature`.  Errors are
:class:`~translate.errors.TranslateError` subclasses, as everywhere.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from translate.backends import DecodeOptions
from translate.hub import DEFAULT_MODEL
from translate.pipeline import TranslateConfig, Translator, check_config

if TYPE_CHECKING:
    from translate.signature import Signature
    from translate.types import Sentence

__all__ = ["TextTranslator", "translate_text"]


class TextTranslator:
    """A loaded model that translates Greek texts to English, one document per text.

    ``model`` is a hub id or a local folder; ``config`` replaces every other
    setting at once (a :class:`~translate.pipeline.TranslateConfig`), else
    ``backend``, ``beam_size`` and ``threads`` adjust the defaults of
    ``el2en translate``.  ``memory`` is a translation memory file whose
    reviewed sentences replace the model's (its state is in the signature).
    """

    def __init__(
        self,
        model: str = DEFAULT_MODEL,
        *,
        backend: str = "auto",
        beam_size: int | None = None,
        threads: int | None = None,
        config: TranslateConfig | None = None,
        memory: str | Path | None = None,
    ) -> None:
        if config is None:
            decode = DecodeOptions()
            if beam_size is not None:
                decode = replace(decode, beam_size=beam_size)
            if threads is not None:
                decode = replace(decode, threads=threads)
            config = TranslateConfig(model=model, backend=backend, decode=decode)
        check_config(config)
        self._memory = None
        if memory is not None:
            from translate.memory import TranslationMemory

            self._memory = TranslationMemory(Path(memory), readonly=True)
        self._translator = Translator(config, memory=self._memory)

    @property
    def signature(self) -> Signature:
        """Return the signature every translation made here carries."""
        return self._translator.signature

    def sentences(self, text: str, doc_id: str = "text") -> list[Sentence]:
        """Return ``text``'s sentences, each with its translation, flags and span."""
        from translate.jobs import document_stream
        from translate.read import Document

        with Document.from_text(doc_id, text) as doc:
            stream = document_stream([doc], self._translator.config.segmenter)
            return list(self._translator.translate(stream))

    def translate(self, texts: str | Iterable[str]) -> list[str]:
        """Return the English of each text (a str is one text), as ``el2en translate`` writes it.

        Paragraphs and line breaks are kept; an empty text gives ``""``.
        """
        from translate.formats import get_format

        items = [texts] if isinstance(texts, str) else list(texts)
        english: list[str] = []
        for index, text in enumerate(items):
            out = io.StringIO()
            rows = self.sentences(text, doc_id=str(index))
            get_format("text").write(rows, [out], self.signature)
            english.append(out.getvalue().removesuffix("\n"))
        return english

    def close(self) -> None:
        """Close the translation memory, if one was opened."""
        if self._memory is not None:
            self._memory.close()
            self._memory = None

    def __enter__(self) -> TextTranslator:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def translate_text(
    texts: str | Iterable[str],
    *,
    model: str = DEFAULT_MODEL,
    backend: str = "auto",
    beam_size: int | None = None,
    threads: int | None = None,
) -> list[str]:
    """Return the English of each Greek text (loads the model for this call only).

    To translate many times, keep a :class:`TextTranslator`: loading the model
    costs more than translating a short article.
    """
    with TextTranslator(model, backend=backend, beam_size=beam_size, threads=threads) as t:
        return t.translate(texts)
