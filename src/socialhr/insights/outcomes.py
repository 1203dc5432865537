"""Links from network position to outcomes: attrition, promotion, performance and engagement.

The design is a cohort. The people **at risk** are everyone employed through a
measurement window W of the last analysis (hired before W starts, still
employed on its last day) who has network metrics in W. Their metrics in W
are the exposures; what happens to them after W is the outcome:

============ ==============================================================
outcome      model (estimate)
============ ==============================================================
attrition    leaving after W (the roster's exit date, or an ``exit``
             outcome), followed up to the last date the workspace knows (the
             latest exit, outcome or interaction); Cox proportional hazards
             (lifelines), stratified by department (**hazard ratio**)
promotion    a ``promotion`` outcome dated after W: logistic regression
             (statsmodels; **odds ratio**)
performance  the first ``performance`` rating dated on or after W's start:
             proportional-odds ordinal logistic regression when ratings take
             at most 10 values (**odds ratio** of a higher rating), least
             squares otherwise (difference)
engagement   the mean ``engagement`` score dated on or after W's start:
             least squares (**difference** in score points)
============ ==============================================================

Each metric enters its own model beside the **controls**: tenure in years at
W's start, the rank of the person's level (:mod:`socialhr.programs.levels`),
and department (strata in the Cox model; indicators, departments with fewer
people than the minimum group size pooled, in the others). Continuous metrics
are standardised, so their estimate is **per standard deviation** (the
``unit`` column gives one standard deviation in the metric's own units).

``isolated`` here is the **bottom decile of network size** among the people
at risk: network size at or below its 10th percentile (``numpy.quantile``,
linear interpolation), as the synthetic generator defines and plants it
(``ground_truth.json``: ``attrition``). It differs from the ``isolated`` flag
of ``person_metrics`` (no tie, or a network at most a share of the median).

Rules that keep an estimate from exposing anyone (the minimum group size *k*,
setting ``min_group_size``): an estimate is withheld when fewer than *k*
people are at risk, when fewer than *k* had the outcome or fewer than *k* did
not (binary outcomes), or when fewer than *k* people are on either side of a
yes/no metric. Every estimate is an **association**, not proof of cause:
people are not assigned to network positions at random.
"""

from __future__ import annotations

import datetime as dt
import math
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..errors import SocialHRError
from ..network.aggregate import data_span
from ..network.store import require_results
from ..programs.levels import level_ranks

OUTCOMES = ("attrition", "promotion", "performance", "engagement")

# The metrics each model is run for, and how a sentence names them.
METRICS: dict[str, str] = {
    "isolated": "in the bottom tenth by network size",
    "network_size": "network size",
    "network_size_external": "ties outside the own team",
    "diverse_ties": "diverse ties",
    "strong_ties": "strong ties",
    "betweenness": "betweenness (brokerage between others)",
    "effective_size": "effective size (non-redundant contacts)",
    "constraint": "constraint (a closed network)",
    "clustering": "clustering (contacts who know each other)",
}
BINARY = {"isolated"}
BOTTOM_SHARE = 0.10
MAX_ORDINAL_LEVELS = 10
Z95 = 1.959963984540054

COLUMNS = ["metric", "outcome", "model", "estimate", "ci_low", "ci_high", "n", "p_value",
           "events", "unit", "window_id", "sentence"]


@dataclass
class Cohort:
    """The people at risk in one window, one row each, with their outcomes."""

    window_id: str
    window_start: dt.date
    window_last_day: dt.date
    follow_up_end: dt.date
    data: pd.DataFrame  # person, department, tenure_years, level_rank, the metrics, and the outcome columns


