"""Single sign-on by OpenID Connect, against a fake identity provider (a small Starlette app reached through httpx)."""

from __future__ import annotations

import base64
import hashlib
import json
import time
from urllib.parse import parse_qs, urlparse

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi.testclient import TestClient
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

ISSUER = "https://idp.test/realms/hr"
CLIENT_ID = "socialhr-web"
SECRET = "client secret of socialhr"


class FakeProvider:
    """An issuer: discovery, keys, and a token endpoint that checks the code, the client and the PKCE verifier."""

    def __init__(self):
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.codes: dict[str, dict] = {}
        self.claims_override: dict = {}
        self.sign_with = self.key
        self.requests: list[dict] = []
        jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.key.public_key()))
        self.jwks = {"keys": [jwk | {"kid": "k1", "use": "sig", "alg": "RS256"}]}
        self.app = Starlette(routes=[
            Route("/realms/hr/.well-known/openid-configuration", self.discovery),
            Route("/realms/hr/keys", lambda r: JSONResponse(self.jwks)),
            Route("/realms/hr/token", self.token, methods=["POST"]),
        ])

    def discovery(self, request: Request):
        return JSONResponse({"issuer": ISSUER, "authorization_endpoint": ISSUER + "/auth", "token_endpoint": ISSUER + "/token",
                             "jwks_uri": ISSUER + "/keys", "id_token_signing_alg_values_supported": ["RS256"]})

    def authorize(self, url: str, username: str) -> str:
        """What the issuer does after the person signs in: a code bound to the request's nonce and challenge."""
        q = {k: v[0] for k, v in parse_qs(urlparse(url).query).items()}
        assert q["response_type"] == "code" and q["client_id"] == CLIENT_ID and q["code_challenge_method"] == "S256"
        assert "openid" in q["scope"].split()
        code = f"code-{len(self.codes)}"
        self.codes[code] = {"nonce": q["nonce"], "challenge": q["code_challenge"], "username": username, "redirect_uri": q["redirect_uri"]}
        return q["state"]

    async def token(self, request: Request):
        form = dict(await request.form())
        self.requests.append(form)
        grant = self.codes.pop(form.get("code"), None)
        auth = request.headers.get("authorization", "")
        expected = "Basic " + base64.b64encode(f"{CLIENT_ID}:{SECRET}".encode()).decode()
        verifier = form.get("code_verifier", "")
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        if grant is None or auth != expected or challenge != grant["challenge"] or form.get("redirect_uri") != grant["redirect_uri"]:
            return JSONResponse({"error": "invalid_grant"}, status_code=400)
        now = int(time.time())
        claims = {"iss": ISSUER, "aud": CLIENT_ID, "sub": "s-" + grant["username"], "iat": now, "exp": now + 300,
                  "nonce": grant["nonce"], "preferred_username": grant["username"]} | self.claims_override
        claims = {k: v for k, v in claims.items() if v is not None}
        token = jwt.encode(claims, self.sign_with, algorithm="RS256", headers={"kid": "k1"})
        return JSONResponse({"access_token": "a", "token_type": "Bearer", "id_token": token})


@pytest.fixture
def idp(app, monkeypatch):
    provider = FakeProvider()
    site = app.state.site
    before = dict(site.settings)
    site.settings.update({"oidc_issuer": ISSUER, "oidc_client_id": CLIENT_ID, "oidc_client_secret": "not this one"})
    monkeypatch.setenv("SOCIALHR_OIDC_CLIENT_SECRET", SECRET)  # (the environment wins over the settings file)
    app.state.oidc_http = TestClient(provider.app)
    yield provider
    app.state.oidc_http.close()
    del app.state.oidc_http
    if hasattr(app.state, "oidc"):
        del app.state.oidc
    site.settings.clear()
    site.settings.update(before)


def _sign_in(client, idp, username, *, tamper=None):
    browser = client()
    r = browser.get("/login/oidc?next=/overview", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith(ISSUER + "/auth?")
    state = idp.authorize(r.headers["location"], username)
    code = next(reversed(idp.codes))
    params = {"state": state, "code": code} | (tamper or {})
    return browser, browser.get("/login/oidc/callback", params=params, follow_redirects=False)


def test_single_sign_on_signs_in_the_account_named_by_the_claim(client, idp):
    assert "Sign in with your organization" in client().get("/login").text
    browser, r = _sign_in(client, idp, "ada")
    assert r.status_code == 303 and r.headers["location"] == "/overview", r.text
    me = browser.get("/api/me").json()["user"]
    assert me["username"] == "ada" and me["role"] == "analyst"
    assert idp.requests[-1]["grant_type"] == "authorization_code" and len(idp.requests[-1]["code_verifier"]) >= 43


def test_single_sign_on_refuses_what_it_must(client, idp):
    # an account that does not exist: no self-registration
    _, r = _sign_in(client, idp, "stranger")
    assert r.status_code == 403 and "no socialhr account 'stranger'" in r.json()["error"]
    # a state that is not this browser's, or is used twice
    _, r = _sign_in(client, idp, "ada", tamper={"state": "forged"})
    assert r.status_code == 403
    browser, r = _sign_in(client, idp, "ada")
    assert r.status_code == 303
    again = browser.get(r.request.url, follow_redirects=False)
    assert again.status_code == 403
    # a sign-in started in one browser and finished in another (login CSRF: the attacker's code in the victim's browser)
    attacker = client()
    r = attacker.get("/login/oidc", follow_redirects=False)
    state = idp.authorize(r.headers["location"], "root")
    victim = client()
    r = victim.get("/login/oidc/callback", params={"state": state, "code": next(reversed(idp.codes))}, follow_redirects=False)
    assert r.status_code == 403 and victim.get("/api/me").status_code == 401
    # the PKCE verifier must match: a code taken by someone else is useless without it
    _, r = _sign_in(client, idp, "ada", tamper={"code": "code-stolen"})
    assert r.status_code == 401


@pytest.mark.parametrize("change, message", [
    ({"aud": "another-client"}, "Audience"),
    ({"iss": "https://evil.test"}, "issuer"),
    ({"exp": int(time.time()) - 3600}, "expired"),
    ({"nonce": "replayed"}, "nonce"),
    ({"exp": None}, "exp"),
    ("other key", "Signature verification failed"),
])
def test_an_id_token_that_is_not_valid_signs_no_one_in(client, idp, change, message):
    if change == "other key":
        idp.sign_with = idp.other_key
    else:
        idp.claims_override = change
    browser, r = _sign_in(client, idp, "ada")
    assert r.status_code == 401 and message.lower() in r.json()["error"].lower(), r.text
    assert browser.get("/api/me").status_code == 401


def test_without_settings_there_is_no_single_sign_on(client):
    c = client()
    assert c.get("/login/oidc", follow_redirects=False).status_code == 404
    assert "organization's account" not in c.get("/login").text
