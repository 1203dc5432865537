"""The ``socialhr`` command: a thin shell over the library.

Every command takes the workspace folder first. User mistakes print
``Error: ...`` (what, where, how to fix) and exit 1, never a stack trace.
"""

from __future__ import annotations

import json
import os
import sys
from datetime import date
from pathlib import Path
from typing import Any, Optional

import typer
from rich.table import Table

from . import __version__
from .config import SETTINGS
from . import cli_common
from .cli_common import _audit_export, _open, _person_pseudonym, _progress, console, friendly
from .errors import InputError

app = typer.Typer(
    name="socialhr",
    help="Measure, grow and prove your organization's social capital. Privacy first: identifiers are pseudonymised at import.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
def _parse_pairs(option: str, pairs: list[str] | None, *, shape: str, example: str, last: bool = False) -> dict[str, str] | None:
    """``name=value`` options as a dict (None when none given); ``last`` splits at the last '=' (names may hold one)."""
    out = {}
    for pair in pairs or []:
        if "=" not in pair:
            raise InputError(f"{option} expects {shape}, got {pair!r}", hint=f"For example: {option} {example!r}.")
        name, _, value = pair.rpartition("=") if last else pair.partition("=")
        out[name.strip()] = value.strip()
    return out or None


@app.callback(invoke_without_command=True)
def main(version: bool = typer.Option(False, "--version", help="Print the version and exit."),
         wait: float = typer.Option(0.0, "--wait", envvar="SOCIALHR_WAIT", min=0, metavar="SECONDS",
                                    help="While another process (a running 'socialhr serve') holds the workspace, retry for up to this many seconds (0: fail at once).")) -> None:
    # Everything socialhr writes (the database's log and spill files, exports) is for its owner only.
    os.umask(0o077)
    cli_common.WAIT["seconds"] = wait
    if version:
        console.print(f"socialhr {__version__}")
        raise typer.Exit()


@app.command()
@friendly
def init(workspace: Path = typer.Argument(..., help="Folder to create the workspace in."),
         timezone: str = typer.Option("UTC", help="Time zone for timestamps that carry none (IANA name)."),
         min_group_size: int = typer.Option(SETTINGS["min_group_size"].default, help=SETTINGS["min_group_size"].help)) -> None:
    """Create a workspace: analytics database, settings, and an identity vault with a new key."""
    from .workspace import Workspace

    ws = Workspace.init(workspace, settings={"timezone": timezone, "min_group_size": min_group_size})
    ws.close()
    console.print(f"Created workspace [bold]{workspace}[/]")
    console.print(f"  analytics database  {workspace / 'socialhr.duckdb'}")
    console.print(f"  settings            {workspace / 'socialhr.toml'}")
    console.print(f"  identity vault      {ws.vault.dir}  (key mode 0600; keep it apart when you share the database)")


@app.command()
@friendly
def ingest(
    workspace: Path = typer.Argument(..., help="The workspace folder."),
    kind: str = typer.Argument(..., help="roster, interactions, or a connector's kind (see 'socialhr kinds')."),
    path: Path = typer.Argument(..., help="The file or folder to import."),
    map: Optional[list[str]] = typer.Option(None, "--map", help="Rename a column: source_column=field (repeatable)."),
    encoding: Optional[str] = typer.Option(None, help="The file's text encoding, if not UTF-8 (e.g. latin-1, cp1252)."),
    effective_date: Optional[str] = typer.Option(None, help="roster: the date it describes (YYYY-MM-DD); default today."),
    date_format: Optional[str] = typer.Option(None, help="roster, outcomes, survey, viva-*: strptime format of its dates, if not YYYY-MM-DD."),
    attribute: Optional[list[str]] = typer.Option(None, "--attribute", metavar="COLUMN", help="roster: store this column besides the roster's own fields, as an attribute and group dimension (repeatable; adds to the roster_attributes setting). Other columns are left out."),
    exclude: Optional[list[str]] = typer.Option(None, "--exclude", help="email: leave out senders matching this pattern, e.g. 'news@*' (repeatable; replaces the email_exclude setting)."),
    start: Optional[str] = typer.Option(None, help="calendar: first day to expand recurring meetings over (YYYY-MM-DD, UTC)."),
    end: Optional[str] = typer.Option(None, help="calendar: last day to expand recurring meetings over (YYYY-MM-DD, UTC)."),
    owner: Optional[str] = typer.Option(None, help="linkedin: the employee (id or e-mail) whose own connections these are, and who opted in."),
    question_map: Optional[list[str]] = typer.Option(None, "--question-map", help="survey: 'Column header=question_id' for a wide export (repeatable)."),
    survey_date: Optional[str] = typer.Option(None, help="survey: the date the answers describe (YYYY-MM-DD), if the file has none."),
    separator: Optional[str] = typer.Option(None, help="survey: what separates several colleagues in one cell (default ';' or ',')."),
    hr_columns: Optional[str] = typer.Option(None, help="viva-person: its HR attribute columns, comma-separated, each stored (default: the text columns, of which only Organization and Level are stored)."),
    id_kind: Optional[str] = typer.Option(None, help="outcomes: what the person column holds, e.g. 'viva' for Viva Insights PersonIds."),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
) -> None:
    """Import a file in one all-or-nothing batch, pseudonymising identifiers on the way in."""
    from .ingest import ingest as run

    eff = None
    if effective_date:
        try:
            eff = date.fromisoformat(effective_date)
        except ValueError:
            raise InputError(f"--effective-date is not a date: {effective_date!r}", hint="Use YYYY-MM-DD.") from None
    options: dict[str, Any] = {
        "column_map": _parse_pairs("--map", map, shape="source_column=field", example="Worker ID=employee_id"), "encoding": encoding, "effective_date": eff, "date_format": date_format,
        "attributes": attribute or None,
        "exclude": exclude or None, "start": start, "end": end, "owner": owner,
        "question_map": _parse_pairs("--question-map", question_map, shape="name=value", example="Who do you go to for advice?=advice", last=True),
        "survey_date": survey_date, "separator": separator, "hr_columns": hr_columns, "id_kind": id_kind,
    }
    with _open(workspace) as ws, _progress(f"Importing {path.name}") as bar:
        task = bar.add_task(f"Importing {path.name}", total=None)

        def progress(done: int, total: int | None) -> None:
            bar.update(task, completed=done, total=total)

        result = run(ws, kind, path, progress=progress, **options)
    if as_json:
        print(json.dumps(result.as_dict(), default=str, indent=1))
        return
    if result.status == "duplicate":
        console.print(f"{path.name}: already imported as batch {result.duplicate_of} (same content); nothing changed.")
        return
    console.print(f"Imported [bold]{result.rows_imported:,}[/] rows from {path.name} as batch {result.batch_id} ({kind}).")
    if result.skipped:
        console.print("  skipped: " + ", ".join(f"{k} {v:,}" for k, v in result.skipped.items()))
    notes = _describe_notes(result.notes)
    if notes:
        console.print(f"  {notes}", highlight=False)


@app.command()
@friendly
def status(workspace: Path = typer.Argument(..., help="The workspace folder."),
           as_json: bool = typer.Option(False, "--json", help="Print machine-readable JSON.")) -> None:
    """What the workspace holds: counts, identities, and every import batch."""
    with _open(workspace, read_only=True) as ws:
        info = ws.status()
    if as_json:
        print(json.dumps(info, default=str, indent=1))
        return
    c = info["counts"]
    console.print(f"[bold]Workspace[/] {info['workspace']}  (schema {info['schema_version']}, time zone {info['timezone']}, minimum group size {info['min_group_size']}, vault {info['vault']})")
    console.print(
        f"  people {c['people']:,} ({c['people_records']:,} records with history) · interactions {c['interactions']:,} · ties {c['ties']:,} · outcomes {c['outcomes']:,} · groups {c['groups']:,}"
    )
    console.print(f"  identities: {c['identities_resolved']:,} resolved to people · {c['external_identities']:,} external · {c['unresolved_identities']:,} unresolved")
    if info["interactions_span"]:
        console.print(f"  interactions from {info['interactions_span'][0]} to {info['interactions_span'][1]} (UTC)")
    if info["batches"]:
        t = Table(title="Import batches")
        for col in ("batch", "kind", "file", "rows", "skipped", "imported at (UTC)"):
            t.add_column(col)
        for b in info["batches"]:
            t.add_row(str(b["batch_id"]), b["source_kind"], b["file_name"], f"{b['rows_imported']:,}",
                      ", ".join(f"{k} {v:,}" for k, v in b["skipped"].items()) or "-", b["finished_at"][:19].replace("T", " "))
        console.print(t)
        for b in info["batches"]:
            notes = _describe_notes(b["notes"])
            if notes:
                console.print(f"  batch {b['batch_id']}: {notes}", highlight=False)


def _describe_notes(notes: dict[str, Any]) -> str:
    parts = []
    for key, value in notes.items():
        if value in (None, 0, {}, []):
            continue
        if isinstance(value, dict):
            value = ", ".join(f"{k} {v:,}" if isinstance(v, int) else str(k) if v in (None, k) else f"{k} ({v})" for k, v in value.items())
        elif isinstance(value, list):
            value = " to ".join(map(str, value)) if key == "period" else ", ".join(map(str, value))
        elif isinstance(value, int):
            value = f"{value:,}"
        parts.append(f"{key.replace('_', ' ')}: {value}")
    return "; ".join(parts)


@app.command()
@friendly
def analyze(
    workspace: Path = typer.Argument(..., help="The workspace folder."),
    window: str = typer.Option("month", help="Time windows: month, week, quarter, Nd (e.g. 14d) or all."),
    engine: str = typer.Option("duckdb", help="Where interactions are aggregated: duckdb (embedded) or spark (spark_master setting)."),
    as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
) -> None:
    """Build the organization network of every window and measure it: people, groups, communities, organization, trends."""
    from .network.analyze import analyze as run

    with _open(workspace) as ws, _progress("Analyzing") as bar:
        task = bar.add_task("Analyzing", total=None)
        summary = run(ws, window=window, engine=engine, progress=lambda message: bar.update(task, description=message))
    if as_json:
        print(json.dumps(summary, default=str, indent=1))
        return
    windows = summary["windows"]
    console.print(f"Analyzed [bold]{len(windows)}[/] window(s) ({summary['window_spec']}) on {summary['engine']} in {summary['seconds']:.1f} s.")
    t = Table(title="Windows")
    for col in ("window", "days", "people", "ties", "communities", "betweenness", "withheld"):
        t.add_column(col, justify="left" if col in ("window", "betweenness") else "right", no_wrap=col != "betweenness")
    for w in windows[-12:]:
        bt = w["betweenness"]
        how = "exact" if bt["method"] == "exact" else f"sampled, ±{bt['error_bound']['per_person']:.3f} (95%)"
        days = (date.fromisoformat(w["end"][:10]) - date.fromisoformat(w["start"][:10])).days
        d = summary["disclosure"][w["window_id"]]
        withheld = f"{d['groups_withheld']:,}" if d["organization_shown"] else "all"
        t.add_row(w["window_id"], str(days), f"{w['people']:,}", f"{w['ties']:,}", f"{w['communities']:,}", how, withheld)
    if len(windows) > 12:
        t.caption = f"the latest 12 of {len(windows)} windows"
    console.print(t)
    console.print(
        f"withheld: {summary['groups_withheld']:,} groups in all windows: groups smaller than {summary['min_group_size']} people, "
        f"and groups that would let one be recovered by subtraction (\"all\": the organization itself was too small or changed "
        f"by too few people). Which and why: socialhr export {workspace} withheld -o withheld.csv", highlight=False,
    )
    console.print(f"Export the results, e.g.: socialhr export {workspace} person_metrics -o person_metrics.csv "
                  f"(also group_metrics, group_matrix, org_metrics, org_trends, withheld, edges, communities, person_trends; edges also as .gexf)", highlight=False)


@app.command()
@friendly
def export(
    workspace: Path = typer.Argument(..., help="The workspace folder."),
    table: str = typer.Argument(..., help="people, people_history, interactions, or an analysis table (see 'socialhr tables')."),
    output: Path = typer.Option(..., "-o", "--output", help="File to write; the extension picks the format (.csv, .parquet, .json, .jsonl)."),
    identified: bool = typer.Option(False, help="Add employee ids from the vault (needs the vault; an admin's export)."),
    window: Optional[str] = typer.Option(None, help="Analysis tables: the window id (default: the latest; '*': every window)."),
    channel: Optional[str] = typer.Option(None, help="edges: one channel (email, chat, meeting, ...); default every channel, 'all' in graph files."),
    dimension: Optional[str] = typer.Option(None, help="group_metrics, group_matrix, withheld: one grouping (department, team, location, level, or a roster attribute)."),
    as_role: str = typer.Option("analyst", "--as", help="Whose view to export: analyst, leader (aggregates only) or employee (their own rows)."),
    scope: Optional[str] = typer.Option(None, help="--as leader: their part of the org chart, e.g. 'department=Finance'."),
    person: Optional[str] = typer.Option(None, help="--as employee: their employee id (needs the vault) or pseudonym."),
    force: bool = typer.Option(False, "--force", help="Replace the output file if it exists."),
    run: Optional[int] = typer.Option(None, help="Programs' tables (introductions, ...): the run (default: the latest)."),
    where: Optional[list[str]] = typer.Option(None, help="filtered_group_metrics: a filter FIELD=VALUE (repeatable: people matching all), e.g. --where location=London."),
) -> None:
    """Write a table to a file, pseudonymised unless --identified, as the chosen viewer may see it. .gexf and .graphml write the network for Gephi."""
    from .export import export_table
    from .results import Result

    options = {"window": window, "channel": channel, "dimension": dimension, "run": run}
    options["where"] = tuple((_parse_pairs("--where", where, shape="FIELD=VALUE", example="location=London") or {}).items()) or None
    said: list[str] = []

    def on_result(result: Result) -> None:
        if result.summary():
            said.append(result.summary().replace("DIR", str(workspace)))

    with _open(workspace, read_only=True) as ws, _progress(f"Exporting {table}") as bar:
        viewer = _viewer(ws, as_role, scope=scope, person=person, identified=identified)
        task = bar.add_task(f"Exporting {table}", total=None)
        n = export_table(ws, table, output, identified=identified, viewer=viewer, force=force, on_result=on_result,
                         progress=lambda rows: bar.update(task, completed=rows), **options)
    _audit_export(workspace, table, {"options": {k: v for k, v in options.items() if v is not None}, "output": str(output.resolve()),
                                     "rows": n, "identified": identified, "as": viewer.describe()})
    as_whom = "" if viewer.role in ("analyst", "admin") else f" as {viewer.describe()} sees it"
    console.print(f"Wrote {n:,} rows of {table} to {output}{' (identified)' if identified else ' (pseudonymised)'}{as_whom}.", highlight=False)
    for line in said:
        console.print(f"  withheld: {line}", highlight=False)


def _viewer(ws: Any, role: str, *, scope: str | None, person: str | None, identified: bool):
    """The viewer an export is made for, from the command line's options."""
    from .results import Viewer

    if identified and role != "analyst":
        raise InputError("--identified is an admin's export, not a leader's or an employee's", hint="Leave out --as, or --identified.")
    if identified:
        return Viewer.admin()
    if scope and role != "leader":
        raise InputError("--scope applies to --as leader")
    if person and role != "employee":
        raise InputError("--person applies to --as employee")
    if role == "leader":
        parts = _parse_pairs("--scope", [scope] if scope else None, shape="dimension=group", example="department=Finance")
        return Viewer.leader(next(iter(parts.items())) if parts else None)
    if role == "employee":
        if not person:
            raise InputError("--as employee needs --person", hint="Give their employee id (with the vault) or their pseudonym.")
        return Viewer.employee(_person_pseudonym(ws, person))
    return Viewer(role)


@app.command()
@friendly
def synth(
    directory: Path = typer.Argument(..., help="Folder to write the synthetic organization's files to."),
    people: int = typer.Option(2000, help="Number of people."),
    seed: int = typer.Option(7, help="Random seed: same seed, same files."),
    weeks: int = typer.Option(12, help="Weeks of collaboration activity."),
    attrition_hr: float = typer.Option(3.0, help="Planted hazard ratio of leaving for the isolated (bottom decile of network size)."),
) -> None:
    """Write a realistic synthetic organization in the formats the importers read."""
    from .synth import synthesize

    with _progress("Synthesising") as bar:
        task = bar.add_task("Synthesising", total=100)

        def progress(step: str, fraction: float) -> None:
            bar.update(task, description=step, completed=int(fraction * 100))

        summary = synthesize(directory, people=people, seed=seed, weeks=weeks, attrition_hr=attrition_hr, progress=progress)
    console.print(f"Synthesised {summary.get('people', people):,} people and {summary.get('interactions', 0):,} interactions in {directory}")
    for name, path in summary.get("files", {}).items():
        console.print(f"  {name:<20} {path}")


@app.command()
@friendly
def kinds() -> None:
    """List the kinds of source 'ingest' reads."""
    from .ingest import IMPORTERS

    for kind, imp in sorted(IMPORTERS.items()):
        console.print(f"[bold]{kind:<14}[/] {imp.help}")


@app.command()
@friendly
def tables() -> None:
    """List the tables 'export' writes, and who may read each."""
    from .results import TABLES

    for name, spec in sorted(TABLES.items()):
        who = "every role (disclosure-controlled)" if spec.level == "aggregate" else (
            "analysts; employees their own rows" if spec.own_columns else "analysts")
        console.print(f"[bold]{name:<16}[/] {spec.help} [dim]({who})[/]")


from .cli_programs import register as _register_programs  # noqa: E402

_register_programs(app)

from .cli_insights import register as _register_insights  # noqa: E402

_register_insights(app)

from .cli_web import register as _register_web  # noqa: E402

_register_web(app)


def run() -> None:  # pragma: no cover - console entry point
    app()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(app())
