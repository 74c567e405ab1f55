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

from pipelines.demo.model import (
    INTEREST_COST,
    INTEREST_INCOME,
    INTERNAL,
    LedgerModel,
    internal_counterpart,
)
from pipelines.demo.sie import SieWriter, objects, write_header


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
    """Whole kronor per month that add up exactly to the annual amount; a purchase and the
    matching sale (+x and -x) get mirrored months."""
    sign, size = (-1 if annual_sek < 0 else 1), abs(annual_sek)
    raw = size * key
    months = np.floor(raw).astype(np.int64)
    remainder = size - int(months.sum())
    months[np.argsort(-(raw - months), kind="stable")[:remainder]] += 1
    return sign * months


Line = tuple[int, str, str | None]  # unit index, account, counterpart (internal lines)


def planned_lines(model: LedgerModel, payroll: np.ndarray, rng: np.random.Generator
                  ) -> dict[Line, int]:
    """(unit, account, counterpart) -> annual budget in SEK of the operations, as planned
    before the year (the financing: `financing_lines`).

    Internal purchases and sales are budgeted with their motpart, as in the ledger."""
    org = model.org
    lines: dict[Line, float] = {}
    for u in org.units:
        i = u.index
        per_month = payroll[i] / 100.0
        if u is org.closed or u is org.closed_successor:
            annual = per_month[:3].mean(axis=0) * 12  # as planned before the closure
        else:
            annual = per_month.sum(axis=0)
        factor = rng.normal(1.0, 0.02)
        lines[(i, "5011", None)] = annual[:4].sum() * factor
        lines[(i, "5611", None)] = annual[4] * factor
        lines[(i, "5711", None)] = annual[5] * factor
        fee = u.operation.costs_per_fte.get("5511")
        if fee:
            lines[(i, "5511", None)] = fee * model.fte[i]
        planned_share = model.active[i].mean() if u is org.opened else 1.0
        for j, acc in enumerate(model.invoice_accounts):
            if model.invoice_annual[i, j]:
                lines[(i, acc, None)] = (model.invoice_annual[i, j] * planned_share
                                         * rng.normal(1, 0.02))
        for acc, sek in model.depreciation_month(u):
            lines[(i, acc, None)] = sek * 12 * planned_share
    for (i, acc), sek in model.revenue.items():
        lines[(i, acc, None)] = sek * (model.active[i].mean() if i == org.opened.index else 1)
    for kind, (buyer_acc, seller_acc, per_fte) in INTERNAL.items():
        for buyer in model.internal_buyers(kind):
            planned_share = model.active[buyer.index].mean() if buyer is org.opened else 1.0
            sek = per_fte * model.fte[buyer.index] * planned_share
            seller = model.seller_for(kind, buyer)
            cp = internal_counterpart(kind, buyer, seller)
            buy, sell = (buyer.index, buyer_acc, cp), (seller.index, seller_acc, cp)
            lines[buy] = lines.get(buy, 0) + sek
            lines[sell] = lines.get(sell, 0) - sek
    return {k: int(round(v)) for k, v in lines.items() if round(v)}


def financing_lines(model: LedgerModel) -> dict[Line, int]:
    """Skatteintäkter, generella statsbidrag and the finance net, on the finance unit."""
    fin = model.org.finance_unit().index
    lines = {(fin, "8011", None): -model.tax_annual,
             (fin, "8211", None): -model.equalisation_annual,
             (fin, "8311", None): -model.taxes_and_grants * INTEREST_INCOME,
             (fin, "8411", None): model.taxes_and_grants * INTEREST_COST}
    return {k: int(round(v)) for k, v in lines.items()}


def monthly_budget(model: LedgerModel, lines: dict[Line, int]) -> dict[Line, np.ndarray]:
    """Each line spread by its key; a unit planned to open during the year (known when the
    budget is adopted, unlike a later closure) gets months only from its opening."""
    year = model.org.year
    opened = model.org.opened.index
    sales = internal_sales(model)
    out = {}
    for line, annual in lines.items():
        if line in sales:
            continue
        key = _key(key_for(line[1]), year)
        if line[0] == opened:
            key = key * (model.active[opened] > 0)
        out[line] = periodise(annual, key / key.sum())
    # an internal sale mirrors the purchases of its buyers, month by month
    for line, buyers in sales.items():
        out[line] = -sum(out[b] for b in buyers)
    return out


def internal_sales(model: LedgerModel) -> dict[Line, list[Line]]:
    """Each seller's internal sales line and the buyers' purchase lines it mirrors."""
    sales: dict[Line, list[Line]] = {}
    for kind, (buyer_acc, seller_acc, _) in INTERNAL.items():
        for buyer in model.internal_buyers(kind):
            seller = model.seller_for(kind, buyer)
            cp = internal_counterpart(kind, buyer, seller)
            sales.setdefault((seller.index, seller_acc, cp), []).append(
                (buyer.index, buyer_acc, cp))
    return sales


def revise(model: LedgerModel, adopted: dict[Line, np.ndarray],
           rng: np.random.Generator) -> dict[Line, np.ndarray]:
    org = model.org
    revised = {k: v.copy() for k, v in adopted.items()}
    closed, successor = org.closed.index, org.closed_successor.index
    for (i, acc, cp), months in adopted.items():
        if i == closed:
            moved = months.copy()
            moved[:3] = 0
            revised[(i, acc, cp)] = months - moved
            revised[(successor, acc, cp)] = revised.get(
                (successor, acc, cp), np.zeros(12, np.int64)) + moved
    supplementary = rng.choice(len(org.units), size=max(1, len(org.units) // 25), replace=False)
    for i in supplementary:
        for acc in ("5011", "5611", "5711"):
            line: Line = (int(i), acc, None)
            if line in revised:
                extra = revised[line] * 0.04
                extra[:6] = 0  # decided in June, from July on
                revised[line] = revised[line] + np.round(extra).astype(np.int64)
    return revised


def write_pbudget(model: LedgerModel, budget: dict[Line, np.ndarray], path: Path,
                  generated: dt.date) -> int:
    org, year = model.org, model.org.year
    w = SieWriter(path)
    write_header(w, org, year, generated, 3, model.projects, with_unknown_ansvar=False)
    n = 0
    for (i, acc, cp), months in sorted(budget.items(), key=lambda kv: (
            org.units[kv[0][0]].code, kv[0][1], kv[0][2] or "")):
        objs = objects(org.units[i], cp, activity=False)
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
