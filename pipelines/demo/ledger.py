"""The ledger of Exempelkommun, exported as SIE 4 (`#FORMAT PC8`, CP437-encoded).

A `LedgerModel` knows what each unit is expected to book per account and month (invoice-driven
costs, fees, grants, internal purchases, depreciation, taxes); `write_month` turns one month
of it into vouchers: supplier invoices (LF), customer invoices (KF), internal invoices (IF),
payroll (LÖN), depreciation (AVS), journals (MB) and accruals with their reversals (PER).
The prior year is delivered as monthly summary vouchers (SAM) per board, as a migrated
history usually is.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from pipelines.demo.balances import (
    PAYMENT_SERIES,
    Settlement,
    balance_lines,
    opening_balances,
)
from pipelines.demo.calendar import month_end, next_workday
from pipelines.demo.catalogue import (
    ACCOUNTS,
    BOARDS,
    CHART,
    COUNTERPARTS,
    DIM_ACTIVITY,
    DIM_ANSVAR,
    DIM_COUNTERPART,
    DIM_PROJECT,
    DIMENSIONS,
    MUNICIPALITY_NAME,
    MUNICIPALITY_ORGNR,
    SUPPLIERS,
)
from pipelines.demo.defects import Defect, DefectPlan
from pipelines.demo.erp_database import ErpDatabaseWriter
from pipelines.demo.organisation import Organisation, Unit
from pipelines.demo.staff import PAYROLL_ACCOUNTS

MONTH_NAMES = ("januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti",
               "september", "oktober", "november", "december")
SCHOOL_ACTIVITIES = {"440", "460", "425", "470"}
REVENUE_BY_FEES = {"3111", "3121", "3131"}
GRANT_ACCOUNT = "3411"
INTERNAL = {  # kind -> (buyer account, seller account, SEK per FTE and year)
    "rent": ("6111", "3211", 48000),
    "meals": ("6412", "3512", 24000),
    "it": ("6521", "3513", 7000),
}
# where an invoice-driven cost is paid from, and its counterpart
PAYMENT = {"4611": ("UTB", "1930", "83"), "4711": ("UTB", "1930", "85"),
           "6311": ("LF", "2440", "5")}
DEFAULT_PAYMENT = ("LF", "2440", "84")
UNKNOWN_ANSVAR = ("119999", "Avvecklat ansvar")
# defects injected on a supplier invoice (the others are voucher duplicates and accruals)
INVOICE_DEFECTS = (
    "kontering.account_exists", "kontering.no_summary_or_blocked_account",
    "kontering.ansvar_valid", "kontering.required_dimensions", "kontering.voucher_balances",
    "periodisering.booking_date_in_fiscal_year",
)


def _profile(values: list[float]) -> np.ndarray:
    a = np.array(values, dtype=float)
    return a / a.mean()


GENERAL_SEASON = _profile([0.95, 1.0, 1.05, 1.0, 1.0, 1.0, 0.55, 0.85, 1.05, 1.05, 1.1, 1.4])
SCHOOL_SEASON = _profile([0.95, 1.05, 1.1, 1.0, 1.05, 0.8, 0.15, 0.9, 1.15, 1.1, 1.15, 1.3])
ENERGY_SEASON = _profile([1.6, 1.5, 1.3, 1.0, 0.7, 0.5, 0.4, 0.5, 0.7, 1.0, 1.3, 1.5])
MEALS_SCHOOL = _profile([1.0, 1.0, 1.05, 0.95, 1.0, 0.7, 0.1, 0.8, 1.05, 1.05, 1.05, 0.9])


def internal_counterpart(kind: str, buyer: Unit, seller: Unit) -> str:
    """Motpart of an internal purchase: 3 for premises, 1 within a board, 2 between boards."""
    if kind == "rent":
        return "3"
    return "1" if seller.board_code == buyer.board_code else "2"


def season(unit: Unit, account: str) -> np.ndarray:
    if account == "6311":
        return ENERGY_SEASON
    if unit.activity_code in SCHOOL_ACTIVITIES:
        return MEALS_SCHOOL if account in ("6412", "6411", "3512") else SCHOOL_SEASON
    return GENERAL_SEASON


def amount(ore: int) -> str:
    return f"{ore / 100:.2f}"


@dataclass
class Project:
    code: str
    name: str
    owner: Unit
    account: str
    annual_sek: int
    months: np.ndarray  # share of the year's spend per month


@dataclass
class SizeParams:
    units: int
    employees: int
    invoices_per_unit_month: float
    projects: int
    defects_per_rule: int


@dataclass
class PendingReversal:
    rows: list[tuple[str, str, int]]
    text: str


@dataclass
class LedgerModel:
    """Expected bookings per unit, account and month (SEK, ledger sign)."""

    org: Organisation
    rng: np.random.Generator
    params: SizeParams
    active: np.ndarray = field(init=False)  # unit x month share of the month open
    fte: np.ndarray = field(init=False)
    invoice_accounts: list[str] = field(init=False)
    invoice_annual: np.ndarray = field(init=False)  # unit x invoice account, SEK/year
    revenue: dict[tuple[int, str], float] = field(init=False)  # (unit, account) -> SEK/year
    outcome_bias: np.ndarray = field(init=False)
    projects: list[Project] = field(init=False)
    tax_annual: float = field(init=False)
    equalisation_annual: float = field(init=False)
    erp: ErpDatabaseWriter | None = None  # also write the vouchers into an ERP database
    opening: dict[str, int] = field(init=False)  # the year's opening balances, öre
    settlement: Settlement = field(init=False)
    voucher_numbers: dict[str, int] = field(default_factory=dict)
    pending: list[PendingReversal] = field(default_factory=list)
    # reversals left out of the delivered export (defects), in the corrected one only
    pending_corrected: list[PendingReversal] = field(default_factory=list)
    _sellers: dict[str, list[Unit]] = field(init=False, repr=False)
    _rent_income: np.ndarray = field(init=False, repr=False)  # per seller, SEK a year

    def __post_init__(self) -> None:
        org, rng, year = self.org, self.rng, self.org.year
        n = len(org.units)
        self.active = np.zeros((n, 12))
        for u in org.units:
            for m in range(12):
                first, last = dt.date(year, m + 1, 1), month_end(year, m + 1)
                a, b = max(first, u.open_from), min(last, u.open_to)
                self.active[u.index, m] = max(0, (b - a).days + 1) / ((last - first).days + 1)
        self.fte = np.array([u.staff * 0.93 for u in org.units])
        accounts = sorted({a for u in org.units for a, v in u.operation.costs_per_fte.items()
                           if v > 0 and not a.startswith("5")})
        self.invoice_accounts = accounts
        self.invoice_annual = np.zeros((n, len(accounts)))
        self.revenue = {}
        for u in org.units:
            for acc, per_fte in u.operation.costs_per_fte.items():
                if acc.startswith("5"):
                    continue
                if per_fte > 0:
                    self.invoice_annual[u.index, accounts.index(acc)] = per_fte * self.fte[u.index]
                else:
                    self.revenue[(u.index, acc)] = per_fte * self.fte[u.index]
        # most units land near budget; a few overspend or underspend clearly
        bias = rng.normal(1.0, 0.03, n)
        troubled = rng.choice(n, size=max(2, n // 12), replace=False)
        bias[troubled[: len(troubled) // 2]] *= 1.12
        bias[troubled[len(troubled) // 2:]] *= 0.9
        self.outcome_bias = bias
        self._sellers = {kind: org.units_of(kind) for kind in INTERNAL}
        self._rent_income = np.zeros(n)
        for buyer in self.internal_buyers("rent"):
            self._rent_income[self.seller_for("rent", buyer).index] += sum(
                self.internal_month("rent", buyer, m) for m in range(1, 13))
        self.projects = self._projects()
        net = self.expected_net_cost()
        total_tax_and_grants = net / 0.98  # the municipality plans a 2 % surplus
        self.tax_annual = 0.8 * total_tax_and_grants
        self.equalisation_annual = 0.2 * total_tax_and_grants
        self.pending = self._prior_year_december_accruals()
        self.opening = opening_balances(
            self.tax_annual + self.equalisation_annual,
            sum(ore for p in self.pending for acc, _, ore in p.rows if acc != "2990"))
        self.settlement = Settlement(self.opening)

    # --- expectations -------------------------------------------------------------------

    def internal_buyers(self, kind: str) -> list[Unit]:
        org = self.org
        if kind == "meals":
            return [u for u in org.units if u.operation.buys_meals]
        excluded = {"rent": {"rent", "financing"}, "it": {"it", "financing"}}[kind]
        return [u for u in org.units if u.operation.sells not in excluded]

    def seller_for(self, kind: str, buyer: Unit) -> Unit:
        sellers = self._sellers[kind]
        return sellers[buyer.index % len(sellers)]

    def internal_month(self, kind: str, buyer: Unit, month: int) -> float:
        """SEK the buyer pays the seller in `month` (1-12)."""
        per_year = INTERNAL[kind][2] * self.fte[buyer.index]
        if kind == "rent":  # quarterly in advance, for the part of the quarter the unit is open
            day = self.rent_day(buyer, month)
            if day is None:
                return 0.0
            quarter_end = (month - 1) // 3 * 3 + 3
            return per_year / 12 * self.active[buyer.index, month - 1: quarter_end].sum()
        return per_year / 12 * season(buyer, "6412")[month - 1] * self.active[buyer.index,
                                                                               month - 1]

    def rent_day(self, buyer: Unit, month: int) -> int | None:
        """Day of `month` the quarter's rent is billed, or None: the 5th of a quarter's first
        month, and for a unit that opens during the year, its opening month."""
        year = self.org.year
        opens = buyer.open_from
        if opens > dt.date(year, 1, 1) and (opens.year, opens.month) == (year, month):
            return max(5, opens.day)
        if month in (1, 4, 7, 10) and opens <= dt.date(year, month, 5) <= buyer.open_to:
            return 5
        return None

    def depreciation_month(self, unit: Unit) -> list[tuple[str, float]]:
        out = [("7921", 2500 * self.fte[unit.index] / 12)]
        if unit.operation.sells == "rent":  # buildings: a share of the rent they earn
            out.append(("7911", self._rent_income[unit.index] * 0.35 / 12))
        return out

    def expected_net_cost(self) -> float:
        """Net cost of operations for a year: what taxes and grants must cover."""
        personnel = sum(u.staff * 0.93 * u.operation.monthly_salary * 12.2 * 1.3742
                        for u in self.org.units)
        politics = sum(v * self.fte[u.index] for u in self.org.units
                       for a, v in u.operation.costs_per_fte.items() if a == "5511")
        invoices = float((self.invoice_annual * self.active.mean(axis=1)[:, None]).sum())
        revenue = sum(self.revenue.values())
        depreciation = sum(v * 12 for u in self.org.units for _, v in
                           self.depreciation_month(u))
        return personnel + politics + invoices + revenue + depreciation

    def _projects(self) -> list[Project]:
        rng, year = self.rng, self.org.year
        owners = self.org.units_of("rent") + [u for u in self.org.units
                                              if u.operation_code == "1412"]
        it = self.org.units_of("it")
        names = [
            ("Ny förskola", "1181"), ("Ombyggnad skola", "1181"), ("Gång- och cykelväg", "1181"),
            ("Energieffektivisering", "1181"), ("Renovering äldreboende", "1181"),
            ("Inventarier förskolor", "1221"), ("IT-infrastruktur", "1221"),
            ("Lekplatser", "1181"), ("Idrottshall tak", "1181"), ("Fordon", "1221"),
        ]
        build_season = _profile([0.3, 0.4, 0.8, 1.2, 1.4, 1.4, 0.6, 1.2, 1.5, 1.4, 1.1, 0.7])
        projects = []
        for i in range(self.params.projects):
            base, account = names[i % len(names)]
            owner = it[0] if base == "IT-infrastruktur" and it else owners[i % len(owners)]
            size = float(rng.lognormal(np.log(2_000_000 + 300_000 * len(self.org.units)), 0.6))
            annual = int(round(size * (len(self.org.units) / 400) ** 0.3, -4))
            months = build_season * rng.uniform(0.6, 1.4, 12)
            projects.append(Project(f"P{year % 100:02d}{i + 1:03d}", f"{base} {i + 1}", owner,
                                    account, annual, months / months.sum()))
        return projects

    def _prior_year_december_accruals(self) -> list[PendingReversal]:
        """Accruals booked at the end of last December, reversed on 1 January."""
        rng = self.rng
        chosen = rng.choice(len(self.org.units), size=max(1, len(self.org.units) // 8),
                            replace=False)
        pending = []
        for i in sorted(chosen):
            u = self.org.units[int(i)]
            acc = self._accrual_account(u)
            if acc is None or self.active[u.index, 0] == 0:
                continue
            ore = int(round(self.invoice_annual[u.index, self.invoice_accounts.index(acc)] / 12
                            * rng.uniform(0.2, 0.6) * 100))
            pending.append(PendingReversal(
                [(acc, objects(u, "84"), ore), ("2990", objects(u, activity=False), -ore)],
                f"Upplupen kostnad {ACCOUNTS[acc].name} december {self.org.year - 1}",
            ))
        return pending

    def _accrual_account(self, unit: Unit) -> str | None:
        row = self.invoice_annual[unit.index]
        if row.sum() <= 0:
            return None
        return self.invoice_accounts[int(np.argmax(row))]

    def next_number(self, series: str) -> int:
        self.voucher_numbers[series] = self.voucher_numbers.get(series, 0) + 1
        return self.voucher_numbers[series]


# --- SIE writing ---------------------------------------------------------------------------


def quote(text: str) -> str:
    return '"' + text.replace('"', '\\"') + '"'


def objects(unit: Unit | None, counterpart: str | None = None, project: str | None = None,
            ansvar: str | None = None, activity: bool = True) -> str:
    """The object list of a row: ansvar, projekt, verksamhet (P&L rows) and motpart."""
    pairs = []
    code = ansvar or (unit.code if unit else None)
    if code:
        pairs.append(f'{DIM_ANSVAR} "{code}"')
    if project:
        pairs.append(f'{DIM_PROJECT} "{project}"')
    if unit is not None and unit.activity_code and activity and not project:
        pairs.append(f'{DIM_ACTIVITY} "{unit.activity_code}"')
    if counterpart:
        pairs.append(f'{DIM_COUNTERPART} "{counterpart}"')
    return "{" + " ".join(pairs) + "}"


class SieWriter:
    """Writes one SIE 4 file line by line, CP437-encoded, and counts lines."""

    def __init__(self, path: Path, erp: ErpDatabaseWriter | None = None, period: str = ""):
        path.parent.mkdir(parents=True, exist_ok=True)
        self._f = path.open("wb")
        self._buf: list[str] = []
        self.line = 0
        self.erp, self.period = erp, period  # the same vouchers into an ERP database

    def write(self, text: str) -> int:
        self._buf.append(text)
        self.line += 1
        if len(self._buf) >= 20000:
            self.flush()
        return self.line

    def voucher(self, series: str, number: int, date: dt.date, text: str,
                rows: list[tuple[str, str, int]], regdate: dt.date | None = None) -> tuple[
                    int, list[int]]:
        """Write #VER with its #TRANS rows; return the #VER line and the #TRANS lines."""
        reg = (regdate or date).strftime("%Y%m%d")
        ver = self.write(f"#VER {series} {number} {date:%Y%m%d} {quote(text)} {reg}")
        self.write("{")
        lines = [self.write(f"#TRANS {acc} {objs} {amount(ore)}") for acc, objs, ore in rows]
        self.write("}")
        if self.erp is not None:
            self.erp.voucher(series, number, date, text, regdate or date, self.period, rows)
        return ver, lines

    def flush(self) -> None:
        if self._buf:
            self._f.write(("\n".join(self._buf) + "\n").encode("cp437"))
            self._buf.clear()

    def close(self) -> None:
        self.flush()
        self._f.close()


