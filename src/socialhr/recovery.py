"""What an interrupted import leaves between the two stores, found and settled when a workspace opens.

A batch commits the vault first, with a marker, then the analytics database,
then clears the marker (:mod:`socialhr.ingest.batch`). A process killed in
between leaves the marker. :func:`reconcile`, run by
:meth:`socialhr.workspace.Workspace.open` whenever it may write, compares each
marker with the analytics database's ``ingestion_log``: a batch logged there
(same id, same content hash) is complete, and only the marker is cleared; one
not logged never landed, and what the vault stored of it is undone. Either
way both stores then hold the batch, or neither does, and the file can be
imported again.

It also finds a vault that is *behind* the analytics database: people on the
roster whom the vault has no employee id for (an import interrupted by a
socialhr from before this order of commits, or a vault restored from an older
backup). Their roster batches are marked ``vault_incomplete``, so that the same
roster file may be imported again to restore them; until then an identified
export that names them is refused (:func:`people_missing_from_vault`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Mapping

import pyarrow as pa

if TYPE_CHECKING:
    from .workspace import Workspace


def reconcile(ws: "Workspace") -> list[str]:
    """Settle or undo each batch the vault marks as pending; mark roster batches the vault lost.
    Returns what was repaired, in words."""
    if not ws.vault.available:
        return []  # (a copy without the vault: nothing of it to reconcile)
    repairs = []
    for batch_id, kind, file_name, digest in ws.vault.pending():
        landed = ws.db.execute("SELECT 1 FROM ingestion_log WHERE batch_id = ? AND content_hash = ?",
                               [batch_id, digest]).fetchone()
        if landed:
            ws.vault.settle(batch_id)
        else:
            ws.vault.undo(batch_id)
            repairs.append(f"batch {batch_id} ({kind}, {file_name}) was interrupted before both stores held it: "
                           "what the vault had stored of it was undone.")
    lost = people_missing_from_vault(ws)
    if lost:
        batches = _roster_batches_of(ws, lost)
        named = ", ".join(f"batch {b} (roster, {name})" for b, name in batches)
        fix = f"{named} may be imported again to restore them" if batches else "restore the vault that goes with this database"
        repairs.append(f"the vault has no employee id for {_people(len(lost))} on the roster: {fix}.")
    return repairs


def people_missing_from_vault(ws: "Workspace", *, held: Mapping[str, str] | None = None) -> set[str]:
    """Pseudonyms of people on the roster (a roster batch recorded them, and a roster writes each
    person's employee id to the vault) whom the vault has no employee id for (``held``: the
    vault's ``employee_ids()``, if read already). Empty when the two stores agree."""
    roster = {p for (p,) in ws.db.execute(
        "SELECT DISTINCT h.person FROM people_history h JOIN ingestion_log l ON l.batch_id = h.batch_id "
        "WHERE l.source_kind = 'roster'").fetchall()}
    if not roster:
        return set()
    return roster - (held if held is not None else ws.vault.employee_ids()).keys()


def _roster_batches_of(ws: "Workspace", people: set[str]) -> list[tuple[int, str]]:
    """The roster batches that recorded these people, marked ``vault_incomplete`` so that the
    same file may be imported again (the duplicate check looks only at ``imported`` batches)."""
    ws.db.register("_lost", pa.table({"person": sorted(people)}))
    try:
        batches = ws.db.execute(
            """SELECT DISTINCT l.batch_id, l.file_name FROM ingestion_log l JOIN people_history h ON h.batch_id = l.batch_id
               WHERE l.source_kind = 'roster' AND l.status IN ('imported', 'vault_incomplete')
                 AND h.person IN (SELECT person FROM _lost) ORDER BY l.batch_id""").fetchall()
    finally:
        ws.db.unregister("_lost")
    if batches:
        ws.db.executemany("UPDATE ingestion_log SET status = 'vault_incomplete' WHERE batch_id = ?", [(b,) for b, _ in batches])
    return batches


def _people(n: int) -> str:
    return f"{n:,} person" if n == 1 else f"{n:,} people"
