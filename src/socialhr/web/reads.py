"""Every figure a page or the API shows is read here, through the one read path, as the signed-in viewer.

:func:`rows` calls :func:`socialhr.results.read` with the session's viewer (so
roles, scopes, the minimum group size and disclosure control apply exactly as
for an export), turns the rows into JSON-ready values, and writes a line to the
audit trail when they are person-level.
"""

from __future__ import annotations

import math
from datetime import date, datetime
from typing import Any

from fastapi import Request

from .. import results
from ..results.registry import PERSON, get
from .accounts import Session


def clean(value: Any) -> Any:
    """A value JSON can carry: NaN and infinities become None, dates ISO text."""
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return None
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [clean(v) for v in value]
    return value


def read(request: Request, session: Session, table: str, **options: Any) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The rows of ``table`` the session may see, and what was withheld; person-level reads are audited."""
    site = request.app.state.site
    ws = site.workspace()
    spec = get(table)
    result = results.read(ws, table, viewer=session.user.viewer(), **options)
    rows = [clean(r) for r in result.to_arrow().to_pylist()]
    if spec.level == PERSON:
        audit(request, session, "view", table, {k: v for k, v in options.items() if v is not None} | {"rows": len(rows)})
    return rows, [clean(w) for w in result.withheld]


def audit(request: Request, session: Session, action: str, what: str, detail: dict[str, Any] | None = None) -> None:
    site = request.app.state.site
    client = request.client.host if request.client else None
    site.audit.record(session.user.username, session.user.role, action, what, detail, client)
