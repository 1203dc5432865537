"""Group and organization figures under the disclosure rules, decided when they are read.

``analyze`` stores each window's people, their groups, their ties and the
organization's figures; this module decides with
:mod:`socialhr.results.disclosure` which groups of each window may be shown,
and measures them on the window's network with the function ``analyze``
used before (:func:`socialhr.network.groups.group_metrics`). Groups withheld
are measured but never returned.

The minimum group size is read from the settings each time an
:class:`Aggregates` is made, so raising it takes effect on the next read
without running ``analyze`` again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..errors import SocialHRError
from ..network import store
from ..network.analyze import NetworkOptions
from ..network.graph import WindowGraph
from ..network.groups import group_metrics
from ..network.roster import DIMENSIONS
from .disclosure import ORGANIZATION, WindowInput, WindowPlan, plan_windows

ALL = "all"


@dataclass
class WindowFigures:
    """The aggregates of one window that may leave the workspace."""

    groups: list[dict[str, Any]] = field(default_factory=list)
    matrix: list[dict[str, Any]] = field(default_factory=list)
    organization: list[dict[str, Any]] = field(default_factory=list)


class Aggregates:
    """The disclosure-controlled aggregates of the last analysis stored in ``db``."""

    def __init__(self, db: Any, settings: dict[str, Any]):
        store.require_results(db)
        if not db.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = 'window_attributes'").fetchone()[0]:
            raise SocialHRError("the last analysis was made by an older socialhr", hint="Run it again: socialhr analyze DIR")
        self.db = db
        self.opts = NetworkOptions.from_settings(settings)
        self.min_size = self.opts.min_group_size
        self.window_ids = [r[0] for r in db.execute("SELECT window_id FROM network_windows ORDER BY ordinal").fetchall()]
        self._inputs: dict[str, WindowInput] | None = None
        self._edges: dict[str, pa.Table] = {}
        self._plans: dict[str, WindowPlan] | None = None
        self._figures: dict[str, WindowFigures] = {}

    # -- what the rules decide ---------------------------------------------
    def inputs(self) -> dict[str, WindowInput]:
        """Every window's people, groups and ties (channel ``all``), read once."""
        if self._inputs is None:
            people = self.db.execute(
                "SELECT window_id, person, department, team, location, level FROM person_metrics ORDER BY window_id, person"
            ).fetch_arrow_table()
            attrs = self.db.execute(
                'SELECT window_id, person, dimension, "group" FROM window_attributes ORDER BY window_id, dimension, person'
            ).fetch_arrow_table()
            ties = self.db.execute(
                "SELECT window_id, source, target, weight FROM network_edges WHERE channel = ? ORDER BY window_id", [ALL]
            ).fetch_arrow_table()
            attr_dims = sorted(set(attrs["dimension"].to_pylist()))
            self._inputs = {}
            for wid in self.window_ids:
                p = people.filter(pc.equal(people["window_id"], wid))
                names = np.asarray(p["person"].to_pylist(), dtype=object).astype(str) if p.num_rows else np.array([], dtype=str)
                labels: dict[str, list] = {d: p[d].to_pylist() for d in DIMENSIONS}
                a = attrs.filter(pc.equal(attrs["window_id"], wid))
                for dim in attr_dims:
                    rows = a.filter(pc.equal(a["dimension"], dim))
                    value = dict(zip(rows["person"].to_pylist(), rows["group"].to_pylist()))
                    labels[dim] = [value.get(x) for x in names.tolist()]
                t = ties.filter(pc.equal(ties["window_id"], wid))
                self._edges[wid] = t
                src = np.searchsorted(names, np.asarray(t["source"].to_pylist(), dtype=object).astype(str)) if t.num_rows else np.zeros(0, np.int64)
                dst = np.searchsorted(names, np.asarray(t["target"].to_pylist(), dtype=object).astype(str)) if t.num_rows else np.zeros(0, np.int64)
                self._inputs[wid] = WindowInput(wid, names, labels, (src, dst))
        return self._inputs

    def dimensions(self) -> list[str]:
        """The dimensions groups are formed by: the org chart's four, then each roster attribute."""
        inputs = self.inputs()
        dims: list[str] = list(DIMENSIONS)
        for w in inputs.values():
            dims += [d for d in w.labels if d not in dims]
        return dims

    def plans(self) -> dict[str, WindowPlan]:
        """Who every window's aggregates use, and what was withheld (all windows at once: rule 3 looks back)."""
        if self._plans is None:
            inputs = self.inputs()
            plans = plan_windows([inputs[w] for w in self.window_ids], min_size=self.min_size)
            self._plans = {p.window_id: p for p in plans}
        return self._plans

    # -- the figures ---------------------------------------------------------
    def figures(self, window_id: str) -> WindowFigures:
        """Group rows, group-to-group matrix and organization rows of one window: the shown ones only."""
        if window_id in self._figures:
            return self._figures[window_id]
        plan = self.plans()[window_id]
        out = WindowFigures()
        if plan.organization_shown:
            out = self._measure(window_id, plan)
        self._figures[window_id] = out
        return out

    def window_graph(self, window_id: str) -> tuple[WindowGraph, np.ndarray, np.ndarray]:
        """The window's network (channel ``all``), where each of ``inputs()[window_id].people`` is in it
        (vertex indices), and who is flagged isolated (per vertex)."""
        w = self.inputs()[window_id]
        edges = self._edges[window_id]
        wg = WindowGraph.build(
            w.people, edges["source"].to_numpy(zero_copy_only=False), edges["target"].to_numpy(zero_copy_only=False),
            edges["weight"].to_numpy(zero_copy_only=False),
        )
        # Vertex i of the graph is wg.nodes[i]: every per-person array is put in that order by name.
        at = wg.index(w.people)
        flags = self.db.execute("SELECT person, isolated FROM person_metrics WHERE window_id = ?", [window_id]).fetchall()
        isolated = np.zeros(wg.n, dtype=bool)
        if flags:
            isolated[wg.index([p for p, _ in flags])] = [bool(f) for _, f in flags]
        return wg, at, isolated

    def _measure(self, window_id: str, plan: WindowPlan) -> WindowFigures:
        w = self.inputs()[window_id]
        wg, at, isolated = self.window_graph(window_id)
        out = WindowFigures()
        for dim in self.dimensions():
            if dim not in w.labels:
                continue
            labels = np.empty(wg.n, dtype=object)
            labels[at] = list(w.labels[dim])
            rows, matrix, _ = group_metrics(wg, labels.tolist(), min_group_size=1, isolated=isolated)
            out.groups += [dict(r, window_id=window_id, dimension=dim) for r in rows if plan.is_shown(dim, r["group"])]
            out.matrix += [dict(m, window_id=window_id, dimension=dim) for m in matrix
                           if plan.is_shown(dim, m["from_group"]) and plan.is_shown(dim, m["to_group"])]
        stored = self.db.execute("SELECT * FROM org_metrics WHERE window_id = ? ORDER BY channel <> ?, channel", [window_id, ALL])
        columns = [c[0] for c in stored.description]
        out.organization = [dict(zip(columns, row)) for row in stored.fetchall()]
        return out

    # -- for viewers with a part of the org chart ------------------------------
    def within(self, window_id: str, scope: tuple[str, str]) -> set[tuple[str, str | None]]:
        """The groups of a window all of whose people (in the window's roster) have ``scope``, a
        (dimension, value) pair: the part of the org chart a leader sees."""
        dim, value = scope
        w = self.inputs()[window_id]
        if dim not in w.labels:
            return set()
        inside: set[tuple[str, str | None]] = set()
        for d, values in w.labels.items():
            ok: dict[object, bool] = {}
            for v, s in zip(values, w.labels[dim]):
                ok[v] = ok.get(v, True) and s == value
            inside |= {(d, None if g is None else str(g)) for g, yes in ok.items() if yes}
        return inside

    def withheld_rows(self, window_id: str) -> list[dict[str, Any]]:
        return [x.as_dict() for x in self.plans()[window_id].withheld]

    def organization_trends(self, window_id: str) -> list[dict[str, Any]]:
        """Change of each organization figure since the last earlier window whose figures were shown."""
        plans = self.plans()
        i = self.window_ids.index(window_id)
        if not plans[window_id].organization_shown:
            return []
        previous = next((w for w in reversed(self.window_ids[:i]) if plans[w].organization_shown), None)
        if previous is None:
            return []
        before = {r["channel"]: r for r in self.figures(previous).organization}
        rows = []
        for r in self.figures(window_id).organization:
            p = before.get(r["channel"])
            if p is None:
                continue
            for metric in store.ORG_COLUMNS:
                if metric not in r or metric not in p:
                    continue
                value, prev = r[metric], p[metric]
                rows.append({
                    "window_id": window_id, "previous_window_id": previous, "channel": r["channel"], "metric": metric,
                    "value": _float(value), "previous": _float(prev),
                    "change": None if value is None or prev is None else float(value) - float(prev),
                })
        return rows


def _float(x: Any) -> float | None:
    return None if x is None else float(x)



__all__ = ["Aggregates", "WindowFigures", "ORGANIZATION"]
