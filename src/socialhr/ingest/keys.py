"""Natural keys: messages and meetings recognised across batches, so overlapping exports count once.

A message or meeting keeps its identity from one export to the next: an
e-mail's ``Message-ID``, a Slack message's channel and ``ts``, a Teams
message's chat (or channel) and id, a calendar occurrence's ``UID`` and
``RECURRENCE-ID`` (its original start). The connectors key each interaction
they store by it, as a *keyed token* (:meth:`socialhr.privacy.Pseudonymiser.key`:
64 bits of HMAC-SHA256 with the workspace's key; the raw id is never stored),
and ``message_keys`` or ``occurrence_keys`` records the keys each batch stored
(schema 8). A batch's rows then meet the keys of earlier batches in one of two ways:

``skip`` (messages: e-mail, Slack, Teams)
    A message an earlier batch stored is left out, and counted in the batch's
    ``skipped`` as ``already_imported``: an mbox of July and a later one of
    July and August store July's messages once.
``replace`` (calendar occurrences)
    A calendar export is a snapshot of its events over its period, so a later
    one replaces what earlier batches stored of the same events: an occurrence
    with the same key is replaced (moved, attendees changed), and an event the
    later export holds (any ``VEVENT`` with its ``UID``, cancelled or not)
    loses the earlier occurrences whose original start falls in the later
    export's period but which it no longer has (cancelled, taken out with
    ``EXDATE``, a series cut short). Occurrences outside that period, and
    events the later export does not hold, are kept. Counted in the batch's
    notes as ``occurrences_replaced``.

Within a batch, a row whose key and part came before is a duplicate (the same
message in two folders, the same meeting in two calendars), stored once and
counted as ``duplicates``. A message may make two rows under its key, its own
(a message, reply, broadcast or meeting: part 0) and one of mentions (part 1).

Only connectors with keys write to these tables: the bulk import of
tabular interactions, which have no natural key, does not touch it (a tabular
file is recognised whole, by its content: :mod:`.content`).
"""

from __future__ import annotations

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

MODES = ("skip", "replace")


