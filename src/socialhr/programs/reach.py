"""Who took part, measured against who was asked: rates by group, spread across the network, core against periphery.

Used by consultations (:mod:`.consult`); any program that asks an audience
to take part can use it. Everything here is computed on a
:class:`~.population.Population` and a set of participants; the disclosure
rules (:mod:`socialhr.results.disclosure`) decide which groups may be shown.

**Network position.** A person's *coreness* is the largest k such that they
belong to the k-core of the network: the largest group in which everyone
has at least k ties inside the group (Seidman 1983, "Network structure and
minimum degree", Social Networks 5; computed with Batagelj & Zaversnik's
O(m) algorithm, 2003, as python-igraph's ``coreness``). People are ranked
by coreness, then by degree (number of ties) among equal coreness; people
equal on both share their average rank. The **core** is the top third
(percentile rank ``(rank - 0.5) / n`` at or above 2/3), the **periphery** the
bottom third (below 1/3), the **middle** the rest. In Borgatti & Everett's
terms (2000, "Models of core/periphery structures", Social Networks 21) the
core are the densely tied people that information, and HR's usual
channels, reach first; the periphery the sparsely tied ones it rarely
hears from. (Coreness alone takes few values in a dense network: most
people would share the top one, so degree orders people within it.)

**Spread.** Over the communities of the audience: how many had at least
one participant (``communities_represented``, and the share of the
audience's communities); the largest community's share of all participants
(``largest_community_share``: 1 when every voice came from one cluster);
and the Gini coefficient of the communities' participation rates
(``gini_participation_rate``: 0 when every community took part at the same
rate, towards 1 when a few communities did all the taking part; rates, not
counts, so a large community is not "concentrated" for being large).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import igraph as ig
import numpy as np

from ..results.disclosure import WindowInput, plan_windows
from .population import NO_COMMUNITY, Population

CORE, MIDDLE, PERIPHERY = "core", "middle", "periphery"
POSITION = "network_position"
DIMENSIONS = ("department", "level", "location", "community", POSITION)


def coreness(pop: Population) -> tuple[np.ndarray, np.ndarray]:
    """Each person's coreness (k-core number) and degree in the population's network of ties (undirected)."""
    n = len(pop)
    src = np.repeat(np.arange(n), np.diff(pop.indptr))
    keep = src < pop.indices
    g = ig.Graph(n=n, edges=np.column_stack([src[keep], pop.indices[keep]]).tolist(), directed=False)
    return np.asarray(g.coreness(), dtype=np.int64), np.diff(pop.indptr).astype(np.int64)


def positions(core_number: np.ndarray, degree: np.ndarray) -> np.ndarray:
    """``core``, ``middle`` or ``periphery`` for each person, by the terciles of their rank (module docstring).

    >>> positions(np.array([1, 1, 2, 2, 3, 3]), np.array([1, 1, 2, 5, 3, 3])).tolist()
    ['periphery', 'periphery', 'middle', 'middle', 'core', 'core']
    """
    n = len(core_number)
    if not n:
        return np.array([], dtype=object)
    key = core_number.astype(np.int64) * (int(degree.max()) + 1) + degree
    values, inverse, counts = np.unique(key, return_inverse=True, return_counts=True)
    first = np.concatenate([[0], np.cumsum(counts)[:-1]])
    rank = (first + (counts + 1) / 2)[inverse]  # average rank, 1-based
    share = (rank - 0.5) / n
    out = np.full(n, MIDDLE, dtype=object)
    out[share < 1 / 3] = PERIPHERY
    out[share >= 2 / 3] = CORE
    return out


def gini(values: Any) -> float | None:
    """The Gini coefficient of non-negative values (0: all equal; None for no values or all zero).

    >>> gini([1, 1, 1, 1])
    0.0
    >>> gini([0, 0, 0, 4])
    0.75
    """
    x = np.sort(np.asarray(values, dtype=float))
    if not len(x) or x.sum() == 0:
        return None
    n = len(x)
    ranks = np.arange(1, n + 1)
    return float((2 * np.sum(ranks * x) / (n * x.sum())) - (n + 1) / n)


@dataclass
class Reach:
    """Participation of an audience, by group, and the figures over the whole audience."""

    groups: list[dict[str, Any]] = field(default_factory=list)  # dimension, group, audience, participants, rate, withheld
    summary: dict[str, Any] = field(default_factory=dict)
    members: list[np.ndarray] = field(default_factory=list)  # the population indices of each group's people

    def within(self, inside: np.ndarray) -> list[dict[str, Any]]:
        """The groups all of whose people are ``inside`` (a mask over the population): a scoped leader's part."""
        return [g for g, m in zip(self.groups, self.members) if len(m) and inside[m].all()]


