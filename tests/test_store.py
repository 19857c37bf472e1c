"""The SQLite stores: translation cache and translation memory (library level).

Faults as a user meets them (locked, read-only, full, damaged, foreign files)
are in test_store_faults.py, through the el2en command.
"""

from __future__ import annotations

import sqlite3
import threading
from dataclasses import replace
from pathlib import Path

import pytest

from translate.cache import CACHE_KEY_FIELDS, SCHEMA_VERSION, TranslationCache, cache_key
from translate.errors import StoreError
from translate.memory import PutResult, TranslationMemory, default_memory_path
from translate.normalise import normalise
from translate.signature import Signature
from translate.types import Translation

SIGNATURE = Signature(
    (
        ("model", "Helsinki-NLP/opus-mt-el-en"),
        ("rev", "abc123"),
        ("backend", "ctranslate2-4.8.5"),
        ("device", "cpu"),
        ("compute", "int8"),
        ("beam", "4"),
        ("lp", "1.0"),
        ("maxout", "256"),
        ("maxsrc", "200"),
        ("norm", "moses-el+1(sacremoses-0.2.0)"),
        ("seg", "el2en-seg/1(ano:off)"),
        ("el2en", "0.1.0"),
    )
)


def with_field(signature: Signature, key: str, value: str) -> Signature:
    return Signature(tuple((k, value if k == key else v) for k, v in signature.fields))


