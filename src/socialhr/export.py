"""Export a table to CSV, Parquet, JSON or JSON Lines, pseudonymised unless asked otherwise.

Tables register themselves with :func:`exportable`: a function that takes the
workspace and keyword options and returns a SQL query over the analytics
database whose person columns are pseudonyms. ``identified=True`` adds the
vault's employee ids beside the columns the table names as person columns.

Exports are streamed: DuckDB runs the query (sorting on disk if it must) and
hands over batches of rows, each batch is prepared (pseudonyms looked up,
employee ids added, lists joined for CSV) with vectorised Arrow operations
and written before the next is read, so memory stays flat however large the
table (benchmarks/export.py measures it).
"""

from __future__ import annotations

import inspect
import json
import textwrap
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from .errors import SocialHRError, UnknownTableError, VaultError
from .lists import values as list_values
from .lists import with_values, without_nulls
from .recovery import people_missing_from_vault
from .schema import STORED_INTERACTIONS
from .workspace import Workspace


@dataclass
class ExportTable:
    name: str
    query: Callable[..., str]
    help: str
    # column of pseudonyms -> name of the employee-id column --identified adds
    person_columns: dict[str, str] = field(default_factory=dict)
    # list columns of pseudonyms -> name of the identified list column
    person_list_columns: dict[str, str] = field(default_factory=dict)
    # how list columns are written to CSV
    list_separator: str = ";"
    writers: dict[str, Callable[..., None]] = field(default_factory=dict)
    # given the workspace, a function applied to each batch of the query's rows before it is written
    prepare: Callable[[Workspace], Callable[[pa.RecordBatch], pa.RecordBatch]] | None = None


TABLES: dict[str, ExportTable] = {}

FORMATS = {".csv": "csv", ".parquet": "parquet", ".json": "json", ".jsonl": "jsonl", ".ndjson": "jsonl"}


def exportable(name: str, *, help: str, person_columns=None, person_list_columns=None, writers=None, prepare=None):
    """Register a table for ``socialhr export``."""

    def register(fn: Callable[..., str]) -> Callable[..., str]:
        TABLES[name] = ExportTable(name, fn, help, dict(person_columns or {}), dict(person_list_columns or {}),
                                   writers=dict(writers or {}), prepare=prepare)
        return fn

    return register


@exportable("people", help="The current roster, pseudonymised.", person_columns={"person": "employee_id", "manager": "manager_employee_id"})
def _people(ws: Workspace, **_: Any) -> str:
    return (
        "SELECT person, department, team, manager, level, location, hire_date, exit_date, "
        "CAST(attributes AS VARCHAR) AS attributes FROM people ORDER BY person"
    )


@exportable(
    "people_history",
    help="Every roster record with the dates it held (valid_to exclusive).",
    person_columns={"person": "employee_id", "manager": "manager_employee_id"},
)
def _people_history(ws: Workspace, **_: Any) -> str:
    return (
        "SELECT person, valid_from, valid_to, department, team, manager, level, location, hire_date, exit_date, "
        "CAST(attributes AS VARCHAR) AS attributes, batch_id FROM people_history ORDER BY person, valid_from"
    )


def _recipient_pseudonyms(ws: Workspace) -> Callable[[pa.RecordBatch], pa.RecordBatch]:
    """Turns the identity ids in ``recipients`` into pseudonyms, as the
    ``interactions`` view shows them, with one array lookup per batch instead
    of the view's unnest and regroup (which needs memory for every row)."""
    ids, pseudo = ws.db.execute("SELECT list(id), list(coalesce(person, token)) FROM identities").fetchone()
    lookup = np.full(max(ids or [0]) + 1, None, dtype=object)
    lookup[np.asarray(ids or [], dtype=np.int64)] = pseudo or []
    lookup = pa.array(lookup, pa.string())

    def prepare(batch: pa.RecordBatch) -> pa.RecordBatch:
        i = batch.schema.get_field_index("recipients")
        lists = batch.column(i)
        ids = list_values(lists)
        values = pc.take(lookup, pc.if_else(pc.less(ids, len(lookup)), ids, None))
        # an id no identity has (never made by the importers) is left out, as the view does
        out = without_nulls(lists, values) if values.null_count else with_values(lists, values)
        return batch.set_column(i, pa.field("recipients", out.type), out)

    return prepare


