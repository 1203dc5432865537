"""Gould & Fernandez brokerage roles, with departments as the groups.

Person v *brokers* for the ordered pair (a, b) of distinct other people when
``a -> v -> b`` is in G and ``a -> b`` is not (an open two-path; Gould &
Fernandez 1989, p. 91, as in ``sna::brokerage``). With g(x) the group of x, each such two-path
is one count of exactly one role of v:

==================  ===========================  =====================
role                groups                       G&F symbol
==================  ===========================  =====================
coordinator         g(a) = g(v) = g(b)           w_I
consultant          g(a) = g(b) != g(v)          w_O (itinerant broker)
representative      g(a) = g(v) != g(b)          b_IO
gatekeeper          g(v) = g(b) != g(a)          b_OI
liaison             g(a), g(v), g(b) all differ  b_O
==================  ===========================  =====================

Two-paths through someone whose group is unknown are not counted. The
counts are unweighted: a tie counts once whatever its weight.

References
----------
Gould, R. V. & Fernandez, R. M. (1989). Structures of mediation: a formal
approach to brokerage in transaction networks. Sociological Methodology 19, 89-126.
"""

from __future__ import annotations

import duckdb
import numpy as np
import pyarrow as pa

from .graph import WindowGraph

ROLES = ("coordinator", "consultant", "representative", "gatekeeper", "liaison")

# DuckDB enumerates the two-paths: its joins spill to disk, so a large,
# dense network cannot exhaust memory the way an in-memory list would.
_SQL = """
SELECT v,
       count(*) FILTER (WHERE ga = gv AND gv = gb) AS coordinator,
       count(*) FILTER (WHERE ga = gb AND ga <> gv) AS consultant,
       count(*) FILTER (WHERE ga = gv AND gv <> gb) AS representative,
       count(*) FILTER (WHERE gv = gb AND ga <> gv) AS gatekeeper,
       count(*) FILTER (WHERE ga <> gv AND gv <> gb AND ga <> gb) AS liaison
FROM (
    SELECT e1.s AS a, e1.t AS v, e2.t AS b, e1.gs AS ga, e1.gt AS gv, e2.gt AS gb
    FROM e AS e1 JOIN e AS e2 ON e1.t = e2.s
    WHERE e1.s <> e2.t AND e1.gs >= 0 AND e1.gt >= 0 AND e2.gt >= 0
) AS p
ANTI JOIN e AS e3 ON e3.s = p.a AND e3.t = p.b
GROUP BY v
"""


def brokerage_roles(wg: WindowGraph, groups: np.ndarray) -> dict[str, np.ndarray]:
    """Counts of each brokerage role per person, in vertex order.

    Parameters
    ----------
    wg : WindowGraph
    groups : numpy.ndarray
        Integer group code per vertex (e.g. department), -1 for unknown.

    Returns
    -------
    dict
        ``brokerage_<role>`` -> int64 array over ``wg.nodes`` for each role in :data:`ROLES`.

    Examples
    --------
    a and b in group 0, c in group 1; a -> b -> c is open, so b is a representative:

    >>> wg = WindowGraph.build(["a", "b", "c"], ["a", "b"], ["b", "c"], [1, 1])
    >>> brokerage_roles(wg, np.array([0, 0, 1]))["brokerage_representative"].tolist()
    [0, 1, 0]
    """
    n = wg.n
    out = {f"brokerage_{r}": np.zeros(n, dtype=np.int64) for r in ROLES}
    if len(wg.src) == 0:
        return out
    edges = pa.table({"s": wg.src, "t": wg.dst, "gs": groups[wg.src], "gt": groups[wg.dst]})
    con = duckdb.connect()
    try:
        con.register("e", edges)
        rows = con.execute(_SQL).fetchnumpy()
    finally:
        con.close()
    v = rows["v"].astype(np.int64)
    for r in ROLES:
        out[f"brokerage_{r}"][v] = rows[r].astype(np.int64)
    return out
