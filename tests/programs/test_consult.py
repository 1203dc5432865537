"""Consultations: who took part, across the network and beyond its core (docs/programs.md#consultations)."""

from __future__ import annotations

import csv
import json

import networkx as nx
import numpy as np
import pytest
from scipy.stats import rankdata
from typer.testing import CliRunner

from socialhr.cli import app
from socialhr.errors import InputError, SocialHRError
from socialhr.ingest import ingest
from socialhr.programs import consult
from socialhr.programs.population import load
from socialhr.results import Viewer, read

runner = CliRunner()


def _write_comments(path, rows):
    fields = sorted({k for r in rows for k in r})
    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=fields)
        w.writeheader()
        w.writerows(rows)
    return path


def _open(ws, tmp_path, **kw):
    kw.setdefault("opens", "2026-09-01")
    kw.setdefault("closes", "2026-09-20")
    return consult.open_consultation(ws, title=kw.pop("title", "Payroll dates"), text=kw.pop("text", "Payday moves to the 25th."), **kw)


def _silent_community_consultation(ws, tmp_path, *, seed=0):
    """Everyone is asked; a third of the people outside one planted-silent community comment; returns (cid, silent community, participants)."""
    pop = load(ws)
    sizes = np.bincount(pop.community[pop.community >= 0])
    silent = int(np.argsort(sizes)[-2])  # the second largest community says nothing
    ids = ws.vault.employee_ids()
    rng = np.random.default_rng(seed)
    by_id = sorted(range(len(pop)), key=lambda i: ids[pop.person[i]])  # the same speakers whatever the pseudonymisation key
    first = {min(np.flatnonzero(pop.community == c), key=lambda i: ids[pop.person[i]]) for c in set(pop.community.tolist())}
    speakers = [i for i in by_id if pop.community[i] != silent and (rng.random() < 0.3 or i in first)]
    cid = _open(ws, tmp_path)
    rows = [{"author": ids[pop.person[i]], "text": f"comment {k}", "comment_id": f"c{k}", "timestamp": "2026-09-02T10:00:00+00:00"}
            for k, i in enumerate(speakers)]
    consult.import_comments(ws, cid, _write_comments(tmp_path / "comments.csv", rows))
    return cid, silent, set(pop.person[speakers].tolist())


def _independent_positions(ws, pop):
    """Core, middle, periphery from NetworkX's core numbers and SciPy's average ranks (docs/programs.md#consultations)."""
    g = nx.Graph()
    g.add_nodes_from(pop.person.tolist())
    people = set(pop.person.tolist())
    for a, b in ws.db.execute("SELECT DISTINCT source, target FROM network_edges WHERE channel = 'all'").fetchall():
        if a in people and b in people and a != b:
            g.add_edge(a, b)
    core = nx.core_number(g)
    key = np.array([core[p] * 100_000 + g.degree(p) for p in pop.person])
    share = (rankdata(key, method="average") - 0.5) / len(key)
    return {p: ("core" if s >= 2 / 3 else "periphery" if s < 1 / 3 else "middle") for p, s in zip(pop.person, share)}


def test_a_planted_silent_community_shows_and_core_periphery_match_an_independent_computation(org_ws, tmp_path):
    cid, silent, spoke = _silent_community_consultation(org_ws, tmp_path)
    pop = load(org_ws)
    rows = read(org_ws, "consultation_reach", consultation=cid).to_arrow().to_pylist()
    summary = {r["metric"]: r["value"] for r in read(org_ws, "consultation_summary", consultation=cid).to_arrow().to_pylist()}
    silent_name = pop.describe_community(silent)
    by = {(r["dimension"], r["group"]): r for r in rows}
    assert by[("community", silent_name)]["participants"] == 0 and by[("community", silent_name)]["rate"] == 0
    shown = [r for r in rows if r["dimension"] == "community" and r["withheld"] is None and r["group"] != silent_name]
    assert shown and all(r["participants"] > 0 for r in shown), "every other community spoke"
    n_comm = len(set(pop.community[pop.community >= 0].tolist()))
    assert summary["communities_in_audience"] == n_comm
    assert summary["communities_represented"] == n_comm - 1
    assert summary["participants"] == len(spoke)
    # Core, middle and periphery: the same people and rates as NetworkX's core numbers give.
    band = _independent_positions(org_ws, pop)
    for b in ("core", "middle", "periphery"):
        members = [p for p in pop.person if band[p] == b]
        rate = sum(p in spoke for p in members) / len(members)
        assert by[("network_position", b)]["audience"] == len(members)
        assert summary[f"{b}_rate"] == pytest.approx(rate)
    # The largest community's share of the voices, and the Gini of the communities' rates, from the counts.
    per = {c: (int((pop.community == c).sum()), sum(p in spoke for p in pop.person[pop.community == c]))
           for c in set(pop.community[pop.community >= 0].tolist())}
    counts = np.array([k for _, k in per.values()], dtype=float)
    assert summary["largest_community_share"] == pytest.approx(counts.max() / counts.sum())
    rates = np.sort([k / n for n, k in per.values()])
    mean_abs_diff = np.abs(rates[:, None] - rates[None, :]).mean()
    assert summary["gini_participation_rate"] == pytest.approx(mean_abs_diff / (2 * rates.mean()))


