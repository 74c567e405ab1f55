"""The ledger of Exempelkommun, exported as SIE 4 (`#FORMAT PC8`, CP437-encoded).

`write_month` turns one month of the `LedgerModel` (pipelines/demo/model.py: what each unit
is expected to book) into vouchers: supplier invoices (LF), customer invoices (KF), internal
invoices (IF), payroll (LÖN), depreciation (AVS), journals (MB) and accruals with their
reversals (PER). The prior year is delivered as monthly summary vouchers (SAM) per board, as
a migrated history usually is (pipelines/demo/history.py).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from pipelines.demo.balances import PAYMENT_SERIES, Settlement, balance_lines
from pipelines.demo.calendar import month_end, next_workday
from pipelines.demo.catalogue import ACCOUNTS, SUPPLIERS
from pipelines.demo.defects import Defect, DefectPlan
from pipelines.demo.model import (
    DEFAULT_PAYMENT,
    GRANT_ACCOUNT,
    INTEREST_COST,
    INTEREST_INCOME,
    INTERNAL,
    PAYMENT,
    REALISATION_GAIN,
    LedgerModel,
    PendingReversal,
    internal_counterpart,
    revenue_counterpart,
    season,
)
from pipelines.demo.sie import (
    CORRECTION_SERIES,
    OMIT,
    SAME,
    UNKNOWN_ANSVAR,
    Fixed,
    SieWriter,
    TwinWriter,
    amount,
    objects,
    write_header,
)
from pipelines.demo.staff import PAYROLL_ACCOUNTS

MONTH_NAMES = ("januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti",
               "september", "oktober", "november", "december")
# defects injected on a supplier invoice (the others are voucher duplicates and accruals)
INVOICE_DEFECTS = (
    "kontering.account_exists", "kontering.no_summary_or_blocked_account",
    "kontering.ansvar_valid", "kontering.required_dimensions", "kontering.voucher_balances",
    "periodisering.booking_date_in_fiscal_year",
)


# --- one month ------------------------------------------------------------------------------


@dataclass
class MonthResult:
    vouchers: int = 0
    rows: int = 0
    corrected: bool = False  # a corrected re-export of the month was written


def write_month(model: LedgerModel, month: int, payroll: np.ndarray, path: Path,
                rel_path: str, plan: DefectPlan, corrected_path: Path | None = None
                ) -> MonthResult:
    """Write the month's export; with `corrected_path`, also the corrected re-export Ekonomi
    delivers once the quality rules have found the month's defects (kept only where it
    differs: `MonthResult.corrected`)."""
    org, year = model.org, model.org.year
    first = dt.date(year, month, 1)
    last = month_end(year, month)
    generated = next_workday(last + dt.timedelta(days=5))
    rules = plan.rules_for(month, "kontering periodisering")
    w = TwinWriter(SieWriter(path, model.erp, f"{year}{month:02d}"), corrected_path,
                   f"{year}{month:02d}")
    # every export states the year's opening balances, and last year's closing ones (the same)
    opening = balance_lines("IB", 0, model.opening) + balance_lines("UB", -1, model.opening)
    write_header(w, org, year, generated, 4, model.projects,
                 with_unknown_ansvar="kontering.ansvar_valid" in rules, balances=opening)
    result = MonthResult()

    def emit(series: str, date: dt.date, text: str, rows: list[tuple[str, str, int]],
             regdate: dt.date | None = None, fixed: Fixed = SAME
             ) -> tuple[int, int, list[int]]:
        number = model.next_number(series)
        model.settlement.book(rows)
        model.book_result(rows)
        ver, lines = w.voucher(series, number, date, text, rows, regdate, fixed)
        result.vouchers += 1
        result.rows += len(rows)
        return number, ver, lines

    # reversals of last period's accruals, on the first day of the month
    for p in model.pending:
        rows = [(acc, objs, -ore) for acc, objs, ore in p.rows]
        emit("PER", first, f"Återföring: {p.text}", rows)
    model.pending = []
    # the reversals that were forgotten: booked in a series of corrections of their own, in
    # the corrected re-export only (the delivered export's numbering stays as it was)
    for k, p in enumerate(model.pending_corrected, start=1):
        w.corrected_only(CORRECTION_SERIES, month * 100 + k, first, f"Återföring: {p.text}",
                         [(acc, objs, -ore) for acc, objs, ore in p.rows])
    model.pending_corrected = []
    # last month's receivables received and debts paid
    payments = model.settlement.voucher_rows()
    if payments:
        emit(PAYMENT_SERIES, Settlement.day(year, month), "Betalningar och inbetalningar",
             payments)

    _supplier_invoices(model, month, emit, rules, plan, rel_path, w, result)
    _customer_invoices(model, month, emit)
    _internal_invoices(model, month, emit)
    _payroll(model, month, payroll, emit)
    _depreciation(model, month, emit)
    _journals(model, month, emit)
    if month % 2 == 0:
        _accruals(model, month, emit, rules.count("periodisering.accrual_reversed"), plan,
                  rel_path)
    result.corrected = w.close()
    if model.erp is not None:
        model.erp.flush()
    return result


def _supplier_invoices(model, month, emit, rules, plan, rel_path, w, result) -> None:
    org, rng, year = model.org, model.rng, model.org.year
    m = month - 1
    n_days = month_end(year, month).day
    # expected spend per unit and account this month
    seasonal = np.array([[season(u, a)[m] for a in model.invoice_accounts] for u in org.units])
    expected = (model.invoice_annual / 12 * seasonal * model.active[:, [m]]
                * model.outcome_bias[:, None] * rng.normal(1.0, 0.06, (len(org.units), 1)))
    size = np.sqrt(np.maximum(model.fte, 1) / 9.3)
    share = model.invoice_annual / np.maximum(model.invoice_annual.sum(axis=1, keepdims=True), 1)
    lam = model.params.invoices_per_unit_month * size[:, None] * share * model.active[:, [m]]
    counts = np.where(expected > 0, np.maximum(rng.poisson(lam), 1), 0)
    unit_idx, acc_idx = np.nonzero(counts)
    reps = counts[unit_idx, acc_idx]
    inv_unit = np.repeat(unit_idx, reps)
    inv_acc = np.repeat(acc_idx, reps)
    group = np.repeat(np.arange(len(unit_idx)), reps)
    weights = rng.lognormal(0, 0.9, len(inv_unit))
    totals = np.bincount(group, weights)
    inv_amount = np.round(weights / totals[group] * expected[unit_idx, acc_idx][group] * 100)
    inv_amount = np.maximum(inv_amount, 100).astype(np.int64)
    # investment invoices
    proj_idx, proj_amount = [], []
    for j, p in enumerate(model.projects):
        k = int(rng.poisson(2)) + 1
        w_ = rng.lognormal(0, 0.5, k)
        for x in w_ / w_.sum() * p.annual_sek * p.months[m] * rng.normal(1.0, 0.1):
            proj_idx.append(j)
            proj_amount.append(int(round(x * 100)))
    n_ops = len(inv_unit)
    n_all = n_ops + len(proj_idx)
    days = rng.integers(1, n_days + 1, n_all)
    order = np.argsort(days, kind="stable")
    has_vat = rng.random(n_all) < 0.45
    suppliers = rng.integers(0, len(SUPPLIERS), n_all)
    invoice_no = rng.integers(10000, 999999, n_all)
    reg_lag = rng.integers(0, 6, n_all)

    # each injected defect gets an invoice of its own; every second missing dimension is a
    # project missing on an investment invoice
    defect_at: dict[int, str] = {}
    invoice_rules = [r for r in rules if r in (*INVOICE_DEFECTS,)]
    for k, rule in enumerate(invoice_rules):
        pool = np.arange(n_ops)
        if rule == "kontering.required_dimensions" and k % 2 and proj_idx:
            pool = np.arange(n_ops, n_all)
        defect_at[int(rng.choice(np.setdiff1d(pool, list(defect_at))))] = rule
    n_duplicates = rules.count("kontering.no_duplicate_voucher")
    duplicates: list[tuple[int, str, str, list[tuple[str, str, int]], dt.date]] = []

    for i in order:
        i = int(i)
        date = dt.date(year, month, int(days[i]))
        supplier = SUPPLIERS[suppliers[i]]
        if i < n_ops:
            u = org.units[int(inv_unit[i])]
            acc = model.invoice_accounts[int(inv_acc[i])]
            series, credit, counterpart = PAYMENT.get(acc, DEFAULT_PAYMENT)
            net = int(inv_amount[i])
            cost_row = (acc, objects(u, counterpart), net)
        else:
            p = model.projects[proj_idx[i - n_ops]]
            u, acc, series, credit = p.owner, p.account, "LF", "2440"
            net = proj_amount[i - n_ops]
            cost_row = (acc, objects(u, project=p.code), net)
        rows = [cost_row]
        vat = int(round(net * 0.25)) if has_vat[i] and series == "LF" else 0
        if vat:
            rows.append(("1641", "{}", vat))
        text = f"{supplier} faktura {invoice_no[i]}"
        rule = defect_at.get(i)
        what = ""
        right_rows, right_date = list(rows), date  # as it should be, for the correction
        if rule == "kontering.account_exists":
            rows[0] = ("4999", rows[0][1], net)
            what = f"konto 4999 finns inte (var {acc})"
        elif rule == "kontering.no_summary_or_blocked_account":
            bad = "6999" if i % 2 else "6000"
            rows[0] = (bad, rows[0][1], net)
            what = f"konto {bad} är {'spärrat' if bad == '6999' else 'ett summakonto'}"
        elif rule == "kontering.ansvar_valid":
            closed = org.closed
            if date > closed.open_to and i % 2 == 0:
                rows[0] = (rows[0][0], objects(closed, counterpart), net)
                what = f"ansvar {closed.code} stängdes {closed.open_to.isoformat()}"
            else:
                rows[0] = (rows[0][0], objects(u, counterpart, ansvar=UNKNOWN_ANSVAR[0]), net)
                what = f"ansvar {UNKNOWN_ANSVAR[0]} finns inte i organisationen"
        elif rule == "kontering.required_dimensions":
            if i < n_ops:
                rows[0] = (acc, objects(u), net)
                what = f"motpart saknas på konto {acc}"
            else:  # an investment row keeps its coding (no activity), only the project goes
                rows[0] = (acc, objects(u, activity=False), net)
                what = f"projekt saknas på investeringskonto {acc}"
        elif rule == "periodisering.booking_date_in_fiscal_year":
            # a mistyped year; 29 February would not exist in the other year
            date = date.replace(year=year - 1 if i % 2 else year + 1, day=min(date.day, 28))
            what = f"bokföringsdatum {date.isoformat()} utanför räkenskapsåret {year}"
        rows.append((credit, "{}", -sum(r[2] for r in rows)))
        right_rows.append((credit, "{}", -sum(r[2] for r in right_rows)))
        if rule == "kontering.voucher_balances":
            rows[0] = (rows[0][0], rows[0][1], rows[0][2] + 10000 * int(rng.integers(1, 90)))
            what = f"differens {amount(sum(r[2] for r in rows))} kr"
        # registered a few days later, but never into a closed period: every cut-off of the
        # tidplan falls on the 4th or later of the next month
        lag, closing = dt.timedelta(days=int(reg_lag[i])), month_end(year, month)
        registered = min(date + lag, max(date, closing + dt.timedelta(days=3)))
        fixed = SAME if rule is None else Fixed(
            right_rows, right_date,
            min(right_date + lag, max(right_date, closing + dt.timedelta(days=3))))
        number, ver, lines = emit(series, date, text, rows, registered, fixed)
        if rule is not None:
            row_level = rule not in ("kontering.voucher_balances",
                                     "periodisering.booking_date_in_fiscal_year")
            plan.record(Defect(rule, rel_path, lines[0] if row_level else ver, series,
                               str(number), description=what))
        if len(duplicates) < n_duplicates and rule is None and i < n_ops and i % 7 == 0:
            duplicates.append((number, series, text, rows, date))
    # an invoice file imported twice: the voucher comes again with the same series and number
    for number, series, text, rows, date in duplicates:
        ver, _ = w.voucher(series, number, date, text, rows, fixed=OMIT)
        result.vouchers += 1
        result.rows += len(rows)
        plan.record(Defect("kontering.no_duplicate_voucher", rel_path, ver, series, str(number),
                           description=f"verifikation {series} {number} finns två gånger"))


def _customer_invoices(model, month, emit) -> None:
    """Each board's month of fees, rents and sales, billed on the 20th (grants: journals)."""
    org, rng, year = model.org, model.rng, model.org.year
    m = month - 1
    date = next_workday(dt.date(year, month, 20))
    accounts = sorted({acc for _, acc in model.revenue if acc != GRANT_ACCOUNT})
    for board, units in org.units_by_board().items():
        rows = []
        for u in units:
            for acc in accounts:
                annual = model.revenue.get((u.index, acc))
                if annual and model.active[u.index, m]:
                    ore = int(round(annual / 12 * model.active[u.index, m] * season(u, acc)[m]
                                    * rng.normal(1.0, 0.05) * 100))
                    rows.append((acc, objects(u, revenue_counterpart(acc)), ore))
        if rows:
            rows.append(("1510", "{}", -sum(r[2] for r in rows)))
            emit("KF", date, f"Kundfakturor {MONTH_NAMES[m]} nämnd {board}", rows)


