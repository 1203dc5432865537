"""Person metrics of one window's network, computed with igraph and numpy.

Every metric equals the NetworkX function named in its docstring on the same
graph (checked by property tests in tests/network/test_person_metrics.py);
NetworkX itself is never used here. ``G`` is the directed window graph, ``U``
its undirected version with the weights of both directions summed
(:class:`socialhr.network.graph.WindowGraph`).

Betweenness and harmonic closeness need a shortest-path search from every
person. Up to ``exact_limit`` people they are exact; beyond it they are
estimated from ``samples`` source people drawn at random with a fixed seed
(Brandes & Pich 2007), and :func:`person_metrics` states the estimate's error
bound (Hoeffding 1963) in its metadata.

References
----------
Brandes, U. (2001). A faster algorithm for betweenness centrality. Journal of
Mathematical Sociology 25(2), 163-177.
Brandes, U. & Pich, C. (2007). Centrality estimation in large networks.
International Journal of Bifurcation and Chaos 17(7), 2303-2318.
Burt, R. S. (1992). Structural Holes. Harvard University Press.
Marchiori, M. & Latora, V. (2000). Harmony in the small-world. Physica A 285, 539-546.
Page, L., Brin, S., Motwani, R. & Winograd, T. (1999). The PageRank citation ranking.
Watts, D. J. & Strogatz, S. H. (1998). Collective dynamics of small-world networks. Nature 393.
"""

from __future__ import annotations

import math
import os
import pickle
import subprocess
import sys
from typing import Any, Callable

import igraph as ig
import numpy as np

from .graph import WindowGraph, pair_positions

# The shortest-path searches are chunked so that a distance matrix of
# _CHUNK sources x n people stays small (100 x 100,000 doubles = 80 MB).
_CHUNK = 100


def degrees(wg: WindowGraph) -> dict[str, np.ndarray]:
    """``degree_in``, ``degree_out`` (distinct neighbours in G) and ``strength_in``, ``strength_out``.

    Equal to ``G.in_degree()``, ``G.out_degree()``, ``G.in_degree(weight="weight")``
    and ``G.out_degree(weight="weight")`` in NetworkX.
    """
    n = wg.n
    return {
        "degree_in": np.bincount(wg.dst, minlength=n).astype(np.int64),
        "degree_out": np.bincount(wg.src, minlength=n).astype(np.int64),
        "strength_in": np.bincount(wg.dst, weights=wg.weight, minlength=n),
        "strength_out": np.bincount(wg.src, weights=wg.weight, minlength=n),
    }


def pagerank(wg: WindowGraph, *, alpha: float = 0.85) -> np.ndarray:
    """PageRank of G, weighted, as ``networkx.pagerank(G, alpha=0.85, weight="weight")``.

    People with no outgoing tie (dangling, isolated included) spread their
    rank evenly over everyone, as NetworkX does. igraph's PRPACK solver gives
    the exact stationary vector; NetworkX's power iteration stops at a
    tolerance of 1e-6 x n, so compare with a tighter ``tol`` (Page et al. 1999).
    """
    if wg.n == 0:
        return np.zeros(0)
    return np.asarray(wg.G.pagerank(directed=True, damping=alpha, weights="weight"))


def clustering(wg: WindowGraph) -> np.ndarray:
    """Local clustering coefficient on U, unweighted: ``networkx.clustering(U)`` (Watts & Strogatz 1998).

    People with fewer than two neighbours get 0.
    """
    if wg.n == 0:
        return np.zeros(0)
    return np.asarray(wg.U.transitivity_local_undirected(mode="zero"), dtype=float)


def constraint(wg: WindowGraph) -> np.ndarray:
    """Burt's constraint on U, weighted: ``networkx.constraint(U, weight="weight")`` (Burt 1992, p. 55).

    :math:`c_i = \\sum_{j \\in N(i)} (p_{ij} + \\sum_{q} p_{iq} p_{qj})^2` with
    :math:`p_{ij} = w_{ij} / \\sum_k w_{ik}`. People without ties get NaN, as in
    NetworkX: constraint is undefined without a network.
    """
    if wg.n == 0:
        return np.zeros(0)
    return np.asarray(wg.U.constraint(weights="weight"), dtype=float)


