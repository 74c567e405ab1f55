"""The demo kommun's balance sheet: the opening balances its SIE files state (#IB, #UB, #RES)
and the monthly settlement of what it owes and is owed.

The year opens with a balance sheet of a kommun of its size (buildings and equipment net of
depreciation, receivables, bank, equity, pension provisions, loans, short-term debts), which
sums to zero. Last December's accrued costs are among the short-term debts, so their
reversal on 1 January leaves nothing behind. Last year's file opens with what that balance
sheet was before last year's movements and result (closed into eget kapital), so last
year's #UB is this year's #IB, as in a kommun's books after the year-end closing.

Each month opens with a payment voucher settling last month's kundfordringar,
leverantörsskulder, källskatt and arbetsgivaravgifter against the bank.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from pipelines.demo.calendar import next_workday

# accounts settled each month against the bank (receivables in, debts out)
SETTLED = ("1510", "2440", "2710", "2730")
BANK = "1930"
EQUITY = "2010"
PAYMENT_SERIES = "BET"

# the opening balance sheet as shares of the year's taxes and grants (ledger sign); 2010
# takes what makes it sum to zero, 2990 last December's accruals
SHARES = {
    "1111": 1.60, "1119": -0.52, "1181": 0.05, "1221": 0.16, "1229": -0.09,
    "1510": 0.012, "1641": 0.008, "1790": 0.015, "1930": 0.07,
    "2240": -0.045, "2350": -0.30, "2440": -0.028, "2710": -0.011, "2730": -0.009,
    "2745": -0.03, "2990": -0.004,
}


def is_result_account(account: str) -> bool:
    return account[:1] in "345678"


def opening_balances(taxes_and_grants_sek: float, december_accruals_ore: int
                     ) -> dict[str, int]:
    """This year's opening balances in öre, ledger sign, summing to zero."""
    ore = {acc: int(round(share * taxes_and_grants_sek)) * 100 for acc, share in SHARES.items()}
    ore["2990"] += -december_accruals_ore
    ore[EQUITY] = -sum(ore.values())
    return dict(sorted(ore.items()))


def prior_year_balances(closing: dict[str, int], rows: list[tuple[str, str, int]]
                        ) -> tuple[dict[str, int], dict[str, int]]:
    """(last year's opening balances, last year's result per result account) such that its
    opening plus the movements of `rows` (its vouchers' rows) with the result closed into eget
    kapital is `closing`, this year's opening."""
    moves: dict[str, int] = defaultdict(int)
    for account, _objects, amount in rows:
        moves[account] += amount
    result = {a: v for a, v in sorted(moves.items()) if is_result_account(a)}
    opening = dict(closing)
    for account, amount in moves.items():
        if not is_result_account(account):
            opening[account] = opening.get(account, 0) - amount
    opening[EQUITY] = opening.get(EQUITY, 0) - sum(result.values())
    return dict(sorted(opening.items())), result


def balance_lines(label: str, year_index: int, balances: dict[str, int]) -> list[str]:
    """`#IB 0 1930 1234.50` lines (or #UB, #RES) of `balances` (öre)."""
    lines = []
    for account, ore in balances.items():
        kronor, rest = divmod(abs(ore), 100)
        lines.append(f"#{label} {year_index} {account} {'-' if ore < 0 else ''}{kronor}.{rest:02d}")
    return lines


class Settlement:
    """What is open on the settled accounts, paid or received at the next month's start."""

    def __init__(self, opening: dict[str, int]):
        self.open = {acc: opening.get(acc, 0) for acc in SETTLED}

    def book(self, rows: list[tuple[str, str, int]]) -> None:
        for account, _objects, amount in rows:
            if account in self.open:
                self.open[account] += amount

    def voucher_rows(self) -> list[tuple[str, str, int]]:
        """Rows clearing every open amount against the bank (none when nothing is open)."""
        rows = [(acc, "{}", -amount) for acc, amount in self.open.items() if amount]
        if not rows:
            return []
        rows.append((BANK, "{}", -sum(r[2] for r in rows)))
        return rows

    @staticmethod
    def day(year: int, month: int) -> dt.date:
        return next_workday(dt.date(year, month, 1))
