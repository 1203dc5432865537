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


def register(app: typer.Typer) -> None:
    """Add the programs' commands to ``app``."""
    for command in (intros,):
        app.command()(friendly(command))
