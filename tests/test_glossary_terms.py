"""Term enforcement and the ``term`` flag, with a steerable fake backend (no model)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

from translate import flags
from translate.glossary import Glossary, parse
from translate.terms import METHODS, SteerableBackend, TermEnforcer
from translate.types import Sentence, Translation

WORD = "\u2581"
GLOSSARY = "Σοϊγκού\tShoigu\nΠάτρα\tPatras\nΝέα Δημοκρατία\tNew Democracy\n"


class Steerable:
    """Translates every word to ``w``; an n-best list whose 3rd hypothesis is ``alt``.

    With a target prefix it continues the prefix with `` end``, so a forced
    term comes out as written.  Every call is recorded.
    """

    name = "steerable"

    def __init__(self, alt: str = "w w") -> None:
        self.alt = alt
        self.calls: list[tuple[str, list[str], int]] = []

    @property
    def signature(self) -> dict[str, str]:
        return {"backend": "steerable-1"}

    def translate_batch(
        self, sources: list[str], on_chunk: Callable[[int], None] | None = None
    ) -> list[Translation]:
        self.calls.append(("batch", list(sources), 1))
        return [Translation(" ".join("w" for _ in s.split()), target_tokens=1) for s in sources]

    def hypotheses(
        self,
        sources: list[str],
        num_hypotheses: int = 1,
        target_prefixes: list[list[str]] | None = None,
        beam_size: int = 0,
        max_length: int | Sequence[int] = 0,
    ) -> list[list[Translation]]:
        self.calls.append(("prefix" if target_prefixes else "nbest", list(sources), num_hypotheses))
        if target_prefixes is not None:
            texts = ["".join(p).replace(WORD, " ").strip() + " end" for p in target_prefixes]
            return [[Translation(t, target_tokens=1)] for t in texts]
        return [
            [Translation(t, target_tokens=1) for t in ("w", "w w", self.alt, "x")][:num_hypotheses]
            for _ in sources
        ]

    def target_pieces(self, text: str) -> list[str]:
        return [WORD + w for w in text.split()]


@pytest.fixture()
def glossary() -> Glossary:
    terms, problems = parse(GLOSSARY, "g.txt")
    assert not problems
    return Glossary(terms)


def sentence(source: str, translation: str, *names: str) -> Sentence:
    return Sentence("d", 0, 0, 0, len(source), source, source, translation, flags=names)


def test_the_fake_is_steerable() -> None:
    assert isinstance(Steerable(), SteerableBackend)


def test_prefix_forces_a_missing_term_at_its_relative_position(glossary: Glossary) -> None:
    backend = Steerable()
    enforcer = TermEnforcer(glossary, backend, "prefix")
    source = "Χθες το βράδυ ο Σοϊγκού"
    fixed = enforcer.repair([source], {source: Translation("a b c d e")})
    assert (
        fixed[source].text == "a b c Shoigu end"
    )  # the term starts at char 16 of 23: 3 of 5 words
    assert [kind for kind, _, _ in backend.calls] == ["prefix"]


def test_rerank_keeps_the_best_ranked_hypothesis_with_the_term(glossary: Glossary) -> None:
    backend = Steerable(alt="Shoigu came")
    enforcer = TermEnforcer(glossary, backend, "rerank")
    source = "Ο Σοϊγκού ήρθε"
    fixed = enforcer.repair([source], {source: Translation("he came")})
    assert fixed[source].text == "Shoigu came"
    assert backend.calls == [("nbest", [source], 4)]


def test_rerank_that_finds_nothing_keeps_the_model_translation(glossary: Glossary) -> None:
    enforcer = TermEnforcer(glossary, Steerable(), "rerank")
    source = "Ο Σοϊγκού ήρθε"
    fixed = enforcer.repair([source], {source: Translation("he came")})
    assert fixed[source].text == "he came"
    assert enforcer.unfixed == 1


def test_rerank_then_prefix_prefixes_only_what_reranking_missed(glossary: Glossary) -> None:
    backend = Steerable(alt="Shoigu came")
    enforcer = TermEnforcer(glossary, backend, "rerank+prefix")
    source = "Ο Σοϊγκού ήρθε"
    assert enforcer.repair([source], {source: Translation("he")})[source].text == "Shoigu came"
    assert [kind for kind, _, _ in backend.calls] == ["nbest"]


def test_substitute_decodes_the_source_with_the_english_in_it(glossary: Glossary) -> None:
    backend = Steerable()
    enforcer = TermEnforcer(glossary, backend, "substitute")
    source = "Ο Σοϊγκού ήρθε"
    enforcer.repair([source], {source: Translation("he")})
    assert backend.calls == [("nbest", ["Ο Shoigu ήρθε"], 1)]


def test_two_terms_are_both_forced_in_source_order(glossary: Glossary) -> None:
    enforcer = TermEnforcer(glossary, Steerable(), "prefix")
    source = "Ο Σοϊγκού και η Νέα Δημοκρατία"
    fixed = enforcer.repair([source], {source: Translation("a b c d e f")})
    text = fixed[source].text
    assert "Shoigu" in text and "New Democracy" in text
    assert text.index("Shoigu") < text.index("New Democracy")


@pytest.mark.parametrize("method", METHODS)
def test_pieces_without_a_match_or_with_every_term_are_never_touched(
    glossary: Glossary, method: str
) -> None:
    backend = Steerable()
    enforcer = TermEnforcer(glossary, backend, method)
    known = {
        "Η πατρίδα μας": Translation("our homeland"),  # a look-alike: no match
        "Ο Σοϊγκού ήρθε": Translation("Shoigu came"),  # the term is there
        "Η Πάτρα": Translation("a", origin="human"),  # a reviewer's: never steered
    }
    assert enforcer.repair(list(known), known) == {}
    assert backend.calls == []


def test_annotate_lists_terms_and_flags_a_missing_one(glossary: Glossary) -> None:
    enforcer = TermEnforcer(glossary, Steerable(), "flag")
    done = enforcer.annotate(sentence("Ο Σοϊγκού στην Πάτρα", "Shoigu in Patra"))
    assert done.terms == ("Σοϊγκού = Shoigu", "Πάτρα = Patras (missing)")
    assert done.flags == (flags.TERM,)
    assert flags.is_warning(flags.TERM)
    ok = enforcer.annotate(sentence("Ο Σοϊγκού", "Shoigu", flags.LOW_SCORE))
    assert (ok.terms, ok.flags) == (("Σοϊγκού = Shoigu",), (flags.LOW_SCORE,))


def test_annotate_leaves_a_sentence_without_match_as_it_was(glossary: Glossary) -> None:
    enforcer = TermEnforcer(glossary, Steerable(), "prefix")
    plain = sentence("Η πατρίδα μας", "our homeland")
    assert enforcer.annotate(plain) is plain


@pytest.mark.parametrize("info", [flags.HUMAN, flags.PASSTHROUGH])
def test_human_and_passthrough_rows_show_terms_without_the_flag(
    glossary: Glossary, info: str
) -> None:
    enforcer = TermEnforcer(glossary, Steerable(), "prefix")
    done = enforcer.annotate(sentence("Η Πάτρα", "Patra", info))
    assert done.terms == ("Πάτρα = Patras (missing)",)
    assert done.flags == (info,)


def test_a_backend_that_cannot_steer_only_flags(
    glossary: Glossary, caplog: pytest.LogCaptureFixture
) -> None:
    class Plain:
        name = "plain"

    enforcer = TermEnforcer(glossary, Plain(), "prefix")
    source = "Ο Σοϊγκού"
    assert enforcer.repair([source], {source: Translation("he")}) == {}
    assert "cannot steer decoding" in caplog.text


def test_document_signature_names_matched_entries_only(
    tmp_path: Path, echo_backend: object, fixture_model: Path
) -> None:
    """gloss: appears only for a document the glossary matched, before el2en:."""
    from translate.pipeline import TranslateConfig, Translator

    path = tmp_path / "g.txt"
    path.write_text(GLOSSARY, encoding="utf-8")
    config = TranslateConfig(model=str(fixture_model), glossary=(str(path),))
    translator = Translator(config)
    plain = [sentence("Η πατρίδα μας", "")]
    assert translator.document_signature(plain) == translator.signature
    shoigu = translator.document_signature([sentence("Ο Σοϊγκού", "")])
    patras = translator.document_signature([sentence("Η Πάτρα", "")])
    keys = [k for k, _ in shoigu.fields]
    assert keys[-2:] == ["gloss", "el2en"]
    assert shoigu != patras
    assert [f for f in shoigu.fields if f[0] != "gloss"] == list(translator.signature.fields)


def test_a_continuation_is_bounded_by_what_the_model_wrote_after_the_cut() -> None:
    from translate.terms import CONTINUATION_STEPS, _steps

    own = ["▁a", "▁b", "▁c", "▁d", "▁e"]
    prefix = ["▁a", "▁b", "▁Sho", "igu"]  # kept 2 of the model's 5 pieces, then the term
    assert _steps(prefix, own) == 4 + 3 + CONTINUATION_STEPS


def test_a_term_the_model_cannot_spell_is_flagged_not_forced(glossary: Glossary) -> None:
    class NoP(Steerable):
        def can_write(self, text: str) -> bool:
            return "P" not in text

    backend = NoP()
    enforcer = TermEnforcer(glossary, backend, "prefix")
    source = "Η Πάτρα"
    assert enforcer.repair([source], {source: Translation("the city")}) == {}
    assert backend.calls == []
    assert "term" in enforcer.annotate(sentence(source, "the city")).flags
