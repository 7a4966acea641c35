"""Each school's own obligations, as the plan declares them (``plancheck validate``): located warnings."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .. import errors as E
from ..errors import Problem
from .rules import expression_mask, where_mask
from .validate import Submission

if TYPE_CHECKING:  # pragma: no cover
    from ..plan.tables import Contract, Obligation


def school_obligations(sub: Submission, contract: "Contract") -> list[Problem]:
    """Each accepted row's own shortfalls against the plan's declared obligations, located at its cell:
    warnings (``plancheck validate --strict`` turns them into exit code 1). Roster placeholders
    (rows flagged ``_missing``) are left out."""
    out: list[Problem] = []
    for ob in contract.obligations:
        df = sub.tables.get(ob.table)
        if df is None or df.empty:
            continue
        if "_missing" in df:
            df = df[~df["_missing"].astype(bool)].reset_index(drop=True)
        hit = where_mask(df, ob.where) & expression_mask(df, ob.when)
        out.extend(_obligation(sub, contract, ob, df, int(i)) for i in np.flatnonzero(hit))
    return E.sort_problems(out)


def _obligation(sub: Submission, contract: "Contract", ob: "Obligation", df: pd.DataFrame, i: int) -> Problem:
    spec = contract.tables[ob.table]
    r = df.iloc[i]
    sheet = r["_sheet"] or None
    column = spec.column(ob.column)
    src = sub.source(str(r["_file"]), sheet, ob.table)
    header, cell = src.locate(ob.column, int(r["_row"]), column.zh) if src else (column.zh, None)
    value = r[ob.column]
    if isinstance(value, (bool, np.bool_)):
        shown = "是" if value else "否"
    else:
        shown = None if value is pd.NA else value
    name = str(r[spec.label]) if spec.label else str(r[spec.key[0]])
    return E.declared(ob.kind, file=str(r["_file"]), sheet=sheet, row=int(r["_row"]), column=header, cell=cell,
                      value=shown, name=name, item=column.zh, count=shown)
