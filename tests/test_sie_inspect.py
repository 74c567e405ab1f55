"""`uppfoljning sie inspect`: what a data engineer checks before loading a SIE file."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

SIE_DIR = Path(__file__).resolve().parents[2] / "shared" / "data" / "sie"
pytestmark = pytest.mark.skipif(not SIE_DIR.is_dir(), reason=f"{SIE_DIR} not found")


def inspect(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pipelines.cli", "sie", "inspect", *args],
                          capture_output=True, text=True, timeout=120)


def test_json_report_has_the_counts():
    r = inspect(str(SIE_DIR / "jsisie__transaktioner_ovnbolag.se"), "--json")
    assert r.returncode == 0, r.stderr
    report = json.loads(r.stdout)
    assert report["counts"]["vouchers"] == 163
    assert report["counts"]["transactions"] == 671
    assert report["counts"]["period_budgets"] == 1248
    assert report["encoding"] == "cp437" and report["sie_type"] == "4"
    assert report["unbalanced_vouchers"] == [] and report["quarantined"] == []
    assert report["fiscal_years"][0]["index"] == 0


def test_unbalanced_voucher_is_named_with_its_sum():
    r = inspect(str(SIE_DIR / "jsisie__transaktioner_ovnbolag-bad-balance.se"), "--json")
    [voucher] = json.loads(r.stdout)["unbalanced_vouchers"]
    assert (voucher["series"], voucher["number"], voucher["sum"]) == ("B", "1", "-12771.00")
    human = inspect(str(SIE_DIR / "jsisie__transaktioner_ovnbolag-bad-balance.se"))
    assert human.returncode == 0
    assert "Obalanserade verifikationer" in human.stdout and "-12771.00" in human.stdout


def test_not_sie_is_refused_with_one_line():
    r = inspect(str(SIE_DIR / "jsisie__BokSald.SE"))
    assert r.returncode == 2
    assert r.stderr.strip().count("\n") == 0
    assert "jsisie__BokSald.SE: not a SIE file" in r.stderr
    assert "Traceback" not in r.stderr


def test_missing_file_is_refused(tmp_path):
    r = inspect(str(tmp_path / "saknas.se"))
    assert r.returncode == 2 and "kan inte läsas" in r.stderr


def test_utf8_file_reports_the_encoding_it_used():
    r = inspect(str(SIE_DIR / "jsisie__SIE4_Exempelfil_med_underdim.SE"), "--json")
    report = json.loads(r.stdout)
    assert report["declared_format"] == "PC8" and report["encoding"] == "utf-8"
    assert report["counts"]["underdimensions"] == 2


def test_quarantined_lines_are_listed_and_the_file_still_read(tmp_path):
    path = tmp_path / "trasig.se"
    path.write_bytes(b'#FLAGGA 0\n#SIETYP 4\n#VER A 1 20250105 "x"\n{\n'
                     b'#TRANS 1930 {} 1O0.00\n#TRANS 3010 {} -100.00\n}\n')
    r = inspect(str(path), "--json")
    assert r.returncode == 0
    [q] = json.loads(r.stdout)["quarantined"]
    assert q == {"line": 5, "rule": "'1O0.00' is not an amount", "raw": "#TRANS 1930 {} 1O0.00"}
