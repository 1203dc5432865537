"""A seeded synthetic organization served by the web app, with an account of each role.

``web_org`` is built once per session (600 people, seed 3, monthly windows);
``site_path`` is a private copy of it per test module; ``client(role)`` is a
FastAPI TestClient signed in as that role's account, sending the session's CSRF
token with every change. Accounts (password ``PASSWORD``):

========  ========  ===========================================
username  role      what
========  ========  ===========================================
root      admin
ada       analyst
lead      leader    scope department=Engineering
emp       employee  the first Engineering employee by id who is no one's manager
emp2      employee  another Engineering employee, also no one's manager
========  ========  ===========================================
"""

from __future__ import annotations

import csv
import shutil

import pytest

from socialhr import ingest, synth
from socialhr.network.analyze import analyze
from socialhr.web.accounts import Accounts
from socialhr.workspace import Workspace

PASSWORD = "a long test password"
ROLES = {"root": "admin", "ada": "analyst", "lead": "leader", "emp": "employee", "emp2": "employee"}


@pytest.fixture(scope="session")
def web_org(tmp_path_factory):
    """The analysed workspace with its accounts; its path and what synth returned, and the two employees' ids."""
    root = tmp_path_factory.mktemp("web")
    info = synth.synthesize(root / "source", people=600, seed=3, weeks=10)
    with open(info["files"]["roster"], newline="", encoding="utf-8") as f:
        roster = list(csv.DictReader(f))
    managers = {r["manager_id"] for r in roster}
    staff = sorted(r["employee_id"] for r in roster if r["department"] == "Engineering" and r["employee_id"] not in managers and not r["exit_date"])
    with Workspace.init(root / "ws") as ws:
        ingest.ingest(ws, "roster", info["files"]["roster"], attributes=["employment_type"])
        ingest.ingest(ws, "interactions", info["files"]["interactions"])
        if "outcomes" in info["files"]:
            ingest.ingest(ws, "outcomes", info["files"]["outcomes"])
        analyze(ws, window="month")
        accounts = Accounts(ws.vault.dir)
        for username, role in ROLES.items():
            person = ws.pseudonymiser.person(staff[0] if username == "emp" else staff[1]) if role == "employee" else None
            scope = ("department", "Engineering") if role == "leader" else None
            accounts.add(username, role, PASSWORD, person=person, scope=scope)
    return {"path": root / "ws", "info": info, "employees": {"emp": staff[0], "emp2": staff[1]}, "roster": roster}


@pytest.fixture(scope="module")
def site_path(web_org, tmp_path_factory):
    """A private copy of the served workspace for one test module."""
    path = tmp_path_factory.mktemp("site") / "ws"
    shutil.copytree(web_org["path"], path)
    return path


@pytest.fixture(scope="module")
def app(site_path):
    from socialhr.web import create_app

    application = create_app(site_path)
    yield application
    application.state.site.close()


@pytest.fixture
def client(app):
    """``client(username)``: a TestClient signed in as that account (None: not signed in)."""
    from fastapi.testclient import TestClient

    made = []

    def make(username: str | None = None) -> TestClient:
        c = TestClient(app, raise_server_exceptions=True)
        made.append(c)
        if username:
            r = c.post("/api/login", json={"username": username, "password": PASSWORD})
            assert r.status_code == 200, r.text
            c.headers["X-CSRF-Token"] = r.json()["csrf_token"]
        return c

    yield make
    for c in made:
        c.close()
