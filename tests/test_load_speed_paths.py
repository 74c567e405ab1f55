"""The faster paths of the loads give what the general ones give, on the real SIE files of
../shared/data/sie and on small files of odd but readable syntax: the balances and the chart
read without the voucher blocks, and the ledger's rows built as tuples."""

import datetime as dt
from pathlib import Path

import pytest

from pipelines.ingest import balances, ledger, loaders
from pipelines.ingest.sie import SieReader, Voucher, YearBalance

SIE_DIR = Path(__file__).resolve().parents[2] / "shared" / "data" / "sie"
NOT_SIE = {"jsisie__BokSald.SE"}  # an HTML page (README): refused by every path alike
REAL = sorted(p.name for p in SIE_DIR.iterdir() if p.suffix.lower() in (".se", ".si")
              and p.name not in NOT_SIE) if SIE_DIR.is_dir() else []
pytestmark = pytest.mark.skipif(not REAL, reason=f"no SIE files in {SIE_DIR}")
ALL_MONTHS = {f"{y}-{m:02d}" for y in range(1990, 2031) for m in range(1, 13)}

ODD = (  # lower-case labels, indented blocks, a voucher before the balances, CRLF
    b'#FLAGGA 0\r\n#SIETYP 4\r\n#RAR 0 20250101 20251231\r\n#KONTO 1930 "Bank"\r\n'
    b'#KONTO 3010 "F\x94rs\x84ljning"\r\n#KTYP 1930 T\r\n#ib 0 1930 100.00\r\n'
    b'#VER A 1 20250105 "x"\r\n   {\r\n   #TRANS 1930 {} 1.00\r\n   #TRANS 3010 {} -1.00\r\n'
    b'   }\r\n#UB 0 1930 101.00\r\n#RES 0 3010 -1.00\r\n#UB 0 19x0 5.00\r\n'
    b'#ver A 2 20250106 "y"\r\n{\r\n#trans 1930 {} 2.00\r\n#trans 3010 {} -2.00\r\n}\r\n')


def _everything(path: Path, vouchers: bool):
    reader = SieReader(path, vouchers=vouchers)
    records = [r for r in reader if isinstance(r, YearBalance)]
    info = reader.info
    header = (info.accounts, info.account_types, info.fiscal_years, info.objects,
              info.dimensions, info.checksum)
    kept = [q for q in info.quarantine if not q.label.startswith(("#VER", "#TRANS", "{", "}",
                                                                  "#RTRANS", "#BTRANS"))]
    return records, header, kept


def _files(tmp_path: Path) -> list[Path]:
    odd = tmp_path / "udda.se"
    odd.write_bytes(ODD)
    return [SIE_DIR / name for name in REAL] + [odd]


def test_balances_and_chart_without_the_vouchers_are_those_with_them(tmp_path):
    for path in _files(tmp_path):
        assert _everything(path, vouchers=False) == _everything(path, vouchers=True), path.name
        read = balances.read_sie_balances(path, {2025}, 1)
        read.check_accounting()
        chart = loaders.read_sie_chart(path, set())
        chart.check_accounting()
    # the odd file: its balances and its broken one read as the general path reads them
    read = balances.read_sie_balances(tmp_path / "udda.se", {2025}, 1)
    assert [(r["balance_kind"], r["account"], r["amount_ore"]) for r in read.rows] == [
        ("IB", "1930", 10000), ("UB", "1930", 10100), ("RES", "3010", -100)]
    assert [q["line"] for q in read.quarantine] == [15]


def test_ledger_rows_as_tuples_are_every_voucher_row_of_the_reader(tmp_path):
    for path in _files(tmp_path):
        batch = ledger.read_sie_ledger(path, None, ALL_MONTHS)
        batch.check_accounting()
        frame = batch.frame()  # pandas writes a missing text as NaN; DuckDB loads it as NULL
        got = frame.astype(object).where(frame.notna(), None).to_dict("records")
        expected = []
        for voucher in (r for r in SieReader(path) if isinstance(r, Voucher)):
            for n, row in enumerate(voucher.rows, start=1):
                expected.append((f"{voucher.date:%Y-%m}", voucher.series, voucher.number, n,
                                 row.account, row.objects.get("1"), row.amount_ore, row.line,
                                 voucher.line, row.kind))
        assert [(r["period"], r["series"], r["voucher_number"], r["row_number"],
                 r["account"], r["ansvar"], r["amount_ore"], r["source_line"],
                 r["voucher_line"], r["row_kind"]) for r in got] == expected, path.name
    odd = ledger.read_sie_ledger(tmp_path / "udda.se", "2025-01", {"2025-01"}).frame()
    assert odd["amount_ore"].tolist() == [100, -100, 200, -200]
    assert odd["voucher_date"].tolist() == [dt.date(2025, 1, 5)] * 2 + [dt.date(2025, 1, 6)] * 2
