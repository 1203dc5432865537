"""The one read path: every figure that leaves the workspace is read here.

Exports, the report and the web app call :func:`read` with the table, the
viewer (:class:`Viewer`: admin, analyst, leader or employee) and options; it

- refuses what the viewer's role may not see (person-level tables for
  leaders, other people's rows for employees, real identities for anyone but
  an admin), on the server;
- computes group and organization figures under the disclosure rules
  (:mod:`socialhr.results.disclosure`) with the minimum group size in the
  settings at the time of reading, and says what was withheld and why;
- adds employee ids from the identity vault only for ``identified`` reads.

Rows stream in Arrow batches, so a table of any size reads in flat memory.

>>> import tempfile, pathlib
>>> from socialhr.workspace import Workspace
>>> ws = Workspace.init(pathlib.Path(tempfile.mkdtemp()) / "ws")
>>> read(ws, "people").to_arrow().num_rows
0
>>> read(ws, "person_metrics", viewer=Viewer.leader())  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
socialhr.errors.PrivacyError: a leader cannot read 'person_metrics': it holds one row per person. Leaders read aggregates: ..., group_metrics, ..., withheld
>>> ws.close()
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterator

import pyarrow as pa
import pyarrow.compute as pc

from ..errors import PrivacyError, VaultError
from ..lists import values as list_values
from ..lists import with_values
from ..recovery import people_missing_from_vault
from . import insights as _insights  # noqa: F401  (registers the insights' tables)
from . import programs as _programs  # noqa: F401  (registers the programs' tables)
from . import personal as _personal  # noqa: F401  (registers the employee's pages' tables: peer_range, person_ties, reach_suggestions)
from . import tables as _tables  # noqa: F401  (registers the tables)
from . import filtered as _filtered  # noqa: F401  (registers filtered_group_metrics)
from .aggregates import Aggregates
from .registry import AGGREGATE, PERSON, TABLES, Query, ResultTable, get, table_names
from .viewer import ROLES, Viewer

BATCH_ROWS = 100_000  # rows per batch of a streamed read

__all__ = ["Viewer", "ROLES", "Result", "read", "aggregates", "TABLES", "table_names", "ResultTable"]


@dataclass
class Result:
    """The rows of a table for one viewer: an Arrow schema and batches, and what was withheld."""

    table: str
    schema: pa.Schema
    batches: Iterator[pa.RecordBatch]
    viewer: Viewer
    withheld: list[dict[str, Any]] = field(default_factory=list)

    def to_arrow(self) -> pa.Table:
        return pa.Table.from_batches(list(self.batches), schema=self.schema)

    def summary(self) -> str:
        """One sentence on what the disclosure rules withheld, or an empty string."""
        if not self.withheld:
            return ""
        dark = [w["window_id"] for w in self.withheld if w["dimension"] == "organization"]
        groups = len(self.withheld) - len(dark)
        parts = []
        if groups:
            parts.append(f"{groups:,} group{'s' if groups != 1 else ''}")
        if dark:
            parts.append(f"every figure of {', '.join(dark)}")
        if self.table == "filtered_group_metrics":  # (its own rules: the reasons are in the result, not in the withheld table)
            return " and ".join(parts) + ": " + "; ".join(f"{w['group'] or 'the window'}: {w['reason']}" for w in self.withheld)
        return " and ".join(parts) + " (socialhr export DIR withheld says which and why)"


def aggregates(ws: Any) -> Aggregates:
    """The workspace's disclosure-controlled aggregates, made once per analysis and settings."""
    key = (_analysis_stamp(ws), repr(sorted(ws.settings.items())))
    cached = ws.cache.get("aggregates")
    if cached is not None and cached[0] == key:
        return cached[1]
    made = Aggregates(ws.db, ws.settings)
    ws.cache["aggregates"] = (key, made)
    return made


def _analysis_stamp(ws: Any) -> Any:
    from ..network import store

    if not store.has_results(ws.db):
        return None
    return ws.db.execute("SELECT max(analyzed_at) FROM network_analysis").fetchone()[0]


