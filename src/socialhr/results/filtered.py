"""Group figures of the people who match filters, e.g. the London people at level L3 of each department.

``filtered_group_metrics`` (``where="location=London;level=L3"``, ``dimension=
"department"``) measures, in each department, the group of its people who match
every condition, on the whole window's network (their ties to anyone else are
external ties), with the same metrics as ``group_metrics``.

Filters open a door to differencing: a department of 7 shown whole and shown
again filtered to 6 gives away the seventh person by subtraction. So, for a
minimum group size k, a filtered group A (the people of group G matching the
filter) is withheld, with its reason, unless

1. A holds at least k people, and k of them with a tie;
2. for the filter and every filter made by leaving conditions out (down to no
   condition: G itself), the people of G matching that filter but not A hold
   nobody or at least k people (k with a tie): filtered minus less filtered
   never isolates fewer than k people;
3. A is not the whole of a group the disclosure rules withhold
   (:mod:`socialhr.results.disclosure`): a filter is not a way around them;
4. A's people differ from the last window in which A was shown by nobody or by
   at least k people;
5. the filter's remainder (the people matching it in no group shown, or whose
   group is unknown) holds nobody or at least k people; otherwise the smallest
   group shown is withheld too, until it does: the filtered people in all are
   a group of another reading (London's size is a ``group_metrics`` figure).

A window whose figures are all withheld shows none here either. At most
:data:`MAX_CONDITIONS` conditions: rule 2 checks every subset of them.

What this does not check: differences between filters on different values of
one field (London and Paris, each shown, against a group containing both and
more), beyond what rules 2 and 5 cover; docs/web.md says more.
"""

from __future__ import annotations

from itertools import combinations
from typing import Any, Iterable

import numpy as np
import pyarrow as pa

from ..errors import SocialHRError
from ..network.groups import GROUP_METRIC_COLUMNS, group_metrics
from .registry import AGGREGATE, result_table
from .tables import GROUP_SCHEMA, Context, _in_scope, _rows, _value_filter

MAX_CONDITIONS = 3
FILTERED_SCHEMA = pa.schema(list(GROUP_SCHEMA)[:3] + [pa.field("where", pa.string())] + list(GROUP_SCHEMA)[3:])
_REMAINDER = "withheld so that the filtered people of the groups withheld beside it cannot be recovered by subtraction"

__all__ = ["filtered_group_metrics", "parse_where", "MAX_CONDITIONS"]


def parse_where(where: str | Iterable[tuple[str, str]] | None) -> tuple[tuple[str, str], ...]:
    """Filter conditions from ``"field=value;field=value"`` (or pairs), sorted by field.

    >>> parse_where("location=London; level=L3")
    (('level', 'L3'), ('location', 'London'))
    """
    if where is None:
        return ()
    pairs: list[tuple[str, str]] = []
    if isinstance(where, str):
        for part in where.split(";"):
            if not part.strip():
                continue
            field, sep, value = part.partition("=")
            if not sep or not field.strip() or not value.strip():
                raise SocialHRError(f"a filter is FIELD=VALUE, got {part.strip()!r}", hint="For example: location=London;level=L3")
            pairs.append((field.strip(), value.strip()))
    else:
        pairs = [(str(f).strip(), str(v).strip()) for f, v in where]
    fields = [f for f, _ in pairs]
    if len(set(fields)) != len(fields):
        raise SocialHRError("a filter names a field twice", hint="Give each field once: one value per field.")
    if len(pairs) > MAX_CONDITIONS:
        raise SocialHRError(f"a filter has at most {MAX_CONDITIONS} conditions, got {len(pairs)}",
                            hint="Filter on fewer fields, or export the groups of one field and combine them yourself.")
    return tuple(sorted(pairs))


def _describe(conditions: Iterable[tuple[str, str]]) -> str:
    return " and ".join(f"{f}={v}" for f, v in conditions) or "no filter"


@result_table("filtered_group_metrics", level=AGGREGATE, reports_withheld=False,
              help="Metrics of each group's people matching a filter (--where location=London;level=L3), safe from differencing.")
def filtered_group_metrics(ctx: Context, *, window: str | None = None, dimension: str | None = None,
                           where: Any = None) -> pa.Table:
    conditions = parse_where(where)
    if not dimension:
        raise SocialHRError("filtered_group_metrics needs the field to group by", hint="Give --dimension, e.g. --dimension department.")
    if not conditions:
        raise SocialHRError("filtered_group_metrics needs a filter", hint="Give --where FIELD=VALUE (or read group_metrics, unfiltered).")
    agg = ctx.aggregates
    known = agg.dimensions()
    _value_filter(known, "dimension", dimension)
    for field, _ in conditions:
        _value_filter(known, "dimension", field)
    wanted = ctx.windows(window)
    inputs, plans = agg.inputs(), agg.plans()
    k = agg.min_size
    for field, value in conditions:
        seen = {str(v) for wid in wanted for v in inputs[wid].labels.get(field, ()) if v is not None}
        if value not in seen:
            raise SocialHRError(f"no one has {field} {value!r} in {'this window' if len(wanted) == 1 else 'these windows'}",
                                hint=f"Values of {field}: {', '.join(sorted(seen)[:30]) or 'none'}.")
    rows: list[dict[str, Any]] = []
    withheld: list[dict[str, Any]] = []
    last: dict[str, tuple[str, np.ndarray]] = {}
    text = _describe(conditions)
    for wid in agg.window_ids[: max(agg.window_ids.index(w) for w in wanted) + 1]:  # (rule 4 looks back)
        shown, reasons, members = _decide(inputs[wid], plans[wid], dimension, conditions, k, last)
        if wid not in wanted:
            continue
        inside = _in_scope(ctx, wid)
        withheld += [{"window_id": wid, "dimension": dimension if g is not None else "organization", "group": g,
                      "reason": f"{text}: {why}"} for g, why in reasons if g is None or inside(dimension, g)]
        if shown:
            rows += [dict(r, window_id=wid, dimension=dimension, where=text)
                     for r in _measure(agg, wid, dimension, members, shown) if inside(dimension, r["group"])]
    ctx.withheld = withheld  # (the read path returns them beside the rows)
    return _rows(rows, FILTERED_SCHEMA)


