"""Expand a recurrence rule (``dateutil.rrule``) at a bounded cost.

dateutil looks for a rule's next occurrence period after period, without
yielding in between, and stops only at an occurrence past ``UNTIL`` or in the
year 9999. A rule that can never match (``FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30``)
is therefore searched up to the year 9999: seconds per event for a daily rule,
more for one every minute, and nothing outside the search can stop it.

:func:`occurrences` runs dateutil's own iteration (its ``rrule._iter``, with
every rule it implements) with a watcher on the periods it examines:

* the search ends once it reaches a period that starts after the ``end``
  wanted, whether or not it found an occurrence there;
* every date (or time, for rules more frequent than daily) examined is counted
  against a :class:`Budget`; spending it raises :class:`BudgetSpent`.

>>> import datetime as dt
>>> from dateutil.rrule import rrulestr
>>> start = dt.datetime(2026, 7, 1, 9)
>>> never = rrulestr("FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30", dtstart=start)
>>> budget = Budget(1_000)
>>> list(occurrences(never, dt.datetime(2026, 8, 1), budget)), budget.used  # 32 days examined, not 2.9 million
([], 32)
>>> [d.day for d in occurrences(rrulestr("FREQ=WEEKLY", dtstart=start), dt.datetime(2026, 7, 31), Budget(100))]
[1, 8, 15, 22, 29]
"""

from __future__ import annotations

import datetime as dt
import types
from typing import Any, Iterator

from dateutil import rrule as du_rrule


class BudgetSpent(Exception):
    """More dates were examined than the budget allows."""


class Budget:
    """How many dates (or times) rules may examine; shared by every rule of one import."""

    def __init__(self, limit: int):
        self.limit = limit
        self.used = 0

    def spend(self, n: int) -> None:
        self.used += n
        if self.used > self.limit:
            raise BudgetSpent


class _PastEnd(Exception):
    """The search reached a period after the end wanted."""


class _Watch:
    __slots__ = ("end", "budget")

    def __init__(self, end: dt.date, budget: Budget):
        self.end, self.budget = (end.year, end.month, end.day), budget


def _watched_iter():
    """dateutil's ``rrule._iter`` with ``_iterinfo`` (which gives it the dates of each period) watched,
    or None when this dateutil is built otherwise."""
    base = getattr(du_rrule, "_iterinfo", None)
    code = getattr(getattr(du_rrule.rrule, "_iter", None), "__code__", None)
    if base is None or code is None or not all(hasattr(base, m) for m in ("ydayset", "mdayset", "wdayset", "ddayset")):
        return None
    yearly, monthly, weekly, daily = base.ydayset, base.mdayset, base.wdayset, base.ddayset

    def watched(dayset):
        """A period method that checks where the period starts, then counts its dates (kept lean: a
        daily rule calls it once a day)."""
        def period(self, year, month, day, *args):
            watch = self.watch
            first = (year, 1, 1) if dayset is yearly else (year, month, 1) if dayset is monthly else (year, month, day)
            if first > watch.end:
                raise _PastEnd
            found = dayset(self, year, month, day, *args)
            budget = watch.budget
            budget.used += found[2] - found[1] or 1
            if budget.used > budget.limit:
                raise BudgetSpent
            return found
        return period

    class Watched(base):  # (no __slots__: base's __init__ sets the slots it lists, this adds a __dict__)
        def __init__(self, rule):
            super().__init__(rule)
            self.watch = rule._socialhr_watch

        # One call per period examined: a year, a month, a week, a day (or an hour, minute, second).
        ydayset, mdayset, wdayset, ddayset = watched(yearly), watched(monthly), watched(weekly), watched(daily)

    # The same code, reading the watched _iterinfo from its globals.
    return types.FunctionType(code, {**vars(du_rrule), "_iterinfo": Watched}, "_iter")


_ITER = _watched_iter()


def occurrences(rule: Any, end: dt.datetime, budget: Budget) -> Iterator[dt.datetime]:
    """The occurrences of ``rule`` up to ``end`` (comparable with them: both naive, or both aware), in order.

    Raises
    ------
    BudgetSpent
        When the search examines more dates than ``budget`` has left.
    """
    if _ITER is None or not isinstance(rule, du_rrule.rrule):  # (no watch: each occurrence still costs one)
        for when in rule:
            if when > end:
                return
            budget.spend(1)
            yield when
        return
    rule._socialhr_watch = _Watch(end.date(), budget)
    try:
        for when in _ITER(rule):
            if when > end:
                return
            yield when
    except _PastEnd:
        return
