"""The signed-in person's own network: what "my network" shows and ``GET /api/me`` answers.

Read through the one read path as the employee viewer, so only their own rows
come back, whatever their account's role.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request

from ..results.viewer import Viewer
from .accounts import Session
from . import reads


def my_network(request: Request, s: Session, *, window: str | None = None) -> dict[str, Any] | None:
    me = Viewer.employee(s.user.person or "")
    metrics, _ = reads.read(request, s, "person_metrics", viewer=me, window=window)
    if not metrics:
        return {"window": window, "metrics": None, "ties": []}
    row = metrics[-1]
    ties, _ = reads.read(request, s, "edges", viewer=me, window=row["window_id"], channel="all")
    mine = []
    for t in ties:
        other = t["target"] if t["source"] == s.user.person else t["source"]
        mine.append({"colleague": other, "direction": "out" if t["source"] == s.user.person else "in",
                     "weight": t["weight"], "strong": t["strong"], "reciprocated": t["reciprocated"]})
    return {"window": row["window_id"], "metrics": row, "ties": mine}
