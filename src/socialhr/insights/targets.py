"""HR's targets for social capital, tracked every window with a status.

HR is accountable for social outcomes as for any other: a target names an
organization unit (or the whole organization), a metric, a direction and a
value, and a date to reach it by::

    socialhr targets DIR set "department=Engineering" cross_team_tie_share ">=" 0.30 --by 2027-06-30

Targets are stored in the workspace (table ``targets``: no personal data) and
tracked on the figures the read path shows (:mod:`.social_capital`), so a
target can never reveal a group the disclosure rules withhold: for such a
window its value is missing. Two metrics come from elsewhere, under the same
minimum group size: the network size of joiners at week 8
(:func:`joiner_figures`, from the onboarding run) and the adoption of a
collaboration space, scope ``space=NAME`` or ``channel=#NAME``
(:func:`space_figures`).

**Status rule.** With the target's values in the windows of the last analysis
(each window dated by its last day):

* the due date has passed (the last window ends after it): **met** when the
  value of the last window ending on or before the due date meets the target,
  else **missed**;
* otherwise **on track** when the latest value meets the target already, or
  when the least-squares line through the values of the last (up to) six
  windows reaches it by the due date; else **at risk**;
* **no data** when no window shows the group.
"""

from __future__ import annotations

import datetime as dt
import operator
from typing import Any

import numpy as np

from ..errors import InputError

# Metric name -> (column of the tracked figures, what it is). Most are columns of the social_capital table;
# joiner_network_week8 comes from the onboarding run, space_active_share from the spaces' messages.
METRICS: dict[str, tuple[str, str]] = {
    "cross_team_tie_share": ("cross_team", "share of members' ties that reach another team"),
    "network_size": ("network_size", "mean network size"),
    "isolated_share": ("isolation", "share of members who are isolated"),
    "brokerage": ("brokerage", "mean openness of networks (1 - constraint)"),
    "social_capital_index": ("index", "the social capital index (100 = the organization)"),
    "recognition_cross_team_share": ("recognition_cross_team", "share of recognition (kudos) ties that cross teams"),
    "joiner_network_week8": ("joiner_week8", "median network size of joiners at week 8"),
    "space_active_share": ("space_active", "share of members active (posting)"),
}
# Metrics measured for the whole organization only.
ORGANIZATION_ONLY = {"recognition_cross_team_share"}
# Metrics of a collaboration space (scope space=NAME; adoption.py's spaces), and of organization units only.
SPACE_ONLY = {"space_active_share"}
SHARES = {"cross_team_tie_share", "isolated_share", "brokerage", "recognition_cross_team_share", "space_active_share"}
JOINER_WEEK = 8
OPS = {">=": operator.ge, "<=": operator.le, ">": operator.gt, "<": operator.lt}
TREND_WINDOWS = 6


def parse_scope(text: str) -> tuple[str | None, str | None]:
    """``"organization"``, ``"FIELD=VALUE"``, or ``"space=NAME"`` (also ``channel=#NAME``) for a collaboration space.

    >>> parse_scope("department=Engineering"), parse_scope("organization"), parse_scope("channel=#general")
    (('department', 'Engineering'), (None, None), ('space', 'general'))
    """
    text = text.strip()
    if text.lower() in ("organization", "organisation", "org", "all"):
        return None, None
    if "=" not in text:
        raise InputError(f"a target's scope is 'organization' or FIELD=VALUE, got {text!r}",
                         hint='For example: "department=Engineering" or organization.')
    field, value = (p.strip() for p in text.split("=", 1))
    if not field or not value:
        raise InputError(f"a target's scope needs a field and a value, got {text!r}", hint='For example: "department=Engineering".')
    if field.lower() in ("space", "channel"):
        return "space", value.lstrip("#").strip()
    return field, value


