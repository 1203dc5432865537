"""Import Microsoft Viva Insights query exports: person-to-person and person queries.

Both exports identify people by ``PersonId``: an identifier Viva Insights has
already pseudonymised. socialhr treats it as an identifier of kind ``viva``:
its token goes to the analytics database, the PersonId itself only to the
vault. A PersonId that is not yet anyone in the workspace becomes a person of
its own (a ``people_history`` record and an identity with status ``person``),
because a Viva export is often the only view of the organization an analyst
gets: without that, every Viva tie would be dropped as unresolved. Such a
person has no roster facts until a person query brings them.

``viva-p2p`` (``PrimaryCollaborator_PersonId, SecondaryCollaborator_PersonId,
MetricDate`` and ``Strong_tie_score``/``Diverse_tie_score`` with their
``..._tie_type``): each row gives up to two directed ties, ``viva_strong``
weighted by the strong tie score and ``viva_diverse`` by the diverse tie score;
a score that is empty or 0 gives no tie. The period a tie covers starts on its
MetricDate: the whole month when the date is the first of a month (monthly
queries), else the 7 days from it (weekly queries). The tie type codes are
counted in the batch notes.

``viva-person`` (``PersonId, MetricDate``, metric columns, HR attributes):
every numeric column is a metric, stored per person and week in
``person_week_metrics``; every column with text is an HR attribute (or those
named by ``hr_columns``). ``Organization`` becomes the department, ``Level``
the level; another HR attribute goes to the person's attributes only when
``hr_columns`` names it (the declaration, as ``--attribute`` is the
roster's), and is refused if it cannot be a group dimension
(:func:`socialhr.privacy.attribute_refusal`); the others are left out and
named in the batch notes (``left_out``). When a person's attributes change
from one week to the next, their record closes on that week's MetricDate and
a new one opens, as the roster does. The names of these columns are the
file's to choose: in DuckDB the columns are named by position, and their
names are only ever values (bound parameters), so a name is stored as
written, whatever it holds (tests/security/test_sql_from_files.py).
"""

from __future__ import annotations

import calendar
import json
from datetime import date, timedelta
from pathlib import Path
from typing import Callable

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from ..errors import InputError
from ..privacy import attribute_refusal
from ..sql import quote_identifier
from ..workspace import Workspace
from .batch import Batch, BatchResult
from .hr_common import read_dates
from .identity import IdentityResolver
from .roster import _HISTORY_SCHEMA, SINCE_RECORDS_BEGAN
from .tabular import TableSource, open_table

P2P_IDS = ["PrimaryCollaborator_PersonId", "SecondaryCollaborator_PersonId", "MetricDate"]
P2P_SCORES = {"viva_strong": ("Strong_tie_score", "Strong_tie_type"), "viva_diverse": ("Diverse_tie_score", "Diverse_tie_type")}
HR_FIELDS = {"organization": "department", "level": "level"}
ID_KIND = "viva"


# -- person-to-person ---------------------------------------------------------

