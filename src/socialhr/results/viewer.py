"""Who reads a result, and what their role lets them see.

======== =================================================================
role     sees
======== =================================================================
admin    every table; the only role that may add real identities (``identified``)
analyst  every table, pseudonymised, person-level included
leader   aggregates only (groups, their matrix, the organization, what was
         withheld), and of groups only those inside their part of the org
         chart (``scope``, e.g. ``department=Finance``) when one is set
employee their own rows of the person-level tables (their metrics, their
         trends, their own ties, their roster record) and the organization's
         aggregates
======== =================================================================

Every rule is applied on the server, in :func:`socialhr.results.read`;
a page or an export never filters for itself.

>>> Viewer.leader(("department", "Finance")).role
'leader'
>>> Viewer("boss")
Traceback (most recent call last):
...
socialhr.errors.PrivacyError: unknown role 'boss'. Roles: admin, analyst, leader, employee
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import PrivacyError

ROLES = ("admin", "analyst", "leader", "employee")


@dataclass(frozen=True)
class Viewer:
    """A role, and for a leader their part of the org chart, for an employee their pseudonym."""

    role: str
    person: str | None = None
    scope: tuple[str, str] | None = None

    def __post_init__(self) -> None:
        if self.role not in ROLES:
            raise PrivacyError(f"unknown role '{self.role}'", hint=f"Roles: {', '.join(ROLES)}")
        if self.role == "employee" and not self.person:
            raise PrivacyError("an employee viewer needs the person they are", hint="Give their employee id or pseudonym.")

    @classmethod
    def admin(cls) -> "Viewer":
        return cls("admin")

    @classmethod
    def analyst(cls) -> "Viewer":
        return cls("analyst")

    @classmethod
    def leader(cls, scope: tuple[str, str] | None = None) -> "Viewer":
        return cls("leader", scope=scope)

    @classmethod
    def employee(cls, person: str) -> "Viewer":
        return cls("employee", person=person)

    def describe(self) -> str:
        if self.role == "leader" and self.scope:
            return f"leader of {self.scope[0]}={self.scope[1]}"
        return self.role
