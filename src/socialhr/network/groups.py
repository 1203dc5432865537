"""Group metrics: how each department, team, location, level or attribute group collaborates.

A group's members are the window's people with that value; people whose value
is unknown belong to no group (their ties to members still count as
external). Ties are U's (undirected, weights of both directions summed)
unless said otherwise. For a group g with n_g members in a window of N people:

``size``
    n_g.
``density``
    directed ties among members in G over n_g (n_g - 1) (NetworkX's
    ``density`` of the members' subgraph of G); empty when n_g < 2.
``cohesion``
    share of members in the largest connected component of the members'
    own U subgraph: 1 when everyone can reach everyone through colleagues of
    the group.
``internal_ties``, ``external_ties`` (I, E)
    ties of U with both ends in g, with exactly one end in g.
``ei_index``
    Krackhardt & Stern's E-I index (E - I) / (E + I), from -1 (all ties
    inside) to +1 (all outside); ``ei_index_weighted`` the same with tie weights.
``external_tie_share``
    E / (E + I): the share of the group's ties that leave it.
``boundary_spanners``
    members with ties into two or more other groups of the same kind.
``isolated_members``
    members flagged isolated (see docs/metrics.md; by default, without any
    tie): a count, never who.
``silo_score``
    how much more of the members' collaboration stays inside than chance:
    (s - x) / (1 - x), where s = 2 I_w / (2 I_w + E_w) is the share of the
    members' tie weight (strength in U) spent inside and x = (n_g - 1) / (N - 1)
    the share a member would spend inside if partners were picked at random.
    1: all inside; 0: as chance; below 0: turned outward. Empty without ties.

Groups smaller than ``min_group_size`` are withheld from every output here,
and the number withheld is returned.

References
----------
Krackhardt, D. & Stern, R. N. (1988). Informal networks and organizational
crises: an experimental simulation. Social Psychology Quarterly 51(2), 123-140.
"""

from __future__ import annotations

from typing import Any, Sequence

import igraph as ig
import numpy as np

from ..privacy import groups_shown
from .graph import WindowGraph
from .person_metrics import codes

GROUP_METRIC_COLUMNS = [
    "size", "density", "cohesion", "internal_ties", "external_ties", "ei_index", "ei_index_weighted",
    "external_tie_share", "boundary_spanners", "isolated_members", "silo_score",
]


def group_metrics(
    wg: WindowGraph, labels: Sequence[Any], *, min_group_size: int = 5, isolated: np.ndarray | None = None
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], int]:
    """Metrics of every group of one kind, and their collaboration matrix.

    Parameters
    ----------
    wg : WindowGraph
    labels : sequence
        The group of each vertex (e.g. its department), None when unknown.
    min_group_size : int, keyword-only
        Groups with fewer members are withheld.
    isolated : numpy.ndarray of bool, keyword-only
        Who counts as isolated (default: people without ties).

    Returns
    -------
    (list of dict, list of dict, int)
        One row per group shown (``group`` plus :data:`GROUP_METRIC_COLUMNS`);
        the group-to-group matrix of directed ties in G between shown groups
        (``from_group, to_group, ties, weight``, diagonal included); the number
        of groups withheld.

    Examples
    --------
    >>> wg = WindowGraph.build(list("abcd"), ["a", "a"], ["b", "c"], [1.0, 1.0])
    >>> rows, matrix, withheld = group_metrics(wg, ["x", "x", "y", "y"], min_group_size=2)
    >>> [(r["group"], r["ei_index"]) for r in rows]
    [('x', 0.0), ('y', 1.0)]
    """
    n = wg.n
    c = codes(list(labels))
    names = _names(labels, c)
    k = len(names)
    if k == 0:
        return [], [], 0
    size = np.bincount(c[c >= 0], minlength=k)
    a, b, w = wg.undirected_pairs()
    ga, gb = c[a], c[b]
    inside = (ga >= 0) & (ga == gb)
    from_member = ga >= 0
    # Both orientations of each U tie are listed: a tie inside g appears
    # twice with its first end in g, a tie leaving g once.
    internal = np.bincount(ga[inside], minlength=k) // 2
    internal_w = np.bincount(ga[inside], weights=w[inside], minlength=k) / 2
    ext = from_member & ~inside
    external = np.bincount(ga[ext], minlength=k)
    external_w = np.bincount(ga[ext], weights=w[ext], minlength=k)

    gs, gt = c[wg.src], c[wg.dst]
    g_inside = (gs >= 0) & (gs == gt)
    internal_directed = np.bincount(gs[g_inside], minlength=k)

    cohesion = _cohesion(n, a, b, inside, c, size, k)
    if isolated is None:
        isolated = np.bincount(a, minlength=n) == 0
    known = c >= 0
    isolated_count = np.bincount(c[known & isolated], minlength=k)
    spanners = _boundary_spanners(n, a, ga, gb, c, k)

    total_people = n
    rows: list[dict[str, Any]] = []
    shown = np.array(groups_shown(size, min_size=min_group_size), dtype=bool)
    for g in range(k):
        if not shown[g]:
            continue
        n_g = int(size[g])
        I, E, Iw, Ew = int(internal[g]), int(external[g]), float(internal_w[g]), float(external_w[g])
        s_in = 2 * Iw / (2 * Iw + Ew) if (Iw + Ew) > 0 else None
        chance = (n_g - 1) / (total_people - 1) if total_people > 1 else 1.0
        rows.append({
            "group": names[g],
            "size": n_g,
            "density": float(internal_directed[g]) / (n_g * (n_g - 1)) if n_g > 1 else None,
            "cohesion": float(cohesion[g]),
            "internal_ties": I,
            "external_ties": E,
            "ei_index": (E - I) / (E + I) if E + I else None,
            "ei_index_weighted": (Ew - Iw) / (Ew + Iw) if Ew + Iw else None,
            "external_tie_share": E / (E + I) if E + I else None,
            "boundary_spanners": int(spanners[g]),
            "isolated_members": int(isolated_count[g]),
            "silo_score": (s_in - chance) / (1 - chance) if s_in is not None and chance < 1 else None,
        })
    matrix = _matrix(wg, gs, gt, shown, names)
    return rows, matrix, int((~shown).sum())


