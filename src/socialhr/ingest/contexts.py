"""Contexts: the thread, meeting or conversation an interaction belongs to, stored once each.

``interaction_rows.context_id`` refers to ``contexts`` (schema 6) rather than
holding the text on every row: a column of text costs a bulk import about
0.3 CPU s per ten million rows more than one of integers, even when every
value is missing, and a context (a Slack channel, a meeting series, a thread)
repeats over many rows.

Ids are given in bulk, per distinct value: a column is looked up in an Arrow
table of the contexts met so far (one hash look-up in C), and the new ones get
the next ids. They are recorded in ``contexts`` by :meth:`Contexts.flush`, at
the end of the batch, so the look-up needs no database and can run in any
thread.
"""

from __future__ import annotations

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .lookup import Lookup


class Contexts:
    """Context ids for one batch; :meth:`flush` records the new contexts."""

    def __init__(self, db: duckdb.DuckDBPyConnection, batch_id: int):
        self.db = db
        self.batch_id = batch_id
        known = db.execute("SELECT context, context_id FROM contexts ORDER BY context_id").fetch_arrow_table()
        ids = known.column("context_id").combine_chunks().cast(pa.int32())
        self.next_id = (pc.max(ids).as_py() or 0) + 1
        self.new: list[pa.Table] = []
        self._seen = Lookup(self._ids_for_new, known.column("context").combine_chunks().cast(pa.string()), ids)

    def _ids_for_new(self, new: pa.Array) -> pa.Array:
        ids = pa.array(np.arange(self.next_id, self.next_id + len(new), dtype=np.int32))
        self.next_id += len(new)
        self.new.append(pa.table({"context_id": ids, "context": new}))
        return ids

    def ids_of(self, values: pa.Array | pa.ChunkedArray) -> pa.Array | pa.ChunkedArray:
        """The id (int32) of each context in ``values`` (text; null stays null); new ones get the next ids
        (see :meth:`socialhr.ingest.lookup.Lookup.ids_of`)."""
        return self._seen.ids_of(values)

    def flush(self) -> None:
        """Record the contexts met for the first time in this batch."""
        if not self.new:
            return
        _new_contexts = pa.concat_tables(self.new)
        self.db.execute("INSERT INTO contexts (context_id, context, batch_id) SELECT context_id, context, ? FROM _new_contexts",
                        [self.batch_id])
        self.new = []
