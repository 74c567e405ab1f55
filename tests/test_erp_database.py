"""The ledger (and HR) from a database: SQLite here, PostgreSQL and MariaDB on localhost in CI.

The demo writes its ledger into the ERP tables while it writes the SIE files; the rows read
from the database must be the rows of the files (read with the tests' own SIE helpers).
"""

import csv
import os
from collections import Counter
from decimal import Decimal

import duckdb
import pytest
import sqlalchemy as sa
import yaml
from sie_helpers import parse_sie

from pipelines.config import DatabaseSource
from pipelines.demo.generator import generate
from pipelines.ingest import database, landing, loaders
from pipelines.runner import run_pipeline

SERVERS = {
    "postgresql": "postgresql+psycopg://postgres@127.0.0.1:5432/{db}",
    "mariadb": "mysql+pymysql://root@127.0.0.1:3306/{db}",
}
ADMIN_DB = {"postgresql": "postgres", "mariadb": "test"}


def source(url: str, **extra) -> DatabaseSource:
    return DatabaseSource(type="database", url=url, query=database.DEMO_QUERY,
                          watermark="rad_id", **extra)


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    out = tmp_path_factory.mktemp("erp")
    url = f"sqlite:///{out / 'erp.db'}"
    generate(out / "sources", size="small", seed=2, year=2025, erp_url=url)
    return out, url


def nonzero(totals: Counter) -> dict:
    return {k: v for k, v in totals.items() if v != 0}


def sie_rows(out) -> dict:
    """(period, account) -> sum of #TRANS amounts in the month's SIE file (sums that are not
    zero)."""
    totals: Counter = Counter()
    for month in range(1, 13):
        parsed = parse_sie(out / "sources" / "ekonomi" / "2025" / f"huvudbok_2025-{month:02d}.se")
        for _, t in parsed.trans():
            totals[(f"2025-{month:02d}", t.account)] += t.amount
    return nonzero(totals)


def landed(con) -> dict:
    return nonzero(Counter({(p, a): s for p, a, s in con.execute(
        "SELECT period, account, sum(amount) FROM raw.erp_ledger_rows GROUP BY 1, 2"
    ).fetchall()}))


def erp_copy(files, tmp_path) -> tuple:
    """(the demo's folder, the URL of a copy of its ERP database that a test may change)."""
    out, _ = files
    db = tmp_path / "erp.db"
    db.write_bytes((out / "erp.db").read_bytes())
    return out, f"sqlite:///{db}"


def test_database_holds_the_rows_of_the_files(files):
    out, url = files
    con = duckdb.connect()
    batch = database.extract(source(url), con, full=True)
    batch.check_accounting()
    assert batch.quarantine == []
    assert landed(con) == sie_rows(out)
    assert batch.read == sum(1 for m in range(1, 13) for _ in parse_sie(
        out / "sources" / "ekonomi" / "2025" / f"huvudbok_2025-{m:02d}.se").trans())


def test_incremental_reads_only_what_is_new(files, tmp_path):
    out, url = erp_copy(files, tmp_path)
    con = duckdb.connect()
    first = database.extract(source(url), con, full=True)
    assert database.extract(source(url), con, full=False).read == 0
    engine = sa.create_engine(url)
    with engine.begin() as erp:
        [(ver_id,)] = erp.execute(sa.text("select max(ver_id) + 1 from verifikation")).all()
        [(rad_id,)] = erp.execute(sa.text("select max(rad_id) from verifikationsrad")).all()
        erp.execute(sa.text("insert into verifikation values (:v, 'LF', 99999, '2025-12-30', "
                            "'2025-12-31', '202512', 'Sen faktura')"), {"v": ver_id})
        erp.execute(sa.text(
            "insert into verifikationsrad values (:r1, :v, 1, '6421', '111201', null, '810', "
            "'84', 123.45), (:r2, :v, 2, '2440', null, null, null, null, -123.45)"),
            {"r1": rad_id + 1, "r2": rad_id + 2, "v": ver_id})
    engine.dispose()
    new = database.extract(source(url), con, full=False)
    assert new.read == 2 and new.loaded == 2
    again = database.extract(source(url), con, full=True)
    assert again.read == first.read + 2
    assert con.execute("SELECT count(*) FROM raw.erp_ledger_rows").fetchone()[0] == again.read