def import_viva_p2p(
    ws: Workspace,
    path: str | Path,
    *,
    encoding: str | None = None,
    date_format: str | None = None,
    progress: Callable[[int, int | None], None] | None = None,
) -> BatchResult:
    """Import a Viva Insights person-to-person query export as ties. See the module docstring."""
    optional = [c for pair in P2P_SCORES.values() for c in pair]
    src = open_table(path, required=P2P_IDS, optional=optional, encoding=encoding, max_ratio=ws.settings["archive_max_ratio"])
    if not any(score in src.columns for score, _ in P2P_SCORES.values()):
        raise InputError(
            f"no tie score column (found: {', '.join(src.source_columns)})", file=src.path, line=1,
            hint="Export the person-to-person query with the Strong_tie_score or Diverse_tie_score metric.",
        )
    dates, total = _scan_dates(src, "MetricDate")
    days = read_dates(dates, date_format, src, "MetricDate")
    with Batch(ws, "viva-p2p", src.path) as batch:
        if batch.is_duplicate:
            return batch.result
        resolver = IdentityResolver(ws, batch.batch_id, default_kind=ID_KIND)
        periods = pa.table({
            "d": list(days), "period_start": pa.array(list(days.values()), pa.date32()),
            "period_end": pa.array([_period_end(d) for d in days.values()], pa.date32()),
        })
        type_counts: dict[str, dict[str, int]] = {}
        offset = 0
        ws.db.register("_periods", periods)
        try:
            for rb in src.batches():
                staged = pa.table({
                    **{n: rb.column(n) for n in rb.schema.names},
                    "a": resolver.resolve_array(rb.column("PrimaryCollaborator_PersonId")),
                    "b": resolver.resolve_array(rb.column("SecondaryCollaborator_PersonId")),
                    "__row": pa.array(range(offset, offset + rb.num_rows), pa.int64()),
                })
                _insert_p2p(ws, batch, src, staged, type_counts)
                offset += rb.num_rows
                if progress:
                    progress(offset, total)
        finally:
            ws.db.unregister("_periods")
        if offset == 0:
            raise InputError("the file has a header but no rows", file=src.path, hint="Export the query again; nothing was imported.")
        new_people = _make_people(ws, resolver, batch)
        batch.rows_read = offset
        batch.rows_imported = offset - sum(batch.skipped.values())
        batch.notes.update({
            "ties": dict(ws.db.execute("SELECT tie_type, count(*) FROM ties WHERE batch_id = ? GROUP BY 1 ORDER BY 1", [batch.batch_id]).fetchall()),
            "tie_type_codes": type_counts, "new_people": new_people,
            "metric_dates": sorted(d.isoformat() for d in days.values()),
        })
    return batch.result


def _insert_p2p(ws: Workspace, batch: Batch, src: TableSource, staged: pa.Table, type_counts: dict) -> None:
    db = ws.db
    db.register("_staged", staged)
    try:
        for name in (c for pair in P2P_SCORES.values() for c in pair):
            if name not in staged.schema.names:
                continue
            is_type = name.endswith("_type")
            c = quote_identifier(name)
            value = f"TRY_CAST(trim({c}) AS DOUBLE)"
            bad = f"({value} IS NULL OR {value} < 0{' OR ' + value + ' <> round(' + value + ')' if is_type else ''})"
            row = db.execute(f"SELECT min(__row), arg_min({c}, __row) FROM _staged WHERE nullif(trim({c}), '') IS NOT NULL AND {bad}").fetchone()
            if row[0] is not None:
                what = "a tie type code" if is_type else "a tie score"
                hint = "Viva Insights writes a whole number such as 0, 1 or 2." if is_type else "Viva Insights writes a number of 0 or more."
                raise src.error(row[0], name, f"not {what}: {row[1]!r}", hint)
            if is_type:
                counts = type_counts.setdefault(name, {})
                for code, n in db.execute(f"SELECT CAST(CAST(trim({c}) AS DOUBLE) AS BIGINT)::VARCHAR, count(*) FROM _staged "
                                          f"WHERE nullif(trim({c}), '') IS NOT NULL GROUP BY 1").fetchall():
                    counts[code] = counts.get(code, 0) + n
        for field in ("PrimaryCollaborator_PersonId", "SecondaryCollaborator_PersonId"):
            col = "a" if field.startswith("Primary") else "b"
            row = db.execute(f"SELECT min(__row) FROM _staged WHERE {quote_identifier(col)} IS NULL").fetchone()
            if row[0] is not None:
                raise src.error(row[0], field, "the PersonId is empty", "Every row needs both collaborators' PersonIds; export the query again.")
        row = db.execute('SELECT min(__row) FROM _staged WHERE nullif(trim("MetricDate"), \'\') IS NULL').fetchone()
        if row[0] is not None:
            raise src.error(row[0], "MetricDate", "the MetricDate is empty", "Every row needs the date of the period it covers.")
        batch.skip("self-ties", db.execute("SELECT count(*) FROM _staged WHERE a = b").fetchone()[0])
        scores = [(tie_type, score) for tie_type, (score, _) in P2P_SCORES.items() if score in staged.schema.names]
        any_score = " OR ".join(f"coalesce(TRY_CAST(trim({quote_identifier(s)}) AS DOUBLE), 0) > 0" for _, s in scores)
        batch.skip("no tie score above 0", db.execute(f"SELECT count(*) FROM _staged WHERE a <> b AND NOT ({any_score})").fetchone()[0])
        for tie_type, score in scores:
            c = quote_identifier(score)
            db.execute(
                f"""INSERT INTO ties SELECT ?, a, b, p.period_start, p.period_end, CAST(trim({c}) AS DOUBLE), ?, 'viva-p2p'
                    FROM _staged s JOIN _periods p ON p.d = trim(s."MetricDate")
                    WHERE a <> b AND coalesce(TRY_CAST(trim({c}) AS DOUBLE), 0) > 0""",
                [batch.batch_id, tie_type],
            )
    except duckdb.Error as e:
        batch.abort()
        raise InputError(f"cannot import the rows near line {src.line_of(staged['__row'][0].as_py())}: {e}", file=src.path) from None
    finally:
        db.unregister("_staged")


