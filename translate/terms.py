"""Glossary enforcement at inference time, and the ``term`` flag.

The model was not trained with term annotations, so the agreed English is
obtained by steering decoding, only where it is needed: a piece of text is
touched only when the glossary matched in it *and* the model's own
translation lacks an entry's English.  Every other piece keeps the model's
translation of the first decode, byte for byte: a sentence with no glossary
match translates the same with or without the glossary.

Methods (compared in docs/glossary.md; :data:`DEFAULT_METHOD` is chosen there):

``flag``
    no steering: check, flag ``term`` where the English is missing.
``rerank``
    decode the piece again returning the n best hypotheses (CTranslate2's
    ``num_hypotheses``) and keep the best-ranked one with the most terms.
``prefix``
    force the term into the output: cut the model's translation at the
    term's relative position (at a word start), append the term's target
    pieces, and let the model continue from that ``target_prefix``.
``substitute``
    replace the Greek words with the English in the source and decode that
    (the model copies Latin-script words it does not know).
``rerank+prefix``
    rerank first; prefix only for what reranking could not fix.

A repaired piece is never stored in the cross-run cache (the cache is keyed
by the base signature, which has no glossary); it is repaired again on the
next run, which costs time, not correctness.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import replace
from typing import Protocol, runtime_checkable

from translate import flags
from translate.glossary import Glossary, Match, has_english
from translate.types import Sentence, Translation

log = logging.getLogger("translate")

METHODS = ("flag", "rerank", "prefix", "substitute", "rerank+prefix")
DEFAULT_METHOD = "prefix"
#: Hypotheses kept for reranking (the beam is widened to this many if smaller).
RERANK_HYPOTHESES = 4
#: Decoding steps a continuation may take beyond the prefix and the model's own
#: translation's length (docs/glossary.md: the cost).
CONTINUATION_STEPS = 8
#: Beam (and hypotheses kept) of a continuation after a forced prefix.
CONTINUATION_BEAM = 2
#: Word-start marker of SentencePiece pieces.
_WORD_START = "\u2581"


@runtime_checkable
class SteerableBackend(Protocol):
    """What enforcement needs beyond ``translate_batch``: n-best lists and forced prefixes."""

    def hypotheses(
        self,
        sources: list[str],
        num_hypotheses: int = 1,
        target_prefixes: list[list[str]] | None = None,
        beam_size: int = 0,
        max_length: int | Sequence[int] = 0,
    ) -> list[list[Translation]]:
        """Return up to ``num_hypotheses`` translations per source, best first.

        ``beam_size`` 0: the configured beam, widened to ``num_hypotheses``;
        ``max_length``: the decoding steps allowed, one bound or one per
        source (0: the configured limit).
        """
        ...

    def target_pieces(self, text: str) -> list[str]:
        """Return ``text`` as target-side pieces the model knows."""
        ...


class TermEnforcer:
    """Repairs pieces whose agreed English is missing, and marks sentences' terms."""

    def __init__(self, glossary: Glossary, backend: object, method: str = DEFAULT_METHOD) -> None:
        if method not in METHODS:
            from translate.errors import UsageError

            raise UsageError(f"unknown term method {method!r}; choose one of: {', '.join(METHODS)}")
        self.glossary = glossary
        self.method = method
        self.backend = backend if isinstance(backend, SteerableBackend) else None
        if self.backend is None and method != "flag":
            log.warning(
                "the %s backend cannot steer decoding: glossary terms are checked and "
                "flagged 'term', not enforced",
                getattr(backend, "name", "chosen"),
            )
        #: Pieces repaired (or tried) in this run, and how many still lack a term.
        self.repaired = 0
        self.unfixed = 0
        self._writable: dict[str, bool] = {}

    # -- the repair of decoded pieces -------------------------------------------------

    def repair(
        self, pieces: Sequence[str], known: dict[str, Translation]
    ) -> dict[str, Translation]:
        """Return better translations for the pieces whose matched terms' English is missing.

        Pieces with no match, or whose translation has every term, are not in
        the result: the caller keeps what it had.
        """
        if self.backend is None or self.method == "flag":
            return {}
        todo: dict[str, list[Match]] = {}
        for piece in pieces:
            found = known.get(piece)
            if found is None or found.origin == "human":
                continue
            matches = self.glossary.find(piece)
            missing = _missing(found.text, matches) if matches else []
            if any(self._can_write(m.term.english) for m in missing):
                todo[piece] = matches
        if not todo:
            return {}
        current = {piece: known[piece] for piece in todo}
        if self.method in ("rerank", "rerank+prefix"):
            current.update(self._rerank(todo, current))
        if self.method == "substitute":
            current.update(self._substitute(todo, current))
        if self.method in ("prefix", "rerank+prefix"):
            still = {p: m for p, m in todo.items() if _missing(current[p].text, m)}
            current.update(self._prefix(still, current))
        self.repaired += len(todo)
        self.unfixed += sum(1 for p, m in todo.items() if _missing(current[p].text, m))
        return current

    def _rerank(
        self, todo: dict[str, list[Match]], current: dict[str, Translation]
    ) -> dict[str, Translation]:
        assert self.backend is not None
        sources = list(todo)
        n = RERANK_HYPOTHESES
        better: dict[str, Translation] = {}
        for source, hyps in zip(sources, self.backend.hypotheses(sources, n), strict=True):
            matches = todo[source]
            best = current[source]
            best_missing = len(_missing(best.text, matches))
            for hyp in hyps:  # best-ranked first: a tie keeps the earlier one
                missing = len(_missing(hyp.text, matches))
                if missing < best_missing:
                    best, best_missing = hyp, missing
            better[source] = best
        return better

    def _substitute(
        self, todo: dict[str, list[Match]], current: dict[str, Translation]
    ) -> dict[str, Translation]:
        assert self.backend is not None
        sources = list(todo)
        substituted = [_substituted(s, todo[s]) for s in sources]
        better: dict[str, Translation] = {}
        results = self.backend.hypotheses(substituted, 1)
        for source, hyps in zip(sources, results, strict=True):
            matches = todo[source]
            if hyps and len(_missing(hyps[0].text, matches)) < len(
                _missing(current[source].text, matches)
            ):
                better[source] = hyps[0]
        return better

    def _prefix(
        self, todo: dict[str, list[Match]], current: dict[str, Translation]
    ) -> dict[str, Translation]:
        """Force the missing terms in, left to right: one decode per term still missing.

        Each entry is forced at most once per piece, so this ends; a term the
        model dropped again after a later cut is left to the ``term`` flag.
        """
        assert self.backend is not None
        better = {source: current[source] for source in todo}
        forced: dict[str, set[str]] = {source: set() for source in todo}
        while True:
            round_: list[tuple[str, list[str]]] = []
            for source, matches in todo.items():
                missing = [
                    m
                    for m in _missing(better[source].text, matches)
                    if m.term.greek not in forced[source] and self._can_write(m.term.english)
                ]
                if missing:
                    forced[source].add(missing[0].term.greek)
                    prefix = self._prefix_for(source, better[source], missing[0], matches)
                    round_.append((source, prefix))
            if not round_:
                return better
            glued = self._continue(round_, todo, better)
            if glued:
                # Every continuation glued a piece onto the term ("Patrasstst"): force
                # the word boundary after it too, and let the model go on from there.
                self._continue([(s, [*p, _WORD_START]) for s, p in glued], todo, better)

    def _continue(
        self,
        round_: list[tuple[str, list[str]]],
        todo: dict[str, list[Match]],
        better: dict[str, Translation],
    ) -> list[tuple[str, list[str]]]:
        """Decode from each prefix; keep the best-ranked continuation with the most terms.

        Return the (source, prefix) pairs whose forced term is still not a
        whole word in any continuation.
        """
        assert self.backend is not None
        sources = [source for source, _ in round_]
        prefixes = [p for _, p in round_]
        # A narrower beam than the first decode's: the forced prefix already fixes
        # most of the sentence, and each hypothesis costs a full decoder pass per
        # step (docs/glossary.md: the cost).  A continuation needs about what the
        # cut-off part of the model's own translation had; bounding it keeps a
        # model that will not end after a forced prefix from decoding to the
        # limit (it is flagged max_length).
        bounds = [_steps(prefix, self._own_pieces(better[source])) for source, prefix in round_]
        width = CONTINUATION_BEAM
        results = self.backend.hypotheses(
            sources, width, prefixes, beam_size=width, max_length=bounds
        )
        glued = []
        for (source, prefix), hyps in zip(round_, results, strict=True):
            ranked = sorted(hyps, key=lambda h: len(_missing(h.text, todo[source])))
            before = len(_missing(better[source].text, todo[source]))
            if ranked and len(_missing(ranked[0].text, todo[source])) < before:
                better[source] = ranked[0]
            elif prefix[-1:] != [_WORD_START]:
                glued.append((source, prefix))
        return glued

    def _can_write(self, english: str) -> bool:
        """Return False for English the model's vocabulary cannot spell: flag it, do not force.

        Forcing it would decode ``<unk>`` in its place, and the term would still
        be missing; a backend that cannot tell is trusted to write anything.
        """
        if english not in self._writable:
            check = getattr(self.backend, "can_write", None)
            self._writable[english] = bool(check(english)) if callable(check) else True
        return self._writable[english]

    def _own_pieces(self, translation: Translation) -> list[str]:
        """Return the pieces the model wrote, else the translation cut again by the target model.

        The model's own pieces keep the prefix exactly what it decoded (a
        random-weight model's output is not even in the target model's domain).
        """
        assert self.backend is not None
        if translation.pieces:
            return list(translation.pieces)
        return self.backend.target_pieces(translation.text) if translation.text else []

    def _prefix_for(
        self, source: str, own: Translation, match: Match, matches: list[Match]
    ) -> list[str]:
        """Return the target prefix: the translation up to the term's position, then the term.

        The position is the term's relative position in the source, moved to
        a word start, and never before a term already present that comes
        earlier in the source (forcing one term must not cut off another).
        """
        assert self.backend is not None
        translation = own.text
        pieces = self._own_pieces(own)
        term = self.backend.target_pieces(match.term.english)
        position = round(len(pieces) * match.start / max(len(source), 1))
        # Cut at a word start, never inside a word.
        while 0 < position < len(pieces) and not pieces[position].startswith(_WORD_START):
            position -= 1
        kept = [
            m.term.english
            for m in matches
            if m.start < match.start and has_english(translation, m.term.english)
        ]
        while position < len(pieces) and not all(
            has_english(self._text(pieces[:position]), english) for english in kept
        ):
            position += 1
        head = pieces[:position]
        if has_english(self._text(head), match.term.english):
            return head
        return head + term

    def _text(self, pieces: list[str]) -> str:
        return "".join(pieces).replace(_WORD_START, " ")

    # -- the sentence's terms and flag ------------------------------------------------

    def annotate(self, sentence: Sentence) -> Sentence:
        """Return the sentence with the terms it matched, and ``term`` if one is missing.

        ``terms`` lists ``Greek = English`` per entry matched in the source, in
        order; an entry whose English is not in the translation is listed as
        ``Greek = English (missing)`` and the sentence is flagged ``term``.  A
        passthrough or human translation is shown its terms but not flagged:
        nothing was translated by the model there.
        """
        matches = self.glossary.find(sentence.source)
        if not matches:
            return sentence
        text = sentence.translation or ""
        listed: list[str] = []
        absent = False
        for match in _unique(matches):
            if has_english(text, match.term.english):
                listed.append(str(match.term))
            else:
                listed.append(f"{match.term} (missing)")
                absent = True
        model_made = not ({flags.HUMAN, flags.PASSTHROUGH} & set(sentence.flags))
        found_flags = sentence.flags
        if absent and model_made:
            found_flags = (*sentence.flags, flags.TERM)
        return replace(sentence, terms=tuple(listed), flags=found_flags)


