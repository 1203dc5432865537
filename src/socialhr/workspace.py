"""The workspace: a folder with the analytics database, its settings, and the vault.

::

    workspace/
      socialhr.duckdb        analytics database (pseudonymous only)
      socialhr.toml          settings (see socialhr.config)
      vault/                 mode 0700, keep apart from the analytics database
        pseudonymisation.key mode 0600
        identities.sqlite    token -> real identifier

>>> import tempfile, pathlib
>>> ws = Workspace.init(pathlib.Path(tempfile.mkdtemp()) / "ws")
>>> ws.status()["counts"]["people"]
0
>>> ws.close()
"""

from __future__ import annotations

import json
import os
import stat
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterator

import duckdb

from . import __version__, config
from .errors import VaultError, WorkspaceError
from .privacy import Pseudonymiser, Vault
from .schema import MIGRATIONS, OPTIONAL_FOR_READING, SCHEMA_VERSION
from .sql import quote_identifier

DB_FILE = "socialhr.duckdb"
SETTINGS_FILE = "socialhr.toml"


class Workspace:
    """An open workspace. Build with :meth:`init` or :meth:`open`; close when done."""

    def __init__(self, path: Path, settings: dict[str, Any], db: duckdb.DuckDBPyConnection):
        self.path = path
        self.settings = settings
        self.db = db
        self.vault = Vault(_vault_dir(path, settings))
        self._pseudonymiser: Pseudonymiser | None = None
        # What the read path computed for this open workspace (socialhr.results), keyed by what it depends on.
        self.cache: dict[str, Any] = {}
        self._cursors: list[duckdb.DuckDBPyConnection] = []
        # What opening found and settled of an interrupted import (socialhr.recovery), in words.
        self.repairs: list[str] = []

    # -- lifecycle -------------------------------------------------------
    @classmethod
    def init(cls, path: str | Path, *, settings: dict[str, Any] | None = None) -> "Workspace":
        """Create a new workspace folder (it must not hold one already)."""
        path = Path(path)
        if (path / DB_FILE).exists() or (path / SETTINGS_FILE).exists():
            raise WorkspaceError(f"{path} already holds a socialhr workspace", hint="Choose another folder, or use the existing one.")
        if path.exists() and not path.is_dir():
            raise WorkspaceError(f"{path} exists and is not a folder")
        values = config.validate(settings or {})
        path.mkdir(parents=True, exist_ok=True, mode=0o700)
        os.chmod(path, 0o700)  # (also when the folder was there, empty)
        _write_private(path / SETTINGS_FILE, config.dumps(values))
        Vault.create(_vault_dir(path, values))
        db = _connect(path / DB_FILE, values)
        db.execute("BEGIN")
        _migrate(db, sorted(MIGRATIONS), _key_from_vault(path, values, 0))  # (an empty database: nothing to rewrite)
        db.execute("INSERT INTO meta VALUES ('schema_version', ?), ('created_by', ?)", [str(SCHEMA_VERSION), __version__])
        db.execute("COMMIT")
        _owner_only(path)
        return cls(path, values, db)

    @classmethod
    def open(cls, path: str | Path, *, read_only: bool = False) -> "Workspace":
        """Open an existing workspace, upgrading its schema if it is older."""
        path = Path(path)
        if not (path / DB_FILE).exists():
            if path.exists() and (path / SETTINGS_FILE).exists():
                raise WorkspaceError(f"{path} has settings but no {DB_FILE}", hint="Restore the database from backup, or run 'socialhr init' in a new folder.")
            raise WorkspaceError(f"{path} is not a socialhr workspace", hint=f"Create one with: socialhr init {path}")
        values = config.load(path / SETTINGS_FILE)
        if not read_only:
            _owner_only(path)  # (workspaces made before socialhr kept them private)
        db = _connect(path / DB_FILE, values, read_only=read_only)
        try:
            version = int(db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()[0])
        except (duckdb.Error, TypeError):
            db.close()
            raise WorkspaceError(f"{path / DB_FILE} is not a socialhr database (no schema version)") from None
        if version > SCHEMA_VERSION:
            db.close()
            raise WorkspaceError(
                f"{path} was made by a newer socialhr (schema {version}; this is socialhr {__version__} with schema {SCHEMA_VERSION})",
                hint="Upgrade with: pip install --upgrade socialhr",
            )
        pending = set(range(version + 1, SCHEMA_VERSION + 1))
        if pending and read_only and pending <= OPTIONAL_FOR_READING:
            pending = set()  # what is missing would read the same (a faster view, a relaxed rule): read as it is
        if pending:
            if read_only:
                db.close()
                raise WorkspaceError(f"{path} has schema {version} and needs upgrading to {SCHEMA_VERSION}", hint="Open it once without read-only access (any socialhr command that writes) to upgrade it.")
            db.execute("BEGIN")
            try:
                if _migrate(db, range(version + 1, SCHEMA_VERSION + 1), _key_from_vault(path, values, version)):
                    # (Recorded with the migration, so a rewrite that fails is done on the next open.)
                    db.execute(f"INSERT OR REPLACE INTO meta VALUES ('{_REWRITE_PENDING}', 'yes')")
                db.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", [str(SCHEMA_VERSION)])
                db.execute("COMMIT")
            except BaseException:
                try:
                    db.execute("ROLLBACK")
                finally:
                    db.close()
                raise
        if not read_only and db.execute(f"SELECT count(*) FROM meta WHERE key = '{_REWRITE_PENDING}'").fetchone()[0]:
            db = _rewritten(path / DB_FILE, values, db)
        ws = cls(path, values, db)
        if not read_only:  # (a read-only open changes nothing; the next open that may write reconciles)
            from .recovery import reconcile

            try:
                ws.repairs = reconcile(ws)
            except BaseException:
                ws.close()
                raise
        return ws

    def close(self) -> None:
        for cursor in self._cursors:
            cursor.close()
        self._cursors.clear()
        self.vault.close()
        self.db.close()

    def cursor(self) -> duckdb.DuckDBPyConnection:
        """Another connection to the analytics database, for a read that streams while others run; closed with the workspace."""
        cursor = self.db.cursor()
        self._cursors.append(cursor)
        return cursor

    def __enter__(self) -> "Workspace":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- pieces used by the batch path and analyses ----------------------
    @property
    def pseudonymiser(self) -> Pseudonymiser:
        if self._pseudonymiser is None:
            self._pseudonymiser = Pseudonymiser(self.vault.key())
        return self._pseudonymiser

    @contextmanager
    def transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """All or nothing on the analytics database."""
        self.db.execute("BEGIN")
        try:
            yield self.db
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        else:
            self.db.execute("COMMIT")

    def org_domains(self) -> list[str]:
        """The organization's e-mail domains: the setting, else the roster's."""
        if self.settings["org_domains"]:
            return [d.lower() for d in self.settings["org_domains"]]
        row = self.db.execute("SELECT value FROM meta WHERE key = 'org_domains'").fetchone()
        return json.loads(row[0]) if row else []

    def column_map(self, kind: str) -> dict[str, str]:
        return dict(self.settings["column_map"].get(kind, {}))

    # -- reporting -------------------------------------------------------
    def counts(self) -> dict[str, int]:
        q = self.db.execute
        counts = {
            "people": q("SELECT count(*) FROM people").fetchone()[0],
            "people_records": q("SELECT count(*) FROM people_history").fetchone()[0],
            "interactions": q("SELECT count(*) FROM interaction_rows").fetchone()[0],
            "ties": q("SELECT count(*) FROM ties").fetchone()[0],
            "outcomes": q("SELECT count(*) FROM outcomes").fetchone()[0],
            "groups": q("SELECT count(*) FROM groups").fetchone()[0],
        }
        by_status = dict(q("SELECT status, count(*) FROM identities GROUP BY status").fetchall())
        counts["identities_resolved"] = by_status.get("person", 0)
        counts["unresolved_identities"] = by_status.get("unresolved", 0)
        counts["external_identities"] = by_status.get("external", 0)
        counts["batches"] = q("SELECT count(*) FROM ingestion_log").fetchone()[0]
        return counts

    def batches(self) -> list[dict[str, Any]]:
        rows = self.db.execute(
            "SELECT batch_id, source_kind, file_name, content_hash, rows_read, rows_imported, rows_skipped, "
            "skipped, notes, status, started_at, finished_at FROM ingestion_log ORDER BY batch_id"
        )
        cols = [d[0] for d in rows.description]
        out = []
        for row in rows.fetchall():
            rec = dict(zip(cols, row))
            rec["skipped"] = json.loads(rec["skipped"]) if rec["skipped"] else {}
            rec["notes"] = json.loads(rec["notes"]) if rec["notes"] else {}
            rec["started_at"] = rec["started_at"].isoformat()
            rec["finished_at"] = rec["finished_at"].isoformat()
            out.append(rec)
        return out

    def status(self) -> dict[str, Any]:
        """What the workspace holds: counts, batches, settings that matter."""
        span = self.db.execute('SELECT min("timestamp"), max("timestamp") FROM interaction_rows').fetchone()
        return {
            "workspace": str(self.path),
            "schema_version": SCHEMA_VERSION,
            "timezone": self.settings["timezone"],
            "min_group_size": self.settings["min_group_size"],
            "vault": "present" if self.vault.available else "absent",
            "counts": self.counts(),
            "interactions_span": [span[0].isoformat(), span[1].isoformat()] if span[0] else None,
            "batches": self.batches(),
        }