@dataclass(frozen=True)
class Fixed:
    """A defective voucher as Ekonomi corrects it in the re-export: its right rows and date."""
    rows: list[tuple[str, str, int]]
    date: dt.date
    regdate: dt.date | None = None


CORRECTION_SERIES = "RT"  # rättelser Ekonomi books when the quality rules found something
SAME = Fixed([], dt.date.min)  # the corrected export has the voucher as delivered
OMIT = Fixed([], dt.date.max)  # the corrected export leaves the voucher out (a duplicate)


class TwinWriter:
    """The month's export as delivered, and beside it Ekonomi's corrected re-export of the
    same month (`corrected`, None for clean data): the same lines, but a defective voucher
    as it should have been, a duplicate left out and a missing reversal added. The corrected
    file is kept only where it differs."""

    def __init__(self, delivered: SieWriter, corrected_path: Path | None, period: str):
        self.delivered = delivered
        self.corrected_path = corrected_path
        self.corrected = SieWriter(corrected_path, None, period) if corrected_path else None
        self.differs = False

    def write(self, text: str) -> int:
        if self.corrected is not None:
            self.corrected.write(text)
        return self.delivered.write(text)

    def voucher(self, series: str, number: int, date: dt.date, text: str,
                rows: list[tuple[str, str, int]], regdate: dt.date | None = None,
                fixed: Fixed = SAME) -> tuple[int, list[int]]:
        out = self.delivered.voucher(series, number, date, text, rows, regdate)
        if self.corrected is not None:
            if fixed is SAME:
                self.corrected.voucher(series, number, date, text, rows, regdate)
            elif fixed is not OMIT:
                self.corrected.voucher(series, number, fixed.date, text, fixed.rows,
                                       fixed.regdate or regdate)
            self.differs = self.differs or fixed is not SAME
        return out

    def corrected_only(self, series: str, number: int, date: dt.date, text: str,
                       rows: list[tuple[str, str, int]]) -> None:
        """A voucher that the delivered export lacks (a reversal that was forgotten)."""
        if self.corrected is not None:
            self.corrected.voucher(series, number, date, text, rows)
            self.differs = True

    def close(self) -> bool:
        """Close both; True when a corrected file was kept."""
        self.delivered.close()
        if self.corrected is None:
            return False
        self.corrected.close()
        if not self.differs:
            self.corrected_path.unlink()
        return self.differs