def _internal_invoices(model, month, emit) -> None:
    year = model.org.year
    for kind, day in (("rent", 5), ("meals", 28), ("it", 28)):
        buyer_acc, seller_acc, _ = INTERNAL[kind]
        for buyer in model.internal_buyers(kind):
            sek = model.internal_month(kind, buyer, month)
            if sek <= 0:
                continue
            seller = model.seller_for(kind, buyer)
            counterpart = internal_counterpart(kind, buyer, seller)
            ore = int(round(sek * 100))
            text = {"rent": "Internhyra kvartal", "meals": "Måltider", "it": "IT-tjänster"}[kind]
            if kind == "rent":
                day = model.rent_day(buyer, month)
            emit("IF", dt.date(year, month, day), f"{text} {buyer.name}", [
                     (buyer_acc, objects(buyer, counterpart), ore),
                     (seller_acc, objects(seller, counterpart), -ore),
                 ])


def _payroll(model, month, payroll, emit) -> None:
    org, year = model.org, model.org.year
    m = month - 1
    date = dt.date(year, month, 25)
    for board, units in org.units_by_board().items():
        rows = []
        for u in units:
            for k, acc in enumerate(PAYROLL_ACCOUNTS):
                ore = int(payroll[u.index, m, k])
                if ore:
                    rows.append((acc, objects(u), ore))
            fee = u.operation.costs_per_fte.get("5511")
            if fee:
                rows.append(("5511", objects(u), int(round(fee * model.fte[u.index] / 12 * 100))))
        if not rows:
            continue
        gross = sum(r[2] for r in rows if r[0] not in ("5611", "5711"))
        fees = sum(r[2] for r in rows if r[0] == "5611")
        pension = sum(r[2] for r in rows if r[0] == "5711")
        tax = int(round(gross * 0.30))
        rows += [("2710", "{}", -tax), ("2730", "{}", -fees), ("2745", "{}", -pension),
                 ("1930", "{}", -(gross - tax))]
        emit("LÖN", date, f"Lön {MONTH_NAMES[m]} nämnd {board}", rows)


