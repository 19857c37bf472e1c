"""One SQLite file for the translation cache and the translation memory.

* :class:`TranslationCache`: the model's translations of normalised source
  pieces, kept across runs so that repeated sentences are decoded once.  Rows
  are keyed by the piece and by every signature field that can change how the
  model translates a piece (:data:`CACHE_KEY_FIELDS`); least recently used rows
  go first when the cache is over its size.
* :class:`TranslationMemory`: reviewers' translations of whole sentences,
  keyed by the normalised Greek (:func:`translate.normalise.normalise`), with
  where each came from.  The pipeline consults it before the model.

Both can live in the same file (their tables differ) or in separate files.
The file is safe with concurrent readers and one writer at a time: WAL
journal, a busy timeout, and short write transactions (``BEGIN IMMEDIATE``
... ``COMMIT`` around each batch).  ``PRAGMA user_version`` holds the schema
version; a file written by a newer el2en is refused with a clear error rather
than misread.  Like sqlite-utils: stdlib ``sqlite3``, no ORM.

Nothing here runs at import time; :func:`default_memory_path` only computes a
path, and a file is created when a store is opened.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from enum import Enum
from pathlib import Path

from translate.errors import TranslateError
from translate.normalise import normalise
from translate.signature import Signature
from translate.types import Translation

#: Version of the tables below; bump with a migration in :func:`_migrate`.
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
#: Milliseconds a connection waits for another's write lock before failing.
BUSY_TIMEOUT_MS = 10_000
#: Touched rows remembered in memory before their ``last_used`` is written.
_TOUCH_FLUSH = 10_000

_SCHEMA = """
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


class StoreError(TranslateError):
    """The cache or memory file cannot be opened, is damaged, or is too new."""


def default_memory_path() -> Path:
    """Return where the translation memory lives by default.

    ``$EL2EN_MEMORY`` when set, else ``$XDG_DATA_HOME/el2en/memory.sqlite``
    (``~/.local/share/el2en/memory.sqlite`` without XDG_DATA_HOME).  Only
    computes the path: nothing is created.
    """
    explicit = os.environ.get("EL2EN_MEMORY")
    if explicit:
        return Path(explicit).expanduser()
    data_home = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(data_home).expanduser() / "el2en" / "memory.sqlite"


def connect(path: str | Path) -> sqlite3.Connection:
    """Return a connection to the store at ``path``, created and migrated if needed.

    The connection is in autocommit mode; writers wrap each batch in
    ``BEGIN IMMEDIATE`` so that the write lock is taken up front and held
    briefly.  Raises :class:`StoreError` for a file that is not an el2en store
    or that a newer el2en wrote.
    """
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
    except (OSError, sqlite3.Error) as exc:
        raise StoreError(f"{path}: cannot open the store ({exc})") from exc
    try:
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")  # durable at checkpoints; safe in WAL
        _migrate(conn, path)
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise StoreError(f"{path}: not an el2en store, or damaged ({exc})") from exc
    except StoreError:
        conn.close()
        raise
    return conn


def _migrate(conn: sqlite3.Connection, path: Path) -> None:
    """Create the tables in a new file; refuse a file from a newer el2en."""
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    if version > SCHEMA_VERSION:
        raise StoreError(
            f"{path}: written by a newer el2en (store schema {version}; this el2en reads "
            f"up to {SCHEMA_VERSION}); upgrade el2en, or use another file"
        )
    if version == SCHEMA_VERSION:
        return
    with _write(conn):
        # Read again under the write lock: another process may have just created it.
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version == 0:
            tables = conn.execute(
                "SELECT count(*) FROM sqlite_master WHERE type = 'table'"
            ).fetchone()[0]
            if tables:
                raise StoreError(f"{path}: an SQLite file, but not an el2en store")
            # One statement at a time: executescript() would COMMIT our transaction.
            for statement in _SCHEMA.split(";"):
                if statement.strip():
                    conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")


