"""Arrow list helpers (socialhr.lists) against plain Python."""

from __future__ import annotations

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from socialhr.lists import split_in_place


@settings(deadline=None)
@given(values=st.lists(st.text(alphabet="a;é ", max_size=6), min_size=1, max_size=12),
       cut=st.tuples(st.integers(0, 3), st.integers(0, 3)))
def test_split_in_place_is_str_split_with_the_separator_kept_in_front(values, cut):
    """Every piece after a value's first starts with the separator; without it,
    the pieces are Python's str.split. Also on a slice of an array (offsets
    that do not start at zero)."""
    start = min(cut[0], len(values) - 1)
    arr = pa.array(values, pa.string()).slice(start, max(1, len(values) - start - cut[1]))
    got = split_in_place(arr, ";").to_pylist()
    expected = [v.split(";") for v in arr.to_pylist()]
    assert got == [[p if i == 0 else ";" + p for i, p in enumerate(e)] for e in expected]


def test_split_in_place_refuses_nulls_and_long_separators():
    with pytest.raises(ValueError):
        split_in_place(pa.array(["a", None]), ";")
    with pytest.raises(ValueError):
        split_in_place(pa.array(["a"]), ";;")
