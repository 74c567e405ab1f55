"""Turn delivered files into rows for the warehouse's `raw` schema.

Every function returns the rows to load and the rows to quarantine, each with file and line,
so that rows read = rows loaded + rows quarantined holds for every delivery.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import hmac
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from pipelines.ingest.sie import PeriodAmount, SieReader, Voucher

LEVELS = ("kommun", "nämnd", "sektor", "verksamhet", "enhet")
DIM_ANSVAR, DIM_PROJECT, DIM_ACTIVITY, DIM_COUNTERPART = "1", "6", "20", "21"


@dataclass
class Batch:
    """Rows to load and rows to quarantine from one or more files."""

    rows: list[dict] = field(default_factory=list)
    quarantine: list[dict] = field(default_factory=list)
    read: int = 0

    def reject(self, source: str, file: str, line: int, raw: str, rule: str,
               period: str | None = None) -> None:
        self.quarantine.append({"source": source, "file": file, "line": line, "raw": raw,
                                "rule": rule, "period": period})

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame(self.rows)

    def quarantine_frame(self) -> pd.DataFrame:
        return pd.DataFrame(self.quarantine, columns=["source", "file", "line", "raw", "rule",
                                                      "period"])

    def check_accounting(self) -> None:
        if self.read != len(self.rows) + len(self.quarantine):
            raise AssertionError(f"rows read {self.read} != loaded {len(self.rows)} + "
                                 f"quarantined {len(self.quarantine)}")


# --- organisation register --------------------------------------------------------------

ORG_COLUMNS = {"code": "kod", "name": "benamning", "level": "niva", "parent_code":
               "overordnad_kod", "valid_from": "giltig_fran", "valid_to": "giltig_till",
               "activity_code": "verksamhetskod"}


def _iso_date(text: str) -> dt.date | None:
    return dt.date.fromisoformat(text) if text else None


def read_org_register(path: Path, delimiter: str = ";", encoding: str = "utf-8",
                      columns: dict[str, str] | None = None) -> Batch:
    cols = {**ORG_COLUMNS, **(columns or {})}
    batch = Batch()
    with path.open(encoding=encoding, newline="") as f:
        reader = csv.DictReader(f, delimiter=delimiter)
        missing = [h for k, h in cols.items() if k != "activity_code" and h not in
                   (reader.fieldnames or [])]
        if missing:
            raise ValueError(f"{path.name}: line 1: missing column(s) {', '.join(missing)}")
        for line, rec in enumerate(reader, start=2):
            batch.read += 1
            raw = delimiter.join(str(v) for v in rec.values())
            level = (rec[cols["level"]] or "").strip().lower()
            code = (rec[cols["code"]] or "").strip()
            try:
                if not code:
                    raise ValueError("code is empty")
                if level not in LEVELS:
                    raise ValueError(f"level '{level}' is not one of {', '.join(LEVELS)}")
                valid_from = _iso_date(rec[cols["valid_from"]].strip())
                valid_to = _iso_date((rec[cols["valid_to"]] or "").strip())
                if valid_from and valid_to and valid_to < valid_from:
                    raise ValueError("valid_to is before valid_from")
            except ValueError as e:
                batch.reject("org_register", path.name, line, raw, str(e))
                continue
            batch.rows.append({
                "code": code, "name": rec[cols["name"]].strip(), "level": level,
                "parent_code": (rec[cols["parent_code"]] or "").strip() or None,
                "valid_from": valid_from, "valid_to": valid_to,
                "activity_code": (rec.get(cols["activity_code"]) or "").strip() or None,
                "source_file": path.name, "source_line": line,
            })
    return batch


# --- ledger and budget from SIE ------------------------------------------------------------


def _period_of(day: dt.date) -> str:
    return f"{day.year}-{day.month:02d}"


def read_sie_ledger(path: Path, delivered_period: str | None, periods: set[str]) -> Batch:
    """#TRANS rows of the vouchers that belong to `periods`.

    A file delivered for a period (`delivered_period`) loads all its rows into that period,
    whatever date a voucher carries (a wrong date is a quality issue, not a reason to lose
    the row). Other files are split by the voucher date's month.
    """
    batch = Batch()
    reader = SieReader(path)
    for rec in reader:
        if not isinstance(rec, Voucher):
            continue
        period = delivered_period or _period_of(rec.date)
        if period not in periods:
            continue
        batch.read += len(rec.rows)
        for n, row in enumerate(rec.rows, start=1):
            objs = row.objects
            batch.rows.append({
                "period": period, "series": rec.series, "voucher_number": rec.number,
                "voucher_date": rec.date, "voucher_text": rec.text,
                "registration_date": rec.registration_date, "row_number": n,
                "account": row.account, "ansvar": objs.get(DIM_ANSVAR),
                "project": objs.get(DIM_PROJECT), "activity_code": objs.get(DIM_ACTIVITY),
                "counterpart": objs.get(DIM_COUNTERPART),
                "objects": " ".join(f"{k}={v}" for k, v in sorted(objs.items())) or None,
                "amount_ore": row.amount_ore, "transaction_date": row.date,
                "transaction_text": row.text or None, "row_kind": row.kind,
                "source_file": path.name, "source_line": row.line,
                "voucher_line": rec.line,
            })
    for q in reader.info.quarantine:
        if delivered_period is None or delivered_period in periods:
            batch.read += 1
            batch.reject("ledger", q.file, q.line, q.raw, q.rule, delivered_period)
    return batch


def read_sie_budget(path: Path, version: str) -> Batch:
    """#PBUDGET lines (year index 0 = the file's current fiscal year)."""
    batch = Batch()
    reader = SieReader(path)
    for rec in reader:
        if not isinstance(rec, PeriodAmount) or rec.label != "PBUDGET":
            continue
        batch.read += 1
        year = reader.info.fiscal_years.get(rec.year_index, (None, None))[0]
        if year is None or len(rec.period) != 6 or not rec.period.isdigit():
            batch.reject("budget", path.name, rec.line, f"#PBUDGET {rec.period} {rec.account}",
                         "period or fiscal year (#RAR) unknown")
            continue
        batch.rows.append({
            "version": version, "fiscal_year": year.year,
            "period": f"{rec.period[:4]}-{rec.period[4:]}", "account": rec.account,
            "ansvar": rec.objects.get(DIM_ANSVAR), "project": rec.objects.get(DIM_PROJECT),
            "amount_ore": rec.amount_ore, "source_file": path.name, "source_line": rec.line,
        })
    for q in reader.info.quarantine:
        batch.read += 1
        batch.reject("budget", q.file, q.line, q.raw, q.rule)
    return batch