def _period_end(start: date) -> date:
    """Monthly queries date a row on the 1st of its month; weekly ones on the week's first day."""
    if start.day == 1:
        return start.replace(day=calendar.monthrange(start.year, start.month)[1])
    return start + timedelta(days=6)


def _scan_dates(src: TableSource, field: str) -> tuple[dict[str, int], int]:
    """Distinct date texts with the row of their first appearance, and the number of rows."""
    seen: dict[str, int] = {}
    offset = 0
    for rb in src.batches():
        col = pc.utf8_trim_whitespace(rb.column(field).cast(pa.string()))
        uniq = pc.unique(col)
        for text in uniq.to_pylist():
            if text and text not in seen:
                seen[text] = offset + pc.index(col, text).as_py()
        offset += rb.num_rows
    return seen, offset


def _make_people(ws: Workspace, resolver: IdentityResolver, batch: Batch) -> int:
    """Make each PersonId seen for the first time a person, then store the new identities."""
    fresh = [t for t, (kind, _, _, status) in resolver.new.items() if kind == ID_KIND and status != "person"]
    for t in fresh:
        kind, raw, _, _ = resolver.new[t]
        resolver.new[t] = (kind, raw, t, "person")
    resolver.flush()
    if fresh:
        ws.db.register("_fresh", pa.table({"person": fresh}))
        try:
            ws.db.execute(
                "INSERT INTO people_history (person, valid_from, batch_id) SELECT person, ?, ? FROM _fresh "
                "WHERE person NOT IN (SELECT person FROM people_history)",
                [SINCE_RECORDS_BEGAN, batch.batch_id],
            )
        finally:
            ws.db.unregister("_fresh")
    return len(fresh)


# -- person query -------------------------------------------------------------

