"""Pipeline logic with a fake backend: order, de-duplication, passthrough, splitting."""

from __future__ import annotations

from pathlib import Path

from conftest import EchoBackend
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from translate import flags
from translate.pipeline import TranslateConfig, Translator, document_sentences
from translate.read import Document


def translator(model: Path, **config: object) -> Translator:
    return Translator(TranslateConfig(model=str(model), **config))  # type: ignore[arg-type]


def doc(text: str) -> Document:
    return Document.from_text("-", text)


def test_identical_sentences_are_translated_once(
    fixture_model: Path, echo_backend: EchoBackend
) -> None:
    text = "Ο Κιμ ήρθε. Ο Κιμ ήρθε.\n\nΟ Κιμ ήρθε. Η Μόσχα «απάντησε»."
    out = list(translator(fixture_model).translate(document_sentences(doc(text))))
    assert [s.translation for s in out] == ["Ο ΚΙΜ ΉΡΘΕ."] * 3 + ['Η ΜΌΣΧΑ "ΑΠΆΝΤΗΣΕ".']
    sent = [s for batch in echo_backend.batches for s in batch]
    assert sorted(sent) == sorted(["Ο Κιμ ήρθε.", 'Η Μόσχα "απάντησε".'])


def test_cache_carries_across_windows(fixture_model: Path, echo_backend: EchoBackend) -> None:
    text = " ".join(["Ναι."] * 10)
    out = list(translator(fixture_model, window=3).translate(document_sentences(doc(text))))
    assert len(out) == 10 and echo_backend.batches == [["Ναι."]]


def test_passthrough_skips_the_model(fixture_model: Path, echo_backend: EchoBackend) -> None:
    out = list(translator(fixture_model).translate(document_sentences(doc("10.000\n\n***"))))
    assert [(s.translation, s.flags) for s in out] == [
        ("10.000", (flags.PASSTHROUGH,)),
        ("***", (flags.PASSTHROUGH,)),
    ]
    assert echo_backend.batches == []


def test_split_pieces_are_joined_into_one_row(
    fixture_model: Path, echo_backend: EchoBackend
) -> None:
    text = "Ο Κιμ είπε ότι, παρά τις απώλειες, θα στηρίξει τη Ρωσία σε όλα τα μέτωπα."
    (out,) = translator(fixture_model, max_source_tokens=12).translate(
        document_sentences(doc(text))
    )
    assert out.flags == (flags.SPLIT,)
    assert len(echo_backend.batches[0]) + len(echo_backend.batches[1:]) >= 2
    assert out.translation == text.upper()


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(
        st.sampled_from(["Ναι.", "Όχι;", "Ο Κιμ ήρθε.", "10.000", "Η Μόσχα απάντησε."]), max_size=40
    ),
    st.integers(min_value=1, max_value=7),
)
def test_every_sentence_gets_exactly_one_row_in_order(
    fixture_model: Path, echo_backend: EchoBackend, sentences: list[str], window: int
) -> None:
    text = "\n\n".join(sentences)
    out = list(translator(fixture_model, window=window).translate(document_sentences(doc(text))))
    assert [s.source for s in out] == sentences
    assert [s.paragraph for s in out] == list(range(len(sentences)))
    assert all(s.translation in (s.source, s.source.upper()) for s in out)
