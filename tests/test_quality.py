"""The quality suites against ground truth: the generator's defects.csv."""

import csv
from pathlib import Path

import duckdb
import pytest

from pipelines.demo.defects import HR_DEFECTS, LEDGER_DEFECTS
from pipelines.quality.suites import load_suites

pytestmark = pytest.mark.slow


def issues(run) -> list[dict]:
    with duckdb.connect(str(run.warehouse), read_only=True) as con:
        cursor = con.execute("select rule, severity, file, line, message_sv from quality.issues")
        columns = [d[0] for d in cursor.description]
        return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


def test_every_injected_defect_is_found_by_its_rule(demo_run):
    defects = list(csv.DictReader((demo_run.config.base_dir / "sources" / "defects.csv").open(
        encoding="utf-8")))
    assert {d["rule"] for d in defects} == set(LEDGER_DEFECTS) | set(HR_DEFECTS)
    found = {(i["rule"], i["file"], i["line"]) for i in issues(demo_run)}
    missed = [d for d in defects
              if (d["rule"], Path(d["file"]).name, int(d["line"])) not in found]
    assert missed == []


def test_no_error_is_raised_that_was_not_injected(demo_run):
    defects = {(d["rule"], Path(d["file"]).name, int(d["line"])) for d in csv.DictReader(
        (demo_run.config.base_dir / "sources" / "defects.csv").open(encoding="utf-8"))}
    errors = [i for i in issues(demo_run) if i["severity"] == "error"]
    assert errors and all((i["rule"], i["file"], i["line"]) in defects for i in errors)


def test_clean_data_gives_no_error(clean_run):
    assert [i for i in issues(clean_run) if i["severity"] == "error"] == []
    assert not {"kontering", "periodisering", "hr"} & set(clean_run.checks_failed)


def test_messages_tell_ekonomi_what_to_correct(demo_run):
    messages = {i["rule"]: i["message_sv"] for i in issues(demo_run)}
    assert messages["kontering.voucher_balances"].startswith("Verifikation LF ")
    assert "balanserar inte, differens" in messages["kontering.voucher_balances"]
    assert "{" not in "".join(messages.values())  # every placeholder filled


def test_every_rule_is_described_in_swedish_and_english():
    rules = [r for s in load_suites() for r in s.rules]
    assert {r.id for r in rules} >= set(LEDGER_DEFECTS) | set(HR_DEFECTS)
    assert all(r.description_sv and r.description_en and r.message_sv for r in rules)
    assert len({r.id for r in rules}) == len(rules)


def test_quality_report_for_ekonomi(demo_run):
    import os
    import subprocess
    import sys

    import openpyxl

    config = demo_run.config.base_dir / "uppfoljning.yaml"
    r = subprocess.run([sys.executable, "-m", "pipelines.cli", "quality", "report", "--config",
                        str(config)], capture_output=True, text=True, timeout=300,
                       env={**os.environ, "COLUMNS": "200"})
    assert r.returncode == 0, r.stderr
    assert "Datakvalitet Exempelkommun" in r.stdout and "Barn- och utbildningsnämnden" in r.stdout
    book = openpyxl.load_workbook(demo_run.reports / "datakvalitet.xlsx")
    sheet = book["Datakvalitet"]
    header = [c.value for c in sheet[1]]
    assert header[:4] == ["Regel", "Beskrivning", "Allvarlighetsgrad", "Nämnd"]
    assert sheet.max_row - 1 == len(issues(demo_run))
    assert f"{len(issues(demo_run))} avvikelser i data" in r.stdout
    # first, a rule's issues for a board as one row, with how many and the first of them
    grouped = list(book["Sammanställning"].values)
    assert book.sheetnames[0] == "Sammanställning"
    assert grouped[0] == ("Allvarlighetsgrad", "Regel", "Nämnd", "Antal",
                          "Vad regeln kontrollerar", "Första")
    assert sum(row[3] for row in grouped[1:]) == len(issues(demo_run))
    assert len(grouped) - 1 < len(issues(demo_run))
    assert all(row[5] for row in grouped[1:])


def test_quality_report_without_a_warehouse_says_what_to_do(tmp_path):
    import subprocess
    import sys

    (tmp_path / "org.csv").write_text("kod;benamning\n", encoding="utf-8")
    (tmp_path / "u.yaml").write_text("municipality: X\nfiscal_year: 2025\nsources:\n"
                                     "  org_register: {type: csv, path: org.csv}\n")
    r = subprocess.run([sys.executable, "-m", "pipelines.cli", "quality", "report", "--config",
                        str(tmp_path / "u.yaml")], capture_output=True, text=True, timeout=120)
    assert r.returncode == 2 and "inget lager ännu" in r.stderr and "Traceback" not in r.stderr
