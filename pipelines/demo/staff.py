"""Employees of Exempelkommun and the HR system's monthly employee-month export.

One CSV per month, one row per employee and unit assignment in that month (a person who
changes unit mid-month has two rows). Personal identity numbers carry a valid check digit.
The same employee-month figures drive the payroll vouchers of the ledger, so personnel cost
in HR and in the ledger agree per unit and month.
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from pipelines.demo.calendar import month_end, workdays
from pipelines.demo.catalogue import MEN_NAMES, SURNAMES, WOMEN_NAMES
from pipelines.demo.defects import Defect, DefectPlan
from pipelines.demo.organisation import Organisation, Unit

HOURS_PER_DAY = 8.0
SOCIAL_FEE_RATE = 0.3142  # arbetsgivaravgifter
PENSION_RATE = 0.06
# payroll components booked per unit and month, in this order
PAYROLL_ACCOUNTS = ("5011", "5031", "5111", "5121", "5611", "5711")

HR_HEADER = [
    "Period", "Personnummer", "Namn", "Kön", "Födelseår", "Enhet", "Enhetsnamn",
    "Anställningsform", "Anställd från", "Anställd till", "Sysselsättningsgrad (%)",
    "Schemalagd tid (tim)", "Sjukfrånvaro (tim)", "Varav sjukfrånvaro 60 dagar eller mer (tim)",
    "Övertid (tim)", "Mertid (tim)", "Personalkostnad (kr)",
]


def luhn_digit(nine_digits: str) -> int:
    total = 0
    for i, ch in enumerate(nine_digits):
        d = int(ch) * (2 if i % 2 == 0 else 1)
        total += d - 9 if d > 9 else d
    return (10 - total % 10) % 10


@dataclass
class Spell:
    start: dt.date
    end: dt.date
    long: bool  # part of a spell of 60 calendar days or more


@dataclass
class Employee:
    pnr: str
    name: str
    gender: str  # K / M
    birth_year: int
    salary: int  # SEK per month at full time
    rate: int  # sysselsättningsgrad, %
    permanent: bool
    hired: dt.date
    left: dt.date | None
    assignments: list[tuple[Unit, dt.date, dt.date]] = field(default_factory=list)
    spells: list[Spell] = field(default_factory=list)


class People:
    """Draws unique Swedish-looking persons."""

    def __init__(self, rng: np.random.Generator, year: int):
        self.rng = rng
        self.year = year
        self.used: set[str] = set()

    def person(self, women_share: float) -> tuple[str, str, str, int]:
        rng = self.rng
        woman = rng.random() < women_share
        age = int(np.clip(rng.normal(44, 11), 19, 66))
        birth_year = self.year - age
        while True:
            born = dt.date(birth_year, 1, 1) + dt.timedelta(days=int(rng.integers(0, 365)))
            serial = int(rng.integers(0, 100)) * 10 + (
                int(rng.choice([0, 2, 4, 6, 8])) if woman else int(rng.choice([1, 3, 5, 7, 9]))
            )
            nine = f"{born:%y%m%d}{serial:03d}"
            pnr = f"{born:%Y%m%d}-{serial:03d}{luhn_digit(nine)}"
            if pnr not in self.used:
                self.used.add(pnr)
                break
        first = rng.choice(WOMEN_NAMES if woman else MEN_NAMES)
        name = f"{first} {rng.choice(SURNAMES)}"
        return pnr, name, "K" if woman else "M", birth_year


# Sick leave as a kommun's annual report shows it (docs/source-files.md, Proportions): about
# 7 % of scheduled time, women's well above men's, highest from 50, and some 45 % of it in
# spells of 60 days or more. Per person and year, by gender: the expected number of short
# spells (1-14 days), and the chances of a spell of 15-59 days and of one of 60 days or more;
# by age group (its first year of age): factors on the short spells and on the longer ones.
SHORT_SPELLS = {"K": 2.2, "M": 1.5}
MEDIUM_SPELL = {"K": 0.18, "M": 0.1}
LONG_SPELL = {"K": 0.16, "M": 0.075}
AGE_FACTORS = ((0, 1.35, 0.55), (30, 1.0, 0.85), (50, 0.95, 1.45))


def _spells(rng: np.random.Generator, year: int, gender: str, age: int) -> list[Spell]:
    short_factor, long_factor = next((s, g) for first, s, g in reversed(AGE_FACTORS)
                                     if age >= first)
    spells = []
    start_of_year = dt.date(year, 1, 1)

    def spell(first_day: int, length: int, long: bool) -> None:
        start = start_of_year + dt.timedelta(days=first_day)
        spells.append(Spell(start, start + dt.timedelta(days=length - 1), long))

    for _ in range(rng.poisson(SHORT_SPELLS[gender] * short_factor)):
        spell(int(rng.integers(0, 365)), int(min(rng.geometric(0.25), 14)), False)
    if rng.random() < MEDIUM_SPELL[gender] * long_factor:
        spell(int(rng.integers(-20, 355)), int(rng.integers(15, 60)), False)
    if rng.random() < LONG_SPELL[gender] * long_factor:
        spell(int(rng.integers(-90, 330)), int(rng.integers(60, 121)), True)
    return spells


def build_staff(rng: np.random.Generator, org: Organisation) -> list[Employee]:
    year = org.year
    people = People(rng, year)
    start_of_year, end_of_year = dt.date(year, 1, 1), dt.date(year, 12, 31)
    by_operation: dict[str, list[Unit]] = {}
    for u in org.units:
        by_operation.setdefault(u.operation_code, []).append(u)

    def hire(unit: Unit, hired: dt.date, permanent: bool = True) -> Employee:
        pnr, name, gender, birth_year = people.person(unit.operation.women_share)
        salary = int(round(unit.operation.monthly_salary * rng.lognormal(0, 0.08), -2))
        rate = int(rng.choice([100, 100, 100, 100, 100, 100, 90, 80, 75, 50]))
        return Employee(pnr, name, gender, birth_year, salary, rate, permanent, hired, None,
                        spells=_spells(rng, year, gender, year - birth_year))

    staff: list[Employee] = []
    for unit in org.units:
        for _ in range(unit.staff):
            opened_during_year = unit.open_from > start_of_year
            hired = (
                unit.open_from if opened_during_year
                else dt.date(int(rng.integers(1995, year)), int(rng.integers(1, 13)), 1)
            )
            e = hire(unit, hired, permanent=rng.random() > 0.12)
            first_day = max(hired, start_of_year)
            if unit is org.closed:
                e.assignments.append((unit, first_day, unit.open_to))
                e.assignments.append(
                    (org.closed_successor, unit.open_to + dt.timedelta(days=1), end_of_year)
                )
            else:
                e.assignments.append((unit, first_day, end_of_year))
            staff.append(e)

    # turnover: some leave during the year and are replaced two weeks later
    for e in list(staff):
        if rng.random() < 0.07:
            unit, first, last = e.assignments[-1]
            left = first + dt.timedelta(days=int(rng.integers(0, max(1, (last - first).days))))
            e.left = left
            e.assignments[-1] = (unit, first, left)
            replacement_day = left + dt.timedelta(days=15)
            if replacement_day <= end_of_year:
                r = hire(unit, replacement_day, permanent=False)
                r.assignments.append((unit, replacement_day, end_of_year))
                staff.append(r)

    # a few change unit within their operation on the 15th of a month
    for e in staff:
        unit, first, last = e.assignments[-1]
        siblings = [s for s in by_operation[unit.operation_code]
                    if s is not unit and s is not org.closed and s.open_from == start_of_year]
        if not siblings or rng.random() >= 0.012:
            continue
        day = dt.date(year, int(rng.integers(1, 13)), 15)
        if not first < day <= last:
            continue
        target = siblings[int(rng.integers(0, len(siblings)))]
        e.assignments[-1] = (unit, first, day - dt.timedelta(days=1))
        e.assignments.append((target, day, last))
    return staff


def _hours_in(spells: list[Spell], first: dt.date, last: dt.date, long: bool) -> int:
    """Workdays in [first, last] covered by the employee's short or long spells."""
    return sum(
        workdays(max(s.start, first), min(s.end, last))
        for s in spells
        if s.long is long and s.end >= first and s.start <= last
    )


