"""Attrition that depends on measured network size, with a known hazard ratio.

After the first four weeks of the window are generated, each person's network
size is measured from those interactions: the number of distinct employees
they interacted with in either direction (e-mail and chat tie sender and
recipients, a meeting ties all attendees, broadcasts with more than 25
recipients tie no one). The people at risk are everyone hired before the
window except the CEO; those whose network size is at or below the 10th
percentile of network size among the people at risk (``numpy.quantile``, linear
interpolation) are the *bottom decile* (slightly more than a tenth when several
people share the percentile's value, as they usually do).

Each person at risk then leaves after an exponential time counted from the day
after week 4 (the follow-up start), with hazard ``baseline`` for most people and
``hazard_ratio * baseline`` for the bottom decile. The baseline is set so that
13.5% of the people at risk would leave within a year; follow-up ends 52 weeks
after the window start, and anyone still employed then is censored.

>>> round(baseline_hazard(annual_share=0.135, hazard_ratio=1.0, bottom_share=0.1) * 365.25, 4)  # -log(0.865)
0.145
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from . import company as co
from .org import NO_EXIT, Org

MEASUREMENT_WEEKS = 4
FOLLOW_UP_WEEKS = 52
BASELINE_ANNUAL_ATTRITION = 0.135
BOTTOM_SHARE = 0.10


@dataclass
class Attrition:
    network_size: np.ndarray  # distinct contacts in the measurement weeks, per person
    at_risk: np.ndarray  # bool
    bottom: np.ndarray  # bool: bottom decile of network size among those at risk
    hazard_ratio: float
    baseline_per_day: float
    follow_up_start_day: int
    follow_up_end_day: int
    exit_day: np.ndarray  # NO_EXIT for those censored

    @property
    def threshold(self) -> int:
        """Largest network size inside the bottom decile."""
        return int(self.network_size[self.bottom].max()) if self.bottom.any() else 0


def network_size(tie_keys: np.ndarray, n_people: int) -> np.ndarray:
    """Distinct contacts per person from pair keys ``lo * n_people + hi``."""
    return (np.bincount(tie_keys // n_people, minlength=n_people)
            + np.bincount(tie_keys % n_people, minlength=n_people))


def baseline_hazard(*, annual_share: float, hazard_ratio: float, bottom_share: float) -> float:
    """Daily hazard such that ``annual_share`` of a population with ``bottom_share``
    at ``hazard_ratio`` times the baseline leaves within 365.25 days."""
    year = 365.25

    def survivors(lam: float) -> float:
        return (1 - bottom_share) * math.exp(-lam * year) + bottom_share * math.exp(-hazard_ratio * lam * year)

    lo, hi = 0.0, 10.0 / year
    for _ in range(200):
        mid = (lo + hi) / 2
        if survivors(mid) > 1 - annual_share:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


def draw_exits(org: Org, size: np.ndarray, *, hazard_ratio: float, weeks: int,
               rng: np.random.Generator) -> Attrition:
    """Choose the bottom decile from ``size`` and draw exit days into ``org.exit_day``."""
    n = org.size
    at_risk = (org.hire_day < 0) & (org.level != co.LEVEL_CODE["CEO"])
    cutoff = float(np.quantile(size[at_risk], BOTTOM_SHARE))
    bottom = at_risk & (size <= cutoff)

    baseline = baseline_hazard(annual_share=BASELINE_ANNUAL_ATTRITION, hazard_ratio=hazard_ratio,
                               bottom_share=bottom.sum() / max(1, at_risk.sum()))
    start = 7 * MEASUREMENT_WEEKS
    end = 7 * max(FOLLOW_UP_WEEKS, weeks)
    hazard = baseline * np.where(bottom, hazard_ratio, 1.0)
    time = rng.exponential(1.0, n) / hazard
    leaves = at_risk & (time <= end - start)
    exit_day = np.where(leaves, start + np.maximum(1, np.ceil(time)).astype(np.int64), NO_EXIT)
    org.exit_day[:] = exit_day
    return Attrition(network_size=size, at_risk=at_risk, bottom=bottom, hazard_ratio=hazard_ratio,
                     baseline_per_day=baseline, follow_up_start_day=start, follow_up_end_day=end,
                     exit_day=exit_day)
