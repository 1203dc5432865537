"""E-mail and chat: who writes to whom, when, and how often.

Each person sends a Poisson number of written messages a week around their
own rate (log-normal, median 22, so a few people write far more than others).
Recipients come from the person's contacts (:mod:`.contacts`) in proportion to
tie strength, with a small chance of writing to someone new in the
department. Nobody writes before their hire date or after their exit date, and
a new joiner writes less in their first weeks and, while most of their ties
are not yet open, mostly to their manager.

Also here: the address book (employees, external contacts at customers and
vendors, and a few departed contractors no longer on the roster) and the
working-hours clock shared with :mod:`.meetings`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import company as co
from .contacts import TEAM_TIE, Contacts, GroupSampler
from .names import NAME_POOLS, POOL_NAMES, email_local_part
from .org import LEADER, Org
from .rows import CHAT, EMAIL, Rows, sorted_unique

# Relative volume of written messages on Monday ... Sunday.
WEEKDAY_SHARE = np.array([1.0, 1.05, 1.05, 1.0, 0.8, 0.04, 0.03])
WEEKDAY_SHARE = WEEKDAY_SHARE / WEEKDAY_SHARE.sum()
EMAIL_RECIPIENTS = (np.array([1, 2, 3, 4, 5, 6, 7, 8, 10, 12, 15, 20]),
                    np.array([0.52, 0.16, 0.1, 0.06, 0.04, 0.03, 0.025, 0.02, 0.015, 0.01, 0.01, 0.01]))
CHAT_RECIPIENTS = (np.array([1, 2, 3, 4, 5]), np.array([0.84, 0.07, 0.04, 0.03, 0.02]))
MEDIAN_RATE = 22.0  # written messages a week
EXPLORE = 0.005  # chance a recipient is someone new in the department (or, 15% of those, elsewhere)
EXTERNAL_SCALE = 0.6  # scales the departments' external shares to ~1.5% of all e-mails
RAMP_DAYS = 35  # a new joiner reaches their full rate after this many days


@dataclass
class World:
    """Everything the weekly generators need, fixed for the whole window."""

    org: Org
    contacts: Contacts
    team_contacts: Contacts  # only ties to the manager and the team
    other_contacts: Contacts  # only ties outside the team
    start_weekday: int  # weekday of day 0, Monday = 0
    weeks: int
    rate: np.ndarray  # written messages a week at full ramp
    email_share: np.ndarray
    explore: np.ndarray
    external_p: np.ndarray  # per e-mail sent
    meeting_rate: np.ndarray  # ad-hoc meetings organized a week
    by_dept: GroupSampler  # non-isolated people by department (for exploring)
    reports_ptr: np.ndarray  # direct reports of person i: reports[reports_ptr[i]:reports_ptr[i+1]]
    reports: np.ndarray
    meeting_weekday: np.ndarray  # each leader's weekly team meeting
    meeting_second: np.ndarray
    meeting_length: np.ndarray
    addresses: list[str]  # employees, then externals, then departed contractors
    address_zone: np.ndarray  # location index of each address
    n_external: int
    ext_base: np.ndarray  # each employee's first external contact
    ghosts: list[dict]  # departed contractors: address index, team, last day

    @property
    def n_people(self) -> int:
        return self.org.size

    def day_of(self, week: int, weekday: np.ndarray | int) -> np.ndarray:
        """Window day of ``weekday`` (Monday = 0) in ``week``."""
        return week * 7 + (np.asarray(weekday) - self.start_weekday) % 7

    def active(self, person: np.ndarray, day: np.ndarray | int) -> np.ndarray:
        org = self.org
        return (org.hire_day[person] <= day) & (org.exit_day[person] >= day)

    def ramp(self, person: np.ndarray, day: int) -> np.ndarray:
        """Share of their full rate a person works at on ``day`` (new joiners ramp up)."""
        tenure = day - self.org.hire_day[person]
        return np.clip(0.35 + 0.65 * tenure / RAMP_DAYS, 0.35, 1.0)


def make_world(org: Org, contacts: Contacts, *, weeks: int, start_weekday: int,
               rng: np.random.Generator) -> World:
    """Draw each person's habits (rates, channel mix, meeting slot) and the address book."""
    n = org.size
    leader = org.kind == LEADER
    rate = MEDIAN_RATE * rng.lognormal(0.0, 0.55, n)
    rate *= np.where(leader, 1.25, 1.0) * np.where(org.is_broker, 1.4, 1.0)
    rate *= np.select([org.employment == 1, org.employment == 2], [0.6, 0.8], 1.0)
    rate = np.where(org.is_isolated, 0.2 * rate, rate)
    rate = np.where(contacts.degree() == 0, 0.0, rate)

    spec_email = np.array([0.8] + [s.email_share for s in org.dept_specs])[org.dept]
    email_share = np.clip(spec_email + rng.normal(0.0, 0.12, n), 0.05, 0.95)
    spec_ext = np.array([0.0] + [s.external_share for s in org.dept_specs])[org.dept]
    external_p = spec_ext * EXTERNAL_SCALE * rng.lognormal(-0.125, 0.5, n)
    explore = np.where(org.is_isolated | (org.dept == 0), 0.0, EXPLORE)
    meeting_rate = 0.06 * rate * np.where(leader, 1.5, 1.0)

    social = np.flatnonzero(~org.is_isolated)
    by_dept = GroupSampler.of(social, org.dept[social], len(org.dept_names))
    has_boss = np.flatnonzero(org.manager >= 0)
    order = has_boss[np.argsort(org.manager[has_boss], kind="stable")]
    reports_ptr = np.concatenate(([0], np.cumsum(np.bincount(org.manager[has_boss], minlength=n))))

    addresses = list(org.email)
    zone = list(org.location)
    ext_addresses, ext_zone = _external_contacts(max(40, n // 10), rng)
    addresses += ext_addresses
    zone += ext_zone
    ghosts = _departed_contractors(org, len(addresses), rng)
    addresses += [g["email"] for g in ghosts]
    zone += [int(org.location[org.team_leader[g["team"]]]) for g in ghosts]

    return World(
        org=org, contacts=contacts, team_contacts=contacts.subset(contacts.tie_class <= TEAM_TIE),
        other_contacts=contacts.subset(contacts.tie_class > TEAM_TIE), start_weekday=start_weekday,
        weeks=weeks, rate=rate, email_share=email_share, explore=explore, external_p=external_p,
        meeting_rate=meeting_rate, by_dept=by_dept, reports_ptr=reports_ptr, reports=order,
        meeting_weekday=rng.choice(5, size=n, p=[0.3, 0.25, 0.2, 0.15, 0.1]),
        meeting_second=rng.integers(18, 33, n) * 1800,  # 09:00 to 16:00 on the half hour
        meeting_length=rng.choice([30, 30, 45, 60], size=n),
        addresses=addresses, address_zone=np.asarray(zone, dtype=np.int64), n_external=len(ext_addresses),
        ext_base=rng.integers(0, len(ext_addresses), n), ghosts=ghosts,
    )


def _external_contacts(count: int, rng: np.random.Generator) -> tuple[list[str], list[int]]:
    """People at customers and vendors, plus a few role mailboxes (accounts@, legal@, ...)."""
    loc_index = {name: i for i, name in enumerate(co.LOCATION_NAMES)}
    domain = rng.integers(0, len(co.EXTERNAL_DOMAINS), count)
    pool = rng.integers(0, len(POOL_NAMES), count)
    role = rng.random(count) < 0.1
    locals_ = []
    for i in range(count):
        if role[i]:
            locals_.append(co.EXTERNAL_ROLES[i % len(co.EXTERNAL_ROLES)])
        else:
            firsts, lasts = NAME_POOLS[POOL_NAMES[pool[i]]]
            locals_.append(email_local_part(firsts[rng.integers(len(firsts))], lasts[rng.integers(len(lasts))]))
    seen: dict[str, int] = {}
    out = []
    for lp, d in zip(locals_, domain):
        address = f"{lp}@{co.EXTERNAL_DOMAINS[d][0]}"
        seen[address] = seen.get(address, 0) + 1
        out.append(address if seen[address] == 1 else f"{lp}{seen[address]}@{co.EXTERNAL_DOMAINS[d][0]}")
    return out, [loc_index[co.EXTERNAL_DOMAINS[d][1]] for d in domain]


def _departed_contractors(org: Org, first_index: int, rng: np.random.Generator) -> list[dict]:
    """A few contractors who left in the first days of the window and are not on the roster."""
    count = int(np.clip(org.size // 700, 2, 25))
    taken = set(org.email.tolist())
    teams = np.unique(org.team[(org.kind != LEADER) & (org.dept > 0)])
    ghosts = []
    for k in range(count):
        firsts, lasts = NAME_POOLS[POOL_NAMES[int(rng.integers(len(POOL_NAMES)))]]
        base = email_local_part(firsts[rng.integers(len(firsts))], lasts[rng.integers(len(lasts))])
        email, suffix = f"{base}@{co.COMPANY_DOMAIN}", 1
        while email in taken:
            suffix += 1
            email = f"{base}{suffix}@{co.COMPANY_DOMAIN}"
        taken.add(email)
        ghosts.append({"index": first_index + k, "email": email, "team": int(rng.choice(teams)),
                       "last_day": int(rng.integers(2, 10))})
    return ghosts


def work_seconds(n: int, rng: np.random.Generator) -> np.ndarray:
    """Local times of day (seconds) of written messages: a morning and an afternoon peak."""
    which = rng.random(n)
    t = np.where(which < 0.47, rng.normal(10.3 * 3600, 1.2 * 3600, n),
                 np.where(which < 0.95, rng.normal(14.8 * 3600, 1.4 * 3600, n), rng.uniform(7 * 3600, 22.5 * 3600, n)))
    return np.clip(t, 6.5 * 3600, 23.5 * 3600).astype(np.int64)


def draw_recipients(world: World, sender: np.ndarray, day: np.ndarray, rng: np.random.Generator,
                    contacts: Contacts | None = None) -> tuple[np.ndarray, np.ndarray]:
    """One recipient per slot: (person, usable). A slot is unusable if the tie is not
    open yet or the person is not employed that day; a recent hire's unusable slot
    goes to their manager instead."""
    org = world.org
    contacts = contacts or world.contacts
    target, pos = contacts.draw(sender, rng)
    ok = (contacts.opens[pos] <= day) & (target >= 0)
    tenure = day - org.hire_day[sender]
    explore = (rng.random(len(sender)) < world.explore[sender]) & (tenure >= 14)
    if explore.any():
        where = np.flatnonzero(explore)
        dept = org.dept[sender[where]]
        elsewhere = rng.random(len(where)) < 0.15
        dept = np.where(elsewhere, rng.integers(1, len(org.dept_names), len(where)), dept)
        found = world.by_dept.draw(dept, rng)
        target[where] = found
        ok[where] = (found >= 0) & (org.hire_day[np.maximum(found, 0)] + 14 <= day[where])
    safe = np.maximum(target, 0)
    ok &= (target >= 0) & world.active(safe, day) & (target != sender)
    boss = org.manager[sender]
    to_boss = ~ok & (tenure < 28) & (boss >= 0)
    to_boss &= world.active(np.maximum(boss, 0), day)
    target = np.where(to_boss, boss, target)
    return target, ok | to_boss


def dedupe_slots(row: np.ndarray, target: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sort slots by row then recipient and drop repeated recipients within a row."""
    if len(row) == 0:
        return row, target
    base = int(target.max()) + 1
    key = sorted_unique(row * base + target)
    return key // base, key % base


def _pick(table: tuple[np.ndarray, np.ndarray], n: int, rng: np.random.Generator) -> np.ndarray:
    values, p = table
    return values[np.searchsorted(np.cumsum(p) / p.sum(), rng.random(n), side="right").clip(0, len(values) - 1)]


def written_messages(world: World, week: int, rng: np.random.Generator) -> Rows:
    """A week of e-mails and chats between employees and with external contacts."""
    org = world.org
    first, last = week * 7, week * 7 + 6
    cand = np.flatnonzero((org.hire_day <= last) & (org.exit_day >= first))
    count = rng.poisson(world.rate[cand] * world.ramp(cand, first + 3))
    sender = np.repeat(cand, count)
    day = world.day_of(week, rng.choice(7, size=len(sender), p=WEEKDAY_SHARE))
    live = world.active(sender, day)
    sender, day = sender[live], day[live]
    m = len(sender)
    email = rng.random(m) < world.email_share[sender]
    k = np.where(email, _pick(EMAIL_RECIPIENTS, m, rng), _pick(CHAT_RECIPIENTS, m, rng))
    row = np.repeat(np.arange(m), k)
    target, ok = draw_recipients(world, sender[row], day[row], rng)

    # Customers and vendors: add one to the e-mail, write only to them, or receive from them.
    ext_row = np.flatnonzero(email & (rng.random(m) < world.external_p[sender]))
    mode = rng.choice(3, size=len(ext_row), p=[0.45, 0.25, 0.30])
    ext = world.n_people + (world.ext_base[sender[ext_row]] + rng.integers(0, 4, len(ext_row))) % world.n_external
    drop = np.zeros(m, dtype=bool)
    drop[ext_row[mode > 0]] = True
    ok &= ~drop[row]
    inbound = ext_row[mode == 2]
    add_target = np.where(mode == 2, sender[ext_row], ext)
    zone = org.location[sender].copy()
    sender = sender.copy()
    sender[inbound] = ext[mode == 2]
    zone[inbound] = world.address_zone[ext[mode == 2]]

    row, target = dedupe_slots(np.concatenate([row[ok], ext_row]), np.concatenate([target[ok], add_target]))
    rows = Rows.from_slots(row, target, sender=sender, zone=zone, day=day, second=work_seconds(m, rng),
                           channel=np.where(email, EMAIL, CHAT), duration=np.full(m, -1))
    if week < 2:
        rows = Rows.concat([rows, _ghost_messages(world, week, rng)])
    return rows


def _ghost_messages(world: World, week: int, rng: np.random.Generator) -> Rows:
    """A handful of messages to and from contractors who left early in the window."""
    org = world.org
    parts = []
    for g in world.ghosts:
        members = np.flatnonzero((org.team == g["team"]) & ~org.is_isolated & (org.hire_day < 0))
        days = np.arange(week * 7, min(week * 7 + 7, g["last_day"] + 1))
        if len(members) == 0 or len(days) == 0:
            continue
        n = int(rng.integers(2, 6))
        mate = rng.choice(members, size=n)
        day = rng.choice(days, size=n)
        outgoing = rng.random(n) < 0.5
        sender = np.where(outgoing, g["index"], mate)
        recipient = np.where(outgoing, mate, g["index"])
        parts.append(Rows.build(sender=sender, zone=world.address_zone[sender], day=day,
                                second=work_seconds(n, rng), channel=np.where(rng.random(n) < 0.6, EMAIL, CHAT),
                                duration=np.full(n, -1), recipients=[[r] for r in recipient]))
    return Rows.concat(parts)