@exportable(
    "interactions",
    help="Interaction metadata: timestamp (UTC), sender, recipients, channel, kind, weight, duration.",
    person_columns={"sender": "sender_employee_id"},
    person_list_columns={"recipients": "recipient_employee_ids"},
    prepare=_recipient_pseudonyms,
)
def _interactions(ws: Workspace, **_: Any) -> str:
    # The rows of the ``interactions`` view; recipients stay ids here (see _recipient_pseudonyms).
    return (
        'SELECT n."timestamp", s.p AS sender, n.recipients, n.channel, n.kind, n.weight, n.duration_minutes, n.context, n.batch_id '
        f"FROM ({STORED_INTERACTIONS}) n JOIN (SELECT id, coalesce(person, token) AS p FROM identities) s ON s.id = n.sender "
        # Ties broken down to the last column, so that the same rows always export in the same order.
        'ORDER BY n."timestamp", sender, n.channel, n.kind, n.recipients, n.context, n.batch_id, n.weight, n.duration_minutes'
    )


def table_names() -> list[str]:
    return sorted(TABLES)


def export_table(
    ws: Workspace, table: str, out: str | Path, *, identified: bool = False,
    progress: Callable[[int], None] | None = None, **options: Any,
) -> int:
    """Write ``table`` to ``out`` (format from the extension), streamed; return the row count.

    ``progress``, if given, is called with the number of rows written so far after each batch.
    """
    out = Path(out)
    if table not in TABLES:
        raise UnknownTableError(f"no table named '{table}'", hint=f"Tables you can export: {', '.join(table_names())}.")
    spec = TABLES[table]
    options = {k: v for k, v in options.items() if v is not None}
    _check_options(spec, options)
    suffix = out.suffix.lower()
    if suffix in spec.writers:
        return spec.writers[suffix](ws, out, identified=identified, **options)
    if suffix not in FORMATS:
        known = ", ".join(sorted(set(FORMATS) | set(spec.writers)))
        raise SocialHRError(f"cannot tell the format of '{out.name}' from its extension", hint=f"Use one of: {known}.")
    schema, batches = _batches(ws, spec, identified, options)
    if progress:
        batches = _counted(batches, progress)
    out.parent.mkdir(parents=True, exist_ok=True)
    fmt = FORMATS[suffix]
    rows = 0
    if fmt == "parquet":
        with pq.ParquetWriter(out, schema) as writer:
            for b in batches:
                writer.write_batch(b)
                rows += b.num_rows
    elif fmt == "csv":
        empty = _flatten_lists(pa.RecordBatch.from_pylist([], schema=schema), spec.list_separator)
        with pacsv.CSVWriter(out, empty.schema) as writer:  # writes the header even when there are no rows
            for b in batches:
                writer.write_batch(_flatten_lists(b, spec.list_separator))
                rows += b.num_rows
    else:
        rows = _write_json(batches, out, lines=fmt == "jsonl")
    return rows


BATCH_ROWS = 100_000  # rows per batch of an export


def _counted(batches: Iterator[pa.RecordBatch], progress: Callable[[int], None]) -> Iterator[pa.RecordBatch]:
    done = 0
    for b in batches:
        yield b
        done += b.num_rows
        progress(done)


def _batches(ws: Workspace, spec: ExportTable, identified: bool, options: dict[str, Any]) -> tuple[pa.Schema, Iterator[pa.RecordBatch]]:
    """The schema of the exported rows and an iterator over them, batch by batch."""
    prepare = spec.prepare(ws) if spec.prepare else None
    ids = ws.vault.employee_ids() if identified else None  # raises VaultError when the vault is absent
    # People on the roster the vault has lost (a vault behind the database): their ids would come out empty.
    lost = pa.array(sorted(people_missing_from_vault(ws, held=ids)), pa.string()) if identified else None
    reader = ws.db.execute(spec.query(ws, **options)).to_arrow_reader(BATCH_ROWS)

    def finish(b: pa.RecordBatch) -> pa.RecordBatch:
        if prepare:
            b = prepare(b)
        return _identify(b, spec, ids, lost) if ids is not None else b

    # The schema of the finished rows, from an empty batch.
    schema = finish(pa.RecordBatch.from_pylist([], schema=reader.schema)).schema
    return schema, (finish(b) for b in reader if b.num_rows)


def read_table(ws: Workspace, table: str, *, identified: bool = False, **options: Any) -> pa.Table:
    """The rows of an exportable table as Arrow, pseudonymised unless ``identified``."""
    schema, batches = _batches(ws, TABLES[table], identified, options)
    return pa.Table.from_batches(list(batches), schema=schema)


def table_options(spec: ExportTable) -> set[str]:
    """The keyword options a table's query (or any of its writers) takes, e.g. ``window``."""
    names: set[str] = set()
    for fn in [spec.query, *spec.writers.values()]:
        for p in inspect.signature(fn).parameters.values():
            if p.kind is p.KEYWORD_ONLY and p.name != "identified":
                names.add(p.name)
    return names


