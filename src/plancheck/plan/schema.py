"""The JSON Schema of plan files, generated from the pydantic models that check them.

An editor that speaks the YAML language server reads it from the first line of a plan file
(``# yaml-language-server: $schema=plan.schema.json``) and completes and checks keys while typing.
The schema says the shape; ``plancheck plan check`` also checks the names a plan uses against
what it declares (columns, tables, choices), which a schema cannot.
"""

from __future__ import annotations

import json

from .targets import TargetsFile


def plan_json_schema() -> str:
    schema = TargetsFile.model_json_schema(by_alias=True, mode="validation")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "plancheck plan file"
    schema["description"] = ("A work plan as data: its sections, the tables schools submit (columns, rules), "
                             "references between tables, each school's obligations and the targets.")
    return json.dumps(schema, ensure_ascii=False, indent=2) + "\n"
