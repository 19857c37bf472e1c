"""The Ray engine on a real local Ray cluster: the local engine's bytes, whatever happens.

Run apart with ``-m ray`` (or leave them out with ``-m 'not ray'``).  One
cluster serves the module (starting one costs seconds); its workers get their
own model store, so the model reaches them through Ray's object store.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

# `make test` installs el2en[ray]; without it this module fails loudly rather
# than skipping (leave it out with --ignore, or -m 'not ray').
import ray
from conftest import FIXTURE_MODEL, ROOT, read_pairs

from translate.engines import get_engine_class
from translate.errors import BackendError, ModelError
from translate.jobs import Job, JobOutcome, RunOptions, Task, plan_jobs
from translate.pipeline import TranslateConfig, Translator

pytestmark = pytest.mark.ray

FORMATS = ("jsonl", "tsv")


@pytest.fixture(scope="module")
def worker_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Return the model store the cluster's workers use (empty at first: not the driver's)."""
    return tmp_path_factory.mktemp("worker-models")


@pytest.fixture(scope="module")
def ray_cluster(worker_store: Path) -> Iterator[str]:
    """Start a local 2-CPU Ray cluster for the module; yield its address; shut it down."""
    os.environ.pop("RAY_ADDRESS", None)
    ray.init(
        address="local",
        num_cpus=2,
        include_dashboard=False,
        runtime_env={"env_vars": {"EL2EN_MODELS_DIR": str(worker_store)}},
    )
    try:
        yield str(ray.get_runtime_context().gcs_address)
    finally:
        ray.shutdown()


