"""The signed-in person's own network: what "my network" shows and ``GET /api/me`` answers.

Read through the one read path as the employee viewer, so only their own rows
come back, whatever their account's role.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request

from ..results.viewer import Viewer
from .accounts import Session
from .reads import clean


def my_network(request: Request, s: Session, *, window: str | None = None) -> dict[str, Any] | None:
    from .. import results

    ws = request.app.state.site.workspace()
    me = Viewer.employee(s.user.person or "")
    metrics = results.read(ws, "person_metrics", viewer=me, window=window).to_arrow().to_pylist()
    if not metrics:
        return {"window": window, "metrics": None, "ties": []}
    row = clean(metrics[-1])
    ties = results.read(ws, "edges", viewer=me, window=row["window_id"], channel="all").to_arrow().to_pylist()
    mine = []
    for t in ties:
        other = t["target"] if t["source"] == s.user.person else t["source"]
        mine.append({"colleague": other, "direction": "out" if t["source"] == s.user.person else "in",
                     "weight": clean(t["weight"]), "strong": t["strong"], "reciprocated": t["reciprocated"]})
    return {"window": row["window_id"], "metrics": row, "ties": mine}
