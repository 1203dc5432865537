"""Values met so far and their ids, as Arrow arrays: a column is looked up with
one hash look-up in C, and only the values not met before are handed, in
bulk, to a function that gives them ids (identities, contexts)."""

from __future__ import annotations

from typing import Callable

import pyarrow as pa
import pyarrow.compute as pc

from ..lists import rechunked


class Lookup:
    """Ids (int32) for text values; ``ids_for_new`` gives the ids of values not met before
    (distinct, no nulls) as an int32 array of the same length, nulls for values that have none."""

    def __init__(self, ids_for_new: Callable[[pa.Array], pa.Array],
                 values: pa.Array | None = None, ids: pa.Array | None = None):
        self.ids_for_new = ids_for_new
        self.values = pa.array([], pa.string()) if values is None else values
        self.ids = pa.array([], pa.int32()) if ids is None else ids

    def ids_of(self, values: pa.Array | pa.ChunkedArray) -> pa.Array | pa.ChunkedArray:
        """The id of each value (int32; null for a missing value, or one given none).
        A dictionary-encoded column is looked up by its dictionary only; a
        chunked column is looked up in one go (the table of values met is
        hashed once, not once per chunk) and comes back in the same chunks."""
        if isinstance(values, pa.ChunkedArray):
            if pa.types.is_dictionary(values.type):
                return pa.chunked_array([self.ids_of(c) for c in values.chunks], pa.int32())
            return rechunked(self._ids_of(values), values)
        if pa.types.is_dictionary(values.type):
            return pc.take(self._ids_of(values.dictionary), values.indices)
        return self._ids_of(values)

    def _ids_of(self, values: pa.Array | pa.ChunkedArray) -> pa.Array:
        if not pa.types.is_string(values.type):
            values = pc.cast(values, pa.string())
        at = pc.index_in(values, value_set=self.values)
        ids = pc.take(self.ids, at)
        if at.null_count > values.null_count:  # (a missing value is null in both) some not met before
            new = pc.unique(pc.filter(values, pc.and_(pc.is_null(at), pc.is_valid(values))))
            if isinstance(new, pa.ChunkedArray):
                new = new.combine_chunks()
            new_ids = self.ids_for_new(new)
            self.values = pa.concat_arrays([self.values, new])
            self.ids = pa.concat_arrays([self.ids, new_ids])
            # The values not met before are looked up among the new ones alone: hashing
            # every value met so far a second time cost as much as the first look-up.
            ids = pc.coalesce(ids, pc.take(new_ids, pc.index_in(values, value_set=new)))
        return ids
