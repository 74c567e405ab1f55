"""What Exempelkommun is expected to book in a year: per unit, account and month.

A `LedgerModel` holds the invoice-driven costs, the revenues (fees, rents, sales, state
grants), internal purchases, depreciation, investment projects and, once the detaljbudget is
planned, the skatteintäkter and generella statsbidrag that give KF's planned surplus
(`finance`). The proportions are a real kommun's (docs/source-files.md, Proportions): the
revenues about a fifth of the gross costs, personnel about three fifths, a surplus of a few
per cent of skatter och bidrag.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np

from pipelines.demo.balances import Settlement, opening_balances
from pipelines.demo.calendar import month_end
from pipelines.demo.catalogue import ACCOUNTS
from pipelines.demo.erp_database import ErpDatabaseWriter
from pipelines.demo.organisation import Organisation, Unit
from pipelines.demo.sie import objects

SCHOOL_ACTIVITIES = {"440", "460", "425", "470"}
GRANT_ACCOUNT = "3411"  # riktade statsbidrag, paid quarterly by the state
# revenue accounts billed on the monthly customer invoices, with whom they are billed to
FEE_COUNTERPARTS = {"3111": "85", "3121": "85", "3131": "85", "3141": "85", "3211": "85",
                    "3511": "83"}
INTERNAL = {  # kind -> (buyer account, seller account, SEK per FTE and year)
    "rent": ("6111", "3211", 125000),
    "meals": ("6412", "3512", 45000),
    "it": ("6521", "3513", 9000),
}
# a seller's external costs as a share of its internal sales (its costs_per_fte: the mix)
COST_OF_SALES = {"rent": 0.6, "meals": 0.5, "it": 0.6}
BUILDING_DEPRECIATION = 0.3  # of the internal rent the buildings earn
EQUIPMENT_DEPRECIATION = 2500  # SEK per FTE and year
# KF's plan for the year, as shares of skatteintäkter och generella statsbidrag
PLANNED_RESULT = 0.02
INTEREST_INCOME = 0.0005
INTEREST_COST = 0.005
REALISATION_GAIN = 0.0015  # fully depreciated equipment sold in September
INVESTMENT_SHARE = 0.11  # the year's investments, of the gross costs
# where an invoice-driven cost is paid from, and its counterpart
PAYMENT = {"4611": ("UTB", "1930", "83"), "4711": ("UTB", "1930", "85"),
           "6311": ("LF", "2440", "5")}
DEFAULT_PAYMENT = ("LF", "2440", "84")


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


def revenue_counterpart(account: str) -> str:
    """Who pays a revenue: the state (81) a grant, else as billed (households, kommuner)."""
    return "81" if account == GRANT_ACCOUNT else FEE_COUNTERPARTS[account]


def season(unit: Unit, account: str) -> np.ndarray:
    if account == "6311":
        return ENERGY_SEASON
    if unit.activity_code in SCHOOL_ACTIVITIES:
        return MEALS_SCHOOL if account in ("6412", "6411", "3512") else SCHOOL_SEASON
    return GENERAL_SEASON


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
    # generella statsbidrag och utjämning, of skatter och bidrag: larger for a small kommun
    grants_share: float = 0.2


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
    # set by `finance`, once the detaljbudget is planned
    tax_annual: float = field(init=False)
    equalisation_annual: float = field(init=False)
    erp: ErpDatabaseWriter | None = None  # also write the vouchers into an ERP database
    opening: dict[str, int] = field(init=False)  # the year's opening balances, öre
    settlement: Settlement = field(init=False)
    voucher_numbers: dict[str, int] = field(default_factory=dict)
    # the year's result as booked (öre, + = surplus), and its realisation gains
    booked_result: int = 0
    booked_gains: int = 0
    pending: list[PendingReversal] = field(default_factory=list)
    # reversals left out of the delivered export (defects), in the corrected one only
    pending_corrected: list[PendingReversal] = field(default_factory=list)
    _sellers: dict[str, list[Unit]] = field(init=False, repr=False)
    _sales: dict[str, np.ndarray] = field(init=False, repr=False)  # kind -> SEK/year/seller

    def __post_init__(self) -> None:
        org, rng = self.org, self.rng
        n = len(org.units)
        self.active = self._active_shares()
        self.fte = np.array([u.staff * 0.93 for u in org.units])
        self.invoice_accounts = sorted({a for u in org.units
                                        for a, v in u.operation.costs_per_fte.items()
                                        if v > 0 and a[0] in "4678" and a[:2] != "79"})
        self.invoice_annual = np.zeros((n, len(self.invoice_accounts)))
        self.revenue = {}
        for u in org.units:
            for acc, per_fte in u.operation.costs_per_fte.items():
                if acc in self.invoice_accounts:
                    j = self.invoice_accounts.index(acc)
                    self.invoice_annual[u.index, j] = per_fte * self.fte[u.index]
                elif acc.startswith("3"):
                    self.revenue[(u.index, acc)] = per_fte * self.fte[u.index]
        # most units land near budget; a few overspend or underspend clearly
        bias = rng.normal(1.0, 0.03, n)
        troubled = rng.choice(n, size=max(2, n // 12), replace=False)
        bias[troubled[: len(troubled) // 2]] *= 1.12
        bias[troubled[len(troubled) // 2:]] *= 0.9
        self.outcome_bias = bias
        self._sellers = {kind: org.units_of(kind) for kind in INTERNAL}
        self._sales = {kind: self._internal_sales(kind) for kind in INTERNAL}
        self._scale_sellers()
        self.projects = self._projects()

    def _active_shares(self) -> np.ndarray:
        year = self.org.year
        active = np.zeros((len(self.org.units), 12))
        for u in self.org.units:
            for m in range(12):
                first, last = dt.date(year, m + 1, 1), month_end(year, m + 1)
                a, b = max(first, u.open_from), min(last, u.open_to)
                active[u.index, m] = max(0, (b - a).days + 1) / ((last - first).days + 1)
        return active

    def _internal_sales(self, kind: str) -> np.ndarray:
        sales = np.zeros(len(self.org.units))
        for buyer in self.internal_buyers(kind):
            sales[self.seller_for(kind, buyer).index] += sum(
                self.internal_month(kind, buyer, m) for m in range(1, 13))
        return sales

    def _scale_sellers(self) -> None:
        """Premises, meals and IT cost what the units pay for them: a seller's external
        costs are a share of its internal sales, in the mix of its costs_per_fte."""
        for u in self.org.units:
            kind = u.operation.sells
            row = self.invoice_annual[u.index]
            if kind in COST_OF_SALES and row.sum() > 0:
                row *= COST_OF_SALES[kind] * self._sales[kind][u.index] / row.sum()

    def finance(self, planned_net_cost: float) -> None:
        """Skatteintäkter and generella statsbidrag as KF budgets them: the planned net cost
        of the operations (the detaljbudget's, SEK) and the finance net with the planned
        surplus; then the opening balance sheet, in proportion to them."""
        total = planned_net_cost / (1 - PLANNED_RESULT - INTEREST_COST + INTEREST_INCOME)
        self.equalisation_annual = self.params.grants_share * total
        self.tax_annual = total - self.equalisation_annual
        self.pending = self._prior_year_december_accruals()
        self.opening = opening_balances(
            total, sum(ore for p in self.pending for acc, _, ore in p.rows if acc != "2990"))
        self.settlement = Settlement(self.opening)

    @property
    def taxes_and_grants(self) -> float:
        return self.tax_annual + self.equalisation_annual

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
        """Equipment for every unit; buildings (a share of the rent they earn) and streets,
        water and sewage plants (per FTE of the operation) on byggnader och anläggningar."""
        out = [("7921", EQUIPMENT_DEPRECIATION * self.fte[unit.index] / 12)]
        buildings = self._sales["rent"][unit.index] * BUILDING_DEPRECIATION
        buildings += unit.operation.costs_per_fte.get("7911", 0) * self.fte[unit.index]
        if buildings:
            out.append(("7911", buildings / 12))
        return out

    def _gross_cost_estimate(self) -> float:
        personnel = sum(u.staff * 0.93 * u.operation.monthly_salary * 12.2 * 1.3742
                        for u in self.org.units)
        return personnel + float(self.invoice_annual.sum())

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
        typical = INVESTMENT_SHARE * self._gross_cost_estimate() / self.params.projects
        projects = []
        for i in range(self.params.projects):
            base, account = names[i % len(names)]
            owner = it[0] if base == "IT-infrastruktur" and it else owners[i % len(owners)]
            annual = int(round(float(rng.lognormal(np.log(typical) - 0.18, 0.6)), -4))
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
            acc = self.accrual_account(u)
            if acc is None or self.active[u.index, 0] == 0:
                continue
            ore = int(round(self.invoice_annual[u.index, self.invoice_accounts.index(acc)] / 12
                            * rng.uniform(0.2, 0.6) * 100))
            pending.append(PendingReversal(
                [(acc, objects(u, "84"), ore), ("2990", objects(u, activity=False), -ore)],
                f"Upplupen kostnad {ACCOUNTS[acc].name} december {self.org.year - 1}",
            ))
        return pending

    def accrual_account(self, unit: Unit) -> str | None:
        """The account a unit's accruals are booked on: its largest invoice-driven cost."""
        row = self.invoice_annual[unit.index]
        if row.sum() <= 0:
            return None
        return self.invoice_accounts[int(np.argmax(row))]

    def book_result(self, rows: list[tuple[str, str, int]]) -> None:
        """Count a voucher's result-account rows (classes 3-8) into the year's result."""
        self.booked_result -= sum(ore for acc, _, ore in rows if acc[0] in "345678")
        self.booked_gains -= sum(ore for acc, _, ore in rows if acc[:3] == "396")

    def next_number(self, series: str) -> int:
        self.voucher_numbers[series] = self.voucher_numbers.get(series, 0) + 1
        return self.voucher_numbers[series]
