"""``socialhr serve``, ``socialhr users`` and ``socialhr audit``: a thin shell over socialhr.web."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer
from rich.table import Table

from .cli_common import _open, console, friendly
from .errors import InputError

users = typer.Typer(help="Accounts of the web app (socialhr serve): add, list, remove.", no_args_is_help=True)


def serve(
    workspace: Path = typer.Argument(..., help="The workspace folder (with its vault: accounts live there)."),
    host: str = typer.Option("127.0.0.1", help="Address to listen on (127.0.0.1: this machine only)."),
    port: int = typer.Option(8765, help="Port to listen on."),
    https: bool = typer.Option(False, "--https", help="Served behind HTTPS (a proxy): session cookies are marked Secure."),
) -> None:
    """Serve the web app: dashboards for HR and leaders, every employee's own pages, and the JSON API (/api)."""
    import uvicorn

    from .web import create_app
    from .web.site import Site

    site = Site(workspace, https=https)
    if not site.accounts.list():
        console.print("[yellow]No accounts yet:[/] add one with 'socialhr users add DIR --username U --role admin' "
                      "(stop the server first: it holds the workspace).")
    app = create_app(site)
    console.print(f"socialhr serves [bold]{workspace}[/] at [bold]http://{host}:{port}/[/] (API: /api/docs). "
                  "While it runs it holds the workspace: stop it (Ctrl+C) before imports or analyses from the command line.")
    uvicorn.run(app, host=host, port=port, proxy_headers=https, log_level="warning")


@users.command("add")
@friendly
def users_add(
    workspace: Path = typer.Argument(..., help="The workspace folder."),
    username: str = typer.Option(..., "--username", help="The name to sign in with."),
    role: str = typer.Option(..., "--role", help="admin, analyst, leader or employee."),
    employee_id: Optional[str] = typer.Option(None, "--employee-id", help="The roster's employee id of this person (employees must have one; others may)."),
    scope: Optional[str] = typer.Option(None, "--scope", help="leader: their part of the org chart, FIELD=VALUE (e.g. department=Finance)."),
    password_file: Optional[Path] = typer.Option(None, "--password-file", help="Read the password from this file's first line (else it is asked for)."),
    replace: bool = typer.Option(False, "--replace", help="Change an existing account (its sessions end)."),
) -> None:
    """Add an account; the password is read from a prompt (not echoed) or --password-file, and stored hashed (argon2id)."""
    from .accounts_rules import add_account
    from .web.accounts import Accounts

    if password_file is not None:
        try:
            password = password_file.read_text(encoding="utf-8").splitlines()[0] if password_file.stat().st_size else ""
        except OSError as e:
            raise InputError(f"cannot read the password file {password_file}: {e.strerror}", hint="Give a readable file whose first line is the password.") from None
    else:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    with _open(workspace) as ws:
        add_account(ws, Accounts(ws.vault.dir), username, role, password, employee_id=employee_id, scope=scope, replace=replace)
    console.print(f"Added [bold]{username}[/] ({role}{f' of {scope}' if scope else ''}).")


@users.command("list")
@friendly
def users_list(workspace: Path = typer.Argument(..., help="The workspace folder."),
               as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """List the accounts (never their passwords)."""
    from .web.accounts import Accounts
    from .workspace import Workspace

    with Workspace.open(workspace, read_only=True) as ws:
        rows = Accounts(ws.vault.dir).list()
    if as_json:
        print(json.dumps(rows, indent=2))
        return
    table = Table("username", "role", "scope", "on the roster", "password")
    for r in rows:
        table.add_row(r["username"], r["role"], r["scope"] or "", "yes" if r["linked_to_roster"] else "no", "set" if r["password"] else "single sign-on")
    console.print(table)


@users.command("remove")
@friendly
def users_remove(workspace: Path = typer.Argument(..., help="The workspace folder."),
                 username: str = typer.Option(..., "--username", help="The account to remove (its sessions end).")) -> None:
    """Remove an account."""
    from .web.accounts import Accounts
    from .workspace import Workspace

    with Workspace.open(workspace, read_only=True) as ws:
        Accounts(ws.vault.dir).remove(username)
    console.print(f"Removed [bold]{username}[/].")


def audit(workspace: Path = typer.Argument(..., help="The workspace folder."),
          limit: int = typer.Option(100, help="How many of the newest lines."),
          username: Optional[str] = typer.Option(None, help="Only this account's lines (the command line's: the operating-system user)."),
          action: Optional[str] = typer.Option(None, help="Only lines of this action: view, export, download, admin."),
          as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """The audit trail: every view of person-level data and every export, with who, what and when (newest first)."""
    from .audit import AuditTrail

    if not (workspace / "socialhr.toml").exists():
        raise InputError(f"{workspace} is not a socialhr workspace", hint=f"Create one with: socialhr init {workspace}")
    rows = AuditTrail(workspace).rows(limit=limit, username=username, action=action)
    if as_json:
        print(json.dumps(rows, indent=2))
        return
    table = Table("when (UTC)", "who", "role", "action", "what", "detail")
    for r in rows:
        table.add_row(r["at"], r["username"], r["role"], r["action"], r["what"], json.dumps(r["detail"], sort_keys=True))
    console.print(table)


def register(app: typer.Typer) -> None:
    app.command("serve")(friendly(serve))
    app.command("audit")(friendly(audit))
    app.add_typer(users, name="users")
