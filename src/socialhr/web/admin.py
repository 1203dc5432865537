"""The administration pages (admins only): the vault's status, accounts, settings and the audit trail.

``/admin`` shows what the workspace holds (``Workspace.status``); ``/admin/users``
lists, adds and removes accounts with the checks of ``socialhr users add``;
``/admin/settings`` shows every setting with its help and changes the few that
are safe to change while serving (:data:`EDITABLE`), validated by
:mod:`socialhr.config`, written to ``socialhr.toml`` and in force at once;
``/admin/audit`` and ``GET /api/audit`` read the audit trail, newest first.
Every change made here is itself written to the audit trail (action ``admin``).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any, Optional

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import RedirectResponse

from .. import config
from ..accounts_rules import add_account
from ..errors import InputError, SettingsError
from ..results.viewer import ROLES
from ..workspace import SETTINGS_FILE
from . import reads
from .accounts import MIN_PASSWORD, Session
from .app import render
from .auth import roles

router = APIRouter()
ADMIN = roles("admin")

# Settings an admin may change while the server runs: they change what is shown or how the web app behaves,
# never what is stored (changing the time zone or the tie rules would need the imports and the analysis again).
EDITABLE = ("min_group_size", "kudos_feed", "kudos_max_length", "web_session_hours", "web_login_attempts", "web_login_window_minutes")
# The web app never lowers the minimum group size below this, whatever socialhr.toml allows on the command line.
MIN_GROUP_FLOOR = 3
PER_PAGE = 50


# -- the vault's status ---------------------------------------------------------

@router.get("/admin", include_in_schema=False)
def admin_home(request: Request, s: Session = Depends(ADMIN)):
    site = request.app.state.site
    status = site.workspace().status()
    return render(request, "admin.html", {"title": "Administration", "status": status, "accounts": len(site.accounts.list()),
                                          "audit_lines": site.audit.count()})


# -- accounts -------------------------------------------------------------------

@router.get("/admin/users", include_in_schema=False)
def users_page(request: Request, s: Session = Depends(ADMIN)):
    return _users(request)


def _users(request: Request, *, error: str | None = None, form: dict[str, str] | None = None, done: str | None = None,
           status_code: int = 200):
    site = request.app.state.site
    return render(request, "admin_users.html", {"title": "Accounts", "accounts": site.accounts.list(), "roles": ROLES,
                                                "error": error, "form": form or {}, "done": done, "min_password": MIN_PASSWORD},
                  status_code=status_code)


@router.post("/admin/users", include_in_schema=False)
def add_user(request: Request, username: str = Form(""), role: str = Form(""), employee_id: str = Form(""),
             scope: str = Form(""), password: str = Form(""), s: Session = Depends(ADMIN)):
    site = request.app.state.site
    form = {"username": username, "role": role, "employee_id": employee_id, "scope": scope}
    try:
        add_account(site.workspace(), site.accounts, username, role, password, employee_id=employee_id.strip() or None,
                    scope=scope.strip() or None, option_names=("employee id", "scope"))
    except InputError as e:
        return _users(request, error=str(e), form=form, status_code=400)
    reads.audit(request, s, "admin", "users", {"added": username.strip(), "role": role, "scope": scope.strip() or None,
                                               "linked_to_roster": bool(employee_id.strip())})
    return _users(request, done=f"Added {username.strip()} ({role}).")


@router.post("/admin/users/remove", include_in_schema=False)
def remove_user(request: Request, username: str = Form(...), s: Session = Depends(ADMIN)):
    site = request.app.state.site
    if username == s.user.username:
        return _users(request, error="You cannot remove your own account while signed in with it: ask another admin.", status_code=400)
    try:
        site.accounts.remove(username)
    except InputError as e:
        return _users(request, error=str(e), status_code=400)
    reads.audit(request, s, "admin", "users", {"removed": username})
    return _users(request, done=f"Removed {username}; their sessions have ended.")


# -- settings -------------------------------------------------------------------

def _settings_rows(settings: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"name": name, "help": st.help, "value": settings.get(name, st.default), "default": st.default,
             "kind": st.kind.__name__, "editable": name in EDITABLE} for name, st in config.SETTINGS.items()]


@router.get("/admin/settings", include_in_schema=False)
def settings_page(request: Request, s: Session = Depends(ADMIN)):
    return _settings(request)


def _settings(request: Request, *, error: str | None = None, done: str | None = None, status_code: int = 200):
    site = request.app.state.site
    return render(request, "admin_settings.html", {"title": "Settings", "rows": _settings_rows(site.settings), "error": error,
                                                   "done": done, "floor": MIN_GROUP_FLOOR}, status_code=status_code)


def change_settings(site: Any, changes: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
    """Validate ``changes`` (editable settings only) with the workspace's other settings, write ``socialhr.toml``,
    and put them in force for the running server. Returns what changed, as (old, new). Changes nothing on an error."""
    unknown = sorted(set(changes) - set(EDITABLE))
    if unknown:
        raise SettingsError(f"the setting{'s' if len(unknown) > 1 else ''} {', '.join(unknown)} cannot be changed here",
                            hint=f"Here: {', '.join(EDITABLE)}. Others are changed in socialhr.toml with the server stopped.")
    current = dict(site.settings)
    merged = config.validate({**current, **changes}, source="the settings form")
    if merged["min_group_size"] < MIN_GROUP_FLOOR:
        raise SettingsError(f"the settings form: min_group_size must be at least {MIN_GROUP_FLOOR}, got {merged['min_group_size']}",
                            hint="Groups smaller than 3 would show figures of one or two people.")
    changed = {k: (current.get(k), merged[k]) for k in EDITABLE if merged[k] != current.get(k)}
    if not changed:
        return {}
    with site.writing():
        _write_settings(Path(site.path) / SETTINGS_FILE, config.dumps(merged))
        site.settings.update(merged)  # (the one dict every request's workspace view shares: in force at once)
    return changed


def _write_settings(path: Path, text: str) -> None:
    """Replace the settings file in one step (a new file of mode 0600 beside it, then renamed over it)."""
    fd, name = tempfile.mkstemp(prefix=".socialhr.", suffix=".toml", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(name, path)
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise


@router.post("/admin/settings", include_in_schema=False)
async def save_settings(request: Request, s: Session = Depends(ADMIN)):
    site = request.app.state.site
    form = await request.form()
    changes = {name: str(form[name]).strip() for name in EDITABLE if name in form}
    try:
        changed = change_settings(site, changes)
    except SettingsError as e:
        return _settings(request, error=str(e), status_code=400)
    if changed:
        reads.audit(request, s, "admin", "settings", {k: {"from": old, "to": new} for k, (old, new) in changed.items()})
    said = ", ".join(f"{k} {old} → {new}" for k, (old, new) in changed.items())
    return _settings(request, done=f"Saved: {said}." if changed else "Nothing changed.")


# -- the audit trail --------------------------------------------------------------

def _audit_page(request: Request, username: str | None, action: str | None, page: int) -> dict[str, Any]:
    trail = request.app.state.site.audit
    page = max(1, page)
    total = trail.count(username=username or None, action=action or None)
    rows = trail.rows(limit=PER_PAGE, offset=(page - 1) * PER_PAGE, username=username or None, action=action or None)
    return {"rows": rows, "total": total, "page": page, "per_page": PER_PAGE, "pages": max(1, -(-total // PER_PAGE)),
            "username": username or None, "action": action or None}


@router.get("/api/audit", tags=["admin"])
def audit_api(request: Request, username: Optional[str] = None, action: Optional[str] = Query(None, description="view, export, download or admin"),
              page: int = Query(1, ge=1), s: Session = Depends(ADMIN)) -> dict[str, Any]:
    """The audit trail, newest first, 50 lines a page (admins only): who read or exported what, and when."""
    return _audit_page(request, username, action, page)


@router.get("/admin/audit", include_in_schema=False)
def audit_page(request: Request, username: Optional[str] = None, action: Optional[str] = None, page: int = Query(1, ge=1),
               s: Session = Depends(ADMIN)):
    return render(request, "admin_audit.html", {"title": "Audit trail", "audit": _audit_page(request, username, action, page),
                                                "actions": ("view", "export", "download", "admin")})


@router.get("/admin/", include_in_schema=False)
def admin_slash(s: Session = Depends(ADMIN)):
    return RedirectResponse("/admin", status_code=303)
