"""The ledger from an ERP database through SQLAlchemy (Raindance, Unit4/Agresso, Visma ...).

Extraction lands the ERP's voucher rows in the warehouse table `raw.erp_ledger_rows`, the
database counterpart of a delivered file: incrementally past a watermark (a monthly run reads
only what is new) or, for a backfill, as a full re-extract. Rows are read in chunks through a
streaming cursor, so memory is bounded by the chunk. The monthly ledger partitions then load
from the landed rows like from any delivery. The same code path serves SQLite, PostgreSQL and
MariaDB.

`columns` in the source config maps our names to the ERP's columns of `table` or `query`.
The defaults fit the demo ERP (`uppfoljning generate --erp-db URL`):

| our name | default column | |
|---|---|---|
| row_key | rad_id | unique per row; with the watermark it decides what is new |
| period | period | the accounting period: YYYYMM, YYYY-MM, a number or a date |
| series, voucher_number | serie, vernr | |
| voucher_date, registration_date | bokforingsdatum, registreringsdatum | |
| voucher_text | text | |
| row_number | radnr | |
| account | konto | required |
| ansvar, project, activity_code, counterpart | ansvar, projekt, verksamhet, motpart | |
| amount | belopp | exact, at most two decimals |

The demo's query joins the voucher and row tables:

    select v.serie, v.vernr, v.bokforingsdatum, v.registreringsdatum, v.period, v.text,
           r.rad_id, r.radnr, r.konto, r.ansvar, r.projekt, r.verksamhet, r.motpart, r.belopp
    from verifikation v join verifikationsrad r on r.ver_id = v.ver_id
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal

import duckdb
import pandas as pd
import sqlalchemy as sa

from pipelines.config import DatabaseSource
from pipelines.ingest.batch import Batch
from pipelines.ingest.raw_tables import ensure_raw_schema
from pipelines.ingest.tables import parse_decimal_amount

DEFAULT_COLUMNS = {
    "row_key": "rad_id", "period": "period", "series": "serie", "voucher_number": "vernr",
    "voucher_date": "bokforingsdatum", "registration_date": "registreringsdatum",
    "voucher_text": "text", "row_number": "radnr", "account": "konto", "ansvar": "ansvar",
    "project": "projekt", "activity_code": "verksamhet", "counterpart": "motpart",
    "amount": "belopp",
}
DEMO_QUERY = (
    "select v.serie, v.vernr, v.bokforingsdatum, v.registreringsdatum, v.period, v.text, "
    "r.rad_id, r.radnr, r.konto, r.ansvar, r.projekt, r.verksamhet, r.motpart, r.belopp "
    "from verifikation v join verifikationsrad r on r.ver_id = v.ver_id"
)
LANDED_DDL = """
    source VARCHAR NOT NULL, row_key VARCHAR NOT NULL, period VARCHAR, series VARCHAR,
    voucher_number VARCHAR, voucher_date DATE, registration_date DATE, voucher_text VARCHAR,
    row_number INTEGER, account VARCHAR, ansvar VARCHAR, project VARCHAR,
    activity_code VARCHAR, counterpart VARCHAR, amount DECIMAL(18, 2),
    extracted_at TIMESTAMP"""
STATE_DDL = """
    source VARCHAR NOT NULL, watermark_kind VARCHAR, watermark VARCHAR,
    extracted_at TIMESTAMP, rows_extracted BIGINT"""


def source_name(source: DatabaseSource) -> str:
    """How the source is named in the warehouse: its table, or 'query' with the URL's host."""
    url = sa.engine.make_url(source.resolved_url())
    where = url.host or url.database or url.drivername
    return f"db:{where}:{source.table or 'query'}"


def period_of(value: object) -> str:
    """YYYY-MM from 202501, '202501', '2025-01', '2025-01-31' or a date."""
    if isinstance(value, dt.date):
        return f"{value.year}-{value.month:02d}"
    text = str(value).strip()
    digits = text.replace("-", "")[:6]
    if len(digits) != 6 or not digits.isdigit() or not 1 <= int(digits[4:]) <= 12:
        raise ValueError(f"perioden '{value}' är inte ÅÅÅÅMM")
    return f"{digits[:4]}-{digits[4:]}"