def import_viva_person(
    ws: Workspace,
    path: str | Path,
    *,
    encoding: str | None = None,
    date_format: str | None = None,
    hr_columns: list[str] | str | None = None,
    progress: Callable[[int, int | None], None] | None = None,
) -> BatchResult:
    """Import a Viva Insights person query export. See the module docstring."""
    src = open_table(path, required=["PersonId", "MetricDate"], encoding=encoding, keep_extra=True, multiline=False,
                     max_ratio=ws.settings["archive_max_ratio"])
    others = [c for c in src.columns if c not in ("PersonId", "MetricDate")]
    if isinstance(hr_columns, str):
        hr_columns = [c.strip() for c in hr_columns.split(",") if c.strip()]
    lower = {c.lower(): c for c in others}
    if hr_columns is not None:
        unknown = [c for c in hr_columns if c.lower() not in lower]
        if unknown:
            raise InputError(f"--hr-columns names {', '.join(repr(c) for c in unknown)}, not a column of the file", file=src.path, line=1,
                             hint=f"Columns: {', '.join(others)}.")
        hr = [lower[c.lower()] for c in hr_columns]
        _refuse_personal(src, [c for c in hr if c.lower() not in HR_FIELDS])
    text = _text_columns(ws, src, others)
    if hr_columns is None:
        hr = [c for c in text if c.lower() in HR_FIELDS]
    # Text columns not named (Organization and Level aside) are HR attributes left out, not metrics.
    left_out = [c for c in text if c not in hr]
    metrics = [c for c in others if c not in hr and c not in left_out]
    dates, total = _scan_dates(src, "MetricDate")
    days = read_dates(dates, date_format, src, "MetricDate")
    with Batch(ws, "viva-person", src.path) as batch:
        if batch.is_duplicate:
            return batch.result
        resolver = IdentityResolver(ws, batch.batch_id, default_kind=ID_KIND)
        db = ws.db
        db.execute("CREATE TEMP TABLE _hr (person VARCHAR, week DATE, department VARCHAR, level VARCHAR, attributes VARCHAR, __row BIGINT)")
        db.register("_weeks", pa.table({"d": list(days), "week": pa.array(list(days.values()), pa.date32())}))
        offset = 0
        try:
            for rb in src.batches():
                staged = pa.table({
                    **_by_position(rb, others), "MetricDate": rb.column("MetricDate"),
                    "person": resolver.resolve_array(rb.column("PersonId")),
                    "__row": pa.array(range(offset, offset + rb.num_rows), pa.int64()),
                })
                _insert_person_rows(ws, batch, src, staged, {c: _position(others, c) for c in metrics}, {c: _position(others, c) for c in hr})
                offset += rb.num_rows
                if progress:
                    progress(offset, total)
            if offset == 0:
                raise InputError("the file has a header but no rows", file=src.path, hint="Export the query again; nothing was imported.")
            new_people = _make_people(ws, resolver, batch)
            changes = _update_people(ws, batch) if hr else {}
        except duckdb.Error:
            batch.abort()
            raise
        finally:
            db.unregister("_weeks")
            db.execute("DROP TABLE IF EXISTS _hr")
        batch.rows_read = batch.rows_imported = offset
        batch.notes.update({
            "people": db.execute("SELECT count(DISTINCT person) FROM person_week_metrics WHERE batch_id = ?", [batch.batch_id]).fetchone()[0],
            "weeks": len(days), "metrics": len(metrics), "hr_attributes": hr, "new_people": new_people, **changes,
            **({"left_out": left_out} if left_out else {}),
        })
    return batch.result


# The file's metric and attribute columns are named by position in DuckDB
# (c0, c1...): their names, which the file chooses, are only ever data (bound
# parameters), and two names DuckDB would take for one (it ignores case) stay two.

def _position(columns: list[str], name: str) -> str:
    """The name DuckDB knows the column ``name`` of ``columns`` by."""
    return f"c{columns.index(name)}"


def _by_position(rb: pa.RecordBatch, columns: list[str]) -> dict[str, pa.Array]:
    return {f"c{i}": rb.column(name) for i, name in enumerate(columns)}


def _refuse_personal(src: TableSource, columns: list[str]) -> None:
    """Refuse a named HR column that cannot be a group dimension, judged on each person's last value."""
    if not columns:
        return
    rows = pa.Table.from_batches([rb.select(["PersonId", *columns]) for rb in src.batches()])
    last = rows.group_by("PersonId", use_threads=False).aggregate([(c, "last") for c in columns])
    for column in columns:
        reason = attribute_refusal(column, last.column(f"{column}_last").cast(pa.string()).to_pylist())
        if reason:
            raise InputError(f"the column {column!r} cannot be a group dimension, so it is not stored: {reason}", file=src.path,
                             line=1, field=column, hint="Leave it out of --hr-columns, or map it to something coarser before "
                                                         "importing (a region for a city, a band for a salary, a year for a date).")


def _text_columns(ws: Workspace, src: TableSource, columns: list[str]) -> list[str]:
    """The HR attributes: columns where values that are not numbers are at least as many as numbers.

    A metric column with a stray ``n/a`` stays a metric (and that value is an
    error), rather than silently turning into an attribute.
    """
    text = dict.fromkeys(columns, 0)
    numbers = dict.fromkeys(columns, 0)
    if not columns:
        return []
    checks = ", ".join(
        f"count(*) FILTER (WHERE nullif(trim({c}), '') IS NOT NULL AND TRY_CAST(trim({c}) AS DOUBLE) IS NULL), "
        f"count(TRY_CAST(trim({c}) AS DOUBLE))"
        for c in (quote_identifier(f"c{i}") for i in range(len(columns)))
    )
    for rb in src.batches():
        ws.db.register("_probe", pa.table(_by_position(rb, columns)))
        try:
            counts = ws.db.execute(f"SELECT {checks} FROM _probe").fetchone()
        finally:
            ws.db.unregister("_probe")
        for i, c in enumerate(columns):
            text[c] += counts[2 * i]
            numbers[c] += counts[2 * i + 1]
    return [c for c in columns if text[c] and text[c] >= numbers[c]]


