"""Introductions for new joiners: about 20 colleagues each, chosen to open the network up.

Goldman Sachs introduces each new joiner to about twenty senior colleagues
during recruitment; Microsoft's study of about 3,000 new hires found that the
people whose manager met them one-to-one in their first week had a 12% larger
network at 90 days (docs/programs.md). :func:`propose` does this for every
joiner at once, fairly:

* **joiners**: people hired within the last ``since`` days of the data (or
  about to start); **colleagues**: everyone else employed, at or above
  ``min_level`` when given (:mod:`.levels`), not already tied to the joiner in
  any window of the analysis;
* each joiner gets ``count`` distinct colleagues, chosen greedily to reach as
  many **communities** and then **departments** the joiner is not yet
  connected to (through their own ties) as possible, spreading picks across
  communities, then preferring the same **location** and shared declared
  **attributes**, then at random (seeded);
* joiners choose in turns, one colleague per turn, in a seeded order that
  reverses every round (a snake draft), and no colleague is given more than
  ``max_per_colleague`` joiners in a run, so the load is spread and no
  joiner gets only the leftovers. A joiner who runs out of eligible
  colleagues gets fewer (counted in the summary as ``short``).

Every proposal is stored (``introductions``, with its reasons as codes) with
status ``proposed``; :func:`mark` records what became of it (``accepted``,
``met``, ``declined``) in ``introductions`` and, with its time, in
``program_events``. The same seed on the same data proposes the same
introductions.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Callable, Iterable

import numpy as np
import pyarrow as pa

from ..errors import InputError, SocialHRError
from ..network.store import insert
from . import runs
from .population import NO_COMMUNITY, Population, load

PROGRAM = "introductions"
STATUSES = ("proposed", "accepted", "met", "declined")

# What a pick is worth to a joiner (docs/programs.md#introductions).
NEW_COMMUNITY = 8.0
NEW_DEPARTMENT = 4.0
SPREAD = 0.5  # less for each colleague already picked from that community
SAME_LOCATION = 1.0
SHARED_ATTRIBUTE = 0.5
NOISE = 0.01


@dataclass
class Proposal:
    joiner: int
    colleague: int
    rank: int
    reasons: dict[str, Any]


def propose(ws: Any, *, since: int = 90, count: int = 20, min_level: str | None = None, max_per_colleague: int = 3,
            seed: int = 0, progress: Callable[[int, int], None] | None = None) -> dict[str, Any]:
    """Propose introductions for every new joiner and store them; returns the run's summary."""
    for name, value, least in (("--since", since, 1), ("--count", count, 1), ("--max-per-colleague", max_per_colleague, 1)):
        if value < least:
            raise SocialHRError(f"{name} must be at least {least}, got {value}")
    pop = load(ws)
    proposals, summary = choose(pop, since=since, count=count, min_level=min_level, max_per_colleague=max_per_colleague,
                                seed=seed, progress=progress)
    parameters = {"since": since, "count": count, "min_level": min_level, "max_per_colleague": max_per_colleague, "seed": seed}
    with ws.transaction() as db:
        run_id = runs.new_run(db, PROGRAM, as_of=pop.as_of, window_id=pop.window_id, parameters=parameters, summary=summary)
        stamp = runs.now()
        if proposals:
            # As one Arrow table: row by row (executemany) took 35 s for 10,000 introductions.
            n = len(proposals)
            insert(db, "introductions", pa.table({
                "run_id": pa.array([run_id] * n, pa.int32()), "joiner": [pop.person[p.joiner] for p in proposals],
                "colleague": [pop.person[p.colleague] for p in proposals], "rank": pa.array([p.rank for p in proposals], pa.int32()),
                "reasons": [json.dumps(p.reasons) for p in proposals], "status": ["proposed"] * n,
                "status_at": pa.array([stamp] * n, pa.timestamp("us", tz="UTC")),
            }))
    ws.cache.clear()
    return {"run_id": run_id, **summary}


