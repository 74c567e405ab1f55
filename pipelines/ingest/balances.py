"""The accounts' year balances a SIE 4 file states: #IB (opening balance), #UB (closing
balance) of the balance accounts and #RES (a result account's balance), per fiscal year.

The balance sheet needs the opening balances of each year (`#IB 0`, or a later year's
`#UB -1`); the ledger's movements come from the vouchers. Every monthly export repeats the
year's balances, and an early export may hold preliminary ones (last year not yet closed),
so every line is kept with the file's place in the delivery order (`file_order`) and the
marts take the latest file's (stg_ledger__account_balances).

A line whose year index has no #RAR in the file, or whose year lies outside the years asked
for (the configured years and the year before them, whose closing balances open the first),
is quarantined with its rule; so is a line that cannot be read (the reader's rule).
"""

from __future__ import annotations

from pathlib import Path

from pipelines.ingest.batch import Batch, outside_years, refusal_rule
from pipelines.ingest.sie import BALANCE_LABELS, SieReader, YearBalance


def read_sie_balances(path: Path, years: set[int], file_order: int, name: str | None = None,
                      refused: str | None = None) -> Batch:
    """Every #IB, #UB and #RES line of the file: loaded with its fiscal year, or quarantined.

    The year before the first configured year is read too: its closing balances (the first
    year's `#UB -1`) open the first year and are the balansräkning's comparison. `name`: the
    file's name where `path` is a kept copy of it; `refused`: why the file is refused whole
    (it was cut off), and every line is quarantined with that reason."""
    batch = Batch()
    wanted = years | {min(years) - 1} if years else years
    name = name or path.name
    # the ledger's load reads the vouchers
    reader = SieReader(path, display_name=name, vouchers=False)
    for rec in reader:
        if not isinstance(rec, YearBalance):
            continue
        batch.read += 1
        raw = f"#{rec.label} {rec.year_index} {rec.account}"
        fiscal = reader.info.fiscal_years.get(rec.year_index)
        if fiscal is None:
            batch.reject("account_balances", name, rec.line, raw,
                         f"räkenskapsår {rec.year_index} finns inte i filen (#RAR)")
            continue
        year = fiscal[1].year  # a broken fiscal year belongs to the year it ends in
        if wanted and year not in wanted:
            batch.reject("account_balances", name, rec.line, raw,
                         outside_years(f"räkenskapsåret {year}", years)
                         + " eller året före dem")
            continue
        if refused:
            batch.reject("account_balances", name, rec.line, raw, refusal_rule(refused))
            continue
        batch.add({
            "fiscal_year": year, "balance_kind": rec.label, "account": rec.account,
            "amount_ore": rec.amount_ore, "file_order": file_order,
            # the months the year spans (#RAR): a broken year opens a calendar year only
            # with the vouchers of its months before it (int_account_balances_opened)
            "first_period": f"{fiscal[0]:%Y-%m}", "last_period": f"{fiscal[1]:%Y-%m}",
            "source_file": name, "source_line": rec.line,
        })
    for q in reader.info.quarantine:
        if q.label in BALANCE_LABELS:
            batch.read += 1
            batch.reject("account_balances", q.file, q.line, q.raw, q.rule)
    return batch
