"""Positions for drawing a network: a seeded force-directed layout, computed once on the server.

The map of the network explorer is drawn by the browser (sigma.js), but where
each person sits is decided here, with python-igraph's Fruchterman-Reingold
layout, so that the same window and filters always give the same map and the
browser draws 10,000 people without simulating forces itself.

The layout starts from positions drawn with a seeded generator, each person
near the centre of their group (e.g. their community), so that the forces only
have to refine a sensible map. igraph's Fruchterman-Reingold also draws random
numbers as it runs: a private generator seeded with the same seed is handed to
igraph for the call (as :mod:`socialhr.network.communities` does for Leiden),
so a layout repeats exactly.

For large networks (:data:`LARGE` nodes and more) igraph's grid approximation
only lets near nodes repel, which draws a large network into one ball when the
forces run hot; there the layout runs cool (a small start temperature) for
fewer steps, keeping each group where it started and arranging people within
and between groups.
"""

from __future__ import annotations

import random
import threading
from typing import Sequence

import igraph as ig
import numpy as np

# Iterations of the force simulation: fewer for large networks, which start from their groups' places already.
ITERATIONS_SMALL = 500
ITERATIONS_LARGE = 100
LARGE = 2_000  # nodes from which the grid approximation, a cool start and fewer iterations are used
_LOCK = threading.Lock()  # igraph's generator is process-wide: one seeded layout at a time


def start_positions(n: int, *, seed: int, groups: Sequence[object] | None = None) -> np.ndarray:
    """Seeded start positions: around each group's centre (groups on a sunflower spiral, largest first), or uniform.

    >>> start_positions(3, seed=1).shape
    (3, 2)
    >>> bool((start_positions(4, seed=7, groups="aabb") == start_positions(4, seed=7, groups="aabb")).all())
    True
    """
    rng = np.random.default_rng(seed)
    if n == 0:
        return np.zeros((0, 2))
    if groups is None:
        side = np.sqrt(n)
        return rng.uniform(-side, side, size=(n, 2))
    labels = np.asarray([str(g) for g in groups], dtype=object)
    names, inverse, sizes = np.unique(labels, return_inverse=True, return_counts=True)
    order = np.lexsort((names.astype(str), -sizes))  # largest group first, ties by name: the same order every time
    centres = np.zeros((len(names), 2))
    golden = np.pi * (3 - np.sqrt(5))
    spacing = 2.2 * np.sqrt(sizes.max())
    for rank, g in enumerate(order):
        r = spacing * np.sqrt(rank)
        centres[g] = (r * np.cos(rank * golden), r * np.sin(rank * golden))
    spread = np.sqrt(sizes[inverse])[:, None]
    xy = centres[inverse] + rng.normal(scale=1.0, size=(n, 2)) * spread
    scale = np.abs(xy).max()
    return xy / scale * np.sqrt(n) if scale > 0 else xy


def force_layout(n: int, edges: Sequence[tuple[int, int]] | np.ndarray, *, seed: int = 42,
                 groups: Sequence[object] | None = None, iterations: int | None = None) -> np.ndarray:
    """Positions of ``n`` nodes, an ``(n, 2)`` array scaled into [-1, 1], by a force-directed layout.

    Fruchterman & Reingold's algorithm (igraph's ``layout_fruchterman_reingold``;
    with its grid approximation from :data:`LARGE` nodes), started from
    :func:`start_positions`. Deterministic: the same nodes, edges, groups and
    seed give the same positions.

    Parameters
    ----------
    n : int
        Number of nodes, numbered 0 to n - 1.
    edges : sequence of (int, int)
        Undirected pairs of node numbers.
    seed : int, keyword-only
        Seed of the start positions (the workspace's ``network_seed``).
    groups : sequence, keyword-only
        A group label per node (e.g. its community): nodes start near their group.
    iterations : int, keyword-only
        Steps of the simulation (default 500; 100 from 2,000 nodes).

    Returns
    -------
    numpy.ndarray
        ``(n, 2)`` positions, centred, the largest coordinate 1 in absolute value.

    References
    ----------
    Fruchterman, T. M. J. & Reingold, E. M. (1991). Graph drawing by force-directed placement.
    Software: Practice and Experience 21(11), 1129-1164.

    Examples
    --------
    >>> xy = force_layout(4, [(0, 1), (1, 2), (2, 3)], seed=3)
    >>> xy.shape, bool(abs(xy).max() == 1.0)
    ((4, 2), True)
    >>> bool((force_layout(4, [(0, 1), (1, 2), (2, 3)], seed=3) == xy).all())
    True
    """
    if n == 0:
        return np.zeros((0, 2))
    if n == 1:
        return np.zeros((1, 2))
    start = start_positions(n, seed=seed, groups=groups)
    graph = ig.Graph(n=n, edges=[tuple(map(int, e)) for e in edges])
    large = n >= LARGE
    niter = iterations or (ITERATIONS_LARGE if large else ITERATIONS_SMALL)
    options: dict = {"grid": "grid", "start_temp": np.sqrt(n) / 100} if large else {"grid": "nogrid"}
    with _LOCK:
        ig.set_random_number_generator(random.Random(seed))
        try:
            layout = graph.layout_fruchterman_reingold(seed=start.tolist(), niter=niter, **options)
        finally:
            ig.set_random_number_generator(random)
    xy = np.asarray(layout.coords, dtype=float)
    xy -= (xy.max(axis=0) + xy.min(axis=0)) / 2
    scale = np.abs(xy).max()
    return xy / scale if scale > 0 else xy


__all__ = ["force_layout", "start_positions"]
