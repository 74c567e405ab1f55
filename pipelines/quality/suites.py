"""The rule families of expectations/*.yaml, validated with pydantic.

A rule is either a Great Expectations expectation on the month's slice of loaded rows
(`expectation:`) or a DuckDB query whose every returned row is an issue (`query:`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, model_validator

EXPECTATIONS_DIR = Path(__file__).resolve().parents[2] / "expectations"


class Rule(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str
    severity: Literal["error", "warn"]
    description_sv: str
    description_en: str
    message_sv: str
    expectation: dict[str, Any] | None = None
    query: str | None = None
    scan: Literal["personal_identity_numbers"] | None = None  # a whole-warehouse scan
    # reference data the rule cannot do without; missing, the rule is skipped with a note
    needs: list[Literal["chart", "org_register"]] = []

    @model_validator(mode="after")
    def _one_kind(self) -> Rule:
        if sum(x is not None for x in (self.expectation, self.query, self.scan)) != 1:
            raise ValueError(f"{self.id}: give exactly one of 'expectation', 'query', 'scan'")
        return self


class Suite(BaseModel):
    model_config = ConfigDict(extra="forbid")
    suite: str
    applies_to: Literal["ledger", "hr"]
    rules: list[Rule]


def load_suites(directory: Path = EXPECTATIONS_DIR) -> list[Suite]:
    suites = []
    for path in sorted(directory.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        suites.append(Suite.model_validate(data))
    return suites