def add(ws: Any, scope: str, metric: str, op: str, value: float, due: dt.date, *, note: str = "") -> int:
    """Store a target and return its id (clear errors for an unknown metric, operator, field or group)."""
    dim, group = parse_scope(scope)
    if metric not in METRICS:
        raise InputError(f"unknown target metric {metric!r}", hint=f"Metrics: {', '.join(METRICS)}.")
    if op not in OPS:
        raise InputError(f"unknown comparison {op!r}", hint="Use one of >=, <=, >, < (quote it in the shell: \">=\").")
    if not np.isfinite(value):
        raise InputError(f"a target's value must be a number, got {value!r}", hint="For example: 0.30.")
    if metric in ORGANIZATION_ONLY and dim is not None:
        raise InputError(f"{metric} is measured for the whole organization only", hint=f'Give the scope organization: set organization {metric} ">=" 0.5')
    if metric in SPACE_ONLY and dim != "space":
        raise InputError(f"{metric} is measured for a collaboration space", hint=f'Give the space: set "space=general" {metric} ">=" 0.4')
    if dim == "space" and metric not in SPACE_ONLY:
        raise InputError(f"{metric} is measured for organization units, not spaces",
                         hint=f"For a space, track {', '.join(sorted(SPACE_ONLY))}.")
    if metric in SHARES and not 0 <= value <= 1:
        raise InputError(f"{metric} is a share between 0 and 1, got {value}", hint="For 30%, give 0.30.")
    db = ws.db
    if dim == "space":
        from .adoption import FEED_CHANNEL

        known = space_names(db)
        if group not in known and group.casefold() not in {k.casefold() for k in known}:
            ids = {i for v in known.values() for i in v}
            names = sorted(k for k in known if k not in ids or k == FEED_CHANNEL)
            raise InputError(f"no collaboration space {group!r}",
                             hint=f"Spaces: {', '.join(names[:20])}{' ...' if len(names) > 20 else ''} (socialhr adoption DIR)."
                             if names else "Import a Slack or Teams export first (socialhr ingest DIR slack FILE).")
        group = next(k for k in known if k.casefold() == group.casefold()) if group not in known else group
    elif dim is not None:
        fields = ["department", "team", "location", "level"]
        attrs = [r[0] for r in db.execute(
            "SELECT DISTINCT unnest(json_keys(attributes)) FROM people WHERE attributes IS NOT NULL").fetchall()]
        if dim not in fields + attrs:
            raise InputError(f"no roster field {dim!r} to set a target on", hint=f"Fields: {', '.join(fields + sorted(attrs))}.")
        if dim in fields:
            known = [r[0] for r in db.execute(f"SELECT DISTINCT {dim} FROM people WHERE {dim} IS NOT NULL ORDER BY 1").fetchall()]
        else:
            known = [r[0] for r in db.execute("SELECT DISTINCT json_extract_string(attributes, ?) FROM people "
                                              "WHERE json_extract_string(attributes, ?) IS NOT NULL ORDER BY 1",
                                              [f"$.{dim}", f"$.{dim}"]).fetchall()]
        if group not in known:
            hint = f"{dim.capitalize()}s: {', '.join(known[:20])}{' ...' if len(known) > 20 else ''}."
            raise InputError(f"no {dim} {group!r} on the roster", hint=hint)
    target_id = db.execute("SELECT coalesce(max(target_id), 0) + 1 FROM targets").fetchone()[0]
    db.execute("INSERT INTO targets VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
               [target_id, dim, group, metric, op, float(value), due, dt.datetime.now(dt.timezone.utc), note or None])
    return int(target_id)


def remove(ws: Any, target_id: int) -> None:
    if not ws.db.execute("SELECT count(*) FROM targets WHERE target_id = ?", [target_id]).fetchone()[0]:
        ids = [str(r[0]) for r in ws.db.execute("SELECT target_id FROM targets ORDER BY 1").fetchall()]
        raise InputError(f"no target {target_id}", hint=f"Targets: {', '.join(ids) or 'none yet'} (socialhr targets DIR list).")
    ws.db.execute("DELETE FROM targets WHERE target_id = ?", [target_id])


def stored(db: Any) -> list[dict[str, Any]]:
    cur = db.execute("SELECT target_id, dimension, \"group\", metric, op, value, due, note FROM targets ORDER BY target_id")
    cols = [c[0] for c in cur.description]
    return [dict(zip(cols, r)) for r in cur.fetchall()]