def _fmt(x: float) -> str:
    return f"{x:.2f}".replace(".", ",")


def write_hr_month(
    rng: np.random.Generator,
    org: Organisation,
    staff: list[Employee],
    month: int,
    path: Path,
    rel_path: str,
    payroll: np.ndarray,
    plan: DefectPlan,
    corrected_path: Path | None = None,
) -> int:
    """Write one month's export; add the month's payroll per unit to `payroll` (öre). With
    `corrected_path`, a month with defects also gets the export as HR corrects it."""
    year = org.year
    first_of_month, last_of_month = dt.date(year, month, 1), month_end(year, month)
    month_days = workdays(first_of_month, last_of_month)
    known_codes = {u.code for u in org.units}
    rows: list[list[str]] = []
    for e in staff:
        for unit, first, last in e.assignments:
            a, b = max(first, first_of_month), min(last, last_of_month)
            if a > b:
                continue
            share = e.rate / 100.0
            days = workdays(a, b)
            scheduled = days * HOURS_PER_DAY * share
            long_hours = min(scheduled, _hours_in(e.spells, a, b, True) * HOURS_PER_DAY * share)
            short_hours = min(
                scheduled - long_hours, _hours_in(e.spells, a, b, False) * HOURS_PER_DAY * share
            )
            overtime = float(rng.poisson(5)) if rng.random() < 0.12 else 0.0
            extra = float(rng.poisson(8)) if e.rate < 100 and rng.random() < 0.2 else 0.0
            hourly = e.salary / 165.0
            base = e.salary * share * (days / month_days if month_days else 0.0)
            worked = base - hourly * (long_hours + short_hours)
            sick_pay = 0.8 * hourly * short_hours
            holiday = 0.0
            if month == 7:  # semesterlön and semestertillägg with the July salary
                holiday = 0.6 * worked + 0.2 * e.salary * share * (days / month_days)
                worked *= 0.4
            overtime_pay = hourly * (1.5 * overtime + extra)
            parts = np.round(np.array([worked, overtime_pay, holiday, sick_pay]) * 100)
            gross = parts.sum()
            fees = np.round(gross * SOCIAL_FEE_RATE)
            pension = np.round(gross * PENSION_RATE)
            payroll[unit.index, month - 1] += np.array([*parts, fees, pension], dtype=np.int64)
            cost = (gross + fees + pension) / 100
            rows.append([
                f"{year}-{month:02d}", e.pnr, e.name, e.gender, str(e.birth_year), unit.code,
                unit.name, "Tillsvidare" if e.permanent else "Visstid", e.hired.isoformat(),
                e.left.isoformat() if e.left else "", str(e.rate), _fmt(scheduled),
                _fmt(long_hours + short_hours), _fmt(long_hours), _fmt(overtime), _fmt(extra),
                _fmt(cost),
            ])

    hr_rules = plan.rules_for(month, "hr")
    right_rows = [list(r) for r in rows]  # before the defects: the corrected export
    for rule, i in zip(hr_rules, rng.choice(len(rows), len(hr_rules), replace=False),
                       strict=True):
        row, line = rows[int(i)], int(i) + 2  # header is line 1
        if rule == "hr.employment_rate_range":
            row[10] = str(int(rng.choice([0, 120])))
            what = f"sysselsättningsgrad {row[10]} %"
        elif rule == "hr.sick_hours_within_scheduled":
            scheduled = float(row[11].replace(",", "."))
            row[12] = _fmt(scheduled + 16)
            what = f"sjukfrånvaro {row[12]} tim mot schemalagd tid {row[11]} tim"
        else:
            code = row[5][:-2] + "99"
            row[5] = code if code not in known_codes else "999999"
            what = f"enhet {row[5]} finns inte"
        plan.record(Defect(rule, rel_path, line, record_key=f"period={row[0]};rad={line}",
                           description=what))

    _write_hr(path, rows)
    if corrected_path is not None and hr_rules:
        _write_hr(corrected_path, right_rows)
    return len(rows)


def _write_hr(path: Path, rows: list[list[str]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, delimiter=";", lineterminator="\r\n")
        w.writerow(HR_HEADER)
        w.writerows(rows)
