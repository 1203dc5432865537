"""Onboarding integration: the rules of docs/programs.md#onboarding-integration.

The weekly figures are checked against a count made here, independently, from
the interactions as the read path gives them; the flags against joiners
planted slow and well connected; the benchmark's disclosure and who reads
what through the read path.
"""

from __future__ import annotations

import csv
import datetime as dt
import json

import numpy as np
import pytest
from typer.testing import CliRunner

from socialhr import ingest
from socialhr.cli import app
from socialhr.errors import PrivacyError, SettingsError, SocialHRError
from socialhr.network.analyze import analyze
from socialhr.programs import onboarding
from socialhr.results import Viewer, read
from socialhr.workspace import Workspace

runner = CliRunner()


# -- an independent count, from the interactions as read -----------------------

def _contacts(ws, persons):
    """For each of ``persons``, (other person, UTC day, outgoing) of every interaction with someone on the roster.

    The tie rules written out again: a message ties its sender to each
    recipient; a meeting ties every two of its participants, both ways; a
    broadcast ties no one.
    """
    roster = {r["person"] for r in read(ws, "people").to_arrow().to_pylist()}
    out: dict[str, list] = {p: [] for p in persons}
    for r in read(ws, "interactions").to_arrow().to_pylist():
        if r["kind"] == "broadcast":
            continue
        day = r["timestamp"].astimezone(dt.timezone.utc).date()
        if r["kind"] == "meeting":
            people = {r["sender"], *r["recipients"]}
            for person in people & out.keys():
                out[person] += [(p, day, d) for p in people if p != person for d in (True, False)]
            continue
        if r["sender"] in out:
            out[r["sender"]] += [(p, day, True) for p in r["recipients"] if p != r["sender"]]
        for person in set(r["recipients"]) & out.keys():
            if person != r["sender"]:
                out[person].append((r["sender"], day, False))
    return {p: [c for c in cs if c[0] in roster] for p, cs in out.items()}


