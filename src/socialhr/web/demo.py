"""Demo log-ins for a synthetic workspace: one account of each role, printed for the person trying socialhr.

``make demo`` runs ``python -m socialhr.web.demo demo/workspace``. Never use these
accounts on real data: their passwords are printed and published.
"""

from __future__ import annotations

import sys
from pathlib import Path

from .. import results
from ..workspace import Workspace
from .accounts import Accounts

PASSWORD = "socialhr-demo"  # shown in the README and printed by make demo: a demo, not a secret


def create(path: str | Path) -> list[tuple[str, str, str]]:
    """Add (or replace) the demo accounts; returns (username, role, what they see)."""
    with Workspace.open(path) as ws:
        people = results.read(ws, "people").to_arrow().to_pylist()
        managers = {p["manager"] for p in people if p["manager"]}
        counts: dict[str, int] = {}
        for p in people:
            counts[p["department"]] = counts.get(p["department"], 0) + 1
        department = max(counts, key=lambda d: counts[d])
        ids = ws.vault.employee_ids()
        staff = sorted((p for p in people if p["department"] == department and p["person"] not in managers and not p["exit_date"]),
                       key=lambda p: ids.get(p["person"], ""))
        employee = staff[0]["person"] if staff else people[0]["person"]
        employee_id = ids[employee]
        accounts = Accounts(ws.vault.dir)
        made = [("admin", "admin", "data, users, settings, the vault"),
                ("analyst", "analyst", "everything, pseudonymised"),
                ("leader", "leader", f"aggregates of department={department}"),
                ("employee", "employee", f"their own pages (employee {employee_id})")]
        for username, role, _ in made:
            accounts.add(username, role, PASSWORD, person=employee if role == "employee" else None,
                         scope=("department", department) if role == "leader" else None, replace=True)
    return made


def main(argv: list[str] | None = None) -> None:
    args = argv if argv is not None else sys.argv[1:]
    path = args[0] if args else "demo/workspace"
    made = create(path)
    print(f"Demo log-ins (password for each: {PASSWORD}):")
    for username, role, what in made:
        print(f"  {username:<9} {role:<9} {what}")


if __name__ == "__main__":  # pragma: no cover
    main()
