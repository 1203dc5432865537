"""Import the HR roster (CSV, TSV, XLSX, Parquet or JSON Lines) with history.

Fields: ``employee_id`` (required), ``email, name, department, team,
manager_id, level, location, hire_date, exit_date``. Names and e-mails go to
the vault only; the analytics database gets pseudonyms and org-chart facts.

Any other column is stored, as an attribute of the person (and a group
dimension of the analysis), only when declared: ``--attribute COLUMN`` or the
``roster_attributes`` setting. The others are left out, never read into the
database, and named in the batch notes (``left_out``). A declared column
whose values are e-mail addresses or phone numbers, or that is unique per
person, is refused (:func:`socialhr.privacy.attribute_refusal`).

History: each person has records in ``people_history`` with the dates they
held. A person seen for the first time gets a record from their hire date (or
from 1900-01-01 when the roster has none). When a later roster changes
someone's team, level, manager or any other fact, their current record closes
on the roster's effective date (``--effective-date``, default today) and a new
one opens, so an analysis of an earlier period uses the org chart of that time.
People a roster leaves out keep their records (partial exports are common);
leavers are recorded through ``exit_date``.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date, datetime
from pathlib import Path
from typing import Any, Callable

import pyarrow as pa

from ..errors import InputError
from ..privacy import attribute_refusal
from ..workspace import Workspace
from .batch import Batch, BatchResult, content_hash
from .identity import next_identity_id, reresolve
from .tabular import TableSource, open_table

REQUIRED = ["employee_id"]
OPTIONAL = ["email", "name", "department", "team", "manager_id", "level", "location", "hire_date", "exit_date"]
TRACKED = ["department", "team", "manager", "level", "location", "hire_date", "exit_date", "attributes"]
SINCE_RECORDS_BEGAN = date(1900, 1, 1)

# Names HR systems use for the same fields (Workday, BambooHR, SAP exports);
# the user's --map and settings take precedence.
ALIASES = {
    "employee id": "employee_id", "employee #": "employee_id", "employee_number": "employee_id", "employee number": "employee_id",
    "worker id": "employee_id", "person id": "employee_id", "personid": "employee_id", "id": "employee_id",
    "work email": "email", "work_email": "email", "email address": "email", "e-mail": "email",
    "full name": "name", "employee name": "name", "display name": "name",
    "manager": "manager_id", "manager id": "manager_id", "reports to id": "manager_id", "manager_employee_id": "manager_id", "supervisor id": "manager_id",
    "dept": "department", "division": "department", "organization": "department",
    "job level": "level", "grade": "level", "office": "location", "work location": "location",
    "start date": "hire_date", "start_date": "hire_date", "hire date": "hire_date", "original hire date": "hire_date",
    "termination date": "exit_date", "termination_date": "exit_date", "end date": "exit_date", "exit date": "exit_date",
}


def import_roster(
    ws: Workspace,
    path: str | Path,
    *,
    column_map: dict[str, str] | None = None,
    encoding: str | None = None,
    effective_date: date | None = None,
    date_format: str | None = None,
    attributes: list[str] | str | None = None,
    progress: Callable[[int, int | None], None] | None = None,
) -> BatchResult:
    """Import one roster file as one batch. See the module docstring.

    ``attributes`` declares columns to store besides the roster's own fields,
    with those of the ``roster_attributes`` setting (a comma-separated string
    is split).
    """
    effective = effective_date or date.today()
    cmap = {**ws.column_map("roster"), **(column_map or {})}
    src = open_table(
        path, required=REQUIRED, optional=OPTIONAL, column_map=cmap, aliases=ALIASES,
        encoding=encoding, keep_extra=True, multiline=True, max_ratio=ws.settings["archive_max_ratio"],
    )
    if isinstance(attributes, str):
        attributes = [a.strip() for a in attributes.split(",") if a.strip()]
    declared = _declared(src, [*ws.settings["roster_attributes"], *(attributes or [])])
    records = _read(src, date_format, declared)
    _refuse_personal(src, records, declared)
    if progress:
        progress(len(records), len(records))
    # The same file with other declarations is another import (attributes to add, or to stop storing).
    digest = hashlib.sha256(f"{content_hash(src.path)}:attributes:{json.dumps(declared)}".encode()).hexdigest() if declared else None
    with Batch(ws, "roster", src.path, digest=digest) as batch:
        if batch.is_duplicate:
            return batch.result
        _store(ws, batch, records, effective, src)
        left_out = [c for c in src.columns if c not in REQUIRED and c not in OPTIONAL and c not in declared]
        if left_out:
            batch.notes["left_out"] = left_out
        batch.rows_read = batch.rows_imported = len(records)
    return batch.result


_COARSER = "map it to something coarser before importing (a region for a city, a band for a salary, a year for a date)."


def _declared(src: TableSource, names: list[str]) -> list[str]:
    """The file's columns that ``names`` declare as attributes (matched without regard to case), in file order."""
    extra = {c.casefold(): c for c in src.columns if c not in REQUIRED and c not in OPTIONAL}
    fields = {f.casefold() for f in REQUIRED + OPTIONAL} | set(ALIASES)
    found = set()
    for name in names:
        key = name.strip().casefold()
        if key in extra:
            found.add(extra[key])
        elif key in fields:
            raise InputError(f"{name.strip()!r} is one of the roster's own fields, stored without being declared", file=src.path, line=1,
                             hint=f"Declare only other columns: {', '.join(extra.values()) or 'the file has none'}.")
        else:
            raise InputError(f"the roster has no column {name.strip()!r} to store as a declared attribute", file=src.path, line=1,
                             hint=f"Its columns: {', '.join(src.source_columns)}.")
    return [c for c in src.columns if c in found]


