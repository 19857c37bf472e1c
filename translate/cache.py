"""The translation cache: the model's translations of normalised pieces, kept across runs.

Repeated sentences are decoded once.  Rows are keyed by the piece and by every
signature field that can change how the model translates a piece
(:data:`CACHE_KEY_FIELDS`); least recently used rows go first when the cache
is over its size.  The file is an el2en store (:data:`SCHEMA`, shared with
:mod:`translate.memory`, so both can live in one file) opened through
:mod:`translate.db`: concurrent readers and one writer, a bounded wait for
the lock, short write transactions.

Being only a cache, a damaged cache file (garbage, truncated) opened for a run
is moved aside with a warning and a new one started; a file that is another
program's database or a newer el2en's is refused and left unchanged.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from translate import db
from translate.errors import DamagedStoreError, StoreError
from translate.signature import Signature
from translate.types import Translation

log = logging.getLogger("translate")

#: Version of the store's tables (cache and memory); bump with a migration in translate.db.
SCHEMA_VERSION = 1

#: Signature fields that can change the model's translation of a given
#: normalised piece, and so key the cache.  Left out on purpose:
#: ``seg`` and ``maxsrc`` decide *which* pieces a document is cut into, not how
#: a piece is translated (the key is the piece itself); ``el2en`` is the
#: package version, and upgrading el2en should not throw the cache away; a
#: release that changes how a piece is decoded changes one of these fields or
#: :data:`CACHE_FORMAT`.  ``norm`` is kept although the key is already the
#: normalised piece: a new normaliser may come with other decoding changes.
CACHE_KEY_FIELDS = (
    "model",
    "rev",
    "backend",
    "device",
    "compute",
    "beam",
    "lp",
    "maxout",
    "norm",
)
#: Fields that key the cache when the signature has them: CTranslate2's
#: threads per batch (``intra``) can change sums, so near ties, when above 1.
OPTIONAL_CACHE_KEY_FIELDS = ("intra",)
#: Bump when el2en changes what it stores for a piece (not the schema).
CACHE_FORMAT = "1"

#: Default most rows a cache keeps (about 50 MB for news-length sentences).
DEFAULT_CACHE_ENTRIES = 200_000
#: Touched rows remembered in memory before their ``last_used`` is written.
_TOUCH_FLUSH = 10_000

#: The tables of an el2en store: the cache's and the memory's (one file can hold both).
STATEMENTS = """
CREATE TABLE IF NOT EXISTS cache_signature (
    id INTEGER PRIMARY KEY,
    key TEXT NOT NULL UNIQUE,
    hits INTEGER NOT NULL DEFAULT 0,
    misses INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS cache (
    signature INTEGER NOT NULL REFERENCES cache_signature(id),
    source TEXT NOT NULL,
    text TEXT NOT NULL,
    hit_max_length INTEGER NOT NULL,
    target_tokens INTEGER NOT NULL,
    score REAL,
    created REAL NOT NULL,
    last_used REAL NOT NULL,
    PRIMARY KEY (signature, source)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS cache_last_used ON cache(last_used);
CREATE TABLE IF NOT EXISTS memory (
    source TEXT PRIMARY KEY,
    el TEXT NOT NULL,
    en TEXT NOT NULL,
    file TEXT NOT NULL,
    unit TEXT NOT NULL,
    imported TEXT NOT NULL
) WITHOUT ROWID;
"""
TABLES = frozenset({"cache_signature", "cache", "memory"})

SCHEMA = db.Schema(
    kind="cache",
    application_id=db.STORE_APPLICATION_ID,
    version=SCHEMA_VERSION,
    statements=STATEMENTS,
    tables=TABLES,
    fix=(
        "move {path} aside or delete it (a translate or batch run does that itself "
        "and starts a new cache)"
    ),
    elsewhere="give el2en a cache file of its own (--cache FILE or EL2EN_CACHE), or --no-cache",
)


def cache_key(signature: Signature) -> str:
    """Return the part of ``signature`` that keys the cache, as a string.

    Raises :class:`StoreError` when a field that can change a translation is
    missing, so that a cache is never shared by runs it should not be.
    """
    fields = signature.as_dict()
    missing = [name for name in CACHE_KEY_FIELDS if name not in fields]
    if missing:
        raise StoreError(f"signature lacks {', '.join(missing)}: cannot key the cache")
    names = CACHE_KEY_FIELDS + tuple(n for n in OPTIONAL_CACHE_KEY_FIELDS if n in fields)
    pairs = [("cache", CACHE_FORMAT)] + [(name, fields[name]) for name in names]
    return str(Signature(tuple(pairs)))


@dataclass(frozen=True, slots=True)
class SignatureStats:
    """The cache rows made with one signature."""

    key: str
    entries: int
    hits: int
    misses: int
    last_used: float | None


@dataclass(frozen=True, slots=True)
class CacheStats:
    """What a cache file holds."""

    path: Path
    entries: int
    size_bytes: int
    hits: int
    misses: int
    signatures: tuple[SignatureStats, ...]


class TranslationCache:
    """The model's translations of normalised pieces, kept across runs.

    ``get_many``/``put_many`` (the pipeline's
    :class:`~translate.pipeline.TranslationStore`) need the ``signature`` of
    the run; ``stats``, ``prune`` and ``clear`` work on every signature in the
    file, so ``el2en cache stats|prune|clear`` can open a cache without one.

    LRU bookkeeping is cheap: a hit is remembered in memory and its
    ``last_used`` written with the next ``put_many`` (one transaction), or at
    :meth:`close`.  Rows beyond ``max_entries`` (None: unbounded) are pruned,
    least recently used first, when a put takes the cache over its size.
    """

    def __init__(
        self,
        path: str | Path,
        signature: Signature | None = None,
        max_entries: int | None = DEFAULT_CACHE_ENTRIES,
        *,
        clock: Callable[[], float] = time.time,
        readonly: bool = False,
        run_started: float | None = None,
    ) -> None:
        self.path = Path(path)
        self.max_entries = max_entries
        self.clock = clock
        #: Entries created from now on are this run's: reused, not "cached" (earlier runs').
        #: ``run_started``: a batch resuming a killed run continues it, so the
        #: killed run's entries are this run's too (the same bytes as without the kill).
        self._opened = clock() if run_started is None else run_started
        self.key = cache_key(signature) if signature is not None else None
        self.schema = SCHEMA
        #: ``readonly`` (``el2en cache stats``): nothing written, so a cache on a
        #: read-only file system, or another user's, can still be inspected.
        self.conn = open_cache(self.path, rebuild=signature is not None, readonly=readonly)
        self.readonly = readonly
        self._signature_id: int | None = None
        self._touched: dict[str, float] = {}
        self._hits = 0
        self._misses = 0
        self._count: int | None = None

    # -- the pipeline's TranslationStore ------------------------------------

    @db.guarded
    def get_many(self, keys: Sequence[str]) -> dict[str, Translation]:
        """Return the cached translations of those ``keys`` that have one (never writes)."""
        signature = self._find_signature()
        found: dict[str, Translation] = {}
        if signature is None:  # nothing was ever stored with this signature
            self._misses += len(set(keys))
            return found
        for start in range(0, len(keys), 500):
            chunk = list(keys[start : start + 500])
            marks = ",".join("?" * len(chunk))
            rows = self.conn.execute(
                "SELECT source, text, hit_max_length, target_tokens, score, created FROM cache "
                f"WHERE signature = ? AND source IN ({marks})",
                [signature, *chunk],
            )
            for source, text, hit_max_length, target_tokens, score, created in rows:
                found[source] = Translation(
                    text=text,
                    hit_max_length=bool(hit_max_length),
                    target_tokens=target_tokens,
                    score=score,
                    # This run decoded it (for another document): "reused", not "cached".
                    origin="reused" if created > self._opened else None,
                )
        now = self.clock()
        self._touched.update(dict.fromkeys(found, now))
        earlier = sum(1 for t in found.values() if t.origin is None)
        self._hits += earlier
        self._misses += len(set(keys)) - len(found)
        if len(self._touched) >= _TOUCH_FLUSH:
            self.flush()
        return found

    @db.guarded
    def put_many(self, items: Mapping[str, Translation]) -> None:
        """Store the model's translations of ``items``' keys (and pending LRU updates)."""
        now = self.clock()
        with db.write(self.conn) as conn:
            signature = self._register_signature(conn)
            rows = [
                (signature, src, t.text, int(t.hit_max_length), t.target_tokens, t.score, now, now)
                for src, t in items.items()
                if t.origin is None  # never store a human or re-store a cached translation
            ]
            before = conn.total_changes
            conn.executemany(
                "INSERT INTO cache (signature, source, text, hit_max_length, target_tokens, "
                "score, created, last_used) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (signature, source) DO NOTHING",  # another writer was first
                rows,
            )
            added = conn.total_changes - before
            self._write_touched(conn)
        if self._count is not None:
            self._count += added
        if self.max_entries is not None and self._entries() > self.max_entries:
            self.prune(self.max_entries)

    # -- maintenance ---------------------------------------------------------

    @db.guarded
    def flush(self) -> None:
        """Write pending ``last_used`` times and hit counts."""
        if not self._touched and not self._hits and not self._misses:
            return
        with db.write(self.conn) as conn:
            self._write_touched(conn)

    @db.guarded
    def prune(self, max_entries: int | None = None) -> int:
        """Delete the least recently used rows beyond ``max_entries``; return how many."""
        limit = self.max_entries if max_entries is None else max_entries
        if limit is None:
            return 0
        self.flush()
        with db.write(self.conn) as conn:
            count = conn.execute("SELECT count(*) FROM cache").fetchone()[0]
            excess = max(0, int(count) - limit)
            if excess:
                conn.execute(
                    "DELETE FROM cache WHERE (signature, source) IN "
                    "(SELECT signature, source FROM cache ORDER BY last_used LIMIT ?)",
                    (excess,),
                )
            self._count = int(count) - excess
        return excess

    @db.guarded
    def clear(self) -> int:
        """Delete every cached translation (every signature); return how many."""
        self._touched.clear()
        self._hits = self._misses = 0
        with db.write(self.conn) as conn:
            removed = conn.execute("SELECT count(*) FROM cache").fetchone()[0]
            conn.execute("DELETE FROM cache")
            # Keep the signature rows: another process may hold their ids.
            conn.execute("UPDATE cache_signature SET hits = 0, misses = 0")
        self._count = 0
        self.conn.execute("VACUUM")  # give the space back; outside a transaction
        return int(removed)

    @db.guarded
    def stats(self) -> CacheStats:
        """Return the number of rows, the size on disk and per-signature counts."""
        self.flush()
        rows = self.conn.execute(
            "SELECT s.key, count(c.source), s.hits, s.misses, max(c.last_used) "
            "FROM cache_signature s LEFT JOIN cache c ON c.signature = s.id "
            "GROUP BY s.id ORDER BY s.id"
        ).fetchall()
        per_signature = tuple(SignatureStats(*row) for row in rows)
        return CacheStats(
            path=self.path,
            entries=sum(s.entries for s in per_signature),
            size_bytes=db.size_on_disk(self.path),
            hits=sum(s.hits for s in per_signature),
            misses=sum(s.misses for s in per_signature),
            signatures=per_signature,
        )

    def close(self) -> None:
        """Write pending bookkeeping, prune to size, and close the file.

        A failure (locked past the timeout, disk full) is raised after the
        file is closed: the hit counts were not written, and the caller says so.
        """
        try:
            if not self.readonly:
                self.flush()
                if self.max_entries is not None and self._entries() > self.max_entries:
                    self.prune(self.max_entries)
        finally:
            self.conn.close()

    def __enter__(self) -> TranslationCache:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- internals -----------------------------------------------------------

    def _find_signature(self) -> int | None:
        """Return the id of this cache's signature in the file, None if it has no rows."""
        if self.key is None:
            raise StoreError("this cache was opened without a signature: it cannot translate")
        if self._signature_id is None:
            row = self.conn.execute(
                "SELECT id FROM cache_signature WHERE key = ?", (self.key,)
            ).fetchone()
            self._signature_id = int(row[0]) if row else None
        return self._signature_id

    def _register_signature(self, conn: sqlite3.Connection) -> int:
        """Inside a write transaction: return the signature's id, adding it if new."""
        found = self._find_signature()
        if found is not None:
            return found
        conn.execute(
            "INSERT INTO cache_signature (key) VALUES (?) ON CONFLICT (key) DO NOTHING",
            (self.key,),
        )
        row = conn.execute("SELECT id FROM cache_signature WHERE key = ?", (self.key,)).fetchone()
        self._signature_id = int(row[0])
        return self._signature_id

    def _write_touched(self, conn: sqlite3.Connection) -> None:
        """Inside a write transaction: record hits' ``last_used`` and the hit counts."""
        if self.key is None or not (self._touched or self._hits or self._misses):
            return
        signature = self._register_signature(conn)
        if self._touched:
            conn.executemany(
                "UPDATE cache SET last_used = max(last_used, ?) WHERE signature = ? AND source = ?",
                [(when, signature, src) for src, when in self._touched.items()],
            )
            self._touched.clear()
        if self._hits or self._misses:
            conn.execute(
                "UPDATE cache_signature SET hits = hits + ?, misses = misses + ? WHERE id = ?",
                (self._hits, self._misses, signature),
            )
            self._hits = self._misses = 0

    def _entries(self) -> int:
        """Return the rows in the file (counted once, then kept up to date)."""
        if self._count is None:
            self._count = int(self.conn.execute("SELECT count(*) FROM cache").fetchone()[0])
        return self._count


def open_cache(path: Path, *, rebuild: bool, readonly: bool = False) -> sqlite3.Connection:
    """Open the cache file at ``path``; with ``rebuild``, replace a damaged one.

    A cache holds nothing that cannot be made again, so a run (``rebuild``)
    moves a garbage or truncated file aside, says so, and starts an empty
    cache; ``el2en cache`` (no rebuild) reports it instead.  Another
    program's database and a newer el2en's are never moved or changed.
    """
    try:
        return db.open_database(path, SCHEMA, readonly=readonly)
    except DamagedStoreError as exc:
        if not rebuild or readonly:
            raise
        try:
            moved = db.move_aside(path)
        except OSError as move:
            raise StoreError(
                f"{exc}; and it cannot be moved aside ({move.strerror or move})", path=path
            ) from None
        log.warning("%s; moved to %s, and a new cache started", exc.args[0].split(";")[0], moved)
        return db.open_database(path, SCHEMA)
