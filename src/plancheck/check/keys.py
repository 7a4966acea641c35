"""A table's key: its cells as one column, and the rows whose key is on an earlier row (duplicate keys).

School codes are numbered as int64 when they are ASCII digits; other keys (codes with letters or
suffixes, several key columns) are numbered by Arrow's hash table."""

from __future__ import annotations

from typing import Optional

import numpy as np
import pandas as pd

from .columns import one_array


def key_series(frame: pd.DataFrame, key: tuple[str, ...]) -> pd.Series:
    """A table's key as one column (several key columns joined; missing if any part is)."""
    if len(key) == 1:
        return frame[key[0]]
    parts = [frame[k].astype("string") for k in key]
    joined = parts[0]
    for p in parts[1:]:
        joined = joined + "\x1f" + p
    return joined


def repeats(key: pd.Series) -> np.ndarray:
    """Rows whose key is on an earlier row (a missing key repeats nothing): ``duplicated(keep="first")``.
    An Arrow-backed column is checked in Arrow: keys in strictly increasing order (a file sorted by its
    codes, the usual case) repeat nothing; else they are numbered, school codes (ASCII digits) as numbers,
    other keys by Arrow's hash table (each about half the time of pandas' own on text)."""
    cells = key.array
    if not isinstance(cells, pd.arrays.ArrowStringArray):
        return (key.duplicated(keep="first") & key.notna()).to_numpy(dtype=bool)
    import pyarrow as pa
    import pyarrow.compute as pc

    arrow = cells.__arrow_array__()
    if increasing(arrow):
        return np.zeros(len(key), dtype=bool)
    codes = digit_keys(arrow)
    if codes is None:
        encoded = pc.dictionary_encode(arrow)  # the chunks share one dictionary: no join needed
        chunks = encoded.chunks if isinstance(encoded, pa.ChunkedArray) else [encoded]
        if not chunks or len(chunks[0].dictionary) == len(arrow) - arrow.null_count:
            return np.zeros(len(key), dtype=bool)   # as many distinct keys as keys: none repeats
        codes = np.concatenate([pc.fill_null(c.indices, -1).to_numpy(zero_copy_only=False) for c in chunks]
                               or [np.empty(0, dtype=np.int32)])
    return pd.Series(codes, copy=False).duplicated(keep="first").to_numpy() & (codes >= 0)


def increasing(cells) -> bool:
    """Whether the present keys (Arrow text) are in strictly increasing order, byte by byte: then no two
    are the same. One comparison of each key with the next, instead of hashing them all."""
    import pyarrow.compute as pc

    present = one_array(cells if not cells.null_count else pc.drop_null(cells))
    if len(present) < 2:
        return True
    return bool(pc.all(pc.less(present[:-1], present[1:])).as_py())


#: Longest key numbered by :func:`digit_keys` (17 digits and the length fit in an int64).
_DIGIT_KEY_MAX = 17


def digit_keys(cells) -> Optional[np.ndarray]:
    """Keys written in 1-17 ASCII digits as int64 numbers that keep the length too ("007" and "7" differ),
    -1 for a missing key; None when any key is something else."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if not len(cells) or not pc.all(pc.fill_null(pc.ascii_is_decimal(cells), True)).as_py():
        return None
    length = pc.binary_length(cells)
    longest = pc.max(length).as_py()
    if longest is None or longest > _DIGIT_KEY_MAX:
        return None
    numbers = pc.add(pc.cast(cells, pa.int64()), pc.multiply(pc.cast(length, pa.int64()), 10**_DIGIT_KEY_MAX))
    return one_array(pc.fill_null(numbers, -1)).to_numpy(zero_copy_only=False)
