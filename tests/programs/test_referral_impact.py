"""Referral hires against matched other hires (socialhr impact --program referrals): a planted effect is recovered,
no effect is not called significant, and the rules of who is measured hold."""

from __future__ import annotations

import csv
import datetime as dt
import json
import shutil

import pytest

from socialhr import ingest, synth
from socialhr.errors import SocialHRError
from socialhr.insights import impact
from socialhr.network.analyze import analyze
from socialhr.programs import runs
from socialhr.results import Viewer, read
from socialhr.workspace import Workspace

pytestmark = pytest.mark.slow

PLANTED = 8  # colleagues each planted referral hire exchanges two messages each way with


@pytest.fixture(scope="module")
def hires_org(tmp_path_factory):
    """800 people over 20 weeks ending on the last day of September (so September is a complete month): about 40
    joiners hired from May to September, analysed in monthly windows."""
    root = tmp_path_factory.mktemp("hires")
    info = synth.synthesize(root / "source", people=800, seed=3, weeks=20, end_date=dt.date(2026, 9, 30))
    with Workspace.init(root / "ws") as ws:
        ingest.ingest(ws, "roster", info["files"]["roster"])
        ingest.ingest(ws, "interactions", info["files"]["interactions"])
        analyze(ws, window="month")
    return root / "ws"


@pytest.fixture
def ws(hires_org, tmp_path):
    shutil.copytree(hires_org, tmp_path / "ws")
    w = Workspace.open(tmp_path / "ws")
    yield w
    w.close()


def _joiners(ws):
    """People hired from the first day with data to the end of August (their follow-up month is complete), by hire month
    then employee id: the same people whatever the workspace's pseudonymisation key."""
    ids = ws.vault.employee_ids()
    first = ws.db.execute('SELECT min(CAST("timestamp" AS DATE)) FROM interactions').fetchone()[0]
    rows = ws.db.execute("SELECT person, hire_date FROM people WHERE hire_date >= ? AND hire_date < DATE '2026-09-01'",
                         [first]).fetchall()
    return sorted(rows, key=lambda r: (r[1].replace(day=1), ids[r[0]]))


def _refer(ws, people, *, run_status="hired"):
    """A referrals run in which each of ``people`` was hired through a referral."""
    db = ws.db
    run_id = runs.new_run(db, "referrals", as_of=None, window_id=None, parameters={})
    referrer = sorted(ws.vault.employee_ids().items(), key=lambda kv: kv[1])[0][0]
    now = runs.now()
    db.executemany("INSERT INTO referrals VALUES (?, 'R1', ?, ?, ?, 1.0, 1, '{}', ?, ?, ?)",
                   [(run_id, f"cand{i}", referrer, i + 1, run_status, now, p) for i, p in enumerate(people)])
    return run_id


def _plant(ws, hires, tmp_path):
    """Each referral hire exchanges two messages each way with PLANTED colleagues of other departments (hired before
    the data) early in the month after their hire month: up to PLANTED new ties, across teams, and strong."""
    ids = ws.vault.employee_ids()
    db = ws.db
    dept = dict(db.execute("SELECT person, department FROM people").fetchall())
    first = db.execute('SELECT min(CAST("timestamp" AS DATE)) FROM interactions').fetchone()[0]
    veterans = sorted((p for (p,) in db.execute("SELECT person FROM people WHERE hire_date < ? AND exit_date IS NULL",
                                                [first]).fetchall()), key=lambda p: ids[p])
    start = dict(db.execute("SELECT person, hire_date FROM people").fetchall())
    path = tmp_path / "planted.csv"
    with path.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["timestamp", "sender", "recipients", "channel"])
        for i, h in enumerate(hires):
            month = (start[h].replace(day=1) + dt.timedelta(days=32)).replace(day=1)
            others = [v for v in veterans[i * 13:] + veterans if dept[v] != dept[h]][:PLANTED]
            for c in others:
                for day in (5, 6):
                    at = dt.datetime.combine(month + dt.timedelta(days=day), dt.time(10), tzinfo=dt.timezone.utc).isoformat()
                    w.writerow([at, ids[h], ids[c], "email"])
                    w.writerow([at, ids[c], ids[h], "email"])
    ingest.ingest(ws, "interactions", path)
    analyze(ws, window="month")


def test_referral_hires_planted_to_integrate_better_are_found(ws, tmp_path):
    joiners = _joiners(ws)
    hires = [p for p, _ in joiners[::2]]
    _refer(ws, hires)
    _plant(ws, hires, tmp_path)
    rows = {r["outcome"]: r for r in impact.impact(ws, "referrals")}
    size = rows["network_size"]
    assert size["n"] == len(hires) and size["participants"].startswith(f"{len(hires)} of {len(hires)} referral hires matched")
    assert size["baseline_window"] is None and size["followup_window"] == "2026-06 to 2026-09"
    # Up to PLANTED new people each, fewer where a pair was tied already; the controls add their own spread.
    for outcome in impact.OUTCOMES:
        r = rows[outcome]
        assert PLANTED - 3 <= r["estimate"] <= PLANTED + 2 and r["ci_low"] > 0 and r["p_value"] < 0.05, r
        assert "Evidence, not proof" in r["sentence"] and r["sentence"].startswith("Referral hires had +")
    # Recomputed from person_metrics: each referral hire's control is another hire of the same month, and the estimate
    # is the mean over pairs of the difference in the follow-up window (the month after the hire month).
    db = ws.db
    start = dict(db.execute("SELECT person, hire_date FROM people").fetchall())
    m = {(w, p): v for w, p, v in db.execute("SELECT window_id, person, network_size FROM person_metrics").fetchall()}
    month_of = {p: start[p].replace(day=1) for p, _ in joiners}
    others = [p for p, _ in joiners if p not in set(hires)]
    diffs, same_month = [], 0
    for h in hires:
        follow = ((month_of[h] + dt.timedelta(days=32)).replace(day=1)).strftime("%Y-%m")
        # The best any control can do and the worst: the estimate lies between the means of these bounds.
        pool = [m[follow, o] for o in others if month_of[o] == month_of[h] and (follow, o) in m]
        same_month += bool(pool)
        diffs.append((m[follow, h] - max(pool), m[follow, h] - min(pool)))
    assert same_month == len(hires)
    lo, hi = sum(d[0] for d in diffs) / len(diffs), sum(d[1] for d in diffs) / len(diffs)
    assert lo <= size["estimate"] <= hi


