"""The budget of Exempelkommun as the budget system delivers it.

- the adopted detaljbudget per ansvar x account as SIE `#PBUDGET`, periodised to months by
  keys (even, salary profile, calendar days);
- the revised budget (after KF's decisions in June) as a second `#PBUDGET` file: the closed
  school's remaining months go to the school that took over its pupils, and a few units get a
  supplementary appropriation (tilläggsanslag);
- the investment budget as a CSV of annual amounts per project with the key to periodise by.
"""

from __future__ import annotations

import calendar
import csv
import datetime as dt
from pathlib import Path

import numpy as np

from pipelines.demo.ledger import (
    GRANT_ACCOUNT,
    INTERNAL,
    REVENUE_BY_FEES,
    LedgerModel,
    SieWriter,
    objects,
    write_header,
)


def _key(name: str, year: int) -> np.ndarray:
    if name == "lön":  # semestertillägg with the July salary
        w = np.array([1.0] * 6 + [1.2] + [1.0] * 5)
    elif name == "kalenderdagar":
        w = np.array([calendar.monthrange(year, m)[1] for m in range(1, 13)], dtype=float)
    else:  # jämn
        w = np.ones(12)
    return w / w.sum()


def key_for(account: str) -> str:
    if account.startswith("5"):
        return "lön"
    if account in ("6111", "3211"):
        return "kalenderdagar"
    return "jämn"


def periodise(annual_sek: int, key: np.ndarray) -> np.ndarray:
    """Whole kronor per month that add up exactly to the annual amount."""
    raw = annual_sek * key
    months = np.floor(raw).astype(np.int64)
    remainder = annual_sek - int(months.sum())
    months[np.argsort(-(raw - months), kind="stable")[:remainder]] += 1
    return months


def planned_lines(model: LedgerModel, payroll: np.ndarray, rng: np.random.Generator
                  ) -> dict[tuple[int, str], int]:
    """(unit, account) -> annual budget in SEK, as planned before the year started."""
    org = model.org
    lines: dict[tuple[int, str], float] = {}
    for u in org.units:
        i = u.index
        per_month = payroll[i] / 100.0
        if u is org.closed or u is org.closed_successor:
            annual = per_month[:3].mean(axis=0) * 12  # as planned before the closure
        else:
            annual = per_month.sum(axis=0)
        factor = rng.normal(1.0, 0.03)
        lines[(i, "5011")] = annual[:4].sum() * factor
        lines[(i, "5611")] = annual[4] * factor
        lines[(i, "5711")] = annual[5] * factor
        fee = u.operation.costs_per_fte.get("5511")
        if fee:
            lines[(i, "5511")] = fee * model.fte[i]
        planned_share = model.active[i].mean() if u is org.opened else 1.0
        for j, acc in enumerate(model.invoice_accounts):
            if model.invoice_annual[i, j]:
                lines[(i, acc)] = model.invoice_annual[i, j] * planned_share * rng.normal(1, 0.02)
        for acc in (*sorted(REVENUE_BY_FEES), GRANT_ACCOUNT):
            if (i, acc) in model.revenue:
                lines[(i, acc)] = model.revenue[(i, acc)] * planned_share
        for acc, sek in model.depreciation_month(u):
            lines[(i, acc)] = sek * 12 * planned_share
    for kind, (buyer_acc, seller_acc, per_fte) in INTERNAL.items():
        for buyer in model.internal_buyers(kind):
            planned_share = model.active[buyer.index].mean() if buyer is org.opened else 1.0
            sek = per_fte * model.fte[buyer.index] * planned_share
            seller = model.seller_for(kind, buyer)
            lines[(buyer.index, buyer_acc)] = lines.get((buyer.index, buyer_acc), 0) + sek
            lines[(seller.index, seller_acc)] = lines.get((seller.index, seller_acc), 0) - sek
    fin = org.finance_unit().index
    lines[(fin, "8011")] = -model.tax_annual
    lines[(fin, "8211")] = -model.equalisation_annual
    lines[(fin, "8311")] = -model.tax_annual * 0.0004
    lines[(fin, "8411")] = model.tax_annual * 0.006
    return {k: int(round(v)) for k, v in lines.items() if round(v)}


def monthly_budget(lines: dict[tuple[int, str], int], year: int
                   ) -> dict[tuple[int, str], np.ndarray]:
    return {k: periodise(v, _key(key_for(k[1]), year)) for k, v in lines.items()}


def revise(model: LedgerModel, adopted: dict[tuple[int, str], np.ndarray],
           rng: np.random.Generator) -> dict[tuple[int, str], np.ndarray]:
    org = model.org
    revised = {k: v.copy() for k, v in adopted.items()}
    closed, successor = org.closed.index, org.closed_successor.index
    for (i, acc), months in adopted.items():
        if i == closed:
            moved = months.copy()
            moved[:3] = 0
            revised[(i, acc)] = months - moved
            revised[(successor, acc)] = revised.get((successor, acc), np.zeros(12, np.int64)) + (
                moved)
    supplementary = rng.choice(len(org.units), size=max(1, len(org.units) // 25), replace=False)
    for i in supplementary:
        for acc in ("5011", "5611", "5711"):
            if (int(i), acc) in revised:
                extra = revised[(int(i), acc)] * 0.04
                extra[:6] = 0  # decided in June, from July on
                revised[(int(i), acc)] = revised[(int(i), acc)] + np.round(extra).astype(np.int64)
    return revised


def write_pbudget(model: LedgerModel, budget: dict[tuple[int, str], np.ndarray], path: Path,
                  generated: dt.date) -> int:
    org, year = model.org, model.org.year
    w = SieWriter(path)
    write_header(w, org, year, generated, 3, model.projects, with_unknown_ansvar=False)
    n = 0
    for (i, acc), months in sorted(budget.items(), key=lambda kv: (org.units[kv[0][0]].code,
                                                                    kv[0][1])):
        objs = objects(org.units[i], activity=False)
        for m, sek in enumerate(months, start=1):
            if sek:
                w.write(f"#PBUDGET 0 {year}{m:02d} {acc} {objs} {sek}.00")
                n += 1
    w.close()
    return n


INVESTMENT_HEADER = ["Projekt", "Projektnamn", "Ansvar", "Konto", "Budget helår (kr)",
                     "Periodiseringsnyckel", "Budgetversion"]


def write_investment_budget(model: LedgerModel, path: Path, rng: np.random.Generator) -> int:
    """Annual investment budget per project: ISO-8859-1, `;`, decimal comma."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="iso-8859-1", newline="") as f:
        w = csv.writer(f, delimiter=";", lineterminator="\r\n")
        w.writerow(INVESTMENT_HEADER)
        for p in model.projects:
            sek = round(p.annual_sek * rng.normal(1.0, 0.12), -3)
            key = "jämn" if p.account == "1221" else "kalenderdagar"
            w.writerow([p.code, p.name, p.owner.code, p.account, f"{sek:.2f}".replace(".", ","),
                        key, "antagen"])
    return len(model.projects)
