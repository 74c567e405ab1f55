"""The organisation of Exempelkommun: five levels, units with validity dates.

During the demo year one unit moves to another board's operation (1 July), one unit closes
(31 March; its staff move to a sibling) and one unit opens (1 September).
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from pipelines.demo.catalogue import (
    BOARDS,
    MUNICIPALITY_CODE,
    MUNICIPALITY_NAME,
    PLACE_NAMES,
    Operation,
)

LONG_AGO = dt.date(2015, 1, 1)


@dataclass
class OrgRow:
    """One row of the org register as the kommun's system exports it."""

    code: str
    name: str
    level: str
    parent: str
    valid_from: dt.date
    valid_to: dt.date | None
    activity_code: str = ""


@dataclass
class Unit:
    """An enhet: the ansvar that vouchers and employees are booked on."""

    index: int
    code: str
    name: str
    operation_code: str
    operation: Operation
    board_code: str
    activity_code: str
    staff: int
    open_from: dt.date  # first day the unit may be booked on
    open_to: dt.date  # last day


@dataclass
class Organisation:
    rows: list[OrgRow]
    units: list[Unit]
    mover: Unit
    closed: Unit
    closed_successor: Unit
    opened: Unit
    year: int

    def units_of(self, sells: str) -> list[Unit]:
        return [u for u in self.units if u.operation.sells == sells]

    def finance_unit(self) -> Unit:
        return self.units_of("financing")[0]

    def units_by_board(self) -> dict[str, list[Unit]]:
        out: dict[str, list[Unit]] = {b.code: [] for b in BOARDS}
        for u in self.units:
            out[u.board_code].append(u)
        return out


def _unit_names(rng: np.random.Generator, prefix: str, count: int) -> list[str]:
    places = list(PLACE_NAMES)
    rng.shuffle(places)
    names: list[str] = []
    for i in range(count):
        place = places[i % len(places)]
        round_ = i // len(places)
        if prefix == "skolan":  # Ekbackenskolan
            base = f"{place}{prefix}"
        elif prefix in ("Politik", "Finansförvaltning", "Ekonomi och HR", "IT-enheten"):
            base = prefix if count == 1 else f"{prefix} {i + 1}"
            names.append(base)
            continue
        else:
            base = f"{prefix} {place}"
        names.append(base if round_ == 0 else f"{base} {round_ + 1}")
    return names


def build_organisation(
    rng: np.random.Generator, n_units: int, n_employees: int, year: int
) -> Organisation:
    """Build the tree; `n_units` enheter over the blueprint's operations by weight."""
    operations = [
        (board, sector, op_code, op)
        for board in BOARDS
        for sector in board.sectors
        for op_code, op in sector.operations
    ]
    weights = np.array([op.weight for *_, op in operations])
    fixed = [1 if op.weight == 0 else 0 for *_, op in operations]
    spread = n_units - sum(fixed)
    counts = np.maximum(1, np.floor(weights / weights.sum() * spread)).astype(int)
    counts = np.where(weights == 0, 1, counts)
    # hand out the remainder to the largest operations
    order = np.argsort(-weights)
    i = 0
    while counts.sum() < n_units:
        counts[order[i % len(order)]] += 1
        i += 1
    while counts.sum() > n_units:
        j = order[i % len(order)]
        if counts[j] > 2:
            counts[j] -= 1
        i += 1
    staff_weight = np.repeat([op.staff_per_unit for *_, op in operations], counts)
    staff_scale = n_employees / staff_weight.sum()

    start_of_year = dt.date(year, 1, 1)
    end_of_year = dt.date(year, 12, 31)
    rows = [OrgRow(MUNICIPALITY_CODE, MUNICIPALITY_NAME, "kommun", "", LONG_AGO, None)]
    units: list[Unit] = []
    seen_boards: set[str] = set()
    seen_sectors: set[str] = set()
    for (board, sector, op_code, op), count in zip(operations, counts, strict=True):
        if board.code not in seen_boards:
            seen_boards.add(board.code)
            rows.append(OrgRow(board.code, board.name, "nämnd", MUNICIPALITY_CODE, LONG_AGO, None))
        if sector.code not in seen_sectors:
            seen_sectors.add(sector.code)
            rows.append(OrgRow(sector.code, sector.name, "sektor", board.code, LONG_AGO, None))
        rows.append(
            OrgRow(op_code, op.name, "verksamhet", sector.code, LONG_AGO, None, op.activity_code)
        )
        for k, name in enumerate(_unit_names(rng, op.unit_prefix, int(count))):
            code = f"{op_code}{k + 1:02d}" if count < 100 else f"{op_code}{k + 1:03d}"
            staff = max(1, int(round(op.staff_per_unit * staff_scale * rng.lognormal(0, 0.25))))
            unit = Unit(
                len(units), code, name, op_code, op, board.code, op.activity_code, staff,
                start_of_year, end_of_year,
            )
            units.append(unit)
            rows.append(OrgRow(code, name, "enhet", op_code, LONG_AGO, None, op.activity_code))

    by_op: dict[str, list[Unit]] = {}
    for u in units:
        by_op.setdefault(u.operation_code, []).append(u)

    # A youth centre moves from Kultur- och fritidsnämnden to Socialnämnden's Barn och unga.
    mover = by_op["1512"][0]
    move_day = dt.date(year, 7, 1)
    _split_validity(rows, mover.code, move_day, new_parent="1321")
    # A school closes at the end of March; its staff go to the next school.
    closed = by_op["1212"][-1]
    closed_successor = by_op["1212"][0]
    closed.open_to = dt.date(year, 3, 31)
    _row(rows, closed.code).valid_to = closed.open_to
    # A new preschool opens on 1 September.
    opened_code = f"{'1211'}{len(by_op['1211']) + 1:02d}"
    opened = Unit(
        len(units), opened_code, "Förskolan Nyängen", "1211", by_op["1211"][0].operation, "12",
        "407", max(4, by_op["1211"][0].staff), dt.date(year, 9, 1), end_of_year,
    )
    units.append(opened)
    rows.append(OrgRow(opened.code, opened.name, "enhet", "1211", opened.open_from, None, "407"))
    return Organisation(rows, units, mover, closed, closed_successor, opened, year)


def _row(rows: list[OrgRow], code: str) -> OrgRow:
    return next(r for r in rows if r.code == code and r.valid_to is None)


def _split_validity(rows: list[OrgRow], code: str, day: dt.date, new_parent: str) -> None:
    old = _row(rows, code)
    old.valid_to = day - dt.timedelta(days=1)
    rows.insert(
        rows.index(old) + 1,
        OrgRow(code, old.name, old.level, new_parent, day, None, old.activity_code),
    )


ORG_HEADER = ["kod", "benamning", "niva", "overordnad_kod", "giltig_fran", "giltig_till",
              "verksamhetskod"]


def write_org_register(org: Organisation, path: Path) -> None:
    """The org register as the kommun's organisation system exports it: CSV, UTF-8, `;`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, delimiter=";", lineterminator="\n")
        w.writerow(ORG_HEADER)
        for r in org.rows:
            w.writerow([
                r.code, r.name, r.level, r.parent, r.valid_from.isoformat(),
                r.valid_to.isoformat() if r.valid_to else "", r.activity_code,
            ])