def choose(pop: Population, *, since: int, count: int, min_level: str | None, max_per_colleague: int, seed: int,
           progress: Callable[[int, int], None] | None = None) -> tuple[list[Proposal], dict[str, Any]]:
    """The introductions for ``pop``'s joiners (nothing stored)."""
    n = len(pop)
    joiners = pop.joiners(since)
    is_joiner = np.zeros(n, dtype=bool)
    is_joiner[joiners] = True
    floor = pop.min_rank(min_level)
    eligible = ~is_joiner & (pop.seniority >= floor if min_level is not None else True)
    capacity = np.where(eligible, max_per_colleague, 0).astype(np.int64)

    community = pop.community
    n_comm = int(community.max()) + 2 if n else 1
    comm_code = np.where(community == NO_COMMUNITY, n_comm - 1, community)  # (the last code: no community)
    dept_code, dept_names = _codes(pop.department)
    loc_code, _ = _codes(pop.location)
    attr_keys = sorted({k for a in pop.attributes for k in a})
    attr_codes = [_codes([a.get(k) for a in pop.attributes]) for k in attr_keys]

    rng = np.random.default_rng(seed)
    order = joiners[rng.permutation(len(joiners))]

    state = []
    for j in order:
        mine = pop.neighbours(j)
        reached_comm = np.zeros(n_comm, dtype=bool)
        reached_comm[comm_code[mine]] = True
        reached_comm[comm_code[j]] = True
        reached_comm[n_comm - 1] = True  # (no community is nothing to reach)
        reached_dept = np.zeros(len(dept_names) + 1, dtype=bool)
        reached_dept[dept_code[mine]] = True
        reached_dept[dept_code[j]] = True
        reached_dept[-1] = True
        base = rng.random(n) * NOISE
        if pop.location[j] is not None:
            base += SAME_LOCATION * (loc_code == loc_code[j])
        for codes, names in attr_codes:
            if codes[j] != len(names):
                base += SHARED_ATTRIBUTE * (codes == codes[j])
        blocked = np.zeros(n, dtype=bool)
        blocked[mine] = True
        blocked[j] = True
        state.append({"j": int(j), "reached_comm": reached_comm, "reached_dept": reached_dept, "base": base,
                      "blocked": blocked, "picked_comm": np.zeros(n_comm), "picks": 0})

    proposals: list[Proposal] = []
    short = 0
    for round_ in range(count):
        turn = state if round_ % 2 == 0 else state[::-1]
        for s in turn:
            if s["picks"] < round_:  # (ran out in an earlier round)
                continue
            available = (capacity > 0) & ~s["blocked"]
            if not available.any():
                continue
            new_comm = ~s["reached_comm"][comm_code]
            new_dept = ~s["reached_dept"][dept_code]
            score = (NEW_COMMUNITY * new_comm + NEW_DEPARTMENT * new_dept - SPREAD * s["picked_comm"][comm_code]
                     + s["base"])
            score[~available] = -np.inf
            c = int(np.argmax(score))
            j = s["j"]
            proposals.append(Proposal(j, c, s["picks"] + 1, _reasons(pop, j, c, bool(new_comm[c]), bool(new_dept[c]),
                                                                    attr_keys)))
            capacity[c] -= 1
            s["blocked"][c] = True
            s["reached_comm"][comm_code[c]] = True
            s["reached_dept"][dept_code[c]] = True
            s["picked_comm"][comm_code[c]] += 1
            s["picks"] += 1
        if progress:
            progress(round_ + 1, count)
    short = sum(1 for s in state if s["picks"] < count)
    used = capacity[eligible] < max_per_colleague
    summary = {
        "as_of": pop.as_of.isoformat(), "window_id": pop.window_id, "joiners": int(len(joiners)),
        "introductions": len(proposals), "colleagues": int(used.sum()), "eligible_colleagues": int(eligible.sum()),
        "short": short,
        "communities_reached_mean": _mean_reached(pop, proposals, comm_code),
    }
    proposals.sort(key=lambda p: (pop.person[p.joiner], p.rank))
    return proposals, summary


def _codes(values: list) -> tuple[np.ndarray, list]:
    """Integer codes of values (None gets the last code, len(names))."""
    names = sorted({v for v in values if v is not None}, key=str)
    at = {v: i for i, v in enumerate(names)}
    return np.array([at.get(v, len(names)) for v in values], dtype=np.int64), names


def _reasons(pop: Population, j: int, c: int, new_comm: bool, new_dept: bool, attr_keys: list[str]) -> dict[str, Any]:
    r: dict[str, Any] = {}
    if new_comm and pop.community[c] != NO_COMMUNITY:
        r["community"] = pop.describe_community(int(pop.community[c]))
    if new_dept and pop.department[c] is not None:
        r["department"] = pop.department[c]
    if pop.location[c] is not None and pop.location[c] == pop.location[j]:
        r["location"] = pop.location[c]
    shared = {k: pop.attributes[c][k] for k in attr_keys
              if k in pop.attributes[c] and pop.attributes[c][k] is not None and pop.attributes[j].get(k) == pop.attributes[c][k]}
    if shared:
        r["attributes"] = shared
    if pop.level[c] is not None:
        r["level"] = pop.level[c]
    return r


