"""Cross-team matching: rounds of pairs (or small groups) of colleagues who would not otherwise meet.

Zappos expects its employees to spend time socialising with colleagues;
ties that bridge otherwise separate groups bring new
information and ideas (Granovetter 1973; Burt 2004). :func:`propose` runs one
round for the people who opted in (``opt_in``; everyone employed when none is
given):

* groups of ``size`` (2: pairs); **never two people of the same team** in a
  group, and **never a pair that was in one group in the last**
  ``match_repeat_rounds`` **rounds** (a setting, default 6);
* each group is chosen to be worth most: a pair of people **not yet tied**
  is worth 4, a pair **in different communities** 4, in different
  departments 1 (for ``mode="any"``, in one location 0.5), plus a seeded
  random tie-break less than 0.01;
* ``mode``: ``in-person`` groups share a location; ``virtual`` groups are
  within ``match_max_hours_apart`` hours of each other's time zone
  (:mod:`.zones`); ``any`` (the default) is virtual, meeting in person when
  everyone shares a location;
* greedily and fast: a group's first member is a free person of the team with
  most people still free (so no large team is left over at the end), then
  each further member is the person worth most to those already in the
  group among a seeded sample of 256 free people (among all of them when
  none of the sample fits), scored at once with numpy;
* what does not divide: the ``r`` people left over when the count is not a
  multiple of ``size`` (and anyone who found no group) each join a different
  group where they break no rule, making groups of ``size + 1``; whoever fits
  nowhere is left out of the round (``unmatched`` in the summary).

Every group is stored (``match_groups``, one row per member, with what the
group brings that member as codes) with status ``proposed``; :func:`mark`
records ``met`` or ``skipped``. The same seed on the same data matches the
same groups.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..errors import InputError, SocialHRError
from ..network.store import insert
from . import runs
from .population import NO_COMMUNITY, Population, load
from .zones import hours_apart, offsets

PROGRAM = "matches"
STATUSES = ("proposed", "met", "skipped")
MODES = ("any", "in-person", "virtual")

# What a pair in a group is worth (docs/programs.md#cross-team-matching).
UNTIED = 4.0
OTHER_COMMUNITY = 4.0
OTHER_DEPARTMENT = 1.0
SAME_LOCATION = 0.5  # mode "any": a group that can meet in person
NOISE = 0.01
SAMPLE = 256  # free people a further member is chosen from (all of them when fewer, or when none of these fits)


@dataclass
class Group:
    members: list[int]
    mode: str
    reasons: list[dict[str, Any]] = field(default_factory=list)  # one per member, what the group brings them


def propose(ws: Any, *, size: int = 2, mode: str = "any", opt_in: Any = None, seed: int = 0,
            progress: Callable[[int, int], None] | None = None) -> dict[str, Any]:
    """Run one round of matching and store it; returns the round's summary.

    ``opt_in``: a file of the people taking part (:func:`read_opt_in`); None for everyone employed.
    """
    _check(size, mode)
    pop = load(ws)
    people = read_opt_in(ws, pop, opt_in) if opt_in is not None else None
    settings = ws.settings
    window = settings["match_repeat_rounds"]
    recent = recent_groups(ws.db, pop, rounds=window)
    groups, summary = choose(pop, size=size, mode=mode, people=people, recent=recent, seed=seed,
                             max_hours_apart=settings["match_max_hours_apart"],
                             location_time_zones=settings["location_time_zones"], progress=progress)
    parameters = {"size": size, "mode": mode, "opt_in": str(opt_in) if opt_in is not None else None, "seed": seed,
                  "repeat_rounds": window, "max_hours_apart": settings["match_max_hours_apart"]}
    stamp = runs.now()
    with ws.transaction() as db:
        run_id = runs.new_run(db, PROGRAM, as_of=pop.as_of, window_id=pop.window_id, parameters=parameters, summary=summary)
        rows = [(g_id, pop.person[p], g.mode, json.dumps(r))
                for g_id, g in enumerate(groups, start=1) for p, r in zip(g.members, g.reasons)]
        if rows:
            n = len(rows)
            insert(db, "match_groups", pa.table({
                "run_id": pa.array([run_id] * n, pa.int32()), "group_id": pa.array([r[0] for r in rows], pa.int32()),
                "person": [r[1] for r in rows], "mode": [r[2] for r in rows], "reasons": [r[3] for r in rows],
                "status": ["proposed"] * n, "status_at": pa.array([stamp] * n, pa.timestamp("us", tz="UTC")),
            }))
    ws.cache.clear()
    return {"run_id": run_id, **summary}


def _check(size: int, mode: str) -> None:
    if size < 2:
        raise SocialHRError(f"--size must be at least 2, got {size}", hint="2 makes pairs; 3 or 4 make small groups.")
    if mode not in MODES:
        raise SocialHRError(f"unknown --mode {mode!r}", hint=f"Use one of: {', '.join(MODES)}.")


def choose(pop: Population, *, size: int = 2, mode: str = "any", people: np.ndarray | None = None,
           recent: Iterable[np.ndarray] = (), seed: int = 0, max_hours_apart: float = 3.0,
           location_time_zones: Iterable[str] = (), progress: Callable[[int, int], None] | None = None,
           ) -> tuple[list[Group], dict[str, Any]]:
    """The groups of one round for ``people`` (indices into ``pop``; everyone when None); nothing stored.

    ``recent``: the groups of the rounds within the repeat window, as arrays of
    indices; no pair of people in one of them is matched again.
    """
    _check(size, mode)
    n = len(pop)
    people = np.arange(n, dtype=np.int64) if people is None else np.unique(np.asarray(people, dtype=np.int64))
    rng = np.random.default_rng(seed)
    f = _Features.of(pop, recent, mode=mode, max_hours_apart=max_hours_apart, location_time_zones=location_time_zones)

    if mode == "in-person":
        has_place = f.loc[people] >= 0
        parts = [people[has_place & (f.loc[people] == code)] for code in np.unique(f.loc[people][has_place])]
        no_location = int((~has_place).sum())
    else:
        parts, no_location = [people], 0
    groups: list[list[int]] = []
    unmatched: list[int] = []
    done = 0
    for part in parts:
        formed, left = _greedy(part, size, f, rng)
        placed_out = _place_leftovers(formed, left, size, f, rng)
        groups += formed
        unmatched += placed_out
        done += len(part)
        if progress:
            progress(done, len(people))

    out = []
    for members in groups:
        members = sorted(members)
        locs = f.loc[members]
        shared = bool(locs[0] >= 0 and np.all(locs == locs[0]))
        g_mode = "in-person" if mode == "in-person" or (mode == "any" and shared) else "virtual"
        out.append(Group(members, g_mode, [_reasons(pop, f, p, members, g_mode) for p in members]))
    out.sort(key=lambda g: pop.person[g.members[0]])
    summary = _summary(pop, f, out, people, unmatched, no_location, size=size, mode=mode)
    return out, summary


@dataclass
class _Features:
    """Per person, as integer codes (−1: unknown), with ties and recent partners as CSR."""

    team: np.ndarray
    comm: np.ndarray
    dept: np.ndarray
    loc: np.ndarray
    offset: np.ndarray  # UTC offset in hours, nan when unknown
    zone: np.ndarray  # code of the offset, −1 when unknown
    zone_ok: np.ndarray  # zone_ok[a][b]: zones a and b are close enough (the last row and column: unknown, always)
    tie_ptr: np.ndarray
    tie_idx: np.ndarray
    recent_ptr: np.ndarray
    recent_idx: np.ndarray
    max_hours: float | None  # the time-zone rule, None when it does not apply
    location_bonus: bool
    tie_mark: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))  # scratch for _rules
    recent_mark: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    stamp: int = 0

    def __post_init__(self) -> None:
        self.tie_mark = np.zeros(len(self.team), np.int64)
        self.recent_mark = np.zeros(len(self.team), np.int64)

    @classmethod
    def of(cls, pop: Population, recent: Iterable[np.ndarray], *, mode: str, max_hours_apart: float,
           location_time_zones: Iterable[str]) -> "_Features":
        n = len(pop)
        team = _codes(pop.team)
        # Someone with no team is a team of their own (nothing to tell them apart from).
        alone = team < 0
        team[alone] = team.max(initial=-1) + 1 + np.arange(int(alone.sum()))
        offset, _ = offsets(pop.location, pop.attributes, on=pop.as_of, setting=list(location_time_zones))
        known = ~np.isnan(offset)
        values, zone = np.unique(offset[known], return_inverse=True)
        zones = np.full(n, -1, dtype=np.int64)
        zones[known] = zone
        zone_ok = np.ones((len(values) + 1, len(values) + 1), dtype=bool)
        zone_ok[:-1, :-1] = hours_apart(values[:, None], values[None, :]) <= max_hours_apart
        a, b = [], []
        for g in recent:
            g = np.asarray(g, dtype=np.int64)
            i, j = np.meshgrid(g, g)
            keep = i != j
            a.append(i[keep])
            b.append(j[keep])
        recent_ptr, recent_idx = _csr(n, np.concatenate(a) if a else np.zeros(0, np.int64),
                                      np.concatenate(b) if b else np.zeros(0, np.int64))
        return cls(team=team, comm=np.where(pop.community == NO_COMMUNITY, -1, pop.community).astype(np.int64),
                   dept=_codes(pop.department), loc=_codes(pop.location), offset=offset, zone=zones, zone_ok=zone_ok,
                   tie_ptr=pop.indptr, tie_idx=pop.indices, recent_ptr=recent_ptr, recent_idx=recent_idx,
                   max_hours=None if mode == "in-person" else float(max_hours_apart), location_bonus=mode == "any")

    def ties(self, i: int) -> np.ndarray:
        return self.tie_idx[self.tie_ptr[i]:self.tie_ptr[i + 1]]

    def recent(self, i: int) -> np.ndarray:
        return self.recent_idx[self.recent_ptr[i]:self.recent_ptr[i + 1]]


def _rules(f: _Features, x: int, people: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For person ``x`` and each of ``people``: may they be in one group, and what the pair is worth.

    The one place the rules live: the greedy and the placing of leftovers both ask here.
    """
    ok = f.team[people] != f.team[x]
    f.stamp += 1  # (marks people with this stamp instead of testing membership: no sort per call)
    recent = f.recent(x)
    if len(recent):
        f.recent_mark[recent] = f.stamp
        ok &= f.recent_mark[people] != f.stamp
    if f.max_hours is not None:
        ok &= f.zone_ok[f.zone[x]][f.zone[people]]
    else:  # in person
        ok &= f.loc[people] == f.loc[x]
    f.tie_mark[f.ties(x)] = f.stamp
    worth = UNTIED * (f.tie_mark[people] != f.stamp)
    if f.comm[x] >= 0:
        worth += OTHER_COMMUNITY * ((f.comm[people] != f.comm[x]) & (f.comm[people] >= 0))
    if f.dept[x] >= 0:
        worth += OTHER_DEPARTMENT * ((f.dept[people] != f.dept[x]) & (f.dept[people] >= 0))
    if f.location_bonus and f.loc[x] >= 0:
        worth += SAME_LOCATION * (f.loc[people] == f.loc[x])
    return ok, worth


