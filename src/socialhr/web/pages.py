"""The pages: log-in, the home page for each role, and the organization overview.

Pages read their figures through :mod:`socialhr.web.reads`, as the API does, and
check the role on the server; a page without a session sends the browser to
``/login``.
"""

from __future__ import annotations

import secrets
from typing import Any, Optional

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import RedirectResponse

from . import reads
from .accounts import Session
from .app import render
from .auth import LOGIN_COOKIE, log_in, log_out, optional_session, roles, same_token, session, set_cookie
from .nav import LEADERS

router = APIRouter()


def _safe_next(next_url: str | None) -> str:
    """Only a path on this site (no //host, no scheme): an open redirect would help phishing."""
    if next_url and next_url.startswith("/") and not next_url.startswith("//") and "\\" not in next_url:
        return next_url
    return "/"


@router.get("/login", include_in_schema=False)
def login_page(request: Request, next: Optional[str] = None):
    token = secrets.token_urlsafe(24)
    response = render(request, "login.html", {"next": _safe_next(next), "login_token": token, "error": None})
    set_cookie(request, response, LOGIN_COOKIE, token, max_age=3600)
    return response


@router.post("/login", include_in_schema=False)
def login_form(request: Request, username: str = Form(...), password: str = Form(...), csrf_token: str = Form(""),
               next: str = Form("/")):
    if not same_token(csrf_token, request.cookies.get(LOGIN_COOKIE)):
        raise HTTPException(403, "the log-in form has expired: reload the page and sign in again")
    response = RedirectResponse(_safe_next(next), status_code=303)
    try:
        log_in(request, response, username, password)
    except HTTPException as e:
        token = secrets.token_urlsafe(24)
        page = render(request, "login.html", {"next": _safe_next(next), "login_token": token, "error": e.detail,
                                              "username": username}, status_code=e.status_code, headers=e.headers)
        set_cookie(request, page, LOGIN_COOKIE, token, max_age=3600)
        return page
    response.delete_cookie(LOGIN_COOKIE, path="/")
    return response


@router.post("/logout", include_in_schema=False)
def logout(request: Request, s: Session = Depends(session)):
    response = RedirectResponse("/login", status_code=303)
    log_out(request, response)
    return response


@router.get("/", include_in_schema=False)
def home(request: Request):
    s = optional_session(request)
    if s is None:
        return RedirectResponse("/login", status_code=303)
    return RedirectResponse("/me" if s.user.role == "employee" else "/overview", status_code=303)


def latest_org(request: Request, s: Session, window: str | None = None) -> dict[str, Any]:
    """The organization's key figures in the latest window (all channels), and their change since the previous one."""
    rows, withheld = reads.read(request, s, "org_metrics", window=window)
    rows = [r for r in rows if r["channel"] == "all"]
    windows = sorted({r["window_id"] for r in rows})
    current = next((r for r in rows if r["window_id"] == windows[-1]), None) if windows else None
    previous = next((r for r in rows if r["window_id"] == windows[-2]), None) if len(windows) > 1 else None
    return {"windows": windows, "current": current, "previous": previous, "withheld": withheld, "series": rows}


@router.get("/overview", include_in_schema=False)
def overview(request: Request, window: Optional[str] = None, s: Session = Depends(roles(*LEADERS))):
    org = latest_org(request, s)
    return render(request, "overview.html", {"org": org, "title": "Overview"})


@router.get("/me", include_in_schema=False)
def me_page(request: Request, window: Optional[str] = None, s: Session = Depends(session)):
    from .mine import my_network

    network = my_network(request, s, window=window) if s.user.person else None
    return render(request, "me.html", {"network": network, "title": "My network"})