def test_no_effect_is_not_called_significant(ws):
    """Three disjoint thirds of the joiners as referral hires, nothing planted: at most one of the three network-size
    estimates is called significant (at 5% each, two or more happen less than once in a hundred), and none of the
    others says 'Evidence'."""
    joiners = _joiners(ws)
    significant, estimates = 0, []
    for offset in range(3):
        ws.db.execute("DELETE FROM referrals")
        _refer(ws, [p for p, _ in joiners[offset::3]])
        for r in impact.impact(ws, "referrals"):
            assert r["estimate"] is not None and r["n"] >= 10, r
            if r["p_value"] >= 0.05:
                assert r["ci_low"] <= 0 <= r["ci_high"] and "includes no difference" in r["sentence"], r
            if r["outcome"] == "network_size":
                significant += r["p_value"] < 0.05
                estimates.append(r["estimate"])
    assert significant <= 1, estimates


def test_a_boost_shared_by_every_hire_of_a_month_is_not_credited_to_referrals(ws, tmp_path):
    """Every hire of one month gains the planted ties, referral hire or not: matched within the month, the referral
    hires gain nothing more (a control from another month would credit them with the month's boost)."""
    joiners = _joiners(ws)
    months: dict = {}
    for p, d in joiners:
        months.setdefault(d.replace(day=1), []).append(p)
    cohort = max(months.values(), key=len)
    _refer(ws, cohort[::2])
    _plant(ws, cohort, tmp_path)
    for r in impact.impact(ws, "referrals"):
        assert r["n"] == len(cohort[::2]) >= 5
        assert r["ci_low"] <= 0 <= r["ci_high"] and abs(r["estimate"]) < PLANTED / 2, r


def test_who_is_measured(ws):
    db = ws.db
    with pytest.raises(SocialHRError, match="there are no referrals yet"):
        impact.impact(ws, "referrals")
    # Hired before the data: their start is not observed.
    first = db.execute('SELECT min(CAST("timestamp" AS DATE)) FROM interactions').fetchone()[0]
    ids = ws.vault.employee_ids()
    old = sorted((p for (p,) in db.execute("SELECT person FROM people WHERE hire_date < ?", [first]).fetchall()), key=ids.get)[:6]
    _refer(ws, old)
    with pytest.raises(SocialHRError, match="every referral hire started before the analysed data"):
        impact.impact(ws, "referrals")
    # Hired in September: no complete window after their hire month yet.
    september = sorted((p for (p,) in db.execute("SELECT person FROM people WHERE hire_date >= DATE '2026-09-01'").fetchall()),
                       key=ids.get)
    assert september
    _refer(ws, september)
    with pytest.raises(SocialHRError, match="no referral hire has a complete analysis window after their hire month"):
        impact.impact(ws, "referrals")
    # Four measurable referral hires (and the earlier ones, counted): withheld below the minimum group size.
    four = [p for p, _ in _joiners(ws)[:8:2]]
    _refer(ws, four)
    rows = impact.impact(ws, "referrals")
    assert all(r["estimate"] is None and r["n"] == 4 and r["sentence"].startswith("Withheld") for r in rows)
    assert rows[0]["participants"] == (f"4 of {4 + 6 + len(september)} referral hires matched (6 hired before the data, "
                                       f"{len(september)} too recent to measure, 0 gone by their follow-up window or with no "
                                       "other hire of their month to compare with)")
    # Only hires marked 'hired' count.
    db.execute("UPDATE referrals SET status = 'interviewed'")
    with pytest.raises(SocialHRError, match="no referral hire yet"):
        impact.impact(ws, "referrals")


def test_read_path_cli_and_report(ws, tmp_path):
    from typer.testing import CliRunner

    from socialhr import report
    from socialhr.cli import app

    hires = [p for p, _ in _joiners(ws)[::2]]
    _refer(ws, hires)
    _plant(ws, hires, tmp_path)
    for viewer in (Viewer.analyst(), Viewer.leader()):
        rows = read(ws, "program_impact", viewer=viewer, program="referrals").to_arrow().to_pylist()
        assert [r["outcome"] for r in rows] == list(impact.OUTCOMES)
    page = report.render.html(report.build(ws))
    assert "Impact of referrals" in page and "Referral hires had +" in page
    path = tmp_path / "ws"
    ws.close()
    run = CliRunner().invoke
    r = run(app, ["impact", str(path), "--program", "referrals", "--json"])
    assert r.exit_code == 0, r.output
    assert {x["outcome"] for x in json.loads(r.output)} == set(impact.OUTCOMES)
    r = run(app, ["impact", str(path), "--program", "referrals"])
    assert r.exit_code == 0 and "against another hire of the same month" in r.output and "Referral hires had +" in r.output, r.output
    r = run(app, ["impact", str(path), "--program", "referals"])
    assert r.exit_code == 1 and "no impact measure for 'referals'" in r.output and "referrals" in r.output