def _expected_weeks(ws, person, contacts, hire, weeks, *, min_interactions, senior_levels, community):
    """{week: (ties, outside team, senior, communities, new ties)} for ``person``, counted from their contacts."""
    people = {r["person"]: r for r in read(ws, "people").to_arrow().to_pylist()}
    counts: dict[tuple[str, bool], list[dt.date]] = {}
    for other, day, outgoing in contacts:
        if hire <= day < hire + dt.timedelta(days=7 * weeks):
            counts.setdefault((other, outgoing), []).append(day)
    start: dict[str, dt.date] = {}
    for (other, _), days in counts.items():
        if len(days) >= min_interactions:
            day = sorted(days)[min_interactions - 1]
            start[other] = min(day, start.get(other, day))
    team = people[person]["team"]
    out = {}
    for k in range(1, weeks + 1):
        end = hire + dt.timedelta(days=7 * k - 1)
        tied = [o for o, d in start.items() if d <= end]
        out[k] = (
            len(tied),
            sum(1 for o in tied if team is None or people[o]["team"] != team),
            sum(1 for o in tied if people[o]["level"] in senior_levels),
            len({community[o] for o in tied if community.get(o) is not None}),
            sum(1 for o in tied if (start[o] - hire).days // 7 + 1 == k),
        )
    return out


def _latest_communities(ws):
    rows = read(ws, "person_metrics").to_arrow().to_pylist()
    return {r["person"]: r["community"] for r in rows}


def _by_joiner(rows):
    out: dict[str, dict[int, dict]] = {}
    for r in rows:
        out.setdefault(r["joiner"], {})[r["week"]] = r
    return out


def test_weekly_figures_match_a_count_from_the_interactions(org_ws):
    rows, _, summary = onboarding.compute(org_ws)
    assert summary["joiners"] >= 20 and summary["cohorts"] == ["2026-07", "2026-08", "2026-09"]
    # No senior_level set: the most senior third of the org chart's eight ranks (IC1 and IC3 rank equal, as IC4 and IC5).
    assert summary["senior_levels"] == ["D1", "VP", "CEO"]
    by = _by_joiner(rows)
    community = _latest_communities(org_ws)
    # A few joiners: the earliest, the latest measured, and two between.
    order = sorted(by, key=lambda p: (by[p][1]["hire_date"], p))
    chosen = (order[0], order[len(order) // 3], order[2 * len(order) // 3], order[-1])
    contacts = _contacts(org_ws, set(chosen) | set(order[:5]))
    for person in chosen:
        weeks = by[person]
        hire = weeks[1]["hire_date"]
        expected = _expected_weeks(org_ws, person, contacts[person], hire, len(weeks), min_interactions=1,
                                   senior_levels=set(summary["senior_levels"]), community=community)
        got = {k: (r["ties"], r["ties_outside_team"], r["ties_senior"], r["communities"], r["new_ties"]) for k, r in weeks.items()}
        assert got == expected, person
        assert weeks[len(weeks)]["week_end"] <= dt.date.fromisoformat(summary["as_of"])
        assert (dt.date.fromisoformat(summary["as_of"]) - hire).days + 1 < 7 * (len(weeks) + 1), "every complete week is measured"
    # The growth is the network's: every tie is one the analysis found too, in some window.
    edges = {(r["source"], r["target"]) for r in read(org_ws, "edges", window="*", channel="all").to_arrow().to_pylist()}
    for person in order[:5]:
        tied = {o for o, _, _ in contacts[person]}
        last = by[person][max(by[person])]
        assert last["ties"] <= len(tied)
        assert all((person, o) in edges or (o, person) in edges for o in tied)


def test_the_benchmark_is_the_quartiles_of_earlier_joiners_at_the_same_week(org_ws):
    rows, benchmark, _ = onboarding.compute(org_ws)
    by = _by_joiner(rows)
    assert benchmark
    for b in benchmark:
        start = dt.date.fromisoformat(b["cohort"] + "-01")
        pool = [w[b["week"]] for w in by.values() if w[1]["hire_date"] < start and b["week"] in w]
        assert b["joiners"] == len(pool) > 0
        for m in onboarding.MEASURES:
            values = [r[m] for r in pool]
            assert b[f"{m}_q1"] == pytest.approx(np.percentile(values, 25))
            assert b[f"{m}_median"] == pytest.approx(np.median(values))
            assert b[f"{m}_q3"] == pytest.approx(np.percentile(values, 75))
    assert not [b for b in benchmark if b["cohort"] == "2026-07"], "the first cohort has no earlier joiners"


def _roster_emails(info, ws):
    with open(info["files"]["roster"], newline="") as f:
        return {ws.pseudonymiser.person(r["employee_id"]): r["email"] for r in csv.DictReader(f)}


def test_a_planted_slow_joiner_is_flagged_and_a_well_connected_one_is_not(org, org_ws, tmp_path):
    rows, benchmark, _ = onboarding.compute(org_ws)
    by = _by_joiner(rows)
    week4 = {p: w[4] for p, w in by.items() if 4 in w and w[4]["benchmark_joiners"] >= 5}
    eid = org_ws.vault.employee_ids()  # picks by employee id: the same joiners whatever the pseudonymisation key
    flagged = sorted((p for p, r in week4.items() if r["flag"] == onboarding.FLAG), key=eid.get)
    fine = sorted((p for p, r in week4.items() if r["flag"] is None), key=eid.get)
    assert flagged and fine, "the synthetic joiners include some below and some above the 25th percentile"
    q1 = {(b["cohort"], b["week"]): b["ties_q1"] for b in benchmark}
    for p, r in week4.items():
        assert (r["flag"] == onboarding.FLAG) == (r["ties"] < q1[(r["cohort"], 4)])
    fast, slow = flagged[0], fine[0]

    # The slow one: every interaction since their start is gone but one message a week from their manager.
    hire = week4[slow]["hire_date"]
    ids = [r[0] for r in org_ws.db.execute("SELECT id FROM identities WHERE person = ? OR token = ?", [slow, slow]).fetchall()]
    org_ws.db.execute("""DELETE FROM interaction_rows WHERE CAST("timestamp" AS DATE) >= ?
                         AND (list_contains(?, sender) OR list_has_any(recipients, ?))""", [hire, ids, ids])
    emails = _roster_emails(org[1], org_ws)
    manager = week4[slow]["manager"]
    planted = tmp_path / "planted.csv"
    with open(planted, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["timestamp", "sender", "recipients", "channel"])
        for k in range(4):
            w.writerow([f"{hire + dt.timedelta(days=7 * k)}T10:00:00Z", emails[manager], emails[slow], "chat"])
        # The well-connected one: in their first week they write to thirty colleagues across the organization.
        others = sorted((p for p in emails if p not in by), key=emails.get)[::7][:30]
        start = week4[fast]["hire_date"]
        for i, other in enumerate(others):
            w.writerow([f"{start + dt.timedelta(days=i % 5)}T11:{i:02d}:00Z", emails[fast], emails[other], "chat"])
    ingest.ingest(org_ws, "interactions", planted)

    summary = onboarding.measure(org_ws)
    after = _by_joiner(read(org_ws, "onboarding").to_arrow().to_pylist())
    assert after[slow][4]["ties"] == 1 and after[slow][4]["flag"] == onboarding.FLAG
    assert after[fast][4]["ties"] >= 30 and after[fast][4]["flag"] is None
    assert after[fast][1]["new_ties"] >= 30
    assert summary["flagged_joiners"] == len({r["joiner"] for w in after.values() for r in w.values() if r["flag"]})


def test_the_benchmark_withholds_small_cohorts_and_small_differences(org_ws):
    summary = onboarding.measure(org_ws)
    shown = read(org_ws, "onboarding_benchmark").to_arrow().to_pylist()
    stored = {(r[0], r[1]): r[2] for r in org_ws.db.execute(
        "SELECT cohort, week, joiners FROM onboarding_benchmark WHERE run_id = ?", [summary["run_id"]]).fetchall()}
    assert {(r["cohort"], r["week"]) for r in shown} == set(stored)
    small = [r for r in shown if r["joiners"] < 5]
    assert small, "the synthetic organization has weeks that few earlier joiners have reached"
    for r in small:
        assert r["ties_median"] is None and r["communities_q3"] is None and "fewer than 5" in r["withheld"]
    # Pools grow by cohort: one that adds fewer than 5 joiners to a pool shown is withheld too.
    for week in {r["week"] for r in shown}:
        last = None
        for r in sorted((r for r in shown if r["week"] == week), key=lambda r: r["cohort"]):
            if r["withheld"] is None:
                assert r["joiners"] >= 5 and r["ties_median"] is not None
                assert last is None or r["joiners"] == last or r["joiners"] - last >= 5
                last = r["joiners"]
    assert any("recovered by subtraction" in (r["withheld"] or "") for r in shown)
    # The minimum group size is the one in force when read: raised, more is withheld, and no flag rests on fewer.
    org_ws.settings["min_group_size"] = 9
    raised = read(org_ws, "onboarding_benchmark").to_arrow().to_pylist()
    assert all(r["ties_q1"] is None for r in raised if r["joiners"] < 9)
    assert sum(r["withheld"] is None for r in raised) < sum(r["withheld"] is None for r in shown)
    weeks = read(org_ws, "onboarding").to_arrow().to_pylist()
    assert all(r["flag"] is None and r["below_q1"] is None for r in weeks if r["benchmark_joiners"] < 9)
    assert any(r["below_q1"] is not None for r in weeks)


def test_who_reads_what(org_ws):
    with pytest.raises(SocialHRError, match="has not been measured yet"):
        read(org_ws, "onboarding")
    onboarding.measure(org_ws)
    rows = read(org_ws, "onboarding").to_arrow().to_pylist()
    joiners = {r["joiner"] for r in rows}
    eid = org_ws.vault.employee_ids()  # the first joiner with a manager by employee id: the same whatever the key
    someone = min((r for r in rows if r["manager"]), key=lambda r: eid[r["joiner"]])
    mine = read(org_ws, "onboarding", viewer=Viewer.employee(someone["joiner"])).to_arrow().to_pylist()
    assert mine and {r["joiner"] for r in mine} == {someone["joiner"]}
    # Their manager reads the weeks of the joiners who report to them, and no one else's.
    manager = someone["manager"]
    reports = {r["joiner"] for r in rows if r["manager"] == manager}
    theirs = read(org_ws, "onboarding", viewer=Viewer.employee(manager)).to_arrow().to_pylist()
    assert {r["joiner"] for r in theirs} == reports
    outsider = min((p for p in (r["person"] for r in read(org_ws, "people").to_arrow().to_pylist())
                    if p not in joiners and p not in {r["manager"] for r in rows}), key=eid.get)
    assert read(org_ws, "onboarding", viewer=Viewer.employee(outsider)).to_arrow().num_rows == 0
    with pytest.raises(PrivacyError, match="a leader cannot read 'onboarding'"):
        read(org_ws, "onboarding", viewer=Viewer.leader())
    # The benchmark is an aggregate: every role reads the same rows.
    analyst = read(org_ws, "onboarding_benchmark").to_arrow()
    assert read(org_ws, "onboarding_benchmark", viewer=Viewer.leader(("department", "Engineering"))).to_arrow().equals(analyst)
    assert read(org_ws, "onboarding_benchmark", viewer=Viewer.employee(outsider)).to_arrow().equals(analyst)
    assert read(org_ws, "onboarding_benchmark").withheld == [], "the network's withheld groups are not this table's"
    # An admin with the vault adds employee ids, for the managers and HR to act on.
    identified = read(org_ws, "onboarding", identified=True).to_arrow()
    assert {"joiner_employee_id", "manager_employee_id"} <= set(identified.column_names)
    with pytest.raises(SocialHRError, match="run 999 is not a run of onboarding"):
        read(org_ws, "onboarding", run=999)


def test_cli_summary_json_and_export(org_ws, tmp_path):
    path = org_ws.path
    org_ws.close()
    result = runner.invoke(app, ["onboarding", str(path)])
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert "Onboarding integration of " in text and "joiners hired" in text
    assert "week 4:" in text and "joiners compared" in text
    assert "Benchmark of the 2026-09 cohort" in text and "withheld" in text
    result = runner.invoke(app, ["onboarding", str(path), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["summary"]["run_id"] == 2 and data["summary"]["checkpoints"]["4"]["compared"] > 0
    assert {b["cohort"] for b in data["benchmark"]} == {"2026-08", "2026-09"}
    out = tmp_path / "onboarding.csv"
    result = runner.invoke(app, ["export", str(path), "onboarding", "-o", str(out)])
    assert result.exit_code == 0, result.output
    with open(out, newline="") as f:
        rows = list(csv.DictReader(f))
    assert rows and {r["run_id"] for r in rows} == {"2"}
    assert sum(r["flag"] == onboarding.FLAG for r in rows if r["week"] in ("4", "8", "12")) == \
        sum(c["flagged"] for c in data["summary"]["checkpoints"].values())
    result = runner.invoke(app, ["export", str(path), "onboarding", "-o", str(tmp_path / "x.csv"), "--as", "leader"])
    assert result.exit_code == 1 and "a leader cannot read 'onboarding'" in result.output
    result = runner.invoke(app, ["export", str(path), "onboarding_benchmark", "-o", str(tmp_path / "b.csv"), "--as", "leader",
                                 "--run", "1"])
    assert result.exit_code == 0, result.output


# -- a small hand-made organization ---------------------------------------------

ROSTER = """employee_id,email,department,team,manager_id,level,hire_date,exit_date
B1,boss@acme.example,Ops,Lead,,VP,2020-01-06,
M1,mgr@acme.example,Ops,Blue,B1,M1,2021-01-04,
P1,pat@acme.example,Ops,Blue,M1,IC1,2022-01-03,
R1,rob@acme.example,Ops,Red,B1,IC1,2022-01-03,
S1,sam@acme.example,Ops,Red,B1,IC1,2022-01-03,
J1,jo@acme.example,Ops,Blue,M1,IC1,2026-03-02,
J2,jay@acme.example,Ops,Blue,M1,IC1,2026-02-23,
K1,kim@acme.example,Ops,Blue,M1,IC1,2026-02-16,
L1,lee@acme.example,Ops,Red,B1,IC1,2026-03-02,2026-03-20
"""

# J1 starts on Monday 2026-03-02 (week 1: 03-02 to 03-08, week 2: 03-09 to 03-15, ...).
INTERACTIONS = """timestamp,sender,recipients,channel
2026-02-23T09:00:00Z,boss@acme.example,mgr@acme.example,chat
2026-03-01T09:00:00Z,jo@acme.example,pat@acme.example,chat
2026-03-01T10:00:00Z,jo@acme.example,pat@acme.example,chat
2026-03-02T09:00:00Z,jo@acme.example,mgr@acme.example,chat
2026-03-08T09:00:00Z,jo@acme.example,mgr@acme.example,chat
2026-03-09T09:00:00Z,jo@acme.example,rob@acme.example,chat
2026-03-09T10:00:00Z,rob@acme.example,jo@acme.example,chat
2026-03-10T09:00:00Z,boss@acme.example,jo@acme.example;sam@acme.example,meeting
2026-03-12T09:00:00Z,sam@acme.example,boss@acme.example,meeting
2026-03-16T09:00:00Z,pat@acme.example,jo@acme.example,email
2026-03-17T09:00:00Z,pat@acme.example,jo@acme.example,email
2026-03-29T09:00:00Z,boss@acme.example,mgr@acme.example,chat
"""


@pytest.fixture
def small(tmp_path):
    (tmp_path / "roster.csv").write_text(ROSTER)
    (tmp_path / "interactions.csv").write_text(INTERACTIONS)
    ws = Workspace.init(tmp_path / "ws", settings={"tie_min_interactions": 2, "min_group_size": 1, "senior_level": "M1"})
    ingest.ingest(ws, "roster", tmp_path / "roster.csv")
    ingest.ingest(ws, "interactions", tmp_path / "interactions.csv")
    analyze(ws, window="month")
    yield ws
    ws.close()


def test_a_tie_needs_the_analysis_minimum_of_interactions_in_one_direction_from_the_start(small):
    rows, _, summary = onboarding.compute(small)
    p = {e: small.pseudonymiser.person(e) for e in ("J1", "J2", "K1", "L1", "M1")}
    by = _by_joiner(rows)
    # The data begin on 2026-02-23: J2, hired that day, is a joiner; K1, hired the week before, is not (their
    # first week is not in the data); L1 left before the end of the data: not a joiner to follow.
    assert set(by) == {p["J1"], p["J2"]} and summary["joiners"] == 2
    assert summary["tie_min_interactions"] == 2 and summary["senior_levels"] == ["M1", "VP"]
    jo = by[p["J1"]]
    # Data ends 2026-03-29: J1's weeks 1 to 4 are complete.
    assert sorted(jo) == [1, 2, 3, 4]
    # Week 1: two messages to the manager (one before the start, to Pat, does not count).
    # Week 2: one message each way with Rob is no tie; the meeting (once) is no tie either.
    # Week 3: two e-mails from Pat: a tie (same team).
    figures = {k: (r["ties"], r["ties_outside_team"], r["ties_senior"], r["new_ties"]) for k, r in jo.items()}
    assert figures == {1: (1, 0, 1, 1), 2: (1, 0, 1, 0), 3: (2, 0, 1, 1), 4: (2, 0, 1, 0)}
    assert jo[1]["manager"] == p["M1"] and jo[1]["cohort"] == "2026-03"
    assert jo[4]["week_end"] == dt.date(2026, 3, 29)


def test_senior_level_must_name_a_roster_level(small):
    small.settings["senior_level"] = "Wizard"
    with pytest.raises(SettingsError, match=r"setting 'senior_level': unknown level 'Wizard'.*most junior first: IC1"):
        onboarding.compute(small)


def test_an_import_after_an_analysis_and_a_measure_on_the_same_workspace_works(small, tmp_path):
    """Ibis turns off DuckDB's scans of Python variables on the connection it is given; the importers need them."""
    onboarding.measure(small)
    analyze(small, window="month")
    more = tmp_path / "more.csv"
    more.write_text("timestamp,sender,recipients,channel\n2026-03-20T09:00:00Z,jo@acme.example,rob@acme.example,chat\n")
    assert ingest.ingest(small, "interactions", more).rows_imported == 1
