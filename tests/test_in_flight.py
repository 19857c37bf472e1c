"""Documents in flight (issue 17): the same bytes, in order, stopped cleanly; the batch bar.

Several documents are translated at once (translate.inflight), each in its
own batches, so every output must be byte-identical to ``el2en translate`` of
that file alone; with the cache on, identical to a run one document at a time.
A batch on a terminal draws a bar; under cron (no terminal) only the closing line.
"""

from __future__ import annotations

import fcntl
import os
import pty
import select
import signal
import struct
import subprocess
import termios
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import EL2EN, environment, outputs, read_pairs, report, run

from translate import inflight

#: Sentences per document: short and long, so documents finish out of order.
LENGTHS = (1, 3, 25, 7, 40, 2, 12, 5)
THREADS = ("--threads", "2")  # two decoding threads: three documents in flight


def store() -> Path:
    """Return the session's model store (conftest sets it): one conversion for all runs."""
    return Path(os.environ["EL2EN_MODELS_DIR"])


def write_documents(folder: Path, lengths: tuple[int, ...] = LENGTHS, shift: int = 7) -> list[str]:
    """Write documents of ``lengths`` sentences (overlapping: some sentences recur); return keys."""
    greek = [el for el, _ in read_pairs()]
    keys = []
    for i, n in enumerate(lengths):
        sentences = [greek[(i * shift + k) % len(greek)] for k in range(n)]
        paragraphs = ["\n".join(sentences[j : j + 3]) for j in range(0, n, 3)]
        key = f"doc{i}.txt" if i % 3 else f"sub/doc{i}.el.txt"
        (folder / key).parent.mkdir(parents=True, exist_ok=True)
        (folder / key).write_text("\n\n".join(paragraphs) + "\n", encoding="utf-8")
        keys.append(key)
    return keys


