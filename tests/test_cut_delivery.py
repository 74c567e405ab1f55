"""A delivery cut off while it was written is refused whole, never published in silence; a
run says on the terminal what it did not load; a copied kommun folder keeps its deliveries.

One copy of the clean demo (every package published) in which December's SIE file is cut
inside a #TRANS line, a November voucher has a row that cannot be read, and a returned
workbook has a cell that is not a number; `uppfoljning run` for November and December as a
kommun's data engineer runs it, then again after December is delivered whole."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from openpyxl import load_workbook

DECEMBER = "sources/ekonomi/2025/huvudbok_2025-12.se"
NOVEMBER = "sources/ekonomi/2025/huvudbok_2025-11.se"
HEADER = 5  # the heading row of the Avvikelser sheet


def run(root: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pipelines.cli", "run", "--config", str(root / "uppfoljning.yaml"),
         "--from", "2025-11", "--through", "2025-12"],
        capture_output=True, text=True, timeout=900, env={**os.environ, "COLUMNS": "400"})


def query(root: Path, sql: str, params=None) -> list[tuple]:
    with duckdb.connect(str(root / "warehouse/uppfoljning.duckdb"), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def returned_with_a_bad_cell(root: Path) -> None:
    issued = next((root / "reports/paket/2025-10").glob("*_11_*.xlsx"))
    book = load_workbook(issued)
    sheet = book["Avvikelser"]
    column = {c.value: c.column for c in sheet[HEADER]}["Prognos helår (tkr)"]
    sheet.cell(row=HEADER + 1, column=column).value = "ungefär som i fjol"
    (root / "landing/returer").mkdir(parents=True, exist_ok=True)
    book.save(root / "landing/returer/ks_prognos.xlsx")


@pytest.fixture(scope="module")
def cut(clean_run, tmp_path_factory):
    root = tmp_path_factory.mktemp("avklippt") / "kommun"
    shutil.copytree(clean_run.config.base_dir, root, ignore=shutil.ignore_patterns(".dagster"))
    whole = (root / DECEMBER).read_bytes()
    at = whole.index(b"#TRANS ", len(whole) // 2) + 20  # inside a #TRANS line
    (root / DECEMBER).write_bytes(whole[:at])
    november = (root / NOVEMBER).read_text(encoding="cp437").splitlines(keepends=True)
    bad = next(i for i, line in enumerate(november) if line.startswith("#TRANS 4"))
    november[bad] = november[bad].rsplit(" ", 1)[0] + " 12,50\n"  # not a SIE amount
    (root / NOVEMBER).write_text("".join(november), encoding="cp437")
    returned_with_a_bad_cell(root)
    return root, run(root), whole, bad + 1


def december_ledger(warehouse: Path) -> tuple:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute("select count(*), sum(amount) from raw.ledger_transactions "
                           "where period = '2025-12'").fetchone()


@pytest.mark.slow  # a full run of the demo
def test_a_cut_file_is_refused_whole_and_the_earlier_delivery_kept(cut, clean_run):
    root, result, _, _ = cut
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    # the warehouse holds December as it was delivered whole before
    assert december_ledger(root / "warehouse/uppfoljning.duckdb") == \
        december_ledger(clean_run.warehouse)
    [(read, loaded, quarantined, refusal, line)] = query(
        root, "select rows_read, rows_loaded, rows_quarantined, refusal, refusal_line from "
              "raw.deliveries where source = 'ledger' and status = 'refused' "
              "and replaced_at is null")
    assert loaded == 0 and read == quarantined > 0
    assert refusal.startswith("filen slutar inne i verifikation") and line > 1
    # each of its rows quarantined: the whole vouchers with the refusal, the cut one's row
    # with the reader's own rule, its #VER line kept beside them as a note (no row); the
    # kept delivery (the clean demo's) has none
    assert query(root, "select count(*) filter (where raw like '#TRANS%'), count(*) filter "
                       "(where rule like 'hela leveransen avvisas: %'), count(*) filter "
                       "(where raw like '#VER%') from raw.quarantine where source = 'ledger' "
                       "and file = 'huvudbok_2025-12.se'"
                 ) == [(quarantined, quarantined - 1, 1)]
    # nothing lost: every delivery's rows are loaded or quarantined
    assert query(root, "select count(*) from raw.deliveries "
                       "where rows_read <> rows_loaded + rows_quarantined") == [(0,)]


@pytest.mark.slow  # a full run of the demo
def test_no_board_publishes_a_period_that_reads_a_refused_file(cut):
    root, result, _, _ = cut
    assert "Paket 2025-12: 0 av 7 publicerade" in result.stdout
    assert result.stdout.count("spärras av leverans.file_whole") == 7
    assert not list((root / "reports/paket/2025-12").glob("*.pdf"))  # drafts only
    assert not (root / "reports/oppna_data/2025-12").exists()


@pytest.mark.slow  # a full run of the demo
def test_the_run_prints_what_it_did_not_load_and_where_the_rest_is(cut):
    root, result, _, bad_line = cut
    out = result.stdout
    assert "Inläsning: 3 leveranser har rader som inte lästes in, varav 1 avvisad hela " \
           f"(alla rader med regel: {root / 'reports/inlasningsrapport.xlsx'})" in out
    assert "avvisad Huvudbok huvudbok_2025-12.se (2025-12): filen slutar inne i verifikation" \
        in out
    assert "den är avklippt; leveransen mottagen" in out
    assert "används i stället tills filen levereras hel" in out
    assert "karantän Huvudbok huvudbok_2025-11.se (2025-11):" in out
    assert "'12,50' är inget belopp" in out and f"rad {bad_line}" in out
    assert "karantän Returnerade paket ks_prognos.xlsx:" in out
    assert "'ungefär som i fjol' är inte ett tal" in out


@pytest.mark.slow  # a full run of the demo
def test_a_copied_folder_has_its_own_deliveries(cut):
    root, _, _, _ = cut
    assert query(root, "select source, period, file_name, count(*) from raw.deliveries "
                       "where status = 'current' group by all having count(*) > 1") == []
    paths = [p for (p,) in query(root, "select delivered_path from raw.deliveries where "
                                       "status in ('current', 'refused') and (period is null "
                                       "or period >= '2025-11')")]
    assert paths and all(not Path(p).is_absolute() for p in paths)


@pytest.mark.slow  # a full run of the demo
def test_delivered_whole_it_loads_and_every_board_publishes(cut, clean_run):
    root, _, whole, _ = cut
    (root / DECEMBER).write_bytes(whole)
    result = run(root)
    assert result.returncode == 0, result.stderr
    assert "Paket 2025-12: 7 av 7 publicerade" in result.stdout
    assert "avvisad" not in result.stdout
    assert query(root, "select count(*) from raw.deliveries where status = 'refused' "
                       "and replaced_at is null") == [(0,)]
    assert december_ledger(root / "warehouse/uppfoljning.duckdb") == \
        december_ledger(clean_run.warehouse)


def test_a_csv_ledger_export_cut_mid_row_is_refused_and_the_kept_one_read(tmp_path):
    """Not only SIE: a CSV export of the ledger cut inside its last row is refused whole,
    and the load reads the earlier delivery's copy from the landing area in its place."""
    import yaml

    from pipelines.config import load_config
    from pipelines.ingest import deliveries, landing
    from pipelines.ingest.raw_tables import ensure_raw_schema
    from pipelines.ingest.store import _read

    export = tmp_path / "ekonomi" / "huvudbok_2025-03.csv"
    export.parent.mkdir()
    whole = "Bokföringsdatum;Konto;Ansvar;Belopp\n" + "".join(
        f"2025-03-{d:02d};4010;11;{d},00\n" for d in range(1, 29))
    export.write_text(whole, encoding="utf-8")
    (tmp_path / "org.csv").write_text("kod;benamning;niva;overordnad_kod\n1;K;kommun;\n",
                                      encoding="utf-8")
    (tmp_path / "uppfoljning.yaml").write_text(yaml.safe_dump({
        "municipality": "K", "fiscal_year": 2025,
        "sources": {"org_register": {"type": "csv", "path": "org.csv"},
                    "ledger": [{"type": "csv", "path": "ekonomi/huvudbok_{period}.csv"}]}}),
        encoding="utf-8")
    config = load_config(tmp_path / "uppfoljning.yaml")
    con = duckdb.connect()
    ensure_raw_schema(con)
    [reading] = deliveries.ledger_readings(config, ["2025-03"])
    [(delivery, part, cut)] = _read(con, config, reading, None)
    assert cut is None and part.loaded == 28
    landing.record(con, config.landing_path, delivery, 28, 28, 0, base=config.base_dir)
    export.write_text(whole[:-9], encoding="utf-8")  # the copy stopped inside a row
    [reading] = deliveries.ledger_readings(config, ["2025-03"])
    (kept, kept_rows, none), (refused, rows, cut) = _read(con, config, reading, None)
    assert none is None and kept.content_hash == delivery.content_hash
    assert kept_rows.loaded == 28 and {r["source_file"] for r in kept_rows.rows} == {
        "huvudbok_2025-03.csv"}
    assert cut is not None and cut.line == 29 and refused.content_hash != delivery.content_hash
    assert rows.loaded == 0 and rows.read == len(rows.quarantine) == 28
    assert rows.quarantine[0]["rule"].startswith("hela leveransen avvisas: ")
