"""`uppfoljning generate`: the demo municipality Exempelkommun as source files.

Deterministic for a given seed, size and year: the same arguments give byte-identical files.
The ledger is written month by month, so memory stays bounded by one month of one size.
"""

from __future__ import annotations

import csv
import datetime as dt
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from pipelines.demo import budget, history, ledger, plans, staff
from pipelines.demo.catalogue import CHART
from pipelines.demo.defects import DefectPlan
from pipelines.demo.erp_database import ErpDatabaseWriter
from pipelines.demo.model import LedgerModel, SizeParams
from pipelines.demo.organisation import build_organisation, write_org_register

SIZES: dict[str, SizeParams] = {
    # a kommun of about 5 000, 50 000 and 250 000 inhabitants: the smaller, the larger its
    # share of generella statsbidrag och utjämning
    "small": SizeParams(units=40, employees=400, invoices_per_unit_month=11, projects=6,
                        defects_per_rule=2, grants_share=0.28),
    "medium": SizeParams(units=400, employees=4000, invoices_per_unit_month=84, projects=20,
                         defects_per_rule=4, grants_share=0.15),
    "large": SizeParams(units=2000, employees=20000, invoices_per_unit_month=172, projects=40,
                        defects_per_rule=8, grants_share=0.08),
}
DEFAULT_YEAR = 2025
DEFAULT_SEED = 1
# Ekonomi's corrected re-exports of the delivered files that hold defects, by the same
# relative path: what the demo delivers after the first run has found the defects
CORRECTIONS = "rattelser"


def layout(year: int) -> dict[str, str]:
    """Where each delivered file lands under the output folder.

    Monthly deliveries are patterns with `{year}` and `{period}` (YYYY-MM), the same patterns
    a config file uses to find a month's delivery.
    """
    prior = year - 1
    return {
        "org_register": "organisation/organisationsregister.csv",
        "chart": "organisation/kontoplan.csv",
        "ledger_month": "ekonomi/{year}/huvudbok_{period}.se",
        "ledger_prior_year": f"ekonomi/{prior}/huvudbok_{prior}_sammandrag.se",
        "budget_adopted": f"budget/{year}/budget_{year}_antagen.se",
        "budget_revised": f"budget/{year}/budget_{year}_reviderad.se",
        "investment_budget": f"budget/{year}/investeringsbudget_{year}.csv",
        "hr_month": "personal/{year}/personal_{period}.csv",
        "goals": f"mal/mal_{year}.yaml",
        "goal_statuses": "mal/{year}/malstatus_{period}.csv",
        "kpi_outcomes": f"mal/kolada_{year}.csv",
        "tidplan": f"tidplan/tidplan_{year}.yaml",
        "balance_requirement_decisions": f"bokslut/balanskrav_{year}.csv",
        "defects": "defects.csv",
    }


@dataclass
class GenerationSummary:
    out: Path
    size: str
    seed: int
    year: int
    units: int = 0
    employees: int = 0
    vouchers: int = 0
    ledger_rows: int = 0
    prior_year_rows: int = 0
    budget_lines: int = 0
    hr_rows: int = 0
    defects: int = 0
    files: list[str] = field(default_factory=list)
    corrections: list[str] = field(default_factory=list)  # under CORRECTIONS/, same paths


Progress = Callable[[str], None]


def steps() -> int:
    """How many progress steps `generate` reports."""
    return 12 + 6


