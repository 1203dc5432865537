"""HR's and leaders' pages on programs and evidence: onboarding, programs, adoption, outcomes and targets.

Each page is rendered on the server and its data is also JSON under ``/api``
(the same function builds both). Every figure is read through
:func:`socialhr.web.reads.read` as the signed-in viewer, so the read path
decides what each role sees: analysts and admins read the person-level
tables (pseudonymised; the read is audited), leaders only aggregates, and of
the aggregates the read path scopes (targets) only those of their part of the
org chart; no group below the minimum group size is ever shown.

A section whose program has not run yet is *empty*: it says which command to
run (``DIR`` is the workspace folder).
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from fastapi import APIRouter, Depends, Request

from ..errors import PrivacyError, SocialHRError
from . import reads
from .accounts import Session
from .app import render
from .auth import roles
from .nav import HR, LEADERS

router = APIRouter()

CHECKPOINTS = (4, 8, 12)  # the weeks since start at which onboarding flags joiners (socialhr.programs.onboarding)

EMPTY = {
    "onboarding": "No onboarding measured yet: socialhr onboarding DIR",
    "onboarding_benchmark": "No onboarding measured yet: socialhr onboarding DIR",
    "introductions": "No introductions yet: socialhr intros DIR --new-joiners -o intros.csv (then record what became of "
                     "them: socialhr intros DIR --mark-file intros.csv)",
    "matches": "No matching round yet: socialhr match DIR -o matches.csv (then socialhr match DIR --mark-file matches.csv)",
    "program_impact": "No impact yet: a program's effect shows in data from after it ran. Import newer data and run "
                      "socialhr analyze DIR, then socialhr impact DIR --program {program}",
    "game_leaderboard": "No name-game players yet: employees play on their own page (socialhr game DIR, see docs/programs.md)",
    "referral_integration": "No referral hires yet: socialhr referrals DIR (see docs/programs.md#referrals)",
    "referral_suggestions": "No referral suggestions yet: socialhr referrals DIR (see docs/programs.md#referrals)",
    "adoption": "No collaboration spaces yet: import a Slack or Teams export (socialhr ingest DIR slack slack.zip), "
                "then socialhr analyze DIR",
    "outcome_effects": "No outcomes yet: socialhr ingest DIR outcomes outcomes.csv, then socialhr analyze DIR",
    "information_value": "No outcomes yet: socialhr ingest DIR outcomes outcomes.csv, then socialhr analyze DIR",
    "targets": 'No targets yet: socialhr targets DIR set "department=Engineering" cross_team_tie_share ">=" 0.30 --by 2027-06-30',
    "target_progress": "No targets yet: socialhr targets DIR set ...",
}

GHOST_TOWN_RULE = ("A space is a ghost town when the people posting in it in the last 28 days fell by at least "
                   "{decline:.0%} against the 28 days before (or no one posted in them, though someone had earlier) and "
                   "fewer than {creators} people started a thread in the last 28 days. Declining: active people fell by "
                   "that share without the rest of the rule; quiet: no one posted in either period.")
TARGET_RULE = ("Once the due date has passed: met when the last window ending by the due date meets the target, else "
               "missed. Before it: on track when the latest value meets the target already or the least-squares trend of "
               "the last six windows reaches it by the due date; else at risk. No data: no window shows the group.")


def is_hr(s: Session) -> bool:
    return s.user.role in HR


def section(request: Request, s: Session, table: str, **options: Any) -> dict[str, Any]:
    """A table's rows for the session (through the read path) and what was withheld; ``empty`` says what to run.

    A table whose program has not run yet is empty with its command; a role the read path refuses is an
    error (routes only read what the role may read, so that is a bug, not an empty state).
    """
    empty = EMPTY.get(table, "Nothing yet.").format(**options)
    try:
        rows, withheld = reads.read(request, s, table, **options)
    except PrivacyError:
        raise
    except SocialHRError as e:
        return {"table": table, "rows": [], "withheld": [], "empty": empty, "reason": e.message}
    return {"table": table, "rows": rows, "withheld": withheld, "empty": None if rows else empty, "reason": None}


def interval_words(estimate: float | None, low: float | None, high: float | None, null: float = 0.0) -> str:
    """Whether a 95% interval includes no effect (``null``: 0 for a difference, 1 for a ratio).

    >>> interval_words(1.2, -0.3, 2.7), interval_words(1.2, 0.4, 2.0), interval_words(None, None, None)
    ('no clear effect: the interval includes no difference', 'an effect: the interval excludes no difference', 'withheld or no estimate')
    """
    if estimate is None or low is None or high is None:
        return "withheld or no estimate"
    if low <= null <= high:
        return "no clear effect: the interval includes no difference"
    return "an effect: the interval excludes no difference"


# -- onboarding --------------------------------------------------------------------------------------------------

def onboarding_data(request: Request, s: Session) -> dict[str, Any]:
    """The cohorts' benchmark (every role allowed); for HR also each joiner's weeks with their flags."""
    benchmark = section(request, s, "onboarding_benchmark")
    cohorts = sorted({r["cohort"] for r in benchmark["rows"]})
    out: dict[str, Any] = {"benchmark": benchmark, "latest_cohort": cohorts[-1] if cohorts else None,
                           "checkpoints": list(CHECKPOINTS), "joiners": None, "summary": None}
    if is_hr(s):
        weeks = section(request, s, "onboarding")
        out["joiners"] = weeks
        out["summary"] = onboarding_summary(weeks["rows"])
    return out


def onboarding_summary(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Joiners followed, and at each checkpoint week how many were compared and how many flagged."""
    joiners = {r["joiner"] for r in rows}
    checkpoints = {}
    for week in CHECKPOINTS:
        at = [r for r in rows if r["week"] == week and r.get("below_q1") is not None]
        checkpoints[week] = {"compared": len(at), "flagged": sum(1 for r in at if r["below_q1"])}
    latest: dict[str, dict[str, Any]] = {}
    for r in rows:
        if r["joiner"] not in latest or r["week"] > latest[r["joiner"]]["week"]:
            latest[r["joiner"]] = r
    flags: dict[str, list[str]] = {}
    for r in rows:
        if r.get("flag"):
            flags.setdefault(r["joiner"], []).append(f"week {r['week']}: {r['flag']}")
    for joiner, r in latest.items():
        r["flags"] = flags.get(joiner, [])
    return {"joiners": len(joiners), "checkpoints": checkpoints, "flagged_joiners": len(flags),
            "latest": sorted(latest.values(), key=lambda r: (not r["flags"], r["cohort"], r["joiner"]))}


