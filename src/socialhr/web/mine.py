"""The signed-in person's own network: what "my network" shows and ``GET /api/me`` answers.

Read through the one read path as the employee viewer, so only their own rows
come back, whatever their account's role: their metrics, their ties (with each
colleague's team), how their network changed over the windows, where they stand
against their peers' range (``peer_range``: quartiles of a group, never anyone's
figure), and colleagues in other teams to reach (``reach_suggestions``).
Colleagues' names are read from the vault at the moment of use, for the
person's own ties and suggestions only (:func:`colleague_names`).
"""

from __future__ import annotations

from typing import Any

from fastapi import Request

from ..network.personal import PEER_METRICS
from ..results.viewer import Viewer
from .accounts import Session
from . import reads

PEER_DIMENSIONS = ("level", "department")


def colleague_names(request: Request, s: Session, persons: list[str]) -> dict[str, str]:
    """Names of ``persons`` (the person's own colleagues) from the vault's people table, read now; audited."""
    persons = sorted(set(persons))
    if not persons:
        return {}
    conn = request.app.state.site.workspace().vault.connect()
    out: dict[str, str] = {}
    for i in range(0, len(persons), 500):
        chunk = persons[i:i + 500]
        out.update({p: n for p, n in conn.execute(
            f"SELECT person, name FROM people WHERE person IN ({','.join('?' * len(chunk))})", chunk).fetchall() if n})
    reads.audit(request, s, "view", "names", {"people": len(persons)})
    return out


def _position(value: Any, r: dict[str, Any]) -> str:
    if value is None:
        return "unknown"
    if value < r["p25"]:
        return "below"
    if value > r["p75"]:
        return "above"
    return "within"


def my_network(request: Request, s: Session, *, window: str | None = None) -> dict[str, Any] | None:
    me = Viewer.employee(s.user.person or "")
    metrics, _ = reads.read(request, s, "person_metrics", viewer=me, window=window)
    if not metrics:
        return {"window": window, "metrics": None, "ties": []}
    row = metrics[-1]
    wid = row["window_id"]
    ties, _ = reads.read(request, s, "edges", viewer=me, window=wid, channel="all")
    mine = []
    for t in ties:
        other = t["target"] if t["source"] == s.user.person else t["source"]
        mine.append({"colleague": other, "direction": "out" if t["source"] == s.user.person else "in",
                     "weight": t["weight"], "strong": t["strong"], "reciprocated": t["reciprocated"]})
    # Who I work with: one row per colleague, with their team.
    own_ties, _ = reads.read(request, s, "person_ties", viewer=me, window=wid)
    suggestions, _ = reads.read(request, s, "reach_suggestions", viewer=me, window=wid)
    names = colleague_names(request, s, [t["colleague"] for t in own_ties] + [x["colleague"] for x in suggestions])
    colleagues = [{"colleague": t["colleague"], "name": names.get(t["colleague"]), "team": t["colleague_team"],
                   "department": t["colleague_department"], "same_team": t["same_team"], "weight": t["weight"],
                   "strong": t["strong"], "reciprocated": t["reciprocated"]} for t in own_ties]
    teams: dict[tuple, dict[str, Any]] = {}
    for c in colleagues:
        g = teams.setdefault((c["department"], c["team"]), {"department": c["department"], "team": c["team"], "ties": 0, "strong": 0,
                                                            "own_team": c["same_team"]})
        g["ties"] += 1
        g["strong"] += int(bool(c["strong"]))
    depts: dict[Any, int] = {}
    for c in colleagues:
        depts[c["department"]] = depts.get(c["department"], 0) + 1
    # How my network changed.
    series, _ = reads.read(request, s, "person_metrics", viewer=me, window="*")
    trends, _ = reads.read(request, s, "person_trends", viewer=me, window="*")
    by_window = {t["window_id"]: t for t in trends}
    history = [{"window_id": m["window_id"], **{k: m.get(k) for k in PEER_METRICS},
                "network_size_change": by_window.get(m["window_id"], {}).get("network_size_change"),
                "network_shrank": by_window.get(m["window_id"], {}).get("network_shrank"),
                "new_joiner": by_window.get(m["window_id"], {}).get("new_joiner")} for m in series]
    # Where I stand against my peers' range (a group's quartiles; withheld for a small group).
    peers = {}
    for dim in PEER_DIMENSIONS:
        group = row.get(dim)
        ranges, withheld = reads.read(request, s, "peer_range", viewer=me, window=wid, dimension=dim)
        mine_ = {r["metric"]: r for r in ranges if r["group"] == group}
        reason = next((w["reason"] for w in withheld if w["dimension"] in (dim, "organization") and w["group"] in (group, None)), None)
        peers[dim] = {"group": group, "withheld": None if mine_ else (reason or "not shown under the minimum group size"),
                      "metrics": {m: {"value": row.get(m), "people": r["people"], "p25": r["p25"], "median": r["median"],
                                      "p75": r["p75"], "position": _position(row.get(m), r)} for m, r in mine_.items()}}
    reach = []
    for x in suggestions:
        who = names.get(x["colleague"]) or "a colleague"
        why = (f"{x['shared_colleagues']} of the people you work with also work with {who} ({x['colleague_team']}, "
               f"{x['colleague_department']}); you have no tie to them yet")
        if x["new_department"]:
            why += f", and none of your ties is in {x['colleague_department']} yet"
        reach.append({"kind": "colleague", "colleague": x["colleague"], "name": names.get(x["colleague"]), "team": x["colleague_team"],
                      "department": x["colleague_department"], "shared_colleagues": x["shared_colleagues"], "why": why + "."})
    return {"window": wid, "metrics": row, "ties": mine, "colleagues": colleagues,
            "teams": sorted(teams.values(), key=lambda g: -g["ties"]),
            "departments": [{"department": d, "ties": n} for d, n in sorted(depts.items(), key=lambda x: -x[1])],
            "history": history, "peers": peers, "suggestions": reach}
