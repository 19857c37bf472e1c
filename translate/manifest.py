"""The batch manifest: what each input of an output folder became, committed per document.

One SQLite file in the output folder (``OUT/.el2en-manifest.sqlite``) holds a
row per input, keyed by the input's path relative to the source folder: the
sha256 of its bytes, the signature and the settings it was translated with,
every output written with its sha256, and the status (``done`` or
``failed``).  A row is committed only after the document's outputs were
renamed into place, in one short transaction, so after a SIGKILL at any
moment every document the manifest names is complete (a document finished
but not yet committed is redone, giving the same bytes).  The driver
commits finished documents together, at most every
:data:`translate.batch.COMMIT_SECONDS`, so that fast documents do not pay an
fsync each.

Why SQLite and not JSON lines: a commit is atomic and durable
(``synchronous=FULL`` in WAL mode: one fsync per document); a row is found by
its key without reading the whole history; a file redone a thousand times is
one row, not a thousand lines to compact; and the translation-cache entries a
document added are committed in the *same* transaction as its row
(:meth:`Manifest.commit`), which JSON lines beside an SQLite cache could not
do atomically.  Opened through :mod:`translate.db` like the cache and the
memory: a file that is not an el2en manifest is refused unchanged, a lock
held by another process is waited for a bounded time, and every failure
(locked, read-only, disk full, damaged) is a one-line
:class:`~translate.errors.StoreError` naming the file (exit 1), never a
traceback and never a run reported as completed.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from translate import db
from translate.types import Translation

#: 2 added the ``run`` table (when the unfinished run began).
SCHEMA_VERSION = 2
MANIFEST_NAME = ".el2en-manifest.sqlite"

DONE = "done"
FAILED = "failed"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS files (
    key TEXT PRIMARY KEY,
    input TEXT NOT NULL,
    input_sha256 TEXT NOT NULL,
    input_bytes INTEGER NOT NULL,
    signature TEXT NOT NULL,
    settings TEXT NOT NULL,
    outputs TEXT NOT NULL,
    status TEXT NOT NULL,
    error TEXT,
    sentences INTEGER NOT NULL,
    updated TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS pending_cache (
    cache_path TEXT NOT NULL,
    signature TEXT NOT NULL,
    source TEXT NOT NULL,
    text TEXT NOT NULL,
    hit_max_length INTEGER NOT NULL,
    target_tokens INTEGER NOT NULL,
    score REAL,
    PRIMARY KEY (cache_path, signature, source)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS run (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    started REAL NOT NULL
);
"""


SCHEMA = db.Schema(
    kind="manifest",
    application_id=db.MANIFEST_APPLICATION_ID,
    version=SCHEMA_VERSION,
    statements=_SCHEMA,
    tables=frozenset({"files", "pending_cache", "run"}),
    # FULL: a committed document survives a power cut, not only a kill.
    synchronous="FULL",
    fix="move {path} aside (mv {path} {path}.bad); the next run then translates every input again",
    elsewhere="move {path} aside (mv {path} {path}.bad), or give another output folder",
)


@dataclass(frozen=True, slots=True)
class Entry:
    """What the manifest knows of one input."""

    key: str
    input: str
    input_sha256: str
    input_bytes: int
    signature: str
    #: Settings beside the signature that change the bytes written (formats, encoding, QA).
    settings: str
    #: sha256 of each output, by path relative to the output folder.
    outputs: dict[str, str] = field(default_factory=dict)
    status: str = DONE
    error: str | None = None
    sentences: int = 0


@dataclass(frozen=True, slots=True)
class PendingCache:
    """Cache entries a committed document added, not yet known to be in the cache file."""

    cache_path: str
    signature: str
    items: dict[str, Translation]


