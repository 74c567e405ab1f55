"""Turn delivered reference files and HR exports into rows for the warehouse's `raw` schema:
the organisation register, the chart of accounts (a CSV export, or the #KONTO of SIE files),
the SIE files' objects, the tidplan and the HR system's employee-months. The ledger and the
budget are read in `ledger.py`.

Every function returns the rows to load and the rows to quarantine, each with file and line,
so that rows read = rows loaded + rows quarantined holds for every delivery. Rules are in
Swedish: they are what the inläsningsrapport shows.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
from collections.abc import Iterable
from pathlib import Path

from pipelines.domain import LEVELS
from pipelines.errors import InputError
from pipelines.ingest.batch import Batch, Sink, outside_years
from pipelines.ingest.ledger import account_number
from pipelines.ingest.sie import CHART_LABELS, SieReader
from pipelines.ingest.tables import (
    code_of,
    parse_decimal_amount,
    parse_month,
    parse_number,
    table_rows,
)
from pipelines.ingest.yaml_files import date_of, entries, read_yaml

YES = {"j", "ja", "y", "yes", "1", "true", "x"}


def _iso_date(text: str, what: str = "datumet") -> dt.date | None:
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text[:10])
    except ValueError:
        raise ValueError(f"{what} '{text}' är inte ÅÅÅÅ-MM-DD") from None


# --- organisation register --------------------------------------------------------------

ORG_COLUMNS = {"code": "kod", "name": "benamning", "level": "niva", "parent_code":
               "overordnad_kod", "valid_from": "giltig_fran", "valid_to": "giltig_till",
               "activity_code": "verksamhetskod"}
ORG_REQUIRED = ("code", "name", "level", "parent_code")  # validity: always, where not given


def read_org_register(path: Path, delimiter: str = ";", encoding: str = "utf-8",
                      columns: dict[str, str] | None = None, *, kind: str = "csv",
                      sheet: str | int = 0) -> Batch:
    """Every unit of the register with its level, parent and validity (CSV or Excel)."""
    cols = {**ORG_COLUMNS, **(columns or {})}
    batch = Batch()
    for line, rec in table_rows(path, kind, delimiter, encoding, sheet,
                                required=[cols[k] for k in ORG_REQUIRED], known=cols.values()):
        batch.read += 1
        v = {k: (rec.get(h) or "").strip() for k, h in cols.items()}
        try:
            rec.check()
            if not v["code"]:
                raise ValueError("koden saknas")
            level = v["level"].lower()
            if level not in LEVELS:
                raise ValueError(f"nivån '{v['level']}' är inte en av {', '.join(LEVELS)}")
            valid_from = _iso_date(v["valid_from"], "giltig från")
            valid_to = _iso_date(v["valid_to"], "giltig till")
            if valid_from and valid_to and valid_to < valid_from:
                raise ValueError(f"giltig till {valid_to} ligger före giltig från {valid_from}")
        except ValueError as e:
            batch.reject("org_register", path.name, line, rec.raw[:500], str(e))
            continue
        batch.add({
            "code": v["code"], "name": v["name"], "level": level,
            "parent_code": v["parent_code"] or None, "valid_from": valid_from,
            "valid_to": valid_to, "activity_code": v["activity_code"] or None,
            "source_file": path.name, "source_line": line,
        })
    return batch


# --- chart of accounts ------------------------------------------------------------------------

CHART_COLUMNS = {"account": "konto", "name": "benamning", "account_type": "kontotyp",
                 "is_summary": "summakonto", "is_blocked": "sparrad",
                 "requires_project": "kraver_projekt", "requires_counterpart": "kraver_motpart"}
CHART_FLAGS = ("is_summary", "is_blocked", "requires_project", "requires_counterpart")


def read_chart(path: Path, delimiter: str = ";", encoding: str = "utf-8",
               columns: dict[str, str] | None = None, *, kind: str = "csv",
               sheet: str | int = 0, code_and_name: dict[str, str] | None = None) -> Batch:
    """The ERP's chart of accounts with its booking rules (flags J/N)."""
    cols = {**CHART_COLUMNS, **(columns or {})}
    batch = Batch()
    for line, rec in table_rows(path, kind, delimiter, encoding, sheet,
                                required=(cols["account"], cols["name"]), known=cols.values()):
        batch.read += 1
        try:
            rec.check()
            account = account_number(rec.get(cols["account"]) or "",
                                     (code_and_name or {}).get("account"))
        except ValueError as e:
            batch.reject("accounts", path.name, line, rec.raw[:500], str(e))
            continue
        flag = {k: (rec.get(cols[k]) or "").strip().lower() in YES for k in CHART_FLAGS}
        batch.add({"account": account, "name": (rec.get(cols["name"]) or "").strip(),
                   "account_type": (rec.get(cols["account_type"]) or "").strip().upper()
                   or None, **flag, "source_file": path.name, "source_line": line})
    return batch


