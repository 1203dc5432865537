"""Program impact: did the people a program reached gain more connections than people like them it did not reach?

For a run of introductions or of cross-team matching:

* **participants**: the people of the run whose introduction or group was
  marked ``met`` (for introductions, also ``accepted``): joiners, or members of
  matched groups. When nothing of the run was marked, every person it proposed
  counts (intention to treat), and the rows say so (``participants``).
* **baseline window**: the last window of the analysis that ends on or before
  the run's date (``as_of``); **follow-up window**: the latest complete window
  that starts after it. Both must exist: a program's effect shows only in data
  imported after it ran.
* **controls**: for each participant, the most similar person who was not a
  participant and is in both windows — first among people of the same
  department *and* level, else the same department, else anyone — the nearest
  by tenure (years) and baseline network size, each scaled by its standard
  deviation; with replacement (one control may serve several participants).
* **outcomes**: the change from baseline to follow-up of ``network_size``,
  ``network_size_external`` (ties across teams) and ``strong_ties``.
* **estimate**: the mean over matched pairs of (participant's change −
  control's change), with a 95% t-interval and p-value over the pairs
  (difference-in-differences on a matched sample). ``n`` is the number of
  pairs; withheld below the minimum group size.

For **referrals**, the people are hires rather than participants:

* **referral hires**: the people marked ``hired`` (with their employee id) in
  the run or an earlier one, hired within the analysed period (on or after
  the first day with data), so that their start is observed; **other hires**:
  everyone else hired within it.
* **hire period**: the calendar month of the hire date. A hire's
  **follow-up window** is the first complete window that starts after their
  hire month ends: everyone hired in one month is measured in the same
  window, employed throughout it. Hires of a month with no such window yet
  are not measured (the ``participants`` column counts them).
* **controls**: :func:`match`, among the other hires of the same month (same
  department and level first, then department, then any), nearest by hire
  date. A hire starts with no ties, so the **change** since the start is the
  value in the follow-up window, and the estimate is the mean over pairs of
  (referral hire's value − control's value).

Matching balances what it matches on, not what it does not: people who take up
a program (or are referred) may differ in ways the data cannot see, so the
estimate is evidence, not proof, that the program caused the change.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import numpy as np

from ..errors import SocialHRError
from ..network.aggregate import data_span
from ..programs import runs

PROGRAMS = {"introductions": ("introductions", ("joiner",), ("accepted", "met")),
            "matches": ("match_groups", ("person",), ("met",))}
NAMES = (*PROGRAMS, "referrals")
OUTCOMES = {"network_size": "network size", "network_size_external": "ties across teams", "strong_ties": "strong ties"}

COLUMNS = ["program", "run_id", "outcome", "estimate", "ci_low", "ci_high", "n", "p_value", "participants",
           "baseline_window", "followup_window", "exact_matches", "sentence"]


def _windows(db: Any, as_of: dt.date) -> tuple[str, str]:
    windows = db.execute("SELECT window_id, window_start, window_end FROM network_windows ORDER BY ordinal").fetchall()
    span = data_span(db)
    last_day = span[1] if span else None
    before = [w for w in windows if w[2] <= as_of + dt.timedelta(days=1)]
    after = [w for w in windows if w[1] > as_of and (last_day is None or w[2] <= last_day + dt.timedelta(days=1))]
    if not before:
        raise SocialHRError(f"no analysis window ends on or before the run's date ({as_of})",
                            hint="The baseline is the network before the program: analyse data from before it ran.")
    if not after:
        raise SocialHRError(f"no complete analysis window starts after the run's date ({as_of})",
                            hint="A program's effect shows in data from after it ran: import newer data, then run socialhr analyze DIR.")
    return before[-1][0], after[-1][0]


def _participants(db: Any, program: str, run_id: int) -> tuple[list[str], str]:
    table, cols, done = PROGRAMS[program]
    col = cols[0]
    marked = [r[0] for r in db.execute(
        f"SELECT DISTINCT {col} FROM {table} WHERE run_id = ? AND status IN ({', '.join('?' * len(done))}) ORDER BY 1",
        [run_id, *done]).fetchall()]
    if marked:
        return marked, f"marked {' or '.join(done)}"
    every = [r[0] for r in db.execute(f"SELECT DISTINCT {col} FROM {table} WHERE run_id = ? ORDER BY 1", [run_id]).fetchall()]
    return every, "everyone proposed (nothing marked yet)"


def _metrics(db: Any, window: str) -> dict[str, dict[str, Any]]:
    cur = db.execute(
        "SELECT m.person, m.department, m.level, p.hire_date, m.network_size, m.network_size_external, m.strong_ties "
        "FROM person_metrics m LEFT JOIN people p USING (person) WHERE m.window_id = ?", [window])
    return {r[0]: {"department": r[1], "level": r[2], "hire_date": r[3], "network_size": r[4],
                   "network_size_external": r[5], "strong_ties": r[6]} for r in cur.fetchall()}


def impact(ws: Any, program: str, run: int | None = None) -> list[dict[str, Any]]:
    """One row per outcome (``COLUMNS``) for a run of ``program`` (introductions, matches or referrals; default its
    latest run)."""
    if program not in NAMES:
        raise SocialHRError(f"no impact measure for {program!r}", hint=f"Programs: {', '.join(NAMES)}.")
    if program == "referrals":
        return _referral_impact(ws, run)
    db = ws.db
    run_id = runs.check_run(db, program, run)
    as_of = db.execute("SELECT as_of FROM program_runs WHERE run_id = ?", [run_id]).fetchone()[0]
    if as_of is None:
        raise SocialHRError(f"run {run_id} has no date to measure from", hint="Run the program again.")
    base_w, follow_w = _windows(db, as_of)
    base, follow = _metrics(db, base_w), _metrics(db, follow_w)
    participants, rule = _participants(db, program, run_id)
    k = int(ws.settings["min_group_size"])
    treated = [p for p in participants if p in base and p in follow]
    taking_part = set(participants)
    pool = sorted(p for p in base if p in follow and p not in taking_part)  # sorted: ties in distance go the same way
    pairs, exact = match(treated, pool, base, start=_window_start(db, base_w))
    changes = {o: [(follow[t][o] - base[t][o]) - (follow[c][o] - base[c][o]) for t, c in pairs] for o in OUTCOMES}
    return _rows(program, run_id, changes, k, participants=rule, baseline=base_w, followup=follow_w, exact=exact)


def _rows(program: str, run_id: int, changes: dict[str, list[float]], k: int, *, participants: str, baseline: str | None,
          followup: str, exact: int) -> list[dict[str, Any]]:
    """One row per outcome from each matched pair's difference in change (withheld below ``k`` pairs)."""
    rows = []
    for outcome, words in OUTCOMES.items():
        d = np.array(changes[outcome], dtype=float)
        row = {"program": program, "run_id": run_id, "outcome": outcome, "estimate": None, "ci_low": None, "ci_high": None,
               "n": len(d), "p_value": None, "participants": participants, "baseline_window": baseline,
               "followup_window": followup, "exact_matches": exact, "sentence": ""}
        if len(d) < k:
            row["sentence"] = f"Withheld: {len(d)} matched pairs, fewer than the minimum group size ({k})."
        else:
            est, lo, hi, p = _t_interval(d)
            row.update(estimate=est, ci_low=lo, ci_high=hi, p_value=p)
            row["sentence"] = sentence(program, words, est, lo, hi, len(d), p)
        rows.append(row)
    return rows


