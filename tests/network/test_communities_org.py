"""Communities (Leiden), agreement with the org chart, and organization metrics."""

from __future__ import annotations

import math
from collections import Counter

import networkx as nx
import numpy as np
import pytest

from socialhr.network.communities import agreement, leiden_communities, modularity
from socialhr.network.graph import WindowGraph
from socialhr.network.org_metrics import gini, org_metrics, reciprocity, top_share
from socialhr.network.person_metrics import codes, person_metrics


def build(G):
    e = list(G.edges(data="weight", default=1.0))
    return WindowGraph.build(list(G.nodes), [u for u, _, _ in e], [v for _, v, _ in e], [w for *_, w in e])


def planted(seed=0, blocks=4, size=12, p_in=0.6, p_out=0.02):
    G = nx.stochastic_block_model([size] * blocks, [[p_in if i == j else p_out for j in range(blocks)] for i in range(blocks)], seed=seed, directed=True)
    G = nx.relabel_nodes(G, {i: f"p{i:03d}" for i in G})
    return G, {f"p{i:03d}": i // size for i in range(blocks * size)}


def reference_nmi_ari(x, y):
    """Straight from the definitions: NMI = 2 I / (H(x) + H(y)); ARI of Hubert & Arabie (1985)."""
    n = len(x)
    cx, cy, cxy = Counter(x), Counter(y), Counter(zip(x, y))
    h = lambda c: -sum(v / n * math.log(v / n) for v in c.values())  # noqa: E731
    mi = sum(v / n * math.log((v / n) / (cx[a] / n * cy[b] / n)) for (a, b), v in cxy.items())
    nmi = 2 * mi / (h(cx) + h(cy))
    c2 = lambda k: k * (k - 1) / 2  # noqa: E731
    index = sum(c2(v) for v in cxy.values())
    ea, eb = sum(c2(v) for v in cx.values()), sum(c2(v) for v in cy.values())
    expected = ea * eb / c2(n)
    ari = (index - expected) / ((ea + eb) / 2 - expected)
    return nmi, ari


def test_leiden_finds_planted_blocks_and_is_deterministic():
    G, block = planted()
    wg = build(G)
    m1 = leiden_communities(wg, seed=7)
    m2 = leiden_communities(build(G.reverse().reverse()), seed=7)
    assert m1.tolist() == m2.tolist()
    truth = np.array([block[p] for p in wg.nodes])
    assert agreement(m1, truth) == {"nmi": pytest.approx(1.0), "ari": pytest.approx(1.0)}
    assert len(set(m1.tolist())) == 4, "not one community per person (a peer's failure mode)"


def test_isolated_people_are_communities_of_one():
    wg = WindowGraph.build(list("abcd"), ["a", "b"], ["b", "a"], [1.0, 1.0])
    assert leiden_communities(wg).tolist() == [0, 0, 1, 2]


@pytest.mark.parametrize("seed", range(5))
def test_nmi_ari_match_definitions(seed):
    rng = np.random.default_rng(seed)
    x, y = rng.integers(0, 4, 40), rng.integers(0, 3, 40)
    nmi, ari = reference_nmi_ari(x.tolist(), y.tolist())
    got = agreement(x, y)
    assert got["nmi"] == pytest.approx(nmi, abs=1e-9) and got["ari"] == pytest.approx(ari, abs=1e-9)


def test_agreement_leaves_out_unknown_labels():
    assert agreement(np.array([0, 0, 1, 1, 0]), np.array([3, 3, 5, 5, -1])) == {"nmi": 1.0, "ari": 1.0}


def test_modularity_equals_networkx():
    G, block = planted(seed=3, p_out=0.1)
    for u, v in G.edges:
        G[u][v]["weight"] = 1.0 + (hash((u, v)) % 3)
    wg = build(G)
    U = nx.Graph()
    U.add_nodes_from(G)
    for u, v, w in G.edges(data="weight"):
        U.add_edge(u, v, weight=U[u][v]["weight"] + w if U.has_edge(u, v) else w)
    labels = np.array([block[p] for p in wg.nodes])
    parts = [{p for p in wg.nodes if block[p] == b} for b in range(4)]
    assert modularity(wg, labels) == pytest.approx(nx.community.modularity(U, parts, weight="weight"), abs=1e-9)


def test_org_metrics_by_hand():
    # a star: hub h tied both ways to 4 people, plus an isolated person
    edges = [("h", x) for x in "abcd"] + [(x, "h") for x in "abcd"]
    wg = WindowGraph.build(list("habcdz"), [s for s, _ in edges], [t for _, t in edges], [1.0] * 4 + [3.0] * 4)
    person, _ = person_metrics(wg)
    org = org_metrics(wg, person, strong_weight=2.0)
    n = 6
    assert org["people"] == n and org["ties"] == 8 and org["isolated_people"] == 1
    assert org["lcc_share"] == pytest.approx(5 / 6)
    assert org["reciprocity"] == 1.0 and org["strong_ties"] == 0
    # hub degree 4, others 1 or 0: sum(4 - d) = 4 * 3 + 4 = 16 over (n-1)(n-2) = 20
    assert org["degree_centralization"] == pytest.approx(16 / 20)
    # top 5% of 6 people is one person: the hub holds 4 of the 8 tie ends
    assert org["top5_tie_share"] == pytest.approx(0.5)
    assert org["gini_strength"] == pytest.approx(gini(np.array([16.0, 4, 4, 4, 4, 0])))


def test_inequality_helpers():
    assert gini(np.zeros(3)) is None
    assert gini(np.array([0.0, 0.0, 0.0, 4.0])) == pytest.approx(0.75)
    assert top_share(np.arange(100, dtype=float)) == pytest.approx(sum(range(95, 100)) / sum(range(100)))


def test_reciprocity_equals_networkx(random_digraph):
    for seed in range(10):
        G = random_digraph(seed, n=30)
        if G.number_of_edges():
            assert reciprocity(build(G)) == pytest.approx(nx.reciprocity(G))


def test_codes_treat_none_as_unknown():
    assert codes([None, "a", float("nan"), "a"]).tolist() == [-1, 0, -1, 0]
