"""What every command of the ``socialhr`` CLI shares: its consoles, friendly errors, progress bars, opening a workspace."""

from __future__ import annotations

import functools
import time
from pathlib import Path
from typing import Any, Callable

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from .errors import SocialHRError

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


# Seconds to wait for a workspace another process holds (socialhr --wait / SOCIALHR_WAIT; 0: fail at once).
WAIT = {"seconds": 0.0}


def _open(workspace: Path, *, read_only: bool = False):
    ws = _open_waiting(workspace, read_only=read_only, wait=WAIT["seconds"])
    for repair in ws.repairs:
        err.print(f"Repaired: {repair}", highlight=False, soft_wrap=True)
    return ws



BUSY = "is in use by another socialhr process"  # (the words of the WorkspaceError DuckDB's file lock is turned into)
RETRY_SECONDS = 1.0


def _open_waiting(workspace: Path, *, read_only: bool = False, wait: float = 0.0):
    """Open the workspace; while another process (a running ``socialhr serve``) holds it, retry for up to ``wait`` seconds.

    DuckDB lets one process open a database file for writing, and none other even
    for reading while it does, so a command meanwhile either waits or fails with
    the message that names ``socialhr serve``.
    """
    from .errors import WorkspaceError
    from .workspace import Workspace

    deadline = time.monotonic() + max(0.0, wait)
    said = False
    while True:
        try:
            return Workspace.open(workspace, read_only=read_only)
        except WorkspaceError as e:
            left = deadline - time.monotonic()
            if BUSY not in e.message or left <= 0:
                if BUSY in e.message and wait > 0:
                    raise WorkspaceError(f"{e.message}, still after waiting {wait:g} s", hint=e.hint) from None
                raise
            if not said:
                err.print(f"{workspace} {BUSY} (a running 'socialhr serve'?): waiting up to {wait:g} s for it to finish.",
                          highlight=False, soft_wrap=True)
                said = True
            time.sleep(min(RETRY_SECONDS, left))


def _person_pseudonym(ws: Any, person: str) -> str:
    """An employee id's pseudonym when the vault holds the key and the roster has them, else ``person`` as given."""
    from .accounts_rules import person_pseudonym

    return person_pseudonym(ws, person)


def _audit_export(workspace: Path, what: str, detail: dict[str, Any]) -> None:
    """Write an export made from the command line to the workspace's audit trail (who: the operating-system user)."""
    from .audit import record_cli

    record_cli(workspace, "export", what, detail)
