"""HR's and leaders' pages on programs and evidence: onboarding, programs, adoption, outcomes, targets, the report.

The module's private copy of the web workspace gets a Slack import and the programs run (onboarding,
introductions and a matching round dated at the end of the first window with statuses marked, so impact has a
follow-up; three targets), then the app serves it. Each JSON route must give the rows the read path gives the
same viewer; leaders only aggregates, of their own part of the org where the read path scopes them.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter

import pytest

from socialhr import ingest, results
from socialhr.insights import targets
from socialhr.network.analyze import analyze
from socialhr.programs import intros, matching, onboarding, runs
from socialhr.results import Viewer
from socialhr.web.reads import clean
from socialhr.workspace import Workspace

SCOPE = ("department", "Engineering")
VIEWERS = {"ada": Viewer.analyst(), "root": Viewer.admin(), "lead": Viewer.leader(SCOPE)}
PAGES = ("/onboarding", "/programs", "/adoption", "/outcomes", "/targets", "/report")
APIS = ("/api/onboarding", "/api/programs", "/api/adoption", "/api/outcomes", "/api/targets")


def _run_programs(path, info) -> None:
    with Workspace.open(path) as ws:
        if "slack" in info["files"]:
            ingest.ingest(ws, "slack", info["files"]["slack"])
            analyze(ws, window="month")
        onboarding.measure(ws)
        intros.propose(ws, since=120, count=5)
        matching.propose(ws, size=2)
        db = ws.db
        first_end = db.execute("SELECT window_end FROM network_windows ORDER BY ordinal LIMIT 1").fetchone()[0]
        for program in ("introductions", "matches"):  # (dated at the first window's end: impact has a follow-up)
            db.execute("UPDATE program_runs SET as_of = ? WHERE run_id = ?", [first_end - dt.timedelta(days=1),
                                                                             runs.latest_run(db, program)])
        pairs = db.execute("SELECT joiner, colleague FROM introductions ORDER BY joiner, rank").fetchall()
        intros.mark(ws, [(j, c, ("met", "accepted", "declined")[i % 3]) for i, (j, c) in enumerate(pairs[:30])])
        people = [p for (p,) in db.execute("SELECT person FROM match_groups ORDER BY group_id, person").fetchall()]
        matching.mark(ws, [(p, "met") for p in people[: len(people) // 2]])
        targets.add(ws, "organization", "cross_team_tie_share", ">=", 0.9, dt.date(2030, 1, 1))
        targets.add(ws, "department=Engineering", "network_size", ">=", 1, dt.date(2030, 1, 1), note="Engineering's own")
        targets.add(ws, "department=Sales", "network_size", ">=", 1, dt.date(2030, 1, 1), note="not Engineering's")


@pytest.fixture(scope="module")
def app(site_path, web_org):
    """The app over the module's copy, after the programs ran on it (the copy is opened for writing first)."""
    from socialhr.web import create_app

    _run_programs(site_path, web_org["info"])
    application = create_app(site_path)
    yield application
    application.state.site.close()


def read(app, table, viewer, **options):
    """The rows the read path gives ``viewer``, as the API carries them."""
    return [clean(r) for r in results.read(app.state.site.workspace(), table, viewer=viewer, **options).to_arrow().to_pylist()]


def same(api_rows, read_rows):
    """The API's rows are the read path's rows (the API may add columns of its own, e.g. ``reading``)."""
    assert len(api_rows) == len(read_rows)
    for got, want in zip(api_rows, read_rows):
        assert {k: got[k] for k in want} == want


@pytest.mark.parametrize("username", ["ada", "lead"])
def test_each_api_route_gives_the_read_paths_rows_for_the_same_viewer(client, app, username):
    c, viewer = client(username), VIEWERS[username]
    hr = username != "lead"

    data = c.get("/api/onboarding").json()
    same(data["benchmark"]["rows"], read(app, "onboarding_benchmark", viewer))
    assert data["benchmark"]["rows"]
    if hr:
        weeks = read(app, "onboarding", viewer)
        same(data["joiners"]["rows"], weeks)
        assert data["summary"]["joiners"] == len({r["joiner"] for r in weeks}) > 0
        assert data["summary"]["flagged_joiners"] == len({r["joiner"] for r in weeks if r["flag"]})
    else:
        assert data["joiners"] is None and data["summary"] is None

    data = c.get("/api/programs").json()
    for program, who in (("introductions", "joiner"), ("matches", "person")):
        same(data[program]["impact"]["rows"], read(app, "program_impact", viewer, program=program))
        if hr:
            rows = read(app, program, viewer)
            assert data[program]["counts"]["status"] == dict(Counter(r["status"] for r in rows))
            assert data[program]["counts"]["people"] == len({r[who] for r in rows})
        else:
            assert data[program]["counts"] is None
    assert {r["status"] for r in read(app, "introductions", Viewer.analyst())} >= {"met", "accepted", "declined", "proposed"}
    matches = data["matches"]["impact"]["rows"]
    assert matches and matches[0]["n"] >= 5 and matches[0]["estimate"] is not None  # (a real estimate, not a withheld row)

    data = c.get("/api/adoption").json()
    same(data["spaces"]["rows"], read(app, "adoption", viewer))
    assert data["spaces"]["rows"] and "ghost town" in data["rule"]

    data = c.get("/api/outcomes").json()
    same(data["effects"]["rows"], read(app, "outcome_effects", viewer))
    same(data["information_value"]["rows"], read(app, "information_value", viewer))

    data = c.get("/api/targets").json()
    same(data["targets"]["rows"], read(app, "targets", viewer))
    same(data["progress"]["rows"], read(app, "target_progress", viewer))


