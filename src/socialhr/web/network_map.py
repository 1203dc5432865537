"""The network explorer's map and a person's profile, built from rows of the one read path.

The web routes (:mod:`socialhr.web.pages_network`) read a window's
``person_metrics`` and ``edges`` through :func:`socialhr.web.reads.read` as the
signed-in analyst; everything here works on those rows only:

- :class:`WindowNetwork` holds them, people numbered in the rows' order and
  ties made undirected (the two directions' weights summed), so that a
  person's attributes, metrics and position always belong to the same number
  (never a join on a different order);
- :func:`select` applies the filters (department, team, location), refusing a
  value the window does not have with a hint naming those it has;
- :func:`network_map` gives the JSON the front end draws (positions from
  :func:`socialhr.network.layout.force_layout`, colours, sizes, a legend);
- :func:`profile` is one person's pseudonymised profile, for a click on a node.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np

from ..errors import SocialHRError
from ..network.store import PERSON_COLUMNS

FILTERS = ("department", "team", "location")
COLOR_BY = ("department", "community")
SIZE_METRICS = tuple(PERSON_COLUMNS)
DEFAULT_SIZE = "network_size"
# Colour-blind-aware categorical palette (Tableau 10 then its lighter tints); more categories share OTHER.
PALETTE = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac",
           "#a0cbe8", "#ffbe7d", "#ff9d9a", "#86bcb6", "#8cd17d", "#f1ce63", "#d4a6c8", "#fabfd2", "#d7b5a6", "#79706e"]
OTHER = "#cfcfcf"
UNKNOWN = "Unknown"
NODE_MIN, NODE_MAX = 2.0, 12.0  # node sizes drawn, in pixels


@dataclass
class WindowNetwork:
    """One window's people (``person_metrics`` rows) and their ties, made undirected."""

    window: str | None
    people: list[dict[str, Any]]
    index: dict[str, int] = field(default_factory=dict)
    pairs: dict[tuple[int, int], float] = field(default_factory=dict)
    neighbours: list[list[int]] = field(default_factory=list)

    @classmethod
    def from_rows(cls, people: Sequence[dict[str, Any]], edges: Sequence[dict[str, Any]]) -> "WindowNetwork":
        """From ``person_metrics`` rows of one window and that window's ``edges`` rows (one channel).

        >>> net = WindowNetwork.from_rows([{"window_id": "w", "person": "a"}, {"window_id": "w", "person": "b"}],
        ...                               [{"source": "a", "target": "b", "weight": 2.0}, {"source": "b", "target": "a", "weight": 1.0}])
        >>> net.window, net.pairs
        ('w', {(0, 1): 3.0})
        """
        people = list(people)
        index = {r["person"]: i for i, r in enumerate(people)}
        pairs: dict[tuple[int, int], float] = {}
        for e in edges:
            a, b = index.get(e["source"]), index.get(e["target"])
            if a is None or b is None or a == b:
                continue
            key = (a, b) if a < b else (b, a)
            pairs[key] = pairs.get(key, 0.0) + float(e["weight"] or 0.0)
        neighbours: list[list[int]] = [[] for _ in people]
        for a, b in pairs:
            neighbours[a].append(b)
            neighbours[b].append(a)
        window = people[0]["window_id"] if people else None
        return cls(window, people, index, pairs, neighbours)

    def values(self, column: str) -> list[str]:
        """The distinct values of a roster column among the window's people (unknown left out), sorted."""
        return sorted({str(r[column]) for r in self.people if r.get(column) is not None})


def check_choice(name: str, value: str, allowed: Sequence[str]) -> str:
    """``value`` if it is one of ``allowed``; else a 400 naming them."""
    if value not in allowed:
        raise SocialHRError(f"unknown {name} '{value}'", hint=f"{name.capitalize()} takes one of: {', '.join(allowed)}.")
    return value


def select(net: WindowNetwork, filters: dict[str, str | None]) -> list[int]:
    """The numbers of the people who pass every filter (each a roster column and one value), in the rows' order."""
    chosen = {k: v for k, v in filters.items() if v}
    for column, value in chosen.items():
        if column not in FILTERS:
            raise SocialHRError(f"cannot filter the network by '{column}'", hint=f"Filters: {', '.join(FILTERS)}.")
        known = net.values(column)
        if value not in known:
            shown = ", ".join(known[:25]) + (f" … ({len(known):,} in all)" if len(known) > 25 else "")
            raise SocialHRError(f"no {column} '{value}' in window {net.window}",
                                hint=f"{column.capitalize()}s in {net.window}: {shown or 'none'}.")
    return [i for i, r in enumerate(net.people) if all(str(r.get(c)) == v for c, v in chosen.items())]


def layout(net: WindowNetwork, chosen: Sequence[int], *, seed: int) -> np.ndarray:
    """Positions of the chosen people (their ties among themselves), each starting near their community."""
    from ..network.layout import force_layout

    local = {p: i for i, p in enumerate(chosen)}
    edges = [(local[a], local[b]) for a, b in net.pairs if a in local and b in local]
    return force_layout(len(chosen), edges, seed=seed, groups=[net.people[p].get("community") for p in chosen])


