"""The batch report: what a run did, as the JSON document and the one line for cron.

The driver fills a :class:`BatchReport` as documents are committed (never
before: the report counts only work the manifest holds) and writes it into
the output folder whatever happens, with the run's status.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from translate import __version__
from translate.display import escape

REPORT_NAME = "el2en-report.json"


@dataclass(frozen=True, slots=True)
class Failure:
    """An input that could not be translated, and why."""

    path: str
    reason: str


@dataclass(slots=True)
class BatchReport:
    """What a batch run did: the morning's reading, as JSON."""

    src: str
    out: str
    engine: str
    started: str = ""
    ended: str = ""
    #: running, completed, interrupted (SIGTERM...) or failed (the run itself).
    status: str = "running"
    error: str | None = None
    signature: str = ""
    seen: int = 0
    translated: list[dict[str, object]] = field(default_factory=list)
    skipped: int = 0
    failed: list[Failure] = field(default_factory=list)
    sentences: int = 0
    cached: int = 0
    flagged: int = 0
    flags: Counter[str] = field(default_factory=Counter)
    wall_seconds: float = 0.0
    cache: str | None = None

    def as_dict(self) -> dict[str, object]:
        """Return the report as the JSON document written to disk."""
        rate = self.sentences / self.wall_seconds if self.wall_seconds > 0 else 0.0
        return {
            "el2en": __version__,
            "status": self.status,
            "error": None if self.error is None else escape(self.error),
            "started": self.started,
            "ended": self.ended,
            "wall_seconds": round(self.wall_seconds, 3),
            "src": escape(self.src),
            "out": escape(self.out),
            "engine": self.engine,
            "signature": self.signature,
            "files": {
                "seen": self.seen,
                "translated": len(self.translated),
                "skipped": self.skipped,
                "failed": len(self.failed),
            },
            # Names are shown escaped (translate.display): valid UTF-8, one line each.
            "failures": [{"path": escape(f.path), "reason": escape(f.reason)} for f in self.failed],
            "translated": [{**t, "path": escape(str(t["path"]))} for t in self.translated],
            "sentences": self.sentences,
            "sentences_per_second": round(rate, 2),
            "cache": {"path": self.cache, "hits": self.cached},
            "to_review": self.flagged,
            "flags": dict(sorted(self.flags.items())),
        }

    def summary(self) -> str:
        """Return the one line for stderr."""
        rate = self.sentences / self.wall_seconds if self.wall_seconds > 0 else 0.0
        line = (
            f"el2en batch {self.status}: {self.seen} seen, {len(self.translated)} translated, "
            f"{self.skipped} skipped, {len(self.failed)} failed; {self.sentences} sentences "
            f"({self.cached} from cache, {self.flagged} to review), {rate:.1f} sentences/s, "
            f"{self.wall_seconds:.1f} s"
        )
        if self.failed:
            first = self.failed[0]
            more = f" (+{len(self.failed) - 1} more)" if len(self.failed) > 1 else ""
            line += f"; failed: {first.path}: {first.reason}{more}"
        return escape(line)  # a name cannot forge a second line for cron
