"""The network explorer, a person's profile, silos and brokers, the group matrix and the overview's trends."""

from __future__ import annotations

import re

import pytest

from socialhr.network.layout import force_layout

NODE_KEYS = {"key", "x", "y", "size", "color", "group", "community"}


def person_rows(c, window=None):
    r = c.get("/api/person-metrics", params={"window": window} if window else {})
    assert r.status_code == 200, r.text
    return r.json()["rows"]


def undirected(edges, keep):
    pairs = {}
    for e in edges:
        if e["source"] in keep and e["target"] in keep and e["source"] != e["target"]:
            k = tuple(sorted((e["source"], e["target"])))
            pairs[k] = pairs.get(k, 0.0) + e["weight"]
    return pairs


def test_network_shape_is_the_windows_people_and_their_ties(client):
    c = client("ada")
    r = c.get("/api/network")
    assert r.status_code == 200, r.text
    data = r.json()
    assert set(data) == {"window", "nodes", "edges", "legend"}
    rows = person_rows(c, data["window"])
    assert {r["window_id"] for r in rows} == {data["window"]}
    assert [n["key"] for n in data["nodes"]] == [r["person"] for r in rows]
    for n, row in zip(data["nodes"], rows):
        assert set(n) == NODE_KEYS
        assert re.fullmatch(r"#[0-9a-f]{6}", n["color"])
        assert -1 <= n["x"] <= 1 and -1 <= n["y"] <= 1
        assert n["group"] == row["department"] and n["community"] == row["community"]
    # each department its own colour, as the legend says
    legend = {item["label"]: item["color"] for item in data["legend"]}
    assert {n["group"] for n in data["nodes"]} == set(legend)
    assert all(legend[n["group"]] == n["color"] for n in data["nodes"])
    edges = c.get("/api/tables/edges", params={"window": data["window"], "channel": "all"}).json()["rows"]
    want = undirected(edges, {r["person"] for r in rows})
    got = {tuple(sorted((e["source"], e["target"]))): e["weight"] for e in data["edges"]}
    assert set(got) == set(want) and len(got) == len(data["edges"])
    assert all(got[k] == pytest.approx(want[k], abs=1e-3) for k in want)


def test_filters_colour_and_size(client):
    c = client("ada")
    everyone = c.get("/api/network").json()
    rows = person_rows(c, everyone["window"])
    location = sorted({r["location"] for r in rows if r["department"] == "Engineering"})[0]
    r = c.get("/api/network", params={"department": "Engineering", "location": location, "color": "community", "size": "betweenness"})
    assert r.status_code == 200, r.text
    data = r.json()
    chosen = [x for x in rows if x["department"] == "Engineering" and x["location"] == location]
    assert [n["key"] for n in data["nodes"]] == [x["person"] for x in chosen] and chosen
    keep = {n["key"] for n in data["nodes"]}
    assert all(e["source"] in keep and e["target"] in keep for e in data["edges"])
    assert all(n["group"].startswith("Community ") or n["group"] == "Other communities" for n in data["nodes"])
    # size follows the metric: the highest betweenness is drawn largest
    by_key = {x["person"]: x["betweenness"] for x in chosen}
    biggest = max(data["nodes"], key=lambda n: n["size"])
    assert by_key[biggest["key"]] == max(by_key.values())


@pytest.mark.parametrize("params, words", [
    ({"department": "Nowhere"}, ["no department 'Nowhere'", "Engineering"]),
    ({"location": "Atlantis"}, ["no location 'Atlantis'"]),
    ({"color": "mood"}, ["unknown color 'mood'", "community"]),
    ({"size": "height"}, ["unknown size 'height'", "betweenness"]),
    ({"channel": "pigeon"}, ["no channel 'pigeon'"]),
    ({"window": "1999-01"}, ["no window '1999-01'"]),
])
def test_unknown_values_are_a_400_with_a_hint(client, params, words):
    r = client("ada").get("/api/network", params=params)
    assert r.status_code == 400, r.text
    body = r.json()
    text = body["error"] + " " + (body["hint"] or "")
    assert body["hint"] and all(w in text for w in words)


