"""The insights' commands (socialhr.insights): a thin shell, added to the ``socialhr`` app by :func:`register`."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Optional

import typer

from .cli_common import _audit_export, _open, console, friendly

_MODELS = {"cox": "Cox proportional hazards", "logit": "logistic regression", "ordinal": "ordinal logistic regression",
           "ols": "least squares"}
_ESTIMATES = {"cox": "hazard ratio", "logit": "odds ratio", "ordinal": "odds ratio", "ols": "difference"}
_OUTCOME_TITLES = {"attrition": "Leaving", "promotion": "Promotion", "performance": "Performance", "engagement": "Engagement"}


def outcomes(
    workspace: Path = typer.Argument(..., help="The workspace folder."),
    window: Optional[str] = typer.Option(None, help="The window whose network is measured (default: the first, the longest follow-up)."),
    as_json: bool = typer.Option(False, "--json", help="Print every estimate and the information value ranking as JSON."),
    all_rows: bool = typer.Option(False, "--all", help="Also list estimates whose interval includes no effect, and those withheld."),
) -> None:
    """What network position says about leaving, promotion, performance and engagement: estimates with 95% intervals and n."""
    from .results import read

    with _open(workspace, read_only=True) as ws:
        effects = read(ws, "outcome_effects", window=window).to_arrow().to_pylist()
        iv = read(ws, "information_value", window=window).to_arrow().to_pylist()
    if as_json:
        console.print_json(json.dumps({"outcome_effects": effects, "information_value": iv}, default=str))
        return
    if not effects:
        return
    console.print(f"Network measured in window {effects[0]['window_id']}; each metric in its own model, with tenure, level "
                  "and department as controls; continuous metrics per standard deviation. Associations, not proof of cause. "
                  f"{'Every estimate' if all_rows else 'Estimates whose 95% interval excludes no effect'}:", highlight=False)
    from rich.table import Table

    for outcome, title in _OUTCOME_TITLES.items():
        rows = [r for r in effects if r["outcome"] == outcome]
        if not rows:
            continue
        shown = [r for r in rows if all_rows or (r["p_value"] is not None and r["p_value"] < 0.05)]
        first = rows[0]
        events = f", {first['events']:,} {'left' if outcome == 'attrition' else 'promoted'}" if first["events"] is not None else ""
        console.print(f"\n[bold]{title}[/] ({_MODELS[first['model']]}; {first['n']:,} people{events})", highlight=False)
        withheld = next((r["sentence"] for r in rows if r["estimate"] is None), "")
        if not shown:
            console.print("  " + (withheld or "No metric's 95% interval excludes no effect (--all lists them)."), highlight=False)
            continue
        table = Table(box=None, padding=(0, 2), show_edge=False)
        for col, justify in (("metric", "left"), (_ESTIMATES[first["model"]], "right"), ("95% CI", "right"), ("p", "right")):
            table.add_column(col, justify=justify)
        for r in shown:
            if r["estimate"] is None:
                table.add_row(r["metric"], "withheld", "", "")
            else:
                table.add_row(r["metric"], f"{r['estimate']:.3g}", f"{r['ci_low']:.3g} to {r['ci_high']:.3g}", _p(r["p_value"]))
        console.print(table)
        top = min((r for r in shown if r["estimate"] is not None), key=lambda r: r["p_value"], default=None)
        if top:
            console.print(f"  {top['sentence']}", highlight=False)
    ranked = [r for r in iv if r["iv"] is not None and not math.isnan(r["iv"])]
    if ranked:
        console.print("\n[bold]Which metrics separate leavers from stayers[/] (information value)")
        for r in ranked:
            console.print(f"  {r['metric']:<24} {r['iv']:.3f}  {r['strength']}", highlight=False)
    console.print("\nExport: socialhr export DIR outcome_effects -o effects.csv (also information_value)", highlight=False)


def adoption(
    workspace: Path = typer.Argument(..., help="The workspace folder."),
    as_json: bool = typer.Option(False, "--json", help="Print every space's figures as JSON."),
) -> None:
    """Are the collaboration spaces alive? Active people, creators, contributors and lurkers, trend, and ghost towns."""
    from rich.table import Table

    from .results import read

    with _open(workspace, read_only=True) as ws:
        rows = read(ws, "adoption").to_arrow().to_pylist()
        settings = dict(ws.settings)
    if as_json:
        console.print_json(json.dumps(rows, default=str))
        return
    if not rows:
        console.print("No collaboration spaces: import a Slack or Teams export (socialhr ingest DIR slack FILE).")
        return
    shown = [r for r in rows if r["status"] != "withheld"]
    counts = {s: sum(1 for r in rows if r["status"] == s) for s in ("active", "declining", "ghost town", "quiet", "withheld")}
    console.print(f"{len(rows):,} spaces: " + ", ".join(f"{n:,} {s}" for s, n in counts.items() if n) + ".", highlight=False)
    table = Table(box=None, padding=(0, 1), show_edge=False)
    table.add_column("space", max_width=20, no_wrap=True, overflow="ellipsis")
    for col in ("status", "members", "active", "change", "C/R/L %", "gini", "retain"):
        table.add_column(col, justify="left" if col == "status" else "right", no_wrap=True)
    order = {"ghost town": 0, "declining": 1, "quiet": 2, "active": 3}
    for r in sorted(shown, key=lambda r: (order.get(r["status"], 9), -(r["members"] or 0)))[:40]:
        change = "" if r["change"] is None else f"{r['change']:+.0%}"
        split = f"{r['creator_share']:.0%}/{r['contributor_share']:.0%}/{r['lurker_share']:.0%}".replace("%", "")
        table.add_row(r["name"] or r["space"], r["status"], f"{r['members']:,}", f"{r['active_last_4w']:,}", change, split,
                      "" if r["gini"] is None else f"{r['gini']:.2f}",
                      "" if r["retention"] is None else f"{r['retention']:.0%}")
    console.print(table)
    if len(shown) > 40:
        console.print(f"... and {len(shown) - 40:,} more (socialhr export DIR adoption -o adoption.csv).", highlight=False)
    console.print("active: people who posted in the last 28 days; change: messages against the 28 days before; "
                  "C/R/L: shares of members who created threads, only replied, or lurked (never posted); retain: first-time posters "
                  "who posted again 4-8 weeks later.", highlight=False)
    console.print(f"Ghost town: people posting in the last 28 days fell by at least {settings['ghost_town_decline']:.0%} "
                  f"and fewer than {settings['ghost_town_min_creators']} started a thread (docs/insights.md).", highlight=False)


def targets(
    workspace: Path = typer.Argument(..., help="The workspace folder."),
    action: str = typer.Argument("list", help="set, list or remove."),
    args: Optional[list[str]] = typer.Argument(None, help='set: SCOPE METRIC OP VALUE (e.g. "department=Engineering" '
                                               'cross_team_tie_share ">=" 0.30, or "channel=#general" space_active_share ">=" 0.4); '
                                               'remove: ID. Metrics: docs/insights.md.'),
    by: Optional[str] = typer.Option(None, "--by", help="set: the date to reach the target by (YYYY-MM-DD)."),
    note: Optional[str] = typer.Option(None, help="set: a note shown with the target (e.g. who owns it)."),
    as_json: bool = typer.Option(False, "--json", help="list: print the targets and their progress as JSON."),
) -> None:
    """HR's targets for social capital: set one per organization unit, and track it every window (on track, at risk, met, missed)."""
    import datetime as dt

    from .errors import InputError
    from .insights import targets as tg
    from .results import read

    args = args or []
    if action == "set":
        if len(args) != 4:
            raise InputError(f"'targets set' takes SCOPE METRIC OP VALUE, got {len(args)} value{'s' if len(args) != 1 else ''}",
                             hint='For example: socialhr targets DIR set "department=Engineering" cross_team_tie_share ">=" 0.30 --by 2027-06-30')
        if by is None:
            raise InputError("'targets set' needs --by DATE, the date to reach the target by", hint="For example: --by 2027-06-30")
        try:
            due = dt.date.fromisoformat(by)
        except ValueError:
            raise InputError(f"--by: not a date: {by!r}", hint="Write it as YYYY-MM-DD, e.g. 2027-06-30.") from None
        try:
            value = float(args[3])
        except ValueError:
            raise InputError(f"a target's value must be a number, got {args[3]!r}", hint="For example: 0.30.") from None
        with _open(workspace) as ws:
            tid = tg.add(ws, args[0], args[1], args[2], value, due, note=note or "")
        console.print(f"Target {tid}: {tg.METRICS[args[1]][1]} of {args[0]} {args[2]} {value:g} by {due}. "
                      "Track it: socialhr targets DIR list", highlight=False)
        return
    if action == "remove":
        if len(args) != 1 or not args[0].isdigit():
            raise InputError("'targets remove' takes the target's id", hint="For example: socialhr targets DIR remove 2 (ids: socialhr targets DIR list)")
        with _open(workspace) as ws:
            tg.remove(ws, int(args[0]))
        console.print(f"Removed target {args[0]}.")
        return
    if action != "list":
        raise InputError(f"unknown action {action!r}", hint="Actions: set, list, remove.")
    with _open(workspace, read_only=True) as ws:
        rows = read(ws, "targets").to_arrow().to_pylist()
        progress = read(ws, "target_progress").to_arrow().to_pylist() if rows else []
    if as_json:
        console.print_json(json.dumps({"targets": rows, "progress": progress}, default=str))
        return
    if not rows:
        console.print('No targets yet. Set one: socialhr targets DIR set "department=Engineering" cross_team_tie_share ">=" 0.30 --by 2027-06-30')
        return
    from rich.table import Table

    table = Table(box=None, padding=(0, 1), show_edge=False)
    for col in ("id", "target", "latest", "projected", "status"):
        table.add_column(col, justify="left" if col in ("target", "status") else "right")
    colour = {"on track": "green", "met": "green", "at risk": "yellow", "missed": "red", "no data": "dim"}
    for r in rows:
        table.add_row(str(r["target_id"]), r["description"], "" if r["latest"] is None else f"{r['latest']:.3g}",
                      "" if r["projected"] is None else f"{r['projected']:.3g}", f"[{colour[r['status']]}]{r['status']}[/]")
    console.print(table)
    console.print("Status: met or missed once the due date has passed; before it, on track when the latest value meets the "
                  "target or the trend of the last six windows reaches it by the due date (docs/insights.md).", highlight=False)


