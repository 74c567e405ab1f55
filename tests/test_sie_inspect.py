"""`uppfoljning sie inspect`: what a data engineer checks before loading a SIE file."""

import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from pipelines.sie_cli import sie_app

SIE_DIR = Path(__file__).resolve().parents[2] / "shared" / "data" / "sie"
pytestmark = pytest.mark.skipif(not SIE_DIR.is_dir(), reason=f"{SIE_DIR} not found")

# a throwaway app, registered the way pipelines/cli.py does it
app = typer.Typer()
app.add_typer(sie_app, name="sie")


@app.callback()
def _root() -> None:
    """Keeps `sie` a sub-command."""


def inspect(*args: str):
    return CliRunner().invoke(app, ["sie", "inspect", *map(str, args)])


def inspect_json(path: Path) -> dict:
    result = inspect(path, "--json")
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def test_json_report_has_the_counts():
    report = inspect_json(SIE_DIR / "jsisie__transaktioner_ovnbolag.se")
    assert report["counts"]["vouchers"] == 163
    assert report["counts"]["transactions"] == 671
    assert report["counts"]["period_budgets"] == 1248
    assert report["counts"]["period_balances"] == 705
    assert report["counts"]["dimensions"] == 3 and report["counts"]["objects"] == 14
    assert (report["counts"]["ib"], report["counts"]["ub"], report["counts"]["res"]) == (
        55, 62, 104)
    assert report["encoding"] == "cp437" and report["declared_format"] == "PC8"
    assert report["sie_type"] == "4"
    assert report["checksum"] == "absent"
    assert report["unbalanced_vouchers"] == [] and report["quarantined"] == []
    assert report["counts"]["quarantined"] == 0
    assert report["fiscal_years"][0]["index"] == 0


def test_unbalanced_voucher_is_named_with_its_sum():
    path = SIE_DIR / "jsisie__transaktioner_ovnbolag-bad-balance.se"
    [voucher] = inspect_json(path)["unbalanced_vouchers"]
    assert (voucher["series"], voucher["number"], voucher["sum"]) == ("B", "1", "-12771.00")
    assert voucher["sum_ore"] == -1277100
    human = inspect(path)
    assert human.exit_code == 0
    assert "Obalanserade verifikationer" in human.stdout
    assert "-12771.00" in human.stdout


def test_human_report_has_the_facts_and_count_tables():
    result = inspect(SIE_DIR / "jsisie__transaktioner_ovnbolag.se")
    assert result.exit_code == 0
    for heading in ("Program", "Format", "Kodning", "Räkenskapsår 0", "Antal poster",
                    "Verifikationer (#VER)", "Karantänsatta rader: inga"):
        assert heading in result.stdout, heading
    assert "163" in result.stdout and "1 248" in result.stdout


def test_not_sie_is_refused_with_one_line():
    result = inspect(SIE_DIR / "jsisie__BokSald.SE")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1
    assert "jsisie__BokSald.SE: ingen SIE-fil" in result.stderr
    assert "Traceback" not in result.stderr


def test_missing_file_is_refused_with_one_line(tmp_path):
    result = inspect(tmp_path / "saknas.se")
    assert result.exit_code == 2
    assert len(result.stderr.strip().splitlines()) == 1
    assert "saknas.se: kan inte läsas" in result.stderr


def test_refusal_message_is_not_read_as_markup(tmp_path):
    path = tmp_path / "ini.se"
    path.write_text("[/section]\nkey=value\n")
    result = inspect(path)
    assert result.exit_code == 2
    assert "[/section]" in result.stderr


def test_utf8_file_reports_the_encoding_it_used():
    report = inspect_json(SIE_DIR / "jsisie__SIE4_Exempelfil_med_underdim.SE")
    assert report["declared_format"] == "PC8" and report["encoding"] == "utf-8"
    assert report["counts"]["dimensions"] == 2 and report["counts"]["underdimensions"] == 2
    human = inspect(SIE_DIR / "jsisie__SIE4_Exempelfil_med_underdim.SE")
    assert "utf-8" in human.stdout


def test_quarantined_lines_are_listed_and_the_file_still_read(tmp_path):
    path = tmp_path / "trasig.se"
    path.write_bytes(b'#FLAGGA 0\n#SIETYP 4\n#VER A 1 20250105 "x"\n{\n'
                     b'#TRANS 1930 {} 1O0.00\n#TRANS 3010 {} -100.00 [/x]\n}\n'
                     b'#VER A 2 20250106 "y"\n{\n#TRANS 1930 {} 5.00\n}\n')
    result = inspect(path, "--json")
    assert result.exit_code == 0
    report = json.loads(result.stdout)
    assert report["quarantined"] == [
        {"line": 3, "rule": "verifikationen har 2 rad(er) som inte kan läsas (första på rad "
                            "5); hela verifikationen sätts i karantän",
         "raw": '#VER A 1 20250105 "x"'},
        {"line": 5, "rule": "'1O0.00' är inget belopp", "raw": "#TRANS 1930 {} 1O0.00"},
        {"line": 6, "rule": "'[/x]' är inget datum ÅÅÅÅMMDD",
         "raw": "#TRANS 3010 {} -100.00 [/x]"}]
    assert report["counts"]["quarantined"] == 3
    assert report["counts"]["vouchers"] == 1 and report["counts"]["transactions"] == 1
    assert [(v["number"], v["sum"]) for v in report["unbalanced_vouchers"]] == [("2", "5.00")]
    human = inspect(path)  # file text is shown as text, not read as rich markup
    assert human.exit_code == 0
    assert "Karantänsatta rader" in human.stdout and "1O0.00" in human.stdout
    assert "[/x]" in human.stdout


def test_checksum_status_is_reported(tmp_path):
    path = tmp_path / "ksumma.se"
    path.write_bytes(b"#FLAGGA 0\n#KSUMMA\n#SIETYP 4\n#KSUMMA 1\n")
    report = inspect_json(path)
    assert report["checksum"].startswith("mismatch (expected 1, computed ")
    assert report["quarantined"][0]["rule"].startswith("kontrollsumman stämmer inte")