class Clock:
    """A clock the test moves by hand, so LRU order does not depend on timing."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        self.now += 1
        return self.now


def t(text: str, score: float | None = -0.3) -> Translation:
    return Translation(text=text, target_tokens=len(text.split()), score=score)


def test_cache_round_trip_keeps_every_field(tmp_path: Path) -> None:
    with TranslationCache(tmp_path / "c.sqlite", SIGNATURE) as cache:
        cache.put_many({"Πηγή: skai.gr": t("Source: skai.gr"), "Όχι.": t("No.", None)})
        got = cache.get_many(["Πηγή: skai.gr", "Όχι.", "άγνωστο"])
    # This run's own entries come back "reused" (no cached flag): docs/qa.md.
    assert got == {
        "Πηγή: skai.gr": replace(t("Source: skai.gr"), origin="reused"),
        "Όχι.": replace(t("No.", None), origin="reused"),
    }
    with TranslationCache(tmp_path / "c.sqlite", SIGNATURE) as cache:  # across runs
        got = cache.get_many(["Πηγή: skai.gr", "Όχι.", "άγνωστο"])
    assert got == {"Πηγή: skai.gr": t("Source: skai.gr"), "Όχι.": t("No.", None)}


def test_cache_never_stores_human_or_cached_translations(tmp_path: Path) -> None:
    with TranslationCache(tmp_path / "c.sqlite", SIGNATURE) as cache:
        cache.put_many(
            {"α": replace(t("a"), origin="human"), "β": replace(t("b"), origin="cached")}
        )
        assert cache.get_many(["α", "β"]) == {}


@pytest.mark.parametrize("field", CACHE_KEY_FIELDS)
def test_cache_key_changes_with_every_field_that_changes_a_translation(
    tmp_path: Path, field: str
) -> None:
    other = with_field(SIGNATURE, field, "changed")
    assert cache_key(other) != cache_key(SIGNATURE)
    path = tmp_path / "c.sqlite"
    with TranslationCache(path, SIGNATURE) as cache:
        cache.put_many({"Καλημέρα.": t("Good morning.")})
    with TranslationCache(path, other) as cache:
        assert cache.get_many(["Καλημέρα."]) == {}
    with TranslationCache(path, SIGNATURE) as cache:
        assert "Καλημέρα." in cache.get_many(["Καλημέρα."])


def test_cache_key_takes_optional_fields_when_present() -> None:
    with_intra = Signature((*SIGNATURE.fields, ("intra", "1")))
    assert cache_key(with_intra) != cache_key(SIGNATURE)
    assert cache_key(with_intra) != cache_key(with_field(with_intra, "intra", "4"))


@pytest.mark.parametrize("field", ["seg", "maxsrc", "el2en"])
def test_cache_key_ignores_fields_that_only_choose_the_pieces(field: str) -> None:
    assert cache_key(with_field(SIGNATURE, field, "changed")) == cache_key(SIGNATURE)


def test_cache_refuses_a_signature_missing_a_key_field() -> None:
    partial = Signature(tuple(kv for kv in SIGNATURE.fields if kv[0] != "beam"))
    with pytest.raises(StoreError, match="beam"):
        cache_key(partial)


def test_cache_without_signature_can_be_inspected_but_not_used(tmp_path: Path) -> None:
    with TranslationCache(tmp_path / "c.sqlite", SIGNATURE) as cache:
        cache.put_many({"α": t("a")})
    with TranslationCache(tmp_path / "c.sqlite") as cache:
        assert cache.stats().entries == 1
        with pytest.raises(StoreError, match="without a signature"):
            cache.get_many(["α"])


def test_lru_prune_drops_least_recently_used_first(tmp_path: Path) -> None:
    clock = Clock()
    path = tmp_path / "c.sqlite"
    with TranslationCache(path, SIGNATURE, max_entries=None, clock=clock) as cache:
        cache.put_many({"ένα": t("one")})
        cache.put_many({"δύο": t("two")})
        cache.put_many({"τρία": t("three")})
        cache.get_many(["ένα"])  # now the most recently used
        assert cache.prune(2) == 1
        assert set(cache.get_many(["ένα", "δύο", "τρία"])) == {"ένα", "τρία"}


def test_lru_bookkeeping_survives_close(tmp_path: Path) -> None:
    clock = Clock()
    path = tmp_path / "c.sqlite"
    with TranslationCache(path, SIGNATURE, max_entries=None, clock=clock) as cache:
        cache.put_many({"ένα": t("one"), "δύο": t("two")})
    with TranslationCache(path, SIGNATURE, max_entries=None, clock=clock) as cache:
        cache.get_many(["ένα"])  # written at close, no put in this run
    with TranslationCache(path, SIGNATURE, max_entries=None, clock=clock) as cache:
        assert cache.prune(1) == 1
        assert set(cache.get_many(["ένα", "δύο"])) == {"ένα"}


def test_cache_stays_within_max_entries(tmp_path: Path) -> None:
    clock = Clock()
    with TranslationCache(tmp_path / "c.sqlite", SIGNATURE, max_entries=3, clock=clock) as cache:
        for i in range(10):
            cache.put_many({f"πρόταση {i}": t(f"sentence {i}")})
            assert cache.stats().entries <= 3
        assert set(cache.get_many([f"πρόταση {i}" for i in range(10)])) == {
            "πρόταση 7",
            "πρόταση 8",
            "πρόταση 9",
        }


def test_stats_count_entries_hits_and_signatures(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite"
    with TranslationCache(path, SIGNATURE) as cache:
        cache.put_many({"α": t("a"), "β": t("b")})
        cache.get_many(["β"])  # this run's own entry: reused, not a hit
    with TranslationCache(path, SIGNATURE) as cache:
        cache.get_many(["α", "γ"])  # an earlier run's: one hit, one miss
    with TranslationCache(path, with_field(SIGNATURE, "beam", "1")) as cache:
        cache.put_many({"α": t("a!")})
        stats = cache.stats()
    assert stats.entries == 3
    assert (stats.hits, stats.misses) == (1, 1)
    assert [s.entries for s in stats.signatures] == [2, 1]
    assert "beam:4" in stats.signatures[0].key and "beam:1" in stats.signatures[1].key
    assert stats.size_bytes > 0


def test_clear_empties_every_signature(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite"
    with TranslationCache(path, SIGNATURE) as cache:
        cache.put_many({"α": t("a"), "β": t("b")})
        assert cache.clear() == 2
        assert cache.stats().entries == 0
        assert cache.get_many(["α"]) == {}
        cache.put_many({"α": t("a")})  # usable after clear
        assert "α" in cache.get_many(["α"])


def test_store_uses_wal_and_records_its_schema_version(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite"
    TranslationCache(path, SIGNATURE).close()
    raw = sqlite3.connect(path)
    assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert raw.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    raw.close()


def test_store_from_a_newer_el2en_is_refused_clearly(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite"
    TranslationMemory(path).close()
    raw = sqlite3.connect(path)
    raw.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    raw.close()
    with pytest.raises(StoreError, match="newer el2en"):
        TranslationMemory(path)
    with pytest.raises(StoreError, match="newer el2en"):
        TranslationCache(path, SIGNATURE)


@pytest.mark.parametrize("content", [b"not a database at all" * 100, None])
def test_a_file_that_is_not_a_store_is_refused(tmp_path: Path, content: bytes | None) -> None:
    path = tmp_path / "other.sqlite"
    if content is None:  # an SQLite file of someone else's
        raw = sqlite3.connect(path)
        raw.execute("CREATE TABLE things (x)")
        raw.commit()
        raw.close()
    else:
        path.write_bytes(content)
    with pytest.raises(StoreError, match=r"not (a usable|an) el2en translation memory"):
        TranslationMemory(path)
    with pytest.raises(StoreError, match=r"not (a usable|an) el2en cache"):
        TranslationCache(path)  # no signature: el2en cache stats; never moved aside
    assert path.exists()


def test_reader_sees_committed_rows_while_a_writer_holds_its_lock(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite"
    writer = TranslationCache(path, SIGNATURE)
    writer.put_many({"α": t("a")})
    reader = TranslationCache(path, SIGNATURE)
    writer.conn.execute("BEGIN IMMEDIATE")  # a writer mid-transaction
    writer.conn.execute("UPDATE cache SET text = 'uncommitted' WHERE source = 'α'")
    # WAL: the reader is not blocked and sees only committed data.
    assert reader.get_many(["α"])["α"].text == "a"
    writer.conn.execute("COMMIT")
    assert reader.get_many(["α"])["α"].text == "uncommitted"
    reader.close()
    writer.close()


def test_second_writer_waits_for_the_first(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite"
    first = TranslationCache(path, SIGNATURE)
    first.put_many({"β": t("b")})
    TranslationCache(path, SIGNATURE).close()  # the signature row exists for the thread
    first.conn.execute("BEGIN IMMEDIATE")  # the first writer holds the write lock
    done = threading.Event()
    # sqlite3 connections belong to their thread: the thread opens its own.
    thread = threading.Thread(target=_put_in_thread, args=(path, done))
    thread.start()
    assert not done.wait(0.3)  # the second writer waits (busy timeout), no error
    first.conn.execute("COMMIT")
    assert done.wait(10)
    thread.join()
    assert set(first.get_many(["β", "γ"])) == {"β", "γ"}
    first.close()


def _put_in_thread(path: Path, done: threading.Event) -> None:
    with TranslationCache(path, SIGNATURE) as cache:
        cache.put_many({"γ": t("c")})
    done.set()


def test_memory_keys_by_normalised_greek_and_gives_human_translations(tmp_path: Path) -> None:
    with TranslationMemory(tmp_path / "m.sqlite") as memory:
        result, before = memory.put(
            "Η κα. Νικολάου  ανέλαβε «καθήκοντα».",
            "Ms. Nikolaou took office.",
            file="review.xlf",
            unit="s7",
            imported="2026-11-27T10:00:00Z",
        )
        assert (result, before) == (PutResult.NEW, None)
        key = normalise("Η κα. Νικολάου ανέλαβε «καθήκοντα».")
        got = memory.get_many([key, "άλλο"])
    assert got == {
        key: Translation(
            text="Ms. Nikolaou took office.",
            origin="human",
            provenance="review.xlf#s7 2026-11-27T10:00:00Z",
        )
    }


def test_memory_put_is_idempotent_and_reports_conflicts(tmp_path: Path) -> None:
    with TranslationMemory(tmp_path / "m.sqlite") as memory:
        el = "Τι θα γίνει με τις συντάξεις;"
        assert memory.put(el, "What about pensions?", file="a", unit="1")[0] is PutResult.NEW
        assert memory.put(el, "What about pensions?", file="b", unit="9")[0] is PutResult.SAME
        result, before = memory.put(el, "What will happen to pensions?", file="c", unit="2")
        assert result is PutResult.CONFLICT_KEPT
        assert before is not None and before.en == "What about pensions?"
        assert memory.get(el) == before
        result, _ = memory.put(
            el, "What will happen to pensions?", file="c", unit="2", replace=True
        )
        assert result is PutResult.REPLACED
        entry = memory.get(el)
        assert entry is not None and entry.en == "What will happen to pensions?"
        assert len(memory) == 1


def test_memory_and_cache_share_one_file(tmp_path: Path) -> None:
    path = tmp_path / "store.sqlite"
    with TranslationMemory(path) as memory, TranslationCache(path, SIGNATURE) as cache:
        memory.put("Όχι.", "No!", file="f", unit="1")
        cache.put_many({"Όχι.": t("No.")})
        assert memory.get_many(["Όχι."])["Όχι."].text == "No!"
        assert cache.get_many(["Όχι."])["Όχι."].text == "No."


def test_default_memory_path_follows_env_then_xdg(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("EL2EN_MEMORY", str(tmp_path / "tm.sqlite"))
    assert default_memory_path() == tmp_path / "tm.sqlite"
    monkeypatch.delenv("EL2EN_MEMORY")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    assert default_memory_path() == tmp_path / "data" / "el2en" / "memory.sqlite"
    monkeypatch.delenv("XDG_DATA_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert default_memory_path() == tmp_path / "home" / ".local/share/el2en/memory.sqlite"
    assert not (tmp_path / "home").exists()  # computing the path creates nothing


def test_translator_uses_the_cache_across_runs(tmp_path: Path, fixture_model: Path) -> None:
    from conftest import read_pairs

    from translate.pipeline import TranslateConfig, Translator
    from translate.types import Sentence

    sentences = [
        Sentence("doc", 0, i, 0, len(el), el, normalise(el))
        for i, (el, _) in enumerate(read_pairs()[:8])
    ]
    translator = Translator(TranslateConfig(model=str(fixture_model)))
    path = tmp_path / "cache.sqlite"
    with TranslationCache(path, translator.signature) as cache:
        translator.cache = cache
        first = list(translator.translate(sentences, sink=cache))  # the lookup and the sink
        assert cache.stats().entries == 8
    with TranslationCache(path, translator.signature) as cache:
        translator.cache = cache
        second = list(translator.translate(sentences, sink=cache))
        assert cache.stats().hits == 8
    assert [s.translation for s in second] == [s.translation for s in first]
    assert [s.score for s in second] == [s.score for s in first]
    assert all(
        "cached" in s.flags and "cached" not in f.flags for s, f in zip(second, first, strict=True)
    )


def _writer_process(path: str, start: int, count: int) -> None:
    with TranslationCache(path, SIGNATURE, max_entries=None) as cache:
        for i in range(start, start + count):
            cache.put_many({f"πρόταση {i}": t(f"sentence {i}")})
            cache.get_many([f"πρόταση {i - 1}"])


def test_processes_writing_and_reading_at_once_lose_nothing(tmp_path: Path) -> None:
    import multiprocessing

    path = tmp_path / "shared.sqlite"
    TranslationCache(path, SIGNATURE).close()
    context = multiprocessing.get_context("spawn")
    writers = [
        context.Process(target=_writer_process, args=(str(path), n * 100, 100)) for n in range(2)
    ]
    for process in writers:
        process.start()
    with TranslationCache(path, SIGNATURE) as reader:
        while any(p.is_alive() for p in writers):
            reader.get_many([f"πρόταση {i}" for i in range(200)])  # never blocked, never fails
        for process in writers:
            process.join(30)
            assert process.exitcode == 0
        assert len(reader.get_many([f"πρόταση {i}" for i in range(200)])) == 200