def _insert_person_rows(ws: Workspace, batch: Batch, src: TableSource, staged: pa.Table, metrics: dict[str, str], hr: dict[str, str]) -> None:
    """Check and store one batch of rows; ``metrics`` and ``hr`` map each column's name to the one it has in ``staged``."""
    db = ws.db
    db.register("_staged", staged)
    try:
        row = db.execute("SELECT min(__row) FROM _staged WHERE person IS NULL").fetchone()[0]
        if row is not None:
            raise src.error(row, "PersonId", "the PersonId is empty", "Every row needs the person's PersonId; export the query again.")
        row = db.execute('SELECT min(__row) FROM _staged WHERE nullif(trim("MetricDate"), \'\') IS NULL').fetchone()[0]
        if row is not None:
            raise src.error(row, "MetricDate", "the MetricDate is empty", "Every row needs the week it describes.")
        dup = db.execute(
            'SELECT s.__row, p.__row FROM _staged s JOIN _weeks w ON w.d = trim(s."MetricDate") '
            "JOIN (SELECT person, week, min(__row) AS __row FROM _hr GROUP BY ALL) p ON p.person = s.person AND p.week = w.week "
            "ORDER BY 1 LIMIT 1"
        ).fetchone() or db.execute(
            'SELECT max(__row), min(__row) FROM _staged GROUP BY person, trim("MetricDate") HAVING count(*) > 1 ORDER BY 1 LIMIT 1'
        ).fetchone()
        if dup:
            raise src.error(dup[0], "PersonId", f"the same person and week appear twice (lines {src.line_of(dup[1])} and {src.line_of(dup[0])})",
                            "A person query has one row per person and week; export it again.")
        for name, c in metrics.items():
            c = quote_identifier(c)
            row = db.execute(f"SELECT min(__row), arg_min({c}, __row) FROM _staged WHERE nullif(trim({c}), '') IS NOT NULL AND TRY_CAST(trim({c}) AS DOUBLE) IS NULL").fetchone()
            if row[0] is not None:
                raise src.error(row[0], name, f"not a number: {row[1]!r}", "Metric columns hold numbers; name text columns with --hr-columns.")
        if metrics:
            cols = ", ".join(f"TRY_CAST(trim({c}) AS DOUBLE) AS {c}" for c in map(quote_identifier, metrics.values()))
            names = ", ".join("(?, ?)" for _ in metrics)
            db.execute(
                f"""INSERT INTO person_week_metrics
                    SELECT ?, person, week, n.metric, value FROM (
                        UNPIVOT (SELECT s.person, w.week, {cols} FROM _staged s JOIN _weeks w ON w.d = trim(s."MetricDate"))
                        ON {', '.join(map(quote_identifier, metrics.values()))} INTO NAME staged_name VALUE value) u
                    JOIN (VALUES {names}) n(staged_name, metric) USING (staged_name)""",
                [batch.batch_id, *(v for name, c in metrics.items() for v in (c, name))],
            )
        dept = next((f"nullif(trim({quote_identifier(c)}), '')" for name, c in hr.items() if HR_FIELDS.get(name.lower()) == "department"), "NULL")
        level = next((f"nullif(trim({quote_identifier(c)}), '')" for name, c in hr.items() if HR_FIELDS.get(name.lower()) == "level"), "NULL")
        attrs = {name: c for name, c in hr.items() if name.lower() not in HR_FIELDS}
        # The attributes' names are bound parameters: json_object(?, value, ?, value...).
        attr_sql = "json_object(" + ", ".join(f"?, nullif(trim({quote_identifier(c)}), '')" for c in attrs.values()) + ")::VARCHAR" if attrs else "NULL"
        db.execute(f"""INSERT INTO _hr SELECT s.person, w.week, {dept}, {level}, {attr_sql}, __row
                       FROM _staged s JOIN _weeks w ON w.d = trim(s."MetricDate")""", list(attrs))
    except duckdb.Error as e:
        batch.abort()
        raise InputError(f"cannot import the rows near line {src.line_of(staged['__row'][0].as_py())}: {e}", file=src.path) from None
    finally:
        db.unregister("_staged")