@pytest.fixture(scope="module")
def articles(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Return a folder of news articles (paragraphs of the fixture's sentences), one nested."""
    sentences = [el for el, _ in read_pairs()]
    src = tmp_path_factory.mktemp("articles")
    (src / "world").mkdir()
    for number in range(8):
        picked = [sentences[(number * 7 + k) % len(sentences)] for k in range(3 + number % 4)]
        paragraphs = [" ".join(picked[i : i + 2]) for i in range(0, len(picked), 2)]
        folder = src / "world" if number % 3 == 0 else src
        (folder / f"article-{number}.txt").write_text("\n\n".join(paragraphs) + "\n", "utf-8")
    return src


@pytest.fixture(scope="module")
def config() -> TranslateConfig:
    return TranslateConfig(model=str(FIXTURE_MODEL), backend="ctranslate2")


@pytest.fixture(scope="module")
def translator(config: TranslateConfig) -> Translator:
    """Return the driver's translator (the batch driver loads one to learn the signature)."""
    return Translator(config)


def plan(src: Path, out: Path) -> list[Job]:
    inputs = sorted(str(path) for path in src.rglob("*.txt"))
    return plan_jobs(inputs, str(out) + os.sep, FORMATS, root=src)


def tasks(jobs: list[Job]) -> list[Task]:
    """Return the jobs as an engine takes them (inputs not read ahead)."""
    return [Task(job) for job in jobs]


def files_of(folder: Path) -> dict[str, bytes]:
    """Return every output file under ``folder`` (not the batch's own bookkeeping), by path."""
    return {
        str(path.relative_to(folder)): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file() and not path.name.startswith((".el2en", "el2en-report"))
    }


@pytest.fixture(scope="module")
def local_outputs(
    articles: Path, translator: Translator, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, bytes]:
    """Return the local engine's outputs of the articles (no cache)."""
    out = tmp_path_factory.mktemp("local")
    engine = get_engine_class("local")(translator=translator)
    engine.run(tasks(plan(articles, out)), RunOptions(formats=FORMATS), lambda o: None)
    found = files_of(out)
    assert len(found) == 8 * len(FORMATS)
    return found


def test_ray_engine_writes_the_local_engines_bytes(
    ray_cluster: str,
    articles: Path,
    translator: Translator,
    local_outputs: dict[str, bytes],
    worker_store: Path,
    tmp_path: Path,
) -> None:
    from translate.engines.ray import RayEngine

    jobs = plan(articles, tmp_path)
    outcomes: list[JobOutcome] = []
    engine = RayEngine(actors=2, threads_per_actor=1, translator=translator)
    engine.run(tasks(jobs), RunOptions(formats=FORMATS), outcomes.append)

    assert files_of(tmp_path) == local_outputs
    # The actors sent their new translations back in the outcomes, for the driver's cache.
    fresh = [t for o in outcomes for t in o.fresh.values()]
    assert fresh and all(t.text and t.origin is None for t in fresh)
    assert sorted(o.job.key for o in outcomes) == sorted(job.key for job in jobs)
    for outcome in outcomes:
        assert outcome.error is None
        assert outcome.sentences > 0
        assert set(outcome.outputs) == set(outcome.job.targets)
    # The workers' store was empty: the model came through Ray's object store.
    assert list(worker_store.glob("*/*/*/model.bin"))
    assert not list(tmp_path.rglob("*.tmp*"))


def test_ray_actors_enforce_the_drivers_glossary_without_its_file(
    ray_cluster: str, config: TranslateConfig, tmp_path: Path
) -> None:
    """Actors get the glossary the driver read: same bytes as local, no file on the node."""
    import csv
    from dataclasses import replace

    from translate.engines.ray import RayEngine

    with open(ROOT / "tests/data/glossary/sentences.tsv", encoding="utf-8", newline="") as f:
        greek = [r["el"] for r in csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE)]
    src = tmp_path / "src"
    src.mkdir()
    for number in range(4):
        (src / f"news-{number}.txt").write_text(" ".join(greek[number::4][:6]) + "\n", "utf-8")
    glossary = tmp_path / "house.txt"
    glossary.write_bytes((ROOT / "tests/data/glossary/news.glossary.txt").read_bytes())
    driver = Translator(replace(config, glossary=(str(glossary),)))

    local = tmp_path / "local"
    engine = get_engine_class("local")(translator=driver)
    engine.run(tasks(plan(src, local)), RunOptions(formats=FORMATS), lambda o: None)
    expected = files_of(local)
    assert any(b"= Mitsotakis" in data for data in expected.values())  # a term enforced

    glossary.unlink()  # a node of a real cluster has no copy of the driver's files
    out = tmp_path / "ray"
    outcomes: list[JobOutcome] = []
    RayEngine(actors=2, threads_per_actor=1, translator=driver).run(
        tasks(plan(src, out)), RunOptions(formats=FORMATS), outcomes.append
    )
    assert [o.error for o in outcomes] == [None] * 4
    assert files_of(out) == expected


def actor_pids() -> list[int]:
    """Return the process ids of the engine's Ray actors (Ray names their processes)."""
    import psutil  # type: ignore[import-untyped]

    found = []
    for process in psutil.process_iter(["pid", "cmdline"]):
        cmdline = " ".join(process.info["cmdline"] or ())
        if "MapWorker" in cmdline and "TranslatorActor" in cmdline:
            found.append(int(process.info["pid"]))
    return found


def test_actors_killed_mid_run_change_nothing(
    ray_cluster: str,
    articles: Path,
    translator: Translator,
    local_outputs: dict[str, bytes],
    tmp_path: Path,
) -> None:
    from translate.engines.ray import RayEngine

    jobs = plan(articles, tmp_path)
    killed: list[int] = []
    outcomes: list[JobOutcome] = []

    def kill_one_actor(outcome: JobOutcome) -> None:
        outcomes.append(outcome)
        if not killed:
            # Every actor: the one busy with a document dies mid-document.
            killed.extend(actor_pids())
            assert killed, "no Ray actor process found to kill"
            for pid in killed:
                os.kill(pid, signal.SIGKILL)

    engine = RayEngine(actors=2, threads_per_actor=1, translator=translator)
    engine.run(tasks(jobs), RunOptions(formats=FORMATS), kill_one_actor)

    assert killed
    assert not set(killed) & set(actor_pids())
    assert sorted(o.job.key for o in outcomes) == sorted(job.key for job in jobs)
    assert files_of(tmp_path) == local_outputs
    assert not list(tmp_path.rglob("*.tmp*"))


def el2en_batch(src: Path, out: Path, address: str, **kwargs: Any) -> subprocess.Popen[bytes]:
    """Start ``el2en batch --engine ray`` joining the test cluster, as a user would."""
    command = [
        str(Path(sys.executable).with_name("el2en")),
        "batch", str(src), str(out),
        "--model", str(FIXTURE_MODEL), "--backend", "ctranslate2",
        "--format", ",".join(FORMATS), "--no-cache",
        "--engine", "ray", "--ray-address", address, "--actors", "2", "--threads-per-actor", "1",
    ]  # fmt: skip
    return subprocess.Popen(command, cwd=ROOT, start_new_session=True, **kwargs)


def committed(out: Path) -> int:
    """Return how many documents the manifest records as done (0 before it exists)."""
    path = out / ".el2en-manifest.sqlite"
    if not path.is_file():
        return 0
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=1) as conn:
            return int(
                conn.execute("SELECT count(*) FROM files WHERE status = 'done'").fetchone()[0]
            )
    except sqlite3.Error:
        return 0


