"""Contexts: the thread, meeting or conversation an interaction belongs to, stored once each, as keyed tokens.

A context's text (a thread or meeting title, a conversation id) is free text
that may name people or topics, so it is never stored: ``contexts`` holds its
keyed token, HMAC(workspace key, ``context:<text>``) as identifiers have
(:class:`socialhr.privacy.Pseudonymiser`, kind :data:`TOKEN_KIND`), so the
same context gives the same token in every batch and rows of one thread or
meeting still group together. Connectors hand over tokens they made
themselves (a channel's group id, a meeting UID's token); a value that is not
a token is refused before anything is stored (schema 7).

``interaction_rows.context_id`` refers to ``contexts`` (schema 6) rather than
holding the token on every row: a column of text costs a bulk import about
0.3 CPU s per ten million rows more than one of integers, even when every
value is missing, and a context (a Slack channel, a meeting series, a thread)
repeats over many rows.

Ids are given in bulk, per distinct value: a column is looked up in an Arrow
table of the texts met so far in the batch (one hash look-up in C); each text
not met before is made a token once, in Python (a few µs each), and the
tokens are looked up among the contexts stored before; the new ones get the
next ids. They are recorded in ``contexts`` by :meth:`Contexts.flush`, at the
end of the batch, so the look-up needs no database and can run in any
thread.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..schema import CONTEXT_TOKEN_KIND as TOKEN_KIND
from ..workspace import Workspace
from .lookup import Lookup

_TOKEN = "^[0-9a-f]{16}$"


class Contexts:
    """Context ids for one batch; :meth:`flush` records the new contexts (as tokens)."""

    def __init__(self, ws: Workspace, batch_id: int):
        self.db = ws.db
        self.batch_id = batch_id
        self.pseudonymiser = ws.pseudonymiser  # (made here: the look-ups may run in another thread)
        known = self.db.execute("SELECT context, context_id FROM contexts ORDER BY context_id").fetch_arrow_table()
        ids = known.column("context_id").combine_chunks().cast(pa.int32())
        self.next_id = (pc.max(ids).as_py() or 0) + 1
        self.new: list[pa.Table] = []
        self._by_token = Lookup(self._ids_for_new, known.column("context").combine_chunks().cast(pa.string()), ids)
        self._by_text = Lookup(self._ids_for_new_texts)

    def _ids_for_new_texts(self, texts: pa.Array) -> pa.Array:
        tokens = pa.array(self.pseudonymiser.tokens(TOKEN_KIND, texts.to_pylist()), pa.string())
        return self._by_token.ids_of(tokens)

    def _ids_for_new(self, tokens: pa.Array) -> pa.Array:
        if not pc.all(pc.match_substring_regex(tokens, _TOKEN)).as_py():
            # (A connector's mistake, not the user's: stopped before any text is stored.)
            raise ValueError("a context must be stored as a keyed token; use Contexts.ids_of for text")
        ids = pa.array(np.arange(self.next_id, self.next_id + len(tokens), dtype=np.int32))
        self.next_id += len(tokens)
        self.new.append(pa.table({"context_id": ids, "context": tokens}))
        return ids

    def ids_of(self, texts: pa.Array | pa.ChunkedArray) -> pa.Array | pa.ChunkedArray:
        """The id (int32) of each context given as text (null stays null), stored as its token;
        new ones get the next ids (see :meth:`socialhr.ingest.lookup.Lookup.ids_of`)."""
        return self._by_text.ids_of(texts)

    def ids_of_tokens(self, tokens: pa.Array | pa.ChunkedArray) -> pa.Array | pa.ChunkedArray:
        """The id (int32) of each context given as a keyed token already (a connector's group id,
        a meeting UID's token); anything else is refused with a ValueError."""
        return self._by_token.ids_of(tokens)

    def flush(self) -> None:
        """Record the contexts met for the first time in this batch."""
        if not self.new:
            return
        _new_contexts = pa.concat_tables(self.new)
        self.db.execute("INSERT INTO contexts (context_id, context, batch_id) SELECT context_id, context, ? FROM _new_contexts",
                        [self.batch_id])
        self.new = []
