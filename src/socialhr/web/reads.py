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
from ..errors import PrivacyError
from ..results.viewer import Viewer
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


CACHED = 512  # read results kept per server (the newest; cleared by any change)


def read(request: Request, session: Session, table: str, *, viewer: Viewer | None = None,
         **options: Any) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The rows of ``table`` the session may see, and what was withheld; person-level reads are audited.

    ``viewer`` narrows the session's own (e.g. an analyst's own network is read as the employee they are);
    it is never wider: only the session's viewer or the employee viewer of the session's own person.

    Results are kept per (table, options, viewer, settings) until the next change the server makes (the
    server is the workspace's only writer while it runs): a page seen by many reads the workspace once.
    """
    site = request.app.state.site
    spec = get(table)
    options = {k: v for k, v in options.items() if v is not None}
    if viewer is None:
        viewer = session.user.viewer()
    elif viewer != session.user.viewer() and not (viewer.role == "employee" and viewer.person == session.user.person):
        raise PrivacyError("a read as another viewer than the signed-in one", hint="Read as the session's viewer.")
    # (an aggregate reads the same for every employee, and for a role without a scope: one entry serves them all)
    shared = Viewer(viewer.role, person="any" if viewer.role == "employee" else None, scope=viewer.scope)
    key = (site.generation, table, tuple(sorted(options.items())), viewer if spec.level == PERSON else shared,
           repr(sorted(site.settings.items())))
    with site.cache_lock:
        hit = site.cache.get(key)
        if hit is not None:
            site.cache.move_to_end(key)
    if hit is None:
        # (one read of the workspace at a time: the read path's aggregates are computed once and shared)
        with site.read_lock:
            result = results.read(site.workspace(), table, viewer=viewer, **options)
            hit = ([clean(r) for r in result.to_arrow().to_pylist()], [clean(w) for w in result.withheld])
        with site.cache_lock:
            if key[0] == site.generation:
                site.cache[key] = hit
                while len(site.cache) > CACHED:
                    site.cache.popitem(last=False)
    # (copies: the cached rows stay as read, whatever a route does with its own)
    rows, withheld = [dict(r) for r in hit[0]], [dict(w) for w in hit[1]]
    if spec.level == PERSON:
        audit(request, session, "view", table, {k: v for k, v in options.items() if v is not None} | {"rows": len(rows)})
    return rows, withheld


def audit(request: Request, session: Session, action: str, what: str, detail: dict[str, Any] | None = None) -> None:
    site = request.app.state.site
    client = request.client.host if request.client else None
    site.audit.record(session.user.username, session.user.role, action, what, detail, client)