def reason_text(reasons: dict[str, Any] | str) -> str:
    """Why a colleague was chosen, in words: 'connects you to the Finance community; same location (Paris)'.

    >>> reason_text({"community": "the Finance community", "department": "Finance", "location": "Paris"})
    'connects you to the Finance community and the Finance department; same location (Paris)'
    >>> reason_text({"department": "Legal", "attributes": {"language": "fr"}})
    'connects you to the Legal department; same language (fr)'
    >>> reason_text({})
    'someone you are not yet connected to'
    """
    if isinstance(reasons, str):
        reasons = json.loads(reasons)
    reach = []
    if "community" in reasons:
        reach.append(reasons["community"])
    if "department" in reasons:
        reach.append(f"the {reasons['department']} department")
    parts = []
    if reach:
        parts.append("connects you to " + " and ".join(reach))
    if "location" in reasons:
        parts.append(f"same location ({reasons['location']})")
    for k, v in (reasons.get("attributes") or {}).items():
        parts.append(f"same {k} ({v})")
    return "; ".join(parts) or "someone you are not yet connected to"


def _mean_reached(pop: Population, proposals: list[Proposal], comm_code: np.ndarray) -> float:
    if not proposals:
        return 0.0
    by: dict[int, set] = {}
    for p in proposals:
        by.setdefault(p.joiner, set()).add(int(comm_code[p.colleague]))
    return round(float(np.mean([len(v) for v in by.values()])), 2)


def mark(ws: Any, changes: Iterable[tuple[str, str, str]], *, run_id: int | None = None, source: str = "--mark") -> int:
    """Set the status of introductions, given as (joiner, colleague, status) pseudonyms; returns how many changed.

    All or nothing: an unknown introduction or status changes nothing.
    """
    db = ws.db
    run_id = runs.check_run(db, PROGRAM, run_id)
    rows = list(changes)
    for line, (joiner, colleague, status) in enumerate(rows, start=2):
        where = {} if source == "--mark" else {"file": source, "line": line}
        if status not in STATUSES:
            raise InputError(f"unknown status {status!r}", field="status", hint=f"Use one of: {', '.join(STATUSES)}.", **where)
        found = db.execute("SELECT 1 FROM introductions WHERE run_id = ? AND joiner = ? AND colleague = ?",
                           [run_id, joiner, colleague]).fetchone()
        if found is None:
            raise InputError(f"run {run_id} proposed no introduction of {colleague!r} to {joiner!r}",
                             hint="Give the joiner and colleague as the introductions file has them (or their employee ids, with the vault).",
                             **where)
    stamp = runs.now()
    changed = 0
    with ws.transaction() as db:
        for joiner, colleague, status in rows:
            old = db.execute("SELECT status FROM introductions WHERE run_id = ? AND joiner = ? AND colleague = ?",
                             [run_id, joiner, colleague]).fetchone()[0]
            if old == status:
                continue
            db.execute("UPDATE introductions SET status = ?, status_at = ? WHERE run_id = ? AND joiner = ? AND colleague = ?",
                       [status, stamp, run_id, joiner, colleague])
            db.execute("INSERT INTO program_events VALUES (?, ?, ?, ?, ?, ?)", [run_id, PROGRAM, joiner, colleague, status, stamp])
            changed += 1
    ws.cache.clear()
    return changed


def read_marks(ws: Any, path: Any) -> list[tuple[str, str, str]]:
    """(joiner, colleague, status) of every row of a CSV (or other table) with those columns, e.g. the proposals file edited."""
    from ..ingest.tabular import open_table

    src = open_table(path, required=["joiner", "colleague", "status"], max_ratio=ws.settings["archive_max_ratio"])
    out = []
    row = 0
    for batch in src.batches():
        for values in batch.to_pylist():
            rec = {k: (str(v).strip() if v is not None else "") for k, v in values.items()}
            for name in ("joiner", "colleague", "status"):
                if not rec[name]:
                    raise src.error(row, name, f"no {name}", hint="Every row needs a joiner, a colleague and a status.")
            if rec["status"] not in STATUSES:
                raise src.error(row, "status", f"unknown status {rec['status']!r}", hint=f"Use one of: {', '.join(STATUSES)}.")
            out.append((rec["joiner"], rec["colleague"], rec["status"]))
            row += 1
    return out