@pytest.fixture(scope="module")
def alone(fixture_model: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """Return the source folder and the outputs of ``el2en translate`` of each file alone."""
    base = tmp_path_factory.mktemp("alone")
    src, out = base / "in", base / "out"
    keys = write_documents(src)
    cwd = os.getcwd()
    os.chdir(src)  # the document id is the path under SRC
    try:
        for key in keys:
            target = out / key
            code, _, err = run(
                "translate", key, "--model", str(fixture_model), "-f", "jsonl,tsv",
                "-o", f"{target.parent}/", "-q", *THREADS,
            )  # fmt: skip
            assert code == 0, err
    finally:
        os.chdir(cwd)
    return src, out


def test_several_documents_are_in_flight_with_ctranslate2(fixture_model: Path) -> None:
    from translate.backends import DecodeOptions
    from translate.pipeline import TranslateConfig, Translator

    def config(threads: int) -> TranslateConfig:
        decode = DecodeOptions(threads=threads)
        return TranslateConfig(model=str(fixture_model), backend="ctranslate2", decode=decode)

    two, one = Translator(config(2)), Translator(config(1))
    assert inflight.documents_in_flight(two) == 3
    assert inflight.documents_in_flight(one) == 2


@pytest.mark.slow
def test_batch_in_flight_is_translate_of_each_file_alone(
    fixture_model: Path, alone: tuple[Path, Path], tmp_path: Path
) -> None:
    src, expected = alone
    out = tmp_path / "out"
    done = subprocess.run(
        [*EL2EN, "batch", str(src), str(out), "--model", str(fixture_model), "-f", "jsonl,tsv",
         "--no-cache", *THREADS],
        env=environment(store(), tmp_path / "home"), capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert outputs(out) == outputs(expected)
    assert [t["path"] for t in report(out)["translated"]] == sorted(
        p.relative_to(src).as_posix() for p in src.rglob("*.txt")
    )


def test_translate_of_many_files_is_each_file_alone(
    fixture_model: Path, alone: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    src, expected = alone
    out = tmp_path / "out"
    monkeypatch.chdir(src)
    keys = sorted(p.relative_to(src).as_posix() for p in src.rglob("*.txt"))
    code, _, err = run(
        "translate", *keys, "--model", str(fixture_model), "-f", "jsonl,tsv", "-o", f"{out}/",
        "-q", *THREADS,
    )  # fmt: skip
    assert code == 0, err
    flat = {Path(name).name: data for name, data in outputs(expected).items()}
    assert outputs(out) == flat


def one_at_a_time(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(inflight, "MAX_DOCUMENTS", 1)


def test_with_the_cache_in_flight_gives_the_bytes_of_one_at_a_time(
    fixture_model: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    src = tmp_path / "in"
    # Many documents sharing sentences: later ones take them from earlier ones in flight.
    write_documents(src, (9, 14, 6, 20, 3, 11, 8, 16, 5, 12), shift=4)
    runs = {}
    for name in ("in-flight", "alone"):
        if name == "alone":
            one_at_a_time(monkeypatch)
        out = tmp_path / name
        code, _, err = run(
            "batch", str(src), str(out), "--model", str(fixture_model), "-f", "jsonl", *THREADS
        )
        assert code == 0, err
        data = report(out)
        runs[name] = (outputs(out), data["sentences"], data["translated"])
    assert runs["in-flight"] == runs["alone"]
    # The documents did share sentences (else this compares nothing about the cache).
    greek = [(src / p["path"]).read_text(encoding="utf-8") for p in runs["alone"][2]]
    lines = [line for text in greek for line in text.splitlines() if line]
    assert len(set(lines)) < len(lines)


def test_translate_with_cache_in_flight_gives_the_bytes_of_one_at_a_time(
    fixture_model: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    src = tmp_path / "in"
    keys = write_documents(src, (9, 14, 6, 20, 3, 11), shift=4)
    monkeypatch.chdir(src)
    found = []
    for name in ("in-flight", "alone"):
        if name == "alone":
            one_at_a_time(monkeypatch)
        out = tmp_path / name
        code, _, err = run(
            "translate", *keys, "--model", str(fixture_model), "-f", "jsonl", "-o", f"{out}/",
            "--cache", str(tmp_path / f"{name}.sqlite"), "-q", *THREADS,
        )  # fmt: skip
        assert code == 0, err
        found.append(outputs(out))
    assert found[0] == found[1]


# -- the runner itself ----------------------------------------------------------------


def test_results_are_delivered_in_order_while_several_run() -> None:
    running, most = 0, 0
    lock = threading.Lock()

    def work(item: int) -> int:
        nonlocal running, most
        with lock:
            running += 1
            most = max(most, running)
        time.sleep(0.02 * (item % 3))  # out of order
        with lock:
            running -= 1
        return item * item

    delivered: list[tuple[int, int]] = []
    inflight.run_in_flight(range(12), work, lambda i, r: delivered.append((i, r)), limit=3)
    assert delivered == [(i, i * i) for i in range(12)]
    assert most == 3


def test_an_error_stops_the_others_after_the_earlier_ones_are_delivered() -> None:
    from concurrent.futures import Future

    began: list[int] = []
    unwound: list[int] = []

    def work(item: int) -> int:
        slot = inflight.current()
        assert slot is not None
        began.append(item)
        if item == 2:
            raise OSError("disk full")
        if item > 2:
            try:
                slot.wait(Future())  # a decode that never ends: only a stop ends it
            finally:
                unwound.append(item)
        return item

    delivered: list[int] = []
    started = time.monotonic()
    with pytest.raises(OSError, match="disk full"):
        inflight.run_in_flight(range(10), work, lambda i, r: delivered.append(r), limit=3)
    assert delivered == [0, 1]
    assert time.monotonic() - started < inflight.UNWIND_SECONDS + 0.5
    # Every document still in flight stopped waiting and cleaned up (at most 3 at once).
    assert sorted(unwound) == sorted(i for i in began if i > 2) and 0 < len(unwound) <= 3


def test_a_worker_lookup_runs_on_the_driving_thread() -> None:
    owner = threading.current_thread()
    seen: list[bool] = []

    def work(item: int) -> int:
        slot = inflight.current()
        assert slot is not None

        def on_driver() -> int:
            seen.append(threading.current_thread() is owner)
            return item

        return slot.call(on_driver)

    inflight.run_in_flight(range(5), work, lambda i, r: None, limit=3)
    assert seen == [True] * 5


# -- signals --------------------------------------------------------------------------


@pytest.mark.slow
def test_sigterm_stops_documents_in_flight_without_leftovers(
    fixture_model: Path, tmp_path: Path
) -> None:
    src, out = tmp_path / "in", tmp_path / "out"
    write_documents(src, (40,) * 30, shift=3)
    command = [*EL2EN, "batch", str(src), str(out), "--model", str(fixture_model), *THREADS]
    process = subprocess.Popen(
        command, env=environment(store(), tmp_path / "home"), stderr=subprocess.PIPE, text=True
    )
    deadline = time.monotonic() + 60
    first = out / "doc1.el-en.jsonl"  # the first input in order (doc0 is sub/doc0.el.txt)
    while not first.exists() and time.monotonic() < deadline:
        time.sleep(0.02)  # the first document is out: the next ones are in flight
    process.send_signal(signal.SIGTERM)
    signalled = time.monotonic()
    code = process.wait(timeout=30)
    stopped = time.monotonic() - signalled
    _, err = process.communicate()
    assert code == 143, err
    assert stopped < 3, stopped  # within a second on a quiet machine; this one is shared
    assert sorted(p.name for p in out.rglob("*.tmp")) == []
    data = report(out)
    assert data["status"] == "interrupted"
    # What finished was committed, in order (a later one done before an earlier one is
    # redone by the next run, so the cache order stays that of one at a time); not the rest.
    assert 0 < len(data["translated"]) < 30
    assert data["translated"][0]["path"] == "doc1.txt"
    for entry in data["translated"]:  # every committed output is complete
        name = Path(entry["path"]).name.removesuffix(".txt").removesuffix(".el")
        (target,) = [p for p in out.rglob(f"{name}.el-en.jsonl")]
        assert target.read_text(encoding="utf-8").count('"type": "sentence"') == 40


# -- the bar ----------------------------------------------------------------------------


def on_a_terminal(command: list[str], env: dict[str, str]) -> tuple[int, str]:
    """Run ``command``, stderr on a pseudo-terminal of 100 columns; return (code, what it drew)."""
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
    process = subprocess.Popen(
        command, env={**env, "TERM": "xterm"}, stdout=subprocess.DEVNULL, stderr=follower
    )
    os.close(follower)
    drawn = b""
    for chunk in _read_until_closed(leader):
        drawn += chunk
    os.close(leader)
    return process.wait(timeout=60), drawn.decode("utf-8", "replace")


def _read_until_closed(fd: int) -> Iterator[bytes]:
    while True:
        ready, _, _ = select.select([fd], [], [], 60)
        if not ready:
            return
        try:
            chunk = os.read(fd, 65536)
        except OSError:  # EIO: the other side closed
            return
        if not chunk:
            return
        yield chunk


@pytest.mark.slow
def test_batch_draws_a_bar_on_a_terminal_and_nothing_under_cron(
    fixture_model: Path, tmp_path: Path
) -> None:
    src = tmp_path / "in"
    write_documents(src)
    env = environment(store(), tmp_path / "home")
    command = [*EL2EN, "batch", str(src), str(tmp_path / "tty"), "--model", str(fixture_model)]
    code, drawn = on_a_terminal([*command, "-v", *THREADS], env)
    assert code == 0, drawn
    total = len(LENGTHS)
    assert f"/{total} [" in drawn  # documents done of the total, then elapsed<ETA
    assert "sentences]" in drawn and "docs/s" in drawn
    # The current file is named at the bar's start.
    assert any(f"doc{i}.txt:" in drawn or f"doc{i}.el.txt:" in drawn for i in range(total))
    assert "\r" in drawn
    # Log lines print above the bar, whole: each starts a line of its own.
    for segment in drawn.replace("\n", "\r").split("\r"):
        if "el2en: info:" in segment:  # written from the line's start, the bar cleared first
            assert segment.startswith("el2en: info:"), segment
    assert drawn.rstrip().splitlines()[-1].lstrip("\r").startswith("el2en batch completed:")

    cron = subprocess.run(  # stderr a pipe, as under cron
        [*EL2EN, "batch", str(src), str(tmp_path / "cron"), "--model", str(fixture_model)],
        env={**env, "TERM": "xterm"}, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert cron.returncode == 0, cron.stderr
    assert cron.stderr.count("\n") == 1 and "\r" not in cron.stderr
    assert cron.stderr.startswith("el2en batch completed: 8 seen, 8 translated")


# -- encodings per file -------------------------------------------------------------------

GREEK_TEXT = "Η τιμή της βενζίνης αυξήθηκε κατά 0,15 ευρώ το λίτρο.\n"


def test_an_encoding_list_is_checked_and_named_canonically() -> None:
    from translate.errors import UsageError
    from translate.read import check_encoding_option

    assert check_encoding_option("UTF8, Windows-1253,utf-8") == "utf-8,cp1253"
    assert check_encoding_option("iso-8859-7") == "iso8859-7"
    with pytest.raises(UsageError, match="unknown encoding 'klingon'"):
        check_encoding_option("utf-8,klingon")


def test_batch_reads_each_file_with_the_first_encoding_of_the_list_that_fits(
    fixture_model: Path, tmp_path: Path
) -> None:
    src = tmp_path / "in"
    src.mkdir()
    (src / "new.txt").write_text(GREEK_TEXT, encoding="utf-8")
    (src / "old.txt").write_bytes(GREEK_TEXT.encode("cp1253"))
    (src / "binary.txt").write_bytes(b"PK\x03\x04\x00\x00")
    model = ("--model", str(fixture_model))

    code, _, err = run("batch", str(src), str(tmp_path / "plain"), *model)
    assert code == 3
    (failure,) = [f for f in report(tmp_path / "plain")["failures"] if f["path"] == "old.txt"]
    # The advice names a list that keeps the UTF-8 files readable.
    assert "rerun with --encoding utf-8,iso-8859-7 or --encoding utf-8,cp1253" in failure["reason"]

    out = tmp_path / "listed"
    # --no-cache: new.txt holds the same sentences, which old.txt would flag "reused".
    code, _, err = run(
        "batch", str(src), str(out), *model, "--encoding", "utf-8,cp1253", "--no-cache"
    )  # fmt: skip
    assert code == 3, err  # the binary file still fails, alone
    data = report(out)
    assert {t["path"]: t["encoding"] for t in data["translated"]} == {
        "new.txt": "utf-8",
        "old.txt": "cp1253",
    }
    assert [(f["path"], f["reason"]) for f in data["failures"]] == [
        ("binary.txt", "binary file (NUL byte at byte offset 4)")
    ]
    # The same translation as the legacy file read with its own encoding alone.
    alone = tmp_path / "alone"
    code, _, err = run(
        "translate", str(src / "old.txt"), *model, "--encoding", "cp1253", "-f", "jsonl",
        "-o", f"{alone}/",
    )  # fmt: skip
    assert code == 0, err
    mine = (out / "old.el-en.jsonl").read_text(encoding="utf-8")
    theirs = (alone / "old.el-en.jsonl").read_text(encoding="utf-8")
    assert mine.replace('"old.txt"', "DOC") == theirs.replace(f'"{src / "old.txt"}"', "DOC")
    assert "βενζίνης" in mine


def test_no_encoding_of_the_list_fits(tmp_path: Path) -> None:
    from translate.errors import InputError
    from translate.read import open_document

    path = tmp_path / "latin.txt"
    path.write_bytes(b"caf\xe9 \x81\n")  # 0x81: not UTF-8, undefined in cp1253
    with pytest.raises(InputError) as raised:
        open_document(str(path), "utf-8,cp1253")
    assert raised.value.problem == (
        "not text in any of --encoding utf-8,cp1253: not UTF-8 text (invalid byte 0xe9 at "
        "byte offset 3); not cp1253 text (invalid byte 0x81 at byte offset 5)"
    )


def test_documents_of_several_windows_in_flight_with_the_cache_are_those_of_one_at_a_time(
    fixture_model: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Windows of 4 sentences: a document claims and takes sentences window by window."""
    from translate.backends import DecodeOptions
    from translate.jobs import RunOptions, translate_files
    from translate.pipeline import TranslateConfig

    src = tmp_path / "in"
    keys = write_documents(src, (13, 9, 17, 6, 11), shift=5)
    names = [str(src / key) for key in keys]
    config = TranslateConfig(
        model=str(fixture_model), backend="ctranslate2", decode=DecodeOptions(threads=2), window=4
    )
    found = []
    for name in ("in-flight", "alone"):
        if name == "alone":
            one_at_a_time(monkeypatch)
        out = tmp_path / name
        outcomes = translate_files(
            names, f"{out}/", RunOptions(formats=("jsonl",)), config, cache=tmp_path / f"{name}.db"
        )
        assert [o.sentences for o in outcomes] == [13, 9, 17, 6, 11]
        found.append(outputs(out))
    assert found[0] == found[1]
