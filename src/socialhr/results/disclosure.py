"""Disclosure control: which groups' figures each window may show.

Hiding a small group is not enough: its figures come back by subtraction
(the organization minus the groups shown, a department minus its teams, a
group in October minus the same group in September). For each window and
each dimension (department, team, location, level, a roster attribute), the
groups not shown form one *remainder*: the organization minus the groups
shown, which anyone can compute. The rules, for a minimum group size k:

1. **Small groups.** A group is withheld when it has fewer than k people, or
   fewer than k of them with a tie: group size counts the people whose
   activity the figures use.
2. **The remainder.** A dimension's remainder (its withheld groups and the
   people whose value is unknown, taken together) must have nobody, or at
   least k people and k of them with a tie; otherwise the next smallest
   group is withheld too (secondary suppression), until it does.
3. **Differences between dimensions.** For a group A (or a remainder) and
   another dimension, A minus the groups of that dimension that lie inside A
   must leave nobody or at least k people (and k with a tie): a department of
   6 minus its team of 5 would be one person. Otherwise A is withheld (or,
   when A is a remainder, the groups inside it are).
4. **Differences between windows.** A group's people (and a remainder's)
   differ from the last window in which it was shown by nobody or by at
   least k people; otherwise the group is withheld in this window, until
   the change reaches k (a remainder takes in another group instead).
5. **The organization.** Its figures are withheld when it has fewer than k
   people (or fewer than k with a tie), or when its people changed by 1 to
   k-1 since the last window shown; then every figure of the window is
   withheld, because the organization is the sum of any dimension's groups.

Withholding only ever hides more, so applying the rules until none hides
anything more ends. Each group withheld is listed with its reason. Because
everything is decided when results are read, a new ``min_group_size`` takes
effect on the next read.

What this does not check: subtracting groups of two or more other
dimensions from a group at once (docs/privacy.md says more).

>>> w = WindowInput("2026-09", list("abcdefghijk"),
...                 {"location": ["Paris"] * 5 + ["Oslo"] + ["Rome"] * 5}, (list(range(10)), list(range(1, 11))))
>>> plan = plan_windows([w], min_size=5)[0]
>>> sorted(plan.shown["location"]), [(x.group, x.reason[:30]) for x in plan.withheld]
(['Rome'], [('Oslo', 'fewer than 5 people'), ('Paris', 'withheld so that the groups wi')])
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterator, Sequence

import numpy as np

ORGANIZATION = "organization"
_REST = object()  # the key of a dimension's remainder


@dataclass(frozen=True)
class WindowInput:
    """What the rules need of one window.

    ``people`` are the window's pseudonyms; ``labels`` each dimension's value
    per person (None when unknown); ``pairs`` the two ends (indices into
    ``people``) of every tie.
    """

    window_id: str
    people: Sequence[str]
    labels: dict[str, Sequence[object]]
    pairs: tuple[Sequence[int], Sequence[int]]


@dataclass(frozen=True)
class Withheld:
    """A group withheld in a window, and why (``group`` None with dimension ``organization``: the whole window)."""

    window_id: str
    dimension: str
    group: str | None
    reason: str

    def as_dict(self) -> dict[str, object]:
        return {"window_id": self.window_id, "dimension": self.dimension, "group": self.group, "reason": self.reason}


@dataclass
class WindowPlan:
    """The outcome for one window: the groups shown per dimension, what was withheld, and whether anything is shown."""

    window_id: str
    shown: dict[str, set[str]] = field(default_factory=dict)
    withheld: list[Withheld] = field(default_factory=list)
    organization_shown: bool = True

    def is_shown(self, dimension: str, group: str | None) -> bool:
        return self.organization_shown and group is not None and group in self.shown.get(dimension, ())


def plan_windows(windows: Sequence[WindowInput], *, min_size: int) -> list[WindowPlan]:
    """Apply the rules of the module docstring to windows in time order.

    Parameters
    ----------
    windows : sequence of WindowInput
        Every window of the analysis, oldest first (rule 4 compares each with
        the windows before it).
    min_size : int, keyword-only
        The minimum group size k (at least 1).
    """
    if min_size < 1:
        raise ValueError("the minimum group size must be at least 1")
    last: dict[tuple, tuple[str, np.ndarray]] = {}
    plans = []
    for w in windows:
        window = _Window(w, min_size, last)
        plan = window.plan()
        if plan.organization_shown:
            last.update(window.memberships())
        plans.append(plan)
    return plans


class _Dimension:
    """One dimension's values as integer codes; the unknown value gets a code of its own (never shown)."""

    def __init__(self, name: str, values: Sequence[object]):
        self.name = name
        names: dict[str | None, int] = {}
        codes = np.empty(len(values), dtype=np.int64)
        for i, v in enumerate(values):
            key = None if v is None or (isinstance(v, float) and v != v) else str(v)
            codes[i] = names.setdefault(key, len(names))
        self.codes = codes
        self.groups: list[str | None] = list(names)
        self.shown = np.array([g is not None for g in self.groups], dtype=bool)

    def rest(self) -> np.ndarray:
        """Who is in the remainder: people of groups not shown."""
        return ~self.shown[self.codes]


