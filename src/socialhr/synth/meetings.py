"""Meetings and broadcasts.

- Team meetings: every leader meets their direct reports once a week at a fixed
  slot (skipped one week in twelve); planted isolated people are not there.
- One-to-ones: every manager meets each report every other week, and a new
  joiner every week for their first five weeks.
- Ad-hoc meetings: people organize meetings with 1-8 of their teammates, or
  (one in three) with 1-3 contacts from other teams.
- Broadcasts (more than 25 recipients, so they make no ties): a company
  all-hands every four weeks, department town halls, and announcement e-mails.
  Audiences larger than 1,000 are split evenly into several rows, as calendar and
  mail exports do with long distribution lists.

The organizer is the sender; the other attendees are the recipients.
"""

from __future__ import annotations

import math

import numpy as np

from .activity import World, dedupe_slots, draw_recipients, work_seconds
from .rows import EMAIL, MEETING, Rows, expand

MAX_RECIPIENTS_PER_ROW = 1000
BROADCAST_MIN_AUDIENCE = 40  # town halls and announcements go only to audiences larger than this
AD_HOC_LENGTHS = np.array([15, 30, 30, 30, 45, 60, 60, 90])


def team_meetings(world: World, week: int, rng: np.random.Generator) -> Rows:
    org = world.org
    leaders = np.flatnonzero(np.diff(world.reports_ptr) > 0)
    day = world.day_of(week, world.meeting_weekday[leaders])
    held = world.active(leaders, day) & (rng.random(len(leaders)) >= 1 / 12)
    leaders, day = leaders[held], day[held]
    which, pos = expand(world.reports_ptr, leaders)
    member = world.reports[pos]
    ok = world.active(member, day[which]) & ~org.is_isolated[member]
    return Rows.from_slots(which[ok], member[ok], sender=leaders, zone=org.location[leaders], day=day,
                           second=world.meeting_second[leaders], channel=np.full(len(leaders), MEETING),
                           duration=world.meeting_length[leaders])


def one_on_ones(world: World, week: int, rng: np.random.Generator) -> Rows:
    org = world.org
    report = np.flatnonzero(org.manager >= 0)
    boss = org.manager[report]
    day = world.day_of(week, rng.integers(0, 5, len(report)))
    new = (day - org.hire_day[report] >= 0) & (day - org.hire_day[report] < 35)
    due = ((report + week) % 2 == 0) | new
    held = due & world.active(report, day) & world.active(boss, day) & (rng.random(len(report)) >= 0.1)
    report, boss, day = report[held], boss[held], day[held]
    n = len(report)
    return Rows(sender=boss, zone=org.location[boss], day=day, second=rng.integers(18, 35, n) * 1800,
                channel=np.full(n, MEETING), duration=np.full(n, 30), ptr=np.arange(n + 1), rec=report)


def ad_hoc_meetings(world: World, week: int, rng: np.random.Generator) -> Rows:
    org = world.org
    first, last = week * 7, week * 7 + 6
    cand = np.flatnonzero((org.hire_day <= last) & (org.exit_day >= first))
    count = rng.poisson(world.meeting_rate[cand] * world.ramp(cand, first + 3))
    organizer = np.repeat(cand, count)
    day = world.day_of(week, rng.integers(0, 5, len(organizer)))
    live = world.active(organizer, day)
    organizer, day = organizer[live], day[live]
    m = len(organizer)
    # Most are with the team; the rest with one to three people from elsewhere.
    with_team = rng.random(m) < 0.65
    invited = np.where(with_team, 1 + np.minimum(rng.poisson(1.5, m), 7), 1 + np.minimum(rng.poisson(0.5, m), 2))
    row = np.repeat(np.arange(m), invited)
    slot_team = with_team[row]
    target = np.empty(len(row), dtype=np.int64)
    ok = np.empty(len(row), dtype=bool)
    for mask, contacts in ((slot_team, world.team_contacts), (~slot_team, world.other_contacts)):
        target[mask], ok[mask] = draw_recipients(world, organizer[row[mask]], day[row[mask]], rng, contacts)
    ok &= ~world.org.is_isolated[np.maximum(target, 0)]  # isolated people are left out of others' meetings
    row, target = dedupe_slots(row[ok], target[ok])
    quarter = np.where(rng.random(m) < 0.2, 900, 0)
    return Rows.from_slots(row, target, sender=organizer, zone=org.location[organizer], day=day,
                           second=rng.integers(16, 35, m) * 1800 + quarter, channel=np.full(m, MEETING),
                           duration=AD_HOC_LENGTHS[rng.integers(0, len(AD_HOC_LENGTHS), m)])


def _broadcast(world: World, sender: int, audience: np.ndarray, day: int, second: int, channel: int,
               duration: int) -> Rows:
    audience = audience[audience != sender]
    chunks = np.array_split(audience, max(1, math.ceil(len(audience) / MAX_RECIPIENTS_PER_ROW)))
    k = len(chunks)
    return Rows.build(sender=[sender] * k, zone=[world.address_zone[sender]] * k, day=[day] * k,
                      second=[second] * k, channel=[channel] * k, duration=[duration] * k, recipients=chunks)


def broadcasts(world: World, week: int, rng: np.random.Generator) -> Rows:
    org = world.org
    parts = []
    ceo = int(org.dept_head[0])
    # Company all-hands every four weeks, Thursday 16:00 at headquarters.
    if week % 4 == 1 or world.weeks == 1:
        day = int(world.day_of(week, 3))
        if world.active(np.array([ceo]), day)[0]:
            everyone = np.flatnonzero(world.active(np.arange(org.size), day))
            parts.append(_broadcast(world, ceo, everyone, day, 16 * 3600, MEETING, 60))
    # Department town halls, Wednesday 15:00, each department every four weeks.
    for d in range(1, len(org.dept_names)):
        if week % 4 != (d + 2) % 4:
            continue
        vp = int(org.dept_head[d])
        day = int(world.day_of(week, 2))
        members = np.flatnonzero((org.dept == d) & world.active(np.arange(org.size), day))
        if world.active(np.array([vp]), day)[0] and len(members) > BROADCAST_MIN_AUDIENCE:
            parts.append(_broadcast(world, vp, members, day, 15 * 3600, MEETING, 45))
    # Announcements by HR, VPs and the Office of the CEO.
    hr = np.flatnonzero(np.array(org.dept_names)[org.dept] == "Human Resources")
    office = np.flatnonzero(org.team == org.team[ceo])
    for _ in range(2 + org.size // 25_000):
        u = rng.random()
        pool = hr if (u < 0.5 and len(hr)) else org.dept_head[1:] if u < 0.8 else office
        day = int(world.day_of(week, rng.integers(0, 5)))
        live = pool[world.active(pool, day)]
        if len(live) == 0:
            continue
        sender = int(rng.choice(live))
        d = int(rng.integers(1, len(org.dept_names)))
        active = world.active(np.arange(org.size), day)
        audience = np.flatnonzero(active & (org.dept == d))
        if rng.random() < 0.25 or len(audience) <= BROADCAST_MIN_AUDIENCE:
            audience = np.flatnonzero(active)
        parts.append(_broadcast(world, sender, audience, day, int(work_seconds(1, rng)[0]), EMAIL, -1))
    return Rows.concat(parts)


def all_meetings(world: World, week: int, rng: np.random.Generator) -> Rows:
    return Rows.concat([team_meetings(world, week, rng), one_on_ones(world, week, rng),
                        ad_hoc_meetings(world, week, rng), broadcasts(world, week, rng)])