def effective_size(wg: WindowGraph) -> np.ndarray:
    """Burt's effective size on U, weighted: ``networkx.effective_size(U, weight="weight")`` (Burt 1992).

    :math:`e_i = \\sum_{j \\in N(i)} (1 - \\sum_{q \\in N(i)} p_{iq} m_{jq})` with
    :math:`p_{iq} = w_{iq} / \\sum_k w_{ik}` and :math:`m_{jq} = w_{jq} / \\max_k w_{jk}`.
    Only triangles add redundancy, so it is computed from U's triangle list.
    People without ties get NaN, as in NetworkX.
    """
    n = wg.n
    a, b, w = wg.undirected_pairs()
    deg = np.bincount(a, minlength=n).astype(float)
    out = deg.copy()
    out[deg == 0] = np.nan
    if len(a) == 0:
        return out
    strength = np.bincount(a, weights=w, minlength=n)
    wmax = np.zeros(n)
    np.maximum.at(wmax, a, w)
    p = w / strength[a]
    m = w / wmax[a]
    keys = a * n + b
    tri = np.array(wg.U.list_triangles(), dtype=np.int64).reshape(-1, 3)
    if len(tri):
        redundancy = np.zeros(n)
        # Each triangle {x, y, z} makes ego i, alter j and third q of every
        # ordering: ego i's alter j is redundant through q by p_iq * m_jq.
        for i, j, q in ((0, 1, 2), (0, 2, 1), (1, 0, 2), (1, 2, 0), (2, 0, 1), (2, 1, 0)):
            e, al, th = tri[:, i], tri[:, j], tri[:, q]
            pv = p[pair_positions(keys, n, e, th)]
            mv = m[pair_positions(keys, n, al, th)]
            redundancy += np.bincount(e, weights=pv * mv, minlength=n)
        out = out - redundancy
    return out


def _sources(n: int, exact_limit: int, samples: int, seed: int) -> np.ndarray | None:
    """None for exact computation, else the sampled source people."""
    if n <= exact_limit or samples >= n:
        return None
    return np.sort(np.random.default_rng(seed).choice(n, size=samples, replace=False))


def error_bound(n: int, k: int, *, confidence: float = 0.95) -> dict[str, float]:
    """Hoeffding bounds for a normalised centrality estimated from ``k`` of ``n`` sources.

    Each sampled source adds a term in ``[0, n/(n-1)]`` to the estimate of
    normalised betweenness (and of harmonic closeness), whose mean is the
    exact value; Hoeffding's inequality (valid for sampling without
    replacement) bounds the error of one person's value, and with a union
    bound over all n people, of every value at once.

    >>> b = error_bound(100_000, 1_000)
    >>> round(b["per_person"], 4), round(b["all_people"], 4)
    (0.0429, 0.0872)
    """
    rng_width = n / (n - 1)
    delta = 1 - confidence
    per_person = rng_width * math.sqrt(math.log(2 / delta) / (2 * k))
    everyone = rng_width * math.sqrt(math.log(2 * n / delta) / (2 * k))
    return {"confidence": confidence, "per_person": per_person, "all_people": everyone}


def betweenness(wg: WindowGraph, *, exact_limit: int = 20_000, samples: int = 1_000, seed: int = 0, workers: int = 1) -> tuple[np.ndarray, dict[str, Any]]:
    """Betweenness on G, unweighted: ``networkx.betweenness_centrality(G, normalized=True)`` (Brandes 2001).

    Normalised by :math:`1/((n-1)(n-2))` for directed graphs (raw counts when
    n <= 2, as NetworkX). Above ``exact_limit`` people, estimated from
    ``samples`` sources scaled by n/k, as ``networkx.betweenness_centrality(G, k=samples)``
    (Brandes & Pich 2007).
    """
    bt, _, meta = shortest_path_metrics(wg, exact_limit=exact_limit, samples=samples, seed=seed, workers=workers, harmonic=False)
    return bt, meta["betweenness"]