def test_small_groups_are_withheld_and_a_larger_minimum_withholds_more(org_ws, tmp_path):
    cid, _, _ = _silent_community_consultation(org_ws, tmp_path)
    result = read(org_ws, "consultation_reach", consultation=cid)
    rows = result.to_arrow().to_pylist()
    # What it withheld is in its rows; the analysis' own withheld groups (another population) are not added.
    assert result.withheld == [] and read(org_ws, "withheld").to_arrow().num_rows > 0
    shown = [r for r in rows if r["withheld"] is None]
    withheld = [r for r in rows if r["withheld"] is not None]
    assert all(r["audience"] >= 5 for r in shown)
    assert any(r["withheld"] == "fewer than 5 people" for r in withheld), "the roster has levels of fewer than 5 (the CEO)"
    assert all(r["audience"] is None and r["participants"] is None and r["rate"] is None for r in withheld)
    # Nothing withheld can be recovered by subtraction: each dimension's withheld groups hold 0 or at least 5 people.
    pop = load(org_ws)
    for dim in ("department", "level", "location"):
        hidden = [r["group"] for r in withheld if r["dimension"] == dim]
        assert sum(v in hidden for v in getattr(pop, dim)) in (0,) or sum(v in hidden for v in getattr(pop, dim)) >= 5
    org_ws.settings["min_group_size"] = 40
    org_ws.cache.clear()
    more = read(org_ws, "consultation_reach", consultation=cid).to_arrow().to_pylist()
    assert sum(r["withheld"] is not None for r in more) > len(withheld)
    assert all(r["audience"] >= 40 for r in more if r["withheld"] is None)


def test_an_audience_below_the_minimum_withholds_everything(org_ws, tmp_path):
    pop = load(org_ws)
    teams = {t: pop.team.count(t) for t in set(pop.team) if t}
    small = min(teams, key=teams.get)
    assert teams[small] < 5, "the synthetic organization has a team of fewer than 5"
    cid = _open(org_ws, tmp_path, audience=[f"team={small}"])
    summary = read(org_ws, "consultation_summary", consultation=cid).to_arrow().to_pylist()
    assert [(r["metric"], r["value"]) for r in summary if r["metric"] not in ("as_of", "window_id")] == [("withheld", None)]
    assert all(r["withheld"] for r in read(org_ws, "consultation_reach", consultation=cid).to_arrow().to_pylist())