def _best(f: _Features, members: list[int], people: np.ndarray, rng: np.random.Generator) -> int | None:
    """The position in ``people`` of the one worth most to ``members`` (person indices) who breaks no rule, or None."""
    ok = np.ones(len(people), dtype=bool)
    worth = rng.random(len(people)) * NOISE
    for x in members:
        o, w = _rules(f, x, people)
        ok &= o
        worth += w
    if not ok.any():
        return None
    return int(np.argmax(np.where(ok, worth, -np.inf)))


def _greedy(part: np.ndarray, size: int, f: _Features, rng: np.random.Generator) -> tuple[list[list[int]], list[int]]:
    """Groups of ``size`` among ``part`` (person indices), and the people left without one.

    Each further member is the best of a seeded sample of ``SAMPLE`` free
    people (nearly everyone is worth the most a pair can be worth, so a
    sample finds one as surely as a scan of everyone, at a fixed cost), or of
    every free person when the sample holds no one who breaks no rule.
    """
    m = len(part)
    if m == 0:
        return [], []
    # Teams by how many of their people are still free, with a seeded tie-break; each team's people in seeded order.
    team_of = np.unique(f.team[part], return_inverse=True)[1]
    free_in_team = np.bincount(team_of).astype(float)
    tie_break = rng.random(len(free_in_team)) * 0.5
    order = rng.permutation(m)
    order = order[np.argsort(team_of[order], kind="stable")]
    next_in_team = np.searchsorted(team_of[order], np.arange(len(free_in_team)))
    free = np.ones(m, dtype=bool)
    # The free people are pool[:nfree] (positions into part); slot[x] is where x is in pool.
    pool = np.arange(m)
    slot = np.arange(m)
    nfree = m

    def move(x: int, to: int) -> None:
        i, y = slot[x], pool[to]
        pool[i], slot[y] = y, i
        pool[to], slot[x] = x, to

    def take(x: int) -> None:
        nonlocal nfree
        move(x, nfree - 1)
        nfree -= 1
        free[x] = False
        free_in_team[team_of[x]] -= 1

    def release(x: int) -> None:
        nonlocal nfree
        move(x, nfree)
        nfree += 1
        free[x] = True
        free_in_team[team_of[x]] += 1

    groups: list[list[int]] = []
    left: list[int] = []
    while nfree:
        t = int(np.argmax(free_in_team + tie_break))
        while not free[order[next_in_team[t]]]:
            next_in_team[t] += 1
        first = int(order[next_in_team[t]])
        take(first)
        members = [first]
        full = nfree <= SAMPLE
        cands = pool[:nfree].copy() if full else pool[rng.integers(0, nfree, SAMPLE)]  # (repeats do no harm)
        while len(members) < size and len(cands):
            at = _best(f, [int(part[x]) for x in members], part[cands], rng)
            if at is None and not full:
                full = True
                cands = pool[:nfree].copy()
                at = _best(f, [int(part[x]) for x in members], part[cands], rng)
            if at is None:
                break
            chosen = int(cands[at])
            take(chosen)
            members.append(chosen)
            cands = cands[cands != chosen]
        if len(members) < size:
            for x in members[1:]:
                release(x)
            left.append(first)
        else:
            groups.append([int(part[x]) for x in members])
    return groups, [int(part[x]) for x in left]


