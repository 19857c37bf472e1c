"""el2en cache stats|prune|clear on the cache a batch run left."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import batch, make_source, run

from translate.batch import CACHE_NAME


def test_cache_command(fixture_model: Path, tmp_path: Path) -> None:
    src, out = tmp_path / "in", tmp_path / "out"
    make_source(src, 2)
    assert batch(fixture_model, src, out)[0] == 0
    code, text, _ = run("cache", "stats", str(out), "--json")
    assert code == 0
    stats = json.loads(text)
    assert stats["entries"] == 9 and len(stats["signatures"]) == 1
    code, text, _ = run("cache", "stats", str(out / CACHE_NAME))
    assert code == 0 and "entries: 9" in text
    assert run("cache", "prune", str(out), "--max-entries", "4")[1] == "removed 5 translations\n"
    assert run("cache", "clear", str(out))[1] == "removed 4 translations\n"
    assert json.loads(run("cache", "stats", str(out), "--json")[1])["entries"] == 0
    code, _, err = run("cache", "stats", str(tmp_path / "none.sqlite"))
    assert code == 2 and "no such cache file" in err