def _steps(prefix: list[str], own: list[str]) -> int:
    """Return the decoding steps a continuation of ``prefix`` may take.

    The prefix, then what the model's own translation (``own``) had after the
    part the prefix kept, then :data:`CONTINUATION_STEPS` more.
    """
    kept = 0
    while kept < min(len(prefix), len(own)) and prefix[kept] == own[kept]:
        kept += 1
    return len(prefix) + len(own) - kept + CONTINUATION_STEPS


def _unique(matches: list[Match]) -> list[Match]:
    seen: set[tuple[str, str]] = set()
    kept = []
    for match in matches:
        key = (match.term.greek, match.term.english)
        if key not in seen:
            seen.add(key)
            kept.append(match)
    return kept


def _missing(translation: str, matches: list[Match]) -> list[Match]:
    """Return the matches whose English is not in ``translation`` (one per entry)."""
    return [m for m in _unique(matches) if not has_english(translation, m.term.english)]


def _substituted(source: str, matches: list[Match]) -> str:
    """Return ``source`` with each matched Greek span replaced by its English."""
    parts = []
    position = 0
    for match in matches:
        parts.append(source[position : match.start])
        parts.append(match.term.english)
        position = match.end
    parts.append(source[position:])
    return "".join(parts)


def load_glossary(paths: Sequence[str]) -> Glossary | None:
    """Return the glossary of the files ``paths`` (None when none is given)."""
    if not paths:
        return None
    glossary = Glossary.load(paths)
    log.info("glossary: %d entries from %s", len(glossary), ", ".join(paths))
    return glossary
