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

Matching balances what it matches on, not what it does not: people who take up
a program may differ in ways the data cannot see, so the estimate is evidence,
not proof, that the program caused the change.
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
    """One row per outcome (``COLUMNS``) for a run of ``program`` (introductions or matches; default its latest run)."""
    if program not in PROGRAMS:
        raise SocialHRError(f"no impact measure for {program!r}", hint=f"Programs: {', '.join(PROGRAMS)}.")
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
    rows = []
    for outcome, words in OUTCOMES.items():
        d = np.array([(follow[t][outcome] - base[t][outcome]) - (follow[c][outcome] - base[c][outcome]) for t, c in pairs],
                     dtype=float)
        row = {"program": program, "run_id": run_id, "outcome": outcome, "estimate": None, "ci_low": None, "ci_high": None,
               "n": len(pairs), "p_value": None, "participants": rule, "baseline_window": base_w, "followup_window": follow_w,
               "exact_matches": exact, "sentence": ""}
        if len(pairs) < k:
            row["sentence"] = f"Withheld: {len(pairs)} matched pairs, fewer than the minimum group size ({k})."
        else:
            est, lo, hi, p = _t_interval(d)
            row.update(estimate=est, ci_low=lo, ci_high=hi, p_value=p)
            row["sentence"] = sentence(program, words, est, lo, hi, len(pairs), p)
        rows.append(row)
    return rows


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

    >>> sentence("matches", "network size", 3.2, 1.1, 5.3, 40, 0.004)
    'People matched across teams changed +3.2 in network size against similar people who were not (95% CI +1.1 to +5.3; 40 matched pairs). Evidence, not proof, that the program caused it.'
    """
    who = {"introductions": "New joiners introduced to colleagues", "matches": "People matched across teams"}[program]
    tail = " Evidence, not proof, that the program caused it." if p < 0.05 else " The interval includes no difference."
    return (f"{who} changed {est:+.1f} in {words} against similar people who were not "
            f"(95% CI {lo:+.1f} to {hi:+.1f}; {n} matched pairs).{tail}")
