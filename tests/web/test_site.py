"""The server's one workspace under concurrent requests, and its cache of read-path results."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from socialhr import results
from socialhr.results.viewer import Viewer

ROUTES = ["/api/tables/org_metrics", "/api/group-metrics?by=team", "/api/tables/group_matrix?dimension=team", "/api/me",
          "/api/group-metrics?by=department", "/api/tables/withheld"]


def test_concurrent_requests_all_answer_and_agree_with_serial_ones(client, app):
    users = ["ada", "lead", "emp", "emp2"]
    clients = {u: client(u) for u in users}
    app.state.site.cache.clear()  # (cold: every read computes, many at once)
    jobs = [(u, r) for u in users for r in ROUTES] * 3
    with ThreadPoolExecutor(12) as pool:
        answers = list(pool.map(lambda job: (job, clients[job[0]].get(job[1])), jobs))
    assert all(r.status_code == 200 for _, r in answers), [(j, r.status_code, r.text[:200]) for j, r in answers if r.status_code != 200]
    for (u, route), r in answers:
        assert r.json() == clients[u].get(route).json(), (u, route)


def test_cached_results_equal_the_read_path_and_a_change_clears_them(client, app):
    site = app.state.site
    c = client("lead")
    first = c.get("/api/group-metrics", params={"by": "team"}).json()["rows"]
    with site.read_lock:
        direct = results.read(site.workspace(), "group_metrics", viewer=Viewer.leader(("department", "Engineering")),
                              dimension="team").to_arrow().to_pylist()
    assert [r["group"] for r in first] == [r["group"] for r in direct] and first
    assert len(site.cache) > 0
    generation = site.generation
    with site.writing():
        pass
    assert site.generation == generation + 1 and len(site.cache) == 0


def test_a_setting_change_is_seen_by_the_next_read(client, app):
    site = app.state.site
    c = client("ada")
    before = c.get("/api/group-metrics", params={"by": "team"}).json()["rows"]
    old = site.settings["min_group_size"]
    try:
        site.settings["min_group_size"] = 40
        after = c.get("/api/group-metrics", params={"by": "team"}).json()["rows"]
    finally:
        site.settings["min_group_size"] = old
    assert len(after) < len(before)
    assert all(r["size"] >= 40 for r in after)