@router.get("/api/onboarding", tags=["programs"])
def api_onboarding(request: Request, s: Session = Depends(roles(*LEADERS))) -> dict[str, Any]:
    """New joiners' integration by week against earlier joiners: the cohorts' benchmark (leaders: only this) and, for
    analysts and admins, each joiner's weeks (pseudonymised, with their flags; audited)."""
    return onboarding_data(request, s)


@router.get("/onboarding", include_in_schema=False)
def onboarding_page(request: Request, s: Session = Depends(roles(*LEADERS))):
    return render(request, "onboarding.html", {"data": onboarding_data(request, s), "title": "Onboarding integration"})


# -- programs ----------------------------------------------------------------------------------------------------

def _counts(rows: list[dict[str, Any]], who: str) -> dict[str, Any]:
    status = Counter(r["status"] for r in rows)
    return {"people": len({r[who] for r in rows}), "rows": len(rows), "status": dict(sorted(status.items())),
            "run_id": rows[0]["run_id"] if rows else None}


def programs_data(request: Request, s: Session) -> dict[str, Any]:
    """Each program's reach (HR: counts by status from the person-level rows) and its impact against matched controls."""
    out: dict[str, Any] = {}
    for program, who, extra in (("introductions", "joiner", "colleague"), ("matches", "person", "group_id")):
        entry: dict[str, Any] = {"counts": None, "empty": None}
        if is_hr(s):
            rows = section(request, s, program)
            entry["empty"] = rows["empty"]
            if rows["rows"]:
                entry["counts"] = _counts(rows["rows"], who) | {"others": len({r[extra] for r in rows["rows"]})}
        impact = section(request, s, "program_impact", program=program)
        for r in impact["rows"]:
            r["reading"] = interval_words(r["estimate"], r["ci_low"], r["ci_high"])
        entry["impact"] = impact
        out[program] = entry
    out["game_leaderboard"] = section(request, s, "game_leaderboard")
    out["referral_integration"] = section(request, s, "referral_integration")
    out["referral_suggestions"] = None
    if is_hr(s):
        suggestions = section(request, s, "referral_suggestions")
        rows = suggestions["rows"]
        out["referral_suggestions"] = {
            "empty": suggestions["empty"], "roles": len({r["role"] for r in rows}), "suggestions": len(rows),
            "referrers": len({r["referrer"] for r in rows}), "status": dict(sorted(Counter(r["status"] for r in rows).items())),
        }
    return out


