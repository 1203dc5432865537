"""Pseudonymisation at ingest, the identity vault, and the minimum group size.

Every identifier that enters socialhr (an employee id, an e-mail address, a
platform user id) is replaced by a *token*: the first 16 hex digits (64 bits)
of HMAC-SHA256(key, "<kind>:<normalised value>"). The key is made by
``socialhr init``, kept in the vault folder with file mode 0600, and never
written to the analytics database. A person's pseudonym is the token of their
employee id; their e-mail and platform ids are aliases that point to it.

The map back from token to real identity lives only in the vault (a separate
SQLite file), so the analytics database can be handed to an analyst alone.

>>> p = Pseudonymiser(b"k" * 32)
>>> p.token("email", " Alice@Example.COM ") == p.token("email", "alice@example.com")
True
>>> len(p.person("E001"))
16
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import secrets
import sqlite3
import struct
from collections import Counter
from contextlib import closing
from pathlib import Path
from typing import Iterable

from .errors import PrivacyError, VaultError
from .sql import quote_identifier

KEY_FILE = "pseudonymisation.key"
VAULT_FILE = "identities.sqlite"
TOKEN_HEX = 16
_FIRST_64_BITS = struct.Struct(">q").unpack_from  # a digest's first 8 bytes as a signed integer


def normalise(kind: str, value: str) -> str:
    """Identifiers compare case-insensitively and without surrounding space."""
    value = value.strip()
    if kind == "email":
        value = value.lower()
        # "Alice <alice@x.com>" -> alice@x.com
        if "<" in value and value.endswith(">"):
            value = value[value.rindex("<") + 1 : -1].strip()
        if value.startswith("mailto:"):
            value = value[7:]
    return value


def classify(value: str) -> str:
    """The kind of a raw identifier found in an interaction: email or employee_id."""
    return "email" if "@" in value else "employee_id"


class Pseudonymiser:
    """Keyed, stable pseudonyms: HMAC-SHA256 truncated to 64 bits."""

    def __init__(self, key: bytes):
        if len(key) < 32:
            raise VaultError("the pseudonymisation key is shorter than 32 bytes", hint="Restore the key file from your backup.")
        self._key = key
        # HMAC (RFC 2104) with the key's inner and outer states hashed once: a natural key then costs two
        # copies and two short hashes (about 1 µs, against 2.5 µs for hmac.digest and 2 µs for an hmac.HMAC copy).
        block = (hashlib.sha256(key).digest() if len(key) > 64 else key).ljust(64, b"\0")
        self._inner = hashlib.sha256(bytes(b ^ 0x36 for b in block))
        self._outer = hashlib.sha256(bytes(b ^ 0x5C for b in block))

    def token(self, kind: str, value: str) -> str:
        msg = f"{kind}:{normalise(kind, value)}".encode()
        return hmac.digest(self._key, msg, "sha256").hex()[:TOKEN_HEX]

    def tokens(self, kind: str, values: Iterable[str]) -> list[str]:
        """The :meth:`token` of each value, for many values at once (about half the
        time per value): HMAC (RFC 2104) from the key's inner and outer SHA-256
        states, made once and copied for each value.

        >>> p = Pseudonymiser(b"k" * 32)
        >>> p.tokens("context", ["Roadmap", " Roadmap ", "Réunion"]) == [p.token("context", v) for v in ("Roadmap", "Roadmap", "Réunion")]
        True
        >>> Pseudonymiser(b"k" * 65).tokens("email", ["A@x.example"]) == [Pseudonymiser(b"k" * 65).token("email", "a@x.example")]
        True
        """
        inner, outer = self._inner.copy, self._outer.copy
        prefix = f"{kind}:".encode()
        out = []
        for value in values:
            h = inner()
            h.update(prefix + normalise(kind, value).encode())
            o = outer()
            o.update(h.digest())
            out.append(o.hexdigest()[:TOKEN_HEX])
        return out

    def key(self, kind: str, value: str) -> int:
        """A natural key (an e-mail's Message-ID, a Slack channel and message ts, a calendar
        UID and occurrence) as a keyed token: the first 64 bits of
        HMAC-SHA256(key, "key:<kind>:<value>"), a signed integer. The value is taken as given
        (a Message-ID is case-sensitive); only the token is ever stored.

        >>> p = Pseudonymiser(b"k" * 32)
        >>> p.key("message_id", "a@b") == p.key("message_id", "a@b") != p.key("message_id", "A@b")
        True
        >>> p.key("message_id", "a@b") == int.from_bytes(hmac.digest(b"k" * 32, b"key:message_id:a@b", "sha256")[:8], "big", signed=True)
        True
        """
        inner = self._inner.copy()
        inner.update(f"key:{kind}:{value}".encode("utf-8", "surrogateescape"))
        outer = self._outer.copy()
        outer.update(inner.digest())
        return _FIRST_64_BITS(outer.digest())[0]

    def person(self, employee_id: str) -> str:
        """A person's pseudonym: the token of their employee id."""
        return self.token("employee_id", employee_id)


