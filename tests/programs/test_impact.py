"""Program impact against matched controls: a planted effect is recovered, no effect is not reported, rules hold."""

from __future__ import annotations

import csv
import datetime as dt
import json

import pytest

from socialhr import ingest
from socialhr.errors import SocialHRError
from socialhr.insights import impact
from socialhr.network.analyze import analyze
from socialhr.programs import runs
from socialhr.results import Viewer, read

pytestmark = pytest.mark.slow


def _run(ws, *, status="met", n=60, offset=0):
    """A matching run dated at the end of the first window, with ``n`` participants from across the organization
    (every k-th by employee id from ``offset``, so the same people whatever the workspace's pseudonymisation key)."""
    db = ws.db
    first, second = db.execute("SELECT window_id, window_end FROM network_windows ORDER BY ordinal LIMIT 2").fetchall()
    as_of = first[1] - dt.timedelta(days=1)
    ids = ws.vault.employee_ids()
    both = sorted((p for (p,) in db.execute(
        "SELECT person FROM person_metrics WHERE window_id = ? INTERSECT SELECT person FROM person_metrics WHERE window_id = ?",
        [first[0], second[0]]).fetchall()), key=lambda p: ids[p])
    chosen = both[offset::max(1, len(both) // n)][:n]
    run_id = runs.new_run(db, "matches", as_of=as_of, window_id=first[0], parameters={})
    now = runs.now()
    db.executemany("INSERT INTO match_groups VALUES (?, ?, ?, 'virtual', '{}', ?, ?)",
                   [(run_id, i // 2, p, status, now) for i, p in enumerate(chosen)])
    return run_id, chosen, as_of


def _plant(ws, chosen, as_of, tmp_path, *, contacts=4):
    """Each participant writes to the next ``contacts`` participants in the month after the run: up to 2 x contacts
    new people in their network."""
    ids = ws.vault.employee_ids()
    day = dt.datetime.combine(as_of + dt.timedelta(days=10), dt.time(10), tzinfo=dt.timezone.utc)
    path = tmp_path / "planted.csv"
    with path.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["timestamp", "sender", "recipients", "channel"])
        for i, p in enumerate(chosen):
            for j in range(1, contacts + 1):
                w.writerow([day.isoformat(), ids[p], ids[chosen[(i + j) % len(chosen)]], "email"])
    ingest.ingest(ws, "interactions", path)
    analyze(ws, window="month")


def test_a_planted_effect_is_recovered(org_ws, tmp_path):
    run_id, chosen, as_of = _run(org_ws)
    _plant(org_ws, chosen, as_of, tmp_path)
    rows = {r["outcome"]: r for r in impact.impact(org_ws, "matches")}
    size = rows["network_size"]
    assert size["run_id"] == run_id and size["n"] == len(chosen) and size["participants"] == "marked met"
    # Up to 8 new people each (4 written to, 4 writing), fewer where two were tied already; the controls' own
    # change (about 0 on average, a standard deviation of about 0.5 over 60 pairs) adds its noise.
    assert 5.5 <= size["estimate"] <= 10 and size["ci_low"] > 0 and size["p_value"] < 0.05
    assert rows["network_size_external"]["estimate"] > 3 and rows["network_size_external"]["ci_low"] > 0
    assert "Evidence, not proof" in size["sentence"]
    # The matched-pairs difference, recomputed from person_metrics.
    db = org_ws.db
    m = {(w, p): s for w, p, s in db.execute("SELECT window_id, person, network_size FROM person_metrics").fetchall()}
    pairs, _ = impact.match(
        [p for p in chosen], sorted(p for (p,) in db.execute(
            "SELECT person FROM person_metrics WHERE window_id = ? INTERSECT SELECT person FROM person_metrics WHERE window_id = ?",
            [size["baseline_window"], size["followup_window"]]).fetchall() if p not in set(chosen)),
        impact._metrics(db, size["baseline_window"]), start=impact._window_start(db, size["baseline_window"]))
    b, f = size["baseline_window"], size["followup_window"]
    diffs = [(m[f, t] - m[b, t]) - (m[f, c] - m[b, c]) for t, c in pairs]
    assert size["estimate"] == pytest.approx(sum(diffs) / len(diffs))


def test_no_effect_is_not_reported(org_ws):
    """Five disjoint samples of participants, nothing planted: estimates centre on 0 and at most two of five are called
    significant (at 5% each, three or more happen about once in a thousand)."""
    estimates, significant = [], 0
    for offset in range(5):
        org_ws.db.execute("DELETE FROM match_groups")
        _run(org_ws, offset=offset)
        row = next(r for r in impact.impact(org_ws, "matches") if r["outcome"] == "network_size")
        estimates.append(row["estimate"])
        significant += row["p_value"] < 0.05
        if row["p_value"] >= 0.05:
            assert row["ci_low"] <= 0 <= row["ci_high"] and "includes no difference" in row["sentence"], row
    assert significant <= 2 and abs(sum(estimates) / 5) < 0.75, estimates


def test_rules_unmarked_small_and_no_followup(org_ws):
    _run(org_ws, status="proposed", n=4)
    rows = impact.impact(org_ws, "matches")
    assert rows[0]["participants"].startswith("everyone proposed")
    assert all(r["estimate"] is None and r["sentence"].startswith("Withheld") for r in rows)  # 4 pairs < 5
    # A run dated at the end of the data has nothing after it to measure.
    db = org_ws.db
    end = db.execute("SELECT max(window_end) FROM network_windows").fetchone()[0]
    runs.new_run(db, "matches", as_of=end, window_id=None, parameters={})
    with pytest.raises(SocialHRError, match="starts after the run's date"):
        impact.impact(org_ws, "matches")


def test_every_role_reads_it_and_the_cli(org, org_ws, tmp_path):
    _run(org_ws)
    person = min(org_ws.vault.employee_ids().items(), key=lambda kv: kv[1])[0]
    for viewer in (Viewer.analyst(), Viewer.leader(), Viewer.employee(person)):
        assert read(org_ws, "program_impact", viewer=viewer, program="matches").to_arrow().num_rows == 3
    org_ws.close()
    from typer.testing import CliRunner

    from socialhr.cli import app

    r = CliRunner().invoke(app, ["impact", str(tmp_path / "ws"), "--program", "matches", "--json"])
    assert r.exit_code == 0, r.output
    assert {x["outcome"] for x in json.loads(r.output)} == set(impact.OUTCOMES)


def test_the_report_states_the_impact(org_ws, tmp_path):
    from socialhr import report

    _, chosen, as_of = _run(org_ws)
    _plant(org_ws, chosen, as_of, tmp_path)
    page = report.render.html(report.build(org_ws))
    assert "Impact of matching" in page and "Evidence, not proof" in page
