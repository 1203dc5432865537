"""Peer recognition ("kudos"): an employee recognises a colleague with a short message and a value tag.

Zappos lets any employee give a colleague a small bonus with a note of
thanks, tagged with one of the company's core values (docs/programs.md). A
kudos here is stored through the one import path
(:mod:`socialhr.ingest.recognition`, kind ``kudos``): an interaction of
channel ``recognition`` from giver to receiver, so that ``socialhr analyze``
builds the recognition network like any other channel's, its metadata in
``kudos``, and its message in the vault, never in the analytics database.

Who sees a message: its giver and its receiver (:func:`received`,
:func:`given`), and, when the ``kudos_feed`` setting is on, everyone, in
:func:`feed`. Analytics use the metadata only: :func:`crossing` is the share
of a channel's ties (recognition by default) that cross teams and
departments, read through the read path (table ``channel_crossing``).

>>> # give(ws, "E0012", "E0345", "Thanks for staying late on the release", "teamwork")
"""

from __future__ import annotations

import csv
import datetime as dt
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import InputError, PrivacyError
from ..ingest import ingest
from ..ingest.recognition import CHANNEL, People, check, messages

__all__ = ["Kudos", "give", "received", "given", "feed", "latest", "search_colleagues", "crossing", "crossing_rows", "CHANNEL"]


@dataclass
class Kudos:
    """One recognition, as its giver, its receiver (or the feed) see it."""

    kudos_id: int
    giver: str
    receiver: str
    given_at: dt.datetime
    value: str
    message: str
    giver_name: str | None = None
    receiver_name: str | None = None


def give(ws: Any, giver: str, receiver: str, message: str, value: str, *, at: dt.datetime | None = None) -> Kudos:
    """Record that ``giver`` recognises ``receiver`` (employee ids, work e-mails or pseudonyms).

    One kudos is one import batch of kind ``kudos``, as a file of them would
    be. Raises :class:`InputError` (nothing stored) for an unknown person, a
    kudos to oneself, a value not in ``kudos_values``, or a message longer than
    ``kudos_max_length``.
    """
    g, r, v, m = check(ws, People(ws), giver, receiver, value, message)
    stamp = (at or dt.datetime.now(dt.timezone.utc))
    if stamp.tzinfo is None:
        raise InputError("the time of a kudos needs a time zone", field="at", hint="Give an aware datetime, e.g. with tzinfo=timezone.utc.")
    with tempfile.TemporaryDirectory(prefix="socialhr-kudos-") as tmp:  # (mode 0700: the message is private)
        path = Path(tmp) / "kudos.csv"
        with open(path, "w", newline="", encoding="utf-8") as f:
            w = csv.writer(f)
            w.writerow(["from", "to", "value", "message", "at"])
            w.writerow([g, r, v, m, stamp.isoformat()])
        result = ingest(ws, "kudos", path)
    row = ws.db.execute("SELECT kudos_id FROM kudos WHERE batch_id = ?", [result.batch_id]).fetchone()
    return _kudos(ws, "kudos_id = ?", [row[0]])[0]


def received(ws: Any, person: str) -> list[Kudos]:
    """The kudos ``person`` received, newest first, with their messages (for the receiver's eyes)."""
    return _kudos(ws, "receiver = ?", [_person(ws, person)])


def given(ws: Any, person: str) -> list[Kudos]:
    """The kudos ``person`` gave, newest first, with their messages (for the giver's eyes)."""
    return _kudos(ws, "giver = ?", [_person(ws, person)])


def feed(ws: Any, viewer: Any, *, limit: int = 50) -> list[Kudos]:
    """The newest kudos ``viewer`` (a :class:`socialhr.results.Viewer`) may read, with their messages.

    With the ``kudos_feed`` setting on, every kudos; off (the default), an
    employee sees only those they gave or received, and other roles none (a
    :class:`PrivacyError` says why: messages are for their giver and receiver).
    """
    if ws.settings["kudos_feed"]:
        return _kudos(ws, "true", [], limit=limit)
    if viewer.role != "employee":
        raise PrivacyError("the kudos feed is off: a message is seen by its giver and receiver only",
                           hint="Read the metadata with 'socialhr export DIR kudos', or turn the kudos_feed setting on.")
    return _kudos(ws, "(giver = ? OR receiver = ?)", [viewer.person, viewer.person], limit=limit)


def latest(ws: Any, *, limit: int = 50, with_messages: bool = False) -> list[Kudos]:
    """The newest kudos, messages left empty unless ``with_messages`` (an admin's list on the terminal)."""
    rows = _kudos(ws, "true", [], limit=limit)
    if not with_messages:
        for k in rows:
            k.message = ""
    return rows


def _person(ws: Any, raw: str) -> str:
    found = People(ws).find(str(raw).strip())
    if found is None:
        raise InputError(f"{raw!r} is not anyone on the roster", hint="Give an employee id, work e-mail or pseudonym of someone on the roster.")
    return found