def _referral_impact(ws: Any, run: int | None) -> list[dict[str, Any]]:
    """Referral hires against matched other hires of the same month (module docstring)."""
    db = ws.db
    run_id = runs.check_run(db, "referrals", run)
    referred = {r[0] for r in db.execute(
        "SELECT DISTINCT hire FROM referrals WHERE run_id <= ? AND status = 'hired' AND hire IS NOT NULL", [run_id]).fetchall()}
    if not referred:
        raise SocialHRError("no referral hire yet", hint="Mark a hired candidate with their employee id: "
                            "socialhr referrals DIR --mark ROLE,CANDIDATE,hired,EMPLOYEE")
    span = data_span(db)
    if span is None:
        raise SocialHRError("the workspace has no interactions", hint="Import some, then run socialhr analyze DIR.")
    first_day, last_day = span
    complete = [(w, s) for w, s, e in db.execute(
        "SELECT window_id, window_start, window_end FROM network_windows ORDER BY ordinal").fetchall()
        if e <= last_day + dt.timedelta(days=1)]
    hired = {p: d for p, d in db.execute("SELECT person, hire_date FROM people WHERE hire_date >= ?", [first_day]).fetchall()}
    months: dict[dt.date, list[str]] = {}
    for p in sorted(hired):  # sorted: the same order whatever the pseudonymisation key
        months.setdefault(hired[p].replace(day=1), []).append(p)
    before = sum(p not in hired for p in referred)
    pairs: list[tuple[str, str, str]] = []  # (referral hire, control, window)
    exact = recent = 0
    metrics: dict[str, dict[str, dict[str, Any]]] = {}
    for month, people in sorted(months.items()):
        mine = [p for p in people if p in referred]
        if not mine:
            continue
        month_end = (month + dt.timedelta(days=32)).replace(day=1)
        window = next((w for w, s in complete if s >= month_end), None)
        if window is None:
            recent += len(mine)
            continue
        follow = metrics.setdefault(window, _metrics(db, window))
        treated = [p for p in mine if p in follow]
        pool = [p for p in people if p not in referred and p in follow]
        base = {p: {**follow[p], "network_size": 0} for p in treated + pool}  # a hire starts with no ties
        found, n_exact = match(treated, pool, base, start=_window_start(db, window))
        pairs += [(t, c, window) for t, c in found]
        exact += n_exact
    if before == len(referred):
        raise SocialHRError("every referral hire started before the analysed data",
                            hint="Their integration shows only in data from their start: import interactions that cover it.")
    if before + recent == len(referred):
        raise SocialHRError("no referral hire has a complete analysis window after their hire month yet",
                            hint="Their network shows in data from after they started: import newer data, then run socialhr analyze DIR.")
    windows = sorted({w for _, _, w in pairs})
    matched = len(pairs)
    participants = (f"{matched} of {len(referred)} referral hires matched ({before} hired before the data, {recent} too recent "
                    f"to measure, {len(referred) - before - recent - matched} gone by their follow-up window or with no other hire "
                    "of their month to compare with)")
    changes = {o: [metrics[w][t][o] - metrics[w][c][o] for t, c, w in pairs] for o in OUTCOMES}
    k = int(ws.settings["min_group_size"])
    return _rows("referrals", run_id, changes, k, participants=participants, baseline=None,
                 followup=" to ".join(dict.fromkeys([windows[0], windows[-1]])) if windows else "", exact=exact)