def _place_leftovers(groups: list[list[int]], left: list[int], size: int, f: _Features,
                     rng: np.random.Generator) -> list[int]:
    """Each leftover joins the group of ``size`` worth most to it where it breaks no rule; returns who fits nowhere."""
    if not left:
        return []
    if not groups:
        return sorted(left)
    g = np.array(groups, dtype=np.int64)  # every group has ``size`` members here
    open_ = np.ones(len(g), dtype=bool)
    unplaced = []
    for x in left:
        ok = open_.copy()
        worth = rng.random(len(g)) * NOISE
        for column in g.T:
            o, w = _rules(f, x, column)
            ok &= o
            worth += w
        if not ok.any():
            unplaced.append(x)
            continue
        best = int(np.argmax(np.where(ok, worth, -np.inf)))
        groups[best] = groups[best] + [x]
        open_[best] = False
    return sorted(unplaced)


def _reasons(pop: Population, f: _Features, p: int, members: list[int], mode: str) -> dict[str, Any]:
    """What the group brings ``p``, as codes (put into words by :func:`reason_text`)."""
    others = [o for o in members if o != p]
    tied = set(f.ties(p).tolist())
    r: dict[str, Any] = {"others": len(others), "tied": sum(o in tied for o in others)}
    comms = sorted({pop.describe_community(int(pop.community[o])) for o in others
                    if f.comm[o] >= 0 and f.comm[o] != f.comm[p]})
    depts = sorted({pop.department[o] for o in others if pop.department[o] is not None and pop.department[o] != pop.department[p]})
    if comms:
        r["communities"] = comms
    if depts:
        r["departments"] = depts
    if mode == "in-person":
        r["location"] = pop.location[p]
    else:
        known = [f.offset[o] for o in others if not np.isnan(f.offset[o])]
        if known and not np.isnan(f.offset[p]):
            r["hours_apart"] = float(np.max(hours_apart(np.array(known), f.offset[p])))
    return r


