"""The data contract the tests' small inline plans declare (one snippet, shared by every inline plan).

A plan file declares the tables it reads (``tables:``), their choice lists and where milestones are
reported. :data:`CONTRACT_YAML` is a minimal such declaration: the 2021 schools table's columns as its
Chinese headers spell them (no aliases, rules, references or obligations), a population table and a
milestones table. It goes at the END of an inline plan (:func:`inline_plan`), so that the line numbers
the tests assert for problems in ``plan``, ``sections`` and ``targets`` do not move.
"""

from __future__ import annotations

CONTRACT_YAML = """\
choices:
  school_type:
    - {value: kindergarten, zh: 幼儿园}
    - {value: primary, zh: 小学}
    - {value: junior, zh: 初中}
    - {value: nine_year, zh: 九年一贯制}
    - {value: senior, zh: 普通高中}
    - {value: complete_secondary, zh: 完全中学}
    - {value: vocational, zh: 中职}
    - {value: special, zh: 特殊教育}
  ownership:
    - {value: public, zh: 公办}
    - {value: private, zh: 民办}
  milestone_status:
    - {value: not_started, zh: 未启动}
    - {value: started, zh: 已启动}
    - {value: completed, zh: 已完成}
tables:
  schools:
    zh: 学校
    key: [school_id]
    type_column: school_type
    label: school_name
    place: town
    columns:
      - {name: school_id, zh: 学校代码, kind: text, required: true}
      - {name: school_name, zh: 学校名称, kind: text, required: true}
      - {name: town, zh: 乡镇（街道）, kind: text, required: true}
      - {name: school_type, zh: 学校类型, kind: choice, choices: school_type, required: true}
      - {name: ownership, zh: 办学性质, kind: choice, choices: ownership, required: true}
      - {name: inclusive, zh: 是否普惠, kind: yes_no, applies_to: [kindergarten],
         default: {value: true, where: {ownership: [public]}}}
      - {name: students, zh: 在校生数, kind: integer, min: 0, required: true}
      - {name: classes, zh: 班级数, kind: integer, min: 0, required: true}
      - {name: large_classes, zh: 大班额班级数, kind: integer, min: 0, max_column: classes,
         applies_to: [primary, junior, nine_year, complete_secondary]}
      - {name: dropouts, zh: 辍学学生数, kind: integer, min: 0,
         applies_to: [primary, junior, nine_year, complete_secondary, special]}
      - {name: health_data_reported, zh: 体质健康数据已上报, kind: yes_no,
         applies_to: [primary, junior, nine_year, senior, complete_secondary, vocational, special]}
      - {name: guards_in_place, zh: 专职保安配备到位, kind: yes_no, required: true}
      - {name: closed_campus, zh: 封闭化管理达标, kind: yes_no, required: true}
      - {name: alarm_linked, zh: 一键报警及视频监控联网, kind: yes_no, required: true}
      - {name: antiterror_standard, zh: 反恐怖防范达标, kind: yes_no, required: true}
      - {name: bullying_incidents, zh: 校园欺凌事件数, kind: integer, min: 0, required: true}
      - {name: supervisor_assigned, zh: 挂牌督学到位, kind: yes_no, required: true}
  population:
    zh: 适龄人口
    key: [town]
    place: town
    columns:
      - {name: town, zh: 乡镇（街道）, kind: text, required: true}
      - {name: children_3_5, zh: 3-5岁适龄儿童数, kind: integer, min: 1, required: true}
  milestones:
    zh: 重点项目
    key: [milestone_id]
    columns:
      - {name: milestone_id, zh: 项目编号, kind: text, required: true}
      - {name: status, zh: 进展状态, kind: choice, choices: milestone_status, required: true}
milestones:
  table: milestones
  id_column: milestone_id
  status_column: status
"""


def inline_plan(*parts: str) -> str:
    """An inline plan: its plan/sections/targets text, then the shared contract (after the targets, so
    the targets' line numbers are those of ``parts``)."""
    text = "".join(parts)
    return text + ("" if text.endswith("\n") or not text else "\n") + CONTRACT_YAML
