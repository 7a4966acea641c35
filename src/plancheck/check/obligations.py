"""A school's own obligations from the plan (``plancheck validate``): located warnings."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .. import errors as E
from ..errors import Problem
from .schema import TABLES
from .validate import Submission

#: (column, problem code) of counts that the plan wants at zero for every school.
ZERO_COUNTS = (("large_classes", "obligation_large_classes"), ("dropouts", "obligation_dropouts"),
               ("bullying_incidents", "obligation_bullying"))
#: yes/no items every school must have (the plan's security and supervision targets), and health data.
MUST_HAVE = (("guards_in_place", "obligation_security"), ("closed_campus", "obligation_security"),
             ("alarm_linked", "obligation_security"), ("antiterror_standard", "obligation_antiterror"),
             ("supervisor_assigned", "obligation_security"), ("health_data_reported", "obligation_health_data"))


def school_obligations(sub: Submission) -> list[Problem]:
    """Each accepted school's own shortfalls against the plan, located at its cell: warnings
    (``plancheck validate`` turns them into exit code 1). Rows flagged ``_missing`` (roster placeholders) are left out.
    """
    df = sub.tables.get("schools")
    if df is None or df.empty:
        return []
    if "_missing" in df:
        df = df[~df["_missing"].astype(bool)]
    out: list[Problem] = []
    for column, code in ZERO_COUNTS:
        hit = (df[column].fillna(0) > 0).to_numpy(dtype=bool)
        out.extend(_obligation(sub, df, i, column, code, count=int(df[column].iat[i])) for i in np.flatnonzero(hit))
    for column, code in MUST_HAVE:
        hit = (df[column] == False).fillna(False).to_numpy(dtype=bool)  # noqa: E712  (blank = not applicable)
        out.extend(_obligation(sub, df, i, column, code, item=TABLES["schools"].column(column).zh)
                   for i in np.flatnonzero(hit))
    return E.sort_problems(out)


def _obligation(sub: Submission, df: pd.DataFrame, i: int, column: str, code: str, **params) -> Problem:
    r = df.iloc[i]
    sheet = r["_sheet"] or None
    src = sub.source(str(r["_file"]), sheet, "schools")
    header, cell = src.locate(column, int(r["_row"])) if src else (TABLES["schools"].column(column).zh, None)
    value = df[column].iat[i]
    shown = ("是" if value else "否") if isinstance(value, (bool, np.bool_)) else value
    return E.make(code, file=str(r["_file"]), sheet=sheet, row=int(r["_row"]), column=header, cell=cell,
                  value=shown, name=str(r["school_name"]), **params)
