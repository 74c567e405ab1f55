"""Last year's outcome, delivered as a migrated history usually is: one summary voucher (SAM)
per board and month, with a row per unit, account and counterpart, balanced against the bank.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from pathlib import Path

import numpy as np

from pipelines.demo.balances import balance_lines, prior_year_balances
from pipelines.demo.calendar import month_end
from pipelines.demo.ledger import MONTH_NAMES
from pipelines.demo.model import (
    DEFAULT_PAYMENT,
    INTEREST_COST,
    INTERNAL,
    PAYMENT,
    LedgerModel,
    internal_counterpart,
    revenue_counterpart,
    season,
)
from pipelines.demo.sie import SieWriter, objects, write_header
from pipelines.demo.staff import PAYROLL_ACCOUNTS

LEVEL = 0.965  # last year cost a little less


def write_prior_year(model: LedgerModel, payroll: np.ndarray, path: Path,
                     rng: np.random.Generator) -> tuple[int, int]:
    org = model.org
    year = org.year - 1
    # last year every unit but the new one was open all year, the closed school included
    existed = np.array([0.0 if u is org.opened else 1.0 for u in org.units])
    # the closed school's staff were its own last year
    personnel = payroll.astype(float)
    c, s = org.closed.index, org.closed_successor.index
    moved = personnel[c, :3].mean(axis=0)
    for m in range(3, 12):
        personnel[s, m] = np.maximum(personnel[s, m] - moved, 0)
        personnel[c, m] = moved
    vouchers: list[tuple[dt.date, str, list[tuple[str, str, int]]]] = []
    revenue_accounts = sorted({acc for _, acc in model.revenue})
    for m in range(12):
        by_board: dict[str, dict[tuple[str, str], float]] = defaultdict(lambda: defaultdict(float))
        for u in org.units:
            if not existed[u.index]:
                continue
            b = by_board[u.board_code]
            noise = rng.normal(LEVEL, 0.04)
            for k, acc in enumerate(PAYROLL_ACCOUNTS):
                b[(acc, objects(u))] += personnel[u.index, m, k] / 100 * noise
            for j, acc in enumerate(model.invoice_accounts):
                annual = model.invoice_annual[u.index, j]
                if annual:
                    counterpart = PAYMENT.get(acc, DEFAULT_PAYMENT)[2]
                    b[(acc, objects(u, counterpart))] += (
                        annual / 12 * season(u, acc)[m] * model.outcome_bias[u.index] * noise)
            for acc in revenue_accounts:
                annual = model.revenue.get((u.index, acc))
                if annual:
                    b[(acc, objects(u, revenue_counterpart(acc)))] += annual / 12 * noise
            for acc, sek in model.depreciation_month(u):
                b[(acc, objects(u))] += sek * LEVEL
        for kind, (buyer_acc, seller_acc, _) in INTERNAL.items():
            for buyer in model.internal_buyers(kind):
                if not existed[buyer.index]:
                    continue
                seller = model.seller_for(kind, buyer)
                sek = model.internal_month(kind, buyer, m + 1) * LEVEL
                if buyer is org.closed and m >= 3:  # open all of last year
                    sek = model.internal_month(kind, buyer, (m % 3) + 1) * LEVEL
                cp = internal_counterpart(kind, buyer, seller)
                sek = round(sek, 2)  # one invoice amount for both sides, in whole öre
                by_board[buyer.board_code][(buyer_acc, objects(buyer, cp))] += sek
                by_board[seller.board_code][(seller_acc, objects(seller, cp))] -= sek
        fin = org.finance_unit()
        ks = by_board[fin.board_code]
        ks[("8011", objects(fin))] -= model.tax_annual / 12 * 0.96
        ks[("8211", objects(fin))] -= model.equalisation_annual / 12 * 0.96
        ks[("8411", objects(fin))] += model.taxes_and_grants * INTEREST_COST / 12

        for board in sorted(by_board):
            rows = [(acc, objs, int(round(sek * 100)))
                    for (acc, objs), sek in sorted(by_board[board].items()) if round(sek * 100)]
            rows.append(("1930", "{}", -sum(r[2] for r in rows)))
            vouchers.append((month_end(year, m + 1),
                             f"Sammandrag {MONTH_NAMES[m]} {year} nämnd {board}", rows))
    # last year opened with what, moved by these vouchers and its result closed into eget
    # kapital, is this year's opening balance sheet
    opening, result = prior_year_balances(model.opening, [r for *_, rows in vouchers
                                                          for r in rows])
    w = SieWriter(path)
    write_header(w, org, year, dt.date(year + 1, 2, 15), 4, [], with_unknown_ansvar=False,
                 balances=balance_lines("IB", 0, opening) + balance_lines("UB", 0, model.opening)
                 + balance_lines("RES", 0, result))
    for number, (day, text, rows) in enumerate(vouchers, start=1):
        w.voucher("SAM", number, day, text, rows)
    w.close()
    return len(vouchers), sum(len(rows) for *_, rows in vouchers)
