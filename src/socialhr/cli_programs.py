"""The programs' commands (socialhr.programs): a thin shell, added to the ``socialhr`` app by :func:`register`."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from .cli_common import _open, _person_pseudonym, _progress, console, friendly
from .errors import InputError


def _marks(ws, mark: list[str] | None, mark_file: Path | None, *, people: tuple[str, ...], example: str,
           read_file) -> tuple[list[tuple], str]:
    """The status changes given by --mark (``PERSON[,PERSON...],STATUS``; employee ids or pseudonyms, resolved to
    pseudonyms) and --mark-file (read by the program's ``read_file``), and the source to name in errors."""
    shape = ",".join((*people, "STATUS"))
    changes: list[tuple] = []
    for item in mark or []:
        parts = [p.strip() for p in item.split(",")]
        if len(parts) != len(people) + 1:
            raise InputError(f"--mark expects {shape}, got {item!r}", hint=f"For example: --mark '{example}'.")
        changes.append((*(_person_pseudonym(ws, p) for p in parts[:-1]), parts[-1]))
    if mark_file:
        return changes + list(read_file(ws, mark_file)), str(mark_file)
    return changes, "--mark"


def intros(
    workspace: Path = typer.Argument(..., help="The workspace folder."),
    new_joiners: bool = typer.Option(False, "--new-joiners", help="Propose introductions for every new joiner and write them to -o."),
    since: int = typer.Option(90, help="New joiners: hired within this many days before the end of the data (or about to start)."),
    count: int = typer.Option(20, help="Colleagues to introduce each joiner to."),
    min_level: Optional[str] = typer.Option(None, help="Only colleagues at or above this level (the level_order setting, or the org chart, ranks levels)."),
    max_per_colleague: int = typer.Option(3, help="Joiners one colleague may be introduced to in a run (spreads the load)."),
    seed: int = typer.Option(0, help="Random seed: the same seed on the same data proposes the same introductions."),
    output: Optional[Path] = typer.Option(None, "-o", "--output", help="File to write the proposed introductions to (.csv, .parquet, .json, .jsonl)."),
    identified: bool = typer.Option(False, help="Add employee ids from the vault (an admin's file, to send the introductions)."),
    force: bool = typer.Option(False, "--force", help="Replace the output file if it exists."),
    mark: Optional[list[str]] = typer.Option(None, "--mark", metavar="JOINER,COLLEAGUE,STATUS",
                                             help="Record what became of an introduction: proposed, accepted, met or declined (repeatable; employee ids or pseudonyms)."),
    mark_file: Optional[Path] = typer.Option(None, "--mark-file", help="A CSV with columns joiner, colleague, status (e.g. the proposals file, edited) to record statuses from."),
    run: Optional[int] = typer.Option(None, help="--mark, --mark-file: the run the introductions came from (default: the latest)."),
) -> None:
    """Introduce each new joiner to colleagues who open up their network (Goldman Sachs: about 20 senior colleagues each)."""
    from .export import _check_output, export_table
    from .programs import intros as programs_intros

    if new_joiners == bool(mark or mark_file):
        raise InputError("give either --new-joiners (propose) or --mark / --mark-file (record what happened)",
                         hint="For example: socialhr intros DIR --new-joiners -o intros.csv")
    if new_joiners:
        if output is None:
            raise InputError("--new-joiners needs -o FILE to write the introductions to", hint="For example: -o intros.csv")
        _check_output(output, force=force)
        with _open(workspace) as ws, _progress("Choosing colleagues") as bar:
            task = bar.add_task("Choosing colleagues", total=count)
            summary = programs_intros.propose(ws, since=since, count=count, min_level=min_level, max_per_colleague=max_per_colleague,
                                              seed=seed, progress=lambda done, total: bar.update(task, completed=done))
            n = export_table(ws, "introductions", output, identified=identified, force=force, run=summary["run_id"])
        console.print(f"Proposed {summary['introductions']:,} introductions for {summary['joiners']:,} new joiners "
                      f"({summary['colleagues']:,} colleagues, at most {max_per_colleague} joiners each); run {summary['run_id']}. "
                      f"Wrote {n:,} rows to {output}{' (identified)' if identified else ' (pseudonymised)'}.", highlight=False)
        if summary["short"]:
            console.print(f"  {summary['short']:,} joiners got fewer than {count}: not enough eligible colleagues "
                          "(lower --min-level, raise --max-per-colleague, or lower --count).", highlight=False)
        return
    with _open(workspace) as ws:
        changes, source = _marks(ws, mark, mark_file, people=("JOINER", "COLLEAGUE"), example="e1042,e0007,met",
                                 read_file=programs_intros.read_marks)
        changed = programs_intros.mark(ws, changes, run_id=run, source=source)
    console.print(f"Recorded {changed:,} status change{'s' if changed != 1 else ''} ({len(changes) - changed:,} unchanged).", highlight=False)


def match(
    workspace: Path = typer.Argument(..., help="The workspace folder."),
    size: int = typer.Option(2, help="People per group (2: pairs). When the count does not divide, some groups get one more."),
    opt_in: Optional[Path] = typer.Option(None, "--opt-in", help="A file (CSV, ...) with a column employee_id or person: the people taking part (default: everyone employed)."),
    mode: str = typer.Option("any", help="in-person: groups share a location; virtual: groups within match_max_hours_apart hours of time zone; "
                             "any: virtual, in person when the group shares a location."),
    seed: int = typer.Option(0, help="Random seed: the same seed on the same data matches the same groups."),
    output: Optional[Path] = typer.Option(None, "-o", "--output", help="File to write the round's groups to (.csv, .parquet, .json, .jsonl)."),
    identified: bool = typer.Option(False, help="Add employee ids from the vault (an admin's file, to tell people whom they meet)."),
    force: bool = typer.Option(False, "--force", help="Replace the output file if it exists."),
    mark: Optional[list[str]] = typer.Option(None, "--mark", metavar="PERSON,STATUS",
                                             help="Record what became of a person's group: proposed, met or skipped (repeatable; employee id or pseudonym)."),
    mark_file: Optional[Path] = typer.Option(None, "--mark-file", help="A CSV with columns person, status (e.g. the round's file, edited) to record statuses from."),
    run: Optional[int] = typer.Option(None, help="--mark, --mark-file: the round the groups came from (default: the latest)."),
) -> None:
    """Match people across teams, in pairs or small groups, for a coffee or a call (Zappos: time with colleagues outside your team)."""
    from .export import _check_output, export_table
    from .programs import matching

    if mark or mark_file:
        with _open(workspace) as ws:
            changes, source = _marks(ws, mark, mark_file, people=("PERSON",), example="e1042,met", read_file=matching.read_marks)
            changed = matching.mark(ws, changes, run_id=run, source=source)
        console.print(f"Recorded {changed:,} status change{'s' if changed != 1 else ''} ({len(changes) - changed:,} unchanged).", highlight=False)
        return
    if output is not None:
        _check_output(output, force=force)
    with _open(workspace) as ws, _progress("Matching") as bar:
        task = bar.add_task("Matching", total=None)
        summary = matching.propose(ws, size=size, mode=mode, opt_in=opt_in, seed=seed,
                                   progress=lambda done, total: bar.update(task, completed=done, total=total))
        written = export_table(ws, "matches", output, identified=identified, force=force, run=summary["run_id"]) if output else None
        repeat = ws.settings["match_repeat_rounds"]
    sizes = ", ".join(f"{n:,} of {s} people" for s, n in sorted(summary["group_sizes"].items()))
    console.print(f"Matched {summary['matched']:,} of {summary['people']:,} people in {summary['groups']:,} groups ({sizes or 'none'}); "
                  f"round {summary['run_id']}. {summary['untied_pair_share']:.0%} of pairs not yet connected, "
                  f"{summary['cross_community_pair_share']:.0%} across communities; no team twice in a group, "
                  f"no pair from the last {repeat} rounds.", highlight=False)
    if summary["unmatched"]:
        why = f" ({summary['no_location']:,} with no location)" if summary["no_location"] else ""
        console.print(f"  {summary['unmatched']:,} people fit no group{why}: too few others of their location or time zone, "
                      "or only their own team and recent partners left.", highlight=False)
    if summary["time_zone_unknown"]:
        console.print(f"  {summary['time_zone_unknown']:,} people's time zone is unknown, so it did not limit their group: declare a "
                      "time_zone roster attribute, or set location_time_zones (docs/programs.md#cross-team-matching).", highlight=False)
    if written is not None:
        console.print(f"Wrote {written:,} rows to {output}{' (identified)' if identified else ' (pseudonymised)'}.", highlight=False)
    else:
        console.print(f"Read it with: socialhr export {workspace} matches -o matches.csv", highlight=False)


def onboarding(
    workspace: Path = typer.Argument(..., help="The workspace folder."),
    as_json: bool = typer.Option(False, "--json", help="Print the summary and the benchmark as JSON."),
) -> None:
    """Follow every new joiner's network week by week against earlier joiners; flag who is not yet integrating at weeks 4, 8 and 12."""
    import json

    from rich.table import Table

    from .programs import onboarding as programs_onboarding
    from .results import read

    with _open(workspace) as ws:
        with _progress("Measuring onboarding") as bar:
            task = bar.add_task("Measuring onboarding", total=None)
            summary = programs_onboarding.measure(ws, progress=lambda message: bar.update(task, description=message))
        benchmark = read(ws, "onboarding_benchmark", run=summary["run_id"]).to_arrow().to_pylist()
    if as_json:
        print(json.dumps({"summary": summary, "benchmark": benchmark}, default=str, indent=1))
        return
    cohorts = summary["cohorts"]
    if not summary["joiners"]:
        console.print(f"No one employed on {summary['as_of']} was hired between {summary['first_day']} and then: no joiner "
                      f"to follow (run {summary['run_id']}).", highlight=False)
        return
    console.print(f"Onboarding integration of {summary['joiners']:,} joiners hired {summary['first_day']} to {summary['as_of']} "
                  f"(cohorts by hire month: {', '.join(cohorts) or 'none'}); run {summary['run_id']}.", highlight=False)
    if summary["joiners"] > summary["measured"]:
        console.print(f"  {summary['joiners'] - summary['measured']:,} started less than a week before the end of the data: "
                      "not measured yet.", highlight=False)
    n = summary["tie_min_interactions"]
    how = "anyone they interacted with" if n == 1 else f"anyone with {n} interactions in one direction"
    console.print(f"  ties: {how}, either way, on any channel; outside their team: not in their roster team; senior: "
                  f"{', '.join(summary['senior_levels']) or 'no level'} (setting senior_level).", highlight=False)
    console.print(f"Not yet integrating (ties below the 25th percentile of earlier joiners, at least "
                  f"{summary['min_group_size']} of them, at the same week):", highlight=False)
    for week, c in summary["checkpoints"].items():
        said = f"{c['flagged']:,} of {c['compared']:,} joiners compared" if c["compared"] else "no joiner compared yet"
        console.print(f"  week {week:>2}: {said}", highlight=False)
    if summary["flagged_joiners"]:
        console.print(f"  Who, for their managers and HR: socialhr export {workspace} onboarding -o onboarding.csv "
                      "(column flag; --identified adds employee ids).", highlight=False)
    latest = [b for b in benchmark if cohorts and b["cohort"] == cohorts[-1]]
    if not latest:
        console.print("No benchmark yet: every joiner is in the first cohort (hire month) of the data.", highlight=False)
        return
    t = Table(title=f"Benchmark of the {cohorts[-1]} cohort: joiners hired before {cohorts[-1]}-01, by week since start",
              title_justify="left")
    for name in ("week", "joiners", "ties (q1 / median / q3)", "outside team", "senior", "communities"):
        t.add_column(name, justify="left" if name.startswith("ties") else "right")

    def q(b: dict, m: str) -> str:
        return " / ".join(f"{b[f'{m}_{k}']:g}" for k in ("q1", "median", "q3"))

    for b in latest:
        if b["withheld"]:
            t.add_row(str(b["week"]), f"{b['joiners']:,}", "withheld", "", "", "")
        else:
            t.add_row(str(b["week"]), f"{b['joiners']:,}", q(b, "ties"), f"{b['ties_outside_team_median']:g}",
                      f"{b['ties_senior_median']:g}", f"{b['communities_median']:g}")
    t.caption = ("medians beside the ties' quartiles; withheld: fewer earlier joiners than the minimum group size, or too few "
                 f"more than another benchmark shown (socialhr export {workspace} onboarding_benchmark -o FILE says why)")
    console.print(t)


CONSULT_ACTIONS = ("open", "list", "close", "comments", "link", "report", "text")


def consult(
    workspace: Path = typer.Argument(..., help="The workspace folder."),
    action: str = typer.Argument(..., help="open, list, close ID, comments ID FILE, link ID --channel NAME, report ID, text ID."),
    consultation: Optional[int] = typer.Argument(None, metavar="[ID]", help="The consultation (close, comments, link, report, text)."),
    file: Optional[Path] = typer.Argument(None, metavar="[FILE]", help="comments: a CSV of comments and endorsements (docs/programs.md#consultations)."),
    title: Optional[str] = typer.Option(None, help="open: the consultation's title."),
    text_file: Optional[Path] = typer.Option(None, help="open: a text file holding what employees are consulted on (kept in the vault)."),
    closes: Optional[str] = typer.Option(None, help="open: the last day it is open, YYYY-MM-DD."),
    opens: Optional[str] = typer.Option(None, help="open: the day it opened, YYYY-MM-DD, if not today (a consultation held already)."),
    audience: Optional[list[str]] = typer.Option(None, metavar="FIELD=VALUE", help="open: who is asked, e.g. department=Finance (repeatable; default: everyone)."),
    channel: Optional[str] = typer.Option(None, help="link: a Slack or Teams channel (name or group id) whose messages during the consultation count as taking part."),
    as_json: bool = typer.Option(False, "--json", help="report: print the figures as JSON."),
) -> None:
    """Consult employees on a change, and measure whose voices came in: by group, across the network, core against periphery."""
    import json as _json

    from .programs import consult as c
    from .results import read

    if action not in CONSULT_ACTIONS:
        raise InputError(f"unknown action {action!r}", hint=f"Use one of: {', '.join(CONSULT_ACTIONS)}.")
    if action not in ("open", "list") and consultation is None:
        raise InputError(f"{action} needs the consultation's ID", hint=f"For example: socialhr consult DIR {action} 1 (socialhr consult DIR list shows them).")
    with _open(workspace, read_only=action in ("list", "report", "text")) as ws:
        if action == "open":
            if not title or text_file is None or not closes:
                raise InputError("open needs --title, --text-file and --closes", hint="For example: socialhr consult DIR open --title 'Payroll dates' --text-file change.md --closes 2026-12-31")
            try:
                body = text_file.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as e:
                raise InputError(f"cannot read --text-file: {e}", file=text_file, hint="Give a UTF-8 text file.") from None
            cid = c.open_consultation(ws, title=title, text=body, closes=closes, audience=audience, opens=opens)
            console.print(f"Opened consultation {cid}, open until {closes} (its title and text are kept in the vault).", highlight=False)
        elif action == "list":
            found = c.consultations(ws)
            for r in found:
                who = "; ".join(f"{k}={' or '.join(v)}" for k, v in r["audience"].items()) or "everyone"
                console.print(f"{r['consultation_id']}  {r['title'] or '(title in the vault)'}  {r['opened_at']:%Y-%m-%d} to {r['closes']}  "
                              f"{r['status']}  asked: {who}  {r['comments']:,} comments, {r['endorsements']:,} endorsements, "
                              f"{r['channels']} channel{'s' if r['channels'] != 1 else ''}", highlight=False, soft_wrap=True)
            if not found:
                console.print("No consultations yet: socialhr consult DIR open --title T --text-file F --closes DATE", highlight=False)
        elif action == "close":
            c.close(ws, consultation)
            console.print(f"Closed consultation {consultation}.", highlight=False)
        elif action == "comments":
            if file is None:
                raise InputError("comments needs a FILE", hint="For example: socialhr consult DIR comments 1 comments.csv")
            n = c.import_comments(ws, consultation, file)
            console.print(f"Imported {n['comments']:,} comments and {n['endorsements']:,} endorsements from {file.name} "
                          f"into consultation {consultation} ({n['already_imported']:,} already imported).", highlight=False)
        elif action == "link":
            if not channel:
                raise InputError("link needs --channel NAME", hint="For example: socialhr consult DIR link 1 --channel payroll-change")
            linked = c.link(ws, consultation, channel)
            console.print(f"Linked {linked['kind'].replace('_', ' ')} {channel} to consultation {consultation}: its messages "
                          "while the consultation is open count as taking part.", highlight=False)
        elif action == "text":
            t = c.text(ws, consultation)
            console.print(f"[bold]{t['title']}[/]\n\n{t['text']}", highlight=False)
            for x in t["comments"]:
                console.print(f"  #{x['comment_no']}: {x['text']}", highlight=False)
        else:
            groups = read(ws, "consultation_reach", consultation=consultation).to_arrow().to_pylist()
            summary = read(ws, "consultation_summary", consultation=consultation).to_arrow().to_pylist()
            if as_json:
                typer.echo(_json.dumps({"summary": _summary_values(summary),
                                        "groups": groups}, indent=2, default=str))
                return
            _print_reach(consultation, summary, groups)


def _summary_values(summary: list[dict]) -> dict:
    """consultation_summary's rows as {metric: value}: counts as integers, notes as text."""
    out = {}
    for r in summary:
        v = r["value"] if r["note"] is None else r["note"]
        if isinstance(v, float) and (r["metric"].endswith("audience") or r["metric"] in ("participants", "communities_represented")):
            v = int(v)
        out[r["metric"]] = v
    return out


def _print_reach(cid: int, summary: list[dict], groups: list[dict]) -> None:
    from rich.table import Table

    s = _summary_values(summary)
    if "withheld" in s:
        console.print(f"Consultation {cid}: every figure is withheld: {s['withheld']}.", highlight=False)
        return
    pct = lambda x: "withheld" if x is None else f"{100 * x:.0f}%"  # noqa: E731
    console.print(f"Consultation {cid}: {int(s['participants']):,} of {int(s['audience']):,} people asked took part ({pct(s['rate'])}); "
                  f"{int(s['outside_audience']):,} more from outside the audience. Network of {s['window_id']}.", highlight=False)
    console.print(f"  Across the network: {int(s['communities_represented'])} of {int(s['communities_in_audience'])} communities "
                  f"represented; the largest community gave {pct(s['largest_community_share'])} of the voices; Gini of the "
                  f"communities' participation rates {s['gini_participation_rate'] if s['gini_participation_rate'] is None else round(s['gini_participation_rate'], 2)}.",
                  highlight=False)
    ratio = s.get("periphery_to_core")
    console.print(f"  Core against periphery: core {pct(s['core_rate'])}, middle {pct(s['middle_rate'])}, periphery {pct(s['periphery_rate'])}"
                  + (f" (the periphery took part {ratio:.2f} times as often as the core)." if ratio is not None else "."), highlight=False)
    table = Table("by", "group", "asked", "took part", "rate")
    withheld = 0
    for g in groups:
        if g["withheld"]:
            withheld += 1
            continue
        table.add_row(g["dimension"], g["group"], f"{g['audience']:,}", f"{g['participants']:,}", pct(g["rate"]))
    console.print(table)
    if withheld:
        console.print(f"withheld: {withheld} groups (fewer than the minimum group size, or recoverable by subtraction); "
                      "socialhr export DIR consultation_reach lists them with the reason.", highlight=False)


REFERRAL_ACTIONS = ("roles", "suggest", "integration")


def referrals(
    workspace: Path = typer.Argument(..., help="The workspace folder."),
    action: Optional[str] = typer.Argument(None, help="roles FILE (the open roles), suggest (rank candidates), integration (referral hires' networks)."),
    file: Optional[Path] = typer.Argument(None, metavar="[FILE]", help="roles: a CSV of open roles (title; role_id, department, location, keywords, companies)."),
    output: Optional[Path] = typer.Option(None, "-o", "--output", help="suggest: the file to write the suggestions to (.csv, .parquet, .json, .jsonl)."),
    top: int = typer.Option(10, help="suggest: candidates per role."),
    identified: bool = typer.Option(False, help="suggest: add employee ids and candidates' names from the vault (an admin's file)."),
    force: bool = typer.Option(False, "--force", help="Replace the output file if it exists."),
    mark: Optional[list[str]] = typer.Option(None, "--mark", metavar="ROLE,CANDIDATE,STAGE[,EMPLOYEE]",
                                             help="Move a suggestion to a stage: suggested, referred, interviewed, hired (with the new hire's employee id); repeatable."),
    run: Optional[int] = typer.Option(None, help="--mark: the run the suggestions came from (default: the latest)."),
    as_json: bool = typer.Option(False, "--json", help="integration: print the figures as JSON."),
) -> None:
    """Referrals: rank the opted-in employees' LinkedIn connections for open roles, follow them to hire, and compare how referral hires integrate."""
    import json as _json

    from .export import _check_output, export_table
    from .programs import referrals as r
    from .results import read

    if mark:
        if action is not None:
            raise InputError("give either an action or --mark", hint="For example: socialhr referrals DIR --mark 'R-12,3fa2...,referred'")
        changes = []
        for item in mark:
            parts = [p.strip() for p in item.split(",")]
            if len(parts) not in (3, 4):
                raise InputError(f"--mark expects ROLE,CANDIDATE,STAGE[,EMPLOYEE], got {item!r}",
                                 hint="For example: --mark 'R-12,3fa2c1d0e9b87a65,hired,E001234'.")
            changes.append((parts[0], parts[1], parts[2], parts[3] if len(parts) == 4 and parts[3] else None))
        with _open(workspace) as ws:
            changed = r.mark(ws, changes, run_id=run)
        console.print(f"Recorded {changed:,} stage change{'s' if changed != 1 else ''} ({len(changes) - changed:,} unchanged).", highlight=False)
        return
    if action not in REFERRAL_ACTIONS:
        raise InputError(f"unknown action {action!r}" if action else "give an action or --mark",
                         hint=f"Use one of: {', '.join(REFERRAL_ACTIONS)}, or --mark ROLE,CANDIDATE,STAGE.")
    if action == "roles":
        if file is None:
            raise InputError("roles needs a FILE", hint="For example: socialhr referrals DIR roles roles.csv")
        with _open(workspace) as ws:
            n = r.import_roles(ws, file)
        console.print(f"Imported {n['roles']:,} open roles from {file.name} ({n['new']:,} new; {n['closed']:,} earlier roles closed).", highlight=False)
    elif action == "suggest":
        if output is not None:
            _check_output(output, force=force)
        with _open(workspace) as ws:
            summary = r.suggest(ws, top=top)
            plural = lambda n, word: f"{n:,} {word}{'' if n == 1 else 's'}"  # noqa: E731
            console.print(f"Suggested {plural(summary['suggestions'], 'candidate')} for {plural(summary['roles'], 'open role')} from "
                          f"{plural(summary['connections'], 'connection')} of {plural(summary['referrers'], 'referrer')}; run {summary['run_id']}.",
                          highlight=False)
            if summary["roles_without_suggestions"]:
                console.print(f"  {plural(summary['roles_without_suggestions'], 'role')}: no connection whose title or keywords match.", highlight=False)
            if output is not None:
                extra = {"names": True} if identified else {}
                n = export_table(ws, "referral_suggestions", output, identified=identified, force=force, run=summary["run_id"], **extra)
                console.print(f"Wrote {n:,} rows to {output}{' (identified)' if identified else ' (pseudonymised)'}.", highlight=False)
    else:
        with _open(workspace, read_only=True) as ws:
            rows = read(ws, "referral_integration").to_arrow().to_pylist()
        if as_json:
            typer.echo(_json.dumps(rows, indent=2))
            return
        if not rows:
            console.print("No referral hires yet: mark a hired candidate with --mark ROLE,CANDIDATE,hired,EMPLOYEE.", highlight=False)
        for x in rows:
            if x["withheld"]:
                console.print(f"week {x['week']:>2}  {x['group']:<15} withheld: {x['withheld']}", highlight=False)
            else:
                console.print(f"week {x['week']:>2}  {x['group']:<15} {x['hires']:>4} hires  median network size {x['median_network_size']:g} "
                              f"(mean {x['mean_network_size']:.1f})", highlight=False)
def game(
    workspace: Path = typer.Argument(..., help="The workspace folder."),
    action: str = typer.Argument(..., help="play, leaderboard, progress, photos, opt-out or opt-in."),
    path: Optional[Path] = typer.Argument(None, help="photos: a folder of photos named by employee id (E0042.jpg), or one such file."),
    as_: Optional[str] = typer.Option(None, "--as", help="play, progress, opt-out, opt-in: the player's employee id (or work e-mail)."),
    rounds: int = typer.Option(5, help="play: how many colleagues to name."),
    seed: Optional[int] = typer.Option(None, help="play: random seed (the same seed deals the same cards)."),
) -> None:
    """The colleague name game: name the people you work with (Zappos shows a colleague's photo at log-in)."""
    import numpy as np

    from .programs import namegame

    actions = ("play", "leaderboard", "progress", "photos", "opt-out", "opt-in")
    if action not in actions:
        raise InputError(f"unknown action {action!r}", hint=f"Use one of: {', '.join(actions)}.")
    if action in ("play", "progress", "opt-out", "opt-in") and not as_:
        raise InputError(f"{action} needs the player: --as EMPLOYEE_ID")
    with _open(workspace) as ws:
        if action == "photos":
            if path is None:
                raise InputError("photos needs a folder (or file) of photos named by employee id", hint="For example: socialhr game DIR photos faces/")
            done = namegame.register_photos(ws, path)
            console.print(f"Registered {done['registered']:,} photos in {done['stored_in']} (paths only; the files stay where they are).", highlight=False)
            if done["unmatched"]:
                console.print(f"  left out {done['unmatched']:,} file{'s' if done['unmatched'] != 1 else ''} named after no one's employee id: "
                              f"{', '.join(done['unmatched_files'])}", highlight=False)
        elif action == "play":
            rng = np.random.default_rng(seed)
            for _ in range(rounds):
                card = namegame.next_card(ws, as_, rng=rng)
                shown = f"photo: {card.photo}" if card.photo else f"initials: {card.initials}"
                about = ", ".join(x for x in (card.level, card.team, card.department, card.location) if x)
                console.print(f"\nWho is this? {shown} ({about}){' (again)' if card.review else ''}", highlight=False)
                for k, name in enumerate(card.choices, start=1):
                    console.print(f"  {k}. {name}", highlight=False, markup=False)
                pick = typer.prompt("Your answer", type=int)
                if not 1 <= pick <= len(card.choices):
                    raise InputError(f"answer with a number from 1 to {len(card.choices)}, got {pick}")
                result = namegame.answer(ws, as_, card, pick - 1)
                console.print(("Right!" if result.correct else f"No: it was {result.name}.")
                              + f" (back in {result.due_in} cards)", highlight=False)
            _print_progress(namegame.progress(ws, as_))
        elif action == "progress":
            _print_progress(namegame.progress(ws, as_))
        elif action in ("opt-out", "opt-in"):
            namegame.opt_out(ws, as_, out=action == "opt-out")
            console.print("You are off the leaderboard." if action == "opt-out" else "You are on the leaderboard again.")
        else:
            from rich.table import Table

            board = namegame.leaderboard(ws)
            table = Table(title="Who can name their department")
            for col in ("rank", "department", "players", "can name (mean)", "answers"):
                table.add_column(col, justify="left" if col == "department" else "right")
            for r in board.rows:
                share = "" if r["mean_share"] is None else f"{r['mean_share']:.0%}"
                table.add_row(str(r["rank"]), r["department"], f"{r['players']:,}", share, f"{r['answers']:,}")
            console.print(table)
            console.print(f"withheld: {len(board.withheld):,} department{'s' if len(board.withheld) != 1 else ''} with fewer than "
                          f"{ws.settings['min_group_size']} players{': ' + ', '.join(board.withheld) if board.withheld else ''}; "
                          "players who opted out are left out.", highlight=False)


def _print_progress(p: dict) -> None:
    if p["share"] is None:
        console.print(f"{p['answers']:,} answers, {p['correct']:,} right.", highlight=False)
        return
    console.print(f"You can name {p['can_name']:,} of the {p['department_colleagues']:,} colleagues of your department "
                  f"({p['share']:.0%}); {p['correct']:,} of {p['answers']:,} answers right.", highlight=False)


def kudos(
    workspace: Path = typer.Argument(..., help="The workspace folder."),
    action: str = typer.Argument(..., help="give, import or list."),
    path: Optional[Path] = typer.Argument(None, help="import: a CSV with columns from, to, value, message, at."),
    giver: Optional[str] = typer.Option(None, "--from", help="give: who recognises (employee id or work e-mail)."),
    receiver: Optional[str] = typer.Option(None, "--to", help="give: whom they recognise."),
    value: Optional[str] = typer.Option(None, "--value", help="give: one of the kudos_values setting's values."),
    message: str = typer.Option("", "--message", help="give: a short message (kudos_max_length characters at most)."),
    as_: Optional[str] = typer.Option(None, "--as", help="list: the kudos this person gave and received, with their messages."),
    limit: int = typer.Option(20, help="list: how many, newest first."),
) -> None:
    """Peer recognition: an employee recognises a colleague with a short message and a value (channel 'recognition')."""
    from .ingest import ingest
    from .programs import kudos as programs_kudos

    if action not in ("give", "import", "list"):
        raise InputError(f"unknown action {action!r}", hint="Use one of: give, import, list.")
    with _open(workspace) as ws:
        if action == "give":
            if not giver or not receiver or not value:
                raise InputError("give needs --from, --to and --value", hint=f"Values: {', '.join(ws.settings['kudos_values'])}.")
            k = programs_kudos.give(ws, giver, receiver, message, value)
            console.print(f"Recorded kudos {k.kudos_id}: {k.giver_name or k.giver} recognised {k.receiver_name or k.receiver} "
                          f"for {k.value}.", highlight=False)
        elif action == "import":
            if path is None:
                raise InputError("import needs a file", hint="For example: socialhr kudos DIR import kudos.csv")
            result = ingest(ws, "kudos", path)
            if result.status == "duplicate":
                console.print(f"{path.name}: already imported as batch {result.duplicate_of} (same content); nothing changed.", highlight=False)
            else:
                console.print(f"Imported {result.rows_imported:,} kudos from {path.name} as batch {result.batch_id} "
                              f"(channel recognition; messages in the vault). Run socialhr analyze DIR to measure them.", highlight=False)
        else:
            if as_:
                rows = [("received", k) for k in programs_kudos.received(ws, as_)[:limit]] + \
                       [("given", k) for k in programs_kudos.given(ws, as_)[:limit]]
                show = True
            else:
                show = ws.settings["kudos_feed"]
                rows = [("", k) for k in programs_kudos.latest(ws, limit=limit, with_messages=show)]
            for how, k in rows:
                text = f": {k.message}" if show and k.message else ("" if show else " (message: giver and receiver only)")
                console.print(f"{k.given_at:%Y-%m-%d %H:%M} {how + ' ' if how else ''}{k.giver_name or k.giver} -> "
                              f"{k.receiver_name or k.receiver} [{k.value}]{text}", highlight=False, soft_wrap=True, markup=False)
            if not rows:
                console.print("No kudos yet.")


def register(app: typer.Typer) -> None:
    """Add the programs' commands to ``app``."""
    for command in (intros, match, onboarding, consult, referrals):
        app.command()(friendly(command))
    app.command()(friendly(game))
    app.command()(friendly(kudos))
