"""Personal network coaching: where a person stands among their peers, and whom they could reach.

Two computations behind the employee's own pages (docs/web.md#the-employees-pages),
both on a window's stored results, both registered in the read path
(:mod:`socialhr.results.personal`) so that the web app and ``socialhr export``
give the same figures:

* :func:`peer_ranges` -- the 25th, 50th and 75th percentiles of a few metrics
  among the people of each group (a level, a department...). Only the range of
  a group is shown, never anyone's own figure, and only for groups the
  disclosure rules show (at least the minimum group size; docs/privacy.md).
* :func:`reach_suggestions` -- colleagues in another team whom a person has no
  tie to but several of the people they work with do (closing a triadic gap
  across a team boundary: Granovetter 1973, "The strength of weak ties";
  Burt 1992 on bridging structural holes). A suggestion carries only how many
  of the person's own collaborators work with the colleague, never which ones.

>>> import numpy as np
>>> values = np.array([1, 2, 3, 4, 5, 6], dtype=float)
>>> peer_ranges(values, np.array(["a", "a", "a", "a", "a", "b"], dtype=object), shown={"a"})
{'a': (5, 2.0, 3.0, 4.0)}
"""

from __future__ import annotations

from typing import Any, Iterable, Sequence

import numpy as np
import scipy.sparse as sp

# The metrics whose peers' range an employee sees beside their own value (docs/metrics.md defines them).
PEER_METRICS = ("network_size", "network_size_external", "strong_ties", "diverse_ties")
QUANTILES = (25, 50, 75)
# A suggestion needs at least this many of the person's collaborators tied to the colleague: one would
# point at a single collaborator's tie (who works with whom), two or more say only "people you work with".
MIN_SHARED = 2
SUGGESTIONS = 5  # per person


def peer_ranges(values: np.ndarray, labels: Sequence[Any], *, shown: Iterable[Any]) -> dict[Any, tuple[int, float, float, float]]:
    """The quartiles of ``values`` within each group of ``labels`` that is ``shown``.

    Parameters
    ----------
    values : numpy.ndarray
        One metric, one value per person (NaN: no value, left out).
    labels : sequence
        Each person's group (None: unknown, in no group).
    shown : iterable, keyword-only
        The groups whose range may be shown (the disclosure rules decide).

    Returns
    -------
    dict
        group -> (people with a value, 25th percentile, median, 75th percentile), linearly interpolated
        (numpy's default, DuckDB's ``quantile_cont``).
    """
    shown = set(shown)
    values = np.asarray(values, dtype=float)
    labels = np.asarray([None if g is None else str(g) for g in labels], dtype=object)
    out: dict[Any, tuple[int, float, float, float]] = {}
    for group in sorted(str(g) for g in shown if g is not None):
        mine = values[(labels == group) & ~np.isnan(values)]
        if len(mine):
            q = np.percentile(mine, QUANTILES)
            out[group] = (int(len(mine)), float(q[0]), float(q[1]), float(q[2]))
    return out


def reach_suggestions(people: Sequence[str], sources: Sequence[int], targets: Sequence[int], teams: Sequence[Any],
                      departments: Sequence[Any], *, who: Iterable[int] | None = None, min_shared: int = MIN_SHARED,
                      top: int = SUGGESTIONS) -> list[dict[str, Any]]:
    """For each person (``who``: indices; None: everyone), colleagues in another team to reach out to.

    A colleague ``j`` is suggested to ``i`` when ``j`` is in a known team other than ``i``'s, ``i`` and
    ``j`` have no tie (either direction), and at least ``min_shared`` of ``i``'s neighbours are tied to ``j``.
    Ranked by those shared collaborators (more first), then colleagues in a department none of ``i``'s ties
    reaches first, then by pseudonym (the same data always gives the same order); the ``top`` of each.

    Parameters
    ----------
    people : sequence of str
        Pseudonyms; ``sources``/``targets`` index into them (ties, either direction).
    teams, departments : sequence
        Each person's team and department (None: unknown).

    Returns
    -------
    list of dict
        ``person``, ``colleague``, ``colleague_team``, ``colleague_department``, ``shared_colleagues``,
        ``new_department`` (no tie of the person's is in that department), ``rank``.

    >>> people = ["a", "b", "c", "d", "e"]
    >>> # a works with b and c; both work with d (team Y); e works with b only
    >>> rows = reach_suggestions(people, [0, 0, 1, 2, 1], [1, 2, 3, 3, 4], ["X", "X", "X", "Y", "Y"], ["D"] * 4 + ["E"], who=[0])
    >>> [(r["colleague"], r["shared_colleagues"], r["new_department"]) for r in rows]
    [('d', 2, False)]
    """
    n = len(people)
    if n == 0:
        return []
    s = np.asarray(sources, dtype=np.int64)
    t = np.asarray(targets, dtype=np.int64)
    keep = s != t
    s, t = s[keep], t[keep]
    adj = sp.csr_matrix((np.ones(2 * len(s), dtype=np.int32), (np.concatenate([s, t]), np.concatenate([t, s]))), shape=(n, n))
    adj.sum_duplicates()
    adj.data[:] = 1  # (a tie in both directions, or twice, is one tie)
    team_names, team = _codes(teams)
    dept_names, dept = _codes(departments)
    rows_of = range(n) if who is None else sorted(set(int(i) for i in who))
    out: list[dict[str, Any]] = []
    for i in rows_of:
        mine = adj.indices[adj.indptr[i]:adj.indptr[i + 1]]
        if len(mine) < min_shared:
            continue
        shared = np.asarray(adj[mine].sum(axis=0)).ravel()
        shared[i] = 0
        shared[mine] = 0
        # (an unknown team, code -1, is never "another team"; a person of unknown team may reach any known one)
        cands = np.flatnonzero((shared >= min_shared) & (team >= 0) & (team != team[i]))
        if not len(cands):
            continue
        reached = np.zeros(len(dept_names) + 1, dtype=bool)
        reached[dept[mine]] = True  # (index -1, the unknown department, is the spare last slot)
        new_dept = (dept[cands] >= 0) & ~reached[dept[cands]]
        order = sorted(range(len(cands)), key=lambda k: (-int(shared[cands[k]]), not new_dept[k], people[cands[k]]))
        for rank, k in enumerate(order[:top], start=1):
            j = int(cands[k])
            out.append({"person": people[i], "colleague": people[j], "colleague_team": team_names[team[j]],
                        "colleague_department": dept_names[dept[j]] if dept[j] >= 0 else None,
                        "shared_colleagues": int(shared[j]), "new_department": bool(new_dept[k]), "rank": rank})
    return out


def _codes(values: Sequence[Any]) -> tuple[list[str], np.ndarray]:
    """Distinct known values (as text) and each value's code; -1 for unknown."""
    names: dict[str, int] = {}
    codes = np.fromiter((-1 if v is None else names.setdefault(str(v), len(names)) for v in values), dtype=np.int64, count=len(values))
    return list(names), codes


__all__ = ["PEER_METRICS", "QUANTILES", "MIN_SHARED", "SUGGESTIONS", "peer_ranges", "reach_suggestions"]
