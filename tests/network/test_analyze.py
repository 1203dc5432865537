"""analyze() end to end on a small organization: stored results, privacy, trends, exports."""

from __future__ import annotations

import json
import random

import networkx as nx
import pyarrow.parquet as pq
import pytest

from socialhr.errors import SocialHRError
from socialhr.export import export_table, read_table
from socialhr.network.analyze import analyze

DEPTS, TEAMS, PER_TEAM = 3, 2, 6


def person(d, t, i):
    return f"{d}{t}{i:02d}".rjust(16, "0")


@pytest.fixture
def org(ws, add_person, add_interaction, add_identity):
    rng = random.Random(4)
    people = [person(d, t, i) for d in range(DEPTS) for t in range(TEAMS) for i in range(PER_TEAM)]
    for p in people:
        add_person(ws, p, department=f"D{p[-4]}", team=f"D{p[-4]}T{p[-3]}", hire_date="2020-01-01",
                   attributes=json.dumps({"site": "north" if int(p[-1]) % 2 else "south"}))
    add_person(ws, "isolated".rjust(16, "0"), department="D0", team="D0T0")
    add_person(ws, "joiner".rjust(16, "0"), department="D1", team="D1T0", hire_date="2024-02-10")
    ws.vault.add_people([(p, f"E{k:03d}", None, None) for k, p in enumerate(people)])
    shrinker = people[0]
    for month in ("01", "02"):
        for p in people:
            if month == "02" and p == shrinker:
                continue  # disengages in February: writes to no one, and no one to them
            gone = {shrinker} if month == "02" else set()
            mates = [q for q in people if q[:-2] == p[:-2] and q != p and q not in gone]
            others = [q for q in people if q[-4] != p[-4] and q not in gone]
            for q in rng.sample(mates, 4) + rng.sample(others, 1):
                add_interaction(ws, f"2024-{month}-{rng.randint(1, 28):02d} 09:00:00+00", p, [q], channel=rng.choice(["email", "chat"]))
        if month == "02":
            add_interaction(ws, "2024-02-20 09:00:00+00", "joiner".rjust(16, "0"), people[12:16], kind="meeting", channel="calendar")
    add_identity(ws, "ext-token", "email", None, "external")
    add_interaction(ws, "2024-01-03 09:00:00+00", people[1], ["ext-token"])
    return ws, people, shrinker


def test_summary_and_tables(org):
    ws, people, _ = org
    summary = analyze(ws)
    assert [w["window_id"] for w in summary["windows"]] == ["2024-01", "2024-02"]
    assert [w["people"] for w in summary["windows"]] == [len(people) + 1, len(people) + 2]
    assert summary["windows"][0]["betweenness"] == {"method": "exact"}
    org_all = ws.db.execute("SELECT isolated_people, lcc_share FROM org_metrics WHERE window_id = '2024-01' AND channel = 'all'").fetchone()
    assert org_all[0] == 1 and org_all[1] == pytest.approx(len(people) / (len(people) + 1))
    channels = {r[0] for r in ws.db.execute("SELECT DISTINCT channel FROM org_metrics").fetchall()}
    assert channels == {"all", "email", "chat", "calendar"}
    flagged = ws.db.execute("SELECT person FROM person_metrics WHERE window_id = '2024-01' AND isolated").fetchall()
    assert flagged == [("isolated".rjust(16, "0"),)]


def test_stored_person_metrics_belong_to_the_right_people(org):
    """Recompute from the stored edges with NetworkX and compare, person by person."""
    ws, _, _ = org
    analyze(ws)
    edges = ws.db.execute("SELECT source, target, weight FROM network_edges WHERE window_id = '2024-02' AND channel = 'all'").fetchall()
    rows = ws.db.execute("SELECT person, department, pagerank, betweenness, degree_out FROM person_metrics WHERE window_id = '2024-02'").fetchall()
    G = nx.DiGraph()
    G.add_nodes_from(r[0] for r in rows)
    G.add_weighted_edges_from(edges)
    pr = nx.pagerank(G, weight="weight", tol=1e-13, max_iter=10_000)
    bt = nx.betweenness_centrality(G)
    roster = dict(ws.db.execute("SELECT person, department FROM people").fetchall())
    for p, dept, pagerank, betweenness, degree_out in rows:
        assert dept == roster[p]
        assert pagerank == pytest.approx(pr[p], abs=1e-6) and betweenness == pytest.approx(bt[p], abs=1e-6)
        assert degree_out == G.out_degree(p)


