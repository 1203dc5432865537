"""A social capital index per organization unit: one number, with the four figures it is made of beside it.

For a group g (a department, team, location, level or attribute group the
disclosure rules show) in a window, over its members' person metrics:

=================== =========================================================
component           definition
=================== =========================================================
``network_size``    mean network size (people tied to, either way)
``cross_team``      share of the members' ties that reach another team:
                    Σ network_size_external / Σ network_size
``brokerage``       mean openness of the members' networks, 1 − Burt's
                    constraint (Burt 1992: low constraint, many structural
                    holes, more brokerage opportunity)
``isolation``       share of members flagged isolated (lower is better)
=================== =========================================================

Each component is scored against the organization in the same window, 100
being the organization's own value: ``100 · g / org`` for the first three, and
``100 · (1 − isolation_g) / (1 − isolation_org)`` for isolation. The **index**
is the mean of the four scores: 100 is the organization as a whole, 110 a group
10% above it on average across the four. For the **organization** itself the
scores compare each window with the first window shown (its index is 100 in
that window), so its trend over time shows. The index hides nothing: every
component's value and score is in the same row.
"""

from __future__ import annotations

from typing import Any

import numpy as np

COMPONENTS = ("network_size", "cross_team", "brokerage", "isolation")


def components(network_size: np.ndarray, external: np.ndarray, constraint: np.ndarray, isolated: np.ndarray) -> dict[str, float]:
    """The four components over a set of people.

    >>> components(np.array([4, 2.]), np.array([1, 1.]), np.array([0.5, 1.]), np.array([0, 1]))
    {'network_size': 3.0, 'cross_team': 0.3333333333333333, 'brokerage': 0.25, 'isolation': 0.5}
    """
    total = network_size.sum()
    return {
        "network_size": float(network_size.mean()),
        "cross_team": float(external.sum() / total) if total else 0.0,
        "brokerage": float(np.nanmean(1 - constraint)) if np.isfinite(constraint).any() else 0.0,
        "isolation": float(isolated.mean()),
    }


def scores(values: dict[str, float], reference: dict[str, float]) -> dict[str, float | None]:
    """Each component's score against ``reference`` (100 = the same), and the index (their mean).

    >>> scores({"network_size": 6, "cross_team": .3, "brokerage": .5, "isolation": .2},
    ...        {"network_size": 5, "cross_team": .3, "brokerage": .5, "isolation": .1})["index"]
    102.22222222222223
    """
    out: dict[str, float | None] = {}
    for c in COMPONENTS:
        if c == "isolation":
            ref, val = 1 - reference[c], 1 - values[c]
        else:
            ref, val = reference[c], values[c]
        out[f"{c}_score"] = 100 * val / ref if ref else None
    parts = [v for v in out.values() if v is not None]
    out["index"] = float(np.mean(parts)) if len(parts) == len(COMPONENTS) else None
    return out


def rows(ws: Any, aggregates: Any, window_ids: list[str], *, dimension: str | None = None,
         inside: Any = None) -> list[dict[str, Any]]:
    """The index of every shown group (and the organization) of each window; ``inside(window_id)`` gives a
    leader's filter ``(dimension, group) -> bool``."""
    out: list[dict[str, Any]] = []
    plans = aggregates.plans()
    inputs = aggregates.inputs()
    shown = [wid for wid in aggregates.window_ids if plans[wid].organization_shown]
    if not shown:
        return out
    # The organization's first shown window is the baseline of its trend: read it and the windows asked for, no more.
    first = _organization(ws, inputs[shown[0]])
    baseline = first[1]
    for wid in shown:
        if wid not in window_ids:
            continue
        plan = plans[wid]
        w = inputs[wid]
        (size, ext, con, iso), org = first if wid == shown[0] else _organization(ws, w)
        keep = inside(wid) if inside else (lambda d, g: True)
        if dimension is None:
            out.append({"window_id": wid, "dimension": "organization", "group": None, "members": len(size), **org, **scores(org, baseline)})
        for dim, labels in w.labels.items():
            if dimension and dim != dimension:
                continue
            labels = np.asarray([None if x is None else str(x) for x in labels], dtype=object)
            for g in sorted({x for x in labels.tolist() if x is not None}):
                if not plan.is_shown(dim, g) or not keep(dim, g):
                    continue
                sel = labels == g
                vals = components(size[sel], ext[sel], con[sel], iso[sel])
                out.append({"window_id": wid, "dimension": dim, "group": g, "members": int(sel.sum()), **vals, **scores(vals, org)})
    return out


def _organization(ws: Any, w: Any) -> tuple[tuple[np.ndarray, ...], dict[str, float]]:
    """One window's person metrics in the order of its people (``w``: the window's input to the disclosure rules),
    and the organization's components."""
    m = ws.db.execute(
        'SELECT person, network_size, network_size_external, "constraint", isolated FROM person_metrics WHERE window_id = ? ORDER BY person',
        [w.window_id]).fetchnumpy()
    at = {p: i for i, p in enumerate(m["person"].tolist())}
    order = np.array([at[p] for p in w.people.tolist()], dtype=np.int64)
    arrays = tuple(np.asarray(m[c], dtype=float)[order] for c in ("network_size", "network_size_external", "constraint", "isolated"))
    return arrays, components(*arrays)
