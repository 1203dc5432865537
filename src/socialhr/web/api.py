"""The JSON API under /api: the data of every page, for scripts and for the pages' own requests.

Every route reads through :mod:`socialhr.web.reads` (the one read path, as the
signed-in viewer). ``GET /api/health`` needs no log-in; every other route
answers 401 without a session and 403 for a role it is not for. The OpenAPI
description is at ``/api/openapi.json`` (``/api/docs`` to browse it).
"""

from __future__ import annotations

from typing import Any, Optional

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel

from .. import __version__
from ..results import table_names
from . import reads
from .accounts import Session
from .auth import log_in, log_out, roles, session

router = APIRouter(prefix="/api")

ANALYSTS = ("admin", "analyst")
EVERYONE = ("admin", "analyst", "leader", "employee")


class Login(BaseModel):
    username: str
    password: str


@router.get("/health", tags=["session"])
def health() -> dict[str, Any]:
    """Whether the server is up (no log-in needed)."""
    return {"status": "ok", "version": __version__}


@router.post("/login", tags=["session"])
def login(body: Login, request: Request, response: Response) -> dict[str, Any]:
    """Sign in: sets the session cookie; answers the account and the CSRF token to send with changes."""
    s = log_in(request, response, body.username, body.password)
    return {"user": s.user.public(), "csrf_token": s.csrf}


@router.post("/logout", tags=["session"])
def logout(request: Request, response: Response, s: Session = Depends(session)) -> dict[str, Any]:
    log_out(request, response)
    return {"signed_out": True}


@router.get("/me", tags=["employee"])
def me(request: Request, window: Optional[str] = None, s: Session = Depends(session)) -> dict[str, Any]:
    """The signed-in person's account and, when they are on the roster, their own network: metrics and ties."""
    out: dict[str, Any] = {"user": s.user.public(), "csrf_token": s.csrf, "network": None}
    if s.user.person:
        from .mine import my_network

        out["network"] = my_network(request, s, window=window)
    return out


@router.get("/person-metrics", tags=["analysis"])
def person_metrics(request: Request, window: Optional[str] = None,
                   s: Session = Depends(roles(*ANALYSTS))) -> dict[str, Any]:
    """Each person's network metrics in a window (pseudonymised; analysts and admins only; audited)."""
    rows, withheld = reads.read(request, s, "person_metrics", window=window)
    return {"table": "person_metrics", "rows": rows, "withheld": withheld}


@router.get("/group-metrics", tags=["analysis"])
def group_metrics(request: Request, by: str = Query(..., description="A roster field: department, team, location, level or a stored attribute"),
                  window: Optional[str] = None, s: Session = Depends(roles(*EVERYONE))) -> dict[str, Any]:
    """Metrics of each group of ``by``; groups below the minimum group size are withheld (and said so).

    Any other parameter is a filter, e.g. ``&location=London&level=IC3``: the figures of each group's people matching
    every filter (``filtered_group_metrics``), a group withheld when it or what the filter leaves out of it is too small.
    """
    filters = tuple(sorted((k, v) for k, v in request.query_params.multi_items() if k not in ("by", "window")))
    if filters:
        rows, withheld = reads.read(request, s, "filtered_group_metrics", dimension=by, window=window, where=filters)
        return {"table": "filtered_group_metrics", "by": by, "where": dict(filters), "rows": rows, "withheld": withheld}
    rows, withheld = reads.read(request, s, "group_metrics", dimension=by, window=window)
    return {"table": "group_metrics", "by": by, "rows": rows, "withheld": withheld}


@router.get("/tables", tags=["analysis"])
def tables(s: Session = Depends(session)) -> dict[str, Any]:
    """The tables of the read path (what each role may read of them is decided when read)."""
    return {"tables": table_names()}


@router.get("/tables/{table}", tags=["analysis"])
def table(table: str, request: Request, window: Optional[str] = None, dimension: Optional[str] = None,
          channel: Optional[str] = None, run: Optional[int] = None, program: Optional[str] = None,
          s: Session = Depends(session)) -> dict[str, Any]:
    """Any table of the read path, as the signed-in viewer may see it (the same rows as ``socialhr export``)."""
    options = {"window": window, "dimension": dimension, "channel": channel, "run": run, "program": program}
    rows, withheld = reads.read(request, s, table, **options)
    return {"table": table, "rows": rows, "withheld": withheld}
