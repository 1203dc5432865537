"""Kudos on the web: /kudos, and /api/kudos (GET: mine and the feed; POST: give) and /api/kudos/search.

A kudos is given through :func:`socialhr.programs.kudos.give` (the one import
path: one batch of kind ``kudos``) inside ``site.writing()``. Whom to recognise
is picked by name: :func:`~socialhr.programs.kudos.search_colleagues` reads the
names from the vault, answers a few active colleagues at most and refuses a
one-letter query, so the search never lists the company. Messages are read from
the vault when the page is shown, for their giver and receiver (and for
everyone when the ``kudos_feed`` setting is on).
"""

from __future__ import annotations

from typing import Any, Optional

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse
from pydantic import BaseModel

from ..errors import SocialHRError
from ..programs import kudos
from .accounts import Session
from .app import render
from .auth import session
from .pages_play import not_linked, person_of

router = APIRouter()
SHOWN = 50  # kudos of each list on the page


def _view(k: kudos.Kudos) -> dict[str, Any]:
    return {"kudos_id": k.kudos_id, "from": k.giver_name, "to": k.receiver_name, "given_at": k.given_at.isoformat(),
            "value": k.value, "message": k.message}


def mine(request: Request, s: Session, person: str) -> dict[str, Any]:
    """The kudos ``person`` gave and received (messages from the vault, now), and the feed when the setting is on."""
    site = request.app.state.site
    with site.read_lock:
        ws = site.workspace()
        out = {"received": [_view(k) for k in kudos.received(ws, person)[:SHOWN]],
               "given": [_view(k) for k in kudos.given(ws, person)[:SHOWN]], "feed": None}
        if ws.settings["kudos_feed"]:
            out["feed"] = [_view(k) for k in kudos.feed(ws, s.user.viewer(), limit=SHOWN)]
    return out


def search(request: Request, person: str, q: str) -> list[dict[str, Any]]:
    site = request.app.state.site
    with site.read_lock:
        return kudos.search_colleagues(site.workspace(), q, exclude=person)


def give(request: Request, person: str, receiver: str, value: str, message: str) -> dict[str, Any]:
    if not (receiver or "").strip():
        raise SocialHRError("choose whom to recognise", hint="Search for the colleague by name and pick them.")
    with request.app.state.site.writing() as ws:
        return _view(kudos.give(ws, person, receiver, message, value))


def settings(request: Request) -> dict[str, Any]:
    st = request.app.state.site.settings
    return {"values": list(st["kudos_values"]), "max_length": st["kudos_max_length"], "feed": bool(st["kudos_feed"])}


# -- the API ----------------------------------------------------------------------
class Give(BaseModel):
    receiver: str  # the colleague's pseudonym, as /api/kudos/search answers it
    value: str
    message: str = ""


@router.get("/api/kudos", tags=["employee"])
def api_kudos(request: Request, s: Session = Depends(session)) -> dict[str, Any]:
    """The kudos the signed-in employee gave and received, with their messages; the feed when ``kudos_feed`` is on."""
    return {**mine(request, s, person_of(s, "kudos")), "settings": settings(request)}


@router.get("/api/kudos/search", tags=["employee"])
def api_search(request: Request, q: str = "", s: Session = Depends(session)) -> dict[str, Any]:
    """Active colleagues whose name matches ``q`` (at least 2 letters; a few matches at most), to give kudos to."""
    return {"matches": search(request, person_of(s, "kudos"), q)}


@router.post("/api/kudos", tags=["employee"])
def api_give(body: Give, request: Request, s: Session = Depends(session)) -> dict[str, Any]:
    """Recognise a colleague: ``receiver`` (a pseudonym from the search), a ``value`` of ``kudos_values``, a short ``message``."""
    return {"kudos": give(request, person_of(s, "kudos"), body.receiver, body.value, body.message)}


# -- the pages ----------------------------------------------------------------------
@router.get("/kudos", include_in_schema=False)
def kudos_page(request: Request, q: Optional[str] = None, given: Optional[int] = None, s: Session = Depends(session)):
    message = not_linked(s, "kudos")
    ctx: dict[str, Any] = {"title": "Kudos", "message": message, "settings": settings(request), "q": q or "",
                           "matches": None, "search_error": None, "given": given}
    if message is None:
        ctx["mine"] = mine(request, s, s.user.person)
        if q:
            try:
                ctx["matches"] = search(request, s.user.person, q)
            except SocialHRError as e:
                ctx["search_error"] = e.message
    return render(request, "kudos.html", ctx)


@router.get("/kudos/search", include_in_schema=False)
def kudos_search(request: Request, q: str = "", s: Session = Depends(session)):
    """The matches alone (htmx fills them in while the name is typed)."""
    person = person_of(s, "kudos")
    matches, error = None, None
    try:
        matches = search(request, person, q)
    except SocialHRError as e:
        error = e.message
    return render(request, "_kudos_matches.html", {"matches": matches, "search_error": error, "q": q})


@router.post("/kudos/give", include_in_schema=False)
def kudos_give(request: Request, receiver: str = Form(""), value: str = Form(...), message: str = Form(""),
               s: Session = Depends(session)):
    give(request, person_of(s, "kudos"), receiver, value, message)
    return RedirectResponse("/kudos?given=1", status_code=303)
