"""Organization metrics of one window's network.

References
----------
Freeman, L. C. (1979). Centrality in social networks: conceptual clarification.
Social Networks 1, 215-239.
Gini, C. (1912). Variabilità e mutabilità.
Cross, R., Rebele, R. & Grant, A. (2016). Collaborative overload. Harvard Business Review 94(1).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .graph import WindowGraph, pair_positions


def reciprocity(wg: WindowGraph) -> float | None:
    """Share of directed ties whose reverse tie exists: ``networkx.reciprocity(G)``.

    >>> reciprocity(WindowGraph.build(list("abc"), list("aba"), list("bac"), [1, 1, 1]))
    0.6666666666666666
    """
    m = len(wg.src)
    if m == 0:
        return None
    keys = wg.src * wg.n + wg.dst
    back = pair_positions(keys, wg.n, wg.dst, wg.src)
    return float((back >= 0).sum() / m)


def strong_tie_count(wg: WindowGraph, strong_weight: float) -> int:
    """Pairs tied in both directions with at least ``strong_weight`` each way."""
    keys = wg.src * wg.n + wg.dst
    back = pair_positions(keys, wg.n, wg.dst, wg.src)
    ok = (back >= 0) & (wg.src < wg.dst)
    return int((np.minimum(wg.weight[ok], wg.weight[back[ok]]) >= strong_weight).sum())


def gini(values: np.ndarray) -> float | None:
    """Gini coefficient of non-negative values (0: equal; towards 1: concentrated).

    :math:`G = \\sum_i (2i - n - 1) x_{(i)} / (n \\sum_i x_i)` over values sorted
    ascending, i = 1..n (zeros included).

    >>> gini(np.array([1.0, 1.0, 1.0])), gini(np.array([0.0, 0.0, 3.0]))
    (0.0, 0.6666666666666666)
    """
    x = np.sort(np.asarray(values, dtype=float))
    n, total = len(x), x.sum()
    if n == 0 or total <= 0:
        return None
    i = np.arange(1, n + 1)
    return float(((2 * i - n - 1) * x).sum() / (n * total))


def top_share(values: np.ndarray, *, share: float = 0.05) -> float | None:
    """Share of the total held by the top ``share`` of people (at least one person).

    >>> top_share(np.array([10.0] + [0.5] * 19))
    0.5128205128205128
    """
    x = np.sort(np.asarray(values, dtype=float))[::-1]
    if len(x) == 0 or x.sum() <= 0:
        return None
    k = max(1, math.ceil(share * len(x)))
    return float(x[:k].sum() / x.sum())


def centralization(values: np.ndarray, max_sum: float) -> float | None:
    """Freeman's centralization: :math:`\\sum_i (\\max_j c_j - c_i)` over its maximum possible value ``max_sum``."""
    if len(values) == 0 or max_sum <= 0:
        return None
    return float((values.max() - values).sum() / max_sum)


def org_metrics(wg: WindowGraph, person: dict[str, np.ndarray], *, strong_weight: float) -> dict[str, Any]:
    """Whole-network figures of one window.

    Parameters
    ----------
    wg : WindowGraph
    person : dict
        The window's person metrics (``betweenness`` and the degree columns are used).
    strong_weight : float, keyword-only

    Returns
    -------
    dict
        ``people, ties, density, reciprocity, strong_ties, isolated_people,
        lcc_share, degree_centralization, betweenness_centralization,
        gini_strength, top5_tie_share, top5_strength_share, mean_degree``:

        - ``density``: ties / (n (n-1)) in G;
        - ``lcc_share``: people in the largest connected component of U over n;
        - ``degree_centralization``: Freeman's, on U unweighted, maximum
          (n-1)(n-2) (the star);
        - ``betweenness_centralization``: Freeman's, on normalised betweenness,
          maximum n-1;
        - ``gini_strength``: Gini of each person's strength in U (sum of weights in and out);
        - ``top5_tie_share``: share of all ties (U degrees) held by the 5% of
          people with most ties; ``top5_strength_share`` the same by weight.
    """
    n = wg.n
    m = len(wg.src)
    deg_u = np.asarray(wg.U.degree(), dtype=float) if n else np.zeros(0)
    strength = person["strength_in"] + person["strength_out"] if n else np.zeros(0)
    lcc = max(wg.U.connected_components().sizes()) if n else 0
    return {
        "people": n,
        "ties": m,
        "undirected_ties": wg.U.ecount(),
        "mean_degree": float(deg_u.mean()) if n else None,
        "density": m / (n * (n - 1)) if n > 1 else None,
        "reciprocity": reciprocity(wg),
        "strong_ties": strong_tie_count(wg, strong_weight),
        "isolated_people": int((deg_u == 0).sum()),
        "people_without_ties": int((deg_u == 0).sum()),
        "lcc_share": lcc / n if n else None,
        "degree_centralization": centralization(deg_u, (n - 1) * (n - 2)) if n > 2 else None,
        "betweenness_centralization": centralization(person["betweenness"], n - 1) if n > 2 else None,
        "gini_strength": gini(strength),
        "top5_tie_share": top_share(deg_u),
        "top5_strength_share": top_share(strength),
    }


def channel_metrics(wg: WindowGraph) -> dict[str, Any]:
    """The figures shown for each channel: active people, ties, density among all people, reciprocity."""
    n = wg.n
    deg = np.asarray(wg.U.degree()) if n else np.zeros(0)
    m = len(wg.src)
    return {
        "active_people": int((deg > 0).sum()),
        "ties": m,
        "weight": float(wg.weight.sum()),
        "density": m / (n * (n - 1)) if n > 1 else None,
        "reciprocity": reciprocity(wg),
    }


def whole_network_figures(
    wg: WindowGraph, person: dict[str, np.ndarray], *, community: np.ndarray, department: np.ndarray,
    team: np.ndarray, isolated: np.ndarray, strong_weight: float,
) -> dict[str, Any]:
    """The organization row (channel ``all``) of one network: :func:`org_metrics`,
    :func:`channel_metrics`, the isolated count, and how communities match the org chart.

    ``analyze`` calls it on a window's whole network; the read path
    (:mod:`socialhr.results.aggregates`) on the network of the people its
    disclosure rules keep. ``department`` and ``team`` are integer codes (-1: unknown).
    """
    from .communities import agreement, modularity

    n = wg.n
    row = org_metrics(wg, person, strong_weight=strong_weight)
    row.update(channel_metrics(wg))
    row["isolated_people"] = int(np.asarray(isolated).sum())
    row.update({
        "channel": "all",
        "communities": int(community.max() + 1) if n else 0,
        "modularity_communities": modularity(wg, community) if n else None,
        "modularity_department": modularity(wg, department) if n else None,
        "modularity_team": modularity(wg, team) if n else None,
    })
    for name, labels in (("department", department), ("team", team)):
        agree = agreement(community, labels)
        row[f"nmi_{name}"], row[f"ari_{name}"] = agree["nmi"], agree["ari"]
    return row