def test_the_audience_limits_who_is_asked_and_leaders_read_the_figures(org_ws, tmp_path):
    pop = load(org_ws)
    cid = _open(org_ws, tmp_path, audience=["department=Engineering", "department=Sales"])
    rows = read(org_ws, "consultation_reach", consultation=cid, viewer=Viewer.leader()).to_arrow().to_pylist()
    assert {r["group"] for r in rows if r["dimension"] == "department"} == {"Engineering", "Sales"}
    # A leader of one department reads the groups inside it only.
    scoped = read(org_ws, "consultation_reach", consultation=cid, viewer=Viewer.leader(("department", "Sales"))).to_arrow().to_pylist()
    assert ("department", "Sales") in {(r["dimension"], r["group"]) for r in scoped}
    assert ("department", "Engineering") not in {(r["dimension"], r["group"]) for r in scoped}
    assert len(scoped) < len(rows)
    assert not [r for r in scoped if r["dimension"] == "network_position"], "core, middle and periphery mix departments"
    asked = sum(d in ("Engineering", "Sales") for d in pop.department)
    summary = {r["metric"]: r["value"] for r in read(org_ws, "consultation_summary", consultation=cid).to_arrow().to_pylist()}
    assert summary["audience"] == asked and summary["participants"] == 0
    with pytest.raises(InputError, match="the roster has no field 'dept'"):
        _open(org_ws, tmp_path, audience=["dept=Sales"])
    with pytest.raises(InputError, match="no one on the roster has department 'sales'. Did you mean 'Sales'"):
        _open(org_ws, tmp_path, audience=["department=sales"])
    # A declared roster attribute works as a field too.
    full_time = sum(a.get("employment_type") == "Full-time" for a in pop.attributes)
    assert 0 < full_time < len(pop)
    cid = _open(org_ws, tmp_path, audience=["employment_type=Full-time"])
    summary = {r["metric"]: r["value"] for r in read(org_ws, "consultation_summary", consultation=cid).to_arrow().to_pylist()}
    assert summary["audience"] == full_time


def test_no_text_reaches_the_analytics_database(org_ws, tmp_path):
    ids = org_ws.vault.employee_ids()
    a, b = sorted(ids.values())[:2]
    cid = _open(org_ws, tmp_path, title="Secret title XQZ", text="The payroll text XQZ")
    consult.import_comments(org_ws, cid, _write_comments(tmp_path / "c.csv", [
        {"author": a, "text": "a comment XQZ", "comment_id": "w-1", "endorsed_by": b, "timestamp": "2026-09-03T08:00:00Z"},
    ]))
    org_ws.db.execute("CHECKPOINT")
    dump = ""
    for (table,) in org_ws.db.execute("SELECT table_name FROM duckdb_tables()").fetchall():
        dump += repr(org_ws.db.execute(f'SELECT * FROM "{table}"').fetchall())
    assert "XQZ" not in dump and "w-1" not in dump
    assert b"XQZ" not in (org_ws.path / "socialhr.duckdb").read_bytes()
    # The people running it read the texts from the vault.
    t = consult.text(org_ws, cid)
    assert (t["title"], t["text"], t["comments"]) == ("Secret title XQZ", "The payroll text XQZ", [{"comment_no": 1, "text": "a comment XQZ"}])
    kinds = org_ws.db.execute("SELECT kind, comment_no FROM consultation_participation ORDER BY kind").fetchall()
    assert kinds == [("comment", 1), ("endorse", 1)]


def test_comments_import_endorse_rows_once_each_and_refuses_bad_rows_whole(org_ws, tmp_path, snap):
    ids = sorted(org_ws.vault.employee_ids().values())
    cid = _open(org_ws, tmp_path)
    first = _write_comments(tmp_path / "one.csv", [
        {"author": ids[0], "text": "Move it to the 28th", "comment_id": "c1", "endorsed_by": f"{ids[1]};{ids[2]}",
         "timestamp": "2026-09-02T09:00:00Z"},
        {"author": ids[3], "endorses": "c1", "timestamp": "2026-09-02T10:00:00Z"},
        {"author": ids[4], "text": "Fine by me", "timestamp": "2026-09-03T10:00:00Z"},
    ])
    assert consult.import_comments(org_ws, cid, first) == {"rows": 3, "comments": 2, "endorsements": 3, "already_imported": 0}
    assert consult.import_comments(org_ws, cid, first) == {"rows": 3, "comments": 0, "endorsements": 0, "already_imported": 5}
    # A later file endorses a comment imported before, by its comment_id.
    later = _write_comments(tmp_path / "two.csv", [{"author": ids[5], "endorses": "c1", "timestamp": "2026-09-04T10:00:00Z"}])
    assert consult.import_comments(org_ws, cid, later)["endorsements"] == 1
    people = {p for p, _, _ in consult.participants(org_ws, cid)}
    assert people == {org_ws.pseudonymiser.person(i) for i in ids[:6]}
    before = snap(org_ws)
    cases = [
        ([{"author": "E999999", "text": "x", "timestamp": "2026-09-02T09:00:00Z"}],
         "bad.csv, line 2, field 'author': not anyone on the roster: 'E999999'. Give the employee id or work e-mail of the employee who wrote the row."),
        ([{"author": ids[0], "text": "x", "timestamp": "2026-09-02T09:00:00Z"}, {"author": ids[1], "endorses": "c9", "timestamp": "2026-09-02T09:00:00Z"}],
         "bad.csv, line 3, field 'endorses': no comment with comment_id 'c9' in this file or imported before. An endorsement names the comment_id of the comment it endorses."),
        ([{"author": ids[0], "text": "x", "timestamp": "2026-10-02T09:00:00Z"}],
         "bad.csv, line 2, field 'timestamp': 2026-10-02 09:00 is outside the consultation (2026-09-01 to 2026-09-21). Only what was written while the consultation was open counts; leave such rows out."),
        ([{"author": ids[0], "text": "", "endorses": "", "timestamp": "2026-09-02T09:00:00Z"}],
         "bad.csv, line 2, field 'text': a row needs either a text (a comment) or endorses (a comment id), not neither. Put each endorsement on a row of its own, or in endorsed_by."),
    ]
    for rows, message in cases:
        with pytest.raises(InputError) as e:
            consult.import_comments(org_ws, cid, _write_comments(tmp_path / "bad.csv", rows))
        assert str(e.value) == message
        assert snap(org_ws) == before


