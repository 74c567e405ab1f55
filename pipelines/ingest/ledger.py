"""The ledger's rows and the budget's lines, from SIE 4 files and from tabular exports.

Every data row a file holds is either loaded into its month or quarantined with its rule:

- a **monthly delivery** (a path with `{period}`) loads all its rows into that month, whatever
  dates they carry (a wrong date is a quality issue, not a lost row); it needs no date
  column at all;
- any **other file** is read whole: each row goes to its own month (the voucher date, or a
  period column), and a row whose month lies outside the configured years is quarantined
  with a rule that says so.

A row's account must be an account number (digits). Where an export writes code and name in
one cell (`46362 Köp medicinskt färdigbeh`), the source's `code_and_name` says how to take the
code (docs/configuration.md).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

from pipelines.errors import InputError
from pipelines.ingest.batch import Batch, Sink, outside_years, refusal_rule
from pipelines.ingest.periodisation import load_keys, periodise
from pipelines.ingest.sie import (
    BALANCE_LABELS,
    CHART_LABELS,
    ROW_LABELS,
    VOUCHER_LABELS,
    PeriodAmount,
    SieReader,
    Voucher,
)
from pipelines.ingest.tables import (
    code_of,
    parse_any_date,
    parse_decimal_amount,
    parse_month,
    table_rows,
)

DIM_ANSVAR, DIM_PROJECT, DIM_ACTIVITY, DIM_COUNTERPART = "1", "6", "20", "21"
CODE_COLUMNS = ("account", "ansvar", "project", "activity_code", "counterpart")


def _period_of(day: dt.date) -> str:
    return f"{day.year}-{day.month:02d}"


def account_number(text: str, rule: str | None = None) -> str:
    """The account of a cell (its code, by `rule`); ValueError unless it is digits."""
    account = code_of(text, rule)
    if not account:
        raise ValueError("kontot saknas")
    if not (account.isdigit() and account.isascii()):
        hint = " (cellen har kod och namn? ange code_and_name för account)" \
            if rule is None and account[:1].isdigit() else ""
        raise ValueError(f"'{account[:60]}' är inget kontonummer{hint}")
    return account


# --- SIE 4 ---------------------------------------------------------------------------------

# a SIE ledger row as read_sie_ledger builds it: a tuple in this order (no dict per row)
SIE_LEDGER_COLUMNS = [
    "period", "series", "voucher_number", "voucher_date", "voucher_text",
    "registration_date", "row_number", "account", "ansvar", "project", "activity_code",
    "counterpart", "objects", "amount_ore", "transaction_date", "transaction_text",
    "row_kind", "source_file", "source_line", "voucher_line"]


def read_sie_ledger(path: Path, delivered_period: str | None, months: set[str],
                    sink: Sink | None = None, name: str | None = None,
                    refused: str | None = None, chart_from_sie: bool = False) -> Batch:
    """Every #TRANS row of the file: loaded, or quarantined with its rule.

    `delivered_period`: the month the file was delivered for (all its rows belong to it).
    Without it the file is read whole and each voucher goes to the month of its date, when
    that month is one of `months` (the configured years). `name`: the file's name where
    `path` is a kept copy of it. `refused`: why the delivery is refused whole (it was cut
    off); every row is then quarantined with that reason.

    Each line that cannot be read is said once, by the load it belongs to: a voucher's rows
    are this delivery's rows (read and quarantined); its #VER line, braces, header lines and
    text before the first record are kept as notes (no rows); #PBUDGET lines are the
    budget's, #IB/#UB/#RES the balances', and #KONTO/#KTYP the chart's where the chart is
    read from the SIE files (`chart_from_sie`)."""
    batch = Batch(sink=sink, columns=SIE_LEDGER_COLUMNS)
    name = name or path.name
    reader = SieReader(path, display_name=name)
    add = batch.add
    for rec in reader:
        if not isinstance(rec, Voucher):
            continue
        period = delivered_period or _period_of(rec.date)
        batch.read += len(rec.rows)
        if period not in months or refused:
            rule = refusal_rule(refused) if period in months else \
                outside_years(f"verifikationens månad {period}", months)
            for row in rec.rows:
                batch.reject("ledger", name, row.line, row.raw.rstrip("\r\n"), rule, period)
            continue
        voucher = (period, rec.series, rec.number, rec.date, rec.text, rec.registration_date)
        for n, row in enumerate(rec.rows, start=1):
            objs = row.objects
            get = objs.get
            add((*voucher, n, row.account, get(DIM_ANSVAR), get(DIM_PROJECT),
                 get(DIM_ACTIVITY), get(DIM_COUNTERPART),
                 " ".join(f"{k}={v}" for k, v in sorted(objs.items())) or None,
                 row.amount_ore, row.date, row.text or None, row.kind, name, row.line,
                 rec.line))
    for q in reader.info.quarantine:
        if q.label == "#PBUDGET" or q.label in BALANCE_LABELS or (
                chart_from_sie and q.label in CHART_LABELS):
            continue  # another load's lines
        if q.label in ROW_LABELS:
            batch.read += 1
            batch.reject("ledger", q.file, q.line, q.raw, q.rule, delivered_period)
        else:
            batch.note("ledger", q.file, q.line, q.raw, q.rule, delivered_period)
    return batch


def read_sie_budget(path: Path, version: str, years: set[int] | None = None) -> Batch:
    """#PBUDGET lines (year index 0 = the file's current fiscal year); a line of a year
    outside `years` (the configured years) is quarantined."""
    batch = Batch()
    reader = SieReader(path)
    for rec in reader:
        if not isinstance(rec, PeriodAmount) or rec.label != "PBUDGET":
            continue
        batch.read += 1
        raw = f"#PBUDGET {rec.year_index} {rec.period} {rec.account}"
        fiscal = reader.info.fiscal_years.get(rec.year_index)
        month = f"{rec.period[:4]}-{rec.period[4:]}"
        if fiscal is None:
            batch.reject("budget", path.name, rec.line, raw,
                         f"räkenskapsår {rec.year_index} finns inte i filen (#RAR)")
            continue
        first = dt.date(int(rec.period[:4]), int(rec.period[4:]), 1)
        if not fiscal[0].replace(day=1) <= first <= fiscal[1]:
            batch.reject("budget", path.name, rec.line, raw,
                         f"perioden {rec.period} ligger inte i räkenskapsår {rec.year_index} "
                         f"({fiscal[0]:%Y%m%d}–{fiscal[1]:%Y%m%d})")
            continue
        if years and fiscal[0].year not in years:
            batch.reject("budget", path.name, rec.line, raw,
                         outside_years(f"budgetåret {fiscal[0].year}", years))
            continue
        batch.add({
            "version": version, "fiscal_year": fiscal[0].year, "period": month,
            "account": rec.account, "ansvar": rec.objects.get(DIM_ANSVAR),
            "project": rec.objects.get(DIM_PROJECT),
            "counterpart": rec.objects.get(DIM_COUNTERPART),
            "amount_ore": rec.amount_ore, "source_file": path.name, "source_line": rec.line,
        })
    for q in reader.info.quarantine:
        # a voucher's lines belong to the ledger's load, the balances' to theirs; only a
        # #PBUDGET line is a row of the budget, other lines of the file are notes
        if q.label in VOUCHER_LABELS or q.label in BALANCE_LABELS:
            continue
        if q.label == "#PBUDGET":
            batch.read += 1
            batch.reject("budget", q.file, q.line, q.raw, q.rule)
        else:
            batch.note("budget", q.file, q.line, q.raw, q.rule)
    return batch


# --- tabular exports (CSV, Excel) -----------------------------------------------------------

LEDGER_TABLE_COLUMNS = {
    "series": "Verifikationsserie", "voucher_number": "Verifikationsnummer",
    "voucher_date": "Bokföringsdatum", "period": "Period", "voucher_text": "Verifikationstext",
    "registration_date": "Registreringsdatum", "row_number": "Rad", "account": "Konto",
    "ansvar": "Ansvar", "project": "Projekt", "activity_code": "Verksamhet",
    "counterpart": "Motpart", "amount": "Belopp", "transaction_text": "Text",
}
LEDGER_REQUIRED = ("account", "amount")
ANNUAL_BUDGET_COLUMNS = {
    "project": "Projekt", "ansvar": "Ansvar", "account": "Konto",
    "amount": "Budget helår (kr)", "key": "Periodiseringsnyckel", "version": "Budgetversion",
    "year": "År",
}
ANNUAL_BUDGET_REQUIRED = ("account", "amount", "key")


def read_table_ledger(path: Path, kind: str, delivered_period: str | None, months: set[str],
                      delimiter: str = ";", encoding: str = "utf-8", decimal: str = ",",
                      sheet: str | int = 0, columns: dict[str, str] | None = None,
                      sink: Sink | None = None, code_and_name: dict[str, str] | None = None,
                      name: str | None = None, refused: str | None = None) -> Batch:
    """Ledger rows from a CSV or Excel export with Swedish headers (mapping configurable).

    The month of a row: the delivery's (`delivered_period`), else the period column, else the
    month of the voucher date; a file that is not monthly needs one of the two columns.
    `name`: the file's name where `path` is a kept copy of it; `refused`: why the delivery
    is refused whole (it was cut off), every row then quarantined with that reason."""
    name = name or path.name
    cols = {**LEDGER_TABLE_COLUMNS, **(columns or {})}
    codes = code_and_name or {}
    batch = Batch(sink=sink)
    first_line: dict[tuple[str, str], int] = {}  # a voucher's first row, as its line
    checked = delivered_period is not None
    for line, rec in table_rows(path, kind, delimiter, encoding, sheet,
                                required=[cols[k] for k in LEDGER_REQUIRED],
                                known=cols.values()):
        if not checked:
            if cols["voucher_date"] not in rec and cols["period"] not in rec:
                raise InputError(
                    f"{name}: rad 1: filen levereras inte per månad (sökvägen saknar "
                    f"{{period}}) och har varken kolumnen {cols['voucher_date']} eller "
                    f"{cols['period']}: radernas månad går inte att veta")
            checked = True
        batch.read += 1
        v = {k: (rec.get(h) or "").strip() for k, h in cols.items()}
        raw = rec.raw[:500]
        try:
            rec.check()
            day = parse_any_date(v["voucher_date"]) if v["voucher_date"] else None
            period = _row_month(v, day, delivered_period, cols)
        except ValueError as e:  # its month is unknown: it belongs to the load that read it
            batch.reject("ledger", name, line, raw, str(e), delivered_period)
            continue
        if period not in months:
            batch.reject("ledger", name, line, raw,
                         outside_years(f"radens månad {period}", months), period)
            continue
        try:
            row = _ledger_row(v, period, day, codes, decimal, name, line, first_line)
        except ValueError as e:
            batch.reject("ledger", name, line, raw, str(e), period)
            continue
        if refused:
            batch.reject("ledger", name, line, raw, refusal_rule(refused), period)
            continue
        batch.add(row)
    return batch


def _row_month(v: dict[str, str], day, delivered_period: str | None, cols: dict[str, str]
               ) -> str:
    """The month of a row: the delivery's, else its period column, else its voucher date's."""
    if delivered_period is not None:
        return delivered_period
    if v["period"]:
        return parse_month(v["period"])
    if day is not None:
        return _period_of(day)
    raise ValueError(f"raden har varken {cols['voucher_date']} eller {cols['period']}: dess "
                     "månad går inte att veta")


def _ledger_row(v: dict[str, str], period: str, day, codes: dict[str, str], decimal: str,
                name: str, line: int, first_line: dict[tuple[str, str], int]) -> dict:
    """A raw.ledger_transactions row of one export row; ValueError names what cannot be
    read. A voucher's line is its first row's (`first_line`, per month, series and number)."""
    code = {k: code_of(v[k], codes.get(k)) or None for k in CODE_COLUMNS[1:]}
    number = v["voucher_number"] or None
    return {
        "period": period, "series": v["series"] or None, "voucher_number": number,
        "voucher_date": day, "voucher_text": v["voucher_text"] or None,
        "registration_date": parse_any_date(v["registration_date"])
        if v["registration_date"] else None,
        "row_number": int(v["row_number"]) if v["row_number"].isdigit() else None,
        "account": account_number(v["account"], codes.get("account")), **code,
        "amount_ore": parse_decimal_amount(v["amount"], decimal),
        "transaction_text": v["transaction_text"] or None, "row_kind": "TRANS",
        "source_file": name, "source_line": line,
        "voucher_line": first_line.setdefault((period, v["series"], number), line)
        if number else line,
    }


def read_annual_budget(path: Path, kind: str, version: str, fiscal_year: int,
                       delimiter: str = ";", encoding: str = "utf-8", decimal: str = ",",
                       sheet: str | int = 0, columns: dict[str, str] | None = None,
                       keys: dict[str, list[Decimal]] | None = None,
                       years: set[int] | None = None,
                       code_and_name: dict[str, str] | None = None) -> Batch:
    """Annual budget lines spread over months by their periodisation key; a line of a year
    outside `years` (the configured years) is quarantined."""
    cols = {**ANNUAL_BUDGET_COLUMNS, **(columns or {})}
    codes = code_and_name or {}
    keys = keys if keys is not None else load_keys()
    batch = Batch(input_rows_loaded=0)
    for line, rec in table_rows(path, kind, delimiter, encoding, sheet,
                                required=[cols[k] for k in ANNUAL_BUDGET_REQUIRED],
                                known=cols.values()):
        batch.read += 1
        v = {k: (rec.get(h) or "").strip() for k, h in cols.items()}
        try:
            rec.check()
            key = v["key"].lower()
            if key not in keys:
                raise ValueError(f"periodiseringsnyckeln '{v['key']}' är inte en av "
                                 f"{', '.join(sorted(keys))}")
            if v["version"] and v["version"].lower() != version.lower():
                raise ValueError(f"budgetversionen '{v['version']}' i en fil som är "
                                 f"konfigurerad som '{version}'")
            if v["year"] and not (v["year"].isdigit() and len(v["year"]) == 4):
                raise ValueError(f"året '{v['year']}' är inte ÅÅÅÅ")
            year = int(v["year"]) if v["year"] else fiscal_year
            if years and year not in years:
                raise ValueError(outside_years(f"budgetåret {year}", years))
            months = periodise(parse_decimal_amount(v["amount"], decimal), keys[key])
            account = account_number(v["account"], codes.get("account"))
            ansvar = code_of(v["ansvar"], codes.get("ansvar")) or None
            project = code_of(v["project"], codes.get("project")) or None
        except ValueError as e:
            batch.reject("budget", path.name, line, rec.raw[:500], str(e))
            continue
        batch.input_rows_loaded += 1
        for month, ore in enumerate(months, start=1):
            batch.add({
                "version": version, "fiscal_year": year, "period": f"{year}-{month:02d}",
                "account": account, "ansvar": ansvar, "project": project, "amount_ore": ore,
                "source_file": path.name, "source_line": line,
            })
    return batch