def test_a_ray_batch_killed_then_resumed_writes_the_same_bytes(
    ray_cluster: str,
    articles: Path,
    local_outputs: dict[str, bytes],
    tmp_path: Path,
) -> None:
    out = tmp_path / "out"
    driver = el2en_batch(articles, out, ray_cluster, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 90
    while committed(out) < 1 and driver.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert driver.poll() is None, "the run ended before it could be killed"
    assert committed(out) >= 1
    os.killpg(driver.pid, signal.SIGKILL)
    driver.wait()
    done_before = committed(out)
    # The killed driver's actors live on until Ray sees it gone (the cluster
    # outlives it); an operator's rerun comes later than that.
    deadline = time.monotonic() + 30
    while actor_pids() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not actor_pids(), "Ray left the killed driver's actors running"
    assert done_before < 8, "the run finished before the kill"

    resumed = el2en_batch(articles, out, ray_cluster, stderr=subprocess.PIPE)
    _, stderr = resumed.communicate(timeout=120)
    assert resumed.returncode == 0, stderr.decode()
    assert files_of(out) == local_outputs
    assert not list(out.rglob("*.tmp*"))
    assert f"{done_before} skipped" in stderr.decode()


def test_an_actor_with_another_signature_refuses_to_run(translator: Translator) -> None:
    from dataclasses import replace

    from translate.engines.ray import load_translator, package_model

    package, _ = package_model(translator, 1)
    other = replace(package, signature=str(translator.signature).replace("beam:4", "beam:5"))
    with pytest.raises(ModelError, match="install the same el2en"):
        load_translator(other)
    assert load_translator(package).signature == translator.signature


def test_a_missing_ray_extra_is_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "ray", None)  # what `import ray` finds without the extra
    monkeypatch.delitem(sys.modules, "translate.engines.ray", raising=False)
    with pytest.raises(BackendError) as caught:
        get_engine_class("ray")
    message = str(caught.value)
    assert message == "engine 'ray' needs ray, which is not installed: pip install 'el2en[ray]'"
    assert "\n" not in message


def test_a_missing_ray_extra_is_one_line_from_the_cli(
    monkeypatch: pytest.MonkeyPatch, articles: Path, tmp_path: Path
) -> None:
    from click.testing import CliRunner

    from translate.cli import cli

    monkeypatch.setitem(sys.modules, "ray", None)
    monkeypatch.delitem(sys.modules, "translate.engines.ray", raising=False)
    out = tmp_path / "out"
    args = ["batch", str(articles), str(out), "--model", str(FIXTURE_MODEL), "--engine", "ray"]
    result = CliRunner().invoke(cli, [*args, "--no-cache"])
    assert result.exit_code == 1, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert lines == [
        "Error: engine 'ray' needs ray, which is not installed: pip install 'el2en[ray]'"
    ]


def test_actors_keep_the_drivers_threads_per_batch(config: TranslateConfig) -> None:
    from dataclasses import replace

    from translate.engines.ray import load_translator, package_model
    from translate.errors import UsageError

    # Two threads inside each batch (one batch at a time): in the signature as intra:2.
    decode = replace(config.decode, threads=2, inter_threads=1)
    driver = Translator(replace(config, decode=decode))
    with pytest.raises(UsageError, match="multiple of the 2 threads"):
        package_model(driver, 1)
    package, _ = package_model(driver, 4)
    assert package.config.decode.inter_threads == 2
    assert load_translator(package).signature == driver.signature


def test_reviewers_translations_reach_the_actors(
    ray_cluster: str, articles: Path, config: TranslateConfig, tmp_path: Path
) -> None:
    from translate.engines.ray import RayEngine
    from translate.memory import TranslationMemory

    reviewed = read_pairs()[7][0]  # in article-1 (see `articles`)
    with TranslationMemory(tmp_path / "memory.sqlite") as memory:
        memory.put(reviewed, "A reviewer's translation.", file="review.xlf", unit="1")
        driver = Translator(config, memory=memory)
        assert "|tm:" not in str(driver.signature)  # tm: is per document (document_signature)
        options = RunOptions(formats=("jsonl",))
        local_engine = get_engine_class("local")(translator=driver)
        local_engine.run(tasks(plan(articles, tmp_path / "local")), options, lambda o: None)
        engine = RayEngine(actors=2, threads_per_actor=1, translator=driver)
        engine.run(tasks(plan(articles, tmp_path / "ray")), options, lambda o: None)

    ray_outputs = files_of(tmp_path / "ray")
    assert ray_outputs == files_of(tmp_path / "local")
    assert b"A reviewer's translation." in ray_outputs["article-1.el-en.jsonl"]
