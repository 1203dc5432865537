"""HR files of the synthetic organization: a network survey export and outcomes.

``survey.csv`` is a Microsoft Forms export (ID, Start time, Completion time,
Email, Name, one column per question, colleagues as ``Name;Name;``) of a
two-question network survey run in the last week of the window:

* "Who do you go to for advice about your work?": 1-5 colleagues drawn from
  the respondent's own contacts in proportion to tie strength, twice as likely
  when the contact is more senior;
* "Who gives you energy when you work with them?": 0-4 contacts, by tie
  strength alone.

About 80% of the people employed that week answer (fewer among the planted
isolated people). A colleague whose full name two employees share is written
``Name <e-mail>``, as respondents are asked to do. Times are written
``YYYY-MM-DD HH:MM:SS`` (what socialhr reads from the Forms workbook).

``outcomes.csv`` (employee_id, date, kind, value, label):

* an ``exit`` for every leaver on the roster's exit date, ``voluntary`` (80%)
  or ``involuntary``;
* a ``performance`` rating (1-5, with its usual wording) mid-window for
  everyone employed for 90 days by then, slightly higher with a larger network;
* two ``engagement`` pulses (0-100; 85% answer), in weeks 2 and the last,
  higher with a larger network and lower in the bottom decile;
* a ``promotion`` for about 8% of people (more among brokers) in the year
  before the window ends, labelled with the level they hold on the roster.

Everything comes from its own random stream (seeded by ``seed``), so these
files do not change the others, and the same arguments give the same bytes.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections import Counter
from pathlib import Path

import numpy as np

from . import company as co
from .attrition import Attrition
from .contacts import Contacts
from .org import NO_EXIT, Org

HR_FILES = {"survey": "survey.csv", "outcomes": "outcomes.csv"}
ADVICE = "Who do you go to for advice about your work?"
ENERGY = "Who gives you energy when you work with them?"
RATINGS = {1: "Below expectations", 2: "Partially meets expectations", 3: "Meets expectations",
           4: "Exceeds expectations", 5: "Outstanding"}
RESPONSE_RATE, ISOLATED_RESPONSE_RATE, PULSE_RESPONSE_RATE = 0.8, 0.55, 0.85
VOLUNTARY_SHARE, PROMOTION_SHARE = 0.8, 0.08


def write_hr_files(out_dir: Path, org: Org, contacts: Contacts, attrition: Attrition, *, window_start: dt.date,
                   weeks: int, seed: int) -> dict[str, Path]:
    """Write survey.csv and outcomes.csv into ``out_dir``; return their paths."""
    rng = np.random.default_rng([int(seed), 0x4852])  # "HR": a stream of its own
    out = Path(out_dir)
    paths = {key: out / name for key, name in HR_FILES.items()}
    _write_survey(paths["survey"], org, contacts, rng, window_start=window_start, weeks=weeks)
    _write_outcomes(paths["outcomes"], org, attrition, rng, window_start=window_start, weeks=weeks)
    return paths


def _employed(org: Org, first: int, last: int) -> np.ndarray:
    return (org.hire_day <= first) & ((org.exit_day == NO_EXIT) | (org.exit_day >= last))


def _write_survey(path: Path, org: Org, contacts: Contacts, rng: np.random.Generator, *, window_start: dt.date,
                  weeks: int) -> None:
    first = 7 * (weeks - 1)  # Monday of the last week; the survey is open Monday to Friday
    employed = _employed(org, first, first + 4)
    names = [f"{f} {last}" for f, last in zip(org.first_name, org.last_name)]
    shared = Counter(names)
    shown = [n if shared[n] == 1 else f"{n} <{e}>" for n, e in zip(names, org.email)]
    rate = np.where(org.is_isolated, ISOLATED_RESPONSE_RATE, RESPONSE_RATE)
    answers = employed & (rng.random(org.size) < rate)
    respondents = np.flatnonzero(answers)
    rng.shuffle(respondents)  # in order of answering
    rows = []
    for n, i in enumerate(respondents, 1):
        lo, hi = contacts.ptr[i], contacts.ptr[i + 1]
        targets, weight = contacts.target[lo:hi], contacts.weight[lo:hi].astype(float)
        ok = (targets < org.size) & (targets != i)
        ok[ok] &= employed[targets[ok]]
        targets, weight = targets[ok], weight[ok]
        advice = _pick(targets, weight * np.where(org.level[targets] > org.level[i], 2.0, 1.0), 1 + min(4, rng.poisson(1.5)), rng)
        energy = _pick(targets, weight, min(4, rng.poisson(1.2)), rng)
        day = first + int(rng.integers(0, 5))
        start = dt.datetime.combine(window_start + dt.timedelta(days=day), dt.time(8)) + dt.timedelta(seconds=int(rng.integers(0, 9 * 3600)))
        end = start + dt.timedelta(seconds=int(rng.integers(60, 600)))
        rows.append((n, f"{start:%Y-%m-%d %H:%M:%S}", f"{end:%Y-%m-%d %H:%M:%S}", org.email[i], names[i],
                     "".join(f"{shown[t]};" for t in advice), "".join(f"{shown[t]};" for t in energy)))
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(("ID", "Start time", "Completion time", "Email", "Name", ADVICE, ENERGY))
        w.writerows(rows)


def _pick(targets: np.ndarray, weight: np.ndarray, k: int, rng: np.random.Generator) -> list[int]:
    k = min(k, len(targets))
    if k <= 0:
        return []
    p = weight / weight.sum() if weight.sum() > 0 else None
    return [int(t) for t in rng.choice(targets, size=k, replace=False, p=p)]


def _write_outcomes(path: Path, org: Org, att: Attrition, rng: np.random.Generator, *, window_start: dt.date,
                    weeks: int) -> None:
    def day(d: int) -> str:
        return (window_start + dt.timedelta(days=int(d))).isoformat()

    size = np.log1p(att.network_size.astype(float))
    z = (size - size.mean()) / (size.std() or 1.0)
    rows: list[tuple] = []
    left = np.flatnonzero(org.exit_day != NO_EXIT)
    voluntary = rng.random(len(left)) < VOLUNTARY_SHARE
    rows += [(day(org.exit_day[i]), org.employee_id[i], "exit", "", "voluntary" if v else "involuntary") for i, v in zip(left, voluntary)]

    review = 7 * (weeks // 2)
    rated = np.flatnonzero(_employed(org, review - 90, review))
    score = np.clip(np.rint(rng.normal(3.2, 0.8, len(rated)) + 0.25 * z[rated]), 1, 5).astype(int)
    rows += [(day(review), org.employee_id[i], "performance", str(s), RATINGS[s]) for i, s in zip(rated, score)]

    for pulse in (7, 7 * (weeks - 1)):
        asked = np.flatnonzero(_employed(org, pulse, pulse) & (rng.random(org.size) < PULSE_RESPONSE_RATE))
        value = 70 + 6 * z[asked] - 10 * att.bottom[asked] + rng.normal(0, 10, len(asked))
        rows += [(day(pulse), org.employee_id[i], "engagement", str(int(v)), "pulse") for i, v in zip(asked, np.clip(np.rint(value), 0, 100))]

    last = 7 * weeks - 1
    chance = PROMOTION_SHARE * np.where(org.is_broker, 1.5, 1.0)
    eligible = (org.level > co.LEVEL_CODE["IC1"]) & (org.level != co.LEVEL_CODE["CEO"]) & (org.hire_day + 180 < last)
    promoted = np.flatnonzero(eligible & _employed(org, last - 365, last - 365) & (rng.random(org.size) < chance))
    when = np.maximum(org.hire_day[promoted] + 180, last - 365) + rng.integers(0, 180, len(promoted))
    when = np.minimum(when, np.where(org.exit_day[promoted] == NO_EXIT, last, org.exit_day[promoted]))
    rows += [(day(d), org.employee_id[i], "promotion", "", co.LEVELS[org.level[i]]) for i, d in zip(promoted, when)]

    rows.sort()
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(("employee_id", "date", "kind", "value", "label"))
        w.writerows((e, d, k, v, lbl) for d, e, k, v, lbl in rows)