def _colours(labels: list[str], *, last: str | None = None) -> dict[str, str]:
    """A colour per label, most frequent first; beyond the palette, OTHER."""
    counts: dict[str, int] = {}
    for x in labels:
        counts[x] = counts.get(x, 0) + 1
    order = sorted(counts, key=lambda x: (x == last, -counts[x], x))
    return {x: (PALETTE[i] if i < len(PALETTE) and x != last else OTHER) for i, x in enumerate(order)}


def _sizes(values: list[Any]) -> list[float]:
    """Node sizes between NODE_MIN and NODE_MAX, by the square root of each value's place in the range."""
    known = [float(v) for v in values if v is not None and not (isinstance(v, float) and math.isnan(v))]
    lo, hi = (min(known), max(known)) if known else (0.0, 0.0)
    out = []
    for v in values:
        if v is None or (isinstance(v, float) and math.isnan(v)) or hi <= lo:
            out.append(NODE_MIN if hi > lo or v is None else (NODE_MIN + NODE_MAX) / 2)
        else:
            out.append(round(NODE_MIN + (NODE_MAX - NODE_MIN) * math.sqrt((float(v) - lo) / (hi - lo)), 2))
    return out


def network_map(net: WindowNetwork, chosen: Sequence[int], xy: np.ndarray, *, color: str = "department",
                size: str = DEFAULT_SIZE, communities_shown: int = 12) -> dict[str, Any]:
    """The map's JSON: ``{"window", "nodes": [{"key", "x", "y", "size", "color", "group", "community"}], "edges", "legend"}``.

    ``group`` is the node's legend label (its department, or ``Community N``);
    the largest ``communities_shown`` communities get a colour of their own,
    the others one shared colour.
    """
    check_choice("color", color, COLOR_BY)
    check_choice("size", size, SIZE_METRICS)
    rows = [net.people[p] for p in chosen]
    if color == "department":
        labels = [str(r["department"]) if r.get("department") is not None else UNKNOWN for r in rows]
        colours = _colours(labels, last=UNKNOWN)
    else:
        counts: dict[Any, int] = {}
        for r in rows:
            counts[r.get("community")] = counts.get(r.get("community"), 0) + 1
        top = sorted((c for c in counts if c is not None), key=lambda c: (-counts[c], c))[:communities_shown]
        named = {c: f"Community {c}" for c in top}
        labels = [named.get(r.get("community"), "Other communities") for r in rows]
        colours = {named[c]: PALETTE[i % len(PALETTE)] for i, c in enumerate(top)}
        colours["Other communities"] = OTHER
    sizes = _sizes([r.get(size) for r in rows])
    nodes = [{"key": r["person"], "x": round(float(x), 4), "y": round(float(y), 4), "size": s,
              "color": colours[g], "group": g, "community": r.get("community")}
             for r, (x, y), s, g in zip(rows, xy.tolist() if len(rows) else [], sizes, labels)]
    keep = set(chosen)
    edges = [{"source": net.people[a]["person"], "target": net.people[b]["person"], "weight": round(w, 3)}
             for (a, b), w in net.pairs.items() if a in keep and b in keep]
    present = set(labels)
    legend = [{"label": g, "color": c} for g, c in colours.items() if g in present]
    return {"window": net.window, "nodes": nodes, "edges": edges, "legend": legend}


def profile(net: WindowNetwork, person: str) -> dict[str, Any]:
    """One person's pseudonymised profile in the window: where they sit, their metrics, and their ties by team.

    Raises
    ------
    SocialHRError
        404 when the pseudonym is not among the window's people.
    """
    i = net.index.get(person)
    if i is None:
        err = SocialHRError(f"no person '{person}' in window {net.window}",
                            hint="Pseudonyms are the keys of GET /api/network's nodes in the same window (?window=).")
        err.status = 404
        raise err
    row = net.people[i]
    by_team: dict[str, int] = {}
    for j in net.neighbours[i]:
        team = net.people[j].get("team")
        team = UNKNOWN if team is None else str(team)
        by_team[team] = by_team.get(team, 0) + 1
    community = row.get("community")
    return {
        "key": person, "window": net.window,
        **{c: row.get(c) for c in ("department", "team", "level", "location")},
        "community": community,
        "community_size": sum(1 for r in net.people if r.get("community") == community) if community is not None else None,
        "isolated": row.get("isolated"),
        "metrics": {c: row.get(c) for c in PERSON_COLUMNS},
        "ties": len(net.neighbours[i]),
        "ties_by_team": [{"team": t, "ties": n, "own_team": t == row.get("team")}
                         for t, n in sorted(by_team.items(), key=lambda kv: (-kv[1], kv[0]))],
    }


__all__ = ["WindowNetwork", "select", "layout", "network_map", "profile", "FILTERS", "COLOR_BY", "SIZE_METRICS"]