def create_key(vault_dir: Path) -> None:
    vault_dir.mkdir(parents=True, exist_ok=True)
    os.chmod(vault_dir, 0o700)
    path = vault_dir / KEY_FILE
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(secrets.token_bytes(32))


def load_key(vault_dir: Path) -> bytes:
    path = vault_dir / KEY_FILE
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise VaultError(
            f"the pseudonymisation key is missing: {path}",
            hint="Importing needs the key made by 'socialhr init'. Restore the vault folder, or set vault_path in socialhr.toml to where it lives.",
        ) from None
    except PermissionError:
        raise VaultError(f"cannot read the pseudonymisation key: {path}", hint="Run as the user who owns the workspace.") from None


class Vault:
    """The identity vault: token -> real identifier, and person -> employee id, name, e-mail.

    Kept in its own SQLite file beside the key, never inside the analytics
    database. Only imports (which add to it) and ``--identified`` outputs read it.
    """

    def __init__(self, vault_dir: Path):
        self.dir = vault_dir
        self.path = vault_dir / VAULT_FILE
        self.conn: sqlite3.Connection | None = None
        self._journalled = False

    @classmethod
    def create(cls, vault_dir: Path) -> "Vault":
        create_key(vault_dir)
        vault = cls(vault_dir)
        with closing(sqlite3.connect(vault.path)) as conn, conn:
            conn.executescript(
                """
                CREATE TABLE identities (token TEXT PRIMARY KEY, kind TEXT NOT NULL, value TEXT NOT NULL);
                CREATE TABLE people (person TEXT PRIMARY KEY, employee_id TEXT NOT NULL, name TEXT, email TEXT);
                """
            )
        os.chmod(vault.path, 0o600)
        return vault

    @property
    def available(self) -> bool:
        return self.path.exists() and (self.dir / KEY_FILE).exists()

    def key(self) -> bytes:
        return load_key(self.dir)

    def connect(self) -> sqlite3.Connection:
        if self.conn is None:
            if not self.path.exists():
                raise VaultError(
                    f"the identity vault is not here: {self.path}",
                    hint="This copy of the workspace has no vault (as intended for analysts). Identified outputs and imports need it.",
                )
            self.conn = sqlite3.connect(self.path, isolation_level=None)
        return self.conn

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None
            self._journalled = False

    # -- one batch across two stores ---------------------------------------
    # The vault and the analytics database cannot commit together, so a batch
    # commits the vault first, with a marker (pending_batches) and what undoes
    # its writes (batch_undo, filled by triggers), then the analytics database,
    # then clears the marker (:meth:`settle`). A process that dies in between
    # leaves a marker, which the next open reconciles with the analytics
    # database's ingestion_log (socialhr.recovery): a batch the analytics
    # database holds is settled, one it does not hold is undone here.
    def begin(self, batch_id: int | None = None) -> None:
        """Open the vault's transaction; with ``batch_id``, what it writes is recorded to be undone."""
        conn = self.connect()
        self._journal(conn)
        conn.execute("BEGIN")
        if batch_id is not None:
            conn.execute("INSERT INTO temp.open_batch VALUES (?)", [batch_id])

    def prepare(self, batch_id: int, kind: str, file_name: str, content_hash: str) -> None:
        """Commit the batch's writes with its marker: the first of the two commits."""
        conn = self.connect()
        conn.execute("DELETE FROM temp.open_batch")
        conn.execute("INSERT INTO pending_batches VALUES (?, ?, ?, ?)", [batch_id, kind, file_name, content_hash])
        conn.execute("COMMIT")

    def settle(self, batch_id: int) -> None:
        """The analytics database holds the batch too: forget its marker and undo log."""
        conn = self.connect()
        conn.execute("BEGIN")
        conn.execute("DELETE FROM batch_undo WHERE batch_id = ?", [batch_id])
        conn.execute("DELETE FROM pending_batches WHERE batch_id = ?", [batch_id])
        conn.execute("COMMIT")

    def pending(self) -> list[tuple[int, str, str, str]]:
        """Batches committed here whose analytics commit is not known to have happened:
        (batch_id, kind, file name, content hash)."""
        conn = self.connect()
        if not conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'pending_batches'").fetchone():
            return []
        return conn.execute("SELECT batch_id, kind, file_name, content_hash FROM pending_batches ORDER BY batch_id").fetchall()

    def undo(self, batch_id: int) -> None:
        """Undo what a batch wrote here (newest first), in one transaction, and forget its marker."""
        conn = self.connect()
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        steps = conn.execute("SELECT db, file, tbl, op, row, old FROM batch_undo WHERE batch_id = ? ORDER BY seq DESC",
                             [batch_id]).fetchall()
        attached = {row[1] for row in conn.execute("PRAGMA database_list")}
        for db, file in sorted({(db, file) for db, file, *_ in steps if db != "main"}):
            if db not in attached:
                conn.execute(f"ATTACH DATABASE ? AS {quote_identifier(db)}", [str(self.dir / file)])
        conn.execute("BEGIN")
        try:
            for db, _, tbl, op, row, old in steps:
                table = f"{quote_identifier(db)}.{quote_identifier(tbl)}"
                if op == "insert":
                    conn.execute(f"DELETE FROM {table} WHERE rowid = ?", [row])
                    continue
                values = json.loads(old)
                names = ", ".join(quote_identifier(c) for c in values)
                marks = ", ".join("?" for _ in values)
                if op == "update":
                    conn.execute(f"UPDATE {table} SET ({names}) = ({marks}) WHERE rowid = ?", [*values.values(), row])
                else:
                    conn.execute(f"INSERT INTO {table} (rowid, {names}) VALUES (?, {marks})", [row, *values.values()])
            conn.execute("DELETE FROM batch_undo WHERE batch_id = ?", [batch_id])
            conn.execute("DELETE FROM pending_batches WHERE batch_id = ?", [batch_id])
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise

    def attach(self, name: str, file: str, tables: list[str]) -> sqlite3.Connection:
        """The vault's connection with a store of its own (``file`` in the vault folder) attached as ``name``:
        made on first use with ``tables`` (CREATE TABLE IF NOT EXISTS statements) and mode 0600."""
        conn = self.connect()
        if not any(row[1] == name for row in conn.execute("PRAGMA database_list")):
            path = self.dir / file
            fresh = not path.exists()
            conn.execute(f"ATTACH DATABASE ? AS {name}", [str(path)])
            for ddl in tables:
                conn.execute(ddl)
            if fresh:
                os.chmod(path, 0o600)
        return conn

    def track(self, db: str, table: str, file: str) -> None:
        """Record a batch's writes to a table of a database attached to the vault's connection
        (``file`` in the vault folder), so that they can be undone as the vault's own."""
        conn = self.connect()
        self._journal(conn)
        self._triggers(conn, db, table, file)

    def _journal(self, conn: sqlite3.Connection) -> None:
        """The marker and undo tables, and the triggers that fill the undo log (once per connection)."""
        if self._journalled:
            return
        conn.executescript(
            """
            CREATE TABLE IF NOT EXISTS pending_batches (batch_id INTEGER PRIMARY KEY, kind TEXT NOT NULL,
                file_name TEXT NOT NULL, content_hash TEXT NOT NULL);
            CREATE TABLE IF NOT EXISTS batch_undo (seq INTEGER PRIMARY KEY, batch_id INTEGER NOT NULL, db TEXT NOT NULL,
                file TEXT, tbl TEXT NOT NULL, op TEXT NOT NULL, row INTEGER NOT NULL, old TEXT);
            CREATE TEMP TABLE IF NOT EXISTS open_batch (batch_id INTEGER NOT NULL);
            """
        )
        for table in ("identities", "people"):
            self._triggers(conn, "main", table, None)
        self._journalled = True

    @staticmethod
    def _triggers(conn: sqlite3.Connection, db: str, table: str, file: str | None) -> None:
        """Temporary triggers that log each row a batch inserts, and the old values of each row it
        updates or deletes, to batch_undo (only while a batch is open: temp.open_batch has its id)."""
        columns = [r[1] for r in conn.execute(f"PRAGMA {quote_identifier(db)}.table_info({quote_identifier(table)})")]
        old = "json_object(" + ", ".join(f"{_literal(c)}, OLD.{quote_identifier(c)}" for c in columns) + ")"
        target = f"{quote_identifier(db)}.{quote_identifier(table)}"
        for event, row, values in (("INSERT", "NEW.rowid", "NULL"), ("UPDATE", "OLD.rowid", old), ("DELETE", "OLD.rowid", old)):
            name = quote_identifier(f"undo_{db}_{table}_{event.lower()}")
            conn.execute(
                f"CREATE TEMP TRIGGER IF NOT EXISTS {name} AFTER {event} ON {target} BEGIN "
                f"INSERT INTO batch_undo (batch_id, db, file, tbl, op, row, old) "
                f"SELECT batch_id, {_literal(db)}, {_literal(file)}, {_literal(table)}, {_literal(event.lower())}, {row}, {values} "
                f"FROM open_batch; END")

    def commit(self) -> None:
        self.connect().execute("COMMIT")

    def rollback(self) -> None:
        conn = self.connect()
        if conn.in_transaction:
            conn.execute("ROLLBACK")

    def add_identities(self, rows: Iterable[tuple[str, str, str]]) -> None:
        """Record (token, kind, raw value) triples; existing tokens are kept."""
        self.connect().executemany("INSERT OR IGNORE INTO identities VALUES (?, ?, ?)", rows)

    def add_people(self, rows: Iterable[tuple[str, str, str | None, str | None]]) -> None:
        """Record or update (person, employee_id, name, email)."""
        self.connect().executemany(
            "INSERT INTO people VALUES (?, ?, ?, ?) ON CONFLICT(person) DO UPDATE SET "
            "name = coalesce(excluded.name, people.name), email = coalesce(excluded.email, people.email)",
            rows,
        )

    def employee_ids(self) -> dict[str, str]:
        """person -> employee id, for identified exports."""
        return dict(self.connect().execute("SELECT person, employee_id FROM people"))

    def identity_values(self, tokens: Iterable[str]) -> dict[str, str]:
        """token -> the raw identifier it stands for (for controlled re-identification)."""
        conn = self.connect()
        tokens = list(tokens)
        out: dict[str, str] = {}
        for i in range(0, len(tokens), 500):
            chunk = tokens[i : i + 500]
            marks = ",".join("?" * len(chunk))
            out.update(conn.execute(f"SELECT token, value FROM identities WHERE token IN ({marks})", chunk).fetchall())
        return out