def impact(
    workspace: Path = typer.Argument(..., help="The workspace folder."),
    program: str = typer.Option("introductions", help="introductions, matches or referrals (referral hires against other hires)."),
    run: Optional[int] = typer.Option(None, help="The run (default: the program's latest)."),
    as_json: bool = typer.Option(False, "--json", help="Print the rows as JSON."),
) -> None:
    """Did a program work? Its participants against similar people it did not reach: change in network size, ties across teams, strong ties."""
    from .results import read

    with _open(workspace, read_only=True) as ws:
        rows = read(ws, "program_impact", program=program, run=run).to_arrow().to_pylist()
    if as_json:
        console.print_json(json.dumps(rows, default=str))
        return
    first = rows[0]
    if program == "referrals":
        console.print(f"referrals, run {first['run_id']}: {first['participants']}; each measured in the first complete window "
                      f"after their hire month ({first['followup_window'] or 'none'}) against another hire of the same month; "
                      f"{first['n']:,} matched pairs ({first['exact_matches']:,} within department and level).", highlight=False)
    else:
        console.print(f"{program}, run {first['run_id']}: participants {first['participants']}; baseline {first['baseline_window']}, "
                      f"follow-up {first['followup_window']}; {first['n']:,} matched pairs ({first['exact_matches']:,} within "
                      "department and level).", highlight=False)
    for r in rows:
        console.print(f"  - {r['sentence']}", highlight=False)


