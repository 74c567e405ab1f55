"""The ledger from an ERP database: SQLite here, PostgreSQL and MariaDB on localhost in CI.

The demo writes its ledger into the ERP tables while it writes the SIE files; the rows read
from the database must be the rows of the files (read with the tests' own SIE helpers).
"""

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
from pipelines.ingest import database
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
    out, _ = files
    db = tmp_path / "erp.db"
    db.write_bytes((out / "erp.db").read_bytes())
    url = f"sqlite:///{db}"
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
    out, _ = files
    db = tmp_path / "erp.db"
    db.write_bytes((out / "erp.db").read_bytes())
    url = f"sqlite:///{db}"
    engine = sa.create_engine(url)
    with engine.begin() as erp:
        erp.execute(sa.text("update verifikationsrad set belopp = '10.005' where rad_id = 7"))
    engine.dispose()
    batch = database.extract(source(url), duckdb.connect(), full=True)
    [q] = batch.quarantine
    assert (q["line"], q["rule"]) == (7, "'10.005' has more than two decimals")
    batch.check_accounting()


def test_small_chunks_give_the_same_rows(files):
    out, url = files
    small, large = duckdb.connect(), duckdb.connect()
    database.extract(source(url), small, full=True, chunk_rows=500)
    database.extract(source(url), large, full=True, chunk_rows=50_000)
    assert landed(small) == landed(large)


def test_pipeline_loads_the_ledger_from_the_database(files, tmp_path):
    out, url = files
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
        },
    }
    (tmp_path / "uppfoljning.yaml").write_text(yaml.safe_dump(config, allow_unicode=True))
    summary = run_pipeline(tmp_path / "uppfoljning.yaml")
    assert not {"ledger_reconciles", "org_tree_is_valid"} & set(summary.checks_failed)
    with duckdb.connect(str(summary.warehouse), read_only=True) as con:
        got = nonzero(Counter({(p, a): s for p, a, s in con.execute(
            "SELECT period, account, sum(amount) FROM raw.ledger_transactions "
            "GROUP BY 1, 2").fetchall()}))
    assert got == sie_rows(out)


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