def test_row_with_three_decimals_is_quarantined_with_its_key(files, tmp_path):
    out, url = erp_copy(files, tmp_path)
    engine = sa.create_engine(url)
    with engine.begin() as erp:
        erp.execute(sa.text("update verifikationsrad set belopp = '10.005' where rad_id = 7"))
    engine.dispose()
    batch = database.extract(source(url), duckdb.connect(), full=True)
    [q] = batch.quarantine
    assert (q["line"], q["rule"]) == (7, "'10.005' har fler än två decimaler")
    batch.check_accounting()


def test_a_month_extracted_again_with_other_rows_is_a_corrected_delivery(files, tmp_path):
    out, url = erp_copy(files, tmp_path)
    con = duckdb.connect()
    landing.ensure_manifest(con)
    months = [f"2025-{m:02d}" for m in range(1, 13)]

    def extract_and_record() -> dict[str, str]:
        database.extract(source(url), con, full=True)
        return {month: landing.record(con, tmp_path / "landing", landing.extracted(
                    "ledger", month, database.source_name(source(url)), content), n, n, 0)
                for month, n, content in database.month_contents(source(url), con, months)}

    assert set(extract_and_record().values()) == {"new"}
    assert set(extract_and_record().values()) == {"unchanged"}  # same rows, later extraction
    engine = sa.create_engine(url)
    with engine.begin() as erp:  # one row of March booked on another ansvar in the ERP
        erp.execute(sa.text(
            "update verifikationsrad set ansvar = '111301' where rad_id = (select min(r.rad_id) "
            "from verifikationsrad r join verifikation v on v.ver_id = r.ver_id "
            "where v.period = '202503' and r.ansvar is not null)"))
    engine.dispose()
    again = extract_and_record()
    assert {m for m, status in again.items() if status != "unchanged"} == {"2025-03"}
    assert again["2025-03"] == "corrected"
    assert con.execute("SELECT status, count(*) FROM raw.deliveries WHERE period = '2025-03' "
                       "GROUP BY 1 ORDER BY 1").fetchall() == [("current", 1), ("replaced", 1)]
    assert not (tmp_path / "landing").exists()  # nothing to copy: the rows are landed


def test_small_chunks_give_the_same_rows(files):
    out, url = files
    small, large = duckdb.connect(), duckdb.connect()
    database.extract(source(url), small, full=True, chunk_rows=500)
    database.extract(source(url), large, full=True, chunk_rows=50_000)
    assert landed(small) == landed(large)


