"""Gould & Fernandez brokerage roles on hand-worked examples."""

from __future__ import annotations

import numpy as np

from socialhr.network.brokerage import brokerage_roles
from socialhr.network.graph import WindowGraph


def roles(edges, groups):
    people = sorted(groups)
    wg = WindowGraph.build(people, [a for a, _ in edges], [b for _, b in edges], [1.0] * len(edges))
    out = brokerage_roles(wg, np.array([groups[p] for p in people]))
    found = {p: {r[10:]: int(v[i]) for r, v in out.items() if v[i]} for i, p in enumerate(people)}
    return {p: r for p, r in found.items() if r}


def test_two_groups_example():
    """A, B in group 1; C, D in group 2; A->B, A->C, B->C, B->D, C->D, D->A.

    Open two-paths (a -> v -> b, a != b, no a -> b):
      A->B->D (A->B->C is closed by A->C): B represents group 1 to D;
      A->C->D (B->C->D is closed by B->D): C gatekeeps A's contact into group 2;
      B->D->A: D, outside group 1, links two of its members: consultant;
      C->D->A: D represents group 2 to A;
      D->A->B: A gatekeeps D's contact into group 1;
      D->A->C: A, outside group 2, links two of its members: consultant.
    """
    edges = [("A", "B"), ("A", "C"), ("B", "C"), ("B", "D"), ("C", "D"), ("D", "A")]
    assert roles(edges, {"A": 1, "B": 1, "C": 2, "D": 2}) == {
        "A": {"gatekeeper": 1, "consultant": 1},
        "B": {"representative": 1},
        "C": {"gatekeeper": 1},
        "D": {"consultant": 1, "representative": 1},
    }


def test_coordinator_liaison_closed_and_unknown():
    edges = [
        ("a1", "a2"), ("a2", "a3"),              # coordinator a2 (all group 0)
        ("b1", "b2"), ("b2", "b3"), ("b1", "b3"),  # b1->b2->b3 closed by b1->b3: no role
        ("x", "y"), ("y", "z"),                  # liaison y: three different groups
        ("y", "u"), ("u", "x"),                  # u's group unknown: x->y->u, y->u->x not counted
    ]
    groups = {"a1": 0, "a2": 0, "a3": 0, "b1": 0, "b2": 0, "b3": 0, "x": 1, "y": 2, "z": 3, "u": -1}
    assert roles(edges, groups) == {"a2": {"coordinator": 1}, "y": {"liaison": 1}}


def test_reciprocal_pair_is_not_a_two_path_to_oneself():
    assert roles([("a", "b"), ("b", "a")], {"a": 0, "b": 0}) == {}
