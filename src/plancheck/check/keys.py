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
    An Arrow-backed column is numbered first: school codes (ASCII digits) as numbers, other keys by
    Arrow's hash table (each about half the time of pandas' own on text)."""
    cells = key.array
    if not isinstance(cells, pd.arrays.ArrowStringArray):
        return (key.duplicated(keep="first") & key.notna()).to_numpy(dtype=bool)
    import pyarrow as pa
    import pyarrow.compute as pc

    codes = digit_keys(cells.__arrow_array__())
    if codes is None:
        encoded = pc.dictionary_encode(cells.__arrow_array__())  # the chunks share one dictionary: no join needed
        chunks = encoded.chunks if isinstance(encoded, pa.ChunkedArray) else [encoded]
        codes = np.concatenate([pc.fill_null(c.indices, -1).to_numpy(zero_copy_only=False) for c in chunks]
                               or [np.empty(0, dtype=np.int32)])
    return pd.Series(codes, copy=False).duplicated(keep="first").to_numpy() & (codes >= 0)


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