def _date(value: object) -> dt.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def _exact(value: object) -> Decimal:
    """An amount of the ERP's, exactly, read as every source's amounts are
    (tables.parse_decimal_amount): a number column's value as its digits (a float as the
    shortest text that is the same float), a text column as written with a decimal point
    ('-1 234.50', '1234.50-'); at most two decimals."""
    if value is None:
        raise ValueError("beloppet saknas")
    if isinstance(value, float):
        value = Decimal(repr(value))  # 0.1 -> '0.1', never the binary fraction's digits
    text = format(value, "f") if isinstance(value, Decimal) else str(value)  # no exponent
    return Decimal(parse_decimal_amount(text, ".")).scaleb(-2)


def _watermark(kind: str, text: str) -> object:
    if kind == "int":
        return int(text)
    if kind == "date":
        return dt.date.fromisoformat(text)
    if kind == "datetime":
        return dt.datetime.fromisoformat(text)
    return text


def _kind(value: object) -> str:
    if isinstance(value, bool):
        return "str"
    if isinstance(value, int):
        return "int"
    if isinstance(value, dt.datetime):
        return "datetime"
    if isinstance(value, dt.date):
        return "date"
    return "str"


def ensure_tables(con: duckdb.DuckDBPyConnection) -> None:
    ensure_raw_schema(con)
    con.execute(f"CREATE TABLE IF NOT EXISTS raw.erp_ledger_rows ({LANDED_DDL})")
    con.execute(f"CREATE TABLE IF NOT EXISTS raw.extraction_state ({STATE_DDL})")


def extract(source: DatabaseSource, con: duckdb.DuckDBPyConnection, full: bool,
            chunk_rows: int = 50_000) -> Batch:
    """Land the ERP's new rows (or all of them, `full`) in raw.erp_ledger_rows; rows that
    cannot be read are quarantined with their key. Runs inside the caller's transaction."""
    ensure_tables(con)
    name = source_name(source)
    cols = {**DEFAULT_COLUMNS, **source.columns}
    wm_col = source.watermark
    states = con.execute("SELECT watermark_kind, watermark FROM raw.extraction_state "
                         "WHERE source = ?", [name]).fetchall()
    state = states[0] if states else None
    since = None if full or state is None or state[1] is None else _watermark(*state)
    if full:  # a re-extract replaces what was landed, and what was quarantined, before
        con.execute("DELETE FROM raw.erp_ledger_rows WHERE source = ?", [name])
        con.execute("DELETE FROM raw.quarantine WHERE source = 'ledger' AND file = ?", [name])
    batch = Batch(sink=lambda frame: _land(con, frame))
    now = dt.datetime.now().replace(microsecond=0)
    newest = since
    engine = sa.create_engine(source.resolved_url())
    try:
        with engine.connect() as db:
            sql, params = _new_rows_query(source, since)
            result = db.execution_options(stream_results=True, yield_per=chunk_rows).execute(
                sa.text(sql), params)
            for record in result.mappings():
                batch.read += 1
                if wm_col is not None and record.get(wm_col) is not None:
                    value = record[wm_col]
                    newest = value if newest is None or value > newest else newest
                _land_record(batch, record, cols, name, now)
    finally:
        engine.dispose()
    batch.flush()
    con.execute("DELETE FROM raw.extraction_state WHERE source = ?", [name])
    con.execute("INSERT INTO raw.extraction_state VALUES (?, ?, ?, ?, ?)",
                [name, _kind(newest) if newest is not None else None,
                 newest.isoformat() if hasattr(newest, "isoformat") else
                 (str(newest) if newest is not None else None), now, batch.read])
    return batch


def _new_rows_query(source: DatabaseSource, since) -> tuple[str, dict]:
    """The query for the rows after the watermark (all rows without one), in its order."""
    relation = f"({source.query}) src" if source.query else f"{source.table} src"
    sql = f"SELECT * FROM {relation}"
    params: dict = {}
    if since is not None and source.watermark:
        sql += f" WHERE src.{source.watermark} > :since"
        params["since"] = since
    if source.watermark:
        sql += f" ORDER BY src.{source.watermark}"
    return sql, params


