"""HR's targets: stored with clear errors, tracked on the figures the read path shows, with the documented status rule."""

from __future__ import annotations

import datetime as dt
import shutil

import pytest

from socialhr.errors import InputError
from socialhr.insights import targets
from socialhr.results import Viewer, read
from socialhr.workspace import Workspace

pytestmark = pytest.mark.slow


@pytest.fixture
def ws(planted, tmp_path):
    shutil.copytree(planted[0], tmp_path / "ws")
    with Workspace.open(tmp_path / "ws") as w:
        yield w


def _complete(ws):
    """The windows targets track: the complete ones (a last window holding only the data's final days is left out)."""
    last_day = ws.db.execute('SELECT max(CAST("timestamp" AS DATE)) FROM interactions').fetchone()[0]
    return [w for w, e in ws.db.execute("SELECT window_id, window_end FROM network_windows ORDER BY ordinal").fetchall()
            if e - dt.timedelta(days=1) <= last_day]


def _latest(ws, dim, group, column):
    rows = read(ws, "social_capital", window="*").to_arrow().to_pylist()
    return [r[column] for r in rows if r["dimension"] == dim and r["group"] == group and r["window_id"] in _complete(ws)]


def test_tracked_values_are_the_social_capital_figures(ws):
    far = dt.date(2030, 1, 1)
    t1 = targets.add(ws, "department=Engineering", "cross_team_tie_share", ">=", 0.0, far)
    t2 = targets.add(ws, "organization", "network_size", ">=", 1e6, far)
    progress = read(ws, "target_progress").to_arrow().to_pylist()
    eng = [p["value"] for p in progress if p["target_id"] == t1 and p["value"] is not None]
    assert eng == _latest(ws, "department", "Engineering", "cross_team")
    # The planted organization's last window holds only the data's final days: it is not tracked.
    windows = [w for (w,) in ws.db.execute("SELECT window_id FROM network_windows ORDER BY ordinal").fetchall()]
    assert [p["window_id"] for p in progress if p["target_id"] == t1] == _complete(ws) == windows[:-1]
    rows = {r["target_id"]: r for r in read(ws, "targets").to_arrow().to_pylist()}
    assert rows[t1]["status"] == "on track"  # already meets it
    assert rows[t2]["status"] == "at risk"  # far above any trend
    assert rows[t2]["latest"] == _latest(ws, "organization", None, "network_size")[-1]


def test_a_passed_due_date_is_met_or_missed(ws):
    first_end = ws.db.execute("SELECT min(window_end) FROM network_windows").fetchone()[0]
    value = _latest(ws, "department", "Sales", "isolation")[0]
    met = targets.add(ws, "department=Sales", "isolated_share", "<=", value, first_end)
    missed = targets.add(ws, "department=Sales", "isolated_share", "<", value, first_end)
    rows = {r["target_id"]: r["status"] for r in read(ws, "targets").to_arrow().to_pylist()}
    assert (rows[met], rows[missed]) == ("met", "missed")


def test_bad_targets_are_refused_and_nothing_is_stored(ws):
    cases = [("department=Enginering", "cross_team_tie_share", ">=", 0.3, "no department 'Enginering'"),
             ("colour=blue", "cross_team_tie_share", ">=", 0.3, "no roster field 'colour'"),
             ("department=Sales", "happiness", ">=", 0.3, "unknown target metric"),
             ("department=Sales", "isolated_share", "=>", 0.3, "unknown comparison"),
             ("department=Sales", "isolated_share", "<=", 30, "a share between 0 and 1"),
             ("Sales", "isolated_share", "<=", 0.3, "FIELD=VALUE")]
    for scope, metric, op, value, message in cases:
        with pytest.raises(InputError, match=message):
            targets.add(ws, scope, metric, op, value, dt.date(2030, 1, 1))
    assert ws.db.execute("SELECT count(*) FROM targets").fetchone()[0] == 0


def test_a_leader_sees_only_targets_in_their_part(ws):
    far = dt.date(2030, 1, 1)
    targets.add(ws, "department=Finance", "network_size", ">=", 5, far)
    targets.add(ws, "department=Sales", "network_size", ">=", 5, far)
    targets.add(ws, "organization", "social_capital_index", ">=", 100, far)
    scopes = {r["scope"] for r in read(ws, "targets", viewer=Viewer.leader(("department", "Finance"))).to_arrow().to_pylist()}
    assert scopes == {"department=Finance", "organization"}


def test_cli_set_list_remove(planted, tmp_path):
    from typer.testing import CliRunner

    from socialhr.cli import app

    shutil.copytree(planted[0], tmp_path / "ws")
    path = str(tmp_path / "ws")
    run = CliRunner().invoke
    r = run(app, ["targets", path, "set", "department=Engineering", "cross_team_tie_share", ">=", "0.30", "--by", "2030-06-30"])
    assert r.exit_code == 0 and "Target 1" in r.output, r.output
    r = run(app, ["targets", path, "list"])
    assert r.exit_code == 0 and "department=Engineering" in r.output and "on track" in r.output, r.output
    r = run(app, ["targets", path, "set", "department=Engineering", "cross_team_tie_share", ">=", "0.30"])
    assert r.exit_code == 1 and "needs --by DATE" in r.output
    r = run(app, ["targets", path, "remove", "1"])
    assert r.exit_code == 0
    r = run(app, ["targets", path, "list"])
    assert "No targets yet" in r.output