def test_small_groups_withheld_and_said(org):
    ws, _, _ = org
    ws.settings["min_group_size"] = 8  # teams have 6-7 people, departments 12-14
    summary = analyze(ws)
    groups = read_table(ws, "group_metrics", window="2024-01").to_pylist()
    shown = {(r["dimension"], r["group"]) for r in groups}
    assert all(dim != "team" for dim, _ in shown)
    assert {g for d, g in shown if d == "department"} == {"D0", "D1", "D2"}
    withheld = read_table(ws, "withheld", window="2024-01").to_pylist()
    assert sorted(r["group"] for r in withheld if r["dimension"] == "team") == sorted(f"D{d}T{t}" for d in range(DEPTS) for t in range(TEAMS))
    assert {r["reason"] for r in withheld if r["dimension"] == "team"} == {"fewer than 8 people"}
    # the isolated person has no site: one site is withheld beside them, or the organization minus the other would be them
    assert [r["reason"][:35] for r in withheld if r["dimension"] == "attr:site"] == ["withheld so that the groups withhel"]
    assert summary["groups_withheld"] >= DEPTS * TEAMS and summary["disclosure"]["2024-01"]["organization_shown"]
    assert min(r["size"] for r in groups) >= 8
    assert not [r for r in read_table(ws, "group_matrix", window="2024-01").to_pylist() if r["dimension"] == "team"]
    assert "attr:site" in {d for d, _ in shown}


def test_trends_flag_shrinking_network_and_new_joiners(org):
    ws, people, shrinker = org
    ws.settings["min_group_size"] = 1  # (else February, one joiner more than January, is withheld: tests/security)
    analyze(ws)
    shrank = {r[0] for r in ws.db.execute("SELECT person FROM person_trends WHERE window_id = '2024-02' AND network_shrank").fetchall()}
    assert shrinker in shrank
    assert len(shrank) < 5, "a steady colleague is not flagged"
    joiner = ws.db.execute("SELECT new_joiner, joiner_growth FROM person_trends WHERE person = ?", ["joiner".rjust(16, "0")]).fetchone()
    assert joiner == (True, 4)
    org_trend = [(r["previous"], r["value"], r["change"]) for r in read_table(ws, "org_trends").to_pylist()
                 if r["channel"] == "all" and r["metric"] == "people"]
    assert org_trend == [(len(people) + 1, len(people) + 2, 1)]


def test_exports(org, tmp_path):
    ws, people, _ = org
    ws.settings["min_group_size"] = 1  # (this test is about formats; what is withheld is tested in tests/security)
    analyze(ws)
    for table in ("person_metrics", "group_metrics", "org_metrics", "edges", "communities", "person_trends", "org_trends", "group_matrix"):
        for ext in (".csv", ".parquet", ".json"):
            assert export_table(ws, table, tmp_path / f"{table}{ext}") > 0
    latest = pq.read_table(tmp_path / "edges.parquet")
    assert set(latest["window_id"].to_pylist()) == {"2024-02"}
    assert {"source", "target", "channel", "weight"} <= set(latest.column_names) and "all" in latest["channel"].to_pylist()
    assert export_table(ws, "edges", tmp_path / "jan.csv", window="2024-01") > 0
    ident = read_table(ws, "edges", identified=True)
    assert {"source_employee_id", "target_employee_id"} <= set(ident.column_names)
    n_edges = export_table(ws, "edges", tmp_path / "net.gexf")
    G = nx.read_gexf(tmp_path / "net.gexf")
    assert G.number_of_edges() == n_edges and G.number_of_nodes() == len(people) + 2
    H = nx.read_graphml(tmp_path / "net.graphml") if export_table(ws, "edges", tmp_path / "net.graphml", window="2024-01") else None
    assert H.number_of_nodes() == len(people) + 1
    some = next(iter(H.nodes(data=True)))[1]
    assert {"department", "community", "label"} <= set(some)
    with pytest.raises(SocialHRError, match="no window '2023-12'"):
        export_table(ws, "person_metrics", tmp_path / "x.csv", window="2023-12")


def test_export_before_analyze_says_what_to_do(ws, tmp_path):
    with pytest.raises(SocialHRError, match="no network results yet. Run: socialhr analyze DIR"):
        export_table(ws, "person_metrics", tmp_path / "x.csv")


def test_window_all_and_rerun_replaces_results(org):
    ws, people, _ = org
    analyze(ws)
    analyze(ws, window="all")
    assert ws.db.execute("SELECT DISTINCT window_id FROM person_metrics").fetchall() == [("all",)]
    assert ws.db.execute("SELECT count(*) FROM person_trends").fetchone()[0] == 0


def test_windows_without_people_or_ties(ws, add_person, add_interaction):
    """A roster that does not cover the data, and an empty month in between, still analyse."""
    add_person(ws, "a" * 16, hire_date="2024-03-01")
    add_person(ws, "b" * 16, hire_date="2024-03-01")
    add_interaction(ws, "2024-01-10 09:00:00+00", "a" * 16, ["b" * 16])  # before anyone was hired
    add_interaction(ws, "2024-03-10 09:00:00+00", "a" * 16, ["b" * 16])
    summary = analyze(ws)
    assert [(w["window_id"], w["people"], w["ties"]) for w in summary["windows"]] == [
        ("2024-01", 0, 0), ("2024-02", 0, 0), ("2024-03", 2, 1),
    ]
    assert ws.db.execute("SELECT count(*) FROM person_metrics").fetchone()[0] == 2