def harmonic_closeness(wg: WindowGraph, *, exact_limit: int = 20_000, samples: int = 1_000, seed: int = 0, workers: int = 1) -> tuple[np.ndarray, dict[str, Any]]:
    """Harmonic closeness on G: ``networkx.harmonic_centrality(G)`` divided by n-1 (Marchiori & Latora 2000).

    :math:`h(u) = \\frac{1}{n-1} \\sum_{v \\ne u} 1/d(v, u)`, with distances
    along tie direction *to* u, as NetworkX. Above ``exact_limit`` people,
    estimated from ``samples`` sources, each term scaled by n/k.
    """
    _, hc, meta = shortest_path_metrics(wg, exact_limit=exact_limit, samples=samples, seed=seed, workers=workers, betweenness=False)
    return hc, meta["harmonic_closeness"]


def shortest_path_metrics(
    wg: WindowGraph, *, exact_limit: int, samples: int, seed: int, workers: int = 1,
    betweenness: bool = True, harmonic: bool = True,
) -> tuple[np.ndarray | None, np.ndarray | None, dict[str, Any]]:
    """Betweenness and harmonic closeness together, spread over ``workers`` processes.

    Both need one shortest-path search per person (or per sampled source);
    the searches are independent, so large networks split them into chunks
    run by a pool of processes (each holding a copy of G). The result is the
    same as in one process.
    """
    return start_shortest_path_metrics(
        wg, exact_limit=exact_limit, samples=samples, seed=seed, workers=workers, betweenness=betweenness, harmonic=harmonic
    )()


def start_shortest_path_metrics(
    wg: WindowGraph, *, exact_limit: int, samples: int, seed: int, workers: int = 1,
    betweenness: bool = True, harmonic: bool = True,
) -> Callable[[], tuple[np.ndarray | None, np.ndarray | None, dict[str, Any]]]:
    """Start :func:`shortest_path_metrics`; return a function that waits for and returns its result.

    With worker processes, the caller can compute other metrics while they
    search (``analyze`` does); without, the work is done when the result is asked for.
    """
    n = wg.n
    exact = {"method": "exact"}
    if n <= 1:
        return lambda: (np.zeros(n), np.zeros(n), {"betweenness": exact, "harmonic_closeness": exact})
    src = _sources(n, exact_limit, samples, seed)
    k = n if src is None else len(src)
    meta = exact if src is None else {"method": "sampled", "sources": int(k), "seed": seed, "error_bound": error_bound(n, k)}
    tasks: list[tuple[str, list[int] | None]] = []
    parallel = workers > 1 and n >= _PARALLEL_MIN
    # One chunk per worker (igraph's search from a subset of sources costs
    # a little more than from all); sampled harmonic closeness holds a
    # distance matrix per chunk, so its chunks stay small.
    people = np.arange(n) if src is None else src
    chunks = _chunks(people, workers if parallel else 1, None)
    if betweenness:
        tasks += [("bt", None if (src is None and not parallel) else c) for c in chunks]
    if harmonic and src is None:
        tasks += [("hc", None if not parallel else c) for c in chunks]
    elif harmonic:
        tasks += [("hs", c) for c in _chunks(people, workers if parallel else 1, _CHUNK)]
    collect = _start_pool(wg, tasks, workers) if parallel else (lambda: [_compute(wg.G, kind, items) for kind, items in tasks])
    return lambda: _combine(n, k, src, tasks, collect(), meta, betweenness=betweenness, harmonic=harmonic)


def _combine(n: int, k: int, src: np.ndarray | None, tasks: list[tuple[str, list[int] | None]], results: list[np.ndarray],
             meta: dict[str, Any], *, betweenness: bool, harmonic: bool) -> tuple[np.ndarray | None, np.ndarray | None, dict[str, Any]]:
    """Normalise and assemble the chunks' raw results."""
    bt_raw = sum((r for (kind, _), r in zip(tasks, results) if kind == "bt"), np.zeros(n))
    hc_parts = [(kind, items, r) for (kind, items), r in zip(tasks, results) if kind in ("hc", "hs")]
    bt = hc = None
    if betweenness:
        scale = 1.0 / ((n - 1) * (n - 2)) if n > 2 else 1.0
        bt = bt_raw * scale * n / k
    if harmonic:
        hc = np.zeros(n)
        for kind, items, r in hc_parts:
            if kind == "hs":
                hc += r
            elif items is None:
                hc = r
            else:
                hc[np.asarray(items)] = r
        if src is not None:
            hc = hc * n / k / (n - 1)
    return bt, hc, {"betweenness": meta, "harmonic_closeness": meta}