def _refuse_personal(src: TableSource, records: list[dict[str, Any]], declared: list[str]) -> None:
    """A declared column that cannot be a group dimension is refused before anything is stored."""
    for column in declared:
        reason = attribute_refusal(column, [r["attributes"].get(column) for r in records])
        if reason:
            raise InputError(f"the column {column!r} cannot be a group dimension, so it is not stored: {reason}", file=src.path,
                             line=1, field=column, hint=f"Leave it out of --attribute and the roster_attributes setting, or {_COARSER}")


def _read(src: TableSource, date_format: str | None, declared: list[str]) -> list[dict[str, Any]]:
    """The rows, checked, each with its declared attributes (a dict, or None when none are declared);
    the other extra columns are dropped here."""
    records: list[dict[str, Any]] = []
    first_line: dict[str, int] = {}
    emails: dict[str, tuple[str, int]] = {}
    row = 0
    for rb in src.batches():
        for values in rb.to_pylist():
            line = src.line_of(row)
            row += 1
            rec = {k: (v.strip() if isinstance(v, str) else v) or None for k, v in values.items()
                   if k in REQUIRED or k in OPTIONAL or k in declared}
            rec = {k: (None if v is None else str(v)) for k, v in rec.items()}
            eid = rec.get("employee_id")
            if not eid:
                raise src.error(row - 1, "employee_id", "the employee id is empty", "Every row needs an employee id; remove blank rows.")
            if eid in first_line:
                raise src.error(
                    row - 1, "employee_id",
                    f"employee id {eid!r} appears twice (lines {first_line[eid]} and {line})",
                    "A roster must list each employee once; remove or merge the duplicate.",
                )
            first_line[eid] = line
            email = (rec.get("email") or "").lower() or None
            if email:
                if "@" not in email:
                    raise src.error(row - 1, "email", f"not an e-mail address: {rec['email']!r}", "Give the work e-mail address, or leave it empty.")
                if email in emails:
                    other, other_line = emails[email]
                    raise src.error(
                        row - 1, "email",
                        f"e-mail {email!r} belongs to both {other!r} (line {other_line}) and {eid!r}",
                        "Each e-mail address must belong to one employee.",
                    )
                emails[email] = (eid, line)
            for field in ("hire_date", "exit_date"):
                rec[field] = _parse_date(rec.get(field), date_format, src, row - 1, field)
            if rec["hire_date"] and rec["exit_date"] and rec["exit_date"] < rec["hire_date"]:
                raise src.error(row - 1, "exit_date", f"the exit date {rec['exit_date']} is before the hire date {rec['hire_date']}", "Correct one of the two dates.")
            rec["email"] = email
            attrs = {k: v for k in declared if (v := rec.pop(k, None)) is not None}
            rec["attributes"] = attrs if declared else None
            rec["line"] = line
            records.append(rec)
    if not records:
        raise InputError("the file has a header but no rows", file=src.path, hint="Export the roster again with its employees; nothing was imported.")
    return records


