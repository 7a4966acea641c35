"""A table's repeated keys (check/keys.py): every fast path gives what pandas' ``duplicated`` gives."""

from __future__ import annotations

import pandas as pd
import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from plancheck.check.keys import increasing, repeats

CODES = st.one_of(st.none(), st.sampled_from(["7", "07", "5203240001", "5203240001-2", "5203240001-10", "a", "",
                                               "１２", "12", "9-001", "9_001", "学校"]),
                  st.text(max_size=4))


def _chunked(keys: list) -> pd.Series:
    """``keys`` as the CSV reader hands a key column over: Arrow text in more than one chunk."""
    third = len(keys) // 3
    return pd.Series(pd.arrays.ArrowStringArray(pa.chunked_array([pa.array(keys[:third], type=pa.large_string()),
                                                                 pa.array(keys[third:], type=pa.large_string())])))


def _expected(keys: list) -> list[bool]:
    s = pd.Series(keys, dtype=object)
    return (s.duplicated(keep="first") & s.notna()).tolist()


@settings(max_examples=300, deadline=None)
@given(st.lists(CODES, max_size=30), st.booleans(), st.booleans())
def test_repeats_of_sorted_unsorted_and_distinct_keys_are_duplicated_first(keys, in_order, distinct) -> None:
    if distinct:
        keys = list(dict.fromkeys(keys))    # no repeats, missing keys but one dropped
    if in_order:                            # sorted as a county's file by its codes, missing keys kept in place
        present = iter(sorted((k for k in keys if k is not None), key=lambda k: k.encode()))
        keys = [None if k is None else next(present) for k in keys]
    assert repeats(_chunked(keys)).tolist() == _expected(keys)


@settings(max_examples=200, deadline=None)
@given(st.lists(CODES, max_size=20))
def test_increasing_is_strict_byte_order_of_the_present_keys(keys) -> None:
    present = [k.encode() for k in keys if k is not None]
    assert increasing(_chunked(keys).array.__arrow_array__()) == all(a < b for a, b in zip(present, present[1:]))


def test_keys_in_order_with_a_repeat_or_a_gap_are_found() -> None:
    keys = ["5203240001", None, "5203240002", "5203240002", None, "5203240003"]
    assert repeats(_chunked(keys)).tolist() == [False, False, False, True, False, False]
    assert repeats(_chunked(["a-1", None, "a-2", "a-3"])).tolist() == [False] * 4
