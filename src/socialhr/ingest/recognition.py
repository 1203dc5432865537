"""Import peer recognitions ("kudos"): who recognised whom, for which value, with what message.

A CSV (or TSV, XLSX, Parquet, JSON Lines) with the columns ``from, to,
value`` and optionally ``message, at``: the giver and the receiver (employee
ids, work e-mails, or pseudonyms of people on the roster), a value tag from
the ``kudos_values`` setting (case aside), a short message (at most
``kudos_max_length`` characters) and when it was given (ISO 8601; a time
without an offset takes the workspace's zone; none: now).
:func:`socialhr.programs.kudos.give` records one kudos through this same
importer. Each kudos is stored in one batch, all or nothing, three ways:

* as an **interaction** of channel ``recognition`` (kind ``message``, from
  the giver to the receiver, weight 1) through the connectors' shared path
  (:class:`~.messaging.InteractionSink`), so ``socialhr analyze`` builds the
  recognition network like any other channel's;
* its **metadata** in ``kudos`` (giver, receiver, when, value), pseudonymous;
* its **message** in the vault, in its own SQLite file ``kudos.sqlite``
  (mode 0600), never in the analytics database: it is free text that may
  name people. The file is attached to the vault's connection, so the vault's
  commit covers it and an interrupted import is undone there too.

A row naming someone who is not on the roster, a kudos to oneself, an
unknown value or a message that is too long is refused with its line, and
nothing is stored.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any, Callable
from zoneinfo import ZoneInfo

import pyarrow as pa

from ..errors import InputError
from ..workspace import Workspace
from .batch import Batch, BatchResult
from .messaging import InteractionSink, micros
from .tabular import open_table

CHANNEL = "recognition"
KUDOS_FILE = "kudos.sqlite"
REQUIRED = ["from", "to", "value"]
OPTIONAL = ["message", "at"]


def import_kudos(ws: Workspace, path: str | Path, *, encoding: str | None = None,
                 progress: Callable[[int, int | None], None] | None = None) -> BatchResult:
    """Import a file of kudos as one batch. See the module docstring."""
    src = open_table(path, required=REQUIRED, optional=OPTIONAL, encoding=encoding, multiline=True,
                     text_fields=("from", "to", "value", "message", "at"), max_ratio=ws.settings["archive_max_ratio"])
    people = People(ws)
    zone = ZoneInfo(ws.settings["timezone"])
    now = dt.datetime.now(dt.timezone.utc)
    rows = []
    i = -1
    for rb in src.batches():
        people.prefetch([*rb.column("from").to_pylist(), *rb.column("to").to_pylist()])
        for rec in rb.to_pylist():
            i += 1
            try:
                giver, receiver, value, message = check(ws, people, rec.get("from"), rec.get("to"), rec.get("value"), rec.get("message"))
                at = _time(rec.get("at"), zone, now)
            except InputError as e:
                raise src.error(i, e.field, e.message, e.hint) from None
            rows.append((giver, receiver, value, message, at))
    if i < 0:
        raise InputError("the file has a header but no kudos", file=src.path, hint="Nothing was imported.")
    _attach(ws)
    with Batch(ws, "kudos", src.path) as batch:
        if batch.is_duplicate:
            return batch.result
        db = ws.db
        first = db.execute("SELECT coalesce(max(kudos_id), 0) + 1 FROM kudos").fetchone()[0]
        sink = InteractionSink(ws, batch.batch_id, threshold=ws.settings["broadcast_threshold"])
        for giver, receiver, _, _, at in rows:
            sink.add(micros(at), CHANNEL, "message", giver, [receiver], weight=1.0)
        sink.finish()
        # (An Arrow table in one statement: DuckDB's executemany holds memory per row into a keyed table.)
        db.register("_kudos", pa.table({"kudos_id": pa.array(range(first, first + len(rows)), pa.int64()),
                                        "giver": [g for g, _, _, _, _ in rows], "receiver": [r for _, r, _, _, _ in rows],
                                        "given_at": pa.array([at for *_, at in rows], pa.timestamp("us", tz="UTC")),
                                        "value": [v for _, _, v, _, _ in rows]}))
        try:
            db.execute("INSERT INTO kudos SELECT kudos_id, ?, giver, receiver, given_at, value FROM _kudos", [batch.batch_id])
        finally:
            db.unregister("_kudos")
        ws.vault.connect().executemany("INSERT INTO kudos.messages VALUES (?, ?, ?)",
                                       [(first + k, m, batch.batch_id) for k, (_, _, _, m, _) in enumerate(rows)])
        batch.rows_read = batch.rows_imported = len(rows)
        values: dict[str, int] = {}
        for _, _, v, _, _ in rows:
            values[v] = values.get(v, 0) + 1
        batch.notes.update({"channel": CHANNEL, "first_kudos_id": first, "values": values,
                            "messages_stored_in": f"vault/{KUDOS_FILE}"})
        if progress:
            progress(len(rows), len(rows))
    return batch.result


class People:
    """Who a giver or receiver is: an employee id, a work e-mail, or a pseudonym, of someone on the roster."""

    def __init__(self, ws: Workspace, *, on_roster: Any = None):
        self.ws = ws
        # (A caller that has the people at hand, e.g. a program's population, passes them.)
        self.on_roster = on_roster if on_roster is not None else {p for (p,) in ws.db.execute("SELECT person FROM people").fetchall()}
        self._cache: dict[str, str | None] = {}

    def prefetch(self, raws: Any) -> None:
        """Look many identifiers up at once (a file's), so that :meth:`find` needs no query for them."""
        raws = sorted({str(r).strip() for r in raws if r is not None and str(r).strip()} - self._cache.keys())
        if not raws:
            return
        p = self.ws.pseudonymiser
        tokens = [p.token("email" if "@" in r else "employee_id", r) for r in raws]
        found = dict(self.ws.db.execute("SELECT token, person FROM identities WHERE status = 'person' AND token IN "
                                        "(SELECT unnest(?::VARCHAR[]))", [tokens]).fetchall())
        for raw, token in zip(raws, tokens):
            person = found.get(token)
            self._cache[raw] = person if person in self.on_roster else (raw if raw in self.on_roster else None)

    def find(self, raw: str) -> str | None:
        """The person's pseudonym, or None when no one on the roster has that identifier."""
        if raw in self._cache:
            return self._cache[raw]
        found = None
        kind = "email" if "@" in raw else "employee_id"
        token = self.ws.pseudonymiser.token(kind, raw)
        row = self.ws.db.execute("SELECT person FROM identities WHERE token = ? AND status = 'person'", [token]).fetchone()
        if row is not None and row[0] in self.on_roster:
            found = row[0]
        elif raw in self.on_roster:
            found = raw
        self._cache[raw] = found
        return found


def check(ws: Workspace, people: People, giver: Any, receiver: Any, value: Any, message: Any) -> tuple[str, str, str, str]:
    """A kudos's giver and receiver (pseudonyms), value (as the setting spells it) and message, checked.

    Raises :class:`InputError` naming the field: an empty or unknown person, a
    kudos to oneself, an unknown value, a message over ``kudos_max_length``.
    """
    found = []
    for field, raw in (("from", giver), ("to", receiver)):
        text = "" if raw is None else str(raw).strip()
        who = "giver" if field == "from" else "receiver"
        if not text:
            raise InputError(f"the {who} is empty", field=field, hint="Give an employee id or work e-mail of someone on the roster.")
        person = people.find(text)
        if person is None:
            raise InputError(f"the {who} {text!r} is not anyone on the roster", field=field,
                             hint="Give an employee id or work e-mail of someone on the roster (import the roster first).")
        found.append(person)
    if found[0] == found[1]:
        raise InputError("a kudos to oneself: the giver and the receiver are the same person", field="to",
                         hint="Recognise a colleague.")
    allowed = ws.settings["kudos_values"]
    text = "" if value is None else str(value).strip()
    match = next((v for v in allowed if v.casefold() == text.casefold()), None)
    if match is None:
        raise InputError(f"unknown value {text!r}" if text else "the value is empty", field="value",
                         hint=f"Use one of: {', '.join(allowed)} (the kudos_values setting).")
    message = "" if message is None else str(message).strip()
    limit = ws.settings["kudos_max_length"]
    if len(message) > limit:
        raise InputError(f"the message is too long: {len(message):,} characters, at most {limit:,}", field="message",
                         hint="Shorten it (the kudos_max_length setting).")
    return found[0], found[1], match, message


def _time(raw: Any, zone: ZoneInfo, now: dt.datetime) -> dt.datetime:
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return now
    if isinstance(raw, dt.datetime):
        at = raw
    else:
        try:
            at = dt.datetime.fromisoformat(str(raw).strip().replace("Z", "+00:00"))
        except ValueError:
            raise InputError(f"not a timestamp: {raw!r}", field="at",
                             hint="Use ISO 8601, e.g. 2026-03-02T09:30:00+01:00 (a time without an offset takes the workspace's time zone), or leave it empty for now.") from None
    if at.tzinfo is None:
        at = at.replace(tzinfo=zone)
    return at.astimezone(dt.timezone.utc)


def _attach(ws: Workspace) -> None:
    """Attach the kudos messages' store to the vault's connection (made on first use, mode 0600)."""
    ws.vault.attach("kudos", KUDOS_FILE, [
        "CREATE TABLE IF NOT EXISTS kudos.messages (kudos_id INTEGER PRIMARY KEY, message TEXT NOT NULL, batch_id INTEGER NOT NULL)"])
    ws.vault.track("kudos", "messages", KUDOS_FILE)  # (an interrupted import is undone here too)


def messages(ws: Workspace, kudos_ids: list[int]) -> dict[int, str]:
    """kudos_id -> message, read from the vault."""
    if not kudos_ids:
        return {}
    _attach(ws)
    conn = ws.vault.connect()
    out: dict[int, str] = {}
    for i in range(0, len(kudos_ids), 500):
        chunk = [int(k) for k in kudos_ids[i:i + 500]]
        out.update(conn.execute(f"SELECT kudos_id, message FROM kudos.messages WHERE kudos_id IN ({','.join('?' * len(chunk))})",
                                chunk).fetchall())
    return out