def read(ws: Any, table: str, *, viewer: Viewer | None = None, identified: bool = False, **options: Any) -> Result:
    """The rows of ``table`` that ``viewer`` may see (an analyst by default), pseudonymised unless ``identified``.

    Parameters
    ----------
    ws : socialhr.workspace.Workspace
    table : str
        A registered table (:func:`table_names`).
    viewer : Viewer, keyword-only
    identified : bool, keyword-only
        Add employee ids from the vault beside pseudonyms (admins only; needs the vault).
    **options
        The table's options, e.g. ``window``, ``dimension``, ``channel`` (None: not given).

    Raises
    ------
    PrivacyError
        When the viewer's role may not read the table, or identities.
    SocialHRError
        When the table, an option or its value is unknown.
    """
    spec = get(table)
    viewer = viewer or (Viewer.admin() if identified else Viewer.analyst())
    _authorize(spec, viewer, identified)
    options = {k: v for k, v in options.items() if v is not None}
    spec.check_options(options)
    ctx = _tables.Context(ws, viewer, lambda: aggregates(ws))
    produced = spec.produce(ctx, **options)
    ids = ws.vault.employee_ids() if identified else None  # raises VaultError when the vault is absent
    # People on the roster the vault has lost (a vault behind the database): their ids would come out empty.
    lost = pa.array(sorted(people_missing_from_vault(ws, held=ids)), pa.string()) if identified else None
    prepare = spec.prepare(ws) if spec.prepare else None

    def finish(b: pa.RecordBatch) -> pa.RecordBatch:
        if prepare:
            b = prepare(b)
        return _identify(b, spec, ids, lost) if ids is not None else b

    if isinstance(produced, Query):
        # A cursor of its own, so that another read while this one streams does not end it;
        # closed when its rows are read, or with the workspace.
        cursor = ws.cursor()
        reader = cursor.execute(produced.sql, list(produced.params)).to_arrow_reader(BATCH_ROWS)
        schema = finish(pa.RecordBatch.from_pylist([], schema=reader.schema)).schema
        batches: Iterator[pa.RecordBatch] = _streamed(reader, cursor, finish)
    else:
        data = produced
        schema = finish(pa.RecordBatch.from_pylist([], schema=data.schema)).schema
        batches = (finish(b) for b in data.to_batches(BATCH_ROWS) if b.num_rows)
    result = Result(table, schema, batches, viewer)
    result.withheld += getattr(ctx, "withheld", [])  # (what a producer with disclosure rules of its own withheld)
    if spec.level == AGGREGATE and spec.reports_withheld and table != "withheld":
        for wid in ctx.windows(options.get("window")):
            result.withheld += [w for w in _tables.withheld(ctx, window=wid).to_pylist()
                                if not options.get("dimension") or w["dimension"] in (options["dimension"], "organization")]
    return result


def _streamed(reader: Any, cursor: Any, finish: Any) -> Iterator[pa.RecordBatch]:
    try:
        for b in reader:
            if b.num_rows:
                yield finish(b)
    finally:
        cursor.close()


def _authorize(spec: ResultTable, viewer: Viewer, identified: bool) -> None:
    if identified and viewer.role != "admin":
        raise PrivacyError(f"a {viewer.role} cannot read real identities", hint="Identified reads are for admins, who hold the vault.")
    if spec.level == PERSON and viewer.role == "leader":
        aggregates_ = ", ".join(n for n in table_names() if TABLES[n].level == AGGREGATE)
        raise PrivacyError(f"a leader cannot read '{spec.name}': it holds one row per person", hint=f"Leaders read aggregates: {aggregates_}")
    if spec.level == PERSON and viewer.role == "employee" and not spec.own_columns:
        raise PrivacyError(f"an employee cannot read '{spec.name}'", hint="It describes other people; employees read their own rows of people, person_metrics, person_trends and edges.")


def _identify(data: pa.RecordBatch, spec: ResultTable, ids: dict[str, str], lost: pa.Array) -> pa.RecordBatch:
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