def measure(pop: Population, audience: np.ndarray, took_part: np.ndarray, *, min_size: int) -> Reach:
    """Participation of ``audience`` (boolean mask over ``pop``) given who ``took_part`` (a mask too).

    Groups (by :data:`DIMENSIONS`) with fewer than ``min_size`` people asked,
    or that the disclosure rules withhold so that they cannot be recovered by
    subtraction, are listed with the reason and no figures. When the audience
    itself is smaller than ``min_size``, every figure is withheld.
    """
    who = np.flatnonzero(audience)
    took = took_part[who]
    bands = positions(*coreness(pop))[who]
    community = pop.community[who]
    labels: dict[str, list] = {
        "department": [pop.department[i] for i in who],
        "level": [pop.level[i] for i in who],
        "location": [pop.location[i] for i in who],
        "community": [pop.describe_community(int(c)) if c != NO_COMMUNITY else None for c in community],
        POSITION: list(bands),
    }
    n = len(who)
    # Everyone asked counts for the rules (pairs (i, i)): the figures are rates of taking part, not ties.
    plan = plan_windows([WindowInput("consultation", pop.person[who].tolist(), labels, (list(range(n)), list(range(n))))],
                        min_size=min_size)[0]
    reasons = {(w.dimension, w.group): w.reason for w in plan.withheld}
    rows, member_sets = [], []
    for dim in DIMENSIONS:
        values = labels[dim]
        for g in sorted({v for v in values if v is not None}, key=str):
            members = np.array([v == g for v in values], dtype=bool)
            member_sets.append(who[members])
            if plan.is_shown(dim, g):
                k = int(took[members].sum())
                rows.append({"dimension": dim, "group": str(g), "audience": int(members.sum()), "participants": k,
                             "rate": k / int(members.sum()), "withheld": None})
            else:
                why = reasons.get((dim, g)) or reasons.get(("organization", None)) or "withheld"
                rows.append({"dimension": dim, "group": str(g), "audience": None, "participants": None, "rate": None,
                             "withheld": why})
    summary: dict[str, Any] = {"audience": n, "participants": int(took.sum())}
    if not plan.organization_shown:
        return Reach(rows, {"withheld": reasons.get(("organization", None), f"fewer than {min_size} people asked")}, member_sets)
    summary["rate"] = summary["participants"] / n if n else None
    # Spread across communities (counts over the whole audience: no group is shown by them).
    comms = [c for c in np.unique(community) if c != NO_COMMUNITY]
    asked = np.array([(community == c).sum() for c in comms], dtype=float)
    part = np.array([took[community == c].sum() for c in comms], dtype=float)
    summary["communities_in_audience"] = len(comms)
    summary["communities_represented"] = int((part > 0).sum())
    summary["community_share_represented"] = float((part > 0).mean()) if comms else None
    summary["largest_community_share"] = float(part.max() / part.sum()) if part.sum() else None
    summary["gini_participation_rate"] = gini(part / asked) if comms else None
    for band in (CORE, MIDDLE, PERIPHERY):
        members = bands == band
        shown = plan.is_shown(POSITION, band)
        summary[f"{band}_audience"] = int(members.sum()) if shown else None
        summary[f"{band}_rate"] = float(took[members].mean()) if shown else None
    core, periphery = summary[f"{CORE}_rate"], summary[f"{PERIPHERY}_rate"]
    summary["periphery_to_core"] = periphery / core if core and periphery is not None else None
    return Reach(rows, summary, member_sets)