class NaturalKeys:
    """The keys of one batch's rows, chunk by chunk, against those of earlier batches.

    Memory stays flat: the keys seen so far live in the database (this
    batch's are recorded as its chunks are stored), and each chunk's are looked
    up there with one query whose hash table holds only the chunk's keys.
    """

    def __init__(self, db: duckdb.DuckDBPyConnection, batch_id: int, mode: str):
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, not {mode!r}")
        self.db, self.batch_id, self.mode = db, batch_id, mode
        self.table = "message_keys" if mode == "skip" else "occurrence_keys"
        self.duplicates = 0  # rows whose key (and kind) came earlier in this batch
        self.already_imported = 0  # rows whose key an earlier batch stored (mode skip)
        self.covered: set[int] = set()  # series (UID keys) this batch speaks for (mode replace)

    def kept(self, chunk: pa.Table) -> np.ndarray:
        """Which rows of a staged chunk to store (a boolean mask); counts the others.

        ``chunk`` has ``key`` (int64, null for a row without one) and ``part``
        (the rows of one message differ in it: its own row 0, its mentions 1)."""
        n = chunk.num_rows
        key = chunk.column("key")
        if key.null_count == n:
            return np.ones(n, dtype=bool)
        keyed = pc.is_valid(key).to_numpy(zero_copy_only=False)
        at = np.flatnonzero(keyed)
        keys = pc.drop_null(key).to_numpy()
        parts = chunk.column("part").to_numpy(zero_copy_only=False)[at]
        # The first row of each (key, part) in the chunk.
        order = np.lexsort((at, parts, keys))
        ks, ps = keys[order], parts[order]
        first_sorted = np.ones(len(order), dtype=bool)
        first_sorted[1:] = (ks[1:] != ks[:-1]) | (ps[1:] != ps[:-1])
        first = np.ones(n, dtype=bool)
        first[at[order]] = first_sorted
        # Keys stored before: by earlier batches, or by this batch's earlier chunks.
        _chunk_keys = pa.table({"key": np.unique(keys)})
        seen = self.db.execute(
            f"SELECT key, min(batch_id) AS batch_id FROM {self.table} "
            "WHERE key IN (SELECT key FROM _chunk_keys) GROUP BY key").fetch_arrow_table()
        here = pc.equal(seen.column("batch_id"), self.batch_id)
        in_batch = self._member(key, pc.filter(seen.column("key"), here))
        earlier = self._member(key, pc.filter(seen.column("key"), pc.invert(here)))
        repeat = keyed & (~first | in_batch)
        if self.mode == "skip":
            keep = ~keyed | ~(repeat | earlier)
            self.already_imported += int((keyed & earlier).sum())
            self.duplicates += int((repeat & ~earlier).sum())
        else:
            keep = ~keyed | ~repeat
            self.duplicates += int(repeat.sum())
        return keep

    @staticmethod
    def _member(key: pa.ChunkedArray | pa.Array, values: pa.ChunkedArray | pa.Array) -> np.ndarray:
        if len(values) == 0:
            return np.zeros(len(key), dtype=bool)
        return pc.fill_null(pc.is_in(key, value_set=values), False).to_numpy(zero_copy_only=False)

    def record(self, stored: pa.Table) -> None:
        """Record the keys of the rows just stored (one per key: a message's rows share it); for a
        calendar occurrence (mode replace) also where its row is (its time and context, within
        this batch), its series and its original start. A message needs only its key."""
        key = stored.column("key")
        if key.null_count == stored.num_rows:
            return
        if self.mode == "skip":
            _keys = pa.table({"key": np.unique(pc.drop_null(key).to_numpy())})
            self.db.execute("INSERT INTO message_keys (key, batch_id) SELECT key, ? FROM _keys", [self.batch_id])
            return
        keyed = stored.filter(pc.is_valid(key))
        _, first = np.unique(keyed.column("key").to_numpy(), return_index=True)
        _keys = keyed.take(pa.array(first))
        self.db.execute(
            'INSERT INTO occurrence_keys (key, batch_id, series, occurrence, "timestamp", context_id) '
            "SELECT key, ?, series, occurrence, ts, context_id FROM _keys", [self.batch_id])

    def covers(self, series: int) -> None:
        """This batch holds an event of this series (its UID's key): mode replace."""
        self.covered.add(series)

    def replace_earlier(self, start_us: int, end_us: int) -> int:
        """Remove what earlier batches stored of the occurrences this batch replaces (module
        docstring): the same keys, and the covered series' occurrences whose original start is
        in [start, end). Returns how many occurrences were replaced."""
        _covered = pa.table({"series": pa.array(sorted(self.covered), pa.int64())})
        db = self.db
        db.execute(
            """CREATE OR REPLACE TEMP TABLE _replaced AS
               SELECT key, batch_id, "timestamp", context_id FROM occurrence_keys
               WHERE batch_id <> ? AND (
                   key IN (SELECT key FROM occurrence_keys WHERE batch_id = ?)
                   OR (series IN (SELECT series FROM _covered)
                       AND occurrence >= make_timestamptz(?) AND occurrence < make_timestamptz(?)))""",
            [self.batch_id, self.batch_id, start_us, end_us])
        try:
            # An occurrence's row is the one of its batch with its time and context (unique within a calendar batch).
            db.execute(
                """DELETE FROM interaction_rows USING _replaced r
                   WHERE interaction_rows.batch_id = r.batch_id AND interaction_rows."timestamp" = r."timestamp"
                     AND interaction_rows.context_id IS NOT DISTINCT FROM r.context_id""")
            db.execute("DELETE FROM occurrence_keys USING _replaced r "
                       "WHERE occurrence_keys.key = r.key AND occurrence_keys.batch_id = r.batch_id")
            return db.execute("SELECT count(*) FROM _replaced").fetchone()[0]
        finally:
            db.execute("DROP TABLE _replaced")
