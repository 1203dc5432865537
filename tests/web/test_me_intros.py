"""The employee's introductions: their own only, marked with the CSRF token, someone else's refused."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from socialhr.ingest import ingest
from socialhr.programs import intros, referrals
from socialhr.web.accounts import Accounts
from socialhr.workspace import Workspace

from .conftest import PASSWORD


@pytest.fixture(scope="module")
def site_path(web_org, tmp_path_factory):
    path = tmp_path_factory.mktemp("intros") / "ws"
    shutil.copytree(web_org["path"], path)
    with Workspace.open(path) as ws:
        intros.propose(ws, since=365, count=3, seed=1)
        rows = ws.db.execute("SELECT joiner, colleague FROM introductions ORDER BY joiner, rank").fetchall()
        joiners = sorted({j for j, _ in rows})
        accounts = Accounts(ws.vault.dir)
        accounts.add("joiner1", "employee", PASSWORD, person=joiners[0])
        accounts.add("joiner2", "employee", PASSWORD, person=joiners[1])
        data = Path(__file__).parents[1] / "data"
        ingest(ws, "linkedin", data / "linkedin" / "referrals_grace.csv", owner=web_org["employees"]["emp"])
        ingest(ws, "linkedin", data / "linkedin" / "referrals_alan.csv", owner=web_org["employees"]["emp2"])
        referrals.import_roles(ws, data / "referrals" / "roles.csv")
        referrals.suggest(ws)
    return path


def test_introductions_are_my_own_and_marking_changes_the_status(client, site_path):
    c = client("joiner1")
    mine = c.get("/api/me/introductions").json()["introductions"]
    theirs = client("joiner2").get("/api/me/introductions").json()["introductions"]
    assert mine and theirs
    me = mine[0]["joiner"]
    assert all(me in (r["joiner"], r["colleague"]) for r in mine)
    first = next(r for r in mine if r["joiner"] == me)
    body = {"joiner": first["joiner"], "colleague": first["colleague"], "status": "accepted"}
    token = c.headers.pop("X-CSRF-Token")
    assert c.post("/api/me/introductions", json=body).status_code == 403  # (no CSRF token)
    assert c.post("/api/me/introductions", json=body, headers={"X-CSRF-Token": token}).json()["changed"] == 1
    c.headers["X-CSRF-Token"] = token
    now = {(r["joiner"], r["colleague"]): r["status"] for r in c.get("/api/me/introductions").json()["introductions"]}
    assert now[(first["joiner"], first["colleague"])] == "accepted"
    # someone else's introduction
    other = next(r for r in theirs if me not in (r["joiner"], r["colleague"]))
    r = c.post("/api/me/introductions", json={"joiner": other["joiner"], "colleague": other["colleague"], "status": "met"})
    assert r.status_code == 404
    page = c.get("/me/introductions")
    assert page.status_code == 200 and "Mark met" in page.text


def test_not_linked_accounts_see_a_clear_page(client):
    assert "not linked" in client("ada").get("/me/introductions").text


def test_referrals_are_from_my_own_connections_and_marked_referred(client):
    c = client("emp")
    mine = c.get("/api/me/referrals").json()["suggestions"]
    theirs = client("emp2").get("/api/me/referrals").json()["suggestions"]
    assert mine and theirs
    assert {r["referrer"] for r in mine} == {mine[0]["referrer"]} and mine[0]["referrer"] not in {r["referrer"] for r in theirs}
    assert "Bjarne Stroustrup" in {r["name"] for r in mine} and "Bjarne Stroustrup" not in {r["name"] for r in theirs}
    first = mine[0]
    assert c.post("/api/me/referrals", json={"role": first["role"], "candidate": first["candidate"]}).json()["changed"] == 1
    assert c.get("/api/me/referrals").json()["suggestions"][0]["status"] == "referred"
    other = theirs[0]
    assert c.post("/api/me/referrals", json={"role": other["role"], "candidate": other["candidate"]}).status_code == 404
    assert "I referred them" in c.get("/me/referrals").text
