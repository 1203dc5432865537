"""The org chart: departments, teams, managers, levels, locations, hire dates, roles.

A CEO leads the company and a small Office of the CEO. Each department is led
by a VP reporting to the CEO; below the VP sit directors (D1) and, in large
departments, senior managers (M3), each leading 4-7 managers; frontline
managers (M1/M2) lead teams of 4-12 individual contributors (IC1-IC5). Leaders
above the frontline may have 0-2 staff (program managers, chiefs of staff).

A person's ``team`` is the unit they work in: individual contributors are in
their manager's team and every manager is in the team they lead, so each team
has exactly one leader and everyone else in it reports to that leader.

Days are counted from the first day of the interaction window (day 0);
negative days are before it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from . import company as co
from .names import draw_names, email_local_part, unique_local_parts

NO_EXIT = 2**30  # exit_day of people who have not left
MIN_PEOPLE = 60

# Kinds of position, used to pick titles and eligibility for planted roles.
IC, STAFF, LEADER = 0, 1, 2


@dataclass
class Org:
    """All people (in employee-id order) and all teams, as numpy arrays."""

    employee_id: np.ndarray  # object: "E000001", ...
    first_name: np.ndarray  # object
    last_name: np.ndarray  # object
    email: np.ndarray  # object
    dept: np.ndarray  # int: index into dept_names (0 = Executive)
    team: np.ndarray  # int: index into team_names
    manager: np.ndarray  # int: index of the manager, -1 for the CEO
    level: np.ndarray  # int: index into company.LEVELS
    location: np.ndarray  # int: index into company.LOCATION_NAMES
    kind: np.ndarray  # IC, STAFF or LEADER
    employment: np.ndarray  # int: index into company.EMPLOYMENT_TYPES
    title: np.ndarray  # object
    hire_day: np.ndarray  # int: day of hire relative to the window start
    exit_day: np.ndarray  # int: last day employed, NO_EXIT if still employed
    team_names: list[str]
    team_leader: np.ndarray
    team_dept: np.ndarray
    dept_names: list[str]
    dept_head: np.ndarray
    dept_specs: list[co.DepartmentSpec]
    is_joiner: np.ndarray  # bool: hired during the interaction window
    is_isolated: np.ndarray  # bool: planted isolated
    is_broker: np.ndarray  # bool: planted broker
    broker_departments: dict[int, list[int]] = field(default_factory=dict)

    @property
    def size(self) -> int:
        return len(self.employee_id)

    def active_on(self, day: int | np.ndarray) -> np.ndarray:
        """Who is employed on ``day`` (hired on or before it, not yet left)."""
        return (self.hire_day <= day) & (self.exit_day >= day)


class _Builder:
    """Accumulates people and units while the tree is walked (Python lists)."""

    def __init__(self):
        self.dept: list[int] = []
        self.team: list[int] = []
        self.manager: list[int] = []
        self.level: list[int] = []
        self.location: list[int] = []
        self.kind: list[int] = []
        self.role: list[str] = []  # the job family, completed into a title later
        self.unit_name: list[str] = []
        self.unit_leader: list[int] = []
        self.unit_dept: list[int] = []
        self.unit_location: list[int] = []

    def unit(self, name: str, dept: int, location: int) -> int:
        self.unit_name.append(name)
        self.unit_leader.append(-1)
        self.unit_dept.append(dept)
        self.unit_location.append(location)
        return len(self.unit_name) - 1

    def person(self, *, dept: int, team: int, manager: int, level: str, location: int, kind: int,
               role: str) -> int:
        self.dept.append(dept)
        self.team.append(team)
        self.manager.append(manager)
        self.level.append(co.LEVEL_CODE[level])
        self.location.append(location)
        self.kind.append(kind)
        self.role.append(role)
        return len(self.dept) - 1

    def people(self, count: int, **fields) -> None:
        for _ in range(count):
            self.person(**fields)


def _department_sizes(total: int, weights: np.ndarray, rng: np.random.Generator, minimum: int = 8) -> np.ndarray:
    w = weights * rng.gamma(25.0, 1 / 25.0, len(weights))
    w = w / w.sum()
    raw = minimum + w * (total - minimum * len(w))
    sizes = np.floor(raw).astype(np.int64)
    order = np.argsort(-(raw - sizes), kind="stable")
    sizes[order[: total - sizes.sum()]] += 1
    return sizes


def _management_layers(frontline: int, rng: np.random.Generator, max_span: int = 8) -> list[list[int]]:
    """Group sizes of each management layer above the frontline, bottom-up."""
    layers = []
    current = frontline
    while current > max_span:
        groups = math.ceil(current / rng.uniform(4.0, 6.5))
        sizes = np.full(groups, current // groups)
        sizes[: current % groups] += 1
        layers.append([int(s) for s in rng.permutation(sizes)])
        current = groups
    return layers


def _team_sizes(ics: int, teams: int, rng: np.random.Generator, low: int = 4, high: int = 12) -> np.ndarray:
    sizes = np.full(teams, low)
    extra = ics - low * teams
    w = rng.gamma(3.0, 1.0, teams)
    add = np.minimum(np.floor(extra * w / w.sum()).astype(np.int64), high - low)
    remaining = extra - int(add.sum())
    while remaining > 0:
        room = np.flatnonzero(add < high - low)
        if len(room) == 0:  # only in tiny departments: let teams grow past the bound
            room = np.arange(teams)
        pick = rng.choice(room, size=min(remaining, len(room)), replace=False)
        add[pick] += 1
        remaining -= len(pick)
    return sizes + add


def _build_department(b: _Builder, d: int, spec: co.DepartmentSpec, size: int, ceo: int,
                      loc_p: np.ndarray, rng: np.random.Generator) -> int:
    rest = size - 1
    frontline = max(1, round(rest / 9.4))
    vp_staff = int(size >= 40) + int(size >= 400)
    for _ in range(200):
        layers = _management_layers(frontline, rng)
        upper = sum(len(layer) for layer in layers)
        staff = rng.choice(3, p=[0.5, 0.35, 0.15], size=upper)
        ics = rest - frontline - upper - int(staff.sum()) - vp_staff
        if ics < 4 * frontline and frontline > 1:
            frontline -= 1
        elif ics > 12 * frontline:
            frontline += 1
        else:
            break
    if ics < 1:  # a department too small for staff roles
        staff[:] = 0
        vp_staff = 0
        ics = rest - frontline - upper
    team_sizes = iter(_team_sizes(ics, frontline, rng).tolist())
    staff_counts = iter(staff.tolist())

    # The tree, bottom-up: node -> its children (frontline nodes have none).
    children: list[list[int]] = [[] for _ in range(frontline)]
    current = list(range(frontline))
    for group_sizes in layers:
        nxt, i = [], 0
        for s in group_sizes:
            children.append(current[i : i + s])
            nxt.append(len(children) - 1)
            i += s
        current = nxt
    top = current

    n_loc = len(loc_p)
    home = int(np.argmax(loc_p))
    vp_unit = b.unit(f"{spec.name} Leadership", d, home)
    vp = b.person(dept=d, team=vp_unit, manager=ceo, level="VP", location=home, kind=LEADER, role=f"VP {spec.name}")
    b.unit_leader[vp_unit] = vp
    b.people(vp_staff, dept=d, team=vp_unit, manager=vp, level="IC4", location=home, kind=STAFF,
             role="Chief of Staff")

    def realize(node: int, boss: int, name: str, location: int, is_top: bool) -> None:
        unit = b.unit(name, d, location)
        if children[node]:
            level, role = ("D1", f"Director, {name}") if is_top else ("M3", f"Head of {name}")
        else:
            level = "M1" if rng.random() < 0.65 else "M2"
            role = f"{'Senior ' if level == 'M2' else ''}Manager, {spec.name}"
        leader = b.person(dept=d, team=unit, manager=boss, level=level, location=location, kind=LEADER, role=role)
        b.unit_leader[unit] = leader
        if not children[node]:
            b.people(next(team_sizes), dept=d, team=unit, manager=leader, level="IC1", location=location, kind=IC,
                     role="")
            return
        b.people(next(staff_counts), dept=d, team=unit, manager=leader, level="IC3", location=location,
                 kind=STAFF, role="Program Manager")
        for k, child in enumerate(children[node], start=1):
            child_loc = location if rng.random() < 0.75 else int(rng.choice(n_loc, p=loc_p))
            realize(child, leader, f"{name} {k}" if is_top else f"{name}.{k}", child_loc, False)

    stems = spec.team_stems
    for i, node in enumerate(top):
        stem = stems[i % len(stems)]
        name = stem if i < len(stems) else f"{stem} {'I' * (i // len(stems) + 1)}"
        realize(node, vp, name, int(rng.choice(n_loc, p=loc_p)), True)
    return vp


def _tenure_years(level: np.ndarray, kind: np.ndarray, contractor: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    n = len(level)
    code = co.LEVEL_CODE
    t = rng.exponential(2.8, n)
    t = np.where(t > 9.8, rng.uniform(0.05, 9.8, n), t)
    t = np.where(contractor, np.minimum(rng.exponential(0.8, n), 3.0), t)
    front = (level == code["M1"]) | (level == code["M2"])
    upper = (level == code["M3"]) | (level == code["D1"])
    t = np.where(front, np.minimum(rng.gamma(3.0, 1.3, n), 9.8), t)
    t = np.where(upper, np.minimum(rng.gamma(4.0, 1.25, n), 9.8), t)
    t = np.where(level == code["VP"], rng.uniform(1.0, 9.5, n), t)
    t = np.where(level == code["CEO"], 10.0, t)
    return np.maximum(t, 1 / 365.25)


def _ic_levels(tenure: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    score = np.log1p(tenure) + rng.normal(0.0, 0.45, len(tenure))
    rank = np.empty(len(score), dtype=np.int64)
    rank[np.argsort(score, kind="stable")] = np.arange(len(score))
    cuts = np.cumsum(co.IC_LEVEL_SHARES)[:-1] * len(score)
    return np.searchsorted(cuts, rank, side="right")


def build_org(people: int, *, weeks: int, window_start_weekday: int, rng: np.random.Generator) -> Org:
    """Draw the organization of ``people`` people for a window of ``weeks`` weeks.

    ``window_start_weekday`` is the weekday of day 0 (Monday = 0), so that most
    hires start on a Monday.
    """
    specs = list(co.DEPARTMENTS[: co.department_count(people)])
    loc_index = {name: i for i, name in enumerate(co.LOCATION_NAMES)}
    loc_p = []
    for spec in specs:
        p = np.zeros(len(co.LOCATION_NAMES))
        for place, share in spec.locations.items():
            p[loc_index[place]] = share
        loc_p.append(p / p.sum())

    b = _Builder()
    hq = loc_index[co.HEADQUARTERS]
    ceo_unit = b.unit(co.CEO_TEAM, 0, hq)
    ceo = b.person(dept=0, team=ceo_unit, manager=-1, level="CEO", location=hq, kind=LEADER,
                   role="Chief Executive Officer")
    b.unit_leader[ceo_unit] = ceo
    exec_staff = 2 if people >= 100 else 0
    if exec_staff:
        b.person(dept=0, team=ceo_unit, manager=ceo, level="IC5", location=hq, kind=STAFF, role="Chief of Staff")
        b.person(dept=0, team=ceo_unit, manager=ceo, level="IC3", location=hq, kind=STAFF, role="Executive Assistant")
    sizes = _department_sizes(people - 1 - exec_staff, np.array([s.weight for s in specs]), rng)
    heads = [ceo]
    for d, (spec, size) in enumerate(zip(specs, sizes), start=1):
        heads.append(_build_department(b, d, spec, int(size), ceo, loc_p[d - 1], rng))

    n = len(b.dept)
    assert n == people, (n, people)
    dept = np.array(b.dept, dtype=np.int64)
    team = np.array(b.team, dtype=np.int64)
    manager = np.array(b.manager, dtype=np.int64)
    level = np.array(b.level, dtype=np.int64)
    location = np.array(b.location, dtype=np.int64)
    kind = np.array(b.kind, dtype=np.int64)

    # One in ten individual contributors works from another office of the department.
    remote = (kind == IC) & (rng.random(n) < 0.1)
    for d in range(1, len(specs) + 1):
        idx = np.flatnonzero(remote & (dept == d))
        location[idx] = rng.choice(len(co.LOCATION_NAMES), size=len(idx), p=loc_p[d - 1])

    u = rng.random(n)
    employment = np.where((kind == IC) & (u < 0.06), 2, np.where((kind == IC) & (u < 0.10), 1, 0))

    # New joiners (hired during the window) are regular full-time or part-time ICs.
    regular = np.flatnonzero((kind == IC) & (employment != 2))
    n_join = min(len(regular), round(0.05 * people))
    is_joiner = np.zeros(n, dtype=bool)
    is_joiner[rng.choice(regular, size=n_join, replace=False)] = True

    tenure = _tenure_years(level, kind, employment == 2, rng)
    hire_day = -np.ceil(tenure * 365.25).astype(np.int64)
    snap = rng.random(n) < 0.85  # most people start on a Monday
    weekday = (window_start_weekday + hire_day) % 7
    hire_day = np.where(snap, hire_day - weekday, hire_day)
    founded = hire_day.min() - 30  # the CEO came first, on a Monday
    hire_day[level == co.LEVEL_CODE["CEO"]] = founded - (window_start_weekday + founded) % 7
    join_week = rng.integers(0, max(1, weeks - 1), n)
    join_offset = np.where(rng.random(n) < 0.1, rng.integers(0, 5, n), 0)
    monday = (7 - window_start_weekday) % 7
    join_day = np.minimum(join_week * 7 + monday + join_offset, weeks * 7 - 1)
    hire_day = np.where(is_joiner, join_day, np.minimum(hire_day, -1))
    tenure = np.where(is_joiner, 0.0, tenure)

    ics = np.flatnonzero(kind == IC)
    level[ics] = _ic_levels(tenure[ics], rng)
    staff = np.flatnonzero((kind == STAFF) & (dept != 0))
    level[staff] = rng.choice([2, 3, 4], p=[0.3, 0.45, 0.25], size=len(staff))

    # Employee ids in order of hire, as an HR system hands them out.
    order = np.lexsort((rng.random(n), hire_day))
    new_index = np.empty(n, dtype=np.int64)
    new_index[order] = np.arange(n)

    def permute(a: np.ndarray) -> np.ndarray:
        return a[order]

    manager = np.where(manager >= 0, new_index[np.maximum(manager, 0)], -1)[order]
    dept, team, level, location, kind, employment, hire_day, tenure = map(
        permute, (dept, team, level, location, kind, employment, hire_day, tenure))
    is_joiner = is_joiner[order]
    role = np.asarray(b.role, dtype=object)[order]
    team_leader = new_index[np.array(b.unit_leader, dtype=np.int64)]
    dept_head = new_index[np.array(heads, dtype=np.int64)]

    first, last = draw_names(location, co.LOCATION_NAMES, rng)
    local = unique_local_parts([email_local_part(f, s) for f, s in zip(first, last)])
    email = np.array([f"{lp}@{co.COMPANY_DOMAIN}" for lp in local], dtype=object)
    employee_id = np.array([f"E{i + 1:06d}" for i in range(n)], dtype=object)

    title = _titles(role, level, kind, dept, specs, rng)

    dept_names = [co.EXECUTIVE] + [s.name for s in specs]
    org = Org(
        employee_id=employee_id, first_name=first, last_name=last, email=email, dept=dept, team=team,
        manager=manager, level=level, location=location, kind=kind, employment=employment, title=title,
        hire_day=hire_day, exit_day=np.full(n, NO_EXIT, dtype=np.int64), team_names=list(b.unit_name),
        team_leader=team_leader, team_dept=np.array(b.unit_dept, dtype=np.int64), dept_names=dept_names,
        dept_head=dept_head, dept_specs=specs, is_joiner=is_joiner, is_isolated=np.zeros(n, dtype=bool),
        is_broker=np.zeros(n, dtype=bool),
    )
    _plant_roles(org, tenure, rng)
    return org


def _titles(role: np.ndarray, level: np.ndarray, kind: np.ndarray, dept: np.ndarray,
            specs: list[co.DepartmentSpec], rng: np.random.Generator) -> np.ndarray:
    title = role.copy()
    pick = rng.random(len(role))
    for i in np.flatnonzero(kind != LEADER):
        prefix = co.IC_TITLE_PREFIX[level[i]]
        if kind[i] == IC:
            roles = specs[dept[i] - 1].roles
            r = 0 if pick[i] < 0.6 else 1 if pick[i] < 0.85 or len(roles) < 3 else 2
            base = roles[min(r, len(roles) - 1)]
        else:
            base = role[i]
            if base != "Program Manager":
                continue
        if prefix == "Staff " and dept[i] != 1:  # "Staff" is an engineering title
            prefix = "Lead "
        title[i] = f"{prefix}{base}"
    return title


def _plant_roles(org: Org, tenure: np.ndarray, rng: np.random.Generator) -> None:
    """Choose the planted isolated people (~2.5%) and brokers (~1%)."""
    n = org.size
    code = co.LEVEL_CODE
    eligible = np.flatnonzero((org.kind == IC) & ~org.is_joiner & (org.dept > 0))
    n_iso = min(len(eligible), max(2, round(0.025 * n)))
    org.is_isolated[rng.choice(eligible, size=n_iso, replace=False)] = True

    senior = (org.level >= code["IC3"]) & (org.level <= code["D1"])
    eligible = np.flatnonzero(senior & ~org.is_joiner & ~org.is_isolated & (tenure >= 1.0) & (org.dept > 0)
                              & (org.employment == 0))
    n_brk = min(len(eligible), max(3, round(0.01 * n)))
    brokers = np.sort(rng.choice(eligible, size=n_brk, replace=False))
    org.is_broker[brokers] = True
    n_dept = len(org.dept_names) - 1
    dept_size = np.bincount(org.dept, minlength=n_dept + 1)[1:].astype(float)
    for i in brokers.tolist():
        others = np.array([d for d in range(1, n_dept + 1) if d != org.dept[i]])
        w = np.sqrt(dept_size[others - 1])
        span = min(len(others), int(rng.integers(4, 7)))
        chosen = rng.choice(others, size=span, replace=False, p=w / w.sum())
        org.broker_departments[i] = sorted(int(d) for d in chosen)
