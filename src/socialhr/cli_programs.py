"""The programs' commands (socialhr.programs): a thin shell, added to the ``socialhr`` app by :func:`register`."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from .cli_common import _open, _person_pseudonym, _progress, console, friendly
from .errors import InputError


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
        changes = []
        for item in mark or []:
            parts = [p.strip() for p in item.split(",")]
            if len(parts) != 3:
                raise InputError(f"--mark expects JOINER,COLLEAGUE,STATUS, got {item!r}", hint="For example: --mark 'e1042,e0007,met'.")
            changes.append((_person_pseudonym(ws, parts[0]), _person_pseudonym(ws, parts[1]), parts[2]))
        source = "--mark"
        if mark_file:
            changes += programs_intros.read_marks(ws, mark_file)
            source = str(mark_file)
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
            changes = []
            for item in mark or []:
                parts = [p.strip() for p in item.split(",")]
                if len(parts) != 2:
                    raise InputError(f"--mark expects PERSON,STATUS, got {item!r}", hint="For example: --mark 'e1042,met'.")
                changes.append((_person_pseudonym(ws, parts[0]), parts[1]))
            source = "--mark"
            if mark_file:
                changes += matching.read_marks(ws, mark_file)
                source = str(mark_file)
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


def register(app: typer.Typer) -> None:
    """Add the programs' commands to ``app``."""
    for command in (intros, match):
        app.command()(friendly(command))