# -- which person attributes may be group dimensions ---------------------------

# Fewer people than this with a value cannot show whether an attribute is
# unique per person: four people in four cost centres look like four names.
UNIQUE_MIN_PEOPLE = 10

_EMAIL = re.compile(r"[^@\s<>]+@[^@\s<>]+\.[A-Za-z]{2,}")
_PHONE_CHARS = re.compile(r"^\+?[\d\s().\-/]+$")
_DATE = re.compile(r"^\d{1,4}([-/.])\d{1,2}\1\d{1,4}$")
# Column names that say what the values may not show on a small roster.
_CONTACT_ENDINGS = ("email", "mail", "phone", "mobile", "telephone", "fax")
_NAME_COLUMNS = {"name", "surname", "nickname", "firstname", "lastname", "givenname", "familyname", "fullname", "middlename",
                 "displayname", "preferredname", "legalname", "maidenname", "birthname"}


def looks_like_phone(value: str) -> bool:
    """A phone number as people write one: 7 to 15 digits with phone punctuation
    only, and either an international or area prefix (``+``, ``(``) or three
    groups of digits or more. Plain digit strings (ids, amounts, codes), two
    groups (``4001-0020``) and dates are not.

    >>> [looks_like_phone(v) for v in ("+44 20 7946 0958", "(555) 010-0142", "555.010.0142", "020 7946 0958")]
    [True, True, True, True]
    >>> [looks_like_phone(v) for v in ("5550100142", "4001-0020", "2026-03-01", "01.03.2026", "CC-100", "+1 55")]
    [False, False, False, False, False, False]
    """
    value = value.strip()
    if not _PHONE_CHARS.match(value) or _DATE.match(value):
        return False
    digits = sum(c.isdigit() for c in value)
    groups = len(re.findall(r"\d+", value))
    return 7 <= digits <= 15 and (value[0] in "+(" or groups >= 3)


