"""The authorization matrix: every route of the app, as every role and without a session, answers what
docs/web.md's table "Who may open what" documents — and every route is in that table."""

from __future__ import annotations

import re
from pathlib import Path
from types import SimpleNamespace

import pytest

DOC = Path(__file__).resolve().parents[2] / "docs" / "web.md"
ACCOUNTS = {"admin": "root", "analyst": "ada", "leader": "lead", "employee": "emp"}  # (tests/web/conftest.py)
LINKED = {"employee"}  # the roles whose test account belongs to someone on the roster
WHO = {
    "anyone": {"admin", "analyst", "leader", "employee", None},
    "signed in": {"admin", "analyst", "leader", "employee"},
    "HR": {"admin", "analyst"},
    "leaders": {"admin", "analyst", "leader"},
    "admin": {"admin"},
    "leader": {"leader"},
    "own": {"admin", "analyst", "leader", "employee"},
}


def documented() -> dict[tuple[str, str], str]:
    section = DOC.read_text(encoding="utf-8").split("## Who may open what", 1)[1]
    rows = re.findall(r"^\| `(GET|POST|PUT|PATCH|DELETE) (\S+)` \| ([a-zA-Z ]+?) \|$", section, re.M)
    return {(method, path): who for method, path, who in rows}


def app_routes(app) -> set[tuple[str, str]]:
    """(method, path) of every route the app answers (the OpenAPI description's and the pages')."""
    out = set()

    def add(path, methods):
        for m in methods or ():
            if m != "HEAD" and not path.startswith(("/api/openapi", "/api/docs", "/docs/")):
                out.add((m, path))

    for route in app.routes:
        if hasattr(route, "effective_route_contexts"):
            contexts = route.effective_route_contexts
            for c in (contexts() if callable(contexts) else contexts):
                add(c.path, c.methods)
        elif hasattr(route, "methods"):
            add(route.path, route.methods)
    return out


def test_every_route_is_documented_and_every_documented_route_exists(app):
    table, actual = documented(), app_routes(app)
    assert len(table) > 50
    assert set(table.values()) <= set(WHO), set(table.values()) - set(WHO)
    assert actual - set(table) == set(), "routes missing from docs/web.md's table"
    assert set(table) - actual == set(), "documented routes the app does not have"


@pytest.fixture
def no_report_rendering(monkeypatch):
    """The report routes check the role before rendering; rendering itself (a minute) is tested elsewhere."""
    from socialhr.web import pages_report

    monkeypatch.setattr(pages_report, "report_bytes", lambda request, s, kind: (b"report", SimpleNamespace(viewer="x", window_id=None)))


def _request(c, method, path, pseudonym):
    url = (path.replace("{table}", "org_metrics").replace("{pseudonym}", pseudonym)
           .replace("{cid}", "1").replace("{token}", "no-such-card"))
    if method == "GET":
        return c.get(url, follow_redirects=False)
    if path.startswith("/api/"):
        return c.request(method, url, json={}, follow_redirects=False)
    return c.request(method, url, data={"csrf_token": c.headers.get("X-CSRF-Token", "")}, follow_redirects=False)


@pytest.mark.parametrize("role", [None, "admin", "analyst", "leader", "employee"])
def test_each_route_answers_each_role_as_documented(role, client, app, web_org, no_report_rendering):
    pseudonym = app.state.site.workspace().pseudonymiser.person(web_org["employees"]["emp2"])
    table = documented()
    # (signing out last: it ends the session the other requests use)
    order = sorted(table, key=lambda r: ("logout" in r[1], r[1], r[0]))
    c = client(ACCOUNTS[role]) if role else client()
    wrong = []
    for method, path in order:
        who = table[(method, path)]
        r = _request(c, method, path, pseudonym)
        allowed = role in WHO[who]
        if r.status_code >= 500:
            wrong.append((method, path, role, r.status_code, "server error"))
        elif role is None and who != "anyone":
            expected = 401 if path.startswith("/api/") else 303
            if r.status_code != expected or (expected == 303 and not r.headers["location"].startswith("/login")):
                wrong.append((method, path, role, r.status_code, f"expected {expected}"))
        elif not allowed:
            if r.status_code != 403:
                wrong.append((method, path, role, r.status_code, "expected 403"))
        elif who == "own" and role not in LINKED:
            said = (r.status_code in (403, 404) or (r.status_code == 422 and method != "GET")
                    or (r.status_code == 200 and ("not linked" in r.text or '"linked":false' in r.text.replace(" ", ""))))
            if not said:
                wrong.append((method, path, role, r.status_code, "expected a not-linked message"))
        elif r.status_code in (401, 403) or (r.status_code == 303 and r.headers["location"].startswith("/login")
                                             and path != "/logout"):
            wrong.append((method, path, role, r.status_code, "refused, but documented as allowed"))
    assert not wrong, "\n".join(map(str, wrong))
