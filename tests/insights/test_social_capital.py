"""The social capital index: its figures against the person metrics, only groups the disclosure rules show, and a
leader's part of the org chart."""

from __future__ import annotations

import pytest

from socialhr.results import Viewer, read

pytestmark = pytest.mark.slow


def test_components_and_index_against_person_metrics(planted_ws):
    wid = planted_ws.db.execute("SELECT window_id FROM network_windows ORDER BY ordinal LIMIT 1").fetchone()[0]
    pm = planted_ws.db.execute('SELECT department, network_size, network_size_external, "constraint", isolated '
                               "FROM person_metrics WHERE window_id = ?", [wid]).df()
    rows = read(planted_ws, "social_capital", window=wid, dimension="department").to_arrow().to_pylist()
    shown = {r["group"] for r in read(planted_ws, "group_metrics", window=wid, dimension="department").to_arrow().to_pylist()}
    assert {r["group"] for r in rows} == shown and shown  # exactly the groups the disclosure rules show

    def comp(d):
        return {"network_size": d.network_size.mean(), "cross_team": d.network_size_external.sum() / d.network_size.sum(),
                "brokerage": (1 - d["constraint"]).mean(), "isolation": d.isolated.astype(float).mean()}

    org = comp(pm)
    for r in rows:
        mine = comp(pm[pm.department == r["group"]])
        for c, v in mine.items():
            assert r[c] == pytest.approx(v)
        expect = [100 * mine[c] / org[c] for c in ("network_size", "cross_team", "brokerage")]
        expect.append(100 * (1 - mine["isolation"]) / (1 - org["isolation"]))
        assert r["index"] == pytest.approx(sum(expect) / 4)
        assert r["members"] == (pm.department == r["group"]).sum()


def test_organization_trend_is_against_its_first_window(planted_ws):
    rows = [r for r in read(planted_ws, "social_capital", window="*").to_arrow().to_pylist() if r["dimension"] == "organization"]
    assert len(rows) >= 2
    assert rows[0]["index"] == pytest.approx(100.0)
    assert rows[1]["network_size_score"] == pytest.approx(100 * rows[1]["network_size"] / rows[0]["network_size"])


def test_a_leader_sees_only_their_part(planted_ws):
    wid = planted_ws.db.execute("SELECT window_id FROM network_windows ORDER BY ordinal LIMIT 1").fetchone()[0]
    rows = read(planted_ws, "social_capital", window=wid, viewer=Viewer.leader(("department", "Finance"))).to_arrow().to_pylist()
    groups = {(r["dimension"], r["group"]) for r in rows if r["dimension"] != "organization"}
    assert ("department", "Finance") in groups
    assert not any(d == "department" and g != "Finance" for d, g in groups)
    teams = {g for d, g in groups if d == "team"}
    finance_teams = {t for (t,) in planted_ws.db.execute(
        "SELECT DISTINCT team FROM person_metrics WHERE window_id = ? AND department = 'Finance'", [wid]).fetchall()}
    assert teams and teams <= finance_teams


def test_only_the_baseline_and_the_windows_asked_for_are_read(planted_ws):
    """The organization's trend needs its first shown window: reading one later window reads that one and the first,
    not the windows between, and gives the figures a read of every window gives."""
    from types import SimpleNamespace

    from socialhr.insights import social_capital
    from socialhr.results.aggregates import Aggregates

    db = planted_ws.db
    ids = [w for (w,) in db.execute("SELECT window_id FROM network_windows ORDER BY ordinal").fetchall()]
    assert len(ids) >= 3
    read_windows = []

    class Recorder:
        def execute(self, sql, params=()):
            if "person_metrics" in sql:
                read_windows.append(params[0])
            return db.execute(sql, params)

    aggregates = Aggregates(db, planted_ws.settings)
    every = social_capital.rows(planted_ws, aggregates, ids)
    last = social_capital.rows(SimpleNamespace(db=Recorder()), aggregates, ids[-1:])
    assert sorted(read_windows) == sorted([ids[0], ids[-1]])
    assert last == [r for r in every if r["window_id"] == ids[-1]] and last