def _depreciation(model, month, emit) -> None:
    org, year = model.org, model.org.year
    rows = []
    for u in org.units:
        if not model.active[u.index, month - 1]:
            continue
        for acc, sek in model.depreciation_month(u):
            ore = int(round(sek * 100))
            rows.append((acc, objects(u), ore))
            rows.append(("1119" if acc == "7911" else "1229", "{}", -ore))
    emit("AVS", month_end(year, month), f"Avskrivningar {MONTH_NAMES[month - 1]}", rows)


def _journals(model, month, emit) -> None:
    org, rng, year = model.org, model.rng, model.org.year
    fin = org.finance_unit()
    m = month - 1
    date = next_workday(dt.date(year, month, 20))
    tax = int(round(model.tax_annual / 12 * 100))
    equal = int(round(model.equalisation_annual / 12 * 100))
    emit("MB", date, f"Skatteintäkter {MONTH_NAMES[m]}", [
        ("1930", "{}", tax + equal), ("8011", objects(fin), -tax), ("8211", objects(fin), -equal),
    ])
    if month == 9:  # fully depreciated equipment sold: the whole price is a realisation gain
        price = int(round(model.taxes_and_grants * REALISATION_GAIN)) * 100
        emit("MB", date, "Försäljning av avskrivna inventarier", [
            ("1930", "{}", price), ("3961", objects(fin, "84"), -price)])
    interest_in = int(round(model.taxes_and_grants * INTEREST_INCOME / 12 * 100
                            * rng.uniform(0.8, 1.2)))
    emit("MB", month_end(year, month), "Ränteintäkter", [
        ("1930", "{}", interest_in), ("8311", objects(fin), -interest_in)])
    if month % 3 == 0:
        interest = int(round(model.taxes_and_grants * INTEREST_COST / 4 * 100))
        emit("MB", month_end(year, month), "Räntor på lån", [
            ("8411", objects(fin), interest), ("1930", "{}", -interest)])
        rows = []
        for u in org.units:
            annual = model.revenue.get((u.index, GRANT_ACCOUNT))
            if annual and model.active[u.index, m]:
                ore = int(round(annual / 4 * model.active[u.index, m - 2: m + 1].mean()
                                * rng.normal(1.0, 0.06) * 100))
                rows.append((GRANT_ACCOUNT, objects(u, revenue_counterpart(GRANT_ACCOUNT)), ore))
        if rows:
            rows.append(("1930", "{}", -sum(r[2] for r in rows)))
            emit("MB", date, f"Statsbidrag kvartal {month // 3}", rows)