def reason_text(reasons: dict[str, Any] | str) -> str:
    """What a group brings a member, in words.

    >>> reason_text({"others": 1, "tied": 0, "communities": ["the Finance community"], "departments": ["Legal"],
    ...              "location": "Paris"})
    'from the Finance community and the Legal department; not yet connected to you; meet in person (Paris)'
    >>> reason_text({"others": 2, "tied": 1, "communities": ["the IT community", "the Sales community"],
    ...              "departments": ["IT", "Sales"], "hours_apart": 1.0})
    'from the IT community, the Sales community and the IT and Sales departments; 1 of 2 already connected to you; meet virtually (within 1 hour of your time zone)'
    """
    if isinstance(reasons, str):
        reasons = json.loads(reasons)
    reach = list(reasons.get("communities", []))
    depts = reasons.get("departments", [])
    if depts:
        reach.append(f"the {_and(depts)} department{'s' if len(depts) > 1 else ''}")
    parts = ["from " + _and(reach)] if reach else []
    others, tied = reasons.get("others", 1), reasons.get("tied", 0)
    if tied == 0:
        parts.append("not yet connected to you")
    elif others == 1:
        parts.append("already connected to you")
    else:
        parts.append(f"{tied} of {others} already connected to you")
    if "location" in reasons:
        parts.append(f"meet in person ({reasons['location']})")
    elif "hours_apart" in reasons:
        h = reasons["hours_apart"]
        within = "same time zone" if h == 0 else f"within {h:g} hour{'s' if h != 1 else ''} of your time zone"
        parts.append(f"meet virtually ({within})")
    else:
        parts.append("meet virtually")
    return "; ".join(parts)


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _summary(pop: Population, f: _Features, groups: list[Group], people: np.ndarray, unmatched: list[int],
             no_location: int, *, size: int, mode: str) -> dict[str, Any]:
    pairs = untied = cross = 0
    for g in groups:
        for a_i, a in enumerate(g.members):
            tied = set(f.ties(a).tolist())
            for b in g.members[a_i + 1:]:
                pairs += 1
                untied += b not in tied
                cross += bool(f.comm[a] >= 0 and f.comm[b] >= 0 and f.comm[a] != f.comm[b])
    sizes: dict[str, int] = {}
    for g in groups:
        sizes[str(len(g.members))] = sizes.get(str(len(g.members)), 0) + 1
    zone_unknown = int(np.isnan(f.offset[people]).sum()) if len(people) else 0
    return {
        "as_of": pop.as_of.isoformat(), "window_id": pop.window_id, "size": size, "mode": mode,
        "people": int(len(people)), "groups": len(groups), "group_sizes": sizes,
        "matched": int(sum(len(g.members) for g in groups)), "unmatched": len(unmatched) + no_location,
        "no_location": no_location, "time_zone_unknown": zone_unknown if mode != "in-person" else 0,
        "untied_pair_share": round(untied / pairs, 4) if pairs else 0.0,
        "cross_community_pair_share": round(cross / pairs, 4) if pairs else 0.0,
    }


