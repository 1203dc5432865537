"""The one batch path every importer shares.

A batch is one imported file (or folder). It lands whole or not at all: the
analytics database and the vault each run in a transaction, the analytics one
commits first, and any error rolls both back. Content seen before (same kind,
same SHA-256 of the bytes) is recognised and changes nothing.

Importers use it like this::

    with Batch(ws, "roster", path) as batch:
        ... insert rows tagged with batch.batch_id ...
        batch.rows_read += n
        batch.skip("duplicates", 3)
    result = batch.result
"""

from __future__ import annotations

import hashlib
import json
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..workspace import Workspace


@dataclass
class BatchResult:
    """What one import did; ``status`` is ``imported`` or ``duplicate``."""

    batch_id: int | None
    kind: str
    file: str
    status: str
    rows_read: int = 0
    rows_imported: int = 0
    rows_skipped: int = 0
    skipped: dict[str, int] = field(default_factory=dict)
    notes: dict[str, Any] = field(default_factory=dict)
    duplicate_of: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def content_hash(path: Path, *, chunk: int = 1 << 20) -> str:
    """SHA-256 of a file's bytes, or of a folder's files (relative names and bytes, in name order)."""
    h = hashlib.sha256()
    if path.is_dir():
        for p in sorted(q for q in path.rglob("*") if q.is_file()):
            h.update(str(p.relative_to(path)).encode() + b"\0")
            _update(h, p, chunk)
    else:
        _update(h, path, chunk)
    return h.hexdigest()


def _update(h: "hashlib._Hash", path: Path, chunk: int) -> None:
    with open(path, "rb") as f:
        while block := f.read(chunk):
            h.update(block)


class Batch:
    """One batch (see the module docstring).

    With ``hash_alongside``, the content hash is computed in a thread while
    the importer works, and a duplicate is recognised when the batch ends: its
    rows are then rolled back and the result is ``duplicate`` as usual. For
    large files read once (interactions), that takes the hash (about a second
    per GB) off the import's time; a duplicate then costs an import's time
    instead of a hash's.
    """

    def __init__(self, ws: Workspace, kind: str, path: str | Path, *, digest: str | None = None,
                 hash_alongside: bool = False):
        self.ws = ws
        self.kind = kind
        self.path = Path(path)
        if not self.path.exists():
            raise InputError(f"no such file or folder: {self.path}", hint="Check the path; it is relative to where you run the command.")
        self._hashing: Future | None = None
        if digest is None and hash_alongside:
            pool = ThreadPoolExecutor(1, thread_name_prefix="socialhr-hash")
            self._hashing = pool.submit(content_hash, self.path)
            pool.shutdown(wait=False)  # (the thread ends when the hash is done)
            self.digest = None
        else:
            self.digest = digest or content_hash(self.path)
        self.batch_id: int | None = None
        self.rows_read = 0
        self.rows_imported = 0
        self.skipped: dict[str, int] = {}
        self.notes: dict[str, Any] = {}
        self.result: BatchResult | None = None
        self.duplicate_of: int | None = None
        self._open = False
        self._started = datetime.now(timezone.utc)

    def skip(self, reason: str, count: int = 1) -> None:
        """Count rows left out on purpose (bots, broadcasts, duplicates...)."""
        if count:
            self.skipped[reason] = self.skipped.get(reason, 0) + count

    def find_duplicate(self) -> int | None:
        row = self.ws.db.execute(
            "SELECT batch_id FROM ingestion_log WHERE source_kind = ? AND content_hash = ? AND status = 'imported'",
            [self.kind, self.digest],
        ).fetchone()
        return row[0] if row else None

    def __enter__(self) -> "Batch":
        self.duplicate_of = None if self._hashing is not None else self.find_duplicate()
        if self.duplicate_of is not None:
            self.result = BatchResult(None, self.kind, self.path.name, "duplicate", duplicate_of=self.duplicate_of)
            return self
        db = self.ws.db
        db.execute("BEGIN")
        self.batch_id = db.execute("SELECT coalesce(max(batch_id), 0) + 1 FROM ingestion_log").fetchone()[0]
        self.ws.vault.begin()
        self._open = True
        return self

    def abort(self) -> None:
        """Roll back now (an importer calls this before it raises, to clean up outside the transaction)."""
        if self._open:
            self._open = False
            self.ws.db.execute("ROLLBACK")
            self.ws.vault.rollback()

    def restart(self) -> None:
        """Undo everything written so far and begin again, keeping the batch id.

        For an importer whose fast bulk path failed and that reruns the
        file on a slower path to find the exact bad line.
        """
        if self._open:
            self.ws.db.execute("ROLLBACK")
            self.ws.vault.rollback()
            self.ws.db.execute("BEGIN")
            self.ws.vault.begin()

    @property
    def is_duplicate(self) -> bool:
        return self.duplicate_of is not None

    def __exit__(self, exc_type, exc, tb) -> bool:
        if self.is_duplicate:
            return False
        db = self.ws.db
        if exc_type is not None:
            self.abort()
            return False
        if not self._open:
            raise RuntimeError("batch was aborted but no error was raised")
        if self._hashing is not None:  # (hashed alongside: was this content imported before?)
            try:
                self.digest, self._hashing = self._hashing.result(), None
                self.duplicate_of = self.find_duplicate()
            except BaseException:
                self.abort()
                raise
            if self.duplicate_of is not None:
                self.abort()
                self.result = BatchResult(None, self.kind, self.path.name, "duplicate", duplicate_of=self.duplicate_of)
                return False
        self._open = False
        rows_skipped = sum(self.skipped.values())
        db.execute(
            "INSERT INTO ingestion_log VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'imported', ?, ?)",
            [
                self.batch_id, self.kind, self.path.name, self.digest, self.rows_read, self.rows_imported,
                rows_skipped, json.dumps(self.skipped), json.dumps(self.notes, default=str),
                self._started, datetime.now(timezone.utc),
            ],
        )
        try:
            db.execute("COMMIT")
        except Exception:
            self.ws.vault.rollback()
            raise
        self.ws.vault.commit()
        self.result = BatchResult(
            self.batch_id, self.kind, self.path.name, "imported", self.rows_read, self.rows_imported,
            rows_skipped, dict(self.skipped), dict(self.notes),
        )
        return False
