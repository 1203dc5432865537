"""Fixtures for the network tests: rows INSERTed straight into a workspace (``ws`` from
tests/conftest.py), and seeded random graphs."""

from __future__ import annotations

import random

import networkx as nx
import pytest
from dateutil.parser import isoparse

from socialhr.ingest.identity import next_identity_id
from socialhr.ingest.messaging import InteractionSink, micros


def add_person(ws, person, *, department="D", team="T", location="L", level="1", manager=None,
               hire_date=None, exit_date=None, valid_from="2020-01-01", valid_to=None, attributes=None):
    ws.db.execute(
        "INSERT INTO people_history VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)",
        [person, valid_from, valid_to, department, team, manager, level, location, hire_date, exit_date, attributes],
    )


def add_interaction(ws, when, sender, recipients, *, channel="email", kind="message", weight=None):
    """One interaction between pseudonyms, stored through the library's sink (a pseudonym
    never seen before is recorded as an identity: a person when the roster has it)."""
    if weight is None:
        weight = 1.0 / len(recipients) if kind != "meeting" and recipients else 1.0
    sink = InteractionSink(ws, 1, threshold=10**9)
    sink.add(micros(isoparse(when)), channel, kind, sender, list(recipients), weight=weight)
    sink.finish()


def add_identity(ws, token, kind, person, status):
    """An identifier's token, as the importers record it."""
    ws.db.execute("INSERT INTO identities (token, kind, person, status, first_batch, id) VALUES (?, ?, ?, ?, 1, ?)",
                  [token, kind, person, status, next_identity_id(ws.db)])


def random_digraph(seed: int, *, n: int | None = None, p: float | None = None) -> nx.DiGraph:
    """A seeded weighted directed graph with, usually, some isolated people."""
    rng = random.Random(seed)
    n = rng.randint(1, 45) if n is None else n
    p = rng.choice([0.02, 0.05, 0.1, 0.2, 0.4]) if p is None else p
    G = nx.gnp_random_graph(n, p, seed=seed, directed=True)
    G = nx.relabel_nodes(G, {i: f"p{i:03d}" for i in G})
    for u, v in G.edges:
        G[u][v]["weight"] = rng.choice([1.0, 0.5, 1 / 3, 2.0, rng.uniform(0.05, 5)])
    return G


def undirected_sum(G: nx.DiGraph) -> nx.Graph:
    """U: the undirected version whose edge weight is the sum of both directions."""
    U = nx.Graph()
    U.add_nodes_from(G)
    for u, v, w in G.edges(data="weight"):
        if U.has_edge(u, v):
            U[u][v]["weight"] += w
        else:
            U.add_edge(u, v, weight=w)
    return U


# Test modules get the helpers as fixtures (tests/ has no __init__.py to import from).
@pytest.fixture(name="add_person", scope="session")
def _add_person_fixture():
    return add_person


@pytest.fixture(name="add_identity", scope="session")
def _add_identity_fixture():
    return add_identity


@pytest.fixture(name="add_interaction", scope="session")
def _add_interaction_fixture():
    return add_interaction


@pytest.fixture(name="random_digraph", scope="session")
def _random_digraph_fixture():
    return random_digraph


@pytest.fixture(name="undirected_sum", scope="session")
def _undirected_sum_fixture():
    return undirected_sum