def _parse_date(value: str | None, fmt: str | None, src: TableSource, row: int, field: str) -> date | None:
    if not value:
        return None
    try:
        if fmt:
            return datetime.strptime(value, fmt).date()
        return date.fromisoformat(value[:10]) if len(value) >= 10 and value[4] == "-" else date.fromisoformat(value)
    except ValueError:
        hint = f"Expected the format {fmt!r}." if fmt else "Use YYYY-MM-DD, or pass --date-format (for example --date-format %d/%m/%Y)."
        raise src.error(row, field, f"not a date: {value!r}", hint) from None


def _store(ws: Workspace, batch: Batch, records: list[dict[str, Any]], effective: date, src: TableSource) -> None:
    db, p = ws.db, ws.pseudonymiser
    ids = {r["employee_id"] for r in records}
    for r in records:
        r["person"] = p.person(r["employee_id"])
        r["manager"] = p.person(r["manager_id"]) if r.get("manager_id") else None
    current = {
        row[0]: dict(zip(["person", "valid_from"] + TRACKED, row))
        for row in db.execute(
            "SELECT person, valid_from, department, team, manager, level, location, hire_date, exit_date, "
            "CAST(attributes AS VARCHAR) FROM people_history WHERE valid_to IS NULL"
        ).fetchall()
    }
    new_rows, closes, changed = [], [], 0
    for r in records:
        cur = current.get(r["person"])
        if cur is None:
            start = min(r["hire_date"], effective) if r["hire_date"] else SINCE_RECORDS_BEGAN
            new_rows.append(_history_row(r, start, batch.batch_id))
        elif any(_norm(cur[f]) != _norm(r[f]) for f in TRACKED):
            if effective <= cur["valid_from"]:
                raise InputError(
                    f"employee {r['employee_id']!r} already has a record from {cur['valid_from']}, on or after this roster's effective date {effective}",
                    file=src.path, line=r["line"],
                    hint="Import rosters in date order, or give this one its real date with --effective-date YYYY-MM-DD.",
                )
            closes.append((r["person"], effective))
            new_rows.append(_history_row(r, effective, batch.batch_id))
            changed += 1
    if closes:
        db.register("_closes", pa.table({"person": [c[0] for c in closes], "valid_to": [c[1] for c in closes]}))
        db.execute("UPDATE people_history SET valid_to = c.valid_to FROM _closes c WHERE people_history.person = c.person AND people_history.valid_to IS NULL")
        db.unregister("_closes")
    if new_rows:
        cols = ["person", "valid_from", "valid_to", "department", "team", "manager", "level", "location", "hire_date", "exit_date", "attributes", "batch_id"]
        db.register("_new_people", pa.table({c: [row[i] for row in new_rows] for i, c in enumerate(cols)}, schema=_HISTORY_SCHEMA))
        db.execute("INSERT INTO people_history SELECT * FROM _new_people")
        db.unregister("_new_people")
    remap = _store_identities(ws, batch, records)
    rewritten = reresolve(ws, remap)
    _store_groups(ws, batch, records)
    _store_domains(ws, records)
    known_ids = set(ws.vault.employee_ids().values())
    managers_missing = {r["manager_id"] for r in records if r.get("manager_id")} - ids - known_ids
    batch.notes.update(
        {
            "effective_date": effective.isoformat(),
            "new_people": sum(1 for r in records if r["person"] not in current),
            "changed_people": changed,
            "unchanged_people": len(records) - changed - sum(1 for r in records if r["person"] not in current),
            "people_not_in_this_roster": len(set(current) - {r["person"] for r in records}),
            "identities_resolved_now": len(remap),
            "interactions_reattributed": rewritten,
            "managers_not_on_roster": len(managers_missing),
        }
    )


_HISTORY_SCHEMA = pa.schema(
    [
        ("person", pa.string()), ("valid_from", pa.date32()), ("valid_to", pa.date32()), ("department", pa.string()),
        ("team", pa.string()), ("manager", pa.string()), ("level", pa.string()), ("location", pa.string()),
        ("hire_date", pa.date32()), ("exit_date", pa.date32()), ("attributes", pa.string()), ("batch_id", pa.int32()),
    ]
)


