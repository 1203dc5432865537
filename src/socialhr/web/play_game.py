"""The colleague name game on the web: /game, and /api/game/card, /answer, /progress, /leaderboard, /optout.

A card is dealt by :func:`socialhr.programs.namegame.next_card` and kept on the
server (:class:`Deck`) under a random token: the page gets the token, the
choices and the colleague's role, team, department and location, never who the
colleague is. The photo is served by ``/game/photo/{token}`` to the player the
card was dealt to only (anyone else, even signed in, gets 404). An answer is
recorded by :func:`~socialhr.programs.namegame.answer` inside ``site.writing()``.
"""

from __future__ import annotations

import mimetypes
import secrets
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Optional, Union

import numpy as np
from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import FileResponse, RedirectResponse
from pydantic import BaseModel

from ..errors import InputError, SocialHRError
from ..programs import namegame
from . import reads
from .accounts import Session
from .app import render
from .auth import session
from .pages_play import not_linked, person_of

router = APIRouter()


@dataclass
class Dealt:
    player: str  # the pseudonym the card was dealt to
    card: namegame.Card
    at: float
    result: namegame.Result | None = None


class Deck:
    """The cards dealt and not yet forgotten: the newest ``size``, each for ``ttl`` seconds."""

    def __init__(self, size: int = 10_000, ttl: float = 4 * 3600):
        self.size, self.ttl = size, ttl
        self.cards: "OrderedDict[str, Dealt]" = OrderedDict()
        self.lock = threading.Lock()
        self.rng = np.random.default_rng()

    def deal(self, player: str, card: namegame.Card) -> str:
        token = secrets.token_urlsafe(18)
        with self.lock:
            self.cards[token] = Dealt(player, card, time.monotonic())
            while len(self.cards) > self.size:
                self.cards.popitem(last=False)
        return token

    def get(self, token: str | None, player: str) -> Dealt | None:
        """The card of ``token`` when it was dealt to ``player`` and is not forgotten; None otherwise."""
        with self.lock:
            d = self.cards.get(token or "")
            if d is None or time.monotonic() - d.at > self.ttl:
                return None
        return d if secrets.compare_digest(d.player, player) else None


_deck_lock = threading.Lock()


def deck(request: Request) -> Deck:
    with _deck_lock:
        found = getattr(request.app.state, "play_deck", None)
        if found is None:
            found = request.app.state.play_deck = Deck()
    return found


def deal(request: Request, player: str) -> dict[str, Any]:
    """Deal ``player`` their next card; what the page shows of it."""
    site, cards = request.app.state.site, deck(request)
    with site.read_lock:
        card = namegame.next_card(site.workspace(), player, rng=cards.rng)
    token = cards.deal(player, card)
    return card_view(token, card)


def card_view(token: str, card: namegame.Card) -> dict[str, Any]:
    return {"token": token, "choices": list(card.choices), "photo": f"/game/photo/{token}" if card.photo else None,
            "initials": card.initials, "role": card.level, "team": card.team, "department": card.department,
            "location": card.location, "review": card.review}


def answer(request: Request, player: str, token: str, choice: Union[int, str]) -> dict[str, Any]:
    d = deck(request).get(token, player)
    if d is None:
        raise SocialHRError("this card is not one dealt to you (or it was dealt too long ago)", hint="Deal a new card: GET /api/game/card, or reload /game.")
    if d.result is not None:
        raise SocialHRError("this card was answered already", hint="Deal the next card: GET /api/game/card, or reload /game.")
    with request.app.state.site.writing() as ws:
        result = namegame.answer(ws, player, d.card, choice)
        d.result = result
        progress = namegame.progress(ws, player)
    return {"correct": result.correct, "name": result.name, "choice": choice if isinstance(choice, str) else d.card.choices[choice],
            "box": result.box, "due_in": result.due_in, "progress": progress}


def progress(request: Request, player: str) -> dict[str, Any]:
    site = request.app.state.site
    with site.read_lock:
        return namegame.progress(site.workspace(), player)


def leaderboard(request: Request, s: Session) -> dict[str, Any]:
    """The departments' board as the session's viewer reads it (the read path withholds small departments)."""
    rows, _ = reads.read(request, s, "game_leaderboard")
    return {"rows": [r for r in rows if not r.get("withheld")], "withheld": [r["department"] for r in rows if r.get("withheld")]}