def generate(out: Path, size: str = "small", seed: int = DEFAULT_SEED, year: int = DEFAULT_YEAR,
             clean: bool = False, progress: Progress | None = None,
             erp_url: str | None = None) -> GenerationSummary:
    """Write the demo municipality's files; with `erp_url`, its ledger also goes into an ERP
    database (tables verifikation and verifikationsrad) at that SQLAlchemy URL."""
    if size not in SIZES:
        raise ValueError(f"unknown size {size!r}; choose one of {', '.join(SIZES)}")
    tick = progress or (lambda _step: None)
    params = SIZES[size]
    rng = np.random.default_rng(seed)
    paths = layout(year)
    out.mkdir(parents=True, exist_ok=True)
    shutil.rmtree(out / CORRECTIONS, ignore_errors=True)  # of an earlier generation
    summary = GenerationSummary(out, size, seed, year)

    def target(key: str, month: int | None = None) -> tuple[Path, str]:
        period = f"{year}-{month:02d}" if month else ""
        rel = paths[key].format(year=year, period=period)
        summary.files.append(rel)
        return out / rel, rel

    org = build_organisation(rng, params.units, params.employees, year)
    write_org_register(org, target("org_register")[0])
    write_chart(target("chart")[0])
    people = staff.build_staff(rng, org)
    summary.units = len(org.units)
    summary.employees = len(people)
    model = LedgerModel(org, rng, params)
    if erp_url:
        model.erp = ErpDatabaseWriter(erp_url)
    plan = DefectPlan.draw(rng, params.defects_per_rule, clean)
    payroll = np.zeros((len(org.units), 12, len(staff.PAYROLL_ACCOUNTS)), dtype=np.int64)
    tick("organisation och personal")

    def corrected(rel: str) -> Path | None:
        """Where Ekonomi's corrected re-export of a delivered file goes (none when clean)."""
        return None if clean else out / CORRECTIONS / rel

    for month in range(1, 13):  # the HR system's year first: the payroll the ledger books
        hr_path, hr_rel = target("hr_month", month=month)
        summary.hr_rows += staff.write_hr_month(rng, org, people, month, hr_path, hr_rel,
                                                payroll, plan, corrected(hr_rel))
        if not clean and (out / CORRECTIONS / hr_rel).exists():
            summary.corrections.append(hr_rel)
    # the detaljbudget is planned before the year; KF's skatter och bidrag fit its net cost
    planned = budget.planned_lines(model, payroll, rng)
    model.finance(sum(planned.values()))
    planned.update(budget.financing_lines(model))
    tick("personalexport")
    for month in range(1, 13):
        led_path, led_rel = target("ledger_month", month=month)
        result = ledger.write_month(model, month, payroll, led_path, led_rel, plan,
                                    corrected(led_rel))
        if result.corrected:
            summary.corrections.append(led_rel)
        summary.vouchers += result.vouchers
        summary.ledger_rows += result.rows
        tick(f"huvudbok {year}-{month:02d}")

    adopted = budget.monthly_budget(model, planned)
    revised = budget.revise(model, adopted, rng)
    budget_day = dt.date(year - 1, 11, 28)
    summary.budget_lines += budget.write_pbudget(model, adopted, target("budget_adopted")[0],
                                                 budget_day)
    summary.budget_lines += budget.write_pbudget(model, revised, target("budget_revised")[0],
                                                 dt.date(year, 6, 19))
    summary.budget_lines += budget.write_investment_budget(
        model, target("investment_budget")[0], rng)
    tick("budget")
    _, summary.prior_year_rows = history.write_prior_year(
        model, payroll, target("ledger_prior_year")[0], rng)
    tick(f"utfall {year - 1}")
    _write_plans(model, lambda key, month=None: target(key, month)[0], rng)
    tick("mål och tidplan")
    if model.erp is not None:
        model.erp.close()
    plan.write(target("defects")[0])
    summary.defects = len(plan.found)
    tick("defects.csv")
    return summary


def _write_plans(model: LedgerModel, path_of: Callable[..., Path],
                 rng: np.random.Generator) -> None:
    """Goals, tidplan, the tertials' goal statuses, Kolada's outcomes and KF's decisions
    for the balanskravsutredning (on the year's booked result)."""
    year = model.org.year
    goals_data, tidplan_data = plans.goals(model.org), plans.tidplan(year)
    plans.write_yaml(goals_data, path_of("goals"))
    plans.write_yaml(tidplan_data, path_of("tidplan"))
    for month in (4, 8, 12):  # the tertials: what units and boards report on their goals
        plans.write_csv(["Id", "Period", "Status", "Kommentar", "Inlämnad", "Inlämnad av"],
                        plans.goal_statuses(goals_data, tidplan_data, f"{year}-{month:02d}",
                                            rng),
                        path_of("goal_statuses", month))
    plans.write_csv(["kpi", "municipality", "period", "gender", "value"],
                    plans.kolada_outcomes(goals_data, year, rng), path_of("kpi_outcomes"),
                    delimiter=",")
    plans.write_csv(["År", "Post", "Belopp", "Beslut"],
                    plans.balance_requirement_decisions(
                        model.taxes_and_grants,
                        (model.booked_result - model.booked_gains) / 100, tidplan_data, year),
                    path_of("balance_requirement_decisions"))


CHART_HEADER = ["konto", "benamning", "kontotyp", "summakonto", "sparrad", "kraver_projekt",
                "kraver_motpart"]


def write_chart(path: Path) -> None:
    """The chart of accounts with its booking rules, as the ERP exports it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    yes_no = {True: "J", False: "N"}
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, delimiter=";", lineterminator="\n")
        w.writerow(CHART_HEADER)
        for a in CHART:
            w.writerow([a.number, a.name, a.kind, yes_no[a.summary], yes_no[a.blocked],
                        yes_no[a.requires_project], yes_no[a.requires_counterpart]])