def read_sie_chart(path: Path, seen: set[str]) -> Batch:
    """#KONTO and #KTYP of one SIE file, for a municipality without a chart export. An account
    an earlier file (in `seen`) declared is already in the chart: it counts as loaded, under
    its first name. Lines of #KONTO and #KTYP that cannot be read are quarantined."""
    batch = Batch(input_rows_loaded=0)
    reader = SieReader(path, vouchers=False)
    for _ in reader:
        pass
    info = reader.info
    for account, name in sorted(info.accounts.items()):
        batch.read += 1
        batch.input_rows_loaded += 1
        if account in seen:
            continue
        seen.add(account)
        batch.add({"account": account, "name": name,
                   "account_type": info.account_types.get(account), "is_summary": False,
                   "is_blocked": False, "requires_project": False,
                   "requires_counterpart": False, "source_file": path.name,
                   "source_line": info.account_lines.get(account, 0)})
    for q in info.quarantine:
        if q.label in CHART_LABELS:
            batch.read += 1
            batch.reject("accounts", q.file, q.line, q.raw, q.rule)
    return batch


def read_sie_objects(paths: list[Path]) -> Batch:
    """#DIM/#OBJEKT declared in the files' headers (projects, activities, counterparts ...);
    the latest file's name wins. Only the header is read."""
    batch = Batch()
    objects: dict[tuple[str, str], tuple[str, str]] = {}
    for path in paths:
        reader = SieReader(path)
        for _ in reader:
            break  # the header is read once the first voucher or balance appears
        for key, name in reader.info.objects.items():
            objects[key] = (name, path.name)
    for (dim, code), (name, file) in sorted(objects.items()):
        batch.read += 1
        batch.add({"dimension": dim, "code": code, "name": name, "source_file": file,
                   "source_line": 0})
    return batch


# --- the ekonomisk tidplan ------------------------------------------------------------------


def read_tidplan(path: Path) -> Batch:
    """The follow-up periods of a tidplan file (YAML, Swedish keys: see docs/source-files.md)
    with the dates the pipeline needs: the data cut-off (datauttag) closes the period."""
    batch = Batch()
    for period in entries(read_yaml(path), "uppfoljningar", path):
        line = getattr(period, "line", 0)
        batch.read += 1
        try:
            if not isinstance(period, dict):
                raise ValueError(f"'{period}' är ingen uppföljning (period, datauttag ...)")
            key = str(period.get("period") or "")
            if len(key) != 7 or key[4] != "-" or not (key[:4] + key[5:]).isdigit() \
                    or int(key[5:]) not in range(2, 13, 2):
                raise ValueError(f"perioden '{key}' är inte ÅÅÅÅ-MM med en jämn månad")
            if period.get("datauttag") is None:
                raise ValueError("datauttag saknas")
            batch.add({
                "period": key, "kind": period.get("typ"), "name": period.get("benamning"),
                **{column: date_of(period.get(name), name) for column, name in (
                    ("data_cutoff", "datauttag"), ("board_meetings", "namnder"),
                    ("executive_committee", "kommunstyrelsen"),
                    ("council", "kommunfullmaktige"))},
                "source_file": path.name, "source_line": line})
        except ValueError as e:
            batch.reject("tidplan", path.name, line, str(period)[:500], f"uppföljning: {e}")
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
HR_OPTIONAL = ("overtime_hours", "additional_hours")
NUMERIC_HR = ("employment_rate", "scheduled_hours", "sick_hours", "sick_hours_long",
              "overtime_hours", "additional_hours", "personnel_cost")


def _hr_number(name: str, text: str, decimal: str, heading: str) -> float:
    """A number of an HR row (0 when empty), read as every source's numbers are
    (tables.parse_number); the personnel cost is money: at most two decimals."""
    if not text:
        return 0.0
    try:
        if name == "personnel_cost":
            return parse_decimal_amount(text, decimal) / 100
        return float(parse_number(text, decimal))
    except ValueError as e:
        raise ValueError(f"{heading} {e}") from None


