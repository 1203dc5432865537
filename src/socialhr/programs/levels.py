"""Seniority: which roster levels rank above which.

Rosters name levels in their own words (``IC3``, ``Senior Manager``, ``Band
7``, ``VP``), so their order cannot be read from the names. It comes from:

1. the ``level_order`` setting, lowest level first, when it is set; a level
   the roster holds that the setting does not name is unranked;
2. otherwise the org chart itself: the fewer managers above the people of a
   level (their mean depth in the reporting chain, the top of the chart at
   depth 0), the more senior the level. A manager is senior to their
   reports in every organization, so this needs no naming convention; two
   levels whose mean depths are within 0.05 of each other rank equal.

>>> levels = ["IC1", "IC1", "M1", "VP"]
>>> managers = [2, 2, 3, None]
>>> order = level_ranks(levels, managers)
>>> sorted(order, key=order.get)
['IC1', 'M1', 'VP']
>>> level_ranks(levels, managers, setting=["IC1", "M1", "VP"]) == {"IC1": 0, "M1": 1, "VP": 2}
True
"""

from __future__ import annotations

from typing import Sequence

from ..errors import SocialHRError

_EQUAL = 0.05  # mean depths closer than this rank equal


def level_ranks(levels: Sequence[str | None], managers: Sequence[int | None], *,
                setting: Sequence[str] | None = None) -> dict[str, float]:
    """Rank of every level (higher is more senior).

    ``levels[i]`` is person i's level and ``managers[i]`` the index of their
    manager (None at the top of the chart, or when unknown).
    """
    if setting:
        return {level: float(i) for i, level in enumerate(setting)}
    depth = _depths(managers)
    sums: dict[str, list[float]] = {}
    for level, d in zip(levels, depth):
        if level is not None and d is not None:
            sums.setdefault(level, []).append(d)
    means = {level: sum(ds) / len(ds) for level, ds in sums.items()}
    ranks: dict[str, float] = {}
    rank = -1
    previous = None
    for level in sorted(means, key=lambda lv: (-means[lv], lv)):
        if previous is None or previous - means[level] >= _EQUAL:
            rank += 1
            previous = means[level]
        ranks[level] = float(rank)
    return ranks


def rank_of(level: str, ranks: dict[str, float]) -> float:
    """The rank of a level a user named, or a :class:`SocialHRError` listing the known levels in order."""
    if level in ranks:
        return ranks[level]
    folded = {k.casefold(): v for k, v in ranks.items()}
    if level.casefold() in folded:
        return folded[level.casefold()]
    known = ", ".join(sorted(ranks, key=lambda k: (ranks[k], k)))
    raise SocialHRError(f"unknown level {level!r}", hint=f"The roster's levels, most junior first: {known or '(none)'}.")


def _depths(managers: Sequence[int | None]) -> list[int | None]:
    """Each person's number of managers above them; None inside a reporting cycle."""
    n = len(managers)
    depth: list[int | None] = [None] * n
    for start in range(n):
        if depth[start] is not None:
            continue
        path = []
        seen = set()
        node: int | None = start
        while node is not None and depth[node] is None and node not in seen:
            seen.add(node)
            path.append(node)
            node = managers[node]
        if node is None:
            base = -1
        elif depth[node] is not None:
            base = depth[node]
        else:  # a cycle: the people on it have no depth
            continue
        for person in reversed(path):
            base += 1
            depth[person] = base
    return depth