@pytest.mark.slow  # a full run of the demo
def test_pipeline_loads_the_ledger_and_hr_from_the_database(files, tmp_path):
    out, url = files
    hr_url = f"sqlite:///{tmp_path / 'hr.db'}"
    hr_files = sorted((out / "sources" / "personal" / "2025").glob("*.csv"))
    write_hr_table(hr_url, hr_files)
    config = {
        "municipality": "Exempelkommun", "fiscal_year": 2025, "demo": True,
        "sources": {
            "org_register": {"type": "csv",
                             "path": str(out / "sources/organisation/organisationsregister.csv")},
            "ledger": [{"type": "database", "url": url, "query": database.DEMO_QUERY,
                        "watermark": "rad_id"}],
            "budget": [{"type": "sie", "path": str(out / "sources/budget/2025/"
                                                   "budget_2025_reviderad.se"),
                        "version": "reviderad"}],
            "hr": [{"type": "database", "url": hr_url, "table": "anstallning_manad",
                    "columns": HR_TABLE_COLUMNS, "period_format": "%Y%m"}],
        },
    }
    (tmp_path / "uppfoljning.yaml").write_text(yaml.safe_dump(config, allow_unicode=True))
    summary = run_pipeline(tmp_path / "uppfoljning.yaml")
    assert not {"ledger_reconciles", "org_tree_is_valid"} & set(summary.checks_failed)
    with duckdb.connect(str(summary.warehouse), read_only=True) as con:
        got = nonzero(Counter({(p, a): s for p, a, s in con.execute(
            "SELECT period, account, sum(amount) FROM raw.ledger_transactions "
            "GROUP BY 1, 2").fetchall()}))
        hr = con.execute("SELECT count(*), count(DISTINCT period) FROM raw.hr_employee_months"
                         ).fetchall()
        staff = con.execute("SELECT max(headcount) FROM marts.staff_statistics "
                            "WHERE org_level = 'kommun' AND period_scope = 'month'").fetchall()
        # each extracted month is a delivery in the manifest, as a file would be
        extracted = con.execute(
            "SELECT period, file_name, status, rows_loaded, landed_path FROM raw.deliveries "
            "WHERE source = 'ledger' ORDER BY period").fetchall()
        per_month = dict(con.execute("SELECT period, count(*) FROM raw.ledger_transactions "
                                     "GROUP BY 1").fetchall())
    csv_rows = [r for f in hr_files for r in csv.DictReader(f.open(encoding="utf-8"),
                                                               delimiter=";")]
    assert got == sie_rows(out)
    assert [(p, n) for p, _, _, n, _ in extracted] == sorted(per_month.items())
    assert {(f, s, landed) for _, f, s, _, landed in extracted} == {
        (database.source_name(source(url)), "current", None)}
    assert hr == [(len(csv_rows), 12)]
    assert staff[0][0] == max(Counter(r["Period"] for r in {
        (r["Period"], r["Personnummer"]): r for r in csv_rows}.values()).values())


