"""The employee's social pages: the name game (/game), kudos (/kudos) and consultations (/consultations).

Each page has its JSON twin under /api. They are thin shells over the program
libraries (:mod:`socialhr.programs.namegame`, :mod:`~socialhr.programs.kudos`,
:mod:`~socialhr.programs.consult`): names, photos, messages and comments are
read from the vault at the moment of use and never kept by the server; every
change goes through the library inside ``site.writing()`` (one writer).

They are for people on the roster: an account of any role that is linked to an
employee (``socialhr users add ... --employee-id``) plays, gives and comments as
that employee; an account without that link gets a page that says so (and a
403 with the reason from the API).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from ..errors import SocialHRError
from .accounts import Session


class NotOnRoster(SocialHRError):
    status = 403


def person_of(s: Session, what: str) -> str:
    """The session's own pseudonym; a clear refusal for an account not linked to the roster."""
    if not s.user.person:
        raise NotOnRoster(f"your {s.user.role} account is not linked to anyone on the roster, so there is no {what} of yours",
                          hint="The name game, kudos and consultations are for people on the roster: an admin can link "
                               "your account to your employee id (socialhr users add DIR --username U --role R --employee-id E).")
    return s.user.person


def not_linked(s: Session, what: str) -> str | None:
    """The message a page shows instead of its content when the account is not linked to the roster."""
    try:
        person_of(s, what)
    except NotOnRoster as e:
        return f"{e.message}. {e.hint}"
    return None


def read_ws(request: Request) -> Any:
    """This thread's view of the workspace for a read (the caller holds ``site.read_lock``)."""
    return request.app.state.site.workspace()


router = APIRouter()

from . import play_consult, play_game, play_kudos  # noqa: E402

router.include_router(play_game.router)
router.include_router(play_kudos.router)
router.include_router(play_consult.router)
