"""The tables behind the employee's own pages (docs/web.md#the-employees-pages).

* ``peer_range`` (aggregate, every role): the 25th, 50th and 75th percentiles of a
  few metrics among the people of each group (by default every dimension: level,
  department, ...), for the groups the disclosure rules show -- so an employee
  sees where they stand against their peers' range, never another person's figure;
* ``person_ties`` (person level): each person's ties, one row per colleague, with
  the colleague's team and department (an employee reads their own);
* ``reach_suggestions`` (person level): colleagues in other teams a person has no
  tie to but at least two of their collaborators have (an employee reads their own).

All three are computed from the last analysis when read, like the other aggregates.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa

from ..network.personal import MIN_SHARED, PEER_METRICS, peer_ranges, reach_suggestions
from .registry import AGGREGATE, PERSON, Query, result_table
from .tables import Context, _dimension, _in_scope

PEER_SCHEMA = pa.schema([("window_id", pa.string()), ("dimension", pa.string()), ("group", pa.string()), ("metric", pa.string()),
                         ("people", pa.int64()), ("p25", pa.float64()), ("median", pa.float64()), ("p75", pa.float64())])
SUGGESTION_SCHEMA = pa.schema([("window_id", pa.string()), ("person", pa.string()), ("rank", pa.int64()), ("colleague", pa.string()),
                               ("colleague_team", pa.string()), ("colleague_department", pa.string()),
                               ("shared_colleagues", pa.int64()), ("new_department", pa.bool_())])


@result_table("peer_range", help="The 25th, 50th and 75th percentiles of network_size, network_size_external, strong_ties and "
              "diverse_ties among the people of each group (--dimension level, department, ...); groups the disclosure rules "
              "withhold are left out.", level=AGGREGATE)
def peer_range(ctx: Context, *, window: str | None = None, dimension: str | None = None) -> pa.Table:
    _dimension(ctx, dimension)
    agg = ctx.aggregates
    plans = agg.plans()
    rows: list[dict[str, Any]] = []
    for wid in ctx.windows(window):
        plan = plans[wid]
        if not plan.organization_shown:
            continue
        w = agg.inputs()[wid]
        inside = _in_scope(ctx, wid)
        cols = ", ".join(f'"{m}"' for m in PEER_METRICS)
        stored = dict((r[0], r[1:]) for r in ctx.ws.db.execute(
            f"SELECT person, {cols} FROM person_metrics WHERE window_id = ?", [wid]).fetchall())
        values = np.array([[np.nan if v is None else v for v in stored.get(p, (None,) * len(PEER_METRICS))] for p in w.people],
                          dtype=float).reshape(len(w.people), len(PEER_METRICS))
        for dim in ([dimension] if dimension else agg.dimensions()):
            if dim not in w.labels:
                continue
            shown = {g for g in plan.shown.get(dim, ()) if inside(dim, g)}
            for k, metric in enumerate(PEER_METRICS):
                for group, (people, p25, p50, p75) in peer_ranges(values[:, k], w.labels[dim], shown=shown).items():
                    rows.append({"window_id": wid, "dimension": dim, "group": group, "metric": metric, "people": people,
                                 "p25": p25, "median": p50, "p75": p75})
    rows.sort(key=lambda r: (r["window_id"], r["dimension"], r["group"], PEER_METRICS.index(r["metric"])))
    return pa.Table.from_pylist(rows, schema=PEER_SCHEMA)


@result_table("person_ties", help="Each person's ties in a window (channel all), one row per colleague: the colleague's team and "
              "department, the weight both ways, and whether the tie is strong and reciprocated.", level=PERSON,
              person_columns={"person": "employee_id", "colleague": "colleague_employee_id"}, own_columns=("person",))
def person_ties(ctx: Context, *, window: str | None = None) -> Query:
    where, params = ctx.where(window, alias="e.", own=("person",))
    return Query(
        "WITH e AS (SELECT window_id, source AS person, target AS colleague, weight, 0.0 AS weight_in, reciprocated, strong "
        "FROM network_edges WHERE channel = 'all' UNION ALL SELECT window_id, target, source, 0.0, weight, reciprocated, strong "
        "FROM network_edges WHERE channel = 'all') "
        "SELECT e.window_id, e.person, e.colleague, c.team AS colleague_team, c.department AS colleague_department, "
        "coalesce(c.team = m.team, false) AS same_team, sum(e.weight) AS weight_out, sum(e.weight_in) AS weight_in, "
        "sum(e.weight) + sum(e.weight_in) AS weight, bool_or(e.strong) AS strong, bool_or(e.reciprocated) AS reciprocated "
        "FROM e LEFT JOIN person_metrics c ON c.window_id = e.window_id AND c.person = e.colleague "
        "LEFT JOIN person_metrics m ON m.window_id = e.window_id AND m.person = e.person "
        f"WHERE e.person <> e.colleague AND {where} "
        "GROUP BY ALL ORDER BY e.window_id, e.person, weight DESC, e.colleague",
        tuple(params),
    )


@result_table("reach_suggestions", help=f"For each person, colleagues in another team they have no tie to but at least {MIN_SHARED} "
              "of their collaborators work with (how many, never which), ranked; a person reads their own.", level=PERSON,
              person_columns={"person": "employee_id", "colleague": "colleague_employee_id"}, own_columns=("person",))
def _reach_suggestions(ctx: Context, *, window: str | None = None) -> pa.Table:
    rows: list[dict[str, Any]] = []
    for wid in ctx.windows(window):
        names, index, sources, targets, teams, departments = _window_network(ctx, wid)
        if ctx.viewer.role == "employee":  # an employee's own suggestions only
            who = [index[ctx.viewer.person]] if ctx.viewer.person in index else []
            if not who:
                continue
        else:
            who = None
        found = reach_suggestions(names, sources, targets, teams, departments, who=who)
        rows += [dict(r, window_id=wid) for r in found]
    return pa.Table.from_pylist(rows, schema=SUGGESTION_SCHEMA)


def _window_network(ctx: Context, wid: str) -> tuple:
    """A window's people (pseudonym, team, department) and ties as indices, read once per analysis and kept in the
    open workspace's cache (each employee's suggestions then need only their own neighbourhood)."""
    from . import _analysis_stamp

    key = ("reach_network", wid, _analysis_stamp(ctx.ws))
    hit = ctx.ws.cache.get(key)
    if hit is None:
        people = ctx.ws.db.execute("SELECT person, team, department FROM person_metrics WHERE window_id = ? ORDER BY person",
                                   [wid]).fetchall()
        names = [p[0] for p in people]
        index = {p: i for i, p in enumerate(names)}
        ties = ctx.ws.db.execute("SELECT source, target FROM network_edges WHERE window_id = ? AND channel = 'all'", [wid]).fetchall()
        ties = [(index[s], index[t]) for s, t in ties if s in index and t in index]
        hit = (names, index, [s for s, _ in ties], [t for _, t in ties], [p[1] for p in people], [p[2] for p in people])
        for old in [k for k in ctx.ws.cache if isinstance(k, tuple) and k[:2] == key[:2]]:
            del ctx.ws.cache[old]  # (an older analysis' copy)
        ctx.ws.cache[key] = hit
    return hit
