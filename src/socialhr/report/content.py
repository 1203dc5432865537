"""What the report says: every figure read through socialhr.results, for one viewer."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from ..errors import PrivacyError, SocialHRError
from ..network.aggregate import data_span
from ..results import Viewer, read


@dataclass
class Report:
    """The figures and sentences of a report (plain data; :mod:`.render` lays them out)."""

    title: str
    viewer: str
    generated: dt.datetime
    window_id: str
    window_note: str
    min_group_size: int
    summary: list[dict[str, str]] = field(default_factory=list)  # headline cards: title, figure, text
    sections: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @property
    def small_reasons(self) -> list[str]:
        """The disclosure rules' reason for a group withheld as too small (the report counts those, never names them)."""
        return [f"fewer than {self.min_group_size} people"]


def _rows(ws: Any, table: str, viewer: Viewer, **options: Any) -> list[dict[str, Any]] | None:
    """The rows of a table this viewer may read, or None when their role may not (the section says so)."""
    try:
        return read(ws, table, viewer=viewer, **options).to_arrow().to_pylist()
    except PrivacyError:
        return None
    except SocialHRError:
        return []


def report_window(ws: Any) -> tuple[str, str]:
    """The latest *complete* window (the last one often holds only the data's final days) and a note on it."""
    windows = ws.db.execute("SELECT window_id, window_start, window_end FROM network_windows ORDER BY ordinal").fetchall()
    if not windows:
        raise SocialHRError("the workspace has no analysis", hint="Run: socialhr analyze DIR")
    span = data_span(ws.db)
    last_day = span[1] if span else windows[-1][2]
    complete = [w for w in windows if w[2] <= last_day + dt.timedelta(days=1)]
    chosen = complete[-1] if complete else windows[-1]
    note = f"{chosen[0]} ({chosen[1]} to {chosen[2] - dt.timedelta(days=1)})"
    if chosen[0] != windows[-1][0]:
        note += f"; the later window {windows[-1][0]} holds only part of its period and is left out"
    return chosen[0], note


def build(ws: Any, *, viewer: Viewer | None = None, title: str | None = None) -> Report:
    """Gather the report for ``viewer`` (an analyst by default: HR's report of the whole organization)."""
    viewer = viewer or Viewer.analyst()
    k = int(ws.settings["min_group_size"])
    window, window_note = report_window(ws)
    company = title or "Social capital report"
    rep = Report(company, viewer.describe(), dt.datetime.now(dt.timezone.utc), window, window_note, k)

    capital = _rows(ws, "social_capital", viewer, window="*") or []
    order = [w for (w,) in ws.db.execute("SELECT window_id FROM network_windows ORDER BY ordinal").fetchall()]
    shown_windows = set(order[:order.index(window) + 1])
    org_trend = [r for r in capital if r["dimension"] == "organization" and r["window_id"] in shown_windows]
    departments = [r for r in capital if r["dimension"] == "department" and r["window_id"] == window]
    groups = _rows(ws, "group_metrics", viewer, window=window, dimension="department") or []
    org = [r for r in (_rows(ws, "org_metrics", viewer, window=window) or []) if r.get("channel") == "all"]
    withheld = _rows(ws, "withheld", viewer, window=window) or []
    effects = _rows(ws, "outcome_effects", viewer) or []
    iv = _rows(ws, "information_value", viewer) or []
    adoption = _rows(ws, "adoption", viewer) or []
    targets = _rows(ws, "targets", viewer) or []
    benchmark = _rows(ws, "onboarding_benchmark", viewer)
    onboarding = _rows(ws, "onboarding", viewer)
    intros = _rows(ws, "introductions", viewer)
    people = _rows(ws, "person_metrics", viewer, window=window) if viewer.role in ("analyst", "admin") else None
    edges = _rows(ws, "edges", viewer, window=window, channel="all") if people else None
    matches = _rows(ws, "matches", viewer)
    impact = [r for program in ("introductions", "matches", "referrals")
              for r in (_rows(ws, "program_impact", viewer, program=program) or []) if r["outcome"] == "network_size"]

    rep.sections = {
        "capital": {"trend": org_trend, "departments": sorted(departments, key=lambda r: -(r["index"] or 0))},
        "silos": sorted([g for g in groups if g.get("silo_score") is not None], key=lambda g: -g["silo_score"]),
        "organization": org[0] if org else None,
        "withheld": withheld,
        "onboarding": _onboarding(benchmark, onboarding, k),
        "programs": {**_programs(intros, matches, k), "impact": impact},
        "outcomes": {"effects": effects, "iv": [r for r in iv if r.get("iv") is not None]},
        "adoption": sorted(adoption, key=lambda r: ({"ghost town": 0, "declining": 1, "quiet": 2}.get(r["status"], 3),
                                                    -(r["members"] or 0))),
        "targets": targets,
        "map": {"people": [(r["person"], r["department"]) for r in people or []],
                "edges": [(r["source"], r["target"]) for r in edges or []]},
    }
    rep.summary = _summary(rep)
    rep.notes = _notes(rep)
    return rep


def _onboarding(benchmark: list | None, weeks: list | None, k: int) -> dict[str, Any]:
    if benchmark is None and weeks is None:
        return {"available": False, "reason": "not available to this viewer"}
    if not benchmark:
        return {"available": False, "reason": "no onboarding run yet (socialhr onboarding DIR)"}
    latest = max(r["cohort"] for r in benchmark)
    rows = [r for r in benchmark if r["cohort"] == latest and r.get("ties_median") is not None]
    flagged: dict[int, tuple[int, int]] = {}
    for r in weeks or []:
        if r.get("week") in (4, 8, 12) and r.get("below_q1") is not None:
            n, f = flagged.get(r["week"], (0, 0))
            flagged[r["week"]] = (n + 1, f + bool(r["below_q1"]))
    shown = {w: v for w, v in flagged.items() if v[0] >= k}
    return {"available": True, "cohort": latest, "benchmark": rows, "flagged": shown}