def _names(labels: Sequence[Any], c: np.ndarray) -> list[str]:
    k = int(c.max()) + 1 if len(c) and c.max() >= 0 else 0
    names: list[str] = [""] * k
    for label, code in zip(labels, c):
        if code >= 0:
            names[code] = str(label)
    return names


def _cohesion(n: int, a: np.ndarray, b: np.ndarray, inside: np.ndarray, c: np.ndarray, size: np.ndarray, k: int) -> np.ndarray:
    """Share of each group's members in the largest component of its internal subgraph."""
    keep = inside & (a < b)
    sub = ig.Graph(n=n, edges=np.column_stack([a[keep], b[keep]]).tolist() if keep.any() else [], directed=False)
    membership = np.asarray(sub.connected_components().membership, dtype=np.int64)
    comp_size = np.bincount(membership)
    known = c >= 0
    # every component lies inside one group (its edges are internal ones)
    comp_group = np.full(len(comp_size), -1, dtype=np.int64)
    comp_group[membership[known]] = c[known]
    largest = np.zeros(k)
    ok = comp_group >= 0
    np.maximum.at(largest, comp_group[ok], comp_size[ok])
    return np.divide(largest, size, out=np.zeros(k), where=size > 0)


def _boundary_spanners(n: int, a: np.ndarray, ga: np.ndarray, gb: np.ndarray, c: np.ndarray, k: int) -> np.ndarray:
    """Members with ties into at least two other (known) groups."""
    out_tie = (ga >= 0) & (gb >= 0) & (ga != gb)
    if not out_tie.any():
        return np.zeros(k, dtype=np.int64)
    pairs = np.unique(a[out_tie] * (k + 1) + gb[out_tie])
    other_groups = np.bincount(pairs // (k + 1), minlength=n)
    is_spanner = (other_groups >= 2) & (c >= 0)
    return np.bincount(c[is_spanner], minlength=k)


def _matrix(wg: WindowGraph, gs: np.ndarray, gt: np.ndarray, shown: np.ndarray, names: list[str]) -> list[dict[str, Any]]:
    ok = (gs >= 0) & (gt >= 0)
    ok[ok] = shown[gs[ok]] & shown[gt[ok]]
    if not ok.any():
        return []
    k = len(names)
    key = gs[ok] * k + gt[ok]
    uniq, inv = np.unique(key, return_inverse=True)
    ties = np.bincount(inv)
    weight = np.bincount(inv, weights=wg.weight[ok])
    return [
        {"from_group": names[int(q // k)], "to_group": names[int(q % k)], "ties": int(t), "weight": float(x)}
        for q, t, x in zip(uniq, ties, weight)
    ]
