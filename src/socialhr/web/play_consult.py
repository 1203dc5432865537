"""Consultations on the web: /consultations, and /api/consultations (list, read, comment, endorse, report).

An employee reads the consultations open to them (open now, their audience
includes them: :func:`socialhr.programs.consult.open_for`), their text and
comments read from the vault, without authors; they comment and endorse a
comment or the proposal through the library (:func:`~socialhr.programs.consult.comment`,
:func:`~socialhr.programs.consult.endorse`) inside ``site.writing()``. HR
(admins, analysts) read every consultation (audited) and, once it has closed,
its participation report through the read path (``consultation_summary`` and
``consultation_reach``: groups under the minimum size withheld there).
"""

from __future__ import annotations

from typing import Any, Optional

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse
from pydantic import BaseModel

from ..errors import PrivacyError, SocialHRError
from ..programs import consult
from . import reads
from .accounts import Session
from .app import render
from .auth import roles, session
from .nav import HR
from .pages_play import not_linked, person_of

router = APIRouter()


def _listing(c: dict[str, Any]) -> dict[str, Any]:
    return {"consultation_id": c["consultation_id"], "title": c["title"], "status": c["status"],
            "opened_at": c["opened_at"].isoformat(), "closes": c["closes"].isoformat(),
            "comments": c["comments"], "endorsements": c["endorsements"]}


def listing(request: Request, s: Session) -> dict[str, Any]:
    """The consultations open to the signed-in person, and every consultation for HR."""
    site = request.app.state.site
    with site.read_lock:
        ws = site.workspace()
        mine = [_listing(c) for c in consult.open_for(ws, s.user.person)] if s.user.person else None
        every = [_listing(c) for c in consult.consultations(ws)] if s.user.role in HR else None
    return {"open_to_you": mine, "all": every}


def access(ws: Any, s: Session, cid: int) -> dict[str, Any]:
    """What the session may do with consultation ``cid``: read it, take part; refused (403) when neither."""
    status = next((c for c in consult.consultations(ws, with_titles=False) if c["consultation_id"] == cid), None)
    if status is None:
        consult._consultation(ws, cid)  # (says there is no such consultation, and which there are)
    member = bool(s.user.person) and consult.in_audience(ws, cid, s.user.person)
    if not member and s.user.role not in HR:
        if not s.user.person:
            person_of(s, "consultation")
        raise PrivacyError(f"consultation {cid} is not open to you", hint="It asks only the people of its audience.")
    return {"read": True, "take_part": member and status["status"] == "open", "member": member, "status": status["status"],
            "hr": s.user.role in HR}


def detail(request: Request, s: Session, cid: int) -> dict[str, Any]:
    site = request.app.state.site
    with site.read_lock:
        ws = site.workspace()
        can = access(ws, s, cid)
        found = consult.discussion(ws, cid, s.user.person)
    if not can["member"]:
        reads.audit(request, s, "view", "consultation_text", {"consultation": cid})
    return {"consultation_id": cid, "status": can["status"], "can_take_part": can["take_part"], **found}


def report(request: Request, s: Session, cid: int) -> dict[str, Any] | None:
    """A closed consultation's participation report, as the read path gives it to the session (None while open)."""
    if s.user.role not in HR:
        raise PrivacyError("a consultation's participation report is for HR (admins and analysts)", hint="Ask HR for it.")
    site = request.app.state.site
    with site.read_lock:
        status = next((c["status"] for c in consult.consultations(site.workspace(), with_titles=False) if c["consultation_id"] == cid), None)
    if status is None:
        with site.read_lock:
            consult._consultation(site.workspace(), cid)
    if status != "closed":
        return None
    summary, _ = reads.read(request, s, "consultation_summary", consultation=cid)
    groups, withheld = reads.read(request, s, "consultation_reach", consultation=cid)
    return {"summary": summary, "groups": groups, "withheld": withheld}


def comment(request: Request, s: Session, cid: int, body: str) -> int:
    person = person_of(s, "consultation")
    with request.app.state.site.writing() as ws:
        return consult.comment(ws, cid, person, body)


def endorse(request: Request, s: Session, cid: int, comment_no: int) -> bool:
    person = person_of(s, "consultation")
    with request.app.state.site.writing() as ws:
        return consult.endorse(ws, cid, person, comment_no)


# -- the API ----------------------------------------------------------------------
class Comment(BaseModel):
    text: str


class Endorse(BaseModel):
    comment_no: int = consult.PROPOSAL  # 0: the proposal itself


@router.get("/api/consultations", tags=["employee"])
def api_list(request: Request, s: Session = Depends(session)) -> dict[str, Any]:
    """The consultations open to the signed-in person (``open_to_you``); every consultation for HR (``all``)."""
    return listing(request, s)


@router.get("/api/consultations/{cid}", tags=["employee"])
def api_detail(cid: int, request: Request, s: Session = Depends(session)) -> dict[str, Any]:
    """A consultation's title, text and comments (from the vault, without authors) and endorsements."""
    return detail(request, s, cid)


@router.post("/api/consultations/{cid}/comments", tags=["employee"])
def api_comment(cid: int, body: Comment, request: Request, s: Session = Depends(session)) -> dict[str, Any]:
    """Comment on an open consultation you are asked in; answers the comment's number."""
    return {"comment_no": comment(request, s, cid, body.text)}


@router.post("/api/consultations/{cid}/endorse", tags=["employee"])
def api_endorse(cid: int, request: Request, body: Optional[Endorse] = None, s: Session = Depends(session)) -> dict[str, Any]:
    """Endorse a comment (``comment_no``) or the proposal (0); ``counted`` is false when you had endorsed it already."""
    no = consult.PROPOSAL if body is None else body.comment_no
    return {"comment_no": no, "counted": endorse(request, s, cid, no)}


@router.get("/api/consultations/{cid}/report", tags=["analysis"])
def api_report(cid: int, request: Request, s: Session = Depends(roles(*HR))) -> dict[str, Any]:
    """A closed consultation's participation report (HR only; groups under the minimum size withheld)."""
    found = report(request, s, cid)
    if found is None:
        raise SocialHRError(f"consultation {cid} is still open", hint="Its participation report is made once it has closed.")
    return found


# -- the pages ----------------------------------------------------------------------
@router.get("/consultations", include_in_schema=False)
def consultations_page(request: Request, s: Session = Depends(session)):
    message = None if s.user.role in HR else not_linked(s, "consultation")
    return render(request, "consultations.html", {"title": "Consultations", "message": message, **listing(request, s)})


@router.get("/consultations/{cid}", include_in_schema=False)
def consultation_page(cid: int, request: Request, done: Optional[str] = None, s: Session = Depends(session)):
    found = detail(request, s, cid)
    found_report = report(request, s, cid) if s.user.role in HR else None
    return render(request, "consultation.html", {"title": found["title"] or f"Consultation {cid}", "c": found,
                                                 "report": found_report, "done": done})


@router.post("/consultations/{cid}/comment", include_in_schema=False)
def consultation_comment(cid: int, request: Request, text: str = Form(""), s: Session = Depends(session)):
    comment(request, s, cid, text)
    return RedirectResponse(f"/consultations/{cid}?done=comment", status_code=303)


@router.post("/consultations/{cid}/endorse", include_in_schema=False)
def consultation_endorse(cid: int, request: Request, comment_no: int = Form(consult.PROPOSAL), s: Session = Depends(session)):
    endorse(request, s, cid, comment_no)
    return RedirectResponse(f"/consultations/{cid}?done=endorse#comment-{comment_no}", status_code=303)
