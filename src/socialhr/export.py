"""Export a table to CSV, Parquet, JSON or JSON Lines, pseudonymised unless asked otherwise.

Tables register themselves with :func:`exportable`: a function that takes the
workspace and keyword options and returns a SQL query over the analytics
database whose person columns are pseudonyms. ``identified=True`` joins the
vault's employee ids onto the columns the table names as person columns.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from .errors import SocialHRError, UnknownTableError
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


TABLES: dict[str, ExportTable] = {}

FORMATS = {".csv": "csv", ".parquet": "parquet", ".json": "json", ".jsonl": "jsonl", ".ndjson": "jsonl"}


def exportable(name: str, *, help: str, person_columns=None, person_list_columns=None, writers=None):
    """Register a table for ``socialhr export``."""

    def register(fn: Callable[..., str]) -> Callable[..., str]:
        TABLES[name] = ExportTable(name, fn, help, dict(person_columns or {}), dict(person_list_columns or {}), writers=dict(writers or {}))
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


@exportable(
    "interactions",
    help="Interaction metadata: timestamp (UTC), sender, recipients, channel, kind, weight, duration.",
    person_columns={"sender": "sender_employee_id"},
    person_list_columns={"recipients": "recipient_employee_ids"},
)
def _interactions(ws: Workspace, **_: Any) -> str:
    return (
        'SELECT "timestamp", sender, recipients, channel, kind, weight, duration_minutes, context, batch_id '
        'FROM interactions ORDER BY "timestamp", sender'
    )


def table_names() -> list[str]:
    return sorted(TABLES)


def export_table(ws: Workspace, table: str, out: str | Path, *, identified: bool = False, **options: Any) -> int:
    """Write ``table`` to ``out`` (format from the extension); return the row count."""
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
    data = read_table(ws, table, identified=identified, **options)
    out.parent.mkdir(parents=True, exist_ok=True)
    fmt = FORMATS[suffix]
    if fmt == "parquet":
        pq.write_table(data, out)
    elif fmt == "csv":
        pacsv.write_csv(_flatten_lists(data, spec.list_separator), out)
    else:
        _write_json(data, out, lines=fmt == "jsonl")
    return data.num_rows


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


def read_table(ws: Workspace, table: str, *, identified: bool = False, **options: Any) -> pa.Table:
    """The rows of an exportable table as Arrow, pseudonymised unless ``identified``."""
    spec = TABLES[table]
    data = ws.db.sql(spec.query(ws, **options)).to_arrow_table()
    if identified:
        data = _identify(ws, data, spec)
    return data


def _identify(ws: Workspace, data: pa.Table, spec: ExportTable) -> pa.Table:
    ids = ws.vault.employee_ids()  # raises VaultError when the vault is absent
    for col, new in spec.person_columns.items():
        if col in data.column_names:
            values = [ids.get(p) if p is not None else None for p in data.column(col).to_pylist()]
            data = data.add_column(data.column_names.index(col) + 1, new, pa.array(values, pa.string()))
    for col, new in spec.person_list_columns.items():
        if col in data.column_names:
            values = [None if lst is None else [ids.get(p) for p in lst] for lst in data.column(col).to_pylist()]
            data = data.add_column(data.column_names.index(col) + 1, new, pa.array(values, pa.list_(pa.string())))
    return data


def _flatten_lists(data: pa.Table, sep: str) -> pa.Table:
    """CSV has no lists: join list cells with ``sep`` (None stays empty); times in ISO 8601."""
    import pyarrow.compute as pc

    for i, f in enumerate(data.schema):
        if pa.types.is_timestamp(f.type):
            fmt = "%Y-%m-%dT%H:%M:%SZ" if f.type.tz else "%Y-%m-%dT%H:%M:%S"
            data = data.set_column(i, f.name, pc.strftime(data.column(i), format=fmt))
            continue
        if pa.types.is_list(f.type) or pa.types.is_large_list(f.type):
            values = [None if v is None else sep.join("" if x is None else str(x) for x in v) for v in data.column(i).to_pylist()]
            data = data.set_column(i, f.name, pa.array(values, pa.string()))
    return data


def _write_json(data: pa.Table, out: Path, *, lines: bool) -> None:
    import json

    def default(o: Any) -> Any:
        return o.isoformat() if hasattr(o, "isoformat") else str(o)

    rows = data.to_pylist()
    with open(out, "w", encoding="utf-8") as f:
        if lines:
            for row in rows:
                f.write(json.dumps(row, default=default) + "\n")
        else:
            json.dump(rows, f, default=default, indent=1)
            f.write("\n")


# The analysis tables register themselves when their module is imported.
from .network import exports as _network_exports  # noqa: E402,F401
