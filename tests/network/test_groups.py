"""Group metrics on a hand-worked example: E-I index (Krackhardt & Stern 1988), silo score, withholding."""

from __future__ import annotations

import pytest

from socialhr.network.graph import WindowGraph
from socialhr.network.groups import group_metrics

# X = {a, b, c}, Y = {d, e, f} (f without ties), Z = {g}.
#   a->b 1, b->a 1, b->c 1   inside X      (U: a-b 2, b-c 1)
#   a->d 1, c->e 3           X to Y
#   d->e 1                   inside Y
#   a->g 1                   X to Z
EDGES = [("a", "b", 1), ("b", "a", 1), ("b", "c", 1), ("a", "d", 1), ("c", "e", 3), ("d", "e", 1), ("a", "g", 1)]
GROUP = {"a": "X", "b": "X", "c": "X", "d": "Y", "e": "Y", "f": "Y", "g": "Z"}


@pytest.fixture
def result():
    people = sorted(GROUP)
    wg = WindowGraph.build(people, [s for s, _, _ in EDGES], [t for _, t, _ in EDGES], [w for *_, w in EDGES])
    rows, matrix, withheld = group_metrics(wg, [GROUP[p] for p in people], min_group_size=3)
    return {r["group"]: r for r in rows}, matrix, withheld


def test_ei_index_by_hand(result):
    rows, _, _ = result
    x, y = rows["X"], rows["Y"]
    # X: internal ties a-b, b-c (I = 2); external a-d, c-e, a-g (E = 3): (3 - 2) / 5
    assert (x["internal_ties"], x["external_ties"]) == (2, 3)
    assert x["ei_index"] == pytest.approx(1 / 5)
    # weighted: I_w = 2 + 1, E_w = 1 + 3 + 1: (5 - 3) / 8
    assert x["ei_index_weighted"] == pytest.approx(1 / 4)
    assert x["external_tie_share"] == pytest.approx(3 / 5)
    # Y: I = 1 (d-e), E = 2 (a-d, c-e): (2 - 1) / 3
    assert y["ei_index"] == pytest.approx(1 / 3)
    assert y["ei_index_weighted"] == pytest.approx((4 - 1) / (4 + 1))


def test_silo_density_cohesion_isolated_spanners(result):
    rows, _, _ = result
    x, y = rows["X"], rows["Y"]
    # X spends 2*3 of its 2*3 + 5 weight inside; chance (3-1)/(7-1) = 1/3
    assert x["silo_score"] == pytest.approx((6 / 11 - 1 / 3) / (2 / 3))
    # Y spends 2 of 2 + 4 inside, exactly chance: 0
    assert y["silo_score"] == pytest.approx(0.0)
    assert x["density"] == pytest.approx(3 / 6) and y["density"] == pytest.approx(1 / 6)
    assert x["cohesion"] == pytest.approx(1.0) and y["cohesion"] == pytest.approx(2 / 3)
    assert (x["isolated_members"], y["isolated_members"]) == (0, 1)
    # a reaches Y and Z: the only member with ties into two other groups
    assert (x["boundary_spanners"], y["boundary_spanners"]) == (1, 0)


def test_small_groups_are_withheld_everywhere(result):
    rows, matrix, withheld = result
    assert set(rows) == {"X", "Y"} and withheld == 1
    assert {(m["from_group"], m["to_group"]): (m["ties"], m["weight"]) for m in matrix} == {
        ("X", "X"): (3, 3.0), ("X", "Y"): (2, 4.0), ("Y", "Y"): (1, 1.0),
    }
    assert all("Z" not in (m["from_group"], m["to_group"]) for m in matrix)


def test_unknown_group_is_no_group_but_its_ties_are_external():
    wg = WindowGraph.build(list("abc"), ["a", "a"], ["b", "c"], [1.0, 1.0])
    rows, _, withheld = group_metrics(wg, ["X", "X", None], min_group_size=1)
    assert [(r["group"], r["internal_ties"], r["external_ties"]) for r in rows] == [("X", 1, 1)]
    assert withheld == 0