def _window_start(db: Any, window: str) -> dt.date:
    return db.execute("SELECT window_start FROM network_windows WHERE window_id = ?", [window]).fetchone()[0]


def match(treated: list[str], pool: list[str], base: dict[str, dict[str, Any]], *, start: dt.date) -> tuple[list[tuple[str, str]], int]:
    """Nearest-neighbour controls (with replacement) within department and level, then department, then anyone.

    Returns the (participant, control) pairs and how many matched within department and level.
    """
    if not treated or not pool:
        return [], 0

    def tenure(p: str) -> float:
        h = base[p]["hire_date"]
        return (start - h).days / 365.25 if h is not None else math.nan

    feats = {p: (tenure(p), float(base[p]["network_size"])) for p in list(treated) + list(pool)}
    arr = np.array(list(feats.values()), dtype=float)
    med = np.nanmedian(arr, axis=0)
    sd = np.nanstd(arr, axis=0)
    sd[~(sd > 0)] = 1.0

    def vec(p: str) -> np.ndarray:
        v = np.array(feats[p], dtype=float)
        v[np.isnan(v)] = med[np.isnan(v)]
        return v / sd

    pool_vec = np.array([vec(p) for p in pool])
    dept = np.array([str(base[p]["department"]) for p in pool], dtype=object)
    level = np.array([str(base[p]["level"]) for p in pool], dtype=object)
    pairs, exact = [], 0
    for t in treated:
        same_d = dept == str(base[t]["department"])
        cells = [same_d & (level == str(base[t]["level"])), same_d, np.ones(len(pool), dtype=bool)]
        for depth, cell in enumerate(cells):
            if cell.any():
                idx = np.flatnonzero(cell)
                dist = ((pool_vec[idx] - vec(t)) ** 2).sum(axis=1)
                pairs.append((t, pool[int(idx[int(np.argmin(dist))])]))
                exact += depth == 0
                break
    return pairs, exact


def _t_interval(d: np.ndarray) -> tuple[float, float, float, float]:
    from scipy import stats

    n = len(d)
    mean = float(d.mean())
    se = float(d.std(ddof=1) / math.sqrt(n)) if n > 1 else math.inf
    if se == 0:
        return mean, mean, mean, 0.0 if mean else 1.0
    t = float(stats.t.ppf(0.975, n - 1))
    p = float(2 * stats.t.sf(abs(mean / se), n - 1))
    return mean, mean - t * se, mean + t * se, p


def sentence(program: str, words: str, est: float, lo: float, hi: float, n: int, p: float) -> str:
    """The estimate in words.

    >>> sentence("referrals", "strong ties", 0.4, -0.2, 1.0, 12, 0.2)
    'Referral hires had +0.4 strong ties in their first full window after joining against other hires of the same month, department and level where possible (95% CI -0.2 to +1.0; 12 matched pairs). The interval includes no difference.'
    >>> sentence("matches", "network size", 3.2, 1.1, 5.3, 40, 0.004)
    'People matched across teams changed +3.2 in network size against similar people who were not (95% CI +1.1 to +5.3; 40 matched pairs). Evidence, not proof, that the program caused it.'
    """
    tail = " Evidence, not proof, that the program caused it." if p < 0.05 else " The interval includes no difference."
    if program == "referrals":
        return (f"Referral hires had {est:+.1f} {words} in their first full window after joining against other hires of the "
                f"same month, department and level where possible (95% CI {lo:+.1f} to {hi:+.1f}; {n} matched pairs).{tail}")
    who = {"introductions": "New joiners introduced to colleagues", "matches": "People matched across teams"}[program]
    return (f"{who} changed {est:+.1f} in {words} against similar people who were not "
            f"(95% CI {lo:+.1f} to {hi:+.1f}; {n} matched pairs).{tail}")