def _p(p: float) -> str:
    return "<0.001" if p < 0.001 else f"{p:.3f}"


def register(app: typer.Typer) -> None:
    for fn in (outcomes, adoption, targets, report, impact):
        app.command(fn.__name__)(friendly(fn))


def report(
    workspace: Path = typer.Argument(..., help="The workspace folder."),
    output: Path = typer.Option(..., "-o", "--output", help="report.html (self-contained) or report.pdf."),
    title: Optional[str] = typer.Option(None, help="The report's title (default: Social capital report)."),
    as_role: str = typer.Option("analyst", "--as", help="Whose view: analyst (HR, the whole organization) or leader (aggregates only)."),
    scope: Optional[str] = typer.Option(None, help="--as leader: their part of the org chart, e.g. 'department=Finance'."),
    force: bool = typer.Option(False, "--force", help="Replace the output file if it exists."),
) -> None:
    """The CEO report: an executive summary, then social capital, silos, new joiners, programs, outcomes, adoption and targets."""
    from . import report as rp
    from .errors import InputError
    from .export import _check_output
    from .results import Viewer

    if as_role not in ("analyst", "leader"):
        raise InputError(f"--as {as_role}: a report is for an analyst or a leader", hint="Employees see their own pages, not reports.")
    viewer = Viewer.analyst()
    if as_role == "leader":
        part = None
        if scope:
            if "=" not in scope:
                raise InputError(f"--scope expects FIELD=VALUE, got {scope!r}", hint="For example: --scope department=Finance")
            field, value = scope.split("=", 1)
            part = (field.strip(), value.strip())
        viewer = Viewer.leader(part)
    if output.suffix.lower() not in (".html", ".pdf"):
        raise InputError(f"cannot write a report as '{output.suffix or output.name}'", hint="Give -o report.html or -o report.pdf.")
    _check_output(output, force=force)
    from .cli_common import _progress

    with _open(workspace, read_only=True) as ws, _progress("Report") as bar:
        task = bar.add_task("Reading the figures", total=None)
        made = rp.build(ws, viewer=viewer, title=title)
        rp.write(made, output, progress=lambda step: bar.update(task, description=step))
    _audit_export(workspace, "report", {"output": str(output.resolve()), "as": viewer.describe(), "title": title})
    console.print(f"Wrote {output} ({made.viewer}; network of {made.window_note}).", highlight=False)
