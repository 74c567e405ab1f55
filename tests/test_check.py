"""`uppfoljning check` on small configs: what would fail is an error, what the packages lack
a warning, and nothing is written."""

import yaml

from pipelines.check import check_config
from pipelines.config import load_config


def config(tmp_path, org: str, ledger_bytes: bytes, **extra):
    (tmp_path / "org.csv").write_text(org, encoding="utf-8")
    (tmp_path / "huvudbok_2025.csv").write_bytes(ledger_bytes)
    path = tmp_path / "uppfoljning.yaml"
    path.write_text(yaml.safe_dump({
        "municipality": "K", "fiscal_year": 2025,
        "sources": {"org_register": {"type": "csv", "path": "org.csv"},
                    "ledger": [{"type": "csv", "path": "huvudbok_2025.csv", **extra}]}}),
        encoding="utf-8")
    return load_config(path)


ORG = "kod;benamning;niva;overordnad_kod\n1;K;kommun;\n11;Nämnd;nämnd;1\n"
LEDGER = "Bokföringsdatum;Konto;Ansvar;Belopp\n2025-01-10;4010;11;10,00\n"


def test_a_config_that_would_work_has_only_warnings(tmp_path):
    report = check_config(config(tmp_path, ORG, LEDGER.encode()))
    assert report.ok, report.errors
    [ledger] = [f for f in report.files if f.source == "ledger"]
    assert (ledger.read, ledger.loaded, ledger.quarantined) == (1, 1, 0)
    assert ledger.months == {"2025-01"} and ledger.encoding == "utf-8"
    assert any(w.startswith("Ingen budget") for w in report.warnings)
    assert not (tmp_path / "warehouse").exists()  # nothing written


def test_an_encoding_and_a_broken_tree_are_errors_naming_file_and_line(tmp_path):
    broken = ORG + "111;Sektor;sektor;99\n"
    report = check_config(config(tmp_path, broken,
                                 (LEDGER + "2025-02-01;4010;11;5,00;Växjö\n").encode("cp1252")))
    assert not report.ok
    assert any(e.startswith("huvudbok_2025.csv: rad 1: kan inte läsas som utf-8")  # Bokföringsdatum
               for e in report.errors)
    assert ("organisationsregistret: 111: överordnad enhet 99 finns inte medan enheten "
            "gäller") in report.errors
    fixed = check_config(config(tmp_path, ORG, LEDGER.encode("cp1252"), encoding="cp1252"))
    assert fixed.ok and fixed.files[-1].encoding == "cp1252"


SIE = """#FLAGGA 0
#FORMAT PC8
#SIETYP 4
#RAR 0 20250101 20251231
#KONTO 4010 "Material"
#KONTO 1930 "Bank"
#VER A 1 20250110 "Inköp"
{
#TRANS 4010 {1 "11"} 10.00
#TRANS 1930 {} -10.00
}
#VER A 2 20250111 "Inköp"
{
#TRANS 4010 {1 "11"} 20.00
"""


def test_a_sie_file_cut_off_is_an_error_that_says_the_run_refuses_it(tmp_path):
    (tmp_path / "org.csv").write_text(ORG, encoding="utf-8")
    (tmp_path / "huvudbok_2025.se").write_text(SIE, encoding="cp437")
    path = tmp_path / "uppfoljning.yaml"
    path.write_text(yaml.safe_dump({
        "municipality": "K", "fiscal_year": 2025,
        "sources": {"org_register": {"type": "csv", "path": "org.csv"},
                    "ledger": [{"type": "sie", "path": "huvudbok_2025.se"}]}}), encoding="utf-8")
    report = check_config(load_config(path))
    assert not report.ok
    assert ("huvudbok_2025.se: avvisas – filen slutar inne i verifikation A 2 (#VER på rad 12) "
            "innan dess block avslutas med '}': den är avklippt (rad 12)") in report.errors
    (tmp_path / "huvudbok_2025.se").write_text(SIE + "#TRANS 1930 {} -20.00\n}\n",
                                               encoding="cp437")
    assert check_config(load_config(path)).ok
