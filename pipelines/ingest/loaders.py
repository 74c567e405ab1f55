"""Turn delivered files into rows for the warehouse's `raw` schema.

Every function returns the rows to load and the rows to quarantine, each with file and line,
so that rows read = rows loaded + rows quarantined holds for every delivery.
"""

from __future__ import annotations

import base64
import csv
import datetime as dt
import hashlib
import hmac
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

import pandas as pd

from pipelines.ingest.periodisation import load_keys, periodise
from pipelines.ingest.sie import PeriodAmount, SieReader, Voucher
from pipelines.ingest.yaml_files import date_of, entries, read_yaml

LEVELS = ("kommun", "nämnd", "sektor", "verksamhet", "enhet")
DIM_ANSVAR, DIM_PROJECT, DIM_ACTIVITY, DIM_COUNTERPART = "1", "6", "20", "21"


Sink = Callable[[pd.DataFrame], None]
CHUNK_ROWS = 100_000


@dataclass
class Batch:
    """Rows to load and rows to quarantine from one or more files.

    With a `sink`, rows go to it in chunks of CHUNK_ROWS as they are read, so a year of
    ledger rows never sits in memory at once; the counts stay exact."""

    rows: list[dict] = field(default_factory=list)
    quarantine: list[dict] = field(default_factory=list)
    read: int = 0
    # input rows loaded, where one input row becomes several (an annual budget line -> months)
    input_rows_loaded: int | None = None
    sink: Sink | None = None
    flushed: int = 0

    def add(self, row: dict) -> None:
        self.rows.append(row)
        if self.sink is not None and len(self.rows) >= CHUNK_ROWS:
            self.flush()

    def flush(self) -> None:
        """Hand the rows read so far to the sink."""
        if self.sink is not None and self.rows:
            self.sink(pd.DataFrame(self.rows))
            self.flushed += len(self.rows)
            self.rows = []

    @property
    def loaded(self) -> int:
        if self.input_rows_loaded is not None:
            return self.input_rows_loaded
        return self.flushed + len(self.rows)

    def extend(self, other: Batch) -> None:
        if other.input_rows_loaded is not None or self.input_rows_loaded is not None:
            self.input_rows_loaded = self.loaded + other.loaded
        else:
            self.flushed += other.flushed
        self.rows += other.rows
        self.quarantine += other.quarantine
        self.read += other.read

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
        if self.read != self.loaded + len(self.quarantine):
            raise AssertionError(f"rows read {self.read} != loaded {self.loaded} + "
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
            batch.add({
                "code": code, "name": rec[cols["name"]].strip(), "level": level,
                "parent_code": (rec[cols["parent_code"]] or "").strip() or None,
                "valid_from": valid_from, "valid_to": valid_to,
                "activity_code": (rec.get(cols["activity_code"]) or "").strip() or None,
                "source_file": path.name, "source_line": line,
            })
    return batch


# --- chart of accounts ------------------------------------------------------------------------

CHART_COLUMNS = {"account": "konto", "name": "benamning", "account_type": "kontotyp",
                 "is_summary": "summakonto", "is_blocked": "sparrad",
                 "requires_project": "kraver_projekt", "requires_counterpart": "kraver_motpart"}
YES = {"j", "ja", "y", "yes", "1", "true", "x"}


def read_chart(path: Path, delimiter: str = ";", encoding: str = "utf-8",
               columns: dict[str, str] | None = None) -> Batch:
    """The ERP's chart of accounts with its booking rules (flags J/N)."""
    cols = {**CHART_COLUMNS, **(columns or {})}
    batch = Batch()
    for line, rec in table_rows(path, "csv", delimiter, encoding,
                                required=(cols["account"], cols["name"])):
        batch.read += 1
        account = rec.get(cols["account"], "").strip()
        if rec.problem or not account.isdigit():
            batch.reject("accounts", path.name, line, rec.raw[:500],
                         rec.problem or f"account '{account}' is not a number")
            continue
        flag = {k: rec.get(cols[k], "").strip().lower() in YES for k in
                ("is_summary", "is_blocked", "requires_project", "requires_counterpart")}
        batch.add({"account": account, "name": rec.get(cols["name"], "").strip(),
                           "account_type": rec.get(cols["account_type"], "").strip().upper()
                           or None, **flag, "source_file": path.name, "source_line": line})
    return batch


def read_sie_chart(paths: list[Path]) -> Batch:
    """#KONTO and #KTYP of SIE files, for a municipality without a chart export."""
    batch = Batch()
    names: dict[str, tuple[str, str, int]] = {}
    types: dict[str, str] = {}
    for path in paths:
        reader = SieReader(path)
        for _ in reader:
            pass
        for account, name in reader.info.accounts.items():
            names.setdefault(account, (name, path.name, 0))
        types.update(reader.info.account_types)
    for account, (name, file, line) in sorted(names.items()):
        batch.read += 1
        batch.add({"account": account, "name": name, "account_type": types.get(account),
                           "is_summary": False, "is_blocked": False, "requires_project": False,
                           "requires_counterpart": False, "source_file": file,
                           "source_line": line})
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


# --- ledger and budget from SIE ------------------------------------------------------------


def _period_of(day: dt.date) -> str:
    return f"{day.year}-{day.month:02d}"


def read_sie_ledger(path: Path, delivered_period: str | None, periods: set[str],
                    sink: Sink | None = None) -> Batch:
    """#TRANS rows of the vouchers that belong to `periods`.

    A file delivered for a period (`delivered_period`) loads all its rows into that period,
    whatever date a voucher carries (a wrong date is a quality issue, not a reason to lose
    the row). Other files are split by the voucher date's month.
    """
    batch = Batch(sink=sink)
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
            batch.add({
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
        batch.add({
            "version": version, "fiscal_year": year.year,
            "period": f"{rec.period[:4]}-{rec.period[4:]}", "account": rec.account,
            "ansvar": rec.objects.get(DIM_ANSVAR), "project": rec.objects.get(DIM_PROJECT),
            "counterpart": rec.objects.get(DIM_COUNTERPART),
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
    the key nobody can go back. The number is normalised (12 digits, no dash) first. Base32,
    not hex: its digits are 2-7, so no date (a month needs a 0 or 1) and no personnummer can
    ever be read out of a pseudonym."""
    digits = "".join(ch for ch in personal_id if ch.isdigit())
    digest = hmac.new(key, digits.encode(), hashlib.sha256).digest()[:20]
    return base64.b32encode(digest).decode().lower()


def read_hr_export(path: Path, key: bytes, period: str, delimiter: str = ";",
                   encoding: str = "utf-8", decimal: str = ",",
                   columns: dict[str, str] | None = None, sink: Sink | None = None, *,
                   kind: str = "csv", sheet: str | int = 0) -> Batch:
    """Employee-month rows of a CSV or Excel export, the personnummer replaced by its
    pseudonym and names dropped."""
    rows = table_rows(path, kind, delimiter, encoding, sheet)
    return read_hr_rows(rows, path.name, key, period, decimal, columns, sink)


def read_hr_rows(rows: Iterable[tuple[int, dict[str, str]]], source: str, key: bytes,
                 period: str, decimal: str = ",", columns: dict[str, str] | None = None,
                 sink: Sink | None = None) -> Batch:
    """Employee-month rows ((line, {column: text}) from a file or a database table) with the
    personnummer replaced by its pseudonym at once; names and other columns are never read."""
    cols = {**HR_COLUMNS, **(columns or {})}
    optional = (cols["overtime_hours"], cols["additional_hours"])
    batch = Batch(sink=sink)
    checked = False
    for line, rec in rows:
        if not checked:
            missing = [h for h in cols.values() if h not in rec and h not in optional]
            if missing:
                raise ValueError(f"{source}: line 1: missing column(s) {', '.join(missing)}")
            checked = True
        batch.read += 1
        values = {k: (rec.get(h) or "").strip() for k, h in cols.items()}
        try:
            if getattr(rec, "problem", None):  # a file's row (a database row has no shape)
                raise ValueError(rec.problem)
            if values["period"].replace("-", "")[:6] != period.replace("-", ""):
                raise ValueError(f"period {values['period']} in a delivery for {period}")
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
                "source_file": source, "source_line": line,
            }
            for k in NUMERIC_HR:
                text = values[k].replace(" ", "").replace("\xa0", "").replace(decimal, ".")
                row[k] = float(text) if text else 0.0
        except ValueError as e:
            # never quarantine the clear personnummer: keep the line without it
            batch.reject("hr", source, line, f"rad {line} (personuppgifter borttagna)",
                         str(e).replace(values["personal_id"] or "\0", "<pnr>"), period)
            continue
        batch.add(row)
    return batch


# --- tabular exports (CSV, Excel): ledger and annual budget ----------------------------------

LEDGER_TABLE_COLUMNS = {
    "series": "Verifikationsserie", "voucher_number": "Verifikationsnummer",
    "voucher_date": "Bokföringsdatum", "voucher_text": "Verifikationstext",
    "registration_date": "Registreringsdatum", "row_number": "Rad", "account": "Konto",
    "ansvar": "Ansvar", "project": "Projekt", "activity_code": "Verksamhet",
    "counterpart": "Motpart", "amount": "Belopp", "transaction_text": "Text",
}
LEDGER_REQUIRED = ("voucher_date", "account", "amount")
ANNUAL_BUDGET_COLUMNS = {
    "project": "Projekt", "ansvar": "Ansvar", "account": "Konto",
    "amount": "Budget helår (kr)", "key": "Periodiseringsnyckel", "version": "Budgetversion",
    "year": "År",
}
ANNUAL_BUDGET_REQUIRED = ("account", "amount", "key")


def parse_decimal_amount(text: str, decimal: str = ",") -> int:
    """'-1 234,50' -> -123450 öre, exactly; at most two decimals."""
    cleaned = text.strip().replace("\u2212", "-").replace("\xa0", "").replace(" ", "")
    if decimal != ".":
        cleaned = cleaned.replace(".", "") if decimal == "," else cleaned
        cleaned = cleaned.replace(decimal, ".")
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise ValueError(f"'{text}' is not an amount") from None
    if value != value.quantize(Decimal("0.01")):
        raise ValueError(f"'{text}' has more than two decimals")
    return int(value * 100)


def parse_any_date(text: str) -> dt.date:
    """ISO dates (2025-01-31) and the compact form of SIE and many ERPs (20250131)."""
    t = text.strip()
    try:
        if len(t) == 8 and t.isdigit():
            return dt.date(int(t[:4]), int(t[4:6]), int(t[6:]))
        return dt.date.fromisoformat(t[:10])
    except ValueError:
        raise ValueError(f"'{text}' is not a date (YYYY-MM-DD or YYYYMMDD)") from None


class Record(dict):
    """One row of a table export, {heading: text}, with the row as delivered (`raw`, for the
    quarantine) and what is wrong with its shape (`problem`), if anything."""

    def __init__(self, values: dict[str, str], raw: str, problem: str | None = None):
        super().__init__(values)
        self.raw = raw
        self.problem = problem

    def check(self) -> None:
        """A row that does not fit the header cannot be read safely: its fields may have
        moved one column."""
        if self.problem:
            raise ValueError(self.problem)


def table_rows(path: Path, kind: str, delimiter: str = ";", encoding: str = "utf-8",
               sheet: str | int = 0, required: Iterable[str] = ()
               ) -> Iterator[tuple[int, Record]]:
    """(line, row) of a CSV file or an Excel sheet; line 1 is the header, which must hold the
    `required` headings. Empty rows are skipped; a row with more fields than the header is
    yielded with its `problem`."""
    if kind == "excel":
        from openpyxl import load_workbook

        book = load_workbook(path, read_only=True, data_only=True)
        try:
            ws = book.worksheets[sheet] if isinstance(sheet, int) else book[sheet]
            rows = ws.iter_rows(values_only=True)
            header = [str(h).strip() if h is not None else "" for h in next(rows, [])]
            _check_header(header, required, path)
            for line, values in enumerate(rows, start=2):
                if all(v is None for v in values):
                    continue
                texts = [_cell_text(v) for v in values]
                beyond = sum(1 for t in texts[len(header):] if t)  # (never their values: an
                # HR export's stray cell may hold a personnummer)
                yield line, Record(
                    dict(zip(header, texts, strict=False)), ";".join(texts).rstrip(";"),
                    f"värden i {beyond} kolumner utan rubrik" if beyond else None)
        finally:
            book.close()
        return
    with path.open(encoding=encoding, newline="") as f:
        reader = csv.reader(f, delimiter=delimiter)
        try:
            header = [h.strip() for h in next(reader, [])]
            _check_header(header, required, path)
            end = reader.line_num
            for values in reader:
                line, end = end + 1, reader.line_num
                if not any(v.strip() for v in values):
                    continue
                problem = None
                if len(values) > len(header) and any(v.strip() for v in values[len(header):]):
                    problem = (f"{len(values)} fält men {len(header)} rubriker (ett "
                               f"'{delimiter}' i en text utan citattecken?)")
                yield line, Record(dict(zip(header, values, strict=False)),
                                   delimiter.join(values), problem)
        except UnicodeDecodeError:
            raise ValueError(f"{path.name}: rad {_undecodable_line(path, encoding)}: kan inte "
                             f"läsas som {encoding}; ange filens teckenkodning (encoding) i "
                             "konfigurationen, t.ex. iso-8859-1 eller cp1252") from None


def _undecodable_line(path: Path, encoding: str) -> int:
    """The first line of the file that is not in `encoding`."""
    for line, raw in enumerate(path.read_bytes().split(b"\n"), start=1):
        try:
            raw.decode(encoding)
        except UnicodeDecodeError:
            return line
    return 1


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        return repr(value).replace(".", ",") if value != int(value) else str(int(value))
    return str(value)


def _check_header(header: list[str], required: Iterable[str], path: Path) -> None:
    missing = [h for h in required if h not in header]
    if missing:
        raise ValueError(f"{path.name}: line 1: missing column(s) {', '.join(missing)}")


def read_table_ledger(path: Path, kind: str, delivered_period: str | None, periods: set[str],
                      delimiter: str = ";", encoding: str = "utf-8", decimal: str = ",",
                      sheet: str | int = 0, columns: dict[str, str] | None = None,
                      sink: Sink | None = None) -> Batch:
    """Ledger rows from a CSV or Excel export with Swedish headers (mapping configurable)."""
    cols = {**LEDGER_TABLE_COLUMNS, **(columns or {})}
    batch = Batch(sink=sink)
    for line, rec in table_rows(path, kind, delimiter, encoding, sheet,
                                required=[cols[k] for k in LEDGER_REQUIRED]):
        v = {k: rec.get(h, "").strip() for k, h in cols.items()}
        raw = rec.raw[:500]
        try:
            rec.check()
            day = parse_any_date(v["voucher_date"])
        except ValueError as e:  # its month is unknown: it belongs to the load that read it
            batch.read += 1
            batch.reject("ledger", path.name, line, raw, str(e), delivered_period)
            continue
        period = delivered_period or f"{day.year}-{day.month:02d}"
        if period not in periods:
            continue
        batch.read += 1
        try:
            if not v["account"]:
                raise ValueError("account is empty")
            row = {
                "period": period, "series": v["series"] or None,
                "voucher_number": v["voucher_number"] or None, "voucher_date": day,
                "voucher_text": v["voucher_text"] or None,
                "registration_date": parse_any_date(v["registration_date"])
                if v["registration_date"] else None,
                "row_number": int(v["row_number"]) if v["row_number"].isdigit() else None,
                "account": v["account"], "ansvar": v["ansvar"] or None,
                "project": v["project"] or None, "activity_code": v["activity_code"] or None,
                "counterpart": v["counterpart"] or None,
                "amount_ore": parse_decimal_amount(v["amount"], decimal),
                "transaction_text": v["transaction_text"] or None, "row_kind": "TRANS",
                "source_file": path.name, "source_line": line, "voucher_line": line,
            }
        except ValueError as e:
            batch.reject("ledger", path.name, line, raw, str(e), period)
            continue
        batch.add(row)
    return batch


def read_annual_budget(path: Path, kind: str, version: str, fiscal_year: int,
                       delimiter: str = ";", encoding: str = "utf-8", decimal: str = ",",
                       sheet: str | int = 0, columns: dict[str, str] | None = None,
                       keys: dict[str, list[Decimal]] | None = None) -> Batch:
    """Annual budget lines spread over months by their periodisation key."""
    cols = {**ANNUAL_BUDGET_COLUMNS, **(columns or {})}
    keys = keys if keys is not None else load_keys()
    batch = Batch(input_rows_loaded=0)
    for line, rec in table_rows(path, kind, delimiter, encoding, sheet,
                                required=[cols[k] for k in ANNUAL_BUDGET_REQUIRED]):
        batch.read += 1
        v = {k: rec.get(h, "").strip() for k, h in cols.items()}
        try:
            rec.check()
            key = v["key"].lower()
            if key not in keys:
                raise ValueError(f"periodisation key '{v['key']}' is not one of "
                                 f"{', '.join(sorted(keys))}")
            if v["version"] and v["version"].lower() != version.lower():
                raise ValueError(f"version '{v['version']}' in a file configured as "
                                 f"'{version}'")
            year = int(v["year"]) if v["year"] else fiscal_year
            months = periodise(parse_decimal_amount(v["amount"], decimal), keys[key])
            if not v["account"]:
                raise ValueError("account is empty")
        except ValueError as e:
            batch.reject("budget", path.name, line, rec.raw[:500], str(e))
            continue
        batch.input_rows_loaded += 1
        for month, ore in enumerate(months, start=1):
            batch.add({
                "version": version, "fiscal_year": year, "period": f"{year}-{month:02d}",
                "account": v["account"], "ansvar": v["ansvar"] or None,
                "project": v["project"] or None, "amount_ore": ore, "source_file": path.name,
                "source_line": line,
            })
    return batch
