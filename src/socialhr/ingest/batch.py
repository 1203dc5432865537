"""The one batch path every importer shares.

A batch is one imported file (or folder). It lands whole or not at all:

* **What was read is what is recorded.** The file (or every file of a folder)
  is looked at before the importer reads it and again at the end
  (:class:`~.content.Snapshot`); if it changed in between (still being written,
  truncated, replaced, a file added to the folder), the batch is refused and
  nothing is stored. Content seen before (same kind, same SHA-256, see
  :mod:`.content`) is recognised and changes nothing.
* **Both stores or neither.** The analytics database and the vault each run in
  a transaction, and any error rolls both back. They cannot commit together,
  so the vault commits first with a marker of the batch, then the analytics
  database, then the marker is cleared; a process killed in between leaves the
  marker, and the next open of the workspace settles the batch or undoes the
  vault's part of it (:mod:`socialhr.recovery`).

Importers use it like this::

    with Batch(ws, "roster", path) as batch:
        ... insert rows tagged with batch.batch_id ...
        batch.rows_read += n
        batch.skip("duplicates", 3)
    result = batch.result

Fault injection (for tests of the two commits, documented in
docs/data-model.md): with the environment variable ``SOCIALHR_FAULT`` set to
``between-commits`` the process kills itself (SIGKILL) after the vault's commit
and before the analytics database's; with ``after-commits``, after both and
before the vault's marker is cleared.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterator

import duckdb

from ..errors import InputError
from ..workspace import Workspace
from .content import Snapshot, content_hash, content_hashes

__all__ = ["Batch", "BatchResult", "content_hash", "watching"]

CHANGED_HINT = ("Nothing was stored. Import it again once it is completely written "
                "(a copy, download or export may still have been running).")


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


# The snapshot taken by :func:`watching`, for the batch of the same path.
_WATCHED: ContextVar[tuple[Path, Snapshot] | None] = ContextVar("socialhr_watched", default=None)


@contextmanager
def watching(path: str | Path) -> Iterator[None]:
    """Look at ``path`` now, before an importer reads any of it (its header, its
    listing), so that the batch it opens compares the file at its end with this.

    :func:`socialhr.ingest.ingest` wraps every import in it; a batch opened
    outside one looks at its file when it is made.
    """
    token = _WATCHED.set((Path(path).resolve(), Snapshot.of(path)))
    try:
        yield
    finally:
        _WATCHED.reset(token)


def _fault(point: str) -> None:
    """The fault-injection hook (module docstring): die here, as a crash would."""
    if os.environ.get("SOCIALHR_FAULT") == point:
        os.kill(os.getpid(), signal.SIGKILL)


class Batch:
    """One batch (see the module docstring).

    With ``hash_alongside``, the content hash is computed in a thread while
    the importer works, and a duplicate is recognised when the batch ends: its
    rows are then rolled back and the result is ``duplicate`` as usual. For
    large files read once (interactions), that takes the hash (about a second
    per GB) off the import's time; a duplicate then costs an import's time
    instead of a hash's. With ``text_lines``, the file is line-oriented text
    hashed as its readers read it (:class:`~.content.LineText`).
    """

    def __init__(self, ws: Workspace, kind: str, path: str | Path, *, digest: str | None = None,
                 hash_alongside: bool = False, text_lines: bool = False):
        self.ws = ws
        self.kind = kind
        self.path = Path(path)
        if not self.path.exists():
            raise InputError(f"no such file or folder: {self.path}", hint="Check the path; it is relative to where you run the command.")
        watched = _WATCHED.get()
        self._before = watched[1] if watched is not None and watched[0] == self.path.resolve() else Snapshot.of(self.path)
        self._hashing: Future | None = None
        self._raw_digest: str | None = None  # the hash of the bytes as they are, when text was read otherwise
        if digest is None and hash_alongside:
            pool = ThreadPoolExecutor(1, thread_name_prefix="socialhr-hash")
            self._hashing = pool.submit(content_hashes, self.path, text_lines=text_lines)
            pool.shutdown(wait=False)  # (the thread ends when the hash is done)
            self.digest = None
        elif digest is not None:
            self.digest = digest
        else:
            self.digest, self._raw_digest = self._hash(text_lines)
        self.batch_id: int | None = None
        self.rows_read = 0
        self.rows_imported = 0
        self.skipped: dict[str, int] = {}
        self.notes: dict[str, Any] = {}
        self.result: BatchResult | None = None
        self.duplicate_of: int | None = None
        self._open = False
        self._started = datetime.now(timezone.utc)

    def _hash(self, text_lines: bool) -> tuple[str, str]:
        try:
            return content_hashes(self.path, text_lines=text_lines)
        except OSError as e:
            raise self.changed() or InputError(f"cannot read it ({e.strerror or e})", file=self.path) from None

    def changed(self) -> InputError | None:
        """The error that refuses the batch if the file or folder changed since it was first looked at."""
        change = Snapshot.of(self.path).change_since(self._before)
        if change is None:
            return None
        what = "folder" if self._before.folder else "file"
        return InputError(f"the {what} changed while it was being imported ({change})", file=self.path, hint=CHANGED_HINT)

    def skip(self, reason: str, count: int = 1) -> None:
        """Count rows left out on purpose (bots, broadcasts, duplicates...)."""
        if count:
            self.skipped[reason] = self.skipped.get(reason, 0) + count

    def find_duplicate(self) -> int | None:
        # (A batch before schema 8 recorded the hash of text as it is, not as read.)
        row = self.ws.db.execute(
            "SELECT min(batch_id) FROM ingestion_log WHERE source_kind = ? AND content_hash IN (?, ?) AND status = 'imported'",
            [self.kind, self.digest, self._raw_digest or self.digest],
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
        self.ws.vault.begin(self.batch_id)
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
            self.ws.vault.begin(self.batch_id)

    @property
    def is_duplicate(self) -> bool:
        return self.duplicate_of is not None

    def __exit__(self, exc_type, exc, tb) -> bool:
        if self.is_duplicate:
            return False
        if exc_type is not None:
            self.abort()
            if issubclass(exc_type, Exception) and (changed := self.changed()) is not None:
                raise changed from None  # (the file changing is what went wrong: a cut file fails to parse)
            return False
        if not self._open:
            raise RuntimeError("batch was aborted but no error was raised")
        changed = self.changed()
        if changed is not None:
            self.abort()
            raise changed
        if self._hashing is not None:  # (hashed alongside: was this content imported before?)
            try:
                (self.digest, self._raw_digest), self._hashing = self._hashing.result(), None
                self.duplicate_of = self.find_duplicate()
            except OSError as e:
                self.abort()
                raise self.changed() or InputError(f"cannot read it ({e.strerror or e})", file=self.path) from None
            except BaseException:
                self.abort()
                raise
            if self.duplicate_of is not None:
                self.abort()
                self.result = BatchResult(None, self.kind, self.path.name, "duplicate", duplicate_of=self.duplicate_of)
                return False
        self._commit()
        rows_skipped = sum(self.skipped.values())
        self.result = BatchResult(
            self.batch_id, self.kind, self.path.name, "imported", self.rows_read, self.rows_imported,
            rows_skipped, dict(self.skipped), dict(self.notes),
        )
        return False

    def _commit(self) -> None:
        """Log the batch and commit both stores: the vault (with the batch's marker), then the
        analytics database, then clear the marker (see the module docstring)."""
        self._open = False
        db, vault = self.ws.db, self.ws.vault
        db.execute(
            "INSERT INTO ingestion_log VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'imported', ?, ?)",
            [
                self.batch_id, self.kind, self.path.name, self.digest, self.rows_read, self.rows_imported,
                sum(self.skipped.values()), json.dumps(self.skipped), json.dumps(self.notes, default=str),
                self._started, datetime.now(timezone.utc),
            ],
        )
        try:
            vault.prepare(self.batch_id, self.kind, self.path.name, self.digest)
        except BaseException:
            db.execute("ROLLBACK")
            vault.rollback()
            raise
        _fault("between-commits")
        try:
            db.execute("COMMIT")
        except BaseException:
            try:
                db.execute("ROLLBACK")
            except duckdb.Error:
                pass  # (the failed commit already ended the transaction)
            vault.undo(self.batch_id)
            raise
        _fault("after-commits")
        try:
            vault.settle(self.batch_id)
        except sqlite3.Error:
            pass  # both stores hold the batch; the next open clears the marker
