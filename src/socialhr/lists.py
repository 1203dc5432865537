"""Arrow list columns (recipient lists, above all): their values, and the same lists rebuilt.

Work on lists is done on their values as one flat array (look-ups, filters),
then the lists are put back together from their offsets, never row by row.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc


def values(lists: pa.ListArray) -> pa.Array:
    """The values of a list column, one after the other, as its offsets count them."""
    start, end = lists.offsets[0].as_py(), lists.offsets[-1].as_py()
    return lists.values.slice(start, end - start)


def with_values(lists: pa.ListArray, new: pa.Array) -> pa.ListArray:
    """The same lists (same lengths, same nulls) holding ``new``, which is as long as :func:`values`."""
    return pa.ListArray.from_arrays(pc.subtract(lists.offsets, lists.offsets[0]), new, mask=lists.is_null())


def parents(lists: pa.ListArray) -> np.ndarray:
    """For each of :func:`values`, the index of the list it is in."""
    return np.repeat(np.arange(len(lists)), np.diff(lists.offsets.to_numpy()))


def kept(lists: pa.ListArray, new: pa.Array, keep: np.ndarray) -> pa.ListArray:
    """:func:`with_values` holding only the ``new`` values where ``keep`` is true."""
    counts = np.bincount(parents(lists)[keep], minlength=len(lists))
    offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int32)
    return pa.ListArray.from_arrays(pa.array(offsets), pc.filter(new, pa.array(keep)), mask=lists.is_null())


def without_nulls(lists: pa.ListArray, new: pa.Array | None = None) -> pa.ListArray:
    """The lists (holding ``new``, if given) without their null values."""
    new = values(lists) if new is None else new
    return kept(lists, new, pc.is_valid(new).to_numpy(zero_copy_only=False))
