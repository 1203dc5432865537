"""Time windows: the periods over which interactions are aggregated into one network.

A window is a half-open range of UTC calendar days ``[start, end)``. A window
specification names how the span of the data is cut:

``month`` (default)
    calendar months, id ``2024-03``;
``week``
    ISO weeks starting on Monday, id ``2024-W09``;
``quarter``
    calendar quarters, id ``2024-Q1``;
``Nd``
    consecutive blocks of N days starting on the first day with data, id ``2024-03-01+7d``;
``all``
    one window over everything, id ``all``.

>>> import datetime as dt
>>> [w.id for w in make_windows("month", dt.date(2024, 1, 31), dt.date(2024, 3, 1))]
['2024-01', '2024-02', '2024-03']
>>> [w.id for w in make_windows("week", dt.date(2024, 1, 1), dt.date(2024, 1, 8))]
['2024-W01', '2024-W02']
>>> make_windows("10d", dt.date(2024, 1, 1), dt.date(2024, 1, 25))[-1]
Window(id='2024-01-21+10d', start=datetime.date(2024, 1, 21), end=datetime.date(2024, 1, 31))
>>> make_windows("all", dt.date(2024, 1, 5), dt.date(2024, 2, 1))
[Window(id='all', start=datetime.date(2024, 1, 5), end=datetime.date(2024, 2, 2))]
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from ..errors import SocialHRError

WINDOW_KINDS = ("month", "week", "quarter", "all", "Nd")
_DAYS = re.compile(r"^([1-9][0-9]{0,3})d$")


@dataclass(frozen=True, order=True)
class Window:
    """One analysis period: UTC days from ``start`` (inclusive) to ``end`` (exclusive)."""

    id: str
    start: dt.date
    end: dt.date

    @property
    def last_day(self) -> dt.date:
        """The last day inside the window (``end`` minus one day)."""
        return self.end - dt.timedelta(days=1)


def check_spec(spec: str) -> str:
    """Return ``spec`` normalised, or raise a :class:`SocialHRError` that says what is allowed.

    >>> check_spec(" Month ")
    'month'
    >>> check_spec("fortnight")
    Traceback (most recent call last):
    ...
    socialhr.errors.SocialHRError: unknown window 'fortnight'. Use one of: all, week, month, quarter, or a number of days such as 14d.
    """
    s = str(spec).strip().lower()
    if s in ("month", "week", "quarter", "all") or _DAYS.match(s):
        return s
    raise SocialHRError(f"unknown window '{spec}'", hint="Use one of: all, week, month, quarter, or a number of days such as 14d.")


def window_count(spec: str, first: dt.date, last: dt.date) -> int:
    """How many windows :func:`make_windows` makes, computed without making them.

    >>> window_count("month", dt.date(1900, 1, 15), dt.date(2026, 7, 1))
    1519
    >>> [window_count(s, dt.date(2024, 1, 1), dt.date(2024, 1, 25)) for s in ("week", "10d", "quarter", "all")]
    [4, 3, 1, 1]
    """
    spec = check_spec(spec)
    if last < first or spec == "all":
        return 1
    if spec == "month":
        return (last.year - first.year) * 12 + last.month - first.month + 1
    if spec == "quarter":
        return (last.year - first.year) * 4 + (last.month - 1) // 3 - (first.month - 1) // 3 + 1
    if spec == "week":
        return ((last - last.weekday() * dt.timedelta(days=1)) - (first - first.weekday() * dt.timedelta(days=1))).days // 7 + 1
    return (last - first).days // int(_DAYS.match(spec).group(1)) + 1


WINDOW_NAMES = {"month": "monthly", "week": "weekly", "quarter": "quarterly"}


def make_windows(spec: str, first: dt.date, last: dt.date) -> list[Window]:
    """The windows of kind ``spec`` that cover the days ``first`` to ``last`` (both included)."""
    spec = check_spec(spec)
    if last < first:
        raise SocialHRError(f"the data span is empty ({first} to {last})")
    if spec == "all":
        return [Window("all", first, last + dt.timedelta(days=1))]
    out: list[Window] = []
    if spec == "month":
        y, m = first.year, first.month
        while dt.date(y, m, 1) <= last:
            ny, nm = (y + 1, 1) if m == 12 else (y, m + 1)
            out.append(Window(f"{y:04d}-{m:02d}", dt.date(y, m, 1), dt.date(ny, nm, 1)))
            y, m = ny, nm
    elif spec == "quarter":
        y, q = first.year, (first.month - 1) // 3
        while dt.date(y, 3 * q + 1, 1) <= last:
            ny, nq = (y + 1, 0) if q == 3 else (y, q + 1)
            out.append(Window(f"{y:04d}-Q{q + 1}", dt.date(y, 3 * q + 1, 1), dt.date(ny, 3 * nq + 1, 1)))
            y, q = ny, nq
    elif spec == "week":
        start = first - dt.timedelta(days=first.weekday())
        while start <= last:
            iso = start.isocalendar()
            out.append(Window(f"{iso.year:04d}-W{iso.week:02d}", start, start + dt.timedelta(days=7)))
            start += dt.timedelta(days=7)
    else:
        n = int(_DAYS.match(spec).group(1))
        start = first
        while start <= last:
            out.append(Window(f"{start.isoformat()}+{n}d", start, start + dt.timedelta(days=n)))
            start += dt.timedelta(days=n)
    return out
