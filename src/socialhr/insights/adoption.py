"""Adoption of collaboration spaces: are the channels HR set up alive, or ghost towns?

A **space** is a Slack or Teams channel the connectors stored (``groups`` of
kind ``slack_channel``, ``slack_private``, ``teams_channel``,
``teams_private``, ...: every group that is not a department or team), with its
members (``group_members``), and the organization's **recognition feed** (the
``recognition`` channel, every employee a member) when kudos exist. Activity in
a space is every interaction whose context is the space: a **message** is one
sender at one time (a post, or a reply, with whatever mentions it carries).

Measured over the whole period of the data, ending on its last day ``end``:

``members``
    members of the space (for the feed: people employed on ``end``); people who
    posted without being listed as members count as members too.
``creators``, ``contributors``, ``lurkers``
    members who started at least one thread (a post that is not a reply);
    members who only replied; members who never posted. Their shares of the
    members are the **90-9-1** pattern of online communities (Nielsen 2006:
    about 90% lurk, 9% contribute a little, 1% create most).
``dau``, ``wau``, ``mau``, ``stickiness``
    mean daily active people over the last 28 days, mean weekly active over its
    four weeks, people active in the 28 days, and ``dau / mau``.
``messages``, ``messages_last_4w``, ``messages_prev_4w``, ``change``
    messages in all, in the last 28 days, in the 28 before, and the relative
    change between them.
``gini``
    Gini coefficient of messages over members, lurkers included (0: everyone
    posts equally; near 1: one person posts everything).
``departments_reached``, ``cross_team_share``
    departments of the people who posted; the share of replies and mentions
    that go to someone of another team.
``retention``
    of the people whose first message in the space came at least eight weeks
    before ``end``, the share who posted again 4 to 8 weeks after it (cohort
    retention of new participants).
``status``
    ``ghost town`` by the rule below; ``declining`` when active people fell by
    at least the ``ghost_town_decline`` share without meeting the rest of
    the rule; ``quiet`` when no one posted in either 28-day period; else
    ``active``.

**Ghost-town rule** (settings ``ghost_town_decline``, default 0.5, and
``ghost_town_min_creators``, default 3): a space is a ghost town when people
posting in the last 28 days fell by at least half against the 28 days before
(or no one posted in them, though someone had earlier) *and* fewer than 3
people started a thread in the last 28 days.

A space with fewer members than the minimum group size is withheld, like any
small group: its row says so and carries no figures.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pyarrow as pa

from ..errors import SocialHRError
from ..network.aggregate import data_span
from ..network.org_metrics import gini

ORG_UNITS = ("department", "team")
FEED_CHANNEL = "recognition"

SCHEMA = pa.schema([
    ("space", pa.string()), ("name", pa.string()), ("kind", pa.string()), ("members", pa.int64()),
    ("creators", pa.int64()), ("contributors", pa.int64()), ("lurkers", pa.int64()),
    ("creator_share", pa.float64()), ("contributor_share", pa.float64()), ("lurker_share", pa.float64()),
    ("dau", pa.float64()), ("wau", pa.float64()), ("mau", pa.int64()), ("stickiness", pa.float64()),
    ("messages", pa.int64()), ("messages_last_4w", pa.int64()), ("messages_prev_4w", pa.int64()), ("change", pa.float64()),
    ("active_last_4w", pa.int64()), ("active_prev_4w", pa.int64()), ("creators_last_4w", pa.int64()),
    ("gini", pa.float64()), ("departments_reached", pa.int64()), ("cross_team_share", pa.float64()),
    ("retention", pa.float64()), ("retention_cohort", pa.int64()), ("status", pa.string()), ("note", pa.string()),
])

# One row per message: space, sender, time, whether it is a reply.
_MESSAGES = """
SELECT g.group_id AS space, i.sender, i."timestamp" AS ts, bool_or(i.kind = 'reply') AS is_reply
FROM interactions i JOIN groups g ON g.group_id = i.context
WHERE g.kind NOT IN ('department', 'team')
GROUP BY ALL
UNION ALL
SELECT 'recognition' AS space, sender, "timestamp" AS ts, bool_or(kind = 'reply') AS is_reply
FROM interactions WHERE channel = ?
GROUP BY ALL
"""

# Replies and mentions in a space, with whether they cross teams.
_CROSSING = """
SELECT space, count(*) AS n, count(*) FILTER (WHERE ps.team IS DISTINCT FROM pr.team) AS crossing FROM (
    SELECT g.group_id AS space, i.sender, unnest(i.recipients) AS recipient
    FROM interactions i JOIN groups g ON g.group_id = i.context
    WHERE g.kind NOT IN ('department', 'team') AND i.kind IN ('reply', 'mention')
    UNION ALL
    SELECT 'recognition', sender, unnest(recipients) FROM interactions WHERE channel = ?
) x JOIN people ps ON ps.person = x.sender JOIN people pr ON pr.person = x.recipient
GROUP BY space
"""


def spaces(ws: Any) -> list[dict[str, Any]]:
    """One row per space (``SCHEMA``), busiest first, small spaces withheld."""
    db = ws.db
    span = data_span(db)
    if span is None:
        raise SocialHRError("the workspace has no interactions", hint="Import Slack or Teams exports: socialhr ingest DIR slack FILE")
    end = span[1]
    k = int(ws.settings["min_group_size"])
    decline = float(ws.settings["ghost_town_decline"])
    min_creators = int(ws.settings["ghost_town_min_creators"])

    info = {g: (name, kind) for g, name, kind in
            db.execute("SELECT group_id, name, kind FROM groups WHERE kind NOT IN ('department', 'team')").fetchall()}
    members: dict[str, set[str]] = {g: set() for g in info}
    for g, p in db.execute("SELECT m.group_id, m.person FROM group_members m JOIN groups g USING (group_id) "
                           "WHERE g.kind NOT IN ('department', 'team')").fetchall():
        members[g].add(p)
    messages = db.execute(_MESSAGES, [FEED_CHANNEL]).fetch_arrow_table()
    if db.execute("SELECT count(*) FROM interactions WHERE channel = ?", [FEED_CHANNEL]).fetchone()[0]:
        info[FEED_CHANNEL] = ("Recognition feed", "feed")
        members[FEED_CHANNEL] = {p for (p,) in db.execute(
            "SELECT person FROM people WHERE exit_date IS NULL OR exit_date > ?", [end]).fetchall()}
    department = dict(db.execute("SELECT person, department FROM people").fetchall())
    crossing = {s: (n, c) for s, n, c in db.execute(_CROSSING, [FEED_CHANNEL]).fetchall()}

    by_space: dict[str, list[tuple[str, dt.date, bool]]] = {}
    for s, sender, ts, reply in zip(*(messages.column(c).to_pylist() for c in ("space", "sender", "ts", "is_reply"))):
        by_space.setdefault(s, []).append((sender, ts.astimezone(dt.timezone.utc).date(), bool(reply)))

    rows = [_space(s, info[s], members[s] | {m[0] for m in by_space.get(s, [])}, by_space.get(s, []), end, k,
                   decline, min_creators, department, crossing.get(s)) for s in info]
    return sorted(rows, key=lambda r: (r["members"] is None, -(r["messages"] or 0), r["name"] or ""))


def _space(space: str, info: tuple[str, str], members: set[str], msgs: list[tuple[str, dt.date, bool]], end: dt.date,
           k: int, decline: float, min_creators: int, department: dict[str, str], crossing: tuple[int, int] | None) -> dict[str, Any]:
    row: dict[str, Any] = {c: None for c in SCHEMA.names}
    row.update(space=space, name=info[0], kind=info[1])
    if len(members) < k:
        row.update(status="withheld", note=f"fewer members than the minimum group size ({k})")
        return row
    last_start = end - dt.timedelta(days=27)
    prev_start = end - dt.timedelta(days=55)
    posts: dict[str, int] = {}
    started: set[str] = set()
    daily: dict[dt.date, set[str]] = {}
    first: dict[str, dt.date] = {}
    days: dict[str, list[dt.date]] = {}
    for sender, day, reply in msgs:
        posts[sender] = posts.get(sender, 0) + 1
        days.setdefault(sender, []).append(day)
        if not reply:
            started.add(sender)
        if last_start <= day <= end:
            daily.setdefault(day, set()).add(sender)
        if sender not in first or day < first[sender]:
            first[sender] = day
    in_last = [m for m in msgs if last_start <= m[1] <= end]
    in_prev = [m for m in msgs if prev_start <= m[1] < last_start]
    active_last = {m[0] for m in in_last}
    active_prev = {m[0] for m in in_prev}
    creators_last = {m[0] for m in in_last if not m[2]}
    n = len(members)
    creators = len(started & members)
    contributors = len((set(posts) - started) & members)
    lurkers = n - creators - contributors
    weeks = [set().union(*(daily.get(last_start + dt.timedelta(days=w * 7 + d), set()) for d in range(7))) for w in range(4)]
    mau = len(active_last)
    dau = sum(len(v) for v in daily.values()) / 28
    counts = np.array([posts.get(m, 0) for m in members], dtype=float)

    cohort = [p for p, d in first.items() if d <= end - dt.timedelta(days=56)]
    came_back = sum(1 for p in cohort if any(first[p] + dt.timedelta(days=28) <= d < first[p] + dt.timedelta(days=56)
                                             for d in days[p]))
    fell = len(active_last) <= (1 - decline) * len(active_prev) if active_prev else False
    if not in_last and not in_prev:
        status = "quiet"
    elif fell and len(creators_last) < min_creators:
        status = "ghost town"
    elif fell:
        status = "declining"
    else:
        status = "active"
    row.update(
        members=n, creators=creators, contributors=contributors, lurkers=lurkers,
        creator_share=creators / n, contributor_share=contributors / n, lurker_share=lurkers / n,
        dau=dau, wau=sum(len(w) for w in weeks) / 4, mau=mau, stickiness=dau / mau if mau else None,
        messages=len(msgs), messages_last_4w=len(in_last), messages_prev_4w=len(in_prev),
        change=(len(in_last) - len(in_prev)) / len(in_prev) if in_prev else None,
        active_last_4w=len(active_last), active_prev_4w=len(active_prev), creators_last_4w=len(creators_last),
        gini=gini(counts) if counts.sum() else None,
        departments_reached=len({department.get(p) for p in posts if department.get(p)}),
        cross_team_share=crossing[1] / crossing[0] if crossing and crossing[0] else None,
        retention=came_back / len(cohort) if len(cohort) >= k else None, retention_cohort=len(cohort),
        status=status, note="" if len(cohort) >= k or not cohort else f"retention withheld: a cohort of fewer than {k}",
    )
    return row
