"""The network of one window as igraph graphs, with the arrays the metrics share.

``G`` is the directed window graph (edge weight = aggregated tie weight) and
``U`` its undirected version whose edge weight is the sum of both directions,
as docs/metrics.md defines them. Vertex ``i`` of both is ``nodes[i]``: every
metric is an array in that order, so attributes can never be attached to the
wrong person (the vertex-order bug seen in a peer's network output).

>>> wg = WindowGraph.build(["a", "b", "c"], ["a", "b"], ["b", "a"], [1.0, 2.0])
>>> wg.G.ecount(), wg.U.ecount(), wg.U.es["weight"]
(2, 1, [3.0])
>>> wg.index(["c", "a"]).tolist()
[2, 0]
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence

import igraph as ig
import numpy as np

from ..errors import SocialHRError


@dataclass
class WindowGraph:
    """Directed graph ``G`` and undirected graph ``U`` over the sorted person ids ``nodes``."""

    nodes: np.ndarray
    src: np.ndarray
    dst: np.ndarray
    weight: np.ndarray
    G: ig.Graph
    U: ig.Graph
    _pairs: tuple[np.ndarray, np.ndarray] | None = field(default=None, repr=False)

    @classmethod
    def build(cls, nodes: Sequence[str], sources: Sequence[str], targets: Sequence[str], weights: Sequence[float]) -> "WindowGraph":
        """Build from person ids; ties whose ends are not in ``nodes`` are dropped, as are self-ties.

        Duplicate ``(source, target)`` rows are summed.
        """
        nodes_arr = np.unique(np.asarray(nodes, dtype=object).astype(str))
        n = len(nodes_arr)
        s = np.asarray(sources, dtype=object).astype(str) if len(sources) else np.array([], dtype=str)
        t = np.asarray(targets, dtype=object).astype(str) if len(targets) else np.array([], dtype=str)
        w = np.asarray(weights, dtype=float)
        si, sok = _lookup(nodes_arr, s)
        ti, tok = _lookup(nodes_arr, t)
        keep = sok & tok & (si != ti)
        si, ti, w = si[keep], ti[keep], w[keep]
        if np.any(w <= 0) or not np.all(np.isfinite(w)):
            raise SocialHRError("tie weights must be positive and finite", hint="Check the weights of the imported interactions and ties.")
        # Sum duplicates, and sort by (source, target) for stable vertex/edge order.
        keys = si.astype(np.int64) * max(n, 1) + ti
        uniq, inv = np.unique(keys, return_inverse=True)
        w = np.bincount(inv, weights=w, minlength=len(uniq)) if len(uniq) else w[:0]
        si, ti = (uniq // max(n, 1)).astype(np.int64), (uniq % max(n, 1)).astype(np.int64)
        G = ig.Graph(n=n, edges=np.column_stack([si, ti]).tolist() if len(si) else [], directed=True)
        G.es["weight"] = w.tolist()
        U = G.as_undirected(mode="collapse", combine_edges={"weight": "sum"})
        return cls(nodes_arr, si, ti, w, G, U)

    @property
    def n(self) -> int:
        return len(self.nodes)

    def index(self, people: Sequence[str]) -> np.ndarray:
        """Vertex indices of ``people`` (who must all be nodes)."""
        idx, ok = _lookup(self.nodes, np.asarray(people, dtype=object).astype(str))
        if not ok.all():
            raise KeyError("not a node of this window")
        return idx

    def undirected_pairs(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Both orientations of every edge of ``U``: ``(a, b, weight)`` sorted by ``(a, b)``."""
        el = np.array(self.U.get_edgelist(), dtype=np.int64).reshape(-1, 2)
        w = np.asarray(self.U.es["weight"], dtype=float) if self.U.ecount() else np.zeros(0)
        a = np.concatenate([el[:, 0], el[:, 1]])
        b = np.concatenate([el[:, 1], el[:, 0]])
        ww = np.concatenate([w, w])
        order = np.lexsort((b, a))
        return a[order], b[order], ww[order]


def _lookup(sorted_values: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Positions of ``values`` in ``sorted_values`` and whether each was found."""
    if len(sorted_values) == 0 or len(values) == 0:
        return np.zeros(len(values), dtype=np.int64), np.zeros(len(values), dtype=bool)
    pos = np.searchsorted(sorted_values, values)
    pos_c = np.minimum(pos, len(sorted_values) - 1)
    found = sorted_values[pos_c] == values
    return pos_c.astype(np.int64), found


def pair_positions(keys: np.ndarray, n: int, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Positions in ``keys`` of the pairs ``(a, b)``; -1 where the pair is absent."""
    q = a.astype(np.int64) * n + b
    if len(keys) == 0:
        return np.full(len(q), -1, dtype=np.int64)
    pos = np.minimum(np.searchsorted(keys, q), len(keys) - 1)
    return np.where(keys[pos] == q, pos, -1)
