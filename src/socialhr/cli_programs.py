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
    for command in (intros,):
        app.command()(friendly(command))
    app.command()(friendly(game))
    app.command()(friendly(kudos))
