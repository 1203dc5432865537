"""What every command of the ``socialhr`` CLI shares: its consoles, friendly errors, progress bars, opening a workspace."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any, Callable

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from .errors import InputError, SocialHRError

console = Console()
err = Console(stderr=True)


def friendly(fn: Callable) -> Callable:
    """Turn SocialHRError into 'Error: ...' and exit status 1."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except SocialHRError as e:
            err.print(f"[bold red]Error:[/] {e}", highlight=False, soft_wrap=True)
            raise typer.Exit(1) from None
        except KeyboardInterrupt:
            err.print("Interrupted: nothing from the unfinished step was stored.")
            raise typer.Exit(130) from None

    return wrapper


def _progress(description: str, *, total: int | None = None) -> Progress:
    return Progress(
        SpinnerColumn(), TextColumn("[progress.description]{task.description}"), BarColumn(), MofNCompleteColumn(),
        TimeElapsedColumn(), console=err, transient=True, disable=not err.is_terminal,
    )


def _open(workspace: Path, *, read_only: bool = False):
    from .workspace import Workspace

    ws = Workspace.open(workspace, read_only=read_only)
    for repair in ws.repairs:
        err.print(f"Repaired: {repair}", highlight=False, soft_wrap=True)
    return ws



def _person_pseudonym(ws: Any, person: str) -> str:
    """An employee id's pseudonym when the vault holds the key and the roster has them, else ``person`` as given."""
    if ws.vault.available:
        candidate = ws.pseudonymiser.person(person)
        if ws.db.execute("SELECT count(*) FROM people WHERE person = ?", [candidate]).fetchone()[0]:
            return candidate
    if ws.db.execute("SELECT count(*) FROM people WHERE person = ?", [person]).fetchone()[0]:
        return person
    raise InputError(f"no one in the roster is {person!r}", hint="Give an employee id (the vault must be present) or a pseudonym from an export.")