def test_layout_is_deterministic(client, app):
    c = client("ada")
    first = c.get("/api/network", params={"department": "Engineering"}).json()
    app.state.network_kept = None  # forget every kept layout: the next answer is computed again
    again = c.get("/api/network", params={"department": "Engineering"}).json()
    assert [(n["key"], n["x"], n["y"]) for n in first["nodes"]] == [(n["key"], n["x"], n["y"]) for n in again["nodes"]]
    edges = [(i, i + 1) for i in range(29)] + [(0, 15), (3, 22)]
    assert (force_layout(30, edges, seed=5) == force_layout(30, edges, seed=5)).all()
    assert not (force_layout(30, edges, seed=5) == force_layout(30, edges, seed=6)).all()


@pytest.mark.parametrize("path", ["/api/network", "/api/people/x", "/network"])
@pytest.mark.parametrize("who, status", [("lead", 403), ("emp", 403), (None, 401)])
def test_only_analysts_and_admins_reach_the_network(client, path, who, status):
    r = client(who).get(path, headers={"accept": "application/json"}, follow_redirects=False)
    if who is None and not path.startswith("/api/"):
        assert r.status_code == 303
    else:
        assert r.status_code == status, r.text
    if status == 403:
        # refused by the route's role check, before anything is read (the read path would refuse a leader too)
        assert "cannot open this: it is for admin, analyst" in r.json()["error"]


@pytest.mark.parametrize("who", ["ada", "root"])
def test_analysts_and_admins_reach_the_network(client, who):
    c = client(who)
    assert c.get("/api/network").status_code == 200
    key = c.get("/api/network").json()["nodes"][0]["key"]
    assert c.get(f"/api/people/{key}").status_code == 200
    assert c.get("/network").status_code == 200


def test_profile(client):
    c = client("ada")
    data = c.get("/api/network").json()
    rows = {r["person"]: r for r in person_rows(c, data["window"])}
    edges = c.get("/api/tables/edges", params={"window": data["window"], "channel": "all"}).json()["rows"]
    pairs = undirected(edges, set(rows))
    key = max(rows, key=lambda p: sum(p in k for k in pairs))
    r = c.get(f"/api/people/{key}")
    assert r.status_code == 200, r.text
    p = r.json()
    row = rows[key]
    assert (p["key"], p["window"], p["department"], p["team"], p["level"], p["location"], p["community"]) == \
        (key, data["window"], row["department"], row["team"], row["level"], row["location"], row["community"])
    assert p["metrics"]["betweenness"] == row["betweenness"]
    colleagues = {a if b == key else b for a, b in pairs if key in (a, b)}
    assert p["ties"] == len(colleagues)
    teams = {}
    for x in colleagues:
        teams[rows[x]["team"]] = teams.get(rows[x]["team"], 0) + 1
    assert {t["team"]: t["ties"] for t in p["ties_by_team"]} == teams
    assert p["community_size"] == sum(1 for x in rows.values() if x["community"] == row["community"])
    missing = c.get("/api/people/nobody")
    assert missing.status_code == 404 and missing.json()["hint"]


def test_each_view_is_audited(client, app):
    c = client("ada")
    trail = app.state.site.audit

    def lines(what):
        return [r for r in trail.rows(limit=100_000, username="ada") if r["what"] == what]

    before = len(lines("network"))
    c.get("/api/network", params={"department": "Engineering"})
    c.get("/api/network", params={"department": "Engineering"})  # (kept: answered from memory, audited all the same)
    after = lines("network")
    assert len(after) == before + 2
    assert after[0]["detail"]["department"] == "Engineering" and after[0]["action"] == "view"
    key = c.get("/api/network").json()["nodes"][0]["key"]
    c.get(f"/api/people/{key}")
    profiles = lines("person_profile")
    assert profiles and profiles[0]["detail"]["person"] == key


