"""Single sign-on by OpenID Connect: the authorization-code flow with PKCE, state and nonce.

On when the settings name an issuer and a client (``oidc_issuer``,
``oidc_client_id``; the secret in ``oidc_client_secret`` or, better, the
environment variable ``SOCIALHR_OIDC_CLIENT_SECRET``). ``/login/oidc`` sends the
browser to the issuer with a fresh ``state`` (also kept in an HttpOnly cookie,
so a sign-in started in another browser is refused), ``nonce`` and PKCE code
challenge (RFC 7636, S256). ``/login/oidc/callback`` checks the state, exchanges
the code (with the code verifier) at the token endpoint, and checks the ID
token with PyJWT: its signature against the issuer's published keys (JWKS), its
issuer, audience, expiry and issue time, and the nonce (OpenID Connect Core 1.0,
section 3.1.3.7). The account whose username is the token's
``oidc_username_claim`` is signed in; there must be one (no self-registration:
an admin adds accounts), and it keeps its role and scope.
"""

from __future__ import annotations

import base64
import hashlib
import os
import secrets
import threading
import time
from typing import Any, Optional
from urllib.parse import urlencode

import httpx
import jwt
from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import RedirectResponse

from .auth import COOKIE, same_token, set_cookie

router = APIRouter()

FLOW_COOKIE = "socialhr_oidc"
FLOW_SECONDS = 600  # a sign-in must come back from the issuer within this
SECRET_ENV = "SOCIALHR_OIDC_CLIENT_SECRET"
ALGORITHMS = {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"}  # (never none or HS*)
LEEWAY = 60  # seconds of clock difference allowed with the issuer


def configured(settings: dict[str, Any]) -> bool:
    return bool(settings.get("oidc_issuer") and settings.get("oidc_client_id"))


def _state(request: Request) -> Any:
    """What the app keeps for single sign-on: pending sign-ins, the issuer's metadata and keys, the HTTP client."""
    st = request.app.state
    if not hasattr(st, "oidc"):
        st.oidc = {"flows": {}, "lock": threading.Lock(), "metadata": {}, "keys": {}}
    return st.oidc


def _http(request: Request) -> httpx.Client:
    # (tests put a client of a fake issuer here)
    client = getattr(request.app.state, "oidc_http", None)
    return client if client is not None else httpx.Client(timeout=10.0, follow_redirects=False)


def _settings(request: Request) -> tuple[str, str, str, str]:
    settings = request.app.state.site.settings
    if not configured(settings):
        raise HTTPException(404, "single sign-on is not configured: sign in with your username and password",)
    secret = os.environ.get(SECRET_ENV) or settings.get("oidc_client_secret", "")
    return settings["oidc_issuer"].rstrip("/"), settings["oidc_client_id"], secret, settings["oidc_username_claim"]


def _get_json(request: Request, url: str, what: str) -> dict[str, Any]:
    try:
        r = _http(request).get(url)
        r.raise_for_status()
        return r.json()
    except (httpx.HTTPError, ValueError) as e:
        raise HTTPException(502, f"the identity provider's {what} could not be read ({url}): {e}") from None


def metadata(request: Request, issuer: str) -> dict[str, Any]:
    """The issuer's discovery document (OpenID Connect Discovery 1.0), read once."""
    cache = _state(request)["metadata"]
    if issuer not in cache:
        meta = _get_json(request, issuer + "/.well-known/openid-configuration", "discovery document")
        if meta.get("issuer", "").rstrip("/") != issuer:
            raise HTTPException(502, f"the identity provider says it is {meta.get('issuer')!r}, not the oidc_issuer {issuer!r}")
        cache[issuer] = meta
    return cache[issuer]


def _key(request: Request, meta: dict[str, Any], kid: Optional[str]) -> jwt.PyJWK:
    """The issuer's signing key ``kid``; the key set is read again once when it lacks it (keys rotate)."""
    cache = _state(request)["keys"]
    for fresh in (False, True):
        if fresh or meta["jwks_uri"] not in cache:
            cache[meta["jwks_uri"]] = jwt.PyJWKSet.from_dict(_get_json(request, meta["jwks_uri"], "signing keys"))
        keys = [k for k in cache[meta["jwks_uri"]].keys if kid is None or k.key_id == kid]
        if keys:
            return keys[0]
    raise HTTPException(401, "the ID token is signed with a key the identity provider does not publish")


def _challenge(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()


@router.get("/login/oidc", include_in_schema=False)
def start(request: Request, next: Optional[str] = None):
    from .pages import _safe_next

    issuer, client_id, _, _ = _settings(request)
    meta = metadata(request, issuer)
    state, nonce, verifier = secrets.token_urlsafe(32), secrets.token_urlsafe(32), secrets.token_urlsafe(48)
    flows = _state(request)
    with flows["lock"]:
        now = time.time()
        for old in [s for s, f in flows["flows"].items() if f["expires"] < now]:
            del flows["flows"][old]
        flows["flows"][state] = {"nonce": nonce, "verifier": verifier, "next": _safe_next(next), "expires": now + FLOW_SECONDS}
    query = urlencode({"response_type": "code", "client_id": client_id, "redirect_uri": str(request.url_for("oidc_callback")),
                       "scope": "openid profile email", "state": state, "nonce": nonce,
                       "code_challenge": _challenge(verifier), "code_challenge_method": "S256"})
    response = RedirectResponse(f"{meta['authorization_endpoint']}?{query}", status_code=303)
    set_cookie(request, response, FLOW_COOKIE, state, max_age=FLOW_SECONDS)
    return response


@router.get("/login/oidc/callback", name="oidc_callback", include_in_schema=False)
def callback(request: Request, state: Optional[str] = None, code: Optional[str] = None, error: Optional[str] = None,
             error_description: Optional[str] = None):
    issuer, client_id, secret, claim = _settings(request)
    flows = _state(request)
    with flows["lock"]:
        flow = flows["flows"].pop(state, None) if state else None  # (a state is used once)
    if flow is None or flow["expires"] < time.time() or not same_token(state, request.cookies.get(FLOW_COOKIE)):
        raise HTTPException(403, "this sign-in was not started in this browser, or has expired: sign in again")
    if error:
        raise HTTPException(401, f"the identity provider did not sign you in: {error_description or error}")
    if not code:
        raise HTTPException(400, "the identity provider sent no authorization code: sign in again")
    meta = metadata(request, issuer)
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": str(request.url_for("oidc_callback")),
            "client_id": client_id, "code_verifier": flow["verifier"]}
    try:
        r = _http(request).post(meta["token_endpoint"], data=form, auth=(client_id, secret) if secret else None)
        tokens = r.json() if r.status_code == 200 else None
    except (httpx.HTTPError, ValueError) as e:
        raise HTTPException(502, f"the identity provider's token endpoint could not be reached: {e}") from None
    if not tokens or not isinstance(tokens.get("id_token"), str):
        raise HTTPException(401, "the identity provider did not accept the sign-in (no ID token for the code): sign in again")
    claims = _check_id_token(request, tokens["id_token"], meta, issuer, client_id, flow["nonce"])
    username = claims.get(claim)
    if not isinstance(username, str) or not username:
        raise HTTPException(401, f"the ID token has no {claim!r} claim to find your account by",)
    site = request.app.state.site
    user = site.accounts.get(username)
    if user is None:
        raise HTTPException(403, f"there is no socialhr account {username!r}: ask an admin to add it (Admin → Accounts)")
    token, _ = site.accounts.open_session(user, site.settings["web_session_hours"])
    response = RedirectResponse(flow["next"], status_code=303)
    set_cookie(request, response, COOKIE, token, max_age=int(site.settings["web_session_hours"] * 3600))
    response.delete_cookie(FLOW_COOKIE, path="/")
    return response


def _check_id_token(request: Request, id_token: str, meta: dict[str, Any], issuer: str, client_id: str, nonce: str) -> dict[str, Any]:
    try:
        header = jwt.get_unverified_header(id_token)
    except jwt.InvalidTokenError as e:
        raise HTTPException(401, f"the ID token is not valid: {e}") from None
    alg = header.get("alg")
    allowed = ALGORITHMS & set(meta.get("id_token_signing_alg_values_supported", ["RS256"]))
    if alg not in allowed:
        raise HTTPException(401, f"the ID token is signed with {alg!r}, which is not accepted (accepted: {', '.join(sorted(allowed))})")
    key = _key(request, meta, header.get("kid"))
    try:
        claims = jwt.decode(id_token, key=key.key, algorithms=[alg], audience=client_id, issuer=meta["issuer"], leeway=LEEWAY,
                            options={"require": ["iss", "aud", "exp", "iat", "sub"]})
    except jwt.InvalidTokenError as e:
        raise HTTPException(401, f"the ID token is not valid: {e}") from None
    if not same_token(claims.get("nonce"), nonce):
        raise HTTPException(401, "the ID token is not valid: its nonce is not this sign-in's")
    audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
    if len(audiences) > 1 and claims.get("azp") != client_id:
        raise HTTPException(401, "the ID token is not valid: it was issued to another client (azp)")
    return claims