def write_header(w: SieWriter | TwinWriter, org: Organisation, year: int, generated: dt.date,
                 sietyp: int, projects: list[Project], with_unknown_ansvar: bool,
                 balances: list[str] = ()) -> None:
    """The file's header; `balances`: its #IB/#UB/#RES lines, after the objects."""
    w.write("#FLAGGA 0")
    w.write('#PROGRAM "Exempel Ekonomi" "7.4"')
    w.write("#FORMAT PC8")
    w.write(f'#GEN {generated:%Y%m%d} "ekonomi"')
    w.write(f"#SIETYP {sietyp}")
    w.write(f"#ORGNR {MUNICIPALITY_ORGNR}")
    w.write(f"#FNAMN {quote(MUNICIPALITY_NAME)}")
    w.write(f"#RAR 0 {year}0101 {year}1231")
    w.write(f"#RAR -1 {year - 1}0101 {year - 1}1231")
    for a in CHART:
        w.write(f"#KONTO {a.number} {quote(a.name)}")
    for a in CHART:
        w.write(f"#KTYP {a.number} {a.kind}")
    for dim, name in DIMENSIONS:
        w.write(f"#DIM {dim} {quote(name)}")
    seen: set[str] = set()
    for u in org.units:
        if u.code not in seen:
            seen.add(u.code)
            w.write(f'#OBJEKT {DIM_ANSVAR} "{u.code}" {quote(u.name)}')
    if with_unknown_ansvar:
        w.write(f'#OBJEKT {DIM_ANSVAR} "{UNKNOWN_ANSVAR[0]}" {quote(UNKNOWN_ANSVAR[1])}')
    for p in projects:
        w.write(f'#OBJEKT {DIM_PROJECT} "{p.code}" {quote(p.name)}')
    for code, name in sorted({(u.activity_code, u.operation.activity_name) for u in org.units}):
        w.write(f'#OBJEKT {DIM_ACTIVITY} "{code}" {quote(name)}')
    for code, name in COUNTERPARTS:
        w.write(f'#OBJEKT {DIM_COUNTERPART} "{code}" {quote(name)}')
    for line in balances:
        w.write(line)


