"""Import per-person outcomes: exits, performance ratings, engagement scores, promotions.

Columns (CSV, TSV, XLSX, Parquet or JSON Lines): ``person, date, kind``
(required), ``value, label`` (optional). Usual other names are understood
(``employee_id``, ``email``, ``exit_type``, ``rating``...). Rules, in
docs/connectors-hr.md:

* ``person`` is an employee id or work e-mail of someone on the roster (or, with
  ``id_kind="viva"``, a Viva Insights PersonId already imported). Outcomes are
  about employees, so an identifier that names no one is an error, never a
  silent unresolved row;
* ``kind`` is one of exit, performance, engagement, promotion;
* performance and engagement need a numeric ``value``; an exit's ``label`` is
  its exit type: voluntary, involuntary or other (or empty);
* a row repeated exactly is counted and kept once; two different rows for the
  same person, date and kind are an error; importing a file again with rows for
  a person, date and kind already stored replaces them (a corrected export);
* exits whose date differs from the roster's exit date are counted in the notes.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Callable

import pyarrow as pa

from ..errors import InputError
from ..workspace import Workspace
from .batch import Batch, BatchResult
from .hr_common import people, read_dates
from .identity import IdentityResolver
from .tabular import open_table

REQUIRED = ["person", "date", "kind"]
OPTIONAL = ["value", "label"]
KINDS = ("exit", "performance", "engagement", "promotion")
EXIT_TYPES = ("voluntary", "involuntary", "other")
NEEDS_VALUE = ("performance", "engagement")
ALIASES = {
    "employee_id": "person", "employee id": "person", "email": "person", "work email": "person", "personid": "person",
    "employee": "person", "effective date": "date", "effective_date": "date", "event date": "date",
    "type": "kind", "outcome": "kind", "score": "value", "rating": "value",
    "exit type": "label", "exit_type": "label", "reason": "label",
}


def import_outcomes(
    ws: Workspace,
    path: str | Path,
    *,
    column_map: dict[str, str] | None = None,
    encoding: str | None = None,
    date_format: str | None = None,
    id_kind: str | None = None,
    progress: Callable[[int, int | None], None] | None = None,
) -> BatchResult:
    """Import one outcomes file as one batch. See the module docstring."""
    cmap = {**ws.column_map("outcomes"), **(column_map or {})}
    src = open_table(path, required=REQUIRED, optional=OPTIONAL, column_map=cmap, aliases=ALIASES, encoding=encoding,
                     max_ratio=ws.settings["archive_max_ratio"])
    rows = []
    dates: dict[str, int] = {}
    for rb in src.batches():
        for values in rb.to_pylist():
            rec = {k: (str(v).strip() if v is not None else "") for k, v in values.items()}
            rows.append(rec)
            if rec["date"]:
                dates.setdefault(rec["date"], len(rows) - 1)
    if not rows:
        raise InputError("the file has a header but no rows", file=src.path, hint="Export the outcomes again; nothing was imported.")
    parsed = read_dates(dates, date_format, src, "date")
    with Batch(ws, "outcomes", src.path) as batch:
        if batch.is_duplicate:
            return batch.result
        resolver = IdentityResolver(ws, batch.batch_id)
        known = people(ws)
        out, seen = [], {}
        for i, rec in enumerate(rows):
            key, row = _check(rec, i, src, resolver, known, parsed, id_kind)
            if key in seen:
                first, first_row = seen[key]
                if first_row == row:
                    batch.skip("repeated rows")
                    continue
                raise src.error(
                    i, "kind", f"two different {key[2]} outcomes for the same person on {key[1]} (lines {src.line_of(first)} and {src.line_of(i)})",
                    "Keep one row per person, date and kind.",
                )
            seen[key] = (i, row)
            out.append(row)
        tbl = pa.table(
            {
                "person": [r[0] for r in out], "date": pa.array([r[1] for r in out], pa.date32()),
                "kind": [r[2] for r in out], "value": pa.array([r[3] for r in out], pa.float64()),
                "label": pa.array([r[4] for r in out], pa.string()),
            }
        )
        db = ws.db
        db.register("_outcomes", tbl)
        try:
            replaced = db.execute(
                'SELECT count(*) FROM outcomes o JOIN _outcomes n ON o.person = n.person AND o."date" = n."date" AND o.kind = n.kind'
            ).fetchone()[0]
            db.execute('DELETE FROM outcomes o USING _outcomes n WHERE o.person = n.person AND o."date" = n."date" AND o.kind = n.kind')
            db.execute('INSERT INTO outcomes SELECT ?, person, "date", kind, value, label FROM _outcomes', [batch.batch_id])
            mismatched, no_exit = db.execute(
                """SELECT count(*) FILTER (WHERE p.exit_date IS NOT NULL AND p.exit_date <> n."date"),
                          count(*) FILTER (WHERE p.exit_date IS NULL)
                   FROM _outcomes n JOIN people p USING (person) WHERE n.kind = 'exit'"""
            ).fetchone()
        finally:
            db.unregister("_outcomes")
        batch.rows_read = len(rows)
        batch.rows_imported = len(out)
        kinds: dict[str, int] = {}
        for r in out:
            kinds[r[2]] = kinds.get(r[2], 0) + 1
        batch.notes.update(
            {"kinds": kinds, "replaced_earlier_rows": replaced, "exits_not_on_roster_exit_date": mismatched,
             "exits_of_people_without_roster_exit_date": no_exit}
        )
        if progress:
            progress(len(rows), len(rows))
    return batch.result


def _check(rec, i, src, resolver, known, parsed, id_kind):
    raw = rec.get("person", "")
    if not raw:
        raise src.error(i, "person", "the person is empty", "Give the employee id or work e-mail of the person the outcome is about.")
    person = resolver.resolve(raw, id_kind)
    if person not in known:
        raise src.error(
            i, "person", f"{raw!r} is not anyone on the roster",
            "Import the roster (or the Viva person query, with --id-kind viva) first, or correct the identifier; nothing was imported.",
        )
    if not rec.get("date"):
        raise src.error(i, "date", "the date is empty", "Give the date of the outcome as YYYY-MM-DD.")
    day = parsed[rec["date"]]
    kind = rec.get("kind", "").lower()
    if kind not in KINDS:
        shown = rec.get("kind", "")
        raise src.error(i, "kind", f"unknown kind {shown!r}" if shown else "the kind is empty", "Use one of: " + ", ".join(KINDS) + ".")
    text = rec.get("value", "")
    value = None
    if text:
        try:
            value = float(text)
        except ValueError:
            value = math.nan
        if not math.isfinite(value):
            raise src.error(i, "value", f"not a number: {text!r}", "Give a number (a rating such as 3 or 4.5, a score such as 72), or leave it empty.")
    elif kind in NEEDS_VALUE:
        raise src.error(i, "value", f"{'an' if kind == 'engagement' else 'a'} {kind} outcome needs a value", f"Give the {'rating' if kind == 'performance' else 'score'} as a number.")
    label = rec.get("label") or None
    if kind == "exit" and label is not None:
        label = label.lower()
        if label not in EXIT_TYPES:
            raise src.error(i, "label", f"unknown exit type {rec['label']!r}", "Use voluntary, involuntary or other, or leave it empty.")
    return (person, day, kind), (person, day, kind, value, label)
