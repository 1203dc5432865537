"""Network position against outcomes: the cohort, the models against reference implementations, the rules that
withhold, and the read path."""

from __future__ import annotations

import math

import numpy as np
import pytest

from socialhr.insights import outcomes
from socialhr.results import Viewer, read

pytestmark = pytest.mark.slow


def test_bottom_decile_is_the_generators(planted, planted_ws):
    """The cohort's `isolated` people are exactly those the generator planted (same window, same definition)."""
    _, truth = planted
    c = outcomes.cohort(planted_ws)
    ids = planted_ws.vault.employee_ids()
    # At risk: the generator's, and the CEO (whom it keeps out of its draw of exits).
    assert len(c.data) == truth["attrition"]["at_risk_count"] + 1
    assert {ids[p] for p in c.data.person[c.data.isolated == 1]} == set(truth["attrition"]["bottom_decile"])
    # Leavers in follow-up: every exit the generator drew (all after its network-size window).
    assert c.data.attrition_event.sum() == truth["attrition"]["exits"]


def test_cox_recovers_the_planted_hazard_ratio_and_equals_statsmodels(planted, planted_ws):
    from statsmodels.duration.hazard_regression import PHReg

    _, truth = planted
    row = next(r for r in outcomes.effects(planted_ws, outcomes=("attrition",)) if r["metric"] == "isolated")
    assert row["model"] == "cox" and row["p_value"] < 0.05
    assert row["ci_low"] <= truth["attrition"]["hazard_ratio"] <= row["ci_high"]
    # The reference: statsmodels' Cox regression (Efron ties, strata by department) on the same cohort.
    d = outcomes.cohort(planted_ws).data
    ref = PHReg(d.attrition_days, d[["isolated", "tenure_years", "level_rank"]].astype(float), status=d.attrition_event,
                strata=d.department, ties="efron").fit()
    assert row["estimate"] == pytest.approx(math.exp(ref.params[0]), rel=1e-4)
    assert row["ci_high"] == pytest.approx(math.exp(ref.params[0] + 1.959964 * ref.bse[0]), rel=1e-3)
    assert row["n"] == len(d) and row["events"] == int(d.attrition_event.sum())
    assert "times the rate of others" in row["sentence"] and f"{len(d):,} people" in row["sentence"]


def test_engagement_and_performance_equal_statsmodels_formulas(planted_ws):
    import statsmodels.formula.api as smf

    rows = {(r["metric"], r["outcome"]): r for r in outcomes.effects(planted_ws, outcomes=("engagement", "performance"))}
    d = outcomes.cohort(planted_ws).data.dropna(subset=["engagement", "tenure_years", "level_rank"])
    d = d.assign(z=(d.network_size - d.network_size.mean()) / d.network_size.std())
    big = d.department.map(d.department.value_counts()) >= 5
    d = d.assign(dept=d.department.where(big, "(small departments)"))
    ref = smf.ols("engagement ~ z + tenure_years + level_rank + C(dept)", data=d).fit()
    got = rows[("network_size", "engagement")]
    assert got["model"] == "ols"
    assert got["estimate"] == pytest.approx(ref.params["z"], rel=1e-6)
    assert got["p_value"] == pytest.approx(ref.pvalues["z"], rel=1e-3, abs=1e-12)
    assert rows[("network_size", "performance")]["model"] == "ordinal"  # ratings 1-5


def test_small_groups_are_withheld(planted_ws):
    """With a minimum group size above the bottom decile, no estimate for it is given, and the sentence says why."""
    n_bottom = int(outcomes.cohort(planted_ws).data.isolated.sum())
    planted_ws.settings["min_group_size"] = n_bottom + 1
    try:
        rows = [r for r in outcomes.effects(planted_ws, outcomes=("attrition", "engagement")) if r["metric"] == "isolated"]
    finally:
        planted_ws.settings["min_group_size"] = 5
    assert rows and all(r["estimate"] is None and r["ci_low"] is None and r["p_value"] is None for r in rows)
    assert all(r["sentence"].startswith("Withheld:") and f"minimum group size {n_bottom + 1}" in r["sentence"] for r in rows)
    # The other metrics, on every side larger than that, are still estimated.
    others = [r for r in outcomes.effects(planted_ws, outcomes=("engagement",)) if r["metric"] == "network_size"]
    assert others[0]["estimate"] is not None


def test_information_value_of_a_yes_no_metric_by_hand(planted_ws):
    d = outcomes.cohort(planted_ws).data
    L, S = d.attrition_event.sum(), (1 - d.attrition_event).sum()
    iv = 0.0
    for side in (0, 1):
        lb = ((d.isolated == side) & (d.attrition_event == 1)).sum() / L
        sb = ((d.isolated == side) & (d.attrition_event == 0)).sum() / S
        iv += (lb - sb) * math.log(lb / sb)
    rows = {r["metric"]: r for r in outcomes.information_value(planted_ws)}
    assert rows["isolated"]["bins"] == 2
    assert rows["isolated"]["iv"] == pytest.approx(iv)
    ranked = [r["iv"] for r in outcomes.information_value(planted_ws)]
    assert ranked == sorted(ranked, reverse=True)


def test_every_role_reads_the_estimates_through_the_read_path(planted_ws, tmp_path):
    people = min(planted_ws.vault.employee_ids().items(), key=lambda kv: kv[1])[0]
    for viewer in (Viewer.analyst(), Viewer.leader(("department", "Finance")), Viewer.employee(people)):
        table = read(planted_ws, "outcome_effects", viewer=viewer).to_arrow()
        assert table.column_names[:8] == ["metric", "outcome", "model", "estimate", "ci_low", "ci_high", "n", "p_value"]
        assert table.num_rows == len(outcomes.METRICS) * len(outcomes.OUTCOMES)
    iv = read(planted_ws, "information_value").to_arrow()
    assert set(iv.column("metric").to_pylist()) == set(outcomes.METRICS)


def test_cli_outcomes_and_export(planted, tmp_path):
    from typer.testing import CliRunner

    from socialhr.cli import app

    ws_path, _ = planted
    r = CliRunner().invoke(app, ["outcomes", str(ws_path)])
    assert r.exit_code == 0, r.output
    assert "Leaving (Cox proportional hazards" in r.output and "isolated" in r.output
    out = tmp_path / "effects.csv"
    r = CliRunner().invoke(app, ["export", str(ws_path), "outcome_effects", "-o", str(out)])
    assert r.exit_code == 0, r.output
    import csv

    rows = list(csv.DictReader(out.open()))
    row = next(x for x in rows if x["metric"] == "isolated" and x["outcome"] == "attrition")
    assert row["model"] == "cox" and float(row["ci_low"]) < float(row["estimate"]) < float(row["ci_high"])
    r = CliRunner().invoke(app, ["outcomes", str(ws_path), "--window", "nope"])
    assert r.exit_code == 1 and "no window 'nope'" in r.output


def test_planted_zero_effect_is_not_called_significant(null_planted):
    """No planted effect (hazard ratio 1): the isolated estimate's interval includes 1 (fixed seed; the rate over
    many seeds is measured by benchmarks/insights.py)."""
    from socialhr.workspace import Workspace

    with Workspace.open(null_planted[0]) as ws:
        row = next(r for r in outcomes.effects(ws, outcomes=("attrition",)) if r["metric"] == "isolated")
    assert row["ci_low"] <= 1.0 <= row["ci_high"] and row["p_value"] >= 0.05
    assert "The interval includes no effect" in row["sentence"]
    assert np.isfinite(row["estimate"])