def test_recognition_crossing_teams_is_tracked_for_the_organization(ws, tmp_path):
    from socialhr import ingest
    from socialhr.network.analyze import analyze

    ids = ws.vault.employee_ids()
    first = ws.db.execute("SELECT window_id, window_start FROM network_windows ORDER BY ordinal LIMIT 1").fetchone()
    # The first 40 by employee id: the same people whatever the workspace's pseudonymisation key.
    people = sorted(ws.db.execute("SELECT person, team FROM person_metrics WHERE window_id = ?", [first[0]]).fetchall(),
                    key=lambda r: ids[r[0]])[:40]
    path = tmp_path / "kudos.csv"
    at = dt.datetime.combine(first[1] + dt.timedelta(days=3), dt.time(12), tzinfo=dt.timezone.utc).isoformat()
    path.write_text("from,to,value,message,at\n" + "".join(
        f"{ids[a]},{ids[b]},teamwork,thanks,{at}\n" for (a, _), (b, _) in zip(people, people[1:])))
    ingest.ingest(ws, "kudos", path)
    analyze(ws, window="28d")
    crossing = [(a_team != b_team) for (_, a_team), (_, b_team) in zip(people, people[1:])]
    tid = targets.add(ws, "organization", "recognition_cross_team_share", ">=", 0.5, dt.date(2030, 1, 1))
    progress = [p for p in read(ws, "target_progress").to_arrow().to_pylist() if p["target_id"] == tid]
    assert progress[0]["value"] == pytest.approx(sum(crossing) / len(crossing))
    with pytest.raises(InputError, match="whole organization only"):
        targets.add(ws, "department=Sales", "recognition_cross_team_share", ">=", 0.5, dt.date(2030, 1, 1))


@pytest.fixture
def joiners_ws(joiners_org, tmp_path):
    shutil.copytree(joiners_org, tmp_path / "ws")
    with Workspace.open(tmp_path / "ws") as w:
        yield w


def test_joiners_network_at_week_8_is_tracked_from_the_onboarding_run(joiners_ws):
    """joiner_network_week8: in each window, the median network size at week 8 of the joiners whose week 8 ended in
    it (the onboarding table, read as HR reads it); withheld below the minimum group size; nothing before a run."""
    import numpy as np

    from socialhr.programs import onboarding

    far = dt.date(2030, 1, 1)
    org = targets.add(joiners_ws, "organization", "joiner_network_week8", ">=", 1, far)
    assert all(p["value"] is None for p in read(joiners_ws, "target_progress").to_arrow().to_pylist())  # no onboarding run yet
    onboarding.measure(joiners_ws)
    high = targets.add(joiners_ws, "organization", "joiner_network_week8", ">=", 1e4, far)
    k = int(joiners_ws.settings["min_group_size"])
    week8 = [r for r in read(joiners_ws, "onboarding").to_arrow().to_pylist() if r["week"] == 8]
    windows = joiners_ws.db.execute("SELECT window_id, window_start, window_end FROM network_windows ORDER BY ordinal").fetchall()
    expect = {}
    for wid, start, end in windows:
        if wid not in _complete(joiners_ws):
            continue
        ties = [r["ties"] for r in week8 if start <= r["week_end"] < end]
        expect[wid] = float(np.median(ties)) if len(ties) >= k else None
    assert sum(v is not None for v in expect.values()) >= 2, "joiners reached week 8 in several windows"
    progress = [p for p in read(joiners_ws, "target_progress").to_arrow().to_pylist() if p["target_id"] == org]
    assert {p["window_id"]: p["value"] for p in progress} == expect
    rows = {r["target_id"]: r for r in read(joiners_ws, "targets").to_arrow().to_pylist()}
    assert rows[org]["status"] == "on track" and rows[high]["status"] == "at risk"
    assert rows[org]["description"] == "median network size of joiners at week 8 of organization >= 1 by 2030-01-01"
    # A group with fewer joiners at week 8 than the minimum group size in every window shows no value.
    by_dept: dict = {}
    for r in week8:
        dept = joiners_ws.db.execute("SELECT department FROM people WHERE person = ?", [r["joiner"]]).fetchone()[0]
        by_dept[dept] = by_dept.get(dept, 0) + 1
    small = min(by_dept, key=by_dept.get)
    assert by_dept[small] < k
    tid = targets.add(joiners_ws, f"department={small}", "joiner_network_week8", ">=", 1, far)
    assert all(p["value"] is None for p in read(joiners_ws, "target_progress").to_arrow().to_pylist() if p["target_id"] == tid)
    assert {r["target_id"]: r["status"] for r in read(joiners_ws, "targets").to_arrow().to_pylist()}[tid] == "no data"
