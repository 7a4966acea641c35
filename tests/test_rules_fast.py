"""The plan's checks over whole columns (check/rules.py): the Arrow paths give what the plain pandas ones give."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from plancheck.check.columns import Distinct
from plancheck.check.rules import check_references, where_mask

TOWNS = st.one_of(st.none(), st.sampled_from(["安场镇", "凤仪街道", "", "a", "b", "第2县安场镇"]))
TYPES = st.one_of(st.none(), st.sampled_from(["kindergarten", "primary", "junior"]))


def _arrow(values: list) -> pd.Series:
    """Arrow-backed text in two chunks, as the CSV reader hands columns over."""
    half = len(values) // 2
    return pd.Series(pd.arrays.ArrowStringArray(pa.chunked_array([pa.array(values[:half], type=pa.large_string()),
                                                                 pa.array(values[half:], type=pa.large_string())])))


def _frames(rows: list, arrow: bool) -> pd.DataFrame:
    towns, types = [r[0] for r in rows], [r[1] for r in rows]
    make = _arrow if arrow else (lambda v: pd.Series(v, dtype=object))
    return pd.DataFrame({"town": make(towns), "school_type": make(types)})


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(TOWNS, TYPES), max_size=30), st.lists(st.tuples(TOWNS, TYPES), max_size=10),
       st.sampled_from([(), (("school_type", ("kindergarten",)),), (("school_type", ("primary", "junior")),)]))
def test_references_in_arrow_are_the_sorted_values_the_other_table_lacks(schools, population, where) -> None:
    ref = SimpleNamespace(table="schools", column="town", where=where, to_table="population", to_column="town",
                          to_where=())
    contract = SimpleNamespace(references=[ref])
    expected = None
    for arrow in (True, False):
        tables = {"schools": _frames(schools, arrow), "population": _frames(population, arrow)}
        got = [value for _, value in check_references(tables, contract, {"schools", "population"})]
        s, p = tables["schools"], tables["population"]
        keep = np.ones(len(s), dtype=bool)
        for column, allowed in where:
            keep &= s[column].isin(list(allowed)).fillna(False).to_numpy(dtype=bool)
        plain = sorted(set(s["town"][keep].dropna()) - set(p["town"].dropna())) if len(s) else []
        assert got == plain
        expected = got if expected is None else expected
        assert got == expected


@settings(max_examples=200, deadline=None)
@given(st.lists(TYPES, max_size=30), st.lists(st.sampled_from(["kindergarten", "primary", "x"]), max_size=3))
def test_where_mask_in_arrow_equals_the_numbered_column(types, allowed) -> None:
    where = (("school_type", tuple(allowed)),)
    for s in (_arrow(types), pd.Series(types, dtype=object)):
        frame = pd.DataFrame({"school_type": s})
        plain = Distinct(frame["school_type"]).isin(allowed)
        assert where_mask(frame, where).tolist() == plain.tolist()
        assert where_mask(frame, where, {}).tolist() == plain.tolist()
