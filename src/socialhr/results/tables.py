"""The tables anything outside the workspace reads: roster, interactions, and the analysis.

Person-level tables are SQL over the analytics database (values bound as
parameters); aggregate tables come from :mod:`socialhr.results.aggregates`,
computed under the disclosure rules when they are read. Every table except
the roster and the interactions shows the latest window of the last analysis
unless ``window=`` names another (or ``window="*"`` asks for every window).
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..errors import PrivacyError, SocialHRError
from ..lists import values as list_values
from ..lists import with_values, without_nulls
from ..network import store
from ..network.groups import GROUP_METRIC_COLUMNS
from ..schema import STORED_INTERACTIONS
from .registry import AGGREGATE, PERSON, Query, result_table


class Context:
    """What a producer may use: the workspace, the viewer, and the aggregates of the last analysis."""

    def __init__(self, ws: Any, viewer: Any, aggregates: Callable[[], Any]):
        self.ws = ws
        self.viewer = viewer
        self._aggregates = aggregates

    @property
    def aggregates(self) -> Any:
        return self._aggregates()

    def windows(self, window: str | None) -> list[str]:
        """The window ids to show: ``window`` if it exists, else the latest; every window for ``"*"``."""
        store.require_results(self.ws.db)
        ids = [r[0] for r in self.ws.db.execute("SELECT window_id FROM network_windows ORDER BY ordinal").fetchall()]
        if window == "*":
            return ids
        if window is None:
            if not ids:
                raise SocialHRError("the last analysis found no windows", hint="Import interactions, then run: socialhr analyze DIR")
            return ids[-1:]
        if window not in ids:
            raise SocialHRError(f"no window '{window}' in the last analysis",
                                hint=f"Windows: {', '.join(ids[-12:])}. Or re-run socialhr analyze with another --window.")
        return [window]

    def where(self, window: str | None, *, alias: str = "", own: tuple[str, ...] = ()) -> tuple[str, list[Any]]:
        """A WHERE clause (with its parameters) for the windows asked and, for an employee, their own rows."""
        ids = self.windows(window)
        clauses = [f"{alias}window_id IN ({', '.join('?' * len(ids))})"]
        params: list[Any] = list(ids)
        own_sql, own_params = self.own(own, alias=alias)
        if own_sql:
            clauses.append(own_sql)
            params += own_params
        return " AND ".join(clauses), params

    def own(self, columns: tuple[str, ...], *, alias: str = "") -> tuple[str, list[Any]]:
        """For an employee, ``(col = ? OR ...)`` over the columns naming whom a row is about."""
        if self.viewer.role != "employee":
            return "", []
        if not columns:
            raise PrivacyError("employees cannot read this table", hint="It describes other people.")
        return "(" + " OR ".join(f"{alias}{c} = ?" for c in columns) + ")", [self.viewer.person] * len(columns)


def _value_filter(known: list[str], name: str, value: str | None) -> None:
    """Refuse a --channel or --dimension value the last analysis does not have, naming those it has."""
    if value and value not in known:
        raise SocialHRError(f"no {name} '{value}' in the last analysis", hint=f"{name.capitalize()}s: {', '.join(known) or 'none'}.")


# -- the roster and the interactions ------------------------------------------

@result_table("people", help="The current roster, pseudonymised.", level=PERSON,
              person_columns={"person": "employee_id", "manager": "manager_employee_id"}, own_columns=("person",))
def _people(ctx: Context) -> Query:
    own, params = ctx.own(("person",))
    return Query(
        "SELECT person, department, team, manager, level, location, hire_date, exit_date, "
        f"CAST(attributes AS VARCHAR) AS attributes FROM people {'WHERE ' + own if own else ''} ORDER BY person",
        tuple(params),
    )


@result_table("people_history", help="Every roster record with the dates it held (valid_to exclusive).", level=PERSON,
              person_columns={"person": "employee_id", "manager": "manager_employee_id"}, own_columns=("person",))
def _people_history(ctx: Context) -> Query:
    own, params = ctx.own(("person",))
    return Query(
        "SELECT person, valid_from, valid_to, department, team, manager, level, location, hire_date, exit_date, "
        f"CAST(attributes AS VARCHAR) AS attributes, batch_id FROM people_history {'WHERE ' + own if own else ''} "
        "ORDER BY person, valid_from",
        tuple(params),
    )


def _recipient_pseudonyms(ws: Any) -> Callable[[pa.RecordBatch], pa.RecordBatch]:
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


@result_table(
    "interactions",
    help="Interaction metadata: timestamp (UTC), sender, recipients, channel, kind, weight, duration.",
    level=PERSON, person_columns={"sender": "sender_employee_id"},
    person_list_columns={"recipients": "recipient_employee_ids"}, prepare=_recipient_pseudonyms,
)
def _interactions(ctx: Context) -> Query:
    ctx.own(())  # (employees: refused)
    # The rows of the ``interactions`` view; recipients stay ids here (see _recipient_pseudonyms).
    return Query(
        'SELECT n."timestamp", s.p AS sender, n.recipients, n.channel, n.kind, n.weight, n.duration_minutes, n.context, n.batch_id '
        f"FROM ({STORED_INTERACTIONS}) n JOIN (SELECT id, coalesce(person, token) AS p FROM identities) s ON s.id = n.sender "
        # Ties broken down to the last column, so that the same rows always export in the same order.
        'ORDER BY n."timestamp", sender, n.channel, n.kind, n.recipients, n.context, n.batch_id, n.weight, n.duration_minutes'
    )


# -- person-level analysis tables ---------------------------------------------

@result_table("person_metrics", help="Each person's network metrics in a window (latest by default).", level=PERSON,
              person_columns={"person": "employee_id"}, own_columns=("person",))
def person_metrics(ctx: Context, *, window: str | None = None) -> Query:
    where, params = ctx.where(window, own=("person",))
    return Query(f"SELECT * FROM person_metrics WHERE {where} ORDER BY window_id, person", tuple(params))


@result_table("edges", help="The network: source, target, channel, weight (channel 'all' combines every channel).", level=PERSON,
              person_columns={"source": "source_employee_id", "target": "target_employee_id"}, own_columns=("source", "target"))
def edges(ctx: Context, *, window: str | None = None, channel: str | None = None) -> Query:
    where, params = ctx.where(window, own=("source", "target"))
    if channel:
        known = [r[0] for r in ctx.ws.db.execute("SELECT DISTINCT channel FROM network_edges ORDER BY 1").fetchall()]
        _value_filter(known, "channel", channel)
        where += " AND channel = ?"
        params.append(channel)
    return Query(
        "SELECT source, target, channel, weight, interactions, reciprocated, strong, window_id "
        f"FROM network_edges WHERE {where} ORDER BY window_id, channel, source, target",
        tuple(params),
    )


@result_table("communities", help="Each person's community (Leiden) in a window, with the community's size.", level=PERSON,
              person_columns={"person": "employee_id"})
def communities(ctx: Context, *, window: str | None = None) -> Query:
    ctx.own(())  # (employees: refused; a community's size and make-up describe others)
    where, params = ctx.where(window, alias="p.")
    return Query(
        "SELECT p.window_id, p.person, p.community, c.size AS community_size, c.largest_department_share "
        f"FROM person_metrics p JOIN communities c USING (window_id, community) WHERE {where} "
        "ORDER BY p.window_id, p.community, p.person",
        tuple(params),
    )


@result_table("person_trends", help="Change of each person's metrics since the previous window; shrink and new-joiner flags.",
              level=PERSON, person_columns={"person": "employee_id"}, own_columns=("person",))
def person_trends(ctx: Context, *, window: str | None = None) -> Query:
    where, params = ctx.where(window, own=("person",))
    return Query(f"SELECT * FROM person_trends WHERE {where} ORDER BY window_id, person", tuple(params))


# -- aggregates, under the disclosure rules -----------------------------------

_INT = {"size", "internal_ties", "external_ties", "boundary_spanners", "isolated_members"}
GROUP_SCHEMA = pa.schema(
    [("window_id", pa.string()), ("dimension", pa.string()), ("group", pa.string())]
    + [(c, pa.int64() if c in _INT else pa.float64()) for c in GROUP_METRIC_COLUMNS]
)
MATRIX_SCHEMA = pa.schema([("window_id", pa.string()), ("dimension", pa.string()), ("from_group", pa.string()),
                           ("to_group", pa.string()), ("ties", pa.int64()), ("weight", pa.float64())])
_ORG_INT = {"people", "active_people", "ties", "undirected_ties", "strong_ties", "isolated_people", "people_without_ties",
            "communities"}
ORG_SCHEMA = pa.schema([("window_id", pa.string()), ("channel", pa.string())]
                       + [(c, pa.int64() if c in _ORG_INT else pa.float64()) for c in store.ORG_COLUMNS])
TRENDS_SCHEMA = pa.schema([("window_id", pa.string()), ("previous_window_id", pa.string()), ("channel", pa.string()),
                           ("metric", pa.string()), ("value", pa.float64()), ("previous", pa.float64()), ("change", pa.float64())])
WITHHELD_SCHEMA = pa.schema([("window_id", pa.string()), ("dimension", pa.string()), ("group", pa.string()), ("reason", pa.string())])


def _rows(rows: list[dict[str, Any]], schema: pa.Schema) -> pa.Table:
    return pa.Table.from_pylist([{f.name: r.get(f.name) for f in schema} for r in rows], schema=schema)


def _in_scope(ctx: Context, window_id: str) -> Callable[[str, str | None], bool]:
    """For a leader with a part of the org chart, whether a group lies inside it."""
    scope = ctx.viewer.scope if ctx.viewer.role == "leader" else None
    if scope is None:
        return lambda dim, group: True
    inside = ctx.aggregates.within(window_id, scope)
    return lambda dim, group: (dim, group) in inside


def _dimension(ctx: Context, dimension: str | None) -> None:
    if dimension:
        _value_filter(ctx.aggregates.dimensions(), "dimension", dimension)


@result_table("group_metrics", help="Metrics of each department, team, location, level and attribute group; small groups withheld.",
              level=AGGREGATE)
def group_metrics(ctx: Context, *, window: str | None = None, dimension: str | None = None) -> pa.Table:
    _dimension(ctx, dimension)
    rows = []
    for wid in ctx.windows(window):
        inside = _in_scope(ctx, wid)
        rows += [r for r in ctx.aggregates.figures(wid).groups
                 if (not dimension or r["dimension"] == dimension) and inside(r["dimension"], r["group"])]
    return _rows(rows, GROUP_SCHEMA)


@result_table("group_matrix", help="Ties and weight from each group to each other group (both shown groups only).", level=AGGREGATE)
def group_matrix(ctx: Context, *, window: str | None = None, dimension: str | None = None) -> pa.Table:
    _dimension(ctx, dimension)
    rows = []
    for wid in ctx.windows(window):
        inside = _in_scope(ctx, wid)
        rows += [r for r in ctx.aggregates.figures(wid).matrix
                 if (not dimension or r["dimension"] == dimension) and inside(r["dimension"], r["from_group"])]
    return _rows(rows, MATRIX_SCHEMA)


@result_table("org_metrics", help="Whole-organization figures per window and channel (channel 'all': everything).", level=AGGREGATE)
def org_metrics(ctx: Context, *, window: str | None = None) -> pa.Table:
    rows = []
    for wid in ctx.windows(window):
        rows += ctx.aggregates.figures(wid).organization
    return _rows(rows, ORG_SCHEMA)


@result_table("org_trends", help="Change of each organization metric since the previous window shown.", level=AGGREGATE)
def org_trends(ctx: Context, *, window: str | None = None) -> pa.Table:
    rows = []
    for wid in ctx.windows(window):
        rows += ctx.aggregates.organization_trends(wid)
    return _rows(rows, TRENDS_SCHEMA)


@result_table("withheld", help="What the disclosure rules withheld in each window, and why.", level=AGGREGATE)
def withheld(ctx: Context, *, window: str | None = None, dimension: str | None = None) -> pa.Table:
    rows = []
    for wid in ctx.windows(window):
        inside = _in_scope(ctx, wid)
        rows += [r for r in ctx.aggregates.withheld_rows(wid)
                 if (not dimension or r["dimension"] == dimension) and (r["dimension"] == "organization" or inside(r["dimension"], r["group"]))]
    return _rows(rows, WITHHELD_SCHEMA)
