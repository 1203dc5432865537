"""The employee's introductions (``/me/introductions``, ``/api/me/introductions``): read and marked as their own.

Rows come from the read path's ``introductions`` table as the employee viewer (where they are the joiner or the
colleague); a change is checked against those rows (someone else's introduction answers 404) and made with
:func:`socialhr.programs.intros.mark`, the function ``socialhr intros --mark`` uses, through the site's one writer.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import RedirectResponse
from pydantic import BaseModel

from ..programs import intros, runs
from ..results.viewer import Viewer
from . import reads
from .accounts import Session
from .app import render
from .auth import session
from .mine import colleague_names

router = APIRouter()
ACTIONS = ("accepted", "met", "declined")


def my_introductions(request: Request, s: Session) -> list[dict[str, Any]] | None:
    if not s.user.person:
        return None
    if runs.latest_run(request.app.state.site.workspace().db, intros.PROGRAM) is None:
        return []
    rows, _ = reads.read(request, s, "introductions", viewer=Viewer.employee(s.user.person))
    names = colleague_names(request, s, [r["colleague"] if r["joiner"] == s.user.person else r["joiner"] for r in rows])
    for r in rows:
        r["side"] = "joiner" if r["joiner"] == s.user.person else "colleague"
        other = r["colleague"] if r["side"] == "joiner" else r["joiner"]
        r["name"] = names.get(other)
        r.pop("reasons", None)
    return rows


def mark_mine(request: Request, s: Session, joiner: str, colleague: str, status: str) -> int:
    if status not in ACTIONS:
        raise HTTPException(400, f"unknown status {status!r}: use one of {', '.join(ACTIONS)}")
    rows = my_introductions(request, s)
    if rows is None:
        raise HTTPException(403, "your account is not linked to anyone on the roster")
    row = next((r for r in rows if r["joiner"] == joiner and r["colleague"] == colleague), None)
    if row is None:
        raise HTTPException(404, "no introduction of yours with these people")
    with request.app.state.site.writing() as ws:
        changed = intros.mark(ws, [(joiner, colleague, status)], run_id=row["run_id"])
    reads.audit(request, s, "mark", "introductions", {"run": row["run_id"], "status": status})
    return changed


class Mark(BaseModel):
    joiner: str
    colleague: str
    status: str


@router.get("/api/me/introductions", tags=["employee"])
def api_introductions(request: Request, s: Session = Depends(session)) -> dict[str, Any]:
    """The introductions proposed to me (as the joiner) and those where I am the colleague, with names."""
    rows = my_introductions(request, s)
    return {"linked": rows is not None, "introductions": rows or []}


@router.post("/api/me/introductions", tags=["employee"])
def api_mark(body: Mark, request: Request, s: Session = Depends(session)) -> dict[str, Any]:
    """Mark one of my introductions accepted, met or declined (CSRF header required)."""
    return {"changed": mark_mine(request, s, body.joiner, body.colleague, body.status)}


@router.get("/me/introductions", include_in_schema=False)
def page(request: Request, s: Session = Depends(session)):
    return render(request, "my_introductions.html", {"rows": my_introductions(request, s), "title": "My introductions"})


@router.post("/me/introductions", include_in_schema=False)
def page_mark(request: Request, joiner: str = Form(...), colleague: str = Form(...), status: str = Form(...),
              s: Session = Depends(session)):
    mark_mine(request, s, joiner, colleague, status)
    return RedirectResponse("/me/introductions", status_code=303)
