"""Every person metric equals NetworkX's on seeded random graphs, isolated people included."""

from __future__ import annotations

import math

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from socialhr.network.graph import WindowGraph
from socialhr.network.person_metrics import (
    betweenness,
    codes,
    harmonic_closeness,
    person_metrics,
    tie_counts,
)

TOL = 1e-6


def build(G):
    edges = list(G.edges(data="weight"))
    return WindowGraph.build(list(G.nodes), [u for u, _, _ in edges], [v for _, v, _ in edges], [w for _, _, w in edges])


def assert_same(ours, wg, reference, name):
    for i, person in enumerate(wg.nodes):
        expected = reference[person]
        got = ours[i]
        if isinstance(expected, float) and math.isnan(expected):
            assert math.isnan(got), f"{name}[{person}]: expected NaN, got {got}"
        else:
            assert got == pytest.approx(expected, abs=TOL), f"{name}[{person}]"


def reference_metrics(G, U):
    n = len(G)
    return {
        "degree_in": dict(G.in_degree()),
        "degree_out": dict(G.out_degree()),
        "strength_in": dict(G.in_degree(weight="weight")),
        "strength_out": dict(G.out_degree(weight="weight")),
        # NetworkX's default tolerance (1e-6 x n on the L1 change) is looser
        # than the 1e-6 we check to, so the reference iterates to convergence.
        "pagerank": nx.pagerank(G, alpha=0.85, weight="weight", tol=1e-13, max_iter=100_000) if n else {},
        "betweenness": nx.betweenness_centrality(G, normalized=True),
        "harmonic_closeness": {k: (v / (n - 1) if n > 1 else 0.0) for k, v in nx.harmonic_centrality(G).items()},
        "clustering": nx.clustering(U),
        "constraint": nx.constraint(U, weight="weight"),
        # nodes= selects NetworkX's literal implementation of Burt's formula.
        # Its sparse-matrix path (taken when scipy is installed and nodes is
        # None) divides m_jq by the maximum of q's row instead of j's row
        # (networkx 3.6.1: a (n,) array broadcast over columns), so it is not
        # the definition it documents.
        "effective_size": nx.effective_size(U, nodes=list(U), weight="weight"),
    }


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 10_000))
def test_person_metrics_equal_networkx(seed, random_digraph, undirected_sum):
    G = random_digraph(seed)
    U = undirected_sum(G)
    wg = build(G)
    ours, meta = person_metrics(wg)
    assert meta["betweenness"]["method"] == "exact"
    reference = reference_metrics(G, U)
    for name, ref in reference.items():
        assert_same(ours[name], wg, ref, name)


@pytest.mark.parametrize("n,p", [(1, 0.0), (2, 1.0), (3, 0.5), (60, 0.08), (120, 0.03)])
def test_person_metrics_sizes(n, p, random_digraph, undirected_sum):
    G = random_digraph(n * 7 + 1, n=n, p=p)
    G.add_node("zz-isolated")  # always one person without any tie
    wg = build(G)
    ours, _ = person_metrics(wg)
    for name, ref in reference_metrics(G, undirected_sum(G)).items():
        assert_same(ours[name], wg, ref, name)
    last = list(wg.nodes).index("zz-isolated")
    assert math.isnan(ours["constraint"][last]) and math.isnan(ours["effective_size"][last])


def test_sampled_betweenness_and_harmonic_are_networkx_estimators(random_digraph):
    """Above the exact limit, the estimate is NetworkX's k-source estimator on the same sources."""
    G = random_digraph(11, n=80, p=0.06)
    wg = build(G)
    n, k = wg.n, 20
    bt, bmeta = betweenness(wg, exact_limit=10, samples=k, seed=3)
    hc, hmeta = harmonic_closeness(wg, exact_limit=10, samples=k, seed=3)
    assert bmeta["method"] == hmeta["method"] == "sampled" and bmeta["sources"] == k
    assert 0 < bmeta["error_bound"]["per_person"] < bmeta["error_bound"]["all_people"]
    sources = list(np.sort(np.random.default_rng(3).choice(n, size=k, replace=False)))
    names = [wg.nodes[i] for i in sources]
    raw = nx.betweenness_centrality_subset(G, sources=names, targets=list(G), normalized=False)
    expected_b = {v: raw[v] * n / k / ((n - 1) * (n - 2)) for v in G}
    assert_same(bt, wg, expected_b, "sampled betweenness")
    h = nx.harmonic_centrality(G, sources=names)
    assert_same(hc, wg, {v: h[v] * n / k / (n - 1) for v in G}, "sampled harmonic")
    # and it is an estimate, not the exact value
    exact = nx.betweenness_centrality(G)
    assert max(abs(bt[i] - exact[v]) for i, v in enumerate(wg.nodes)) > 1e-9


def test_tie_counts_by_hand():
    # a<->b strong (2 and 3), a->c weak, c<->d reciprocated but weak, e isolated
    wg = WindowGraph.build(list("abcde"), list("abacd"), list("bacdc"), [2, 3, 1, 1, 1])
    team = codes(["t1", "t1", "t2", None, "t1"])
    dept = codes(["D", "D", "D", "E", "D"])
    comm = codes([0, 0, 1, 1, 2])
    out = tie_counts(wg, team=team, department=dept, community=comm, strong_weight=2.0)
    assert out["network_size"].tolist() == [2, 1, 2, 1, 0]
    assert out["network_size_internal"].tolist() == [1, 1, 0, 0, 0]
    assert out["network_size_external"].tolist() == [1, 0, 2, 1, 0]
    assert out["reciprocated_ties"].tolist() == [1, 1, 1, 1, 0]
    assert out["strong_ties"].tolist() == [1, 1, 0, 0, 0]
    # a-c: same department, other community; c-d: other department
    assert out["diverse_ties"].tolist() == [1, 0, 2, 1, 0]


def test_vertex_order_follows_people_not_input_order():
    """Attributes must land on the right person whatever order ties arrive in."""
    wg = WindowGraph.build(["z", "y", "x"], ["z", "z"], ["y", "x"], [1.0, 1.0])
    ours, _ = person_metrics(wg)
    by_person = dict(zip(wg.nodes, ours["degree_out"]))
    assert by_person == {"x": 0, "y": 0, "z": 2}


@pytest.mark.parametrize("exact_limit", [10**6, 50])
def test_worker_processes_give_the_same_result(exact_limit, random_digraph, monkeypatch):
    import socialhr.network.person_metrics as pm

    monkeypatch.setattr(pm, "_PARALLEL_MIN", 10)  # large networks only, normally
    wg = build(random_digraph(5, n=150, p=0.03))
    serial = pm.shortest_path_metrics(wg, exact_limit=exact_limit, samples=40, seed=1, workers=1)
    parallel = pm.shortest_path_metrics(wg, exact_limit=exact_limit, samples=40, seed=1, workers=2)
    assert serial[2] == parallel[2]
    np.testing.assert_allclose(parallel[0], serial[0], rtol=0, atol=1e-12)
    np.testing.assert_allclose(parallel[1], serial[1], rtol=0, atol=1e-12)
    if exact_limit > 150:
        assert serial[2]["betweenness"]["method"] == "exact"
