"""Adoption of collaboration spaces, on a Slack export written here in Slack's real layout with planted patterns:
a thriving channel, a ghost town, a declining channel, and one too small to show."""

from __future__ import annotations

import datetime as dt
import json
import zipfile

import numpy as np
import pytest

from socialhr import ingest
from socialhr.insights import adoption
from socialhr.results import Viewer, read
from socialhr.workspace import Workspace

END = dt.date(2026, 3, 29)
PEOPLE = [f"E{i:02d}" for i in range(1, 41)]
TEAM = {p: ("A1" if i < 10 else "A2" if i < 20 else "B1" if i < 30 else "B2") for i, p in enumerate(PEOPLE)}


def _ts(days_before_end: int, n: int) -> str:
    t = dt.datetime.combine(END - dt.timedelta(days=days_before_end), dt.time(9, 0), tzinfo=dt.timezone.utc)
    return f"{int(t.timestamp()) + 60 * n}.{n:06d}"


def _uid(p: str) -> str:
    return "U" + p


def _plan() -> dict[str, list[tuple[int, str, str | None]]]:
    """Per channel: (days before the end, poster, the poster of the thread replied to, or None for a new thread)."""
    thriving = []
    for d in range(84):
        a, b = PEOPLE[(d * 3) % 40], PEOPLE[(d * 3 + 11) % 40]
        thriving += [(d, a, None), (d, b, a)]
    ghost = []
    for d in range(28, 84):  # busy until a month ago; 4 of the 20 members never post
        ghost += [(d, PEOPLE[(d + i) % 16], None) for i in range(0, 8, 7)]
    ghost += [(10, "E05", None), (9, "E06", "E05")]  # then one thread and one reply
    declining = []
    for d in range(28, 56):
        declining += [(d, PEOPLE[20 + (d % 10)], None)]  # 10 people post in the 28 days before
    for d in range(28):
        declining += [(d, PEOPLE[20 + (d % 4)], None)]  # 4 in the last 28: fell 60%, yet 4 start threads
    tiny = [(d, PEOPLE[d % 3], None) for d in range(20)]
    return {"thriving": thriving, "ghost": ghost, "declining": declining, "tiny": tiny}


MEMBERS = {"thriving": PEOPLE, "ghost": PEOPLE[:20], "declining": PEOPLE[20:], "tiny": PEOPLE[:3]}


def _export(path) -> None:
    plan = _plan()
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("users.json", json.dumps([{"id": _uid(p), "name": p.lower(), "deleted": False, "is_bot": False,
                                              "profile": {"real_name": p, "email": f"{p.lower()}@acme.example"}} for p in PEOPLE]))
        z.writestr("channels.json", json.dumps([{"id": f"C{i}", "name": name, "created": 1767225600, "creator": _uid(MEMBERS[name][0]),
                                                 "is_archived": False, "members": [_uid(p) for p in MEMBERS[name]]}
                                                for i, name in enumerate(plan)]))
        for name, msgs in plan.items():
            days: dict[dt.date, list] = {}
            parents: dict[tuple[int, str], str] = {}
            for n, (d, who, replied) in enumerate(sorted(msgs, key=lambda m: (-m[0], m[2] is not None))):
                ts = _ts(d, n)
                msg = {"type": "message", "user": _uid(who), "text": "x", "ts": ts}
                if replied is None:
                    parents[(d, who)] = ts
                else:
                    parent = next(v for (pd, pw), v in sorted(parents.items(), key=lambda kv: kv[0][0]) if pw == replied)
                    msg.update(thread_ts=parent, parent_user_id=_uid(replied))
                days.setdefault(END - dt.timedelta(days=d), []).append(msg)
            for day, day_msgs in days.items():
                z.writestr(f"{name}/{day.isoformat()}.json", json.dumps(day_msgs))


@pytest.fixture(scope="module")
def spaces_ws(tmp_path_factory):
    root = tmp_path_factory.mktemp("adoption")
    roster = root / "roster.csv"
    roster.write_text("employee_id,email,name,department,team,manager_id,level,location,hire_date\n" + "".join(
        f"{p},{p.lower()}@acme.example,{p},{TEAM[p][0]},{TEAM[p]},,IC,London,2020-01-01\n" for p in PEOPLE))
    _export(root / "slack.zip")
    with Workspace.init(root / "ws") as ws:
        ingest.ingest(ws, "roster", roster)
        ingest.ingest(ws, "slack", root / "slack.zip")
    return root / "ws"


@pytest.fixture
def rows(spaces_ws):
    with Workspace.open(spaces_ws) as ws:
        return {r["name"]: r for r in adoption.spaces(ws)}


def test_statuses_follow_the_documented_rule(rows):
    assert rows["thriving"]["status"] == "active"
    assert rows["ghost"]["status"] == "ghost town"
    assert rows["declining"]["status"] == "declining"  # fell by 60%, but 4 people still start threads (>= 3)
    assert rows["tiny"]["status"] == "withheld" and rows["tiny"]["members"] is None and rows["tiny"]["messages"] is None


def test_creators_contributors_lurkers_and_gini_against_the_plan(rows):
    plan = _plan()["ghost"]
    members = MEMBERS["ghost"]
    starters = {w for _, w, r in plan if r is None}
    repliers = {w for _, w, r in plan if r is not None} - starters
    r = rows["ghost"]
    assert (r["creators"], r["contributors"], r["lurkers"]) == (len(starters), len(repliers), len(members) - len(starters | repliers))
    assert r["messages"] == len(plan)
    last = [m for m in plan if m[0] < 28]
    assert (r["active_last_4w"], r["creators_last_4w"], r["messages_last_4w"]) == (2, 1, len(last))
    counts = np.array([sum(1 for _, w, _ in plan if w == p) for p in members], dtype=float)
    mean_abs_diff = np.abs(counts[:, None] - counts[None, :]).sum() / (2 * len(counts) ** 2 * counts.mean())
    assert r["gini"] == pytest.approx(mean_abs_diff)