# --- HR employee-months -------------------------------------------------------------------

HR_COLUMNS = {
    "period": "Period", "personal_id": "Personnummer", "gender": "Kön",
    "birth_year": "Födelseår", "unit_code": "Enhet", "employment_type": "Anställningsform",
    "employed_from": "Anställd från", "employed_to": "Anställd till",
    "employment_rate": "Sysselsättningsgrad (%)", "scheduled_hours": "Schemalagd tid (tim)",
    "sick_hours": "Sjukfrånvaro (tim)",
    "sick_hours_long": "Varav sjukfrånvaro 60 dagar eller mer (tim)",
    "overtime_hours": "Övertid (tim)", "additional_hours": "Mertid (tim)",
    "personnel_cost": "Personalkostnad (kr)",
}
NUMERIC_HR = ("employment_rate", "scheduled_hours", "sick_hours", "sick_hours_long",
              "overtime_hours", "additional_hours", "personnel_cost")


def pseudonym(personal_id: str, key: bytes) -> str:
    """Keyed pseudonym of a personnummer: the same person links across months, and without
    the key nobody can go back. The number is normalised (12 digits, no dash) first."""
    digits = "".join(ch for ch in personal_id if ch.isdigit())
    return hmac.new(key, digits.encode(), hashlib.sha256).hexdigest()[:32]


def read_hr_export(path: Path, key: bytes, period: str, delimiter: str = ";",
                   encoding: str = "utf-8", decimal: str = ",",
                   columns: dict[str, str] | None = None) -> Batch:
    """Employee-month rows with the personnummer replaced by its pseudonym; names dropped."""
    cols = {**HR_COLUMNS, **(columns or {})}
    batch = Batch()
    with path.open(encoding=encoding, newline="") as f:
        reader = csv.DictReader(f, delimiter=delimiter)
        missing = [h for h in cols.values() if h not in (reader.fieldnames or [])
                   and h not in (cols["overtime_hours"], cols["additional_hours"])]
        if missing:
            raise ValueError(f"{path.name}: line 1: missing column(s) {', '.join(missing)}")
        for line, rec in enumerate(reader, start=2):
            batch.read += 1
            try:
                values = {k: (rec.get(h) or "").strip() for k, h in cols.items()}
                if values["period"] != period:
                    raise ValueError(f"period {values['period']} in a file for {period}")
                if not values["personal_id"]:
                    raise ValueError("personnummer is empty")
                row = {
                    "period": period,
                    "person_key": pseudonym(values["personal_id"], key),
                    "gender": values["gender"] or None,
                    "birth_year": int(values["birth_year"]) if values["birth_year"] else None,
                    "unit_code": values["unit_code"],
                    "employment_type": values["employment_type"] or None,
                    "employed_from": _iso_date(values["employed_from"]),
                    "employed_to": _iso_date(values["employed_to"]),
                    "source_file": path.name, "source_line": line,
                }
                for k in NUMERIC_HR:
                    text = values[k].replace(" ", "").replace(decimal, ".")
                    row[k] = float(text) if text else 0.0
            except ValueError as e:
                # never quarantine the clear personnummer: keep the line without it
                batch.reject("hr", path.name, line, f"rad {line} (personuppgifter borttagna)",
                             str(e).replace(values.get("personal_id", "") or "\0", "<pnr>"),
                             period)
                continue
            batch.rows.append(row)
    return batch