def track(targets: list[dict[str, Any]], figures: list[dict[str, Any]], window_ends: dict[str, dt.date]) -> tuple[list, list]:
    """Each target's status, and its value in every window (``figures``: rows of the social_capital table)."""
    by_key: dict[tuple, dict[str, Any]] = {}
    for r in figures:  # rows of several sources for one (window, scope) add their columns together
        by_key.setdefault((r["window_id"], r["dimension"], r["group"]), {}).update(r)
    status_rows, progress = [], []
    ordered = sorted(window_ends, key=window_ends.get)
    for t in targets:
        dim = t["dimension"] or "organization"
        column = METRICS[t["metric"]][0]
        series = []
        for wid in ordered:
            row = by_key.get((wid, dim, t["group"]))
            value = row.get(column) if row else None
            progress.append({"target_id": t["target_id"], "window_id": wid, "window_end": window_ends[wid], "value": value})
            if value is not None:
                series.append((window_ends[wid], float(value)))
        status_rows.append({**_describe(t), **evaluate(series, t["op"], float(t["value"]), t["due"],
                                                       last_end=window_ends[ordered[-1]] if ordered else None,
                                                       bounds=(0.0, 1.0) if t["metric"] in SHARES else (0.0, None))})
    return status_rows, progress


def evaluate(series: list[tuple[dt.date, float]], op: str, value: float, due: dt.date, *, last_end: dt.date | None,
             bounds: tuple[float | None, float | None] = (None, None)) -> dict[str, Any]:
    """The status of one target from its (date, value) series; the projection is held within ``bounds`` (a share
    cannot pass 0 or 1, nor a count fall below 0).

    >>> d = dt.date
    >>> evaluate([(d(2026, 1, 31), .2), (d(2026, 2, 28), .25)], ">=", .3, d(2026, 4, 30), last_end=d(2026, 2, 28))["status"]
    'on track'
    >>> evaluate([(d(2026, 1, 31), .2), (d(2026, 2, 28), .2)], ">=", .3, d(2026, 4, 30), last_end=d(2026, 2, 28))["status"]
    'at risk'
    >>> evaluate([(d(2026, 1, 31), .2), (d(2026, 2, 28), .35)], ">=", .3, d(2026, 2, 15), last_end=d(2026, 2, 28))["status"]
    'missed'
    >>> evaluate([(d(2026, 1, 31), .5), (d(2026, 2, 28), .9)], ">=", .3, d(2027, 2, 15), last_end=d(2026, 2, 28), bounds=(0, 1))["projected"]
    1.0
    """
    meets = OPS[op]
    out: dict[str, Any] = {"latest": None, "latest_window_end": None, "projected": None, "status": "no data"}
    if not series:
        return out
    out["latest_window_end"], out["latest"] = series[-1]
    if last_end is not None and last_end > due:
        before = [v for d, v in series if d <= due]
        final = before[-1] if before else series[0][1]
        out["status"] = "met" if meets(final, value) else "missed"
        return out
    recent = series[-TREND_WINDOWS:]
    if len(recent) >= 2:
        x = np.array([(d - recent[0][0]).days for d, _ in recent], dtype=float)
        slope, intercept = np.polyfit(x, np.array([v for _, v in recent]), 1)
        out["projected"] = float(np.clip(intercept + slope * (due - recent[0][0]).days,
                                         -np.inf if bounds[0] is None else bounds[0], np.inf if bounds[1] is None else bounds[1]))
    ok = meets(series[-1][1], value) or (out["projected"] is not None and meets(out["projected"], value))
    out["status"] = "on track" if ok else "at risk"
    return out


def _describe(t: dict[str, Any]) -> dict[str, Any]:
    scope = "organization" if t["dimension"] is None else f"{t['dimension']}={t['group']}"
    return {"target_id": t["target_id"], "scope": scope, "dimension": t["dimension"] or "organization", "group": t["group"],
            "metric": t["metric"], "op": t["op"], "target": t["value"], "due": t["due"], "note": t["note"],
            "description": f"{METRICS[t['metric']][1]} of {scope} {t['op']} {t['value']:g} by {t['due']}"}


