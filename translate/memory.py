"""The translation memory: reviewers' translations of whole sentences, kept across runs.

Keyed by the normalised Greek (:func:`translate.normalise.normalise`), with
where each came from; the pipeline consults it before the model.  The file is
an el2en store (the schema of :mod:`translate.cache`, so cache and memory can
share one file) opened through :mod:`translate.db`.

A run only reads the memory, so it opens it read-only: a memory in a folder
the service user cannot write is still used.  The *default* memory (under the
user's home) is optional: when the home cannot be read, a run goes on without
it after one warning (:func:`default_memory`).  A damaged memory is never
rebuilt: it holds the reviewers' work, so the error names the file and how to
restore it.
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

from translate import db
from translate.cache import SCHEMA_VERSION, STATEMENTS, TABLES
from translate.errors import StoreError
from translate.normalise import normalise
from translate.types import Translation

log = logging.getLogger("translate")

SCHEMA = db.Schema(
    kind="translation memory",
    application_id=db.STORE_APPLICATION_ID,
    version=SCHEMA_VERSION,
    statements=STATEMENTS,
    tables=TABLES,
    fix=(
        "restore {path} from a backup, or move it aside and import the reviewed files "
        "again ('el2en review import')"
    ),
    elsewhere="give el2en a memory of its own (--memory FILE or EL2EN_MEMORY)",
)


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


def default_memory() -> Path | None:
    """Return the default memory's path if there is one to read; None otherwise.

    A service user's home may be missing or unreadable: that is not an error
    for a run, which then translates without the default memory after one
    warning naming the path (instead of a PermissionError traceback).
    """
    path = default_memory_path()
    try:
        if path.is_file():
            return path
        return None
    except OSError as exc:
        log.warning(
            "%s: cannot look for the default translation memory (%s); translating without it "
            "(set EL2EN_MEMORY or --memory to use one)",
            path,
            exc.strerror or exc,
        )
        return None


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


class TranslationMemory:
    """Reviewers' translations of whole sentences, keyed by the normalised Greek.

    ``get_many`` (the pipeline's
    :class:`~translate.pipeline.TranslationStore`) takes normalised sentences
    and returns ``Translation(origin="human", provenance=...)``.  Sentences are
    added with :meth:`put` (one reviewed unit, with where it came from).
    """

    def __init__(self, path: str | Path, *, readonly: bool = False) -> None:
        self.path = Path(path)
        self.schema = SCHEMA
        self.conn = db.open_database(self.path, SCHEMA, readonly=readonly)

    @db.guarded
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

    @db.guarded
    def get(self, el: str) -> MemoryEntry | None:
        """Return the entry for the Greek sentence ``el`` (normalised first), if any."""
        row = self.conn.execute(
            "SELECT source, el, en, file, unit, imported FROM memory WHERE source = ?",
            (normalise(el),),
        ).fetchone()
        return MemoryEntry(*row) if row else None

    @db.guarded
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
        with db.write(self.conn) as conn:
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
                (source, el, en, file, unit, imported or db.utc_text()),
            )
        return (PutResult.NEW if before is None else PutResult.REPLACED), before

    @db.guarded
    def put_all(
        self,
        units: Sequence[tuple[str, str, str, str]],
        *,
        imported: str | None = None,
        replace: bool = False,
    ) -> list[tuple[PutResult, MemoryEntry | None]]:
        """Store every ``(el, en, file, unit)`` as :meth:`put` does, in one transaction.

        All or nothing: ``el2en review import`` validates a whole file first and
        then stores it here, so a failure (a full disk, a read-only file, a
        signal) never leaves half a file in the memory.
        """
        stamp = imported or db.utc_text()
        results: list[tuple[PutResult, MemoryEntry | None]] = []
        with db.write(self.conn) as conn:
            for el, en, file, unit in units:
                source = normalise(el)
                if not source or not en.strip():
                    raise StoreError(f"{file}#{unit}: a memory entry needs Greek and English text")
                row = conn.execute(
                    "SELECT source, el, en, file, unit, imported FROM memory WHERE source = ?",
                    (source,),
                ).fetchone()
                before = MemoryEntry(*row) if row else None
                if before is not None and before.en == en:
                    results.append((PutResult.SAME, before))
                    continue
                if before is not None and not replace:
                    results.append((PutResult.CONFLICT_KEPT, before))
                    continue
                conn.execute(
                    "INSERT OR REPLACE INTO memory (source, el, en, file, unit, imported) "
                    "VALUES (?, ?, ?, ?, ?, ?)",
                    (source, el, en, file, unit, stamp),
                )
                results.append((PutResult.NEW if before is None else PutResult.REPLACED, before))
        return results

    def put_many(self, items: Mapping[str, Translation]) -> None:
        """Store human translations keyed by Greek (the pipeline never calls this)."""
        for el, translation in items.items():
            self.put(el, translation.text, file=translation.provenance or "", unit="")

    @db.guarded
    def entries(self) -> Iterator[MemoryEntry]:
        """Return every entry, oldest import first (read whole, so errors surface here)."""
        rows = self.conn.execute(
            "SELECT source, el, en, file, unit, imported FROM memory ORDER BY imported, source"
        ).fetchall()
        return iter([MemoryEntry(*row) for row in rows])

    @db.guarded
    def __len__(self) -> int:
        return int(self.conn.execute("SELECT count(*) FROM memory").fetchone()[0])

    @db.guarded
    def fingerprint(self) -> str:
        """Return ``COUNT-HASH``, which changes whenever an entry is added or changed ('' if empty).

        It goes into the signature of outputs made with this memory, so a batch
        job retranslates (from the memory) after a new review is imported.
        """
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