def _codes(values: list) -> np.ndarray:
    """Integer codes of values in sorted order; −1 for None."""
    names = sorted({v for v in values if v is not None}, key=str)
    at = {v: i for i, v in enumerate(names)}
    return np.array([at.get(v, -1) if v is not None else -1 for v in values], dtype=np.int64)


def _csr(n: int, src: np.ndarray, dst: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    order = np.lexsort((dst, src))
    ptr = np.zeros(n + 1, dtype=np.int64)
    np.add.at(ptr, src + 1, 1)
    return np.cumsum(ptr), dst[order]


# -- what is stored: earlier rounds, the opt-in file, statuses -----------------------------------------------------

def recent_groups(db: Any, pop: Population, *, rounds: int) -> list[np.ndarray]:
    """The groups of the last ``rounds`` rounds, as arrays of indices into ``pop`` (people who left dropped)."""
    if rounds <= 0:
        return []
    ids = [r[0] for r in db.execute("SELECT run_id FROM program_runs WHERE program = ? ORDER BY run_id DESC LIMIT ?",
                                    [PROGRAM, rounds]).fetchall()]
    if not ids:
        return []
    rows = db.execute(f"SELECT run_id, group_id, person FROM match_groups WHERE run_id IN ({', '.join('?' * len(ids))}) "
                      "ORDER BY run_id, group_id", ids).fetch_arrow_table()
    at = pc.index_in(rows["person"], value_set=pa.array(pop.person))
    keep = pc.is_valid(at)
    index = pc.filter(at, keep).to_numpy(zero_copy_only=False).astype(np.int64)
    key = (pc.filter(rows["run_id"], keep).to_numpy().astype(np.int64) << 32) | pc.filter(rows["group_id"], keep).to_numpy()
    if not len(key):
        return []
    starts = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
    return [g for g in np.split(index, starts[1:]) if len(g) > 1]


def read_opt_in(ws: Any, pop: Population, path: Any) -> np.ndarray:
    """Indices of the people a file names (column ``employee_id`` or ``person``: employee ids or pseudonyms).

    Raises :class:`InputError` with the file and line for someone not on the
    roster or no longer employed; nothing is stored.
    """
    from ..ingest.tabular import open_table

    try:
        src = open_table(path, required=["person"], aliases={"employee_id": "person", "employee id": "person", "pseudonym": "person"},
                         max_ratio=ws.settings["archive_max_ratio"])
    except InputError as e:
        if "missing required column" not in e.message:
            raise
        raise InputError(e.message, file=path, line=e.line,
                         hint="The opt-in file's first row names its column: employee_id (employee ids) or person (pseudonyms).") from None
    vault = ws.vault.available
    on_roster = set()
    out = []
    row = 0
    for batch in src.batches():
        for value in batch.column("person").to_pylist():
            value = (str(value) if value is not None else "").strip()
            if not value:
                raise src.error(row, "person", "no employee id", hint="Every row names one person: an employee id or a pseudonym.")
            candidates = [ws.pseudonymiser.person(value), value] if vault else [value]
            found = next((pop.index[c] for c in candidates if c in pop.index), None)
            if found is None:
                if not on_roster:
                    on_roster = {r[0] for r in ws.db.execute("SELECT person FROM people").fetchall()}
                if any(c in on_roster for c in candidates):
                    raise src.error(row, "person", f"{value!r} is not employed on {pop.as_of} (the end of the data)",
                                    hint="Remove people who have left from the opt-in file.")
                raise src.error(row, "person", f"no one on the roster is {value!r}",
                                hint="Give employee ids (the vault must be present) or pseudonyms from 'socialhr export DIR people'."
                                if vault else "The vault is absent: give pseudonyms from 'socialhr export DIR people', not employee ids.")
            out.append(found)
            row += 1
    if not out:
        raise InputError("the opt-in file names no one", file=path, hint="List one employee id (or pseudonym) per row, under a header employee_id.")
    return np.unique(np.array(out, dtype=np.int64))


def mark(ws: Any, changes: Iterable[tuple[str, str]], *, run_id: int | None = None, source: str = "--mark") -> int:
    """Record what became of people's groups, given as (person, status) pseudonyms; returns how many changed.

    All or nothing: someone not matched in the round, or an unknown status, changes nothing.
    """
    db = ws.db
    run_id = runs.check_run(db, PROGRAM, run_id)
    rows = list(changes)
    groups = {}
    for line, (person, status) in enumerate(rows, start=2):
        where = {} if source == "--mark" else {"file": source, "line": line}
        if status not in STATUSES:
            raise InputError(f"unknown status {status!r}", field="status", hint=f"Use one of: {', '.join(STATUSES)}.", **where)
        found = db.execute("SELECT group_id FROM match_groups WHERE run_id = ? AND person = ?", [run_id, person]).fetchone()
        if found is None:
            raise InputError(f"run {run_id} matched no one called {person!r}",
                             hint="Give people as the matches file has them (or their employee ids, with the vault).", **where)
        groups[person] = found[0]
    stamp = runs.now()
    changed = 0
    with ws.transaction() as db:
        for person, status in rows:
            old = db.execute("SELECT status FROM match_groups WHERE run_id = ? AND person = ?", [run_id, person]).fetchone()[0]
            if old == status:
                continue
            db.execute("UPDATE match_groups SET status = ?, status_at = ? WHERE run_id = ? AND person = ?", [status, stamp, run_id, person])
            db.execute("INSERT INTO program_events VALUES (?, ?, ?, ?, ?, ?)", [run_id, PROGRAM, person, str(groups[person]), status, stamp])
            changed += 1
    ws.cache.clear()
    return changed


def read_marks(ws: Any, path: Any) -> list[tuple[str, str]]:
    """(person, status) of every row of a CSV (or other table) with those columns, e.g. the matches file edited."""
    from ..ingest.tabular import open_table

    src = open_table(path, required=["person", "status"], max_ratio=ws.settings["archive_max_ratio"])
    out = []
    row = 0
    for batch in src.batches():
        for values in batch.to_pylist():
            rec = {k: (str(v).strip() if v is not None else "") for k, v in values.items()}
            for name in ("person", "status"):
                if not rec[name]:
                    raise src.error(row, name, f"no {name}", hint="Every row needs a person and a status.")
            if rec["status"] not in STATUSES:
                raise src.error(row, "status", f"unknown status {rec['status']!r}", hint=f"Use one of: {', '.join(STATUSES)}.")
            out.append((rec["person"], rec["status"]))
            row += 1
    return out