def space_names(db: Any) -> dict[str, list[str]]:
    """Each collaboration space's name (and id) -> the ids of the spaces it names, the recognition feed included."""
    from .adoption import FEED_CHANNEL

    out: dict[str, list[str]] = {}
    for gid, name in db.execute("SELECT group_id, name FROM groups WHERE kind NOT IN ('department', 'team')").fetchall():
        for key in {gid, (name or "").lstrip("#")} - {""}:
            out.setdefault(key, []).append(gid)
    if db.execute("SELECT count(*) FROM interactions WHERE channel = ?", [FEED_CHANNEL]).fetchone()[0]:
        out.setdefault(FEED_CHANNEL, []).append(FEED_CHANNEL)
    return out


def space_figures(db: Any, spaces: set[str], windows: dict[str, tuple[dt.date, dt.date]], k: int) -> list[dict[str, Any]]:
    """``space_active`` of each named space in each window: the share of its members who posted in the window.

    Members are the space's listed members and anyone who posted in it in the window (the recognition feed: people
    employed on the window's last day, as adoption.py counts them). Withheld (None) when the space has fewer
    members than ``k``. ``windows``: window id -> (first day, day after the last).
    """
    from .adoption import FEED_CHANNEL

    ids = space_names(db)
    out = []
    for name in sorted(spaces):
        gids = ids.get(name, [])
        listed = {p for (p,) in db.execute("SELECT DISTINCT person FROM group_members WHERE list_contains(?, group_id)",
                                             [gids]).fetchall()} if gids else set()
        for wid, (start, end) in windows.items():
            since = dt.datetime.combine(start, dt.time(), dt.timezone.utc)
            until = dt.datetime.combine(end, dt.time(), dt.timezone.utc)
            posted = {p for (p,) in db.execute(
                'SELECT DISTINCT sender FROM interactions WHERE list_contains(?, context) AND "timestamp" >= ? AND "timestamp" < ?',
                [gids, since, until]).fetchall()}
            members = set(listed)
            if FEED_CHANNEL in gids:
                posted |= {p for (p,) in db.execute(
                    'SELECT DISTINCT sender FROM interactions WHERE channel = ? AND "timestamp" >= ? AND "timestamp" < ?',
                    [FEED_CHANNEL, since, until]).fetchall()}
                last = end - dt.timedelta(days=1)
                members |= {p for (p,) in db.execute("SELECT person FROM people WHERE (hire_date IS NULL OR hire_date <= ?) "
                                                     "AND (exit_date IS NULL OR exit_date > ?)", [last, last]).fetchall()}
            members |= posted
            value = len(posted & members) / len(members) if len(members) >= k else None
            out.append({"window_id": wid, "dimension": "space", "group": name, "space_active": value})
    return out


def joiner_figures(db: Any, scopes: set[tuple[str | None, str | None]], windows: dict[str, tuple[dt.date, dt.date]],
                   k: int) -> list[dict[str, Any]]:
    """``joiner_week8`` of each scope in each window: the median network size (``ties`` of the latest onboarding run)
    at the end of week 8 since start, of the joiners whose week 8 ended in the window and who belong to the scope
    (its roster field, today). Withheld (None) below ``k`` joiners; empty before any onboarding run."""
    run = db.execute("SELECT max(run_id) FROM program_runs WHERE program = 'onboarding'").fetchone()[0]
    if run is None:
        return []
    rows = db.execute("SELECT w.joiner, w.week_end, w.ties, p.department, p.team, p.location, p.level, CAST(p.attributes AS VARCHAR) "
                      "FROM onboarding_weeks w LEFT JOIN people p ON p.person = w.joiner WHERE w.run_id = ? AND w.week = ?",
                      [run, JOINER_WEEK]).fetchall()
    import json

    fields = ("department", "team", "location", "level")
    out = []
    for dim, group in sorted(scopes, key=lambda s: (s[0] or "", s[1] or "")):
        def inside(r: tuple) -> bool:
            if dim is None:
                return True
            if dim in fields:
                return r[3 + fields.index(dim)] == group
            return str((json.loads(r[7]) if r[7] else {}).get(dim)) == group

        mine = [r for r in rows if inside(r)]
        for wid, (start, end) in windows.items():
            ties = [r[2] for r in mine if start <= r[1] < end]
            out.append({"window_id": wid, "dimension": dim or "organization", "group": group,
                        "joiner_week8": float(np.median(ties)) if len(ties) >= k else None})
    return out