def pseudonym(personal_id: str, key: bytes) -> str:
    """Keyed pseudonym of a personnummer: the same person links across months, and without
    the key nobody can go back. The number is normalised (12 digits, no dash) first. Base32,
    not hex: its digits are 2-7, so no date (a month needs a 0 or 1) and no personnummer can
    ever be read out of a pseudonym."""
    digits = "".join(ch for ch in personal_id if ch.isdigit())
    digest = hmac.new(key, digits.encode(), hashlib.sha256).digest()[:20]
    return base64.b32encode(digest).decode().lower()


def read_hr_export(path: Path, key: bytes, period: str | None, delimiter: str = ";",
                   encoding: str = "utf-8", decimal: str = ",",
                   columns: dict[str, str] | None = None, sink: Sink | None = None, *,
                   kind: str = "csv", sheet: str | int = 0, months: set[str] | None = None,
                   code_and_name: dict[str, str] | None = None, name: str | None = None
                   ) -> Batch:
    """Employee-month rows of a CSV or Excel export, the personnummer replaced by its
    pseudonym and names dropped. `period`: the month the file was delivered for; without it
    (a file that is not monthly) each row goes to the month of its Period, one of `months`.
    `name`: how the rows name the file (deliveries.file_names), its name by default."""
    cols = {**HR_COLUMNS, **(columns or {})}
    rows = table_rows(path, kind, delimiter, encoding, sheet, known=cols.values())
    return read_hr_rows(rows, name or path.name, key, period, decimal, columns, sink, months,
                        code_and_name)


def read_hr_rows(rows: Iterable[tuple[int, dict[str, str]]], source: str, key: bytes,
                 period: str | None, decimal: str = ",", columns: dict[str, str] | None = None,
                 sink: Sink | None = None, months: set[str] | None = None,
                 code_and_name: dict[str, str] | None = None) -> Batch:
    """Employee-month rows ((line, {column: text}) from a file or a database table) with the
    personnummer replaced by its pseudonym at once; names and other columns are never read.
    A row of another month than the delivery's is quarantined; without a delivery month,
    a row of a month outside `months` is."""
    cols = {**HR_COLUMNS, **(columns or {})}
    optional = {cols[k] for k in HR_OPTIONAL}
    batch = Batch(sink=sink)
    checked = False
    for line, rec in rows:
        if not checked:
            missing = [h for h in cols.values() if h not in rec and h not in optional]
            if missing:
                raise InputError(f"{source}: rad 1: kolumn saknas: {', '.join(missing)}")
            checked = True
        batch.read += 1
        values = {k: (rec.get(h) or "").strip() for k, h in cols.items()}
        month = period
        try:
            if getattr(rec, "problem", None):  # a file's row (a database row has no shape)
                raise ValueError(rec.problem)
            given = parse_month(values["period"]) if values["period"] else None
            if period is not None and given != period:
                raise ValueError(f"perioden '{values['period']}' i en leverans för {period}")
            if period is None:
                if given is None:
                    raise ValueError("perioden saknas")
                month = given
                if months is not None and given not in months:
                    raise ValueError(outside_years(f"radens månad {given}", months))
            if not values["personal_id"]:
                raise ValueError("personnumret saknas")
            row = {
                "period": month,
                "person_key": pseudonym(values["personal_id"], key),
                "gender": values["gender"] or None,
                "birth_year": int(values["birth_year"]) if values["birth_year"] else None,
                "unit_code": code_of(values["unit_code"], (code_and_name or {}).get(
                    "unit_code")),
                "employment_type": values["employment_type"] or None,
                "employed_from": _iso_date(values["employed_from"], "anställd från"),
                "employed_to": _iso_date(values["employed_to"], "anställd till"),
                "source_file": source, "source_line": line,
            }
            for k in NUMERIC_HR:
                row[k] = _hr_number(k, values[k], decimal, cols[k])
        except ValueError as e:
            # never quarantine the clear personnummer: keep the line without it
            batch.reject("hr", source, line, f"rad {line} (personuppgifter borttagna)",
                         str(e).replace(values["personal_id"] or "\0", "<pnr>"), month)
            continue
        batch.add(row)
    return batch
