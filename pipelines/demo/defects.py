"""Ground truth of the defects the generator injects on purpose (`defects.csv`).

Rule names are the ids of the quality rules in `expectations/` that must find them.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

# rule id -> what the generator breaks
LEDGER_DEFECTS = {
    "kontering.account_exists": "konto finns inte i kontoplanen",
    "kontering.no_summary_or_blocked_account": "bokning på summakonto eller spärrat konto",
    "kontering.ansvar_valid": "ansvar finns inte eller är inte giltigt på bokföringsdagen",
    "kontering.required_dimensions": "obligatorisk dimension saknas (motpart eller projekt)",
    "kontering.voucher_balances": "verifikationen balanserar inte",
    "kontering.no_duplicate_voucher": "verifikationen finns två gånger (serie och nummer)",
    "periodisering.booking_date_in_fiscal_year": "bokföringsdatum utanför räkenskapsåret",
    "periodisering.accrual_reversed": "periodisering har inte återförts nästa period",
}
HR_DEFECTS = {
    "hr.employment_rate_range": "sysselsättningsgrad utanför (0, 100] %",
    "hr.sick_hours_within_scheduled": "sjuktimmar större än schemalagd tid",
    "hr.unit_valid": "enheten finns inte i organisationsregistret",
}

HEADER = ["defect_id", "rule", "file", "line", "series", "voucher_number", "record_key",
          "description"]


@dataclass
class Defect:
    rule: str
    file: str
    line: int
    series: str = ""
    voucher_number: str = ""
    record_key: str = ""
    description: str = ""


@dataclass
class DefectPlan:
    """Which month gets which defect. Empty when generating `--clean` data."""

    by_month: dict[int, list[str]] = field(default_factory=dict)
    found: list[Defect] = field(default_factory=list)

    @classmethod
    def draw(cls, rng: np.random.Generator, per_rule: int, clean: bool) -> DefectPlan:
        plan = cls()
        if clean:
            return plan
        for rule in [*LEDGER_DEFECTS, *HR_DEFECTS]:
            # accruals are booked at even-month ends and reversed the month after: the
            # unreversed one must have a following month inside the year
            months = [2, 4, 6, 8, 10] if rule == "periodisering.accrual_reversed" else range(1, 13)
            for month in rng.choice(list(months), size=per_rule, replace=True):
                plan.by_month.setdefault(int(month), []).append(rule)
        for rules in plan.by_month.values():
            rules.sort()
        return plan

    def rules_for(self, month: int, family: str) -> list[str]:
        return [r for r in self.by_month.get(month, []) if r.split(".")[0] in family]

    def record(self, defect: Defect) -> None:
        self.found.append(defect)

    def write(self, path: Path) -> None:
        rows = sorted(self.found, key=lambda d: (d.file, d.line, d.rule))
        with path.open("w", encoding="utf-8", newline="") as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(HEADER)
            for i, d in enumerate(rows, start=1):
                w.writerow([i, d.rule, d.file, d.line, d.series, d.voucher_number,
                            d.record_key, d.description])