class Manifest:
    """The manifest of one output folder; one writer (the batch holding the folder's lock)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.schema = SCHEMA
        self.conn = db.open_database(self.path, SCHEMA)
        #: Set once the pending cache entries are in the cache file; they are
        #: deleted in the next commit's transaction (no fsync of their own).
        self._flushed = False

    @db.guarded
    def get(self, key: str) -> Entry | None:
        """Return what the manifest holds for ``key``, if anything."""
        row = self.conn.execute(
            "SELECT key, input, input_sha256, input_bytes, signature, settings, outputs, "
            "status, error, sentences FROM files WHERE key = ?",
            (key,),
        ).fetchone()
        if row is None:
            return None
        key, name, sha, size, signature, settings, outputs, status, error, sentences = row
        try:
            written = json.loads(outputs)
        except ValueError:  # edited by hand or damaged: say which file, not a traceback
            raise db.database_error(self.path, SCHEMA, f"damaged row for {key!r}") from None
        return Entry(key, name, sha, size, signature, settings, written, status, error, sentences)

    @db.guarded
    def entries(self) -> Iterator[Entry]:
        """Return every entry, by key (read whole, so errors surface here)."""
        keys = [row[0] for row in self.conn.execute("SELECT key FROM files ORDER BY key")]
        found = (self.get(key) for key in keys)
        return iter([entry for entry in found if entry is not None])

    @db.guarded
    def commit(self, entries: Sequence[Entry], pending: PendingCache | None = None) -> None:
        """Record ``entries`` and the cache entries their documents added, in one transaction."""
        now = db.utc_text()
        with db.write(self.conn):
            if self._flushed:
                self.conn.execute("DELETE FROM pending_cache")
            self.conn.executemany(
                "INSERT OR REPLACE INTO files (key, input, input_sha256, input_bytes, "
                "signature, settings, outputs, status, error, sentences, updated) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        entry.key,
                        entry.input,
                        entry.input_sha256,
                        entry.input_bytes,
                        entry.signature,
                        entry.settings,
                        json.dumps(entry.outputs, sort_keys=True),
                        entry.status,
                        entry.error,
                        entry.sentences,
                        now,
                    )
                    for entry in entries
                ],
            )
            if pending is not None and pending.items:
                self.conn.executemany(
                    "INSERT OR REPLACE INTO pending_cache (cache_path, signature, source, "
                    "text, hit_max_length, target_tokens, score) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    [
                        (
                            pending.cache_path,
                            pending.signature,
                            source,
                            t.text,
                            int(t.hit_max_length),
                            t.target_tokens,
                            t.score,
                        )
                        for source, t in pending.items.items()
                    ],
                )
        self._flushed = False

    @db.guarded
    def pending_cache(self) -> list[PendingCache]:
        """Return the cache entries committed documents added that may not be in the cache yet."""
        groups: dict[tuple[str, str], dict[str, Translation]] = {}
        rows = self.conn.execute(
            "SELECT cache_path, signature, source, text, hit_max_length, target_tokens, score "
            "FROM pending_cache ORDER BY cache_path, signature, source"
        )
        for path, signature, source, text, hit_max_length, target_tokens, score in rows:
            groups.setdefault((path, signature), {})[source] = Translation(
                text=text,
                hit_max_length=bool(hit_max_length),
                target_tokens=target_tokens,
                score=score,
            )
        return [PendingCache(path, sig, items) for (path, sig), items in groups.items()]

    @db.guarded
    def unfinished_run(self) -> float | None:
        """Return when the run that did not complete began (a kill, a signal), or None."""
        row = self.conn.execute("SELECT started FROM run WHERE id = 1").fetchone()
        return None if row is None else float(row[0])

    @db.guarded
    def start_run(self, started: float) -> None:
        """Record that a run began at ``started`` (a UNIX time), until :meth:`finish_run`."""
        with db.write(self.conn) as conn:
            conn.execute("INSERT OR REPLACE INTO run (id, started) VALUES (1, ?)", (started,))

    @db.guarded
    def finish_run(self) -> None:
        """Say that the run completed: the next one starts afresh instead of resuming it."""
        with db.write(self.conn) as conn:
            conn.execute("DELETE FROM run")

    def pending_flushed(self) -> None:
        """Say that every pending cache entry is now in its cache file."""
        self._flushed = True

    def close(self) -> None:
        """Close the file (forgetting pending cache entries already flushed)."""
        try:
            if self._flushed:
                with db.errors(self.path, self.schema):
                    self.conn.execute("DELETE FROM pending_cache")
        finally:
            self.conn.close()

    def __enter__(self) -> Manifest:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def outputs_by_relative_path(outputs: Mapping[str, str], folder: Path) -> dict[str, str]:
    """Return ``outputs`` keyed by their paths relative to ``folder`` (posix)."""
    return {Path(path).relative_to(folder).as_posix(): digest for path, digest in outputs.items()}