def cohort(ws: Any, window: str | None = None) -> Cohort:
    """The at-risk cohort of ``window`` (default: the first window of the last analysis, the longest follow-up)."""
    db = ws.db
    require_results(db)
    windows = db.execute("SELECT window_id, window_start, window_end FROM network_windows ORDER BY ordinal").fetchall()
    if not windows:
        raise SocialHRError("the last analysis found no windows", hint="Import interactions, then run: socialhr analyze DIR")
    if window is None:
        wid, start, end = windows[0]
    else:
        found = [w for w in windows if w[0] == window]
        if not found:
            raise SocialHRError(f"no window '{window}' in the last analysis",
                                hint=f"Windows: {', '.join(w[0] for w in windows[:12])}. Or re-run socialhr analyze with another --window.")
        wid, start, end = found[0]
    last = end - dt.timedelta(days=1)

    metric_sql = ", ".join(f"m.{m}" for m in METRICS if m not in BINARY)
    frame = db.execute(
        f"""SELECT m.person, m.department, p.level, p.hire_date,
                   coalesce(p.exit_date, (SELECT min(o."date") FROM outcomes o
                                           WHERE o.person = m.person AND o.kind = 'exit' AND o."date" > ?)) AS exit_date,
                   {metric_sql}
            FROM person_metrics m JOIN people p USING (person)
            WHERE m.window_id = ? AND (p.hire_date IS NULL OR p.hire_date < ?) AND (p.exit_date IS NULL OR p.exit_date > ?)
            ORDER BY m.person""",
        [last, wid, start, last],
    ).df()
    people = db.execute("SELECT person, level, manager FROM people ORDER BY person").fetchall()
    index = {p[0]: i for i, p in enumerate(people)}
    ranks = level_ranks([p[1] for p in people], [index.get(p[2]) for p in people],
                        setting=ws.settings.get("level_order") or None)
    frame["level_rank"] = [ranks.get(lv, np.nan) if lv is not None else np.nan for lv in frame["level"]]
    hire = pd.to_datetime(frame["hire_date"])
    frame["tenure_years"] = (pd.Timestamp(start) - hire).dt.days / 365.25
    frame["department"] = frame["department"].fillna("(unknown)")

    follow_up_end = _follow_up_end(db, last)
    exit_ = pd.to_datetime(frame["exit_date"])
    left = exit_.notna() & (exit_ <= pd.Timestamp(follow_up_end))
    frame["attrition_event"] = left.astype(int)
    frame["attrition_days"] = np.where(left, (exit_ - pd.Timestamp(last)).dt.days, (pd.Timestamp(follow_up_end) - pd.Timestamp(last)).days)
    frame.loc[frame["attrition_days"] < 1, "attrition_days"] = 1

    size = frame["network_size"].to_numpy(dtype=float)
    cutoff = float(np.quantile(size, BOTTOM_SHARE)) if len(size) else 0.0
    frame["isolated"] = (size <= cutoff).astype(int)

    for kind, column, sql in (
        ("promotion", "promotion", 'SELECT person, 1 AS v FROM outcomes WHERE kind = ? AND "date" > ? GROUP BY person'),
        ("performance", "performance", 'SELECT person, arg_min(value, "date") AS v FROM outcomes '
                                       'WHERE kind = ? AND "date" >= ? AND value IS NOT NULL GROUP BY person'),
        ("engagement", "engagement", 'SELECT person, avg(value) AS v FROM outcomes '
                                     'WHERE kind = ? AND "date" >= ? AND value IS NOT NULL GROUP BY person'),
    ):
        since = last if kind == "promotion" else start
        got = dict(db.execute(sql, [kind, since]).fetchall())
        if kind == "promotion":
            any_rows = db.execute("SELECT count(*) FROM outcomes WHERE kind = 'promotion'").fetchone()[0]
            frame[column] = [got.get(p, 0) for p in frame["person"]] if any_rows else np.nan
        else:
            frame[column] = [got.get(p, np.nan) for p in frame["person"]]
    frame = frame.drop(columns=["hire_date", "exit_date", "level"])
    return Cohort(wid, start, last, follow_up_end, frame)


def _follow_up_end(db: Any, last: dt.date) -> dt.date:
    span = data_span(db)
    dates = [span[1] if span else last]
    for sql in ("SELECT max(exit_date) FROM people", 'SELECT max("date") FROM outcomes'):
        d = db.execute(sql).fetchone()[0]
        if d is not None:
            dates.append(d)
    return max(dates)


def effects(ws: Any, window: str | None = None, *, outcomes: tuple[str, ...] = OUTCOMES) -> list[dict[str, Any]]:
    """One row per metric and outcome (``COLUMNS``), under the minimum group size."""
    c = cohort(ws, window)
    k = int(ws.settings["min_group_size"])
    rows = []
    for outcome in outcomes:
        for metric in METRICS:
            rows.append(_effect(c, metric, outcome, k))
    return rows


