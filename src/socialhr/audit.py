"""The audit trail: every view of person-level data and every export, with who, what and when.

Kept in ``audit.sqlite`` (mode 0600) in the workspace folder, written by the web
app and by the command line (``socialhr export`` and ``socialhr report``: who is
the operating-system user, role ``cli``), read by admins (``GET /api/audit``, the
page ``/admin/audit``, ``socialhr audit DIR``). Rows are only ever added.
This module is apart from the web package so that the command line records
exports without importing the web app (``socialhr.web.audit`` is the same class).

>>> import tempfile, pathlib
>>> trail = AuditTrail(pathlib.Path(tempfile.mkdtemp()))
>>> trail.record("ada", "analyst", "view", "person_metrics", {"window": "2024-W01"})
>>> [(r["username"], r["action"], r["what"]) for r in trail.rows()]
[('ada', 'view', 'person_metrics')]
"""

from __future__ import annotations

import getpass
import json
import os
import sqlite3
from contextlib import closing
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

FILE = "audit.sqlite"


class AuditTrail:
    def __init__(self, folder: Path):
        self.path = Path(folder) / FILE
        self._made = False

    def _connect(self) -> sqlite3.Connection:
        if not self._made:
            self._make()
        conn = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        conn.execute("PRAGMA busy_timeout=30000")
        return conn

    def _make(self) -> None:
        """The file and its table, made once (before the server's threads write to it)."""
        fresh = not self.path.exists()
        with closing(sqlite3.connect(self.path, timeout=30, isolation_level=None)) as conn:
            conn.execute("PRAGMA busy_timeout=30000")
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("CREATE TABLE IF NOT EXISTS audit (seq INTEGER PRIMARY KEY, at TEXT NOT NULL, username TEXT NOT NULL, "
                         "role TEXT NOT NULL, action TEXT NOT NULL, what TEXT NOT NULL, detail TEXT, client TEXT)")
        if fresh:
            os.chmod(self.path, 0o600)
        self._made = True

    def record(self, username: str, role: str, action: str, what: str, detail: dict[str, Any] | None = None,
               client: str | None = None) -> None:
        """Add one line: ``action`` is ``view``, ``export``, ``download`` or ``admin``; ``what`` the table or page."""
        at = datetime.now(timezone.utc).isoformat(timespec="seconds")
        with closing(self._connect()) as conn:
            conn.execute("INSERT INTO audit (at, username, role, action, what, detail, client) VALUES (?, ?, ?, ?, ?, ?, ?)",
                         [at, username, role, action, what, json.dumps(detail or {}, sort_keys=True, default=str), client])

    def rows(self, *, limit: int = 1000, username: str | None = None, action: str | None = None,
             offset: int = 0) -> list[dict[str, Any]]:
        """The newest ``limit`` lines after skipping ``offset``, newest first; only ``username``'s or ``action``'s if given."""
        if not self.path.exists():
            return []
        sql, params = self._where(username, action)
        sql = "SELECT seq, at, username, role, action, what, detail, client FROM audit" + sql + " ORDER BY seq DESC LIMIT ? OFFSET ?"
        params += [max(0, int(limit)), max(0, int(offset))]
        with closing(self._connect()) as conn:
            out = conn.execute(sql, params).fetchall()
        return [{"seq": s, "at": a, "username": u, "role": r, "action": ac, "what": w, "detail": json.loads(d or "{}"), "client": c}
                for s, a, u, r, ac, w, d, c in out]

    def count(self, *, username: str | None = None, action: str | None = None) -> int:
        """How many lines there are (of ``username``, of ``action``)."""
        if not self.path.exists():
            return 0
        sql, params = self._where(username, action)
        with closing(self._connect()) as conn:
            return conn.execute("SELECT count(*) FROM audit" + sql, params).fetchone()[0]

    @staticmethod
    def _where(username: str | None, action: str | None) -> tuple[str, list[Any]]:
        clauses, params = [], []
        for column, value in (("username", username), ("action", action)):
            if value:
                clauses.append(f"{column} = ?")
                params.append(value)
        return (" WHERE " + " AND ".join(clauses) if clauses else ""), params


def os_user() -> str:
    """Who runs this process, as the operating system knows them (the command line's "who")."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # (no name for the uid, e.g. in a container)
        return f"uid {os.getuid()}"


def record_cli(folder: Path, action: str, what: str, detail: dict[str, Any] | None = None) -> None:
    """A line for a command-line action: who is the operating-system user, role ``cli``."""
    AuditTrail(folder).record(os_user(), "cli", action, what, detail, client="cli")
