"""Staff statistics on the demo municipality: figures from the HR exports, and no personal
data or sick-leave figure of a small group anywhere in the warehouse or the outputs."""

import re
import zipfile
from collections import defaultdict

import duckdb
import pytest
from sie_helpers import read_csv

pytestmark = pytest.mark.slow

FIGURES = {  # figure: its group's size
    "sick_leave_pct": "headcount", "sick_leave_long_share_pct": "headcount",
    "sick_leave_women_pct": "headcount_women", "sick_leave_men_pct": "headcount_men",
    "sick_leave_age_29_pct": "headcount_age_29",
    "sick_leave_age_30_49_pct": "headcount_age_30_49",
    "sick_leave_age_50_pct": "headcount_age_50",
}
# a personnummer or samordningsnummer with or without century and dash, alone or in a text
PNR = re.compile(r"(?<!\d)(?:19|20)?\d{2}(?:0[1-9]|1[0-2])(?:[0-2]\d|3[01]|[6-8]\d|9[01])"
                 r"[-+]?\d{4}(?!\d)")


def luhn_ok(number: str) -> bool:
    digits = re.sub(r"\D", "", number)[-10:]
    total = sum((d - 9 if d > 9 else d) for d in
                (int(c) * (2 if i % 2 == 0 else 1) for i, c in enumerate(digits[:9])))
    return (10 - total % 10) % 10 == int(digits[9])


def frame(summary, sql):
    with duckdb.connect(str(summary.warehouse), read_only=True) as con:
        return con.execute(sql).df()


def hr_rows(summary):
    return [r for f in sorted((summary.config.base_dir / "sources").glob("personal/*/*.csv"))
            for r in read_csv(f)]


def test_kommun_headcount_and_fte_follow_the_exports(demo_run):
    persons = defaultdict(set)
    for r in hr_rows(demo_run):
        persons[r["Period"]].add(r["Personnummer"])
    stats = frame(demo_run, "SELECT period, headcount, fte FROM marts.staff_statistics "
                            "WHERE org_level = 'kommun' AND period_scope = 'month' "
                            "AND fiscal_year = 2025 ORDER BY period")
    assert stats.headcount.tolist() == [len(persons[f"2025-{m:02d}"]) for m in range(1, 13)]
    # årsarbetare: at most one per person, and most of the demo's staff work full months
    assert (stats.fte <= stats.headcount).all() and (stats.fte > 0.7 * stats.headcount).all()


def test_personnel_cost_is_the_ledgers(demo_run):
    both = frame(demo_run, """
        SELECT s.personnel_cost_outcome, b.outcome_ytd, s.personnel_cost_budget, b.budget_ytd
        FROM marts.staff_statistics s JOIN marts.budget_follow_up b
          USING (fiscal_year, period, org_level, org_unit_code)
        WHERE b.cost_category = 'personnel' AND s.period_scope = 'ytd'""")
    assert len(both) > 100
    assert (both.personnel_cost_outcome - both.outcome_ytd.astype(float)).abs().max() < 0.01
    assert (both.personnel_cost_budget - both.budget_ytd.astype(float)).abs().max() < 0.01


def test_no_sick_leave_figure_for_a_group_of_ten_or_fewer_in_any_mart(demo_run):
    with duckdb.connect(str(demo_run.warehouse), read_only=True) as con:
        marts = [t for (t,) in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'marts'"
        ).fetchall()]
        carrying = []
        for table in marts:
            columns = {c for (c,) in con.execute(
                "SELECT column_name FROM information_schema.columns "
                "WHERE table_schema = 'marts' AND table_name = ?", [table]).fetchall()}
            if not columns & set(FIGURES):
                continue
            carrying.append(table)
            for figure, group in FIGURES.items():
                [(bad,)] = con.execute(
                    f"SELECT count(*) FROM marts.{table} "
                    f"WHERE {group} <= 10 AND {figure} IS NOT NULL").fetchall()
                assert bad == 0, f"marts.{table}.{figure}"
    assert carrying == ["staff_statistics"]
    shown = frame(demo_run, "SELECT count(sick_leave_pct) n, count(*) - count(sick_leave_pct) "
                            "hidden FROM marts.staff_statistics")
    assert shown.n[0] > 0 and shown.hidden[0] > 0  # both happen in the demo


def test_no_personnummer_in_the_warehouse_or_the_outputs(demo_run):
    # the scan does find the HR system's numbers where they are: in the delivered exports
    export = sorted((demo_run.config.base_dir / "sources").glob("personal/*/*.csv"))[0]
    assert len([m for m in PNR.findall(export.read_text(encoding="utf-8")) if luhn_ok(m)]) > 100
    found = []
    with duckdb.connect(str(demo_run.warehouse), read_only=True) as con:
        for schema, table in con.execute(
                "SELECT table_schema, table_name FROM information_schema.tables "
                "WHERE table_type = 'BASE TABLE'").fetchall():
            for row in con.execute(f'SELECT * FROM "{schema}"."{table}"').fetchall():
                text = " ".join(str(v) for v in row if isinstance(v, str))
                found += [(f"{schema}.{table}", m) for m in PNR.findall(text) if luhn_ok(m)]
    outputs = [p for p in (demo_run.reports, demo_run.config.landing_path) if p.exists()]
    files = [f for root in outputs for f in root.rglob("*") if f.is_file()]
    assert any(f.suffix == ".xlsx" for f in files)
    for f in files:
        if f.suffix in (".xlsx", ".docx", ".zip"):
            with zipfile.ZipFile(f) as z:
                text = " ".join(z.read(n).decode("utf-8", "replace") for n in z.namelist())
        else:
            text = f.read_bytes().decode("utf-8", "replace")
        found += [(str(f), m) for m in PNR.findall(text) if luhn_ok(m)]
    assert found == []


def test_no_suppressed_sick_leave_figure_in_any_package(demo_run):
    """Every Personal sheet of every package: where the mart hides a figure, the sheet shows
    the mark, never a number."""
    from openpyxl import load_workbook

    headings = {"Sjukfrånvaro %": "sick_leave_pct",
                "Långtidssjukfrånvaro, % av sjukfrånvaron": "sick_leave_long_share_pct",
                "Kvinnor %": "sick_leave_women_pct", "Män %": "sick_leave_men_pct",
                "-29 år %": "sick_leave_age_29_pct", "30-49 år %": "sick_leave_age_30_49_pct",
                "50- år %": "sick_leave_age_50_pct"}
    mart = frame(demo_run, "SELECT * FROM marts.staff_statistics WHERE period_scope = 'ytd'")
    hidden = {(int(r.period), r.org_unit_code, f): getattr(r, f) != getattr(r, f)
              for r in mart.itertuples() for f in FIGURES}
    books = sorted((demo_run.reports / "paket").rglob("*.xlsx"))
    checked = 0
    for path in books:
        ws = load_workbook(path, read_only=True)["Personal"]
        rows = list(ws.iter_rows(min_row=5, values_only=True))
        header = list(rows[0])
        period = int(path.name.split("_")[1][5:7])
        for row in rows[1:]:
            if row[1] is None:
                break
            for heading, figure in headings.items():
                value = row[header.index(heading)]
                if hidden[(period, row[1], figure)]:
                    assert value == "*", (path.name, row[1], heading, value)
                    checked += 1
                else:
                    assert isinstance(value, float | int), (path.name, row[1], heading)
    assert len(books) == 42 and checked > 100