@router.get("/api/programs", tags=["programs"])
def api_programs(request: Request, s: Session = Depends(roles(*LEADERS))) -> dict[str, Any]:
    """Introductions and cross-team matching (HR: proposed, accepted, met), each with its impact against matched
    controls (estimate, 95% interval, n, a sentence), the name game by department, and referrals."""
    return programs_data(request, s)


@router.get("/programs", include_in_schema=False)
def programs_page(request: Request, s: Session = Depends(roles(*LEADERS))):
    return render(request, "programs.html", {"data": programs_data(request, s), "title": "Programs"})


# -- adoption ----------------------------------------------------------------------------------------------------

def adoption_data(request: Request, s: Session) -> dict[str, Any]:
    spaces = section(request, s, "adoption")
    settings = request.app.state.site.settings
    rule = GHOST_TOWN_RULE.format(decline=float(settings["ghost_town_decline"]), creators=int(settings["ghost_town_min_creators"]))
    shown = [r for r in spaces["rows"] if r["status"] != "withheld"]
    members = sum(r["members"] or 0 for r in shown)
    pattern = {k: (sum(r[k] or 0 for r in shown) / members if members else None) for k in ("creators", "contributors", "lurkers")}
    return {"spaces": spaces, "rule": rule, "status": dict(sorted(Counter(r["status"] for r in spaces["rows"]).items())),
            "pattern": pattern}


@router.get("/api/adoption", tags=["insights"])
def api_adoption(request: Request, s: Session = Depends(roles(*LEADERS))) -> dict[str, Any]:
    """Adoption of each collaboration space: DAU, WAU, MAU, the 90-9-1 split, trend and the ghost-town status (with its rule)."""
    return adoption_data(request, s)


@router.get("/adoption", include_in_schema=False)
def adoption_page(request: Request, s: Session = Depends(roles(*LEADERS))):
    return render(request, "adoption.html", {"data": adoption_data(request, s), "title": "Adoption"})


# -- outcomes ----------------------------------------------------------------------------------------------------

def outcomes_data(request: Request, s: Session) -> dict[str, Any]:
    effects = section(request, s, "outcome_effects")
    for r in effects["rows"]:
        # Ratios (hazard, odds) have no effect at 1; differences (linear models) at 0.
        r["reading"] = interval_words(r["estimate"], r["ci_low"], r["ci_high"], 0.0 if r["model"] == "ols" else 1.0)
    return {"effects": effects, "information_value": section(request, s, "information_value")}


@router.get("/api/outcomes", tags=["insights"])
def api_outcomes(request: Request, s: Session = Depends(roles(*LEADERS))) -> dict[str, Any]:
    """How network position goes with attrition, promotion, performance and engagement (estimate, 95% interval, n, p and
    a sentence), and the information value ranking: associations, not causes."""
    return outcomes_data(request, s)


@router.get("/outcomes", include_in_schema=False)
def outcomes_page(request: Request, s: Session = Depends(roles(*LEADERS))):
    return render(request, "outcomes.html", {"data": outcomes_data(request, s), "title": "Outcomes"})


# -- targets -----------------------------------------------------------------------------------------------------

def targets_data(request: Request, s: Session) -> dict[str, Any]:
    targets = section(request, s, "targets")
    progress = section(request, s, "target_progress") if targets["rows"] else {"rows": [], "withheld": [], "empty": None}
    series: dict[int, list[dict[str, Any]]] = {}
    for r in progress["rows"]:
        series.setdefault(r["target_id"], []).append(r)
    for t in targets["rows"]:
        values = [p["value"] for p in series.get(t["target_id"], []) if p["value"] is not None]
        t["trend"] = None if len(values) < 2 else ("up" if values[-1] > values[0] else "down" if values[-1] < values[0] else "flat")
        t["series"] = series.get(t["target_id"], [])
    return {"targets": targets, "progress": progress, "rule": TARGET_RULE,
            "status": dict(sorted(Counter(t["status"] for t in targets["rows"]).items()))}


@router.get("/api/targets", tags=["insights"])
def api_targets(request: Request, s: Session = Depends(roles(*LEADERS))) -> dict[str, Any]:
    """HR's social-capital targets (leaders: those of their part of the org and the organization's), each with its
    status (on track, at risk, met, missed, with the rule), latest value, projection and trend."""
    return targets_data(request, s)


@router.get("/targets", include_in_schema=False)
def targets_page(request: Request, s: Session = Depends(roles(*LEADERS))):
    return render(request, "targets.html", {"data": targets_data(request, s), "title": "Targets"})
