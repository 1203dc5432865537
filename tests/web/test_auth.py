"""Log-in, sessions, CSRF and the log-in rate limit."""

from __future__ import annotations

from .conftest import PASSWORD


def test_health_needs_no_login_and_the_rest_needs_a_session(client):
    c = client()
    assert c.get("/api/health").json()["status"] == "ok"
    for path in ("/api/me", "/api/person-metrics", "/api/group-metrics?by=department", "/api/tables"):
        r = c.get(path)
        assert r.status_code == 401, path
        assert "sign in" in r.json()["error"]


def test_login_sets_an_httponly_samesite_cookie_and_a_wrong_password_is_refused(client):
    c = client()
    assert c.post("/api/login", json={"username": "ada", "password": "wrong password!"}).status_code == 401
    assert c.post("/api/login", json={"username": "nobody", "password": PASSWORD}).status_code == 401
    r = c.post("/api/login", json={"username": "ada", "password": PASSWORD})
    assert r.status_code == 200 and r.json()["user"]["role"] == "analyst"
    cookie = r.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie and "secure" not in cookie  # (plain HTTP here)
    assert c.get("/api/me").json()["user"]["username"] == "ada"


def test_changes_need_the_sessions_csrf_token(client):
    c = client("ada")
    token = c.headers.pop("X-CSRF-Token")
    assert c.post("/api/logout").status_code == 403
    assert c.post("/api/logout", headers={"X-CSRF-Token": "forged"}).status_code == 403
    assert c.post("/api/logout", headers={"X-CSRF-Token": token}).status_code == 200
    assert c.get("/api/me").status_code == 401  # (the session is gone on the server, not only the cookie)


def test_login_page_form_needs_its_own_token(client):
    c = client()
    page = c.get("/login")
    assert page.status_code == 200 and 'name="csrf_token"' in page.text
    r = c.post("/login", data={"username": "ada", "password": PASSWORD, "csrf_token": "guessed"}, follow_redirects=False)
    assert r.status_code == 403
    token = page.text.split('name="csrf_token" value="')[1].split('"')[0]
    r = c.post("/login", data={"username": "ada", "password": PASSWORD, "csrf_token": token, "next": "//evil.example/"},
               follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/"  # (no open redirect)


def test_pages_send_the_browser_to_login(client):
    r = client().get("/overview", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login?next=/overview")


def test_login_is_rate_limited_per_username(client):
    c = client()
    codes = [c.post("/api/login", json={"username": "emp2", "password": f"wrong {i} password"}).status_code for i in range(7)]
    assert codes[:5] == [401] * 5 and codes[5:] == [429, 429]
    r = c.post("/api/login", json={"username": "emp2", "password": PASSWORD})  # (even the right password waits)
    assert r.status_code == 429 and int(r.headers["retry-after"]) > 0


def test_security_headers(client):
    r = client().get("/login")
    assert "frame-ancestors 'none'" in r.headers["content-security-policy"]
    assert r.headers["x-content-type-options"] == "nosniff"
