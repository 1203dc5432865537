"""Put it together: org chart, contacts, weeks of activity, attrition, files."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import numpy as np

from ..errors import SocialHRError
from . import company as co
from .activity import World, make_world, written_messages
from .attrition import (BASELINE_ANNUAL_ATTRITION, FOLLOW_UP_WEEKS, MEASUREMENT_WEEKS, Attrition, draw_exits,
                        network_size)
from .contacts import build_contacts
from .formats_hr import write_hr_files
from .formats_messaging import write_messaging_formats
from .meetings import MAX_RECIPIENTS_PER_ROW, all_meetings
from .org import MIN_PEOPLE, NO_EXIT, Org, build_org
from .rows import CHANNELS, EMAIL, Rows, sorted_unique, tie_keys
from .writers import InteractionsWriter, write_ground_truth, write_roster

BROADCAST_THRESHOLD = 25  # as the workspace setting broadcast_threshold
FILES = {"roster": "roster.csv", "interactions": "interactions.csv", "ground_truth": "ground_truth.json"}
Progress = Callable[[str, float], None]


def _check(people: int, seed: int, weeks: int, attrition_hr: float, end_date: dt.date) -> None:
    if not isinstance(people, int | np.integer) or people < MIN_PEOPLE:
        raise SocialHRError(f"cannot make a company of {people!r} people",
                            hint=f"Use --people {MIN_PEOPLE} or more.")
    if not isinstance(seed, int | np.integer) or seed < 0:
        raise SocialHRError(f"the seed must be a whole number of at least 0, got {seed!r}")
    if not isinstance(weeks, int | np.integer) or not MEASUREMENT_WEEKS <= weeks <= 104:
        raise SocialHRError(
            f"cannot generate {weeks!r} weeks of activity",
            hint=f"Use --weeks from {MEASUREMENT_WEEKS} (network size for attrition is measured over the "
                 f"first {MEASUREMENT_WEEKS} weeks) to 104.")
    try:
        positive = float(attrition_hr) > 0
    except (TypeError, ValueError):
        positive = False
    if not positive:
        raise SocialHRError(f"the attrition hazard ratio must be above 0, got {attrition_hr!r}",
                            hint="1 means isolation makes no difference; 3 means isolated people leave 3 times "
                                 "as fast.")
    if not isinstance(end_date, dt.date):
        raise SocialHRError(f"end_date must be a date, got {end_date!r}")


class _Tally:
    """Counts kept while weeks stream past, for the summary and ground truth."""

    def __init__(self, world: World):
        self.world = world
        self.by_channel = dict.fromkeys(CHANNELS, 0)
        self.broadcast_rows = 0
        self.email_rows = 0
        self.external_email_rows = 0
        self.external_rows = 0
        self.departed_contractor_rows = 0
        self.pairs = {"within_team": 0, "within_department": 0, "cross_department": 0}
        self.ties = np.empty(0, dtype=np.int64)

    def add(self, rows: Rows, keys: np.ndarray) -> None:
        w, org = self.world, self.world.org
        n, n_ext = w.n_people, w.n_external
        counts = rows.counts()
        for code, name in enumerate(CHANNELS):
            self.by_channel[name] += int((rows.channel == code).sum())
        broadcast = counts > BROADCAST_THRESHOLD
        self.broadcast_rows += int(broadcast.sum())
        slot_row = np.repeat(np.arange(len(rows)), counts)
        external = (rows.sender >= n) & (rows.sender < n + n_ext)
        external |= np.bincount(slot_row, weights=(rows.rec >= n) & (rows.rec < n + n_ext), minlength=len(rows)) > 0
        ghost = rows.sender >= n + n_ext
        ghost |= np.bincount(slot_row, weights=rows.rec >= n + n_ext, minlength=len(rows)) > 0
        self.external_rows += int(external.sum())
        self.email_rows += int((rows.channel == EMAIL).sum())
        self.external_email_rows += int((external & (rows.channel == EMAIL)).sum())
        self.departed_contractor_rows += int(ghost.sum())
        sender = np.repeat(rows.sender, counts)
        sel = ~broadcast[slot_row] & (sender < n) & (rows.rec < n)
        a, b = sender[sel], rows.rec[sel]
        same_team = org.team[a] == org.team[b]
        same_dept = org.dept[a] == org.dept[b]
        self.pairs["within_team"] += int(same_team.sum())
        self.pairs["within_department"] += int((same_dept & ~same_team).sum())
        self.pairs["cross_department"] += int((~same_dept).sum())
        self.ties = sorted_unique(np.concatenate([self.ties, keys]))


def synthesize(out_dir: str | os.PathLike, *, people: int = 2000, seed: int = 7, weeks: int = 12,
               attrition_hr: float = 3.0, end_date: dt.date = dt.date(2026, 9, 27),
               progress: Progress | None = None) -> dict:
    """Write a synthetic organization: roster.csv, interactions.csv and ground_truth.json.

    Parameters
    ----------
    out_dir
        Folder to write into (created if missing); the three files are replaced.
    people
        Number of employees employed at some time during the window (at least 60).
    seed
        Seed of ``numpy.random.default_rng``; the same arguments give byte-identical files.
    weeks
        Weeks of interactions, ending on ``end_date`` (4 to 104).
    attrition_hr
        Planted hazard ratio of leaving for the bottom decile of network size.
    end_date
        Last day of the interaction window.
    progress
        Called as ``progress(step, fraction_done)`` while the files are written.

    Returns
    -------
    dict
        ``people``, ``interactions`` (rows), ``exits``, ``files`` (name -> path) and
        other counts; the same facts in more detail are in ground_truth.json.

    Raises
    ------
    SocialHRError
        If an argument is out of range.
    """
    if isinstance(end_date, dt.datetime):
        end_date = end_date.date()
    _check(people, seed, weeks, attrition_hr, end_date)
    report = progress or (lambda step, fraction: None)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = {key: out / name for key, name in FILES.items()}
    days = 7 * weeks
    window_start = end_date - dt.timedelta(days=days - 1)
    rng = np.random.default_rng(seed)

    report("Building the org chart", 0.0)
    org = build_org(int(people), weeks=weeks, window_start_weekday=window_start.weekday(), rng=rng)
    report("Drawing who works with whom", 0.03)
    contacts = build_contacts(org, rng)
    world = make_world(org, contacts, weeks=weeks, start_weekday=window_start.weekday(), rng=rng)

    partial = paths["interactions"].with_name(paths["interactions"].name + ".partial")
    writer = InteractionsWriter(partial, addresses=world.addresses, window_start=window_start, days=days)
    tally = _Tally(world)
    measured: list[np.ndarray] = []
    attrition: Attrition | None = None
    # Arrow formats and writes one week while the next is drawn (it releases the GIL).
    pool = ThreadPoolExecutor(max_workers=1)
    pending: Future | None = None
    try:
        for week in range(weeks):
            report(f"Week {week + 1} of {weeks}: e-mail, chat and meetings", 0.05 + 0.88 * week / weeks)
            rows = Rows.concat([written_messages(world, week, rng), all_meetings(world, week, rng)])
            keys = tie_keys(rows, n_people=org.size, broadcast_threshold=BROADCAST_THRESHOLD)
            tally.add(rows, keys)
            if pending is not None:
                pending.result()
            pending = pool.submit(writer.write, rows)
            del rows
            if week < MEASUREMENT_WEEKS:
                measured.append(keys)
            if week == MEASUREMENT_WEEKS - 1:
                report("Drawing exits from network size", 0.05 + 0.88 * (week + 0.5) / weeks)
                size = network_size(sorted_unique(np.concatenate(measured)), org.size)
                attrition = draw_exits(org, size, hazard_ratio=float(attrition_hr), weeks=weeks, rng=rng)
                measured.clear()
        if pending is not None:
            pending.result()
    finally:
        pool.shutdown(wait=True)
        writer.close()
    os.replace(partial, paths["interactions"])
    assert attrition is not None

    report("Writing the roster", 0.94)
    write_roster(paths["roster"], org, window_start)
    files = {key: str(path) for key, path in paths.items()}
    files.update({key: str(path) for key, path in write_hr_files(out, org, contacts, attrition, window_start=window_start, weeks=weeks, seed=int(seed)).items()})
    files.update(write_messaging_formats(out, roster=paths["roster"], interactions=paths["interactions"], end_date=end_date))
    report("Writing the ground truth", 0.97)
    truth = _ground_truth(world, attrition, tally, seed=int(seed), weeks=weeks, attrition_hr=float(attrition_hr),
                          window_start=window_start, end_date=end_date, rows=writer.rows)
    write_ground_truth(paths["ground_truth"], truth)
    report("Done", 1.0)
    return {
        "people": org.size,
        "interactions": writer.rows,
        "exits": int((org.exit_day != NO_EXIT).sum()),
        "exits_during_window": truth["attrition"]["exits_during_window"],
        "departments": len(org.dept_names) - 1,
        "teams": len(org.team_names),
        "distinct_ties": int(len(tally.ties)),
        "brokers": int(org.is_broker.sum()),
        "isolated": int(org.is_isolated.sum()),
        "new_joiners": int(org.is_joiner.sum()),
        "window_start": window_start.isoformat(),
        "window_end": end_date.isoformat(),
        "files": files,
    }


def _ids(org: Org, mask: np.ndarray) -> list[str]:
    return [str(x) for x in org.employee_id[mask]]


def _ground_truth(world: World, att: Attrition, tally: _Tally, *, seed: int, weeks: int, attrition_hr: float,
                  window_start: dt.date, end_date: dt.date, rows: int) -> dict:
    org = world.org

    def day(d: int) -> str:
        return (window_start + dt.timedelta(days=int(d))).isoformat()

    left = org.exit_day != NO_EXIT
    departments = []
    for d, name in enumerate(org.dept_names):
        members = org.dept == d
        locs = np.bincount(org.location[members], minlength=len(co.LOCATION_NAMES))
        departments.append({
            "name": name,
            "head": str(org.employee_id[org.dept_head[d]]),
            "people": int(members.sum()),
            "teams": int((org.team_dept == d).sum()),
            "locations": {co.LOCATION_NAMES[i]: int(c) for i, c in enumerate(locs) if c},
        })
    pair_total = max(1, sum(tally.pairs.values()))
    return {
        "format_version": 1,
        "generator": "socialhr.synth",
        "seed": seed,
        "parameters": {"people": org.size, "weeks": weeks, "attrition_hr": attrition_hr,
                       "end_date": end_date.isoformat()},
        "company": {"name": co.COMPANY_NAME, "domain": co.COMPANY_DOMAIN},
        "window": {"start": window_start.isoformat(), "end": end_date.isoformat(), "weeks": weeks,
                   "days": 7 * weeks},
        "network_size_window": {"start": window_start.isoformat(), "end": day(7 * MEASUREMENT_WEEKS - 1),
                                "weeks": MEASUREMENT_WEEKS},
        "network_size_definition": (
            "Distinct employees on the roster a person interacted with in either direction during the "
            "network_size_window: an e-mail or chat ties its sender to each recipient, a meeting ties every "
            f"pair of attendees (organizer included); rows with more than {BROADCAST_THRESHOLD} recipients "
            "are broadcasts and tie no one; external and unresolved addresses are not counted."),
        "broadcast_threshold": BROADCAST_THRESHOLD,
        "max_recipients_per_row": MAX_RECIPIENTS_PER_ROW,
        "brokers": _ids(org, org.is_broker),
        "broker_departments": {str(org.employee_id[i]): [org.dept_names[d] for d in ds]
                               for i, ds in sorted(org.broker_departments.items())},
        "isolated": _ids(org, org.is_isolated),
        "new_joiners": _ids(org, org.is_joiner),
        "attrition_hazard_ratio_isolated": attrition_hr,
        "attrition": {
            "hazard_ratio": attrition_hr,
            "group": "bottom decile of network size among the people at risk",
            "at_risk": "hired before the window start, except the CEO",
            "at_risk_count": int(att.at_risk.sum()),
            "bottom_decile_count": int(att.bottom.sum()),
            "bottom_decile_max_network_size": att.threshold,
            "baseline_annual_attrition": BASELINE_ANNUAL_ATTRITION,
            "baseline_hazard_per_day": att.baseline_per_day,
            "follow_up_start": day(att.follow_up_start_day),
            "follow_up_end": day(att.follow_up_end_day),
            "follow_up_days": att.follow_up_end_day - att.follow_up_start_day,
            "follow_up_weeks_from_window_start": max(FOLLOW_UP_WEEKS, weeks),
            "exits": int(left.sum()),
            "exits_bottom_decile": int((left & att.bottom).sum()),
            "exits_during_window": int((left & (org.exit_day < 7 * weeks)).sum()),
            "bottom_decile": _ids(org, att.bottom),
        },
        "network_size": {str(e): int(s) for e, s in zip(org.employee_id, att.network_size)},
        "departments": departments,
        "locations": dict(co.LOCATIONS),
        "external_domains": [d for d, _ in co.EXTERNAL_DOMAINS],
        "external_addresses": world.n_external,
        "departed_contractors": [g["email"] for g in world.ghosts],
        "counts": {
            "interactions": rows,
            "by_channel": tally.by_channel,
            "broadcast_rows": tally.broadcast_rows,
            "email_rows": tally.email_rows,
            "external_email_rows": tally.external_email_rows,
            "external_rows": tally.external_rows,
            "departed_contractor_rows": tally.departed_contractor_rows,
            "distinct_ties": int(len(tally.ties)),
        },
        "pair_shares": {k: v / pair_total for k, v in tally.pairs.items()},
    }