def _accruals(model, month, emit, unreversed, plan, rel_path) -> None:
    """Accrued costs at an even-month close, reversed on the first of the next month.

    `unreversed` accruals (injected defects) get no reversal."""
    org, rng, year = model.org, model.rng, model.org.year
    day = month_end(year, month)
    chosen = np.sort(rng.choice(len(org.units), size=max(2, len(org.units) // 5), replace=False))
    skipped = 0
    for i in chosen:
        u = org.units[int(i)]
        acc = model.accrual_account(u)
        if acc is None or not model.active[u.index, month - 1]:
            continue
        ore = int(round(model.invoice_annual[u.index, model.invoice_accounts.index(acc)] / 12
                        * rng.uniform(0.2, 0.7) * 100))
        text = f"Upplupen kostnad {ACCOUNTS[acc].name} {MONTH_NAMES[month - 1]}"
        rows = [(acc, objects(u, "84"), ore), ("2990", objects(u, activity=False), -ore)]
        number, ver, _ = emit("PER", day, text, rows)
        if skipped < unreversed and month < 12:
            skipped += 1
            plan.record(Defect("periodisering.accrual_reversed", rel_path, ver, "PER",
                               str(number), description=f"{text} återförs inte i nästa period"))
            model.pending_corrected.append(PendingReversal(rows, text))
            continue
        if month < 12:
            model.pending.append(PendingReversal(rows, text))