def test_a_linked_channels_messages_during_the_consultation_count(rostered, data):
    ws = rostered
    ingest(ws, "slack", data / "slack" / "export")
    cid = consult.open_consultation(ws, title="t", text="x", opens="2026-07-02", closes="2026-07-02")
    with pytest.raises(SocialHRError, match="no Slack or Teams channel named 'nope'"):
        consult.link(ws, cid, "nope")
    assert consult.link(ws, cid, "#general")["kind"] == "slack_channel"
    got = consult.participants(ws, cid)
    expected = ws.db.execute("""SELECT i.sender, i."timestamp" FROM interactions i JOIN groups g ON g.group_id = i.context
                                WHERE g.name = 'general' AND i."timestamp" >= '2026-07-02' AND i."timestamp" < '2026-07-03'
                                ORDER BY 2, 1""").fetchall()
    assert len(expected) >= 3
    assert [(p, t) for p, k, t in got if k == "channel"] == [tuple(r) for r in expected]
    # Messages in other channels, or before it opened (1 July), do not count.
    assert all(t.day == 2 for _, _, t in got)


def test_cli_opens_lists_imports_links_reports_and_closes(org_ws, tmp_path):
    path = org_ws.path
    employee = org_ws.vault.employee_ids()
    ids = [employee[p] for p in load(org_ws).person[:30]]  # (people employed now: the audience)
    org_ws.close()
    text = tmp_path / "change.md"
    text.write_text("Payday moves to the 25th.")
    r = runner.invoke(app, ["consult", str(path), "open", "--title", "Payroll dates", "--text-file", str(text),
                            "--opens", "2026-09-01", "--closes", "2026-09-20"])
    assert r.exit_code == 0, r.output
    assert "Opened consultation 1" in r.output
    comments = _write_comments(tmp_path / "c.csv", [{"author": i, "text": f"c {i}", "timestamp": "2026-09-02T09:00:00Z"} for i in ids[:30]])
    r = runner.invoke(app, ["consult", str(path), "comments", "1", str(comments)])
    assert r.exit_code == 0 and "Imported 30 comments and 0 endorsements" in r.output, r.output
    r = runner.invoke(app, ["consult", str(path), "list"])
    assert r.exit_code == 0 and "Payroll" in r.output, r.output
    r = runner.invoke(app, ["consult", str(path), "report", "1", "--json"])
    assert r.exit_code == 0, r.output
    out = json.loads(r.output)
    assert out["summary"]["participants"] == 30 and out["groups"]
    r = runner.invoke(app, ["consult", str(path), "report", "1"])
    assert r.exit_code == 0 and f"30 of {out['summary']['audience']:,} people asked took part" in r.output.replace("\n", " "), r.output
    r = runner.invoke(app, ["consult", str(path), "close", "1"])
    assert r.exit_code == 0
    r = runner.invoke(app, ["consult", str(path), "close", "1"])
    assert r.exit_code == 1 and "was closed on" in r.output
    r = runner.invoke(app, ["consult", str(path), "report"])
    assert r.exit_code == 1 and "report needs the consultation's ID" in r.output