def test_matrix_chart_holds_only_shown_groups(client):
    for who in ("ada", "lead"):
        c = client(who)
        spec = c.get("/api/charts/group-matrix", params={"dimension": "team"})
        assert spec.status_code == 200, spec.text
        values = spec.json()["data"]["values"]
        shown = {g["group"] for g in c.get("/api/group-metrics", params={"by": "team"}).json()["rows"]}
        everyone = {g["group"] for g in client("ada").get("/api/group-metrics", params={"by": "team"}).json()["rows"]}
        withheld = {w["group"] for w in client("ada").get("/api/group-metrics", params={"by": "team"}).json()["withheld"]
                    if w["dimension"] == "team"}
        assert values and {v["from_group"] for v in values} <= shown
        assert {v["to_group"] for v in values} <= everyone
        assert not ({v["from_group"] for v in values} | {v["to_group"] for v in values}) & withheld
        shares = {}
        for v in values:
            shares[v["from_group"]] = shares.get(v["from_group"], 0) + v["share"]
        assert all(s == pytest.approx(1, abs=1e-3) for s in shares.values())
    assert client("ada").get("/api/charts/group-matrix", params={"measure": "mood"}).status_code == 400


def test_leader_sees_only_their_scope(client):
    c = client("lead")
    data = c.get("/api/silos", params={"dimension": "department"}).json()
    assert [g["group"] for g in data["groups"]] == ["Engineering"] and data["brokers"] is None
    spec = c.get("/api/charts/group-matrix", params={"dimension": "department"}).json()
    assert {v["from_group"] for v in spec["data"]["values"]} == {"Engineering"}
    analyst = client("ada").get("/api/silos", params={"dimension": "department"}).json()
    assert len(analyst["groups"]) > 1 and analyst["brokers"]
    scores = [g["silo_score"] for g in analyst["groups"] if g["silo_score"] is not None]
    assert scores == sorted(scores, reverse=True)
    top = max(person_rows(client("ada")), key=lambda r: r["betweenness"])
    assert analyst["brokers"][0]["key"] == top["person"]


def test_org_trends_chart(client):
    c = client("lead")
    spec = c.get("/api/charts/org-trends")
    assert spec.status_code == 200, spec.text
    org = [r for r in c.get("/api/tables/org_metrics", params={"window": "*"}).json()["rows"] if r["channel"] == "all"]
    values = spec.json()["data"]["values"]
    assert {v["window"] for v in values} == {r["window_id"] for r in org}
    people = {v["window"]: v["value"] for v in c.get("/api/charts/org-trends", params={"metric": "people"}).json()["data"]["values"]}
    assert people == {r["window_id"]: r["people"] for r in org}
    assert c.get("/api/charts/org-trends", params={"metric": "mood"}).status_code == 400
    assert client("emp").get("/api/charts/org-trends").status_code == 403


@pytest.mark.parametrize("who, path, heading", [
    ("ada", "/network", "Network explorer"), ("ada", "/silos", "Top brokers"), ("ada", "/matrix?dimension=team", "Group matrix"),
    ("ada", "/overview", "Trends"), ("lead", "/silos", "Silos and brokers"), ("lead", "/matrix", "Group matrix"),
    ("lead", "/overview", "Trends"),
])
def test_pages_render(client, who, path, heading):
    r = client(who).get(path)
    assert r.status_code == 200, r.text
    assert f"{heading}</h" in r.text
    if who == "lead":
        assert "Top brokers" not in r.text and 'href="/network"' not in r.text


def test_network_page_carries_the_map_url(client):
    page = client("ada").get("/network", params={"department": "Engineering", "color": "community"}).text
    url = re.search(r'data-url="([^"]+)"', page).group(1).replace("&amp;", "&")
    assert "department=Engineering" in url and "color=community" in url
    data = client("ada").get(url).json()
    assert data["nodes"] and all(n["group"] for n in data["nodes"])
    assert client("ada").get("/network", params={"department": "Nowhere"}, headers={"accept": "text/html"}).status_code == 400
