"""Consultations: ask employees about a change, and measure whose voices came in.

HR consults employees on a change (to payroll, to a policy) so that it is
shaped by those it touches. A consultation is opened with a title, a text,
a closing date and an audience (roster field = value; everyone employed by
default). Employees comment and endorse comments or the proposal itself
(on the web: :func:`comment`, :func:`endorse`, :func:`discussion`; from a
file: :func:`import_comments`), or a Slack or Teams channel is
linked (:func:`link`) and every message its members post in it during the
consultation counts as taking part.

What is stored where:

* the **title, text and comments** are free text: they are kept in the
  vault folder, in ``consultations.sqlite`` (mode 0600), never in the
  analytics database, and read from there at the moment of use;
* the analytics database holds the consultation's dates and audience
  (``consultations``), who took part, when and how (``consultation_participation``:
  pseudonym, comment or endorsement, time) and the linked channels
  (``consultation_channels``; their messages are read from ``interactions``
  when the consultation is reported, so a later Slack import counts too).

What is measured (:func:`reach`, read through ``socialhr.results`` as the
tables ``consultation_reach`` and ``consultation_summary``) is described in
:mod:`.reach`: participation by department, level, location, community and
network position (core, middle, periphery), under the minimum group size.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import InputError, SocialHRError
from ..network.roster import DIMENSIONS as ORG_FIELDS
from ..sql import quote_identifier
from . import runs
from .population import load
from .reach import Reach, measure

CONSULT_FILE = "consultations.sqlite"
CHANNEL_KINDS = ("slack_channel", "slack_private", "teams_channel", "teams_private")
_ROW_KEY = "consultation_row"


# -- the vault-side store of texts ----------------------------------------------
def _texts(ws: Any) -> Any:
    """The vault's connection with consultations.sqlite attached as ``consult`` (made on first use, mode 0600)."""
    return ws.vault.attach("consult", CONSULT_FILE, [
        "CREATE TABLE IF NOT EXISTS consult.texts (consultation_id INTEGER PRIMARY KEY, title TEXT NOT NULL, text TEXT NOT NULL)",
        "CREATE TABLE IF NOT EXISTS consult.comments (consultation_id INTEGER NOT NULL, comment_no INTEGER NOT NULL, "
        "source_id TEXT, text TEXT NOT NULL, PRIMARY KEY (consultation_id, comment_no))"])


def _both(ws: Any, write_analytics: Any, write_vault: Any) -> Any:
    """Write the vault side and the analytics side together: the vault commits only after the analytics database did."""
    conn = _texts(ws)
    conn.execute("BEGIN")
    try:
        write_vault(conn)
        with ws.transaction() as db:
            out = write_analytics(db)
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
    ws.cache.clear()
    return out


# -- opening, listing, closing ---------------------------------------------------
def parse_audience(ws: Any, items: list[str] | None) -> dict[str, list[str]]:
    """``FIELD=VALUE`` items as {field: [values]} (values of one field are alternatives; fields all apply)."""
    out: dict[str, list[str]] = {}
    if not items:
        return out
    known = set(ORG_FIELDS) | _attribute_names(ws)
    for item in items:
        field, sep, value = item.partition("=")
        field, value = field.strip(), value.strip()
        if not sep or not field or not value:
            raise InputError(f"--audience expects FIELD=VALUE, got {item!r}", hint="For example: --audience department=Finance")
        if field not in known:
            raise InputError(f"--audience: the roster has no field {field!r}",
                             hint=f"Fields: {', '.join(sorted(known))}.")
        held = _values(ws, field)
        if value not in held:
            near = [v for v in held if v.casefold() == value.casefold()]
            raise InputError(f"--audience: no one on the roster has {field} {value!r}",
                             hint=f"Did you mean {near[0]!r}?" if near else f"Values of {field}: {', '.join(held[:20])}{' ...' if len(held) > 20 else ''}.")
        out.setdefault(field, []).append(value)
    return out


def _values(ws: Any, field: str) -> list[str]:
    """The values of a roster field (or declared attribute) that people employed hold."""
    if field in ORG_FIELDS:
        sql = f"SELECT DISTINCT CAST({quote_identifier(field)} AS VARCHAR) FROM people WHERE {quote_identifier(field)} IS NOT NULL"
        return sorted(r[0] for r in ws.db.execute(sql).fetchall())
    rows = ws.db.execute("SELECT DISTINCT json_extract_string(attributes, '$.' || ?) FROM people", [json.dumps(field)]).fetchall()
    return sorted(r[0] for r in rows if r[0] is not None)