def _effect(c: Cohort, metric: str, outcome: str, k: int) -> dict[str, Any]:
    d = c.data
    y_col = {"attrition": "attrition_event"}.get(outcome, outcome)
    cols = [metric, "tenure_years", "level_rank", "department", y_col] + (["attrition_days"] if outcome == "attrition" else [])
    d = d[cols].dropna()
    model = _model_name(outcome, d[y_col] if len(d) else pd.Series(dtype=float))
    row: dict[str, Any] = {"metric": metric, "outcome": outcome, "model": model, "estimate": None, "ci_low": None,
                           "ci_high": None, "n": len(d), "p_value": None, "events": None, "unit": None,
                           "window_id": c.window_id, "sentence": ""}
    if outcome in ("attrition", "promotion"):
        row["events"] = int(d[y_col].sum()) if len(d) else 0
    reason = _too_small(d, metric, y_col, outcome, k)
    if reason:
        row["sentence"] = f"Withheld: {reason} (minimum group size {k})."
        return row
    if outcome in ("attrition", "promotion") and not d[y_col].any():
        row["sentence"] = f"No estimate: no one at risk {'left' if outcome == 'attrition' else 'was promoted'} after window {c.window_id}."
        return row
    x = d[metric].astype(float)
    if metric not in BINARY:
        sd = float(x.std(ddof=1))
        if not sd > 0:
            row["sentence"] = f"No estimate: {METRICS[metric]} is the same for everyone at risk."
            return row
        row["unit"] = sd
        x = (x - x.mean()) / sd
    d = d.assign(x=x)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            coef, se, p = _fit(d, y_col, outcome, model, k)
    except Exception as e:  # lifelines' ConvergenceError, statsmodels' PerfectSeparation, singular matrices
        row["sentence"] = f"No estimate: the {model} model did not converge ({type(e).__name__})."
        return row
    if not (math.isfinite(coef) and math.isfinite(se)):
        row["sentence"] = f"No estimate: the {model} model did not converge."
        return row
    ratio = model in ("cox", "logit", "ordinal")
    lo, hi = coef - Z95 * se, coef + Z95 * se
    row.update(estimate=math.exp(coef) if ratio else coef, ci_low=math.exp(lo) if ratio else lo,
               ci_high=math.exp(hi) if ratio else hi, p_value=p)
    row["sentence"] = sentence(row)
    return row


def _model_name(outcome: str, y: pd.Series) -> str:
    if outcome == "attrition":
        return "cox"
    if outcome == "promotion":
        return "logit"
    if outcome == "performance" and 2 < y.nunique() <= MAX_ORDINAL_LEVELS:
        return "ordinal"
    return "ols"


def _too_small(d: pd.DataFrame, metric: str, y_col: str, outcome: str, k: int) -> str:
    if len(d) < k:
        return f"{len(d)} people at risk with this outcome recorded"
    if outcome in ("attrition", "promotion"):
        yes = int(d[y_col].sum())
        word = "left" if outcome == "attrition" else "were promoted"
        if yes == 0:
            return ""  # nothing to hide, nothing to estimate: said below
        if yes < k:
            return f"{yes} people {word}"
        if len(d) - yes < k:
            return f"all but {len(d) - yes} people {word}"
    if metric in BINARY:
        ones = int(d[metric].sum())
        if min(ones, len(d) - ones) < k:
            return f"{min(ones, len(d) - ones)} people on one side of '{metric}'"
    return ""


def _design(d: pd.DataFrame, k: int) -> pd.DataFrame:
    dept = d["department"].where(d["department"].map(d["department"].value_counts()) >= k, "(small departments)")
    dummies = pd.get_dummies(dept, prefix="dept", drop_first=True, dtype=float)
    X = pd.concat([d[["x", "tenure_years", "level_rank"]].astype(float), dummies], axis=1)
    return X.loc[:, X.std(ddof=0) > 0] if len(X) > 1 else X


def _fit(d: pd.DataFrame, y_col: str, outcome: str, model: str, k: int) -> tuple[float, float, float]:
    if model == "cox":
        from lifelines import CoxPHFitter

        frame = d[["x", "tenure_years", "level_rank", "department", "attrition_days", y_col]]
        frame = frame.loc[:, [c for c in frame.columns if c in ("department", "attrition_days", y_col) or frame[c].std(ddof=0) > 0]]
        fit = CoxPHFitter().fit(frame, duration_col="attrition_days", event_col=y_col, strata=["department"])
        s = fit.summary.loc["x"]
        return float(s["coef"]), float(s["se(coef)"]), float(s["p"])
    import statsmodels.api as sm

    X = _design(d, k)
    y = d[y_col].astype(float)
    if model == "ordinal":
        from statsmodels.miscmodels.ordinal_model import OrderedModel

        levels = sorted(y.unique())
        res = OrderedModel(pd.Categorical(y, categories=levels, ordered=True), X, distr="logit").fit(method="bfgs", disp=False, maxiter=500)
    elif model == "logit":
        res = sm.Logit(y, sm.add_constant(X, has_constant="add")).fit(disp=False, maxiter=200)
    else:
        res = sm.OLS(y, sm.add_constant(X, has_constant="add")).fit()
    return float(res.params["x"]), float(res.bse["x"]), float(res.pvalues["x"])