@pytest.fixture(params=sorted(SERVERS))
def server_url(request):
    """A fresh database on the local server, dropped afterwards."""
    kind = request.param
    name = f"uppf_test_{os.getpid()}"
    admin = sa.create_engine(SERVERS[kind].format(db=ADMIN_DB[kind]),
                             isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as con:
            con.execute(sa.text(f"DROP DATABASE IF EXISTS {name}"))
            con.execute(sa.text(f"CREATE DATABASE {name}"))
    except sa.exc.OperationalError as e:
        admin.dispose()
        pytest.skip(f"no {kind} server answers on localhost ({e.orig})")
    yield SERVERS[kind].format(db=name)
    with admin.connect() as con:
        con.execute(sa.text(f"DROP DATABASE IF EXISTS {name}"))
    admin.dispose()


@pytest.mark.database
def test_server_database_gives_the_same_rows(files, server_url, tmp_path):
    out, _ = files
    generate(tmp_path / "sources", size="small", seed=2, year=2025, erp_url=server_url)
    con = duckdb.connect()
    batch = database.extract(source(server_url), con, full=True, chunk_rows=1000)
    assert batch.quarantine == []
    assert landed(con) == sie_rows(out)
    assert database.extract(source(server_url), con, full=False).read == 0
    assert isinstance(next(iter(landed(con).values())), Decimal)


# --- HR from the HR system's database table -----------------------------------------------

HR_TABLE_COLUMNS = {  # our name -> the HR system's column
    "period": "period", "personal_id": "personnummer", "gender": "kon",
    "birth_year": "fodelsear", "unit_code": "enhet", "employment_type": "anstallningsform",
    "employed_from": "anstalld_fran", "employed_to": "anstalld_till",
    "employment_rate": "syssgrad", "scheduled_hours": "schema_tim", "sick_hours": "sjuk_tim",
    "sick_hours_long": "sjuk_lang_tim", "overtime_hours": "overtid_tim",
    "additional_hours": "mertid_tim", "personnel_cost": "kostnad",
}


def write_hr_table(url: str, csv_files) -> None:
    """The HR system's table, as such a system keeps it: a month as 202503, dates as dates,
    numbers as numbers, the name beside the personnummer."""
    import datetime as dt

    meta = sa.MetaData()
    table = sa.Table(
        "anstallning_manad", meta, sa.Column("period", sa.Integer),
        sa.Column("personnummer", sa.String(13)), sa.Column("namn", sa.String(80)),
        sa.Column("kon", sa.String(1)), sa.Column("fodelsear", sa.Integer),
        sa.Column("enhet", sa.String(10)), sa.Column("anstallningsform", sa.String(20)),
        sa.Column("anstalld_fran", sa.Date), sa.Column("anstalld_till", sa.Date),
        *[sa.Column(c, sa.Numeric(12, 2)) for c in (
            "syssgrad", "schema_tim", "sjuk_tim", "sjuk_lang_tim", "overtid_tim", "mertid_tim",
            "kostnad")])
    engine = sa.create_engine(url)
    meta.create_all(engine)

    def number(text):
        return Decimal(text.replace(",", "."))

    with engine.begin() as con:
        for path in csv_files:
            with path.open(encoding="utf-8", newline="") as f:
                con.execute(table.insert(), [{
                    "period": int(r["Period"].replace("-", "")),
                    "personnummer": r["Personnummer"], "namn": r["Namn"], "kon": r["Kön"],
                    "fodelsear": int(r["Födelseår"]), "enhet": r["Enhet"],
                    "anstallningsform": r["Anställningsform"],
                    "anstalld_fran": dt.date.fromisoformat(r["Anställd från"]),
                    "anstalld_till": dt.date.fromisoformat(r["Anställd till"])
                    if r["Anställd till"] else None,
                    "syssgrad": number(r["Sysselsättningsgrad (%)"]),
                    "schema_tim": number(r["Schemalagd tid (tim)"]),
                    "sjuk_tim": number(r["Sjukfrånvaro (tim)"]),
                    "sjuk_lang_tim": number(r["Varav sjukfrånvaro 60 dagar eller mer (tim)"]),
                    "overtid_tim": number(r["Övertid (tim)"]),
                    "mertid_tim": number(r["Mertid (tim)"]),
                    "kostnad": number(r["Personalkostnad (kr)"]),
                } for r in csv.DictReader(f, delimiter=";")])
    engine.dispose()


def hr_from_database(url: str, month: str) -> list[dict]:
    src = DatabaseSource(type="database", url=url, table="anstallning_manad",
                         columns=HR_TABLE_COLUMNS, period_format="%Y%m")
    batch = loaders.read_hr_rows(database.month_rows(src, "period", month),
                                 database.source_name(src), b"k", month, ".", src.columns)
    batch.check_accounting()
    return batch.rows


def hr_from_csv(out, month: str) -> list[dict]:
    path = out / "sources" / "personal" / "2025" / f"personal_{month}.csv"
    return loaders.read_hr_export(path, b"k", month).rows


def same_rows(rows: list[dict]) -> list[tuple]:
    return sorted(tuple(str(v) for k, v in sorted(r.items()) if k not in ("source_file",
                                                                          "source_line"))
                   for r in rows)


def test_hr_from_a_database_table_gives_the_rows_of_the_export(files, tmp_path):
    out, _ = files
    url = f"sqlite:///{tmp_path / 'hr.db'}"
    write_hr_table(url, [(out / "sources" / "personal" / "2025" / f"personal_2025-{m:02d}.csv")
                         for m in (2, 3)])
    rows = hr_from_database(url, "2025-03")
    assert rows and same_rows(rows) == same_rows(hr_from_csv(out, "2025-03"))
    assert {r["period"] for r in rows} == {"2025-03"}  # only the month asked for
    assert all(len(r["person_key"]) == 32 for r in rows)


@pytest.mark.database
def test_hr_from_a_server_table_gives_the_rows_of_the_export(files, server_url):
    out, _ = files
    write_hr_table(server_url, [out / "sources" / "personal" / "2025" / "personal_2025-03.csv"])
    assert same_rows(hr_from_database(server_url, "2025-03")) == same_rows(
        hr_from_csv(out, "2025-03"))