# --- one month ------------------------------------------------------------------------------


@dataclass
class MonthResult:
    vouchers: int = 0
    rows: int = 0
    corrected: bool = False  # a corrected re-export of the month was written


def _board_units(org: Organisation) -> dict[str, list[Unit]]:
    out: dict[str, list[Unit]] = {b.code: [] for b in BOARDS}
    for u in org.units:
        out[u.board_code].append(u)
    return out


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
    org, rng, year = model.org, model.rng, model.org.year
    m = month - 1
    date = next_workday(dt.date(year, month, 20))
    for board, units in _board_units(org).items():
        rows = []
        for u in units:
            for acc in sorted(REVENUE_BY_FEES):
                annual = model.revenue.get((u.index, acc))
                if annual and model.active[u.index, m]:
                    ore = int(round(annual / 12 * model.active[u.index, m] * season(u, acc)[m]
                                    * rng.normal(1.0, 0.05) * 100))
                    rows.append((acc, objects(u, "85"), ore))
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
    for board, units in _board_units(org).items():
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
        price = int(round(model.tax_annual * 0.002)) * 100
        emit("MB", date, "Försäljning av avskrivna inventarier", [
            ("1930", "{}", price), ("3961", objects(fin, "84"), -price)])
    interest_in = int(round(model.tax_annual * 0.0004 / 12 * 100 * rng.uniform(0.8, 1.2)))
    emit("MB", month_end(year, month), "Ränteintäkter", [
        ("1930", "{}", interest_in), ("8311", objects(fin), -interest_in)])
    if month % 3 == 0:
        interest = int(round(model.tax_annual * 0.006 / 4 * 100))
        emit("MB", month_end(year, month), "Räntor på lån", [
            ("8411", objects(fin), interest), ("1930", "{}", -interest)])
        rows = []
        for u in org.units:
            annual = model.revenue.get((u.index, GRANT_ACCOUNT))
            if annual and model.active[u.index, m]:
                ore = int(round(annual / 4 * model.active[u.index, m - 2: m + 1].mean()
                                * rng.normal(1.0, 0.1) * 100))
                rows.append((GRANT_ACCOUNT, objects(u, "81"), ore))
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
        acc = model._accrual_account(u)
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