def _attribute_names(ws: Any) -> set[str]:
    rows = ws.db.execute("SELECT DISTINCT unnest(json_keys(attributes)) FROM people WHERE attributes IS NOT NULL").fetchall()
    return {r[0] for r in rows}


def _date(value: str, option: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except (TypeError, ValueError):
        raise InputError(f"{option}: not a date: {value!r}", hint="Give it as YYYY-MM-DD, e.g. 2026-12-31.") from None


def open_consultation(ws: Any, *, title: str, text: str, closes: str, audience: list[str] | None = None,
                      opens: str | None = None) -> int:
    """Open a consultation; returns its id. ``opens`` (a date) back-dates it, e.g. for one held before socialhr."""
    if not title.strip():
        raise InputError("--title is empty", hint="Give the consultation a title employees will recognise.")
    if not text.strip():
        raise InputError("the consultation's text is empty", hint="--text-file must hold the text employees are consulted on.")
    closes_on = _date(closes, "--closes")
    opened_at = runs.now() if opens is None else dt.datetime.combine(_date(opens, "--opens"), dt.time(), dt.timezone.utc)
    if closes_on < opened_at.date():
        raise InputError(f"--closes {closes_on} is before the consultation opens ({opened_at.date()})",
                         hint="Give a closing date on or after the opening date.")
    who = parse_audience(ws, audience)
    cid = int(ws.db.execute("SELECT coalesce(max(consultation_id), 0) + 1 FROM consultations").fetchone()[0])
    # (A vault-side id already used, by a consultation whose analytics write failed, is replaced.)
    _both(ws, lambda db: db.execute("INSERT INTO consultations VALUES (?, ?, ?, NULL, ?)",
                                    [cid, opened_at, closes_on, json.dumps(who)]),
          lambda conn: conn.execute("INSERT OR REPLACE INTO consult.texts VALUES (?, ?, ?)", [cid, title.strip(), text]))
    return cid


def _consultation(ws: Any, cid: int) -> dict[str, Any]:
    row = ws.db.execute("SELECT consultation_id, opened_at, closes, closed_at, CAST(audience AS VARCHAR) FROM consultations "
                        "WHERE consultation_id = ?", [cid]).fetchone()
    if row is None:
        ids = [r[0] for r in ws.db.execute("SELECT consultation_id FROM consultations ORDER BY 1").fetchall()]
        raise SocialHRError(f"there is no consultation {cid}",
                            hint=f"Consultations: {', '.join(map(str, ids))}." if ids else "Open one: socialhr consult DIR open ...")
    return {"consultation_id": row[0], "opened_at": row[1], "closes": row[2], "closed_at": row[3], "audience": json.loads(row[4])}


def period(c: dict[str, Any]) -> tuple[dt.datetime, dt.datetime]:
    """When a consultation was open: from its opening to the end of its closing day, or to when it was closed, if earlier."""
    end = dt.datetime.combine(c["closes"] + dt.timedelta(days=1), dt.time(), dt.timezone.utc)
    if c["closed_at"] is not None and c["closed_at"] < end:
        end = c["closed_at"]
    return c["opened_at"], end


def close(ws: Any, cid: int) -> None:
    c = _consultation(ws, cid)
    if c["closed_at"] is not None:
        raise SocialHRError(f"consultation {cid} was closed on {c['closed_at']:%Y-%m-%d %H:%M}", hint="Nothing changed.")
    with ws.transaction() as db:
        db.execute("UPDATE consultations SET closed_at = ? WHERE consultation_id = ?", [runs.now(), cid])
    ws.cache.clear()


def consultations(ws: Any, *, with_titles: bool = True) -> list[dict[str, Any]]:
    """Every consultation, with its counts (and its title, from the vault, when the vault is here)."""
    rows = ws.db.execute(
        """SELECT c.consultation_id, c.opened_at, c.closes, c.closed_at, CAST(c.audience AS VARCHAR),
                  (SELECT count(*) FROM consultation_participation p WHERE p.consultation_id = c.consultation_id AND p.kind = 'comment'),
                  (SELECT count(*) FROM consultation_participation p WHERE p.consultation_id = c.consultation_id AND p.kind = 'endorse'),
                  (SELECT count(*) FROM consultation_channels h WHERE h.consultation_id = c.consultation_id)
           FROM consultations c ORDER BY c.consultation_id""").fetchall()
    titles = {}
    if with_titles and ws.vault.available:
        titles = dict(_texts(ws).execute("SELECT consultation_id, title FROM consult.texts").fetchall())
    today = runs.now()
    out = []
    for r in rows:
        c = {"consultation_id": r[0], "opened_at": r[1], "closes": r[2], "closed_at": r[3], "audience": json.loads(r[4])}
        c["status"] = "open" if period(c)[1] > today else "closed"
        c.update({"comments": r[5], "endorsements": r[6], "channels": r[7], "title": titles.get(r[0])})
        out.append(c)
    return out


def text(ws: Any, cid: int) -> dict[str, Any]:
    """The title, text and comments of a consultation, read from the vault (for the people running it)."""
    _consultation(ws, cid)
    conn = _texts(ws)
    row = conn.execute("SELECT title, text FROM consult.texts WHERE consultation_id = ?", [cid]).fetchone()
    comments = conn.execute("SELECT comment_no, text FROM consult.comments WHERE consultation_id = ? ORDER BY comment_no", [cid]).fetchall()
    return {"title": row[0] if row else None, "text": row[1] if row else None, "comments": [{"comment_no": n, "text": t} for n, t in comments]}


# -- taking part -------------------------------------------------------------------
class _Roster:
    """Employee ids and work e-mails of people on the roster to their pseudonyms (their tokens read once)."""

    def __init__(self, ws: Any):
        self.p = ws.pseudonymiser
        self.person = dict(ws.db.execute("SELECT token, person FROM identities WHERE status = 'person'").fetchall())
        self.seen: dict[str, str | None] = {}

    def __call__(self, value: str) -> str | None:
        if value not in self.seen:
            self.seen[value] = self.person.get(self.p.token("email" if "@" in value else "employee_id", value))
        return self.seen[value]


def _timestamp(value: str) -> dt.datetime | None:
    try:
        t = dt.datetime.fromisoformat(value)
    except ValueError:
        return None
    return t if t.tzinfo else t.replace(tzinfo=dt.timezone.utc)


def import_comments(ws: Any, cid: int, path: str | Path) -> dict[str, int]:
    """Import comments and endorsements from a CSV (or other table); returns counts. All or nothing.

    Columns (docs/programs.md#consultations): ``author`` (employee id or work
    e-mail; required), and per row either ``text`` (a comment, with an
    optional ``comment_id`` and ``endorsed_by``: the employee ids of those
    who endorse it, separated by ``;``) or ``endorses`` (the ``comment_id`` of
    a comment, in this file or imported before: ``author`` endorses it);
    ``timestamp`` (ISO 8601; default: now) when it was written.
    """
    from ..ingest.tabular import open_table

    c = _consultation(ws, cid)
    start, end = period(c)
    src = open_table(path, required=["author"], optional=["text", "comment_id", "endorses", "endorsed_by", "timestamp"],
                     max_ratio=ws.settings["archive_max_ratio"])
    conn = _texts(ws)
    known = dict(conn.execute("SELECT source_id, comment_no FROM consult.comments WHERE consultation_id = ? AND source_id IS NOT NULL",
                              [cid]).fetchall())
    next_no = int(ws.db.execute("SELECT coalesce(max(comment_no), 0) + 1 FROM consultation_participation WHERE consultation_id = ? "
                                "AND kind = 'comment'", [cid]).fetchone()[0])
    stored = {r[0] for r in ws.db.execute("SELECT row_key FROM consultation_participation WHERE consultation_id = ?", [cid]).fetchall()}
    now = runs.now()
    person_of = _Roster(ws)
    dup = 0
    comments, rows, pending = [], [], []  # vault rows, participation rows, endorsements to resolve
    i = -1
    for batch in src.batches():
        for values in batch.to_pylist():
            i += 1
            rec = {k: (str(v).strip() if v is not None else "") for k, v in values.items()}
            author = person_of(rec["author"]) if rec["author"] else None
            if author is None:
                raise src.error(i, "author", f"not anyone on the roster: {rec['author']!r}" if rec["author"] else "no author",
                                hint="Give the employee id or work e-mail of the employee who wrote the row.")
            when = now
            if rec.get("timestamp"):
                when = _timestamp(rec["timestamp"])
                if when is None:
                    raise src.error(i, "timestamp", f"not a timestamp: {rec['timestamp']!r}", hint="Use ISO 8601, e.g. 2026-03-02T09:30:00+01:00.")
            if not start <= when < end:
                raise src.error(i, "timestamp", f"{when:%Y-%m-%d %H:%M} is outside the consultation ({start:%Y-%m-%d} to {end:%Y-%m-%d})",
                                hint="Only what was written while the consultation was open counts; leave such rows out.")
            has_text, endorses = bool(rec.get("text")), rec.get("endorses", "")
            if has_text == bool(endorses):
                raise src.error(i, "text" if not has_text else "endorses", "a row needs either a text (a comment) or endorses (a comment id), not "
                                + ("both" if has_text else "neither"), hint="Put each endorsement on a row of its own, or in endorsed_by.")
            if has_text:
                source_id = rec.get("comment_id") or None
                key = ws.pseudonymiser.token(_ROW_KEY, f"{cid}|comment|{author}|{source_id or rec['text']}")
                if key in stored:
                    dup += 1
                    no = next((r[3] for r in rows if r[5] == key), None) or ws.db.execute(
                        "SELECT comment_no FROM consultation_participation WHERE consultation_id = ? AND row_key = ?", [cid, key]).fetchone()[0]
                else:
                    if source_id and source_id in known:
                        raise src.error(i, "comment_id", f"comment id {source_id!r} is already used by another comment",
                                        hint="Each comment needs its own comment_id.")
                    no = next_no
                    next_no += 1
                    stored.add(key)
                    comments.append((cid, no, source_id, rec["text"]))
                    rows.append((cid, author, "comment", no, when, key))
                    if source_id:
                        known[source_id] = no
                for j, who in enumerate(x.strip() for x in rec.get("endorsed_by", "").split(";") if x.strip()):
                    p = person_of(who)
                    if p is None:
                        raise src.error(i, "endorsed_by", f"not anyone on the roster: {who!r}", hint="List employee ids or work e-mails, separated by ';'.")
                    pending.append((i, "endorsed_by", p, source_id, no, when))
            else:
                pending.append((i, "endorses", author, endorses, None, when))
    if i < 0:
        raise InputError("the file has a header but no rows", file=path, hint="Nothing was imported.")
    skipped = 0
    endorsements = 0
    for at, field, person, source_id, no, when in pending:
        if no is None:
            no = known.get(source_id)
            if no is None:
                raise src.error(at, field, f"no comment with comment_id {source_id!r} in this file or imported before",
                                hint="An endorsement names the comment_id of the comment it endorses.")
        key = ws.pseudonymiser.token(_ROW_KEY, f"{cid}|endorse|{person}|{no}")
        if key in stored:
            skipped += 1
            continue
        stored.add(key)
        rows.append((cid, person, "endorse", no, when, key))
        endorsements += 1
    _both(ws, lambda db: _insert_participation(db, rows),
          lambda conn: conn.executemany("INSERT INTO consult.comments VALUES (?, ?, ?, ?)", comments) if comments else None)
    return {"rows": i + 1, "comments": len(comments), "endorsements": endorsements, "already_imported": dup + skipped}


# -- taking part on the web: one comment or endorsement at a time -------------------
PROPOSAL = 0  # the comment_no an endorsement of the consultation's proposal itself carries (comments count from 1)
COMMENT_MAX = 4000  # the longest comment, in characters


def in_audience(ws: Any, cid: int, person: str) -> bool:
    """Whether ``person`` (a pseudonym) is employed today and in consultation ``cid``'s audience."""
    c = _consultation(ws, cid)
    row = ws.db.execute("SELECT department, team, location, level, CAST(attributes AS VARCHAR), exit_date FROM people WHERE person = ?",
                        [person]).fetchone()
    if row is None or (row[5] is not None and row[5] <= runs.now().date()):
        return False
    held = dict(zip(ORG_FIELDS, row[:4]))
    attributes = json.loads(row[4]) if row[4] else {}
    for field, values in c["audience"].items():
        value = held[field] if field in ORG_FIELDS else attributes.get(field)
        if value is None or str(value) not in values:
            return False
    return True


def open_for(ws: Any, person: str) -> list[dict[str, Any]]:
    """The consultations ``person`` may read and take part in: open now, with ``person`` in their audience (titles from the vault)."""
    return [c for c in consultations(ws) if c["status"] == "open" and in_audience(ws, c["consultation_id"], person)]


def _taking_part(ws: Any, cid: int, person: str) -> dict[str, Any]:
    c = _consultation(ws, cid)
    start, end = period(c)
    if not start <= runs.now() < end:
        raise SocialHRError(f"consultation {cid} is closed", hint="Comments and endorsements count only while a consultation is open.")
    if not in_audience(ws, cid, person):
        raise SocialHRError(f"consultation {cid} is not open to you", hint="It asks only the people of its audience.")
    return c


def comment(ws: Any, cid: int, person: str, body: str) -> int:
    """``person`` (a pseudonym) comments on an open consultation they are in the audience of; returns the comment's number.

    The text goes to the vault (``consult.comments``), the participation (who, when, which comment) to the
    analytics database, together (:func:`_both`). The same text twice from the same person is stored once.
    """
    body = (body or "").strip()
    if not body:
        raise InputError("the comment is empty", field="text", hint="Write what you think of the proposal.")
    if len(body) > COMMENT_MAX:
        raise InputError(f"the comment is {len(body):,} characters long, more than {COMMENT_MAX:,}", field="text",
                         hint="Shorten it, or make two comments.")
    _taking_part(ws, cid, person)
    key = ws.pseudonymiser.token(_ROW_KEY, f"{cid}|comment|{person}|{body}")
    row = ws.db.execute("SELECT comment_no FROM consultation_participation WHERE consultation_id = ? AND row_key = ?", [cid, key]).fetchone()
    if row is not None:
        return int(row[0])
    no = int(ws.db.execute("SELECT coalesce(max(comment_no), 0) + 1 FROM consultation_participation WHERE consultation_id = ? "
                           "AND kind = 'comment'", [cid]).fetchone()[0])
    at = runs.now()
    _both(ws, lambda db: _insert_participation(db, [(cid, person, "comment", no, at, key)]),
          lambda conn: conn.execute("INSERT OR REPLACE INTO consult.comments VALUES (?, ?, NULL, ?)", [cid, no, body]))
    return no


def endorse(ws: Any, cid: int, person: str, comment_no: int = PROPOSAL) -> bool:
    """``person`` endorses comment ``comment_no`` of an open consultation (:data:`PROPOSAL`, 0: the proposal itself).

    Stored as participation metadata only (kind ``endorse``, the comment's number; no text). Returns False when
    ``person`` had endorsed it already (it counts once).
    """
    _taking_part(ws, cid, person)
    comment_no = int(comment_no)
    if comment_no != PROPOSAL and ws.db.execute(
            "SELECT 1 FROM consultation_participation WHERE consultation_id = ? AND kind = 'comment' AND comment_no = ?",
            [cid, comment_no]).fetchone() is None:
        raise InputError(f"consultation {cid} has no comment {comment_no}", field="comment_no",
                         hint="Endorse a comment shown on the consultation's page, or 0 for the proposal.")
    key = ws.pseudonymiser.token(_ROW_KEY, f"{cid}|endorse|{person}|{comment_no}")
    with ws.transaction() as db:
        if db.execute("SELECT 1 FROM consultation_participation WHERE consultation_id = ? AND row_key = ?", [cid, key]).fetchone():
            return False
        _insert_participation(db, [(cid, person, "endorse", comment_no, runs.now(), key)])
    ws.cache.clear()
    return True


def discussion(ws: Any, cid: int, person: str | None = None) -> dict[str, Any]:
    """What a participant reads: the title, text and comments (from the vault, without their authors), each comment's
    and the proposal's endorsements, and which of them are ``person``'s own or endorsed by ``person``."""
    out = text(ws, cid)
    counts = dict(ws.db.execute("SELECT comment_no, count(*) FROM consultation_participation WHERE consultation_id = ? "
                                "AND kind = 'endorse' GROUP BY comment_no", [cid]).fetchall())
    mine = ws.db.execute("SELECT kind, comment_no FROM consultation_participation WHERE consultation_id = ? AND person = ?",
                         [cid, person or ""]).fetchall()
    endorsed = {n for k, n in mine if k == "endorse"}
    written = {n for k, n in mine if k == "comment"}
    for cm in out["comments"]:
        cm.update({"endorsements": int(counts.get(cm["comment_no"], 0)), "endorsed": cm["comment_no"] in endorsed,
                   "yours": cm["comment_no"] in written})
    out.update({"endorsements": int(counts.get(PROPOSAL, 0)), "endorsed": PROPOSAL in endorsed})
    return out


def _insert_participation(db: Any, rows: list[tuple]) -> None:
    """Insert participation rows in one statement (an Arrow table: DuckDB's executemany costs about a millisecond a row)."""
    if not rows:
        return
    import pyarrow as pa

    names = ["consultation_id", "person", "kind", "comment_no", "timestamp", "row_key"]
    table = pa.table({n: [r[k] for r in rows] for k, n in enumerate(names)})
    db.register("_participation", table)
    try:
        db.execute('INSERT INTO consultation_participation SELECT consultation_id, person, kind, comment_no, "timestamp", row_key '
                   "FROM _participation")
    finally:
        db.unregister("_participation")


def link(ws: Any, cid: int, channel: str) -> dict[str, Any]:
    """Link a Slack or Teams channel (its name, ``#name``, or its group id) to a consultation."""
    _consultation(ws, cid)
    name = channel.strip().lstrip("#")
    rows = ws.db.execute(
        f"SELECT group_id, kind, name FROM groups WHERE kind IN ({', '.join('?' * len(CHANNEL_KINDS))}) "
        "AND (lower(name) = lower(?) OR group_id = ?) ORDER BY group_id", [*CHANNEL_KINDS, name, name]).fetchall()
    if not rows:
        raise SocialHRError(f"no Slack or Teams channel named {channel!r} has been imported",
                            hint="Import the Slack or Teams export first; a private channel has no name: give its group id "
                                 "(socialhr export DIR groups).")
    if len(rows) > 1:
        raise SocialHRError(f"{len(rows)} channels are named {channel!r}",
                            hint="Give the group id of the one you mean: " + ", ".join(f"{r[0]} ({r[1]})" for r in rows) + ".")
    group_id, kind, _ = rows[0]
    with ws.transaction() as db:
        db.execute("INSERT INTO consultation_channels VALUES (?, ?, ?) ON CONFLICT DO NOTHING", [cid, group_id, runs.now()])
    ws.cache.clear()
    return {"group_id": group_id, "kind": kind}


def participants(ws: Any, cid: int) -> list[tuple[str, str, dt.datetime]]:
    """Who took part: (pseudonym, how — comment, endorse or channel, when), comments and endorsements first."""
    c = _consultation(ws, cid)
    start, end = period(c)
    out = [tuple(r) for r in ws.db.execute(
        'SELECT person, kind, "timestamp" FROM consultation_participation WHERE consultation_id = ? ORDER BY "timestamp", person',
        [cid]).fetchall()]
    out += [(r[0], "channel", r[1]) for r in ws.db.execute(
        """SELECT i.person, r."timestamp" FROM interaction_rows r
           JOIN contexts x ON x.context_id = r.context_id
           JOIN consultation_channels h ON h.group_id = x.context AND h.consultation_id = ?
           JOIN identities i ON i.id = r.sender AND i.person IS NOT NULL
           WHERE r."timestamp" >= ? AND r."timestamp" < ? ORDER BY r."timestamp", i.person""", [cid, start, end]).fetchall()]
    return out


def reach(ws: Any, cid: int) -> Reach:
    """Participation against the audience, by group, with the spread and core/periphery figures (:mod:`.reach`)."""
    c = _consultation(ws, cid)
    pop = load(ws)
    audience = np.ones(len(pop), dtype=bool)
    for field, values in c["audience"].items():
        if field in ORG_FIELDS:
            column = getattr(pop, field)
            audience &= np.array([v in values for v in column], dtype=bool)
        else:
            audience &= np.array([str(a.get(field)) in values for a in pop.attributes], dtype=bool)
    took = np.zeros(len(pop), dtype=bool)
    for person, _, _ in participants(ws, cid):
        at = pop.index.get(person)
        if at is not None:
            took[at] = True
    result = measure(pop, audience, took, min_size=int(ws.settings["min_group_size"]))
    if "withheld" not in result.summary:
        result.summary["outside_audience"] = int((took & ~audience).sum())
    result.summary = {"consultation_id": cid, "as_of": pop.as_of.isoformat(), "window_id": pop.window_id, **result.summary}
    return result
