"""Who an account belongs to, checked against the roster: the rules ``socialhr users add`` and the admin page share.

An employee account names the person it belongs to (an employee id, looked up
through the vault, or a pseudonym); a leader's names their part of the org
chart as FIELD=VALUE, a roster field and a value someone on the roster has.
"""

from __future__ import annotations

from typing import Any

from .errors import InputError


def person_pseudonym(ws: Any, person: str) -> str:
    """An employee id's pseudonym when the vault holds the key and the roster has them, else ``person`` as given."""
    if ws.vault.available:
        candidate = ws.pseudonymiser.person(person)
        if ws.db.execute("SELECT count(*) FROM people WHERE person = ?", [candidate]).fetchone()[0]:
            return candidate
    if ws.db.execute("SELECT count(*) FROM people WHERE person = ?", [person]).fetchone()[0]:
        return person
    raise InputError(f"no one in the roster is {person!r}", hint="Give an employee id (the vault must be present) or a pseudonym from an export.")


def parse_scope(text: str, *, option: str = "--scope") -> tuple[str, str]:
    """``"department=Finance"`` as ``("department", "Finance")``."""
    field, sep, value = text.partition("=")
    if not sep or not field.strip() or not value.strip():
        raise InputError(f"{option} expects FIELD=VALUE, got {text!r}", hint="For example: department=Finance.")
    return field.strip(), value.strip()


def check_scope(ws: Any, scope: tuple[str, str], *, option: str = "--scope") -> None:
    """A leader's scope names a roster field and a value someone on the roster has."""
    from . import results

    people = results.read(ws, "people").to_arrow()
    fields = [c for c in ("department", "team", "location", "level") if c in people.column_names]
    field, value = scope
    if field in fields:
        values = set(people.column(field).to_pylist())
    else:
        attrs = [a or {} for a in people.column("attributes").to_pylist()] if "attributes" in people.column_names else []
        attrs = [_as_dict(a) for a in attrs]
        names = sorted({k for a in attrs for k in a})
        if field not in names:
            raise InputError(f"{option} names the field {field!r}, which is not on the roster", hint=f"Fields: {', '.join(fields + names)}.")
        values = {a.get(field) for a in attrs}
    if value not in values:
        raise InputError(f"{option}: no one on the roster has {field} {value!r}", hint=f"'socialhr export DIR people' lists the {field} values.")


def _as_dict(a: Any) -> dict:
    if isinstance(a, dict):
        return a
    if isinstance(a, str):
        import json

        try:
            loaded = json.loads(a)
        except ValueError:
            return {}
        return loaded if isinstance(loaded, dict) else {}
    return dict(a)


def add_account(ws: Any, accounts: Any, username: str, role: str, password: str | None, *, employee_id: str | None = None,
                scope: str | None = None, replace: bool = False, option_names: tuple[str, str] = ("--employee-id", "--scope")) -> None:
    """Add an account to ``accounts`` (:class:`socialhr.web.accounts.Accounts`) after checking its person and scope
    against the roster of ``ws``. Raises InputError and changes nothing on a bad value."""
    parsed = parse_scope(scope, option=option_names[1]) if scope else None
    person = person_pseudonym(ws, employee_id) if employee_id else None
    if parsed:
        check_scope(ws, parsed, option=option_names[1])
    accounts.add(username, role, password, person=person, scope=parsed, replace=replace)