def test_activity_and_reach(rows):
    r = rows["thriving"]
    plan = _plan()["thriving"]
    last = [m for m in plan if m[0] < 28]
    daily = [len({w for d, w, _ in last if d == day}) for day in range(28)]
    assert r["dau"] == pytest.approx(sum(daily) / 28)
    assert r["mau"] == len({w for _, w, _ in last})
    assert r["stickiness"] == pytest.approx(r["dau"] / r["mau"])
    # Replies go from (3d + 11) to 3d: another team unless both fall in one team of ten.
    crossing = [TEAM[PEOPLE[(d * 3 + 11) % 40]] != TEAM[PEOPLE[(d * 3) % 40]] for d in range(84)]
    assert r["cross_team_share"] == pytest.approx(sum(crossing) / len(crossing))
    assert r["departments_reached"] == 2 and rows["ghost"]["departments_reached"] == 1
    # The last 28 days are the end and the 27 days before it.
    assert (rows["declining"]["messages_last_4w"], rows["declining"]["messages_prev_4w"]) == (28, 28)
    assert rows["declining"]["change"] == 0.0


def test_read_path_every_role_and_cli(spaces_ws, tmp_path):
    from typer.testing import CliRunner

    from socialhr.cli import app

    with Workspace.open(spaces_ws) as ws:
        person = ws.pseudonymiser.person("E01")
        for viewer in (Viewer.analyst(), Viewer.leader(), Viewer.employee(person)):
            names = read(ws, "adoption", viewer=viewer).to_arrow().column("name").to_pylist()
            assert sorted(names) == ["declining", "ghost", "thriving", "tiny"]
    r = CliRunner().invoke(app, ["adoption", str(spaces_ws)])
    assert r.exit_code == 0, r.output
    assert "4 spaces: 1 active, 1 declining, 1 ghost town, 1 withheld." in r.output
    assert r.output.index("ghost") < r.output.index("thriving")  # ghost towns first


def test_stricter_settings_change_the_verdict(spaces_ws, tmp_path):
    import shutil

    path = tmp_path / "ws"
    shutil.copytree(spaces_ws, path)
    with Workspace.open(path) as ws:
        ws.settings["ghost_town_min_creators"] = 5
        assert {r["name"]: r["status"] for r in adoption.spaces(ws)}["declining"] == "ghost town"
        ws.settings["min_group_size"] = 25
        assert {r["name"]: r["status"] for r in adoption.spaces(ws)}["ghost"] == "withheld"


def test_a_space_adoption_target_is_tracked_every_window(spaces_ws, tmp_path):
    """socialhr targets DIR set "channel=#ghost" space_active_share ">=" 0.5: the share of the space's members who
    posted, in each analysis window, recomputed from the plan; a space below the minimum group size has no data."""
    import shutil

    from socialhr.errors import InputError
    from socialhr.insights import targets
    from socialhr.network.analyze import analyze

    path = tmp_path / "ws"
    shutil.copytree(spaces_ws, path)
    with Workspace.open(path) as ws:
        analyze(ws, window="28d")
        far = dt.date(2030, 1, 1)
        ghost = targets.add(ws, "channel=#ghost", "space_active_share", ">=", 0.5, far)
        thriving = targets.add(ws, "space=thriving", "space_active_share", ">=", 0.2, far)
        tiny = targets.add(ws, "space=tiny", "space_active_share", ">=", 0.2, far)
        windows = ws.db.execute("SELECT window_id, window_start, window_end FROM network_windows ORDER BY ordinal").fetchall()
        progress = read(ws, "target_progress").to_arrow().to_pylist()
        status = {r["target_id"]: r for r in read(ws, "targets").to_arrow().to_pylist()}
        for tid, name in ((ghost, "ghost"), (thriving, "thriving")):
            expect = []
            for _, start, end in windows:
                posters = {w for d, w, _ in _plan()[name] if start <= END - dt.timedelta(days=d) < end}
                expect.append(len(posters) / len(set(MEMBERS[name]) | posters))
            assert [p["value"] for p in progress if p["target_id"] == tid] == pytest.approx(expect)
        assert status[ghost]["status"] == "at risk" and status[ghost]["latest"] == pytest.approx(2 / 20)
        assert status[ghost]["projected"] == 0.0  # the falling trend, held at 0: a share cannot be negative
        assert status[ghost]["description"] == "share of members active (posting) of space=ghost >= 0.5 by 2030-01-01"
        assert status[thriving]["status"] == "on track"
        assert status[tiny]["status"] == "no data" and all(p["value"] is None for p in progress if p["target_id"] == tiny)
        for scope, metric, message in (("space=nowhere", "space_active_share", "no collaboration space 'nowhere'"),
                                       ("organization", "space_active_share", "measured for a collaboration space"),
                                       ("space=ghost", "network_size", "measured for organization units, not spaces")):
            with pytest.raises(InputError, match=message):
                targets.add(ws, scope, metric, ">=", 0.5, far)
        assert ws.db.execute("SELECT count(*) FROM targets").fetchone()[0] == 3