def attribute_refusal(name: str, values: list) -> str | None:
    """Why a person attribute may not be a group dimension, or None when it may.

    A group dimension labels groups in the outputs meant for leaders, so its
    values must describe groups, not people. An attribute is refused when

    * any of its values looks like an e-mail address (an address is a personal
      identifier wherever it appears, even shared, like a manager's);
    * at least half of its values look like phone numbers
      (:func:`looks_like_phone`);
    * it is unique per person, like a name, an id or a salary: among at least
      :data:`UNIQUE_MIN_PEOPLE` people with a value, more than half of its
      distinct values are each held by one person only. Below that many
      people, uniqueness cannot be told from a coarse attribute and the data
      do not decide;
    * its name says it holds contact details (it ends in ``email``, ``mail``,
      ``phone``, ``mobile``, ``telephone`` or ``fax``) or a person's name
      (``first_name``, ``last_name``, ``surname``...; case, spaces and
      punctuation aside), which a small roster's values cannot show.

    The values are judged first; the reason never quotes a value, so it can be
    shown to whoever imports.

    Parameters
    ----------
    name : str
        The attribute's name, as its column is called.
    values : list
        One value per person; None and blank text count as no value.

    Returns
    -------
    str or None
        The reason, to follow "cannot be a group dimension: ", or None.

    Examples
    --------
    >>> attribute_refusal("cost_center", ["CC-100"] * 7 + ["CC-200"] * 5) is None
    True
    >>> attribute_refusal("manager_email", ["ada@acme.example"] * 6 + [None])
    'its values look like e-mail addresses'
    >>> attribute_refusal("mobile", ["+44 20 7946 0101", "+44 20 7946 0102"])
    'its values look like phone numbers'
    >>> attribute_refusal("badge", [f"B{i}" for i in range(10)])
    'it is unique per person, like a name or an id: 10 of its 10 values are each held by one person only'
    >>> attribute_refusal("badge", [f"B{i}" for i in range(9)]) is None  # too few people to judge
    True
    >>> attribute_refusal("site", ["A", "B"] + ["C"] * 4 + ["D"] * 4) is None  # 2 of 4 values: not more than half
    True
    >>> attribute_refusal("site", ["A", "B", "C"] + ["D"] * 4 + ["E"] * 3)
    'it is unique per person, like a name or an id: 3 of its 5 values are each held by one person only'
    >>> attribute_refusal("First Name", ["Ada", "Alan", "Ada"])
    "its name says it holds people's names"
    >>> attribute_refusal("Home-Phone", ["n/a"]), attribute_refusal("email_domain", ["acme.example"] * 3)
    ("its name says it holds people's contact details", None)
    """
    counts = Counter(s for v in values if v is not None and (s := str(v).strip()))
    if not counts:
        return None
    if any(_EMAIL.search(v) for v in counts):
        return "its values look like e-mail addresses"
    people = sum(counts.values())
    if 2 * sum(n for v, n in counts.items() if looks_like_phone(v)) >= people:
        return "its values look like phone numbers"
    single = sum(1 for n in counts.values() if n == 1)
    if people >= UNIQUE_MIN_PEOPLE and 2 * single > len(counts):
        return f"it is unique per person, like a name or an id: {single} of its {len(counts)} values are each held by one person only"
    plain = re.sub(r"[^a-z0-9]", "", name.casefold())
    if plain.endswith(_CONTACT_ENDINGS):
        return "its name says it holds people's contact details"
    if plain in _NAME_COLUMNS:
        return "its name says it holds people's names"
    return None

def _literal(value: str | None) -> str:
    """A constant of ours (a table or file name) as an SQLite string literal, for trigger bodies."""
    return "NULL" if value is None else "'" + value.replace("'", "''") + "'"


def groups_shown(sizes: Iterable[int], *, min_size: int = 5) -> list[bool]:
    """Which groups an output may show: those with at least ``min_size`` members.

    The one rule behind every group-level output (docs/privacy.md).

    >>> groups_shown([4, 5, 12], min_size=5)
    [False, True, True]
    """
    if min_size < 1:
        raise PrivacyError("the minimum group size must be at least 1")
    return [int(n) >= min_size for n in sizes]


def withhold_small_groups(rows: list[dict], *, size_field: str = "size", min_size: int = 5) -> tuple[list[dict], int]:
    """Drop groups with fewer than ``min_size`` members; return (kept, withheld count).

    >>> withhold_small_groups([{"size": 4}, {"size": 5}], min_size=5)
    ([{'size': 5}], 1)
    """
    shown = groups_shown([r[size_field] for r in rows], min_size=min_size)
    kept = [r for r, ok in zip(rows, shown) if ok]
    return kept, len(rows) - len(kept)