def _land_record(batch: Batch, record, cols: dict[str, str], name: str, now: dt.datetime
                 ) -> None:
    """One ERP row into the batch, or into quarantine with its key and why."""
    key = record.get(cols["row_key"])
    try:
        if not record.get(cols["account"]):
            raise ValueError("kontot saknas")
        batch.add({
            "source": name, "row_key": str(key),
            "period": period_of(record.get(cols["period"])),
            "series": _text(record.get(cols["series"])),
            "voucher_number": _text(record.get(cols["voucher_number"])),
            "voucher_date": _date(record.get(cols["voucher_date"])),
            "registration_date": _date(record.get(cols["registration_date"])),
            "voucher_text": _text(record.get(cols["voucher_text"])),
            "row_number": record.get(cols["row_number"]),
            "account": str(record[cols["account"]]),
            "ansvar": _text(record.get(cols["ansvar"])),
            "project": _text(record.get(cols["project"])),
            "activity_code": _text(record.get(cols["activity_code"])),
            "counterpart": _text(record.get(cols["counterpart"])),
            "amount": _exact(record.get(cols["amount"])),
            "extracted_at": now,
        })
    except (ValueError, TypeError) as e:
        raw = "; ".join(f"{k}={v}" for k, v in record.items())
        batch.reject("ledger", name, int(key) if str(key).isdigit() else 0, raw[:500], str(e))


def month_rows(source: DatabaseSource, period_column: str, period: str
               ) -> Iterator[tuple[int, dict[str, str]]]:
    """One month of a table (or query) as (row number, {column: text}), for the readers of
    monthly exports; the month is selected in the database: `period_column` = the month
    written as the source's `period_format`."""
    month = dt.date(int(period[:4]), int(period[5:7]), 1).strftime(source.period_format)
    relation = f"({source.query}) src" if source.query else f"{source.table} src"
    engine = sa.create_engine(source.resolved_url())
    try:
        with engine.connect() as db:
            result = db.execution_options(stream_results=True, yield_per=10_000).execute(
                sa.text(f"SELECT * FROM {relation} WHERE src.{period_column} = :month"),
                {"month": month})
            for n, record in enumerate(result.mappings(), start=1):
                yield n, {k: _cell(v) for k, v in record.items()}
    finally:
        engine.dispose()


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _text(value: object) -> str | None:
    return None if value is None or value == "" else str(value)


def _land(con: duckdb.DuckDBPyConnection, frame: pd.DataFrame) -> None:
    frame = frame.assign(amount=frame["amount"].astype(str))
    con.register("incoming_erp", frame)
    try:
        con.execute("INSERT INTO raw.erp_ledger_rows SELECT source, row_key, period, series, "
                    "voucher_number, voucher_date, registration_date, voucher_text, "
                    "row_number, account, ansvar, project, activity_code, counterpart, "
                    "CAST(amount AS DECIMAL(18, 2)), extracted_at FROM incoming_erp")
    finally:
        con.unregister("incoming_erp")


def month_contents(source: DatabaseSource, con: duckdb.DuckDBPyConnection,
                   months: list[str]) -> list[tuple[str, int, str]]:
    """(month, rows, content hash) of each month with landed rows: what the manifest records
    as the month's delivery (the hash changes with any row's content, not its extraction
    time)."""
    return con.execute(
        "SELECT period, count(*), md5(string_agg(concat_ws('|', row_key, series, "
        "voucher_number, voucher_date, registration_date, voucher_text, row_number, account, "
        "ansvar, project, activity_code, counterpart, amount), chr(10) ORDER BY row_key)) "
        "FROM raw.erp_ledger_rows WHERE source = ? AND period IN (SELECT unnest(?)) "
        "GROUP BY period ORDER BY period", [source_name(source), months]).fetchall()


def load_landed(source: DatabaseSource, con: duckdb.DuckDBPyConnection, months: list[str],
                insert) -> int:
    """Copy the landed rows of `months` into raw.ledger_transactions (inside the load)."""
    name = source_name(source)
    marks = ", ".join("?" for _ in months)
    frame = con.execute(
        f"SELECT period, series, voucher_number, voucher_date, voucher_text, "
        f"registration_date, row_number, account, ansvar, project, activity_code, counterpart,"
        f" CAST(amount * 100 AS BIGINT) AS amount_ore, 'TRANS' AS row_kind, "
        f"source AS source_file, try_cast(row_key AS INTEGER) AS source_line "
        f"FROM raw.erp_ledger_rows WHERE source = ? AND period IN ({marks})",
        [name, *months]).df()
    insert(frame)
    return len(frame)