def _update_people(ws: Workspace, batch: Batch) -> dict[str, int]:
    """Open a record wherever a person's HR attributes change (from the weekly rows in _hr)."""
    db = ws.db
    # Keep the first week and every week whose attributes differ from the week before.
    segments = db.execute(
        """SELECT person, week, department, level, attributes FROM (
               SELECT *, lag(coalesce(department, '') || '\x1f' || coalesce(level, '') || '\x1f' || coalesce(attributes, '')) OVER w AS prev,
                      coalesce(department, '') || '\x1f' || coalesce(level, '') || '\x1f' || coalesce(attributes, '') AS cur,
                      row_number() OVER w AS n
               FROM _hr WINDOW w AS (PARTITION BY person ORDER BY week))
           WHERE n = 1 OR prev IS DISTINCT FROM cur ORDER BY person, week"""
    ).fetchall()
    current = {
        r[0]: r for r in db.execute(
            "SELECT person, valid_from, department, team, manager, level, location, hire_date, exit_date, CAST(attributes AS VARCHAR) "
            "FROM people_history WHERE valid_to IS NULL"
        ).fetchall()
    }
    new_rows: list[list] = []
    open_row: dict[str, int] = {}  # person -> index in new_rows of their open record
    replaced, closed, older = [], [], 0
    closed_here = 0  # records this import opened and then ended (a second change within the file)
    for person, week, dept, level, attrs in segments:
        cur = current[person]
        merged = {**json.loads(cur[9] or "{}"), **{k: v for k, v in json.loads(attrs or "{}").items() if v is not None}}
        dept = dept if dept is not None else cur[2]
        level = level if level is not None else cur[5]
        if (cur[2], cur[5], json.loads(cur[9] or "{}")) == (dept, level, merged):
            continue
        bare = cur[1] == SINCE_RECORDS_BEGAN and all(v is None for v in cur[2:])
        if bare and person not in open_row:
            start = SINCE_RECORDS_BEGAN  # a record made from a bare PersonId: fill it in from the start
            replaced.append((person, cur[1]))
        elif week <= cur[1]:
            older += 1
            continue
        else:
            start = week
            if person in open_row:
                new_rows[open_row[person]][2] = week
                closed_here += 1
            else:
                closed.append((week, person, cur[1]))
        row = [person, start, None, dept, cur[3], cur[4], level, cur[6], cur[7], cur[8],
               json.dumps(merged, sort_keys=True) if merged else None, batch.batch_id]
        open_row[person] = len(new_rows)
        new_rows.append(row)
        current[person] = (person, start, dept, cur[3], cur[4], level, cur[6], cur[7], cur[8], row[10])
    if replaced:
        _bulk(db, "DELETE FROM people_history h USING _t WHERE h.person = _t.person AND h.valid_from = _t.valid_from AND h.valid_to IS NULL",
              {"person": [r[0] for r in replaced], "valid_from": pa.array([r[1] for r in replaced], pa.date32())})
    if closed:
        _bulk(db, "UPDATE people_history h SET valid_to = _t.valid_to FROM _t WHERE h.person = _t.person AND h.valid_from = _t.valid_from AND h.valid_to IS NULL",
              {"valid_to": pa.array([r[0] for r in closed], pa.date32()), "person": [r[1] for r in closed],
               "valid_from": pa.array([r[2] for r in closed], pa.date32())})
    if new_rows:
        _bulk(db, "INSERT INTO people_history SELECT * FROM _t", {c: [r[i] for r in new_rows] for i, c in enumerate(_HISTORY_SCHEMA.names)}, _HISTORY_SCHEMA)
    return {"records_opened": len(new_rows), "records_closed": len(closed) + closed_here, "attribute_changes_before_current_record": older}


def _bulk(db: duckdb.DuckDBPyConnection, sql: str, columns: dict, schema: pa.Schema | None = None) -> None:
    """Run ``sql`` against the rows given as columns, registered as ``_t``."""
    db.register("_t", pa.table(columns, schema=schema))
    try:
        db.execute(sql)
    finally:
        db.unregister("_t")