def _programs(intros: list | None, matches: list | None, k: int) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if intros is None and matches is None:
        return {"available": False, "reason": "not available to this viewer"}
    if intros:
        joiners = {r["joiner"] for r in intros}
        status: dict[str, int] = {}
        for r in intros:
            status[r["status"]] = status.get(r["status"], 0) + 1
        out["introductions"] = {"joiners": len(joiners), "colleagues": len({r["colleague"] for r in intros}),
                                "proposed": len(intros), "status": status} if len(joiners) >= k else {"too_few": True}
    if matches:
        people = {r["person"] for r in matches}
        status = {}
        for r in matches:
            status[r["status"]] = status.get(r["status"], 0) + 1
        out["matching"] = {"people": len(people), "groups": len({r["group_id"] for r in matches}), "status": status} \
            if len(people) >= k else {"too_few": True}
    out["available"] = True
    return out


def _fmt(v: float | None, digits: int = 2) -> str:
    return "n/a" if v is None else f"{v:,.{digits}f}"


def _summary(rep: Report) -> list[dict[str, str]]:
    s = rep.sections
    cards = []
    trend = s["capital"]["trend"]
    current = next((r for r in trend if r["window_id"] == rep.window_id), trend[-1] if trend else None)
    if current:
        first = trend[0]
        change = current["index"] - first["index"] if current["index"] is not None else None
        cards.append({"title": "Social capital index", "figure": _fmt(current["index"], 1),
                      "text": f"The organization against its first window ({first['window_id']} = 100): "
                              f"{'up' if change and change > 0 else 'down' if change and change < 0 else 'level'} "
                              f"{_fmt(abs(change) if change is not None else None, 1)} points. Mean network size "
                              f"{_fmt(current['network_size'], 1)}; {current['cross_team']:.0%} of ties reach another team; "
                              f"{current['isolation']:.1%} of people isolated."})
    silos = s["silos"][:3]
    if silos:
        cards.append({"title": "Main silos", "figure": ", ".join(g["group"] for g in silos),
                      "text": "Departments that keep most of their collaboration inside (silo score "
                              + ", ".join(f"{g['group']} {g['silo_score']:.2f}" for g in silos)
                              + "; 0 is as chance, 1 everything inside)."})
    ob = s["onboarding"]
    if ob.get("available") and ob["benchmark"]:
        by_week = {r["week"]: r for r in ob["benchmark"]}
        wk = 8 if 8 in by_week else max(by_week)
        flagged = ob["flagged"].get(4)
        text = (f"Joiners have {by_week[wk]['ties_median']:.0f} ties by week {wk} (median of earlier joiners; "
                f"quartiles {by_week[wk]['ties_q1']:.0f} to {by_week[wk]['ties_q3']:.0f}).")
        if flagged:
            text += f" {flagged[1]} of {flagged[0]} joiners were below the 25th percentile at week 4."
        cards.append({"title": "New joiners", "figure": f"{by_week[wk]['ties_median']:.0f} ties at week {wk}", "text": text})
    pg = s["programs"]
    if pg.get("introductions") and not pg["introductions"].get("too_few"):
        i = pg["introductions"]
        done = i["status"].get("met", 0) + i["status"].get("accepted", 0)
        cards.append({"title": "Programs", "figure": f"{i['proposed']:,} introductions",
                      "text": f"{i['joiners']:,} new joiners introduced to {i['colleagues']:,} colleagues; {done:,} accepted or met so far."
                              + (f" Matching: {pg['matching']['groups']:,} cross-team groups of {pg['matching']['people']:,} people."
                                 if pg.get("matching") and not pg["matching"].get("too_few") else "")})
    iso = next((r for r in s["outcomes"]["effects"] if r["metric"] == "isolated" and r["outcome"] == "attrition"), None)
    if iso:
        cards.append({"title": "Network and attrition",
                      "figure": "withheld" if iso["estimate"] is None else f"{iso['estimate']:.2f}× the rate of leaving",
                      "text": iso["sentence"]})
    tg = s["targets"]
    if tg:
        counts: dict[str, int] = {}
        for t in tg:
            counts[t["status"]] = counts.get(t["status"], 0) + 1
        cards.append({"title": "HR's targets", "figure": f"{counts.get('on track', 0) + counts.get('met', 0)} of {len(tg)} on track or met",
                      "text": "; ".join(f"{n} {st}" for st, n in counts.items()) + "."})
    return cards


def _notes(rep: Report) -> list[str]:
    n = [
        f"Every figure is read through socialhr's read path as {rep.viewer}; groups of fewer than {rep.min_group_size} "
        "people are withheld everywhere, and no person is named.",
        f"Network figures are for the window {rep.window_note}.",
        "Estimates linking the network to outcomes are associations, not proof of cause: people are not assigned to "
        "network positions at random. Each comes with its 95% interval and the number of people it rests on.",
        "The social capital index is the mean of four scores (network size, ties across teams, brokerage, and the "
        "share not isolated), 100 being the organization; every component is shown beside it (docs/insights.md).",
    ]
    if rep.sections["withheld"]:
        n.append(f"{len(rep.sections['withheld'])} groups were withheld in this window by the disclosure rules "
                 "(too small, or recoverable by subtraction).")
    return n
