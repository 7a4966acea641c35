"""The bundled 2021 plan's declared contract, as the tests use it (the plan file is the single source)."""

from __future__ import annotations

from plancheck.plan.targets import load_targets

PLAN = load_targets()
CONTRACT = PLAN.contract
TABLES = CONTRACT.tables
#: the school types the 2021 plan's compulsory-education columns apply to
COMPULSORY = tuple(TABLES["schools"].column("large_classes").applies_to)
TYPE_ZH = CONTRACT.choices["school_type"].zh
YES_NO_ZH = ("是", "否")


def roster_entry(school_id: str, school_name: str, town: str, school_type, ownership, file: str, sheet, row: int):
    """A roster entry of the 2021 schools table (what read_roster gives for one row)."""
    from plancheck.check.roster import RosterEntry

    values = {"school_id": school_id, "school_name": school_name, "town": town, "school_type": school_type,
              "ownership": ownership}
    return RosterEntry(key=school_id, name=school_name, place=town, values=tuple(values.items()), file=file,
                       sheet=sheet, row=row)