class _Window:
    def __init__(self, w: WindowInput, k: int, last: dict):
        self.w, self.k, self.last = w, k, last
        self.people = np.asarray(list(w.people), dtype=object).astype(str) if len(w.people) else np.array([], dtype=str)
        n = len(self.people)
        self.dims = [_Dimension(name, values) for name, values in w.labels.items()]
        a, b = (np.asarray(x, dtype=np.int64) for x in w.pairs)
        self.active = np.zeros(n, dtype=bool)
        self.active[a] = True
        self.active[b] = True
        self.withheld: list[Withheld] = []

    def _bad(self, members: np.ndarray) -> str | None:
        size = int(members.sum())
        if size == 0:
            return None
        if size < self.k:
            return f"fewer than {self.k} people"
        if int((members & self.active).sum()) < self.k:
            return f"fewer than {self.k} people with a tie"
        return None

    def _changed(self, key: tuple, members: np.ndarray) -> str | None:
        before = self.last.get(key)
        if before is None or not members.any():
            return None
        window_id, people = before
        change = len(np.setxor1d(people, self.people[members], assume_unique=True))
        if 0 < change < self.k:
            return f"its people changed by fewer than {self.k} since {window_id}, the last window it was shown"
        return None

    def _withhold(self, d: _Dimension, g: int, reason: str) -> None:
        d.shown[g] = False
        self.withheld.append(Withheld(self.w.window_id, d.name, d.groups[g], reason))

    def _secondary(self, d: _Dimension, candidates: np.ndarray | None = None) -> bool:
        """Withhold the smallest shown group of ``d`` (among ``candidates`` if given), preferring one
        shown in the last window (so the remainder changes by a whole group). False if there is none."""
        ok = d.shown.copy() if candidates is None else d.shown & candidates
        if not ok.any():
            return False
        size = np.bincount(d.codes, minlength=len(d.groups))
        was = np.array([(d.name, g) in self.last for g in d.groups])
        order = sorted(np.flatnonzero(ok), key=lambda g: (not was[g], size[g], str(d.groups[g])))
        self._withhold(d, order[0], "withheld so that the groups withheld beside it cannot be recovered by subtraction")
        return True

    def plan(self) -> WindowPlan:
        # Rules 1 and 4 judge each group on its own people, whatever else is shown: once for all.
        for d in self.dims:
            for g in np.flatnonzero(d.shown):
                members = d.codes == g
                reason = self._bad(members) or self._changed((d.name, d.groups[g]), members)
                if reason:
                    self._withhold(d, g, reason)
        while self._step():
            pass
        everyone = np.ones(len(self.people), dtype=bool)
        reason = self._bad(everyone) or self._changed((ORGANIZATION,), everyone)
        shown = {d.name: {g for g, s in zip(d.groups, d.shown) if s and g is not None} for d in self.dims}
        if reason:
            self.withheld.append(Withheld(self.w.window_id, ORGANIZATION, None, f"{reason}; every figure of this window is withheld"))
            return WindowPlan(self.w.window_id, {d: set() for d in shown}, self.withheld, False)
        return WindowPlan(self.w.window_id, shown, self.withheld, True)

    def _step(self) -> bool:
        """Apply the first of rules 2 to 4 (remainders, differences) that withholds something; False when none does."""
        # Rules 2 and 4 for each remainder.
        for d in self.dims:
            rest = d.rest()
            if rest.any() and (self._bad(rest) or self._changed((d.name, _REST), rest)) and self._secondary(d):
                return True
        # Rule 3.
        for d1 in self.dims:
            for d2 in self.dims:
                if d1 is d2:
                    continue
                for block, left in self._remainders(d1, d2):
                    if self._bad(left) and self._fix_difference(d1, block, d2):
                        return True
        return False

    def _fix_difference(self, d1: _Dimension, block: object, d2: _Dimension) -> bool:
        """Rule 3: withhold the smallest of the block (when it is a shown group) and the ``d2`` groups inside it.

        Withholding a group inside it moves that group to ``d2``'s remainder,
        which adds its people (at least k) to what is left; withholding the
        block itself hides the difference. The smaller loses less."""
        within = d1.rest() if block is _REST else d1.codes == block
        inside = np.flatnonzero(self._inside(d2, within) & d2.shown)
        size2 = np.bincount(d2.codes, minlength=len(d2.groups))
        options = [(int(size2[g]), 1, str(d2.groups[g]), d2, int(g)) for g in inside]
        if block is not _REST:
            options.append((int(within.sum()), 0, str(d1.groups[block]), d1, int(block)))
        if not options:
            return self._secondary(d1)
        _, _, _, d, g = min(options, key=lambda o: o[:3])
        if d is d1:
            self._withhold(d1, g, f"minus the {d2.name} groups inside it, fewer than {self.k} people would be left")
        else:
            self._withhold(d2, g, f"withheld so that {d1.name} {'remainder' if block is _REST else repr(d1.groups[block])} minus the "
                                  f"{d2.name} groups inside it does not leave fewer than {self.k} people")
        return True

    def _blocks(self, d: _Dimension) -> np.ndarray:
        """Each person's block of ``d``: their group's code when it is shown, else -1 (the remainder)."""
        return np.where(d.shown[d.codes], d.codes, -1)

    def _inside(self, d2: _Dimension, within: np.ndarray) -> np.ndarray:
        """Which groups of ``d2`` have all their people in ``within``."""
        out_count = np.bincount(d2.codes[~within], minlength=len(d2.groups))
        return out_count == 0

    def _remainders(self, d1: _Dimension, d2: _Dimension) -> Iterator[tuple[object, np.ndarray]]:
        """For each block of ``d1`` (a shown group, or ``_REST``) holding a block of ``d2``:
        its people outside the ``d2`` blocks that lie inside it."""
        b1, b2 = self._blocks(d1), self._blocks(d2)
        if not len(b1):
            return
        # A d2 block lies inside a d1 block when all its people share that d1 block.
        key2 = b2 + 1  # (the remainder -1 becomes 0)
        lo = np.full(len(d2.groups) + 1, np.iinfo(np.int64).max)
        hi = np.full(len(d2.groups) + 1, np.iinfo(np.int64).min)
        np.minimum.at(lo, key2, b1)
        np.maximum.at(hi, key2, b1)
        inside = lo[key2] == hi[key2]
        for block in np.unique(b1[inside]):
            mine = b1 == block
            yield (_REST if block < 0 else int(block)), mine & ~inside

    def memberships(self) -> dict[tuple, tuple[str, np.ndarray]]:
        """Each shown group's people, each remainder's, and the organization's, for rule 4 in later windows."""
        wid = self.w.window_id
        out: dict[tuple, tuple[str, np.ndarray]] = {(ORGANIZATION,): (wid, np.sort(self.people))}
        for d in self.dims:
            for g in np.flatnonzero(d.shown):
                out[(d.name, d.groups[g])] = (wid, np.sort(self.people[d.codes == g]))
            rest = d.rest()
            if rest.any():
                out[(d.name, _REST)] = (wid, np.sort(self.people[rest]))
        return out
