"""The whole pipeline on the demo municipality: every delivered row is in the warehouse."""

import hashlib
import re
import shutil
from decimal import Decimal
from pathlib import Path

import dagster as dg
import duckdb
import openpyxl
import pytest
import yaml
from sie_helpers import parse_sie, read_csv

from pipelines.runner import run_pipeline

pytestmark = pytest.mark.slow


def query(summary, sql: str, params=None) -> list[tuple]:
    with duckdb.connect(str(summary.warehouse), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def source_files(summary, pattern: str) -> list:
    return sorted((summary.config.base_dir / "sources").glob(pattern))


def test_every_ledger_row_of_every_file_is_loaded(demo_run):
    files = source_files(demo_run, "ekonomi/*/*.se")
    assert len(files) == 13
    for path in files:
        parsed = parse_sie(path)
        rows = [t for _, t in parsed.trans()]
        loaded = query(demo_run, "SELECT count(*), sum(amount) FROM raw.ledger_transactions "
                                 "WHERE source_file = ?", [path.name])[0]
        assert loaded == (len(rows), sum((t.amount for t in rows), Decimal(0))), path.name
    assert query(demo_run, "SELECT count(*) FROM raw.quarantine") == [(0,)]


def test_monthly_file_rows_belong_to_its_month_even_with_a_wrong_date(demo_run):
    # the generator mistypes the year of some vouchers; they stay in the delivered month
    wrong = query(demo_run, "SELECT period, voucher_date FROM raw.ledger_transactions "
                            "WHERE year(voucher_date) <> 2025 AND period LIKE '2025-%'")
    assert wrong
    for period, day in wrong:
        assert day.year in (2024, 2026) and period.startswith("2025-")


def test_budget_versions_are_loaded_as_delivered(demo_run):
    for version in ("antagen", "reviderad"):
        path = source_files(demo_run, f"budget/*/budget_*_{version}.se")[0]
        total = sum((Decimal(line.split()[-1]) for line in path.read_bytes().decode("cp437")
                     .splitlines() if line.startswith("#PBUDGET")), Decimal(0))
        got = query(demo_run, "SELECT sum(amount) FROM raw.budget_lines WHERE version = ? "
                              "AND source_file = ?", [version, path.name])[0][0]
        assert got == total


def test_annual_investment_budget_is_periodised_by_its_key(demo_run):
    path = source_files(demo_run, "budget/*/investeringsbudget_*.csv")[0]
    lines = read_csv(path, encoding="iso-8859-1")
    assert lines
    for line in lines:
        months = query(demo_run, "SELECT period, amount FROM raw.budget_lines WHERE project = ? "
                                 "ORDER BY period", [line["Projekt"]])
        assert [p for p, _ in months] == [f"2025-{m:02d}" for m in range(1, 13)]
        annual = Decimal(line["Budget helår (kr)"].replace(",", "."))
        assert sum(a for _, a in months) == annual
        if line["Periodiseringsnyckel"] == "kalenderdagar":  # February is the smallest month
            assert min(months, key=lambda pa: pa[1])[0] == "2025-02"
        else:
            assert max(a for _, a in months) - min(a for _, a in months) <= 1


def test_hr_rows_loaded_without_personal_data(demo_run):
    files = source_files(demo_run, "personal/*/*.csv")
    rows = [r for f in files for r in read_csv(f)]
    assert query(demo_run, "SELECT count(*) FROM raw.hr_employee_months") == [(len(rows),)]
    persons = {r["Personnummer"] for r in rows}
    assert query(demo_run, "SELECT count(DISTINCT person_key) FROM raw.hr_employee_months") == [
        (len(persons),)]
    names = {r["Namn"] for r in rows}
    pnr = re.compile(r"(19|20)?\d{6}[-+]?\d{4}")
    with duckdb.connect(str(demo_run.warehouse), read_only=True) as con:
        tables = con.execute("SELECT table_schema, table_name FROM information_schema.tables"
                             ).fetchall()
        for schema, table in tables:
            text_cols = [c for c, t in con.execute(
                f"SELECT column_name, data_type FROM information_schema.columns WHERE "
                f"table_schema = '{schema}' AND table_name = '{table}'").fetchall()
                if t == "VARCHAR"]
            for col in text_cols:
                values = {v for (v,) in con.execute(
                    f'SELECT DISTINCT "{col}" FROM {schema}.{table}').fetchall() if v}
                assert not [v for v in values if pnr.fullmatch(v)], f"{schema}.{table}.{col}"
                assert not values & names, f"{schema}.{table}.{col} holds employee names"


def test_marts_for_drill_down(demo_run):
    assert query(demo_run, "SELECT count(*) FROM marts.ledger_transactions") == query(
        demo_run, "SELECT count(*) FROM raw.ledger_transactions")
    moved = query(demo_run, "SELECT org_unit_code, count(DISTINCT parent_unit_code) "
                            "FROM marts.org_units GROUP BY 1 HAVING count(*) > 1")
    assert moved, "the unit that moves during the year has two rows"
    assert query(demo_run, "SELECT DISTINCT org_level FROM marts.org_units ORDER BY 1") == [
        ("enhet",), ("kommun",), ("nämnd",), ("sektor",), ("verksamhet",)]


def test_run_passes_its_checks_and_writes_the_load_report(demo_run):
    # the data reconciles; the quality suites report the defects the demo has on purpose
    assert not {"ledger_reconciles", "org_tree_is_valid"} & set(demo_run.checks_failed)
    assert {"kontering", "periodisering", "hr"} <= set(demo_run.checks_failed)
    # each check once, with the months it failed (a run over two years: a result per month)
    from pipelines.run_output import failed_checks_line

    assert len(demo_run.checks_failed) == len(set(demo_run.checks_failed))
    line = failed_checks_line(demo_run)
    assert line.count("kontering") == 1 and "kontering (2025-" in line
    book = openpyxl.load_workbook(demo_run.reports / "inlasningsrapport.xlsx")
    assert book.sheetnames == ["Sammanfattning", "Leveranser", "Regler", "Karantän"]
    summary = {r[0]: r[1:] for r in book["Sammanfattning"].iter_rows(min_row=2,
                                                                      values_only=True)}
    ledger_rows = query(demo_run, "SELECT count(*) FROM raw.ledger_transactions")[0][0]
    assert summary["Huvudbok"] == (ledger_rows, 0, ledger_rows)


def test_broken_delivery_is_quarantined_and_rerun_replaces_rows(demo_run, tmp_path):
    """A bad line is kept aside with file, line and rule; a rerun does not duplicate rows."""
    root = tmp_path / "kommun"
    shutil.copytree(demo_run.config.base_dir / "sources", root / "sources")
    path = root / "sources" / "ekonomi" / "2025" / "huvudbok_2025-01.se"
    lines = path.read_bytes().split(b"\n")
    n = next(i for i, line in enumerate(lines) if line.startswith(b"#TRANS"))
    lines[n] = lines[n].rsplit(b" ", 1)[0] + b" 12,50"  # a decimal comma: not SIE
    path.write_bytes(b"\n".join(lines))
    config = yaml.safe_load((demo_run.config.base_dir / "uppfoljning.yaml").read_text())
    config["first_year"] = 2025
    (root / "uppfoljning.yaml").write_text(yaml.safe_dump(config, allow_unicode=True))
    first = run_pipeline(root / "uppfoljning.yaml", through="2025-01")
    # the same file delivered again (forced: unchanged inputs would skip the run)
    again = run_pipeline(root / "uppfoljning.yaml", through="2025-01", force=True)
    # the voucher of the bad row is quarantined whole: its #VER line and every row of it
    ver = max(i for i in range(n) if lines[i].startswith(b"#VER"))
    end = next(i for i in range(n, len(lines)) if lines[i].strip() == b"}")
    rows = [i + 1 for i in range(ver, end) if lines[i].startswith(b"#TRANS")]
    quarantined = query(again, "SELECT file, line, rule FROM raw.quarantine "
                               "WHERE file = 'huvudbok_2025-01.se' ORDER BY line")
    assert [line for _, line, _ in quarantined] == [ver + 1, *rows]
    assert (n + 1, "'12,50' är inget belopp") in [(line, rule) for _, line, rule in quarantined]
    assert quarantined[0][2].startswith("verifikationen har 1 rad(er) som inte kan läsas")
    # last year's file, outside the configured years now, is quarantined row by row
    outside = query(again, "SELECT DISTINCT rule FROM raw.quarantine "
                           "WHERE file = 'huvudbok_2024_sammandrag.se'")
    assert len(outside) == 12 and all(
        "ligger utanför de konfigurerade åren (2025–2025" in rule for (rule,) in outside)
    delivered = path.read_bytes().count(b"#TRANS")
    kept = delivered - len(rows)
    assert query(first, "SELECT count(*) FROM raw.ledger_transactions") == [(kept,)]
    assert query(again, "SELECT count(*) FROM raw.ledger_transactions") == [(kept,)]
    book = openpyxl.load_workbook(again.reports / "inlasningsrapport.xlsx")
    sheet = [r for r in book["Karantän"].iter_rows(min_row=2, values_only=True)
             if r[1] == "huvudbok_2025-01.se"]
    assert ("Huvudbok", "huvudbok_2025-01.se", n + 1, "'12,50' är inget belopp") in [
        r[:4] for r in sheet]

    # the same file delivered twice: one delivery in the manifest, kept once in landing
    manifest = "SELECT status, rows_read, rows_loaded, rows_quarantined, landed_path " \
               "FROM raw.deliveries WHERE file_name = 'huvudbok_2025-01.se' " \
               "AND source = 'ledger' ORDER BY received_at"
    [(status, read, loaded, quarantined_rows, landed)] = query(again, manifest)
    # its rows are the file's #TRANS rows: the voucher's #VER line is a note, no row
    assert (status, read, loaded, quarantined_rows) == (
        "current", delivered, kept, len(rows))
    assert Path(landed).read_bytes() == path.read_bytes()

    # a corrected file replaces the month's rows; the earlier delivery stays in history
    lines[n] = lines[n].rsplit(b" ", 1)[0] + b" 12.50"
    path.write_bytes(b"\n".join(lines))
    corrected = run_pipeline(root / "uppfoljning.yaml", through="2025-01")
    history = query(corrected, manifest)
    assert [h[0] for h in history] == ["replaced", "current"]
    assert history[1][1:4] == (delivered, delivered, 0)
    assert Path(history[0][4]).exists() and Path(history[0][4]) != Path(history[1][4])
    assert query(corrected, "SELECT count(*) FROM raw.ledger_transactions") == [(delivered,)]
    assert query(corrected, "SELECT count(*) FROM raw.quarantine WHERE file <> "
                            "'huvudbok_2024_sammandrag.se'") == [(0,)]


def test_deliveries_are_kept_as_delivered_except_personal_data(demo_run):
    rows = query(demo_run, "SELECT source, status, landed_path, content_hash "
                           "FROM raw.deliveries")
    sources = {r[0] for r in rows}
    assert sources == {"org_register", "accounts", "ledger", "account_balances", "budget", "hr",
                       "tidplan", "goals", "goal_statuses", "kpi_outcomes",
                       "balance_requirement_decisions"}
    assert all(status == "current" for _, status, _, _ in rows)
    ledger_copies = {digest for source, _, landed, digest in rows if source == "ledger"}
    for source, _, landed, digest in rows:
        if source == "hr":  # personnummer in clear text: not copied past extraction
            assert landed is None
        elif source == "account_balances":  # the SIE files' #IB/#UB: kept as the ledger
            assert landed is None and digest in ledger_copies
        else:
            assert hashlib.sha256(Path(landed).read_bytes()).hexdigest() == digest


def test_the_readmes_ui_command_opens_the_instance_the_demo_ran_in(demo_run, monkeypatch):
    """The README's `dagster dev` uses <config folder>/.dagster, where a run without
    DAGSTER_HOME records its runs: the UI shows the demo's history and what it made."""
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    assert "DAGSTER_HOME=$PWD/demo/.dagster UPPFOLJNING_CONFIG=demo/uppfoljning.yaml" in readme
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    with dg.DagsterInstance.from_config(str(demo_run.config.base_dir / ".dagster")) as instance:
        jobs = {r.dagster_run.job_name for r in instance.get_run_records()}
        made = instance.get_materialized_partitions(dg.AssetKey(["marts", "budget_follow_up"]))
        packages = instance.get_materialized_partitions(dg.AssetKey("follow_up_packages"))
    assert jobs == {"monthly_load"}  # the packages are made in the run that loads
    assert {f"2025-{m:02d}" for m in range(1, 13)} <= made
    assert {f"2025-{m:02d}" for m in (2, 4, 6, 8, 10, 12)} <= packages