def _check_options(spec: ExportTable, options: dict[str, Any]) -> None:
    unknown = sorted(set(options) - table_options(spec))
    if unknown:
        takes = ", ".join(f"--{o}" for o in sorted(table_options(spec))) or "no options"
        raise SocialHRError(
            f"{', '.join('--' + o for o in unknown)} {'does' if len(unknown) == 1 else 'do'} not apply to the table '{spec.name}'",
            hint=f"'{spec.name}' takes {takes}.",
        )


def _identify(data: pa.RecordBatch, spec: ExportTable, ids: dict[str, str], lost: pa.Array) -> pa.RecordBatch:
    """Add the employee id beside each person column (and a list of them beside each list of persons).

    Raises
    ------
    VaultError
        If a person column names someone on the roster whom the vault has no employee id for
        (``lost``): their id would otherwise come out empty, as for someone never on the roster.
    """
    for col, new in spec.person_columns.items():
        if col in data.schema.names:
            _refuse_lost(data.column(col), lost)
            data = data.add_column(data.schema.get_field_index(col) + 1, new, _look_up(data.column(col), ids))
    for col, new in spec.person_list_columns.items():
        if col in data.schema.names:
            lists = data.column(col)
            _refuse_lost(list_values(lists), lost)
            mapped = with_values(lists, _look_up(list_values(lists), ids))
            data = data.add_column(data.schema.get_field_index(col) + 1, new, mapped)
    return data


def _refuse_lost(values: pa.Array, lost: pa.Array) -> None:
    if len(lost) and pc.any(pc.is_in(values, value_set=lost)).as_py():
        n = len(lost)
        raise VaultError(
            f"the vault has no employee id for {n:,} {'person' if n == 1 else 'people'} on the roster, "
            f"{'whom' if n == 1 else 'some of whom'} this table names",
            hint="The vault is behind the analytics database (an import interrupted by an older socialhr, or a vault "
                 "restored from an older backup): restore the vault that goes with this database, or import the roster "
                 "again (a workspace opened for writing lets the same roster file be imported again to restore the "
                 "missing people).")


def _look_up(values: pa.Array, mapping: dict[str, str]) -> pa.Array:
    """``mapping`` applied to a column of strings, each distinct value looked up once (None where absent)."""
    enc = pc.dictionary_encode(values)
    mapped = pa.array([mapping.get(v) for v in enc.dictionary.to_pylist()], pa.string())
    return pc.take(mapped, enc.indices)


def _flatten_lists(data: pa.RecordBatch, sep: str) -> pa.RecordBatch:
    """CSV has no lists: join list cells with ``sep`` (a missing element stays empty); times in ISO 8601."""
    for i, f in enumerate(data.schema):
        if pa.types.is_timestamp(f.type):
            data = data.set_column(i, f.name, _iso(data.column(i)))
        elif pa.types.is_list(f.type) or pa.types.is_large_list(f.type):
            lists = data.column(i)
            text = with_values(lists, pc.fill_null(pc.cast(list_values(lists), pa.string()), ""))
            data = data.set_column(i, f.name, pc.binary_join(text, sep))
    return data


def _iso(times: pa.Array) -> pa.Array:
    """Timestamps in ISO 8601 (``2026-07-01T08:15:00.000000``, with ``Z`` when in UTC). A UTC
    timestamp is formatted as the same instant without a zone, which is ten times faster
    than formatting it with one, and gives the same text."""
    tz = times.type.tz
    if tz is None or tz in ("UTC", "Etc/UTC", "+00:00", "Z"):
        text = pc.cast(pc.cast(times, pa.timestamp(times.type.unit)), pa.string())
        text = pc.replace_substring(text, " ", "T", max_replacements=1)
        return pc.binary_join_element_wise(text, "Z", "") if tz else text
    return pc.strftime(times, format="%Y-%m-%dT%H:%M:%S%z")


def _write_json(batches: Iterator[pa.RecordBatch], out: Path, *, lines: bool) -> int:
    """JSON Lines, or one JSON array (indented by one space per level); row by row, batch by batch."""

    def default(o: Any) -> Any:
        return o.isoformat() if hasattr(o, "isoformat") else str(o)

    rows = 0
    with open(out, "w", encoding="utf-8") as f:
        if not lines:
            f.write("[")
        for b in batches:
            for row in b.to_pylist():
                if lines:
                    f.write(json.dumps(row, default=default) + "\n")
                else:
                    f.write(("\n" if rows == 0 else ",\n") + textwrap.indent(json.dumps(row, default=default, indent=1), " "))
                rows += 1
        if not lines:
            f.write("\n]\n" if rows else "]\n")
    return rows


# The analysis tables register themselves when their module is imported.
from .network import exports as _network_exports  # noqa: E402,F401
