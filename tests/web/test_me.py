"""The employee's own pages: only their own rows, and their peers' range under the minimum group size."""

from __future__ import annotations

import numpy as np

from socialhr import results
from socialhr.results import Viewer
from socialhr.workspace import Workspace


def _person(web_org, who):
    with Workspace.open(web_org["path"], read_only=True) as ws:
        return ws.pseudonymiser.person(web_org["employees"][who])


def test_me_shows_only_my_own_rows(client, web_org):
    me, other = _person(web_org, "emp"), _person(web_org, "emp2")
    body = client("emp").get("/api/me").json()
    net = body["network"]
    assert net["metrics"]["person"] == me and {"window", "metrics", "ties"} <= set(net)
    assert len(net["colleagues"]) == net["metrics"]["network_size"]
    text = repr(body)
    for h in net["history"]:
        assert set(h) >= {"window_id", "network_size"}
    # emp2's own metrics never appear in emp's answer
    theirs = client("emp2").get("/api/me").json()["network"]
    assert theirs["metrics"]["person"] == other and other != me
    assert f"'person': '{other}'" not in text
    page = client("emp").get("/me")
    assert page.status_code == 200 and "Where you stand among your peers" in page.text


def test_analyst_without_roster_link_gets_not_linked(client):
    page = client("ada").get("/me", headers={"accept": "text/html"})
    assert "not linked" in page.text
    assert client("ada").get("/api/me").json()["network"] is None


def test_peer_range_equals_direct_quantiles_and_small_groups_are_withheld(web_org):
    with Workspace.open(web_org["path"], read_only=True) as ws:
        got = results.read(ws, "peer_range", dimension="level")
        rows = got.to_arrow().to_pylist()
        wid = rows[0]["window_id"]
        assert rows
        for r in rows[:8]:
            vals = [v for (v,) in ws.db.execute(f'SELECT "{r["metric"]}" FROM person_metrics WHERE window_id = ? AND level = ?',
                                                 [wid, r["group"]]).fetchall()]
            assert r["people"] == len(vals) >= ws.settings["min_group_size"]
            assert [r["p25"], r["median"], r["p75"]] == list(np.percentile(vals, [25, 50, 75]))
        sizes = dict(ws.db.execute("SELECT level, count(*) FROM person_metrics WHERE window_id = ? GROUP BY 1", [wid]).fetchall())
        shown = {r["group"] for r in rows}
        small = {g for g, n in sizes.items() if n < ws.settings["min_group_size"]}
        assert not shown & small
        assert all(w["group"] not in shown for w in got.withheld if w["dimension"] == "level")


def test_employee_reads_only_own_ties_and_suggestions(web_org):
    me = _person(web_org, "emp")
    with Workspace.open(web_org["path"], read_only=True) as ws:
        for table in ("person_ties", "reach_suggestions"):
            rows = results.read(ws, table, viewer=Viewer.employee(me)).to_arrow().to_pylist()
            assert {r["person"] for r in rows} <= {me}
            everyone = results.read(ws, table).to_arrow().to_pylist()
            assert len({r["person"] for r in everyone}) > 1