def sentence(row: dict[str, Any]) -> str:
    """The estimate in plain language, with its interval and sample size.

    >>> sentence({"metric": "isolated", "outcome": "attrition", "model": "cox", "estimate": 2.9, "ci_low": 2.1,
    ...           "ci_high": 4.0, "n": 1899, "events": 259, "p_value": 0.0001, "unit": None})
    'People in the bottom tenth by network size left at 2.90 times the rate of others (95% CI 2.10 to 4.00; 1,899 people, 259 left), with tenure, level and department held equal. An association, not proof of cause.'
    """
    m, est, lo, hi = row["metric"], row["estimate"], row["ci_low"], row["ci_high"]
    what = METRICS.get(m, m)
    ci = f"95% CI {_num(lo)} to {_num(hi)}; {row['n']:,} people" + (f", {row['events']:,} {_event_word(row['outcome'])}" if row.get("events") is not None else "")
    signif = row["p_value"] is not None and row["p_value"] < 0.05
    tail = ", with tenure, level and department held equal." + (" An association, not proof of cause." if signif else
                                                                " The interval includes no effect: the data do not show a link.")
    subject = f"People {what}" if m in BINARY else f"One standard deviation more {what} (SD {_num(row['unit'])})"
    if row["model"] == "cox":
        verb = f"left at {_num(est)} times the rate of others" if m in BINARY else f"went with {_num(est)} times the rate of leaving"
    elif row["model"] == "logit":
        verb = f"had {_num(est)} times the odds of promotion of others" if m in BINARY else f"went with {_num(est)} times the odds of promotion"
    elif row["model"] == "ordinal":
        verb = f"had {_num(est)} times the odds of a higher performance rating" + (" than others" if m in BINARY else "")
    else:
        label = "a performance rating" if row["outcome"] == "performance" else "an engagement score"
        verb = f"went with {label} {_num(abs(est))} points {'higher' if est >= 0 else 'lower'}" + (" than others" if m in BINARY else "")
    return f"{subject} {verb} ({ci}){tail}"


def _event_word(outcome: str) -> str:
    return {"attrition": "left", "promotion": "promoted"}.get(outcome, "")


def _num(v: float | None) -> str:
    if v is None:
        return "?"
    a = abs(v)
    return f"{v:.3g}" if a < 0.1 else f"{v:.2f}" if a < 10 else f"{v:,.1f}" if a < 1000 else f"{v:,.0f}"


# -- information value -----------------------------------------------------

IV_COLUMNS = ["metric", "outcome", "iv", "strength", "bins", "n", "events", "window_id"]


def information_value(ws: Any, window: str | None = None, *, bins: int = 10) -> list[dict[str, Any]]:
    """How well each metric separates leavers from stayers: information value over quantile bins.

    IV = Σ_b (L_b/L − S_b/S) · ln((L_b/L) / (S_b/S)) over the bins b of the
    metric (up to ``bins`` quantile bins; ties share a bin), where L_b and S_b
    count the leavers and stayers of bin b; a bin with no leavers or no stayers
    counts 0.5 of them (the usual smoothing). Strength (Siddiqi 2006): below
    0.02 not predictive, to 0.1 weak, to 0.3 medium, above strong. Ranked,
    strongest first, as Viva Insights' ``create_IV`` ranks them.
    """
    c = cohort(ws, window)
    k = int(ws.settings["min_group_size"])
    d = c.data
    y = d["attrition_event"].to_numpy()
    events = int(y.sum())
    rows = []
    for metric in METRICS:
        row = {"metric": metric, "outcome": "attrition", "iv": None, "strength": "withheld", "bins": 0, "n": len(d),
               "events": events, "window_id": c.window_id}
        if events >= k and len(d) - events >= k:
            iv, nb = iv_of(d[metric].to_numpy(dtype=float), y, bins)
            row.update(iv=iv, strength=strength(iv), bins=nb)
        rows.append(row)
    return sorted(rows, key=lambda r: -(r["iv"] if r["iv"] is not None else -1))


def iv_of(x: np.ndarray, y: np.ndarray, bins: int = 10) -> tuple[float, int]:
    """Information value of ``x`` for the 0/1 outcome ``y``, and the number of bins used.

    >>> x, y = np.array([0, 0, 0, 1, 1, 1]), np.array([0, 0, 1, 0, 1, 1])
    >>> iv, n_bins = iv_of(x, y)
    >>> n_bins, round(iv, 4), round(2 * (2/3 - 1/3) * math.log(2), 4)
    (2, 0.4621, 0.4621)
    """
    values = np.unique(x)
    if len(values) <= bins:  # few values (a yes/no metric, small counts): one bin each
        codes = np.searchsorted(values, x)
    else:
        codes = pd.qcut(x, q=bins, labels=False, duplicates="drop")
    total_l, total_s = y.sum(), len(y) - y.sum()
    iv = 0.0
    used = np.unique(codes)
    for b in used:
        inb = codes == b
        lb, sb = y[inb].sum(), inb.sum() - y[inb].sum()
        pl, ps = max(lb, 0.5) / total_l, max(sb, 0.5) / total_s
        iv += (pl - ps) * math.log(pl / ps)
    return float(iv), len(used)


def strength(iv: float) -> str:
    return "not predictive" if iv < 0.02 else "weak" if iv < 0.1 else "medium" if iv < 0.3 else "strong"
