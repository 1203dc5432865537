"""Who may sign in to ``socialhr serve``: local accounts, their sessions, and the log-in rate limit.

Accounts live in the identity vault's folder (``web.sqlite``, mode 0600), apart
from the analytics database: a username and the employee it belongs to identify
a person. Passwords are hashed with argon2id (argon2-cffi's defaults, RFC 9106).

A session is a random token in an HttpOnly cookie; only its SHA-256 is stored,
so a copy of this file opens no session. Each session has its own CSRF token,
which every form and every API call that changes something must send back.

>>> import tempfile, pathlib
>>> store = Accounts(pathlib.Path(tempfile.mkdtemp()))
>>> store.add("ada", "analyst", "correct horse battery")
>>> store.verify("ada", "correct horse battery").role
'analyst'
>>> store.verify("ada", "wrong") is None
True
"""

from __future__ import annotations

import hashlib
import os
import secrets
import sqlite3
import time
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from ..errors import InputError
from ..results.viewer import ROLES, Viewer

FILE = "web.sqlite"
MIN_PASSWORD = 10  # characters (NIST SP 800-63B asks for at least 8)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
    username TEXT PRIMARY KEY, role TEXT NOT NULL, person TEXT, scope_field TEXT, scope_value TEXT,
    password_hash TEXT, created_at REAL NOT NULL, disabled INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS sessions (
    token_hash TEXT PRIMARY KEY, username TEXT NOT NULL, csrf TEXT NOT NULL, created_at REAL NOT NULL, expires_at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS login_failures (key TEXT NOT NULL, at REAL NOT NULL);
CREATE INDEX IF NOT EXISTS login_failures_key ON login_failures (key, at);
"""

_hasher = PasswordHasher()
# A hash to verify against when the username is unknown, so that a wrong name takes as long as a wrong password.
_DUMMY = _hasher.hash(secrets.token_hex(16))


@dataclass(frozen=True)
class User:
    username: str
    role: str
    person: str | None = None  # an employee's pseudonym (employees, and anyone linked to the roster)
    scope: tuple[str, str] | None = None  # a leader's part of the org chart

    def viewer(self) -> Viewer:
        """The read path's viewer for this account."""
        if self.role == "employee":
            return Viewer.employee(self.person or "")
        if self.role == "leader":
            return Viewer.leader(self.scope)
        return Viewer(self.role)

    def public(self) -> dict:
        return {"username": self.username, "role": self.role, "scope": "=".join(self.scope) if self.scope else None,
                "has_person": self.person is not None}


@dataclass(frozen=True)
class Session:
    user: User
    csrf: str
    expires_at: float


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class Accounts:
    """The accounts, sessions and log-in failures of one workspace (a SQLite file in its vault folder).

    Each call opens its own connection, so the server's threads never share one.
    """

    def __init__(self, vault_dir: Path):
        self.path = Path(vault_dir) / FILE
        fresh = not self.path.exists()
        with closing(self._connect()) as conn:
            conn.executescript(_SCHEMA)
        if fresh:
            os.chmod(self.path, 0o600)

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA busy_timeout=30000")
        return conn

    # -- accounts ----------------------------------------------------------
    def add(self, username: str, role: str, password: str | None, *, person: str | None = None,
            scope: tuple[str, str] | None = None, replace: bool = False) -> None:
        """Add an account (``password`` None: single sign-on only). Raises InputError on a bad value."""
        username = (username or "").strip()
        if not username or len(username) > 200 or any(c.isspace() for c in username):
            raise InputError(f"the username {username!r} is not usable", hint="Give a name without spaces, e.g. an e-mail address or a login.")
        if role not in ROLES:
            raise InputError(f"unknown role {role!r}", hint=f"Roles: {', '.join(ROLES)}.")
        if role == "employee" and not person:
            raise InputError(f"the employee account {username!r} needs the person it belongs to", hint="Give --employee-id ID (an id on the roster).")
        if role == "leader" and not scope:
            raise InputError(f"the leader account {username!r} needs their part of the org chart", hint="Give --scope FIELD=VALUE, e.g. --scope department=Finance.")
        if password is not None and len(password) < MIN_PASSWORD:
            raise InputError(f"the password is too short ({len(password)} characters)", hint=f"Use at least {MIN_PASSWORD} characters; a passphrase of a few words is easiest.")
        hashed = _hasher.hash(password) if password is not None else None
        with closing(self._connect()) as conn:
            exists = conn.execute("SELECT 1 FROM users WHERE username = ?", [username]).fetchone()
            if exists and not replace:
                raise InputError(f"there is already an account {username!r}", hint="Choose another username, or give --replace to change it.")
            conn.execute("BEGIN")
            conn.execute("DELETE FROM users WHERE username = ?", [username])
            conn.execute("DELETE FROM sessions WHERE username = ?", [username])  # a changed account signs in again
            conn.execute("INSERT INTO users VALUES (?, ?, ?, ?, ?, ?, ?, 0)",
                         [username, role, person, scope[0] if scope else None, scope[1] if scope else None, hashed, time.time()])
            conn.execute("COMMIT")

    def remove(self, username: str) -> None:
        with closing(self._connect()) as conn:
            if not conn.execute("SELECT 1 FROM users WHERE username = ?", [username]).fetchone():
                raise InputError(f"there is no account {username!r}", hint="'socialhr users list DIR' shows the accounts.")
            conn.execute("BEGIN")
            conn.execute("DELETE FROM users WHERE username = ?", [username])
            conn.execute("DELETE FROM sessions WHERE username = ?", [username])
            conn.execute("COMMIT")

    def list(self) -> list[dict]:
        with closing(self._connect()) as conn:
            rows = conn.execute("SELECT username, role, person IS NOT NULL, scope_field, scope_value, password_hash IS NOT NULL, "
                                "created_at FROM users ORDER BY username").fetchall()
        return [{"username": u, "role": r, "linked_to_roster": bool(p), "scope": f"{sf}={sv}" if sf else None,
                 "password": bool(h), "created_at": c} for u, r, p, sf, sv, h, c in rows]

    def get(self, username: str) -> User | None:
        with closing(self._connect()) as conn:
            row = conn.execute("SELECT username, role, person, scope_field, scope_value FROM users "
                               "WHERE username = ? AND disabled = 0", [username]).fetchone()
        if not row:
            return None
        return User(row[0], row[1], row[2], (row[3], row[4]) if row[3] else None)

    def verify(self, username: str, password: str) -> User | None:
        """The account when ``password`` is its password, else None (in about the same time either way)."""
        with closing(self._connect()) as conn:
            row = conn.execute("SELECT password_hash FROM users WHERE username = ? AND disabled = 0", [username]).fetchone()
        stored = row[0] if row and row[0] else None
        try:
            _hasher.verify(stored or _DUMMY, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return None
        if stored is None:
            return None
        if _hasher.check_needs_rehash(stored):
            with closing(self._connect()) as conn:
                conn.execute("UPDATE users SET password_hash = ? WHERE username = ?", [_hasher.hash(password), username])
        return self.get(username)

    # -- sessions ----------------------------------------------------------
    def open_session(self, user: User, hours: float) -> tuple[str, Session]:
        """A new session for ``user``: the cookie's token (shown once) and the session."""
        token = secrets.token_urlsafe(32)
        now = time.time()
        session = Session(user, secrets.token_urlsafe(24), now + hours * 3600)
        with closing(self._connect()) as conn:
            conn.execute("DELETE FROM sessions WHERE expires_at < ?", [now])
            conn.execute("INSERT INTO sessions VALUES (?, ?, ?, ?, ?)", [_hash_token(token), user.username, session.csrf, now, session.expires_at])
        return token, session

    def session(self, token: str | None) -> Session | None:
        if not token or len(token) > 200:
            return None
        with closing(self._connect()) as conn:
            row = conn.execute("SELECT username, csrf, expires_at FROM sessions WHERE token_hash = ?", [_hash_token(token)]).fetchone()
        if not row or row[2] < time.time():
            return None
        user = self.get(row[0])
        return Session(user, row[1], row[2]) if user else None

    def close_session(self, token: str | None) -> None:
        if token:
            with closing(self._connect()) as conn:
                conn.execute("DELETE FROM sessions WHERE token_hash = ?", [_hash_token(token)])

    # -- the log-in rate limit ---------------------------------------------
    def failures(self, key: str, within: float) -> tuple[int, float]:
        """Failed log-ins for ``key`` in the last ``within`` seconds, and the oldest of them (for Retry-After)."""
        since = time.time() - within
        with closing(self._connect()) as conn:
            n, oldest = conn.execute("SELECT count(*), min(at) FROM login_failures WHERE key = ? AND at >= ?", [key, since]).fetchone()
        return n, oldest or 0.0

    def record_failure(self, *keys: str) -> None:
        now = time.time()
        with closing(self._connect()) as conn:
            conn.execute("DELETE FROM login_failures WHERE at < ?", [now - 86400])
            conn.executemany("INSERT INTO login_failures VALUES (?, ?)", [(k, now) for k in keys])

    def clear_failures(self, key: str) -> None:
        with closing(self._connect()) as conn:
            conn.execute("DELETE FROM login_failures WHERE key = ?", [key])