def _choice(raw: str) -> Union[int, str]:
    try:
        return int(raw)
    except (TypeError, ValueError):
        return raw


# -- the API ----------------------------------------------------------------------
class Answer(BaseModel):
    token: str
    choice: Union[int, str]


class OptOut(BaseModel):
    out: bool = True


@router.get("/api/game/card", tags=["employee"])
def api_card(request: Request, s: Session = Depends(session)) -> dict[str, Any]:
    """Deal the signed-in player's next card: its token, the names to choose from, the colleague's role, team, location and photo URL."""
    return deal(request, person_of(s, "name game"))


@router.post("/api/game/answer", tags=["employee"])
def api_answer(body: Answer, request: Request, s: Session = Depends(session)) -> dict[str, Any]:
    """Answer a card (``choice``: the index of a name, or the name): right or wrong, the right name, and the player's progress."""
    return answer(request, person_of(s, "name game"), body.token, body.choice)


@router.get("/api/game/progress", tags=["employee"])
def api_progress(request: Request, s: Session = Depends(session)) -> dict[str, Any]:
    """The share of their department the signed-in player can name, and their answers so far."""
    return progress(request, person_of(s, "name game"))


@router.get("/api/game/leaderboard", tags=["employee"])
def api_leaderboard(request: Request, s: Session = Depends(session)) -> dict[str, Any]:
    """Departments by the mean share of colleagues their players can name; departments with too few players withheld."""
    return leaderboard(request, s)


@router.post("/api/game/optout", tags=["employee"])
def api_optout(request: Request, body: Optional[OptOut] = None, s: Session = Depends(session)) -> dict[str, Any]:
    """Keep the signed-in player off the leaderboard (``{"out": false}``: back on)."""
    player = person_of(s, "name game")
    out = True if body is None else body.out
    with request.app.state.site.writing() as ws:
        namegame.opt_out(ws, player, out=out)
    return {"opted_out": out}


# -- the pages ----------------------------------------------------------------------
@router.get("/game/photo/{token}", include_in_schema=False)
def photo(token: str, request: Request, s: Session = Depends(session)):
    d = deck(request).get(token, s.user.person or "")
    if d is None or not d.card.photo:
        raise HTTPException(404, "no such photo")
    media = mimetypes.guess_type(d.card.photo)[0] or "application/octet-stream"
    return FileResponse(d.card.photo, media_type=media, headers={"Cache-Control": "private, no-store"})


@router.get("/game", include_in_schema=False)
def game_page(request: Request, answered: Optional[str] = None, s: Session = Depends(session)):
    message = not_linked(s, "name game")
    ctx: dict[str, Any] = {"title": "Name game", "message": message}
    if message is None:
        ctx.update(play_context(request, s.user.person, deck(request).get(answered, s.user.person)))
    ctx["board"] = leaderboard(request, s)
    return render(request, "game.html", ctx)


def play_context(request: Request, player: str, shown: Dealt | None) -> dict[str, Any]:
    last = None
    if shown is not None and shown.result is not None:
        last = {"correct": shown.result.correct, "name": shown.result.name, "due_in": shown.result.due_in}
    return {"card": deal(request, player), "last": last, "progress": progress(request, player)}


@router.post("/game/answer", include_in_schema=False)
def game_answer(request: Request, token: str = Form(...), choice: str = Form(...), s: Session = Depends(session)):
    player = person_of(s, "name game")
    d = deck(request).get(token, player)
    picked: Union[int, str] = _choice(choice)
    if d is not None and d.result is None and isinstance(picked, int) and not 0 <= picked < len(d.card.choices):
        raise InputError(f"choice {picked} is not one of the card's names", field="choice")
    answer(request, player, token, picked)
    if request.headers.get("hx-request"):  # (htmx: only the game's area, without a reload)
        return render(request, "_game_play.html", play_context(request, player, deck(request).get(token, player)))
    return RedirectResponse(f"/game?answered={token}", status_code=303)


@router.post("/game/optout", include_in_schema=False)
def game_optout(request: Request, out: str = Form("1"), s: Session = Depends(session)):
    player = person_of(s, "name game")
    with request.app.state.site.writing() as ws:
        namegame.opt_out(ws, player, out=out not in ("0", "false", "no"))
    return RedirectResponse("/game", status_code=303)