def _history_row(r: dict[str, Any], start: date, batch_id: int) -> tuple:
    attributes = json.dumps(r["attributes"], sort_keys=True) if r["attributes"] is not None else None
    return (r["person"], start, None, r.get("department"), r.get("team"), r["manager"], r.get("level"), r.get("location"), r["hire_date"], r["exit_date"], attributes, batch_id)


def _norm(v: Any) -> Any:
    if isinstance(v, str) and v.startswith("{"):
        return json.loads(v)
    return v


def _store_identities(ws: Workspace, batch: Batch, records: list[dict[str, Any]]) -> dict[str, str]:
    """Record each person's aliases; return tokens that were unresolved and now name a person."""
    p = ws.pseudonymiser
    aliases = []
    for r in records:
        aliases.append((r["person"], "employee_id", r["employee_id"], r["person"]))
        if r["email"]:
            aliases.append((p.token("email", r["email"]), "email", r["email"], r["person"]))
    known = dict(ws.db.execute("SELECT token, status FROM identities").fetchall())
    remap = {t: person for t, _, _, person in aliases if known.get(t) not in (None, "person")}
    fresh = [(t, kind, person, "person", batch.batch_id) for t, kind, _, person in aliases if t not in known]
    if fresh:
        ws.db.register("_aliases", pa.table({k: [f[i] for f in fresh] for i, k in enumerate(["token", "kind", "person", "status", "first_batch"])}))
        ws.db.execute("INSERT INTO identities (token, kind, person, status, first_batch, id) "
                      "SELECT token, kind, person, status, CAST(first_batch AS INTEGER), "
                      "CAST(? + row_number() OVER () - 1 AS INTEGER) FROM _aliases", [next_identity_id(ws.db)])
        ws.db.unregister("_aliases")
    # An alias that already named a person may now name another (a reused address).
    moved = [(person, t) for t, _, _, person in aliases if known.get(t) == "person"]
    if moved:
        ws.db.executemany("UPDATE identities SET person = ? WHERE token = ? AND person IS DISTINCT FROM ?", [(a, b, a) for a, b in moved])
    ws.vault.add_identities((t, kind, value) for t, kind, value, _ in aliases)
    ws.vault.add_people((r["person"], r["employee_id"], r.get("name"), r["email"]) for r in records)
    return remap


def _store_groups(ws: Workspace, batch: Batch, records: list[dict[str, Any]]) -> None:
    rows = {}
    for r in records:
        dept, team = r.get("department"), r.get("team")
        if dept:
            rows[f"department:{dept}"] = ("department", dept, None)
        if team:
            rows[f"team:{team}"] = ("team", team, f"department:{dept}" if dept else None)
    if not rows:
        return
    # One statement for all groups (executemany took seconds for a 20k-person roster's teams).
    ws.db.register("_groups", pa.table({
        "group_id": list(rows), "kind": [r[0] for r in rows.values()], "name": [r[1] for r in rows.values()],
        "parent": pa.array([r[2] for r in rows.values()], pa.string()),
    }))
    try:
        ws.db.execute(
            "INSERT INTO groups SELECT group_id, kind, name, parent, 'roster', ? FROM _groups "
            "ON CONFLICT (group_id) DO UPDATE SET parent = excluded.parent",
            [batch.batch_id],
        )
    finally:
        ws.db.unregister("_groups")


def _store_domains(ws: Workspace, records: list[dict[str, Any]]) -> None:
    domains = set(ws.org_domains()) if not ws.settings["org_domains"] else set()
    domains |= {r["email"].rpartition("@")[2] for r in records if r["email"]}
    ws.db.execute("INSERT OR REPLACE INTO meta VALUES ('org_domains', ?)", [json.dumps(sorted(domains))])
    # Addresses first seen before the organization's domains were known may be external.
    org = set(ws.org_domains())
    unresolved = [t for (t,) in ws.db.execute("SELECT token FROM identities WHERE status = 'unresolved' AND kind = 'email'").fetchall()]
    external = [t for t, value in ws.vault.identity_values(unresolved).items() if value.rpartition("@")[2] not in org]
    if external:
        ws.db.executemany("UPDATE identities SET status = 'external' WHERE token = ?", [(t,) for t in external])