def test_a_leader_sees_only_their_part_of_the_org_and_no_person(client, app, web_org):
    lead, ada = client("lead"), client("ada")
    scopes = {t["scope"] for t in lead.get("/api/targets").json()["targets"]["rows"]}
    assert scopes == {"organization", "department=Engineering"}
    assert {t["scope"] for t in ada.get("/api/targets").json()["targets"]["rows"]} == scopes | {"department=Sales"}

    # No pseudonym of anyone reaches a leader through these routes.
    people = {r["person"] for r in read(app, "people", Viewer.analyst())}
    for path in APIS + ("/api/overview/scope",):
        text = lead.get(path).text
        assert not [p for p in people if p in text], path

    scope = lead.get("/api/overview/scope").json()
    engineering_teams = {r["team"] for r in web_org["roster"] if r["department"] == "Engineering"}
    assert scope["own"]["dimension"] == "department" and scope["own"]["group"] == "Engineering"
    assert scope["groups"] and all(g["group"] in engineering_teams | {"Engineering"} or g["dimension"] not in ("department", "team")
                                   for g in scope["groups"])
    assert {g["group"] for g in scope["groups"] if g["dimension"] == "team"} <= engineering_teams
    assert {g["group"] for g in scope["groups"] if g["dimension"] == "department"} <= {"Engineering"}
    same(scope["targets"]["targets"]["rows"], read(app, "targets", VIEWERS["lead"]))
    page = lead.get("/overview")
    assert page.status_code == 200 and "Your part of the organization: department=Engineering" in page.text
    assert "Your part of the organization" not in ada.get("/overview").text
    assert ada.get("/api/overview/scope").status_code == 403


@pytest.mark.parametrize("username,status", [("root", 200), ("ada", 200), ("lead", 200), ("emp", 403)])
def test_pages_and_routes_by_role(client, username, status):
    c = client(username)
    for path in PAGES:
        r = c.get(path, headers={"accept": "text/html"})
        assert r.status_code == status, path
        if status == 200:
            assert 'href="/static/css/evidence.css"' in r.text and f'href="{path}" aria-current="page"' in r.text
    for path in APIS:
        assert c.get(path).status_code == status, path
    nav = c.get("/me", headers={"accept": "text/html"}).text
    assert ('href="/programs"' in nav) == (status == 200)


def test_without_a_session(client):
    c = client()
    for path in APIS + ("/api/overview/scope",):
        assert c.get(path).status_code == 401
    for path in PAGES + ("/report.pdf",):
        r = c.get(path, headers={"accept": "text/html"}, follow_redirects=False)
        assert r.status_code in (303, 401), path


def test_the_pages_show_the_figures_and_what_to_run_when_empty(client, app):
    ada, lead = client("ada"), client("lead")
    text = ada.get("/programs").text
    counts = Counter(r["status"] for r in read(app, "introductions", Viewer.analyst()))
    assert f"<td>{counts['met']:,}</td>" in text
    assert "No name-game players yet" in text and "No referral suggestions yet: socialhr referrals DIR" in text
    assert "Cross-team matching" in text and "matched pairs" in text
    assert "significant" not in text.lower()
    assert "who was introduced or matched is person-level" in lead.get("/programs").text
    onboarding_page = ada.get("/onboarding").text
    assert "joiners followed" in onboarding_page and "audit trail" in onboarding_page
    assert "each joiner's weeks are person-level" in lead.get("/onboarding").text
    assert "ghost town when" in lead.get("/adoption").text
    outcomes_page = lead.get("/outcomes").text
    assert "associations, not causes" in outcomes_page
    assert "on track" in ada.get("/targets").text or "at risk" in ada.get("/targets").text


def test_an_effect_is_read_from_its_interval(client, app):
    data = client("ada").get("/api/programs").json()
    rows = [r for p in ("introductions", "matches") for r in data[p]["impact"]["rows"]]
    effects = client("ada").get("/api/outcomes").json()["effects"]["rows"]
    assert rows and effects
    for r, null in [(r, 0.0) for r in rows] + [(r, 0.0 if r["model"] == "ols" else 1.0) for r in effects]:
        if r["estimate"] is None:
            assert r["reading"] == "withheld or no estimate"
        elif r["ci_low"] <= null <= r["ci_high"]:
            assert r["reading"].startswith("no clear effect"), r
        else:
            assert r["reading"].startswith("an effect"), r


def test_the_report_downloads_as_the_viewer_and_is_audited(client, app):
    ada, lead = client("ada"), client("lead")
    pdf = ada.get("/report.pdf")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    assert "attachment" in pdf.headers["content-disposition"]
    html = lead.get("/report.html")
    assert html.status_code == 200 and html.headers["content-type"].startswith("text/html")
    assert "leader of department=Engineering" in html.text
    assert "leader of" not in ada.get("/report.html").text
    assert client("emp").get("/report.pdf").status_code == 403
    exports = [r for r in app.state.site.audit.rows() if r["action"] == "export" and r["what"] == "report"]
    seen = {(r["username"], json.loads(r["detail"])["format"] if isinstance(r["detail"], str) else r["detail"]["format"]) for r in exports}
    assert {("ada", "pdf"), ("lead", "html"), ("ada", "html")} <= seen
    assert not [r for r in exports if r["username"] == "emp"]
    page = lead.get("/report").text
    assert 'href="/report.pdf"' in page and "take a minute" in page and "--as leader --scope department=Engineering" in page
