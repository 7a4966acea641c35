"""--roster: missing schools reported and kept as placeholders; unknown schools reported; a school's obligations."""

from __future__ import annotations

from plan2021 import CONTRACT
from plancheck.check.roster import apply_roster
from plancheck.check.obligations import school_obligations
from plancheck.check.validate import validate_paths
from sheet_fixtures import compact, grid, school, write_csv, write_xlsx


def test_missing_and_unknown_schools(tmp_path):
    roster = write_xlsx(tmp_path / "roster.xlsx", {"学校": [["学校代码", "学校名称", "乡镇（街道）", "学校类型"],
                                                           [5203240001, "甲小学", "安场镇", "小学"],
                                                           [5203240002, "乙小学", "凤仪街道", "小学"],
                                                           [5203240003, "丙小学", "流渡镇", "小学"]]},
                        title="2021年春季学校名册")
    sub = validate_paths({"schools": write_xlsx(tmp_path / "s.xlsx", {"学校": grid([
        school("5203240001", "甲小学"), school("5203249999", "新小学")])})}, CONTRACT)
    apply_roster(sub, roster, CONTRACT)
    assert next(p for p in sub.problems if p.code == "school_not_on_roster").cell == "学校!A3"
    assert compact(sub.problems) == sorted([(3, "学校代码", "school_not_on_roster"),
                                            (4, "学校代码", "school_not_submitted"),
                                            (5, "学校代码", "school_not_submitted")], key=str)
    missing = [p for p in sub.problems if p.code == "school_not_submitted"]
    assert missing[0].file.endswith("roster.xlsx") and "乙小学" in missing[0].message("zh")
    assert "凤仪街道" in missing[0].message("en")
    df = sub.tables["schools"]
    assert df["_missing"].tolist() == [False, False, True, True]
    placeholders = df[df["_missing"]]
    assert placeholders["school_id"].tolist() == ["5203240002", "5203240003"]
    assert placeholders["school_type"].tolist() == ["primary", "primary"]
    assert not placeholders["guards_in_place"].any() and placeholders["students"].isna().all()
    # a coverage target over schools now has 4 in its denominator, 2 of them not meeting it
    assert (len(df), int(df["guards_in_place"].sum())) == (4, 2)
    # a warning, so the run goes on and the coverage targets fail instead of the input being refused
    assert sub.ok and {p.severity for p in missing} == {"warning"}


def test_unreadable_roster_is_an_error(tmp_path):
    sub = validate_paths({"schools": write_csv(tmp_path / "s.csv", grid([school()]))}, CONTRACT)
    (tmp_path / "r.csv").write_bytes(b"")
    apply_roster(sub, tmp_path / "r.csv", CONTRACT)
    assert compact(sub.problems) == [(None, None, "roster_unreadable")] and not sub.ok


def test_school_obligations_are_located_warnings(tmp_path):
    rows = [school("1", 大班额班级数="2", 辍学学生数="1", 封闭化管理达标="否"), school("2")]
    f = write_xlsx(tmp_path / "s.xlsx", {"学校": grid(rows)})
    sub = validate_paths({"schools": f}, CONTRACT)
    assert sub.ok
    found = school_obligations(sub, CONTRACT)
    assert compact(found) == sorted([(2, "大班额班级数", "obligation_large_classes"),
                                     (2, "辍学学生数", "obligation_dropouts"),
                                     (2, "封闭化管理达标", "obligation_security")], key=str)
    assert {p.cell for p in found} == {"学校!I2", "学校!J2", "学校!O2"}
    assert all(p.severity == "warning" for p in found)
    assert "封闭化管理达标" in next(p for p in found if p.code == "obligation_security").message("zh")


def test_antiterror_obligation_names_the_county_goal(tmp_path):
    f = write_xlsx(tmp_path / "s.xlsx", {"学校": grid([school("1", 反恐怖防范达标="否")])})
    found = school_obligations(validate_paths({"schools": f}, CONTRACT), CONTRACT)
    assert compact(found) == [(2, "反恐怖防范达标", "obligation_antiterror")]
    assert "80%" in found[0].message("zh") and "80%" in found[0].message("en")


def test_roster_school_of_unknown_type_keeps_a_needed_sum_from_passing(tmp_path):
    from plancheck.engine import evaluate
    from plancheck.plan.targets import load_targets

    roster = write_csv(tmp_path / "r.csv", [["学校代码", "学校名称", "乡镇（街道）"],
                                            ["5203240001", "甲小学", "安场镇"], ["5203240002", "乙学校", "安场镇"]])
    sub = validate_paths({"schools": write_csv(tmp_path / "s.csv", grid([school("5203240001", "甲小学")]))}, CONTRACT)
    apply_roster(sub, roster, CONTRACT)
    by_id = {r.target_id: r for r in evaluate(load_targets(), sub.tables)}
    # 乙学校 sent nothing and its type is unknown: it may be a primary school with dropouts
    assert by_id["compulsory_dropouts"].status == "no_data"
    assert "乙学校" in {o.name for o in by_id["compulsory_dropouts"].offenders}