def _kudos(ws: Any, where: str, params: list[Any], *, limit: int | None = None) -> list[Kudos]:
    sql = f"SELECT kudos_id, giver, receiver, given_at, value FROM kudos WHERE {where} ORDER BY given_at DESC, kudos_id DESC"
    if limit is not None:
        sql += " LIMIT ?"
        params = [*params, int(limit)]
    rows = ws.db.execute(sql, params).fetchall()
    text = messages(ws, [r[0] for r in rows])
    people = sorted({p for r in rows for p in r[1:3]})
    names: dict[str, str] = {}
    for i in range(0, len(people), 500):  # (only the names shown, read from the vault now)
        chunk = people[i:i + 500]
        names.update(ws.vault.connect().execute(f"SELECT person, name FROM people WHERE person IN ({','.join('?' * len(chunk))})",
                                                chunk).fetchall())
    return [Kudos(int(k), g, r, at, v, text.get(k, ""), names.get(g), names.get(r)) for k, g, r, at, v in rows]


# -- finding whom to recognise -------------------------------------------------

SEARCH_MIN = 2  # the shortest query, in characters: one letter would list much of the company
SEARCH_CAP = 8  # the most matches a search ever answers


def search_colleagues(ws: Any, query: str, *, exclude: str | None = None, limit: int = 5) -> list[dict[str, Any]]:
    """Colleagues whose name matches ``query``, to pick whom to recognise: at most ``limit`` (never more than
    :data:`SEARCH_CAP`), people employed today only, ``exclude`` (the searcher's pseudonym) left out.

    Each word of the query must begin a word of the name (case and accents aside), so ``"ada lo"`` finds
    Ada Lovelace. Names are read from the vault now; a query shorter than :data:`SEARCH_MIN` characters is
    refused (:class:`InputError`): the search finds a colleague, it does not list the company.
    Returns ``{"person", "name", "department", "team"}`` dicts, best match (whole-name prefix) first.
    """
    words = _fold(query).split()
    if len("".join(words)) < SEARCH_MIN:
        raise InputError(f"type at least {SEARCH_MIN} letters of the colleague's name", field="q",
                         hint="For example the first letters of their first or last name.")
    limit = max(1, min(int(limit), SEARCH_CAP))
    hits = []
    for person, name in ws.vault.connect().execute("SELECT person, name FROM people WHERE name IS NOT NULL").fetchall():
        if person == exclude or not name.strip():
            continue
        parts = _fold(name).split()
        if all(any(p.startswith(w) for p in parts) for w in words):
            hits.append((0 if _fold(name).startswith(" ".join(words)) else 1, name.strip(), person))
    if not hits:
        return []
    hits.sort()
    today = dt.datetime.now(dt.timezone.utc).date()
    active = {p: (d, t) for p, d, t in ws.db.execute(
        "SELECT person, department, team FROM people WHERE (exit_date IS NULL OR exit_date > ?) "
        "AND person IN (SELECT unnest(?::VARCHAR[]))", [today, [h[2] for h in hits]]).fetchall()}
    out = []
    for _, name, person in hits:
        if person in active:
            out.append({"person": person, "name": name, "department": active[person][0], "team": active[person][1]})
            if len(out) == limit:
                break
    return out


def _fold(text: str) -> str:
    """Lower case without accents, so that "Zoë" matches "zoe".

    >>> _fold("Zoë  Ångström")
    'zoe  angstrom'
    """
    import unicodedata

    return "".join(c for c in unicodedata.normalize("NFKD", str(text).casefold()) if not unicodedata.combining(c))


# -- how far recognition crosses teams ----------------------------------------

def crossing(ws: Any, *, channel: str = CHANNEL, window: str | None = None, viewer: Any = None) -> list[dict[str, Any]]:
    """The share of ``channel``'s ties that cross teams and departments, per window (table ``channel_crossing``)."""
    from ..results import read

    return read(ws, "channel_crossing", viewer=viewer, channel=channel, window=window).to_arrow().to_pylist()


def crossing_rows(db: Any, window_ids: list[str], channel: str, *, min_size: int) -> list[dict[str, Any]]:
    """For each window, how many of ``channel``'s directed ties join people of different teams and departments.

    Each person's team and department are those of the window
    (``person_metrics``); a tie with an end whose group is unknown is left out
    of that dimension's count. A window whose channel has fewer than
    ``min_size`` people in its ties gets no row (too few to show).
    """
    rows = []
    for wid in window_ids:
        edges = db.execute(
            """SELECT e.weight, s.team, t.team, s.department, t.department, e.source, e.target
               FROM network_edges e
               JOIN person_metrics s ON s.window_id = e.window_id AND s.person = e.source
               JOIN person_metrics t ON t.window_id = e.window_id AND t.person = e.target
               WHERE e.window_id = ? AND e.channel = ?""", [wid, channel]).fetchall()
        people = {p for e in edges for p in e[5:7]}
        if len(people) < min_size:
            continue
        row: dict[str, Any] = {"window_id": wid, "channel": channel, "people": len(people), "ties": len(edges)}
        weight = np.array([e[0] for e in edges], dtype=float)
        for name, a, b in (("team", 1, 2), ("department", 3, 4)):
            known = np.array([e[a] is not None and e[b] is not None for e in edges], dtype=bool)
            cross = np.array([e[a] != e[b] for e in edges], dtype=bool) & known
            row[f"{name}_known_ties"] = int(known.sum())
            row[f"cross_{name}_ties"] = int(cross.sum())
            row[f"cross_{name}_share"] = float(cross.sum() / known.sum()) if known.any() else None
            row[f"cross_{name}_weight_share"] = float(weight[cross].sum() / weight[known].sum()) if known.any() else None
        rows.append(row)
    return rows
