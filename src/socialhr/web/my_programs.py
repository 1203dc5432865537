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


# -- referral suggestions from my own LinkedIn connections ---------------------------
def my_referrals(request: Request, s: Session) -> list[dict[str, Any]] | None:
    """My own referral suggestions (the read path's own rows), with my own connections' names from the vault."""
    from ..ingest.linkedin import connections
    from ..programs import referrals

    if not s.user.person:
        return None
    ws = request.app.state.site.workspace()
    if runs.latest_run(ws.db, referrals.PROGRAM) is None:
        return []
    rows, _ = reads.read(request, s, "referral_suggestions", viewer=Viewer.employee(s.user.person))
    mine = connections(ws, s.user.person)  # (my own connections only)
    # (the candidate token as the referrals program makes it; its helpers are private to that module)
    tokens = ws.pseudonymiser.tokens(referrals._TOKEN_KIND, [referrals._candidate_key(c) for c in mine])
    names = {t: " ".join(x for x in (c["first_name"], c["last_name"]) if x) for t, c in zip(tokens, mine)}
    for r in rows:
        r["name"] = names.get(r["candidate"])
        r.pop("reasons", None)
    return rows


class Referred(BaseModel):
    role: str
    candidate: str


def refer_mine(request: Request, s: Session, role: str, candidate: str) -> int:
    from ..programs import referrals

    rows = my_referrals(request, s)
    if rows is None:
        raise HTTPException(403, "your account is not linked to anyone on the roster")
    row = next((r for r in rows if r["role"] == role and r["candidate"] == candidate), None)
    if row is None:
        raise HTTPException(404, "no referral suggestion of yours for this role and candidate")
    with request.app.state.site.writing() as ws:
        changed = referrals.mark(ws, [(role, candidate, "referred", None)], run_id=row["run_id"])
    reads.audit(request, s, "mark", "referral_suggestions", {"run": row["run_id"], "status": "referred"})
    return changed


@router.get("/api/me/referrals", tags=["employee"])
def api_referrals(request: Request, s: Session = Depends(session)) -> dict[str, Any]:
    """Open roles' suggestions from my own LinkedIn connections, with their names."""
    rows = my_referrals(request, s)
    return {"linked": rows is not None, "suggestions": rows or []}


@router.post("/api/me/referrals", tags=["employee"])
def api_refer(body: Referred, request: Request, s: Session = Depends(session)) -> dict[str, Any]:
    """Mark one of my suggestions as referred (CSRF header required)."""
    return {"changed": refer_mine(request, s, body.role, body.candidate)}


@router.get("/me/referrals", include_in_schema=False)
def referrals_page(request: Request, s: Session = Depends(session)):
    return render(request, "my_referrals.html", {"rows": my_referrals(request, s), "title": "Referrals"})


@router.post("/me/referrals", include_in_schema=False)
def referrals_mark(request: Request, role: str = Form(...), candidate: str = Form(...), s: Session = Depends(session)):
    refer_mine(request, s, role, candidate)
    return RedirectResponse("/me/referrals", status_code=303)
