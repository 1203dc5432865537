"""Program runs and the statuses of what they proposed (schema 9, docs/programs.md).

A run is one use of a program (a set of introductions, a round of matching),
stored with its parameters and a summary in ``program_runs``. Each change of a
proposal's status is appended to ``program_events`` with its time, so that
the insights can tell when an introduction was accepted or met.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from ..errors import SocialHRError


def new_run(db: Any, program: str, *, as_of: dt.date | None, window_id: str | None, parameters: dict[str, Any],
            summary: dict[str, Any] | None = None) -> int:
    """Record a run (inside the caller's transaction) and return its id."""
    run_id = db.execute("SELECT coalesce(max(run_id), 0) + 1 FROM program_runs").fetchone()[0]
    db.execute(
        "INSERT INTO program_runs VALUES (?, ?, ?, ?, ?, ?, ?)",
        [run_id, program, now(), as_of, window_id, json.dumps(parameters, default=str), json.dumps(summary or {}, default=str)],
    )
    return int(run_id)


def set_summary(db: Any, run_id: int, summary: dict[str, Any]) -> None:
    db.execute("UPDATE program_runs SET summary = ? WHERE run_id = ?", [json.dumps(summary, default=str), run_id])


def latest_run(db: Any, program: str) -> int | None:
    row = db.execute("SELECT max(run_id) FROM program_runs WHERE program = ?", [program]).fetchone()
    return None if row is None or row[0] is None else int(row[0])


def runs(db: Any, program: str | None = None) -> list[dict[str, Any]]:
    """Every run (of one program), oldest first, with parameters and summary decoded."""
    sql = "SELECT run_id, program, created_at, as_of, window_id, parameters, summary FROM program_runs"
    params: list[Any] = []
    if program:
        sql += " WHERE program = ?"
        params.append(program)
    out = []
    for r in db.execute(sql + " ORDER BY run_id", params).fetchall():
        out.append({"run_id": r[0], "program": r[1], "created_at": r[2], "as_of": r[3], "window_id": r[4],
                    "parameters": json.loads(r[5] or "{}"), "summary": json.loads(r[6] or "{}")})
    return out


def check_run(db: Any, program: str, run_id: int | None) -> int:
    """``run_id`` if it is a run of ``program``, else the latest run; a :class:`SocialHRError` when there is none."""
    if run_id is None:
        latest = latest_run(db, program)
        if latest is None:
            raise SocialHRError(f"there are no {program} yet", hint=f"Propose some first (docs/programs.md#{program}).")
        return latest
    row = db.execute("SELECT program FROM program_runs WHERE run_id = ?", [run_id]).fetchone()
    if row is None or row[0] != program:
        raise SocialHRError(f"run {run_id} is not a run of {program}", hint="socialhr programs DIR lists the runs.")
    return run_id


def now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)
