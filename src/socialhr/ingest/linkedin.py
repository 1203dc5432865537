"""Import an employee's own LinkedIn connections (Connections.csv), with their opt-in.

LinkedIn's "Get a copy of your data" gives ``Connections.csv``: a few lines of
notes, a blank line, then the header ``First Name, Last Name, URL, Email
Address, Company, Position, Connected On`` (dates like ``12 Mar 2024``).

These are third parties' personal data, lent by one employee for one purpose:
the referrals program (who in the employee's own network could fill an open
role). So, by design:

* ``owner`` (``--owner EMPLOYEE``, an employee id or work e-mail on the
  roster) is required: importing is the owner's explicit opt-in, per file;
* the connections never enter the analytics database or the organization
  network: they are kept in the vault folder, in their own SQLite file
  ``linkedin.sqlite`` (mode 0600), written in the same all-or-nothing batch as
  the vault (the file is attached to the vault's connection, so one commit
  covers both). The analytics database records only the batch and counts;
* a new export from the same owner replaces their earlier one (it is a full
  snapshot); :func:`forget_owner` deletes an owner's connections when they
  withdraw consent.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from pathlib import Path
from typing import Callable

from ..errors import InputError
from ..workspace import Workspace
from .batch import Batch, BatchResult, content_hash
from .tabular import open_table

LINKEDIN_FILE = "linkedin.sqlite"
HEADER_START = "first name"
COLUMNS = {"First Name": "first_name", "Last Name": "last_name", "URL": "url", "Email Address": "email",
           "Company": "company", "Position": "position", "Connected On": "connected_on"}
NOTE_LINES_MAX = 20


def import_linkedin(
    ws: Workspace,
    path: str | Path,
    *,
    owner: str | None = None,
    encoding: str | None = None,
    progress: Callable[[int, int | None], None] | None = None,
) -> BatchResult:
    """Import one owner's Connections.csv into the vault. See the module docstring."""
    if not owner or not owner.strip():
        raise InputError(
            "importing LinkedIn connections needs the owner's opt-in: --owner EMPLOYEE",
            hint="Give the employee id or work e-mail of the employee who exported the file and agreed to its use for referrals.",
        )
    person = _owner(ws, owner.strip())
    path = Path(path)
    skip = _notes_lines(path, encoding)
    src = open_table(path, required=["First Name", "Last Name", "Connected On"], optional=["URL", "Email Address", "Company", "Position"],
                     encoding=encoding, skip_lines=skip, max_ratio=ws.settings["archive_max_ratio"])
    rows, skipped = [], 0
    i = -1
    for rb in src.batches():
        for rec in rb.to_pylist():
            i += 1
            rec = {COLUMNS[k]: (v.strip() if isinstance(v, str) else v) or None for k, v in rec.items()}
            if not rec["first_name"] and not rec["last_name"]:
                skipped += 1  # LinkedIn leaves names out for members who left or hid them
                continue
            try:
                rec["connected_on"] = datetime.strptime(rec["connected_on"] or "", "%d %b %Y").date().isoformat()
            except ValueError:
                raise src.error(i, "Connected On", f"not a date like '12 Mar 2024': {rec['connected_on']!r}",
                                "Export the file from LinkedIn again without editing it.") from None
            rows.append(rec)
    if i < 0:
        raise InputError("the file has a header but no connections", file=path, hint="Nothing was imported.")
    digest = hashlib.sha256(f"{content_hash(path)}:{person}".encode()).hexdigest()
    _attach(ws)
    with Batch(ws, "linkedin", path, digest=digest) as batch:
        if batch.is_duplicate:
            return batch.result
        conn = ws.vault.connect()
        replaced = conn.execute("SELECT count(*) FROM linkedin.connections WHERE owner = ?", [person]).fetchone()[0]
        conn.execute("DELETE FROM linkedin.connections WHERE owner = ?", [person])
        conn.executemany(
            "INSERT INTO linkedin.connections VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [(person, r["first_name"], r["last_name"], r["url"], r["email"], r["company"], r["position"], r["connected_on"], batch.batch_id)
             for r in rows],
        )
        batch.skip("connections without a name", skipped)
        batch.rows_read = i + 1
        batch.rows_imported = len(rows)
        batch.notes.update({
            "stored_in": f"vault/{LINKEDIN_FILE}", "replaced_earlier_connections": replaced,
            "with_email": sum(1 for r in rows if r["email"]), "companies": len({r["company"] for r in rows if r["company"]}),
        })
        if progress:
            progress(i + 1, i + 1)
    return batch.result


def _owner(ws: Workspace, owner: str) -> str:
    p = ws.pseudonymiser
    token = p.token("email" if "@" in owner else "employee_id", owner)
    row = ws.db.execute("SELECT person FROM identities WHERE token = ? AND status = 'person'", [token]).fetchone()
    if row is None:
        raise InputError(f"--owner {owner!r} is not anyone on the roster",
                         hint="Give the employee id or work e-mail of an employee on the roster (import the roster first).")
    return row[0]


def _notes_lines(path: Path, encoding: str | None) -> int:
    """How many lines come before the header row (LinkedIn puts notes there)."""
    if not path.is_file():
        return 0
    with open(path, "rb") as f:
        for n in range(NOTE_LINES_MAX):
            raw = f.readline()
            if not raw:
                break
            text = raw.decode(encoding or "utf-8", errors="replace").lstrip("\ufeff").strip().lower()
            if text.startswith(HEADER_START):
                return n
    raise InputError(
        f"no header row starting 'First Name,Last Name' in the first {NOTE_LINES_MAX} lines", file=path,
        hint="This does not look like LinkedIn's Connections.csv; export it again from LinkedIn (Settings > Data privacy > Get a copy of your data).",
    )


def _attach(ws: Workspace) -> None:
    """Attach the LinkedIn store to the vault's connection (made on first use, mode 0600)."""
    ws.vault.attach("linkedin", LINKEDIN_FILE, [
        "CREATE TABLE IF NOT EXISTS linkedin.connections (owner TEXT NOT NULL, first_name TEXT, last_name TEXT, url TEXT, "
        "email TEXT, company TEXT, position TEXT, connected_on TEXT, batch_id INTEGER NOT NULL)"])
    ws.vault.track("linkedin", "connections", LINKEDIN_FILE)  # (an interrupted import is undone here too)


def connections(ws: Workspace, owner_person: str) -> list[dict]:
    """An owner's connections (for the referrals program), read from the vault."""
    _attach(ws)
    conn = ws.vault.connect()
    cur = conn.execute("SELECT * FROM linkedin.connections WHERE owner = ? ORDER BY last_name, first_name", [owner_person])
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row)) for row in cur.fetchall()]


def forget_owner(ws: Workspace, owner_person: str) -> int:
    """Delete an owner's connections (consent withdrawn); returns how many were deleted."""
    _attach(ws)
    conn = ws.vault.connect()
    return conn.execute("DELETE FROM linkedin.connections WHERE owner = ?", [owner_person]).rowcount