def _write_private(path: Path, text: str) -> None:
    """Write a new file readable and writable by its owner only."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)


def _owner_only(path: Path) -> None:
    """The workspace folder mode 0700, its database and settings 0600 (they hold the organization's network).

    DuckDB makes its write-ahead log and spill files with the process's umask;
    inside a folder of mode 0700 nobody else can reach them either.
    """
    for p, mode in ((path, 0o700), (path / SETTINGS_FILE, 0o600), (path / DB_FILE, 0o600), (path / (DB_FILE + ".wal"), 0o600)):
        try:
            st = os.lstat(p)
        except FileNotFoundError:
            continue
        if st.st_uid == os.getuid() and stat.S_IMODE(st.st_mode) & ~mode and not stat.S_ISLNK(st.st_mode):
            os.chmod(p, stat.S_IMODE(st.st_mode) & mode)


def _vault_dir(path: Path, settings: dict[str, Any]) -> Path:
    vault_dir = Path(settings["vault_path"])
    return vault_dir if vault_dir.is_absolute() else path / vault_dir


def _migrate(db: duckdb.DuckDBPyConnection, versions, key: Callable[[str], Pseudonymiser]) -> bool:
    """Run the migrations of ``versions`` in order (inside the caller's transaction);
    True when one asks for the database file to be rewritten (see schema.PythonStep)."""
    rewrite = False
    for v in versions:
        for step in MIGRATIONS[v]:
            if isinstance(step, str):
                db.execute(step)
            else:
                rewrite = bool(step(db, key)) or rewrite
    return rewrite


def _key_from_vault(path: Path, settings: dict[str, Any], version: int) -> Callable[[str], Pseudonymiser]:
    """What a migration step calls for the workspace's key: a Pseudonymiser, or a WorkspaceError that says why it is needed."""

    def key(why: str) -> Pseudonymiser:
        vault = Vault(_vault_dir(path, settings))
        try:
            return Pseudonymiser(vault.key())
        except VaultError:
            raise WorkspaceError(
                f"{path} has schema {version}, {why}, which needs the pseudonymisation key; the vault is not here: {vault.dir}",
                hint="Open it once where its vault is (any socialhr command that writes), then copy the upgraded database.",
            ) from None

    return key


# A meta key set while a migration's rewrite of the database file (below) is due.
_REWRITE_PENDING = "rewrite_pending"


def _rewritten(db_path: Path, settings: dict[str, Any], db: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """Copy the database into a new file that replaces it, and open that: DuckDB reuses the
    blocks a migration freed without clearing them, so values it replaced (context
    texts) would otherwise stay readable in the file. Rows keep their order."""
    fresh = db_path.with_name(db_path.name + ".rewrite")
    for leftover in (fresh, fresh.with_name(fresh.name + ".wal")):
        leftover.unlink(missing_ok=True)
    name = db.execute("SELECT current_database()").fetchone()[0]
    db.execute("SET preserve_insertion_order = true")
    # (ATTACH takes no parameters: the path, the workspace's own, is a quoted literal.)
    db.execute(f"ATTACH '{str(fresh).replace(chr(39), chr(39) * 2)}' AS socialhr_rewrite")
    try:
        db.execute(f"COPY FROM DATABASE {quote_identifier(name)} TO socialhr_rewrite")
        db.execute("DETACH socialhr_rewrite")
    except BaseException:
        db.close()
        fresh.unlink(missing_ok=True)
        raise
    db.close()
    os.chmod(fresh, stat.S_IMODE(os.stat(db_path).st_mode))
    os.replace(fresh, db_path)
    db = _connect(db_path, settings)
    db.execute(f"DELETE FROM meta WHERE key = '{_REWRITE_PENDING}'")
    return db


def _connect(db_path: Path, settings: dict[str, Any], *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    cfg = {"memory_limit": settings["duckdb_memory_limit"], "preserve_insertion_order": False}
    if settings["duckdb_threads"]:
        cfg["threads"] = settings["duckdb_threads"]
    try:
        db = duckdb.connect(str(db_path), read_only=read_only, config=cfg)
    except duckdb.IOException as e:
        if "lock" in str(e).lower():
            raise WorkspaceError(f"{db_path.parent} is in use by another socialhr process", hint="Wait for it to finish, or stop it (a running 'socialhr serve' holds the workspace).") from None
        raise WorkspaceError(f"cannot open {db_path}: {e}") from None
    # Everything is stored and computed in UTC; the workspace's zone only
    # applies to naive timestamps at import.
    db.execute("SET TimeZone = 'UTC'")
    # No DuckDB progress bar: it would print into the output of a library call (the CLI shows its own).
    db.execute("SET enable_progress_bar = false")
    return db