_PARALLEL_MIN = 2_000


def _chunks(items: np.ndarray, parts: int, max_size: int | None) -> list[list[int]]:
    size = max(1, -(-len(items) // parts))
    if max_size:
        size = min(size, max_size)
    return [items[i : i + size].tolist() for i in range(0, len(items), size)]


def _compute(g: ig.Graph, kind: str, items: list[int] | None) -> np.ndarray:
    """One chunk of shortest-path work on G: raw betweenness from sources, or harmonic closeness."""
    if kind == "bt":
        return np.asarray(g.betweenness(directed=True) if items is None else g.betweenness(directed=True, sources=items), dtype=float)
    if kind == "hc":
        return np.asarray(g.harmonic_centrality(vertices=items, mode="in", normalized=True), dtype=float)
    d = np.asarray(g.distances(source=items, mode="out"), dtype=float)
    with np.errstate(divide="ignore"):
        return np.where(np.isfinite(d) & (d > 0), 1.0 / d, 0.0).sum(axis=0)


def _start_pool(wg: WindowGraph, tasks: list[tuple[str, list[int] | None]], workers: int) -> Callable[[], list[np.ndarray]]:
    """Start ``tasks`` in ``workers`` child Python processes, each given G and every workers-th task.

    Returns the function that waits for their results, in task order.
    Plain child processes rather than multiprocessing: a 'spawn' pool would
    re-run the caller's unguarded script, and 'fork' copies DuckDB's threads.

    A child imports only what this process can: it runs isolated (``-I``: not
    the current folder, which ``-c`` would put first on its path, nor
    PYTHON* variables or the user's site-packages) and is given this
    process's own search path, the absolute entries only (a relative one
    would be read from the working folder). So a ``socialhr`` folder where
    the command runs is never imported (tests/security/test_sql_from_files.py).
    """
    path = _import_path()
    code = "import sys; sys.path[:0] = sys.argv[1:]; from socialhr.network.person_metrics import _worker_main; _worker_main()"
    procs = []
    for i in range(workers):
        share = tasks[i::workers]
        if not share:
            break
        proc = subprocess.Popen([sys.executable, "-I", "-c", code, *path], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        assert proc.stdin is not None
        proc.stdin.write(pickle.dumps((wg.n, wg.src, wg.dst, share), protocol=pickle.HIGHEST_PROTOCOL))
        proc.stdin.close()
        procs.append(proc)

    def collect() -> list[np.ndarray]:
        results: list[np.ndarray] = [np.zeros(0)] * len(tasks)
        for i, proc in enumerate(procs):
            assert proc.stdout is not None
            data = proc.stdout.read()
            if proc.wait() != 0:
                raise RuntimeError(f"a shortest-path worker process failed (exit status {proc.returncode})")
            for j, r in zip(range(i, len(tasks), workers), pickle.loads(data)):
                results[j] = r
        return results

    return collect


def _import_path() -> list[str]:
    """Where a worker finds modules: the folder this ``socialhr`` was imported
    from, then this process's absolute search path."""
    import socialhr

    here = os.path.dirname(os.path.dirname(os.path.abspath(socialhr.__file__)))
    return list(dict.fromkeys([here, *(p for p in sys.path if p and os.path.isabs(p))]))


def _worker_main() -> None:
    """Child side of :func:`_start_pool`: read G and tasks from stdin, write results to stdout."""
    n, src, dst, tasks = pickle.load(sys.stdin.buffer)
    g = ig.Graph(n=n, edges=np.column_stack([src, dst]).tolist(), directed=True)
    sys.stdout.buffer.write(pickle.dumps([_compute(g, kind, items) for kind, items in tasks], protocol=pickle.HIGHEST_PROTOCOL))
    sys.stdout.buffer.flush()


def tie_counts(wg: WindowGraph, *, team: np.ndarray, department: np.ndarray, community: np.ndarray, strong_weight: float) -> dict[str, np.ndarray]:
    """Counts of a person's ties (neighbours in U) by kind.

    - ``network_size``: neighbours in U;
    - ``network_size_internal`` / ``network_size_external``: neighbours in / not
      in the person's own team (a person or neighbour without a team counts
      as external);
    - ``reciprocated_ties``: neighbours with ties in both directions in G;
    - ``strong_ties``: reciprocated ties whose weight is at least
      ``strong_weight`` in *each* direction;
    - ``diverse_ties``: neighbours in another department or another community.

    ``team``, ``department`` and ``community`` are integer codes per vertex
    (:func:`codes`), -1 for unknown.
    """
    n = wg.n
    a, b, _ = wg.undirected_pairs()
    out = {"network_size": np.bincount(a, minlength=n).astype(np.int64)}
    same_team = _same(team, a, b)
    out["network_size_internal"] = np.bincount(a[same_team], minlength=n).astype(np.int64)
    out["network_size_external"] = out["network_size"] - out["network_size_internal"]
    keys = wg.src * n + wg.dst
    fwd = pair_positions(keys, n, a, b)
    back = pair_positions(keys, n, b, a)
    both = (fwd >= 0) & (back >= 0)
    out["reciprocated_ties"] = np.bincount(a[both], minlength=n).astype(np.int64)
    strong = both.copy()
    strong[both] = np.minimum(wg.weight[fwd[both]], wg.weight[back[both]]) >= strong_weight
    out["strong_ties"] = np.bincount(a[strong], minlength=n).astype(np.int64)
    diverse = ~_same(department, a, b) | ~_same(community, a, b)
    out["diverse_ties"] = np.bincount(a[diverse], minlength=n).astype(np.int64)
    return out


def codes(values) -> np.ndarray:
    """Integer codes of labels, -1 for unknown (None or NaN).

    >>> codes(["x", None, "y", "x"]).tolist()
    [0, -1, 1, 0]
    """
    out = np.full(len(values), -1, dtype=np.int64)
    seen: dict[Any, int] = {}
    for i, v in enumerate(values):
        if v is None or (isinstance(v, float) and math.isnan(v)):
            continue
        out[i] = seen.setdefault(v, len(seen))
    return out


def _same(labels: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Whether ``labels[a] == labels[b]`` for integer codes; unknown (-1) equals nothing."""
    return (labels[a] >= 0) & (labels[a] == labels[b])


def person_metrics(
    wg: WindowGraph,
    *,
    exact_limit: int = 20_000,
    samples: int = 1_000,
    seed: int = 0,
    workers: int = 1,
) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """The structural person metrics of one window, in vertex order.

    Parameters
    ----------
    wg : WindowGraph
    exact_limit, samples, seed : keyword-only
        Betweenness and harmonic closeness are exact up to ``exact_limit``
        people, else estimated from ``samples`` sources drawn with ``seed``.
    workers : int, keyword-only
        Processes for the shortest-path searches of large networks.

    Returns
    -------
    (dict, dict)
        Metric name -> array over ``wg.nodes``; metadata saying how
        betweenness and harmonic closeness were computed, with error bounds.
    """
    finish = start_shortest_path_metrics(wg, exact_limit=exact_limit, samples=samples, seed=seed, workers=workers)
    return with_shortest_paths(local_metrics(wg), finish)


def with_shortest_paths(local: dict[str, np.ndarray], finish: Callable[[], tuple]) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """``local`` with betweenness and harmonic closeness (from ``finish``) in their place after PageRank."""
    bt, hc, meta = finish()
    out = {}
    for name, values in local.items():
        out[name] = values
        if name == "pagerank":
            out["betweenness"], out["harmonic_closeness"] = bt, hc
    return out, meta


def local_metrics(wg: WindowGraph) -> dict[str, np.ndarray]:
    """The person metrics that need no all-pairs shortest paths: degrees, strengths, PageRank, clustering, Burt's."""
    out = degrees(wg)
    out["pagerank"] = pagerank(wg)
    out["clustering"] = clustering(wg)
    out["constraint"] = constraint(wg)
    out["effective_size"] = effective_size(wg)
    return out
