"""An OmegaT project, ready to open: the Greek to translate, el2en's English filling it.

OmegaT (Debian's 3.6, and later) treats an XLIFF's ``<target>`` as the text to
translate, so el2en's XLIFF shows English there.  This format writes what
OmegaT needs instead, as a folder ``X.omegat/``:

- ``omegat.project``: Greek to English, OmegaT's sentence segmentation off;
- ``source/article.el.txt``: the Greek, one el2en sentence per paragraph (a
  blank line between), so that each OmegaT segment is exactly one el2en
  sentence, with the same text;
- ``tm/auto/article.el-en.tmx``: el2en's translations (TMX 1.4b, as
  ``--format tmx``); OmegaT fills every segment from ``tm/auto/`` when the
  project opens, and keeps the ``x-mt`` of each unit for ``review import``;
- ``glossary/el2en.txt`` (empty), ``omegat/el2en-signature.txt`` and
  ``target/README.txt``: the folders OmegaT refuses to open a project without.

A rerun writes only these files: the reviewer's work (``omegat/project_save.tmx``,
``target/`` documents) is never touched.  ``el2en review import X.omegat``
reads it back (see translate.review).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import replace
from typing import TextIO

from translate.formats import tmx
from translate.signature import Signature
from translate.types import Sentence

PROJECT = "omegat.project"
SOURCE = "source/article.el.txt"
MEMORY = "tm/auto/article.el-en.tmx"
GLOSSARY = "glossary/el2en.txt"
NOTE = "omegat/el2en-signature.txt"
TARGET_NOTE = "target/README.txt"
#: The files of a project, in the order of the format's streams.
FILES = (PROJECT, SOURCE, MEMORY, GLOSSARY, NOTE, TARGET_NOTE)

PROJECT_XML = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<omegat>
    <project version="1.0">
        <source_dir>__DEFAULT__</source_dir>
        <source_dir_excludes>
            <mask>**/.svn/**</mask>
            <mask>**/.git/**</mask>
        </source_dir_excludes>
        <target_dir>__DEFAULT__</target_dir>
        <tm_dir>__DEFAULT__</tm_dir>
        <glossary_dir>__DEFAULT__</glossary_dir>
        <glossary_file>__DEFAULT__</glossary_file>
        <dictionary_dir>__DEFAULT__</dictionary_dir>
        <source_lang>EL</source_lang>
        <target_lang>EN</target_lang>
        <source_tok>org.omegat.tokenizer.LuceneGreekTokenizer</source_tok>
        <target_tok>org.omegat.tokenizer.LuceneEnglishTokenizer</target_tok>
        <sentence_seg>false</sentence_seg>
        <support_default_translations>true</support_default_translations>
        <remove_tags>false</remove_tags>
    </project>
</omegat>
"""

TARGET_README = """\
OmegaT writes the English documents here (Project > Create Translated Documents,
or omegat --mode=console-translate).  Made by el2en; import the review with
  el2en review import PROJECT_FOLDER
"""


def segment_text(s: Sentence) -> str:
    """Return the sentence as one OmegaT segment: its text, no blank line inside."""
    return "\n".join(line for line in s.source.strip().splitlines() if line.strip())


def suffixes() -> tuple[str, ...]:
    """Return the format's file suffixes: each file of the project under ``X.omegat/``."""
    return tuple(f".omegat/{name}" for name in FILES)


def write(sentences: Iterable[Sentence], streams: Sequence[TextIO], signature: Signature) -> int:
    """Write the project's files, one stream each (:data:`FILES` order); return the sentences."""
    if len(streams) != len(FILES):
        raise ValueError(f"format omegat writes {len(FILES)} files, given {len(streams)} streams")
    project, source, memory, glossary, note, target_note = streams
    project.write(PROJECT_XML)
    glossary.write("")
    note.write(f"Made by el2en: {signature}\n")
    target_note.write(TARGET_README)
    counted = _SourceWriter(sentences, source)
    tmx.write(counted, [memory], signature)
    return counted.count


class _SourceWriter(Iterator[Sentence]):
    """Pass sentences on (to the TMX writer), writing each as a paragraph of the source file."""

    def __init__(self, sentences: Iterable[Sentence], stream: TextIO) -> None:
        self._sentences = iter(sentences)
        self._stream = stream
        self.count = 0

    def __next__(self) -> Sentence:
        s = next(self._sentences)
        text = segment_text(s)
        self._stream.write(("\n" if self.count else "") + text + "\n")
        self.count += 1
        # The memory's Greek must be the segment's text exactly, or OmegaT finds no match.
        return s if text == s.source else replace(s, source=text)
