"""Signing in and out, who is asking, what their role lets them reach, and CSRF.

Every route but ``/api/health``, ``/login`` and the static files needs a
session: the API answers 401 without one, a page sends the browser to the
log-in page. Roles are checked here, on the server, before anything is read.
Changes (POST, PUT, PATCH, DELETE) must carry the session's CSRF token, in the
``X-CSRF-Token`` header (API) or the ``csrf_token`` form field (pages).

Log-in is rate limited per username and per client address
(``web_login_attempts`` failures in ``web_login_window_minutes`` per username, four
times that per address): the next
attempt is answered 429 with Retry-After, whatever the password.
"""

from __future__ import annotations

import hmac
import time
from fastapi import Depends, HTTPException, Request, Response

from .accounts import Session

COOKIE = "socialhr_session"
LOGIN_COOKIE = "socialhr_login"  # the log-in form's CSRF token, before there is a session
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


class NeedsLogin(Exception):
    """Raised for a page without a session: the app sends the browser to /login."""

    def __init__(self, next_url: str):
        self.next_url = next_url


def site(request: Request):
    return request.app.state.site


def _token(request: Request) -> str | None:
    return request.cookies.get(COOKIE)


def optional_session(request: Request) -> Session | None:
    session = getattr(request.state, "session", None)
    if session is None:
        session = site(request).accounts.session(_token(request))
        request.state.session = session
    return session


async def session(request: Request) -> Session:
    """The signed-in session; 401 (API) or a redirect to the log-in page (pages) without one; CSRF checked on changes."""
    found = optional_session(request)
    if found is None:
        if request.url.path.startswith("/api/"):
            raise HTTPException(401, "sign in first: POST /api/login with your username and password",
                                headers={"WWW-Authenticate": 'Cookie realm="socialhr"'})
        raise NeedsLogin(str(request.url.path) + (f"?{request.url.query}" if request.url.query else ""))
    if request.method in UNSAFE:
        sent = request.headers.get("x-csrf-token")
        if sent is None and request.headers.get("content-type", "").startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            sent = (await request.form()).get("csrf_token")
        if not sent or not hmac.compare_digest(str(sent), found.csrf):
            raise HTTPException(403, "the request lacks this session's CSRF token (X-CSRF-Token header or csrf_token field): reload the page and try again")
    return found


def roles(*allowed: str):
    """A dependency: the session, when its role is one of ``allowed``; 403 otherwise."""

    async def check(s: Session = Depends(session)) -> Session:
        if s.user.role not in allowed:
            raise HTTPException(403, f"{'an' if s.user.role[0] in 'aeiou' else 'a'} {s.user.role} cannot open this: it is for {', '.join(allowed)}")
        return s

    return check


def log_in(request: Request, response: Response, username: str, password: str) -> Session:
    """Check the password under the rate limit; set the session cookie. Raises 401 or 429."""
    st = site(request)
    settings = st.settings
    limit, window = settings["web_login_attempts"], settings["web_login_window_minutes"] * 60
    client = request.client.host if request.client else "unknown"
    keys = (f"user:{username.strip().lower()}", f"addr:{client}")
    # (an office behind one address shares it: four times the per-username allowance)
    for key, allowed in zip(keys, (limit, 4 * limit)):
        n, oldest = st.accounts.failures(key, window)
        if n >= allowed:
            wait = max(1, int(oldest + window - time.time()))
            raise HTTPException(429, f"too many failed log-ins: try again in {wait // 60 + 1} minutes",
                                headers={"Retry-After": str(wait)})
    user = st.accounts.verify(username.strip(), password)
    if user is None:
        st.accounts.record_failure(*keys)
        raise HTTPException(401, "wrong username or password")
    st.accounts.clear_failures(keys[0])
    token, new = st.accounts.open_session(user, settings["web_session_hours"])
    set_cookie(request, response, COOKIE, token, max_age=int(settings["web_session_hours"] * 3600))
    request.state.session = new
    return new


def log_out(request: Request, response: Response) -> None:
    site(request).accounts.close_session(_token(request))
    response.delete_cookie(COOKIE, path="/")


def set_cookie(request: Request, response: Response, name: str, value: str, *, max_age: int) -> None:
    """HttpOnly, SameSite=Lax, and Secure when served over HTTPS (or behind a proxy that says so)."""
    secure = site(request).https or request.url.scheme == "https"
    response.set_cookie(name, value, max_age=max_age, path="/", httponly=True, samesite="lax", secure=secure)


def same_token(a: str | None, b: str | None) -> bool:
    return bool(a) and bool(b) and hmac.compare_digest(str(a), str(b))

