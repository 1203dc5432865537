"""Who works with whom: the latent contact network that interactions are drawn from.

Each person gets a stable set of contacts with tie strengths, so that weekly
activity repeats over the same people as real collaboration does:

- everyone in a team with everyone else (ties to the team leader are stronger);
- each leader with their own manager and with the other leaders under that manager;
- a few ties to other teams of the department, most in the same office;
- fewer ties to other departments, chosen by how much departments work together;
- planted brokers: 5-9 ties into each of 4-6 other departments;
- planted isolated people: only their manager and at most one teammate, and nobody
  else picks them.

A tie involving a new joiner opens some days after the later hire date
(immediately for the manager, within a week for the team, weeks later for other
teams and departments), so a joiner's network grows week by week.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import company as co
from .org import LEADER, Org

# Tie classes, in order of how soon they open for a new joiner.
MANAGER_TIE, TEAM_TIE, DEPT_TIE, CROSS_TIE = 0, 1, 2, 3
NEVER = -(2**40)


@dataclass
class GroupSampler:
    """Draw uniformly among the members of a group (groups are small integers)."""

    members: np.ndarray  # people sorted by group
    start: np.ndarray  # per group: first position in members
    count: np.ndarray  # per group: how many members

    @classmethod
    def of(cls, people: np.ndarray, groups: np.ndarray, n_groups: int) -> "GroupSampler":
        order = np.argsort(groups, kind="stable")
        count = np.bincount(groups, minlength=n_groups)
        start = np.concatenate(([0], np.cumsum(count)[:-1]))
        return cls(people[order], start, count)

    def draw(self, groups: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """One member per entry of ``groups``; -1 where the group is empty."""
        count = self.count[groups]
        pos = self.start[groups] + np.floor(rng.random(len(groups)) * count).astype(np.int64)
        out = np.full(len(groups), -1, dtype=np.int64)
        ok = count > 0
        out[ok] = self.members[pos[ok]]
        return out


@dataclass
class Contacts:
    """Each person's contacts as compressed rows, with cumulative weights for sampling."""

    ptr: np.ndarray  # row i is ptr[i]:ptr[i+1]
    target: np.ndarray  # the contact
    cumulative: np.ndarray  # i + (cumulative weight within row i) / (row total)
    opens: np.ndarray  # first day the tie can be used
    tie_class: np.ndarray
    weight: np.ndarray

    def draw(self, senders: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """One contact per sender, in proportion to tie strength: (contact or -1, position)."""
        x = senders + rng.random(len(senders))
        pos = np.searchsorted(self.cumulative, x, side="right")
        # Rounding of i + u can reach i + 1 for u within 1e-11 of 1: stay in the row.
        end = self.ptr[senders + 1]
        pos = np.minimum(pos, end - 1)
        empty = end == self.ptr[senders]
        pos = np.where(empty, 0, pos)
        return np.where(empty, -1, self.target[pos] if len(self.target) else -1), pos

    def degree(self) -> np.ndarray:
        return np.diff(self.ptr)

    def subset(self, keep: np.ndarray) -> "Contacts":
        """The same people with only the ties where ``keep`` (a mask over entries)."""
        n = len(self.ptr) - 1
        src = np.repeat(np.arange(n), self.degree())
        return _compress(src[keep], self.target[keep], self.weight[keep], self.opens[keep], self.tie_class[keep], n)


def _clique_pairs(people: np.ndarray, groups: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """All pairs of people sharing a group."""
    order = np.argsort(groups, kind="stable")
    people, groups = people[order], groups[order]
    if len(groups) == 0:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    starts = np.flatnonzero(np.r_[True, groups[1:] != groups[:-1]])
    sizes = np.diff(np.r_[starts, len(groups)])
    a_parts, b_parts = [], []
    for s in np.unique(sizes):
        if s < 2:
            continue
        first = starts[sizes == s]
        iu, ju = np.triu_indices(int(s), 1)
        a_parts.append(people[(first[:, None] + iu[None, :]).ravel()])
        b_parts.append(people[(first[:, None] + ju[None, :]).ravel()])
    if not a_parts:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    return np.concatenate(a_parts), np.concatenate(b_parts)


def build_contacts(org: Org, rng: np.random.Generator) -> Contacts:
    """Draw the latent contact network of ``org``."""
    n = org.size
    everyone = np.arange(n)
    iso = org.is_isolated
    social = ~iso
    is_leader = org.kind == LEADER
    n_dept = len(org.dept_names)
    n_loc = len(co.LOCATION_NAMES)
    parts: list[tuple[np.ndarray, np.ndarray, float, int]] = []

    # Teams: everyone with everyone; the leader's ties are stronger.
    a, b = _clique_pairs(everyone[social], org.team[social])
    parts.append((a, b, 1.0, TEAM_TIE))
    # Leaders with their own manager, and with their peers under that manager.
    leaders = np.flatnonzero(is_leader & (org.manager >= 0))
    parts.append((leaders, org.manager[leaders], 2.5, MANAGER_TIE))
    a, b = _clique_pairs(leaders, org.manager[leaders])
    parts.append((a, b, 0.8, DEPT_TIE))
    # The CEO's staff work with the VPs.
    exec_staff = np.flatnonzero((org.dept == 0) & ~is_leader)
    vps = org.dept_head[1:]
    parts.append((np.repeat(exec_staff, len(vps)), np.tile(vps, len(exec_staff)), 0.5, CROSS_TIE))

    # Other teams of the department, 60% in the same office.
    pool = np.flatnonzero(social & (org.dept > 0))
    by_dept = GroupSampler.of(pool, org.dept[pool], n_dept)
    by_office = GroupSampler.of(pool, org.dept[pool] * n_loc + org.location[pool], n_dept * n_loc)
    stubs = rng.poisson(np.where(is_leader, 3.0, 2.0)[pool])
    src = np.repeat(pool, stubs)
    same_office = rng.random(len(src)) < 0.6
    dst = np.where(same_office, by_office.draw(org.dept[src] * n_loc + org.location[src], rng),
                   by_dept.draw(org.dept[src], rng))
    parts.append((src, dst, 1.0, DEPT_TIE))

    # Other departments, by affinity and size.
    names = org.dept_names[1:]
    affinity = np.array(co.department_affinity(names))
    size = np.bincount(org.dept[pool], minlength=n_dept)[1:].astype(float)
    stubs = rng.poisson(np.where(is_leader, 2.0, 0.8)[pool])
    src = np.repeat(pool, stubs)
    dst = np.full(len(src), -1, dtype=np.int64)
    for d in range(1, n_dept):
        rows = np.flatnonzero(org.dept[src] == d)
        p = affinity[d - 1] * size
        p[d - 1] = 0.0
        target_dept = 1 + np.searchsorted(np.cumsum(p) / p.sum(), rng.random(len(rows)), side="right")
        dst[rows] = by_dept.draw(np.minimum(target_dept, n_dept - 1), rng)
    parts.append((src, dst, 0.8, CROSS_TIE))

    # Planted brokers reach into several departments.
    b_src, b_dst = [], []
    for i, depts in sorted(org.broker_departments.items()):
        for d in depts:
            k = int(rng.integers(5, 10))
            b_src.append(np.full(k, i))
            b_dst.append(by_dept.draw(np.full(k, d), rng))
    if b_src:
        parts.append((np.concatenate(b_src), np.concatenate(b_dst), 1.5, CROSS_TIE))

    # Planted isolated people: their manager and, for half of them, one teammate.
    isolated = np.flatnonzero(iso)
    parts.append((isolated, org.manager[isolated], 3.0, MANAGER_TIE))
    mates = GroupSampler.of(pool[~is_leader[pool]], org.team[pool[~is_leader[pool]]], len(org.team_names))
    mate = mates.draw(org.team[isolated], rng)
    keep = (mate >= 0) & (rng.random(len(isolated)) < 0.5)
    parts.append((isolated[keep], mate[keep], 1.0, TEAM_TIE))

    a = np.concatenate([p[0] for p in parts]).astype(np.int64)
    b = np.concatenate([p[1] for p in parts]).astype(np.int64)
    w = np.concatenate([np.full(len(p[0]), p[2]) for p in parts])
    cls = np.concatenate([np.full(len(p[0]), p[3]) for p in parts])
    ok = (a >= 0) & (b >= 0) & (a != b)
    a, b, w, cls = a[ok], b[ok], w[ok], cls[ok]
    # Ties to one's own manager (within the team clique) are stronger.
    boss = (org.manager[a] == b) | (org.manager[b] == a)
    w = np.where(boss & (cls == TEAM_TIE), 3.0, w)
    cls = np.where(boss, MANAGER_TIE, cls)
    w = w * rng.lognormal(0.0, 0.6, len(w))

    lo, hi = np.minimum(a, b), np.maximum(a, b)
    key, inverse = np.unique(lo * n + hi, return_inverse=True)
    weight = np.bincount(inverse, weights=w)
    tie_class = np.full(len(key), CROSS_TIE, dtype=np.int64)
    np.minimum.at(tie_class, inverse, cls)
    lo, hi = key // n, key % n

    delay = np.select(
        [tie_class == MANAGER_TIE, tie_class == TEAM_TIE, tie_class == DEPT_TIE],
        [np.zeros(len(key)), rng.integers(0, 8, len(key)), 7 + rng.exponential(14.0, len(key))],
        14 + rng.exponential(21.0, len(key)),
    ).astype(np.int64)
    later_hire = np.maximum(org.hire_day[lo], org.hire_day[hi])
    opens = np.where(later_hire >= 0, later_hire + delay, NEVER)

    src = np.concatenate([lo, hi])
    dst = np.concatenate([hi, lo])
    order = np.lexsort((dst, src))
    return _compress(src[order], dst[order], np.concatenate([weight, weight])[order],
                     np.concatenate([opens, opens])[order], np.concatenate([tie_class, tie_class])[order], n)


def _compress(src: np.ndarray, dst: np.ndarray, weight: np.ndarray, opens: np.ndarray, tie_class: np.ndarray,
              n: int) -> Contacts:
    """Contacts from directed ties sorted by ``src``."""
    ptr = np.concatenate(([0], np.cumsum(np.bincount(src, minlength=n))))
    cum = np.cumsum(weight)
    before = np.concatenate(([0.0], cum))[ptr[src]]
    within = cum - before
    row_total = within[np.maximum(ptr[src + 1] - 1, 0)]
    cumulative = src + within / row_total
    return Contacts(ptr=ptr, target=dst, cumulative=cumulative, opens=opens, tie_class=tie_class, weight=weight)