def _decide(w: Any, plan: Any, dimension: str, conditions: tuple[tuple[str, str], ...], k: int,
            last: dict[str, tuple[str, np.ndarray]]) -> tuple[list[str], list[tuple[str | None, str]], np.ndarray]:
    """The groups shown, the (group, reason) pairs withheld, and who matches the filter (a mask over ``w.people``)."""
    n = len(w.people)
    people = np.asarray(list(w.people), dtype=object).astype(str) if n else np.array([], dtype=str)

    def mask(field: str, value: str) -> np.ndarray:
        return np.array([v is not None and str(v) == value for v in w.labels.get(field, [None] * n)], dtype=bool)

    conds = [mask(f, v) for f, v in conditions]
    matching = np.logical_and.reduce(conds) if conds else np.ones(n, dtype=bool)
    if not plan.organization_shown:
        return [], [(None, "every figure of this window is withheld (socialhr export DIR withheld says why)")], matching
    a, b = (np.asarray(x, dtype=np.int64) for x in w.pairs)
    active = np.zeros(n, dtype=bool)
    active[a] = True
    active[b] = True

    def bad(members: np.ndarray) -> str | None:
        size = int(members.sum())
        if size == 0:
            return None
        if size < k:
            return f"fewer than {k} people"
        if int((members & active).sum()) < k:
            return f"fewer than {k} people with a tie"
        return None

    labels = np.array([None if v is None else str(v) for v in w.labels[dimension]], dtype=object)
    # The disclosure rules' withheld groups, by who is in them: a filtered group that is one of them is withheld too.
    hidden: dict[bytes, str] = {}
    for x in plan.withheld:
        if x.group is not None and x.dimension in w.labels:
            inside = np.array([v is not None and str(v) == x.group for v in w.labels[x.dimension]], dtype=bool)
            hidden.setdefault(np.flatnonzero(inside).tobytes(), f"{x.dimension} {x.group}")
    subsets = [s for r in range(len(conds)) for s in combinations(range(len(conds)), r)]
    candidates = sorted({g for g in labels[matching] if g is not None})
    shown: list[str] = []
    reasons: list[tuple[str | None, str]] = []
    for g in candidates:
        group = labels == g
        mine = group & matching
        why = bad(mine)
        if why:
            why = f"{why} match the filter"
        for s in subsets if not why else ():
            rest = group & np.logical_and.reduce([conds[i] for i in s] + [np.ones(n, dtype=bool)]) & ~mine
            problem = bad(rest)
            if problem:
                kept = _describe(conditions[i] for i in s)
                why = (f"its people {'matching ' + kept + ' but ' if s else ''}not matching the filter would be {problem}: "
                       "they could be recovered by subtraction")
                break
        if not why:
            twin = hidden.get(np.flatnonzero(mine).tobytes())
            if twin:
                why = f"its people are all of {twin}, which the disclosure rules withhold"
        if not why and g in last:
            since, before = last[g]
            change = len(np.setxor1d(before, people[mine], assume_unique=True))
            if 0 < change < k:
                why = f"its people changed by fewer than {k} since {since}, the last window it was shown"
        if why:
            reasons.append((g, why))
        else:
            shown.append(g)
    # Rule 5: the filtered people of no group shown.
    while shown:
        rest = matching & ~np.isin(labels, np.array(shown, dtype=object))
        if not bad(rest):
            break
        smallest = min(shown, key=lambda x: (int((matching & (labels == x)).sum()), x))
        shown.remove(smallest)
        reasons.append((smallest, _REMAINDER))
    for g in shown:
        last[g] = (w.window_id, people[matching & (labels == g)])
    return shown, reasons, matching


def _measure(agg: Any, window_id: str, dimension: str, matching: np.ndarray, shown: list[str]) -> list[dict[str, Any]]:
    """The group metrics of the shown groups' matching people, on the whole window's network."""
    w = agg.inputs()[window_id]
    wg, at, isolated = agg.window_graph(window_id)
    labels = np.empty(wg.n, dtype=object)
    labels[at] = [v if ok and v is not None and str(v) in shown else None
                  for v, ok in zip(w.labels[dimension], matching.tolist())]
    labels = [None if v is None else str(v) for v in labels.tolist()]
    rows, _, _ = group_metrics(wg, labels, min_group_size=1, isolated=isolated)
    return [{c: r.get(c) for c in ["group", *GROUP_METRIC_COLUMNS]} for r in rows if r["group"] in shown]
