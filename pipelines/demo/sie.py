"""Writing SIE 4 files (`#FORMAT PC8`, CP437-encoded) the way the demo kommun's ERP exports
them: the header (chart, dimensions, objects, balances), the vouchers, and beside a delivered
month Ekonomi's corrected re-export of it (`TwinWriter`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from pipelines.demo.catalogue import (
    CHART,
    COUNTERPARTS,
    DIM_ACTIVITY,
    DIM_ANSVAR,
    DIM_COUNTERPART,
    DIM_PROJECT,
    DIMENSIONS,
    MUNICIPALITY_NAME,
    MUNICIPALITY_ORGNR,
)
from pipelines.demo.erp_database import ErpDatabaseWriter
from pipelines.demo.organisation import Organisation, Unit

if TYPE_CHECKING:
    from pipelines.demo.model import Project

UNKNOWN_ANSVAR = ("119999", "Avvecklat ansvar")


def amount(ore: int) -> str:
    return f"{ore / 100:.2f}"



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