class _write:
    """``with _write(conn):`` one short write transaction, rolled back on error."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def __enter__(self) -> sqlite3.Connection:
        self.conn.execute("BEGIN IMMEDIATE")
        return self.conn

    def __exit__(self, kind: object, value: object, traceback: object) -> None:
        self.conn.execute("COMMIT" if kind is None else "ROLLBACK")


def _size_on_disk(path: Path) -> int:
    """Return the bytes the store takes: the file and its WAL."""
    total = 0
    for name in (path, path.with_name(path.name + "-wal")):
        with contextlib.suppress(OSError):
            total += name.stat().st_size
    return total


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
    ) -> None:
        self.path = Path(path)
        self.max_entries = max_entries
        self.clock = clock
        #: Entries created from now on are this run's: reused, not "cached" (earlier runs').
        self._opened = clock()
        self.key = cache_key(signature) if signature is not None else None
        self.conn = connect(self.path)
        self._signature_id: int | None = None
        self._touched: dict[str, float] = {}
        self._hits = 0
        self._misses = 0
        self._count: int | None = None

    # -- the pipeline's TranslationStore ------------------------------------

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
                    # This run decoded it: the model's output, reused (no "cached" flag).
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

    def put_many(self, items: Mapping[str, Translation]) -> None:
        """Store the model's translations of ``items``' keys (and pending LRU updates)."""
        now = self.clock()
        with _write(self.conn) as conn:
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

    def flush(self) -> None:
        """Write pending ``last_used`` times and hit counts."""
        if not self._touched and not self._hits and not self._misses:
            return
        with _write(self.conn) as conn:
            self._write_touched(conn)

    def prune(self, max_entries: int | None = None) -> int:
        """Delete the least recently used rows beyond ``max_entries``; return how many."""
        limit = self.max_entries if max_entries is None else max_entries
        if limit is None:
            return 0
        self.flush()
        with _write(self.conn) as conn:
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

    def clear(self) -> int:
        """Delete every cached translation (every signature); return how many."""
        self._touched.clear()
        self._hits = self._misses = 0
        with _write(self.conn) as conn:
            removed = conn.execute("SELECT count(*) FROM cache").fetchone()[0]
            conn.execute("DELETE FROM cache")
            # Keep the signature rows: another process may hold their ids.
            conn.execute("UPDATE cache_signature SET hits = 0, misses = 0")
        self._count = 0
        self.conn.execute("VACUUM")  # give the space back; outside a transaction
        return int(removed)

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
            size_bytes=_size_on_disk(self.path),
            hits=sum(s.hits for s in per_signature),
            misses=sum(s.misses for s in per_signature),
            signatures=per_signature,
        )

    def close(self) -> None:
        """Write pending bookkeeping, prune to size, and close the file."""
        try:
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
        if self._count is None:
            self._count = int(self.conn.execute("SELECT count(*) FROM cache").fetchone()[0])
        return self._count


class PutResult(str, Enum):
    """What :meth:`TranslationMemory.put` did with a sentence."""

    #: A Greek sentence the memory did not have.
    NEW = "new"
    #: Already there with the same English: nothing changed.
    SAME = "same"
    #: Already there with another English, which was kept.
    CONFLICT_KEPT = "conflict_kept"
    #: Already there with another English, which was replaced.
    REPLACED = "replaced"


@dataclass(frozen=True, slots=True)
class MemoryEntry:
    """One human translation in the memory."""

    source: str  # the normalised Greek: the key
    el: str  # the Greek as the reviewer saw it
    en: str
    file: str
    unit: str
    imported: str  # ISO 8601, UTC

    @property
    def provenance(self) -> str:
        """Return where the translation came from, as outputs show it."""
        return f"{self.file}#{self.unit} {self.imported}"


def utc_now() -> str:
    """Return the current time as ISO 8601 UTC to the second (``2026-11-27T10:53:57Z``)."""
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class TranslationMemory:
    """Reviewers' translations of whole sentences, keyed by the normalised Greek.

    ``get_many`` (the pipeline's
    :class:`~translate.pipeline.TranslationStore`) takes normalised sentences
    and returns ``Translation(origin="human", provenance=...)``.  Sentences are
    added with :meth:`put` (one reviewed unit, with where it came from).
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.conn = connect(self.path)

    def get_many(self, keys: Sequence[str]) -> dict[str, Translation]:
        """Return the human translations of those normalised sentences that have one."""
        found: dict[str, Translation] = {}
        for start in range(0, len(keys), 500):
            chunk = list(keys[start : start + 500])
            marks = ",".join("?" * len(chunk))
            rows = self.conn.execute(
                f"SELECT source, el, en, file, unit, imported FROM memory "
                f"WHERE source IN ({marks})",
                chunk,
            )
            for row in rows:
                entry = MemoryEntry(*row)
                found[entry.source] = Translation(
                    text=entry.en, origin="human", provenance=entry.provenance
                )
        return found

    def get(self, el: str) -> MemoryEntry | None:
        """Return the entry for the Greek sentence ``el`` (normalised first), if any."""
        row = self.conn.execute(
            "SELECT source, el, en, file, unit, imported FROM memory WHERE source = ?",
            (normalise(el),),
        ).fetchone()
        return MemoryEntry(*row) if row else None

    def put(
        self,
        el: str,
        en: str,
        *,
        file: str,
        unit: str,
        imported: str | None = None,
        replace: bool = False,
    ) -> tuple[PutResult, MemoryEntry | None]:
        """Store ``en`` as the translation of the Greek sentence ``el``.

        Returns what happened and the entry that was there before (None for a
        new sentence).  The same English again changes nothing (``SAME``), so
        importing a file twice is idempotent; another English is a conflict,
        kept unless ``replace``.
        """
        source = normalise(el)
        if not source or not en.strip():
            raise StoreError("a memory entry needs Greek and English text")
        with _write(self.conn) as conn:
            row = conn.execute(
                "SELECT source, el, en, file, unit, imported FROM memory WHERE source = ?",
                (source,),
            ).fetchone()
            before = MemoryEntry(*row) if row else None
            if before is not None and before.en == en:
                return PutResult.SAME, before
            if before is not None and not replace:
                return PutResult.CONFLICT_KEPT, before
            conn.execute(
                "INSERT OR REPLACE INTO memory (source, el, en, file, unit, imported) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (source, el, en, file, unit, imported or utc_now()),
            )
        return (PutResult.NEW if before is None else PutResult.REPLACED), before

    def put_many(self, items: Mapping[str, Translation]) -> None:
        """Store human translations keyed by Greek (the pipeline never calls this)."""
        for el, translation in items.items():
            self.put(el, translation.text, file=translation.provenance or "", unit="")

    def entries(self) -> Iterator[MemoryEntry]:
        """Yield every entry, oldest import first."""
        rows = self.conn.execute(
            "SELECT source, el, en, file, unit, imported FROM memory ORDER BY imported, source"
        )
        for row in rows:
            yield MemoryEntry(*row)

    def __len__(self) -> int:
        return int(self.conn.execute("SELECT count(*) FROM memory").fetchone()[0])

    def fingerprint(self) -> str:
        """Return ``COUNT-HASH``, which changes whenever an entry is added or changed ('' if empty).

        It goes into the signature of outputs made with this memory, so a batch
        job retranslates (from the memory) after a new review is imported.
        """
        import hashlib

        digest = hashlib.sha256()
        count = 0
        for source, en in self.conn.execute("SELECT source, en FROM memory ORDER BY source"):
            digest.update(f"{source}\t{en}\n".encode())
            count += 1
        return f"{count}-{digest.hexdigest()[:10]}" if count else ""

    def close(self) -> None:
        """Close the file."""
        self.conn.close()

    def __enter__(self) -> TranslationMemory:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
