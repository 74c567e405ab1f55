"""The demo's units answer (pipelines/demo/returns.py) and the board documents carry what
they sent: on a copy of the clean demo run, the units return the delårsrapport's workbooks
(most in time, some late, a few not at all, one with text pasted into a forecast cell), the
returns are loaded and the period's packages made again (cli.load_returns, as `uppfoljning
demo` does for every period)."""

import datetime as dt
import io
import re
import shutil

import duckdb
import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from pipelines.config import load_config
from pipelines.demo.returns import write_returns
from pipelines.packages import content
from pipelines.packages.returns import read_returns
from pipelines.returns_run import load_returns

pytestmark = pytest.mark.slow

PERIOD = "2025-08"
HEADER = 5
ENHET_DEADLINE, SEKTOR_DEADLINE = dt.date(2025, 9, 8), dt.date(2025, 9, 15)  # the tidplan's
WORKING_NOTES = ("Att kontrollera", "Bevakning", "Saknas eller sent", "karantän", ".xlsx",
                 "Prognos helår (tkr)")


@pytest.fixture(scope="module")
def answered(clean_run, tmp_path_factory):
    """The units' answers in the copy's landing folder, loaded, the period's packages made
    again; and the same answers written once more elsewhere (from the same workbooks)."""
    root = tmp_path_factory.mktemp("svar") / "demo"
    shutil.copytree(clean_run.config.base_dir, root)
    config = load_config(root / "uppfoljning.yaml")
    [answers] = write_returns(config.reports_path, config.landing_path, [PERIOD], seed=1)
    [again] = write_returns(config.reports_path, root / "igen", [PERIOD], seed=1)
    summary = load_returns(root / "uppfoljning.yaml", [PERIOD])
    return summary, answers, again


def table(ws):
    headings = [c.value for c in ws[HEADER]]
    return [dict(zip(headings, row, strict=False))
            for row in ws.iter_rows(min_row=HEADER + 1, values_only=True) if any(row)]


def squeeze(text: str) -> str:
    return re.sub(r"[\s\u00a0\u00ad]+", "", re.sub(r"-\n", "", text))


def test_most_units_answer_in_time_some_late_a_few_not_at_all(answered):
    summary, answers, again = answered
    assert len(answers.on_time) > 4 * len(answers.late) > 0
    assert len(answers.on_time) > 5 * len(answers.missing) > 0
    [bad] = answers.bad_cells
    assert bad.split(": ")[1].startswith("bladet Avvikelser, cell ")
    returned = summary.config.landing_path / "returer"
    days = {p.name: dt.date.fromtimestamp(p.stat().st_mtime) for p in returned.iterdir()}
    assert sorted(days) == sorted(answers.files)
    assert all(day <= ENHET_DEADLINE for name, day in days.items() if name.endswith("_svar.xlsx"))
    assert all(day > SEKTOR_DEADLINE for name, day in days.items()
               if name.endswith("_komplettering.xlsx"))
    # the same seed gives the same answers on the same days
    assert (again.on_time, again.late, again.missing, again.bad_cells) == (
        answers.on_time, answers.late, answers.missing, answers.bad_cells)
    for name in answers.files:
        first, second = returned / name, summary.config.base_dir / "igen" / "returer" / name
        assert first.stat().st_mtime == second.stat().st_mtime
        assert [list(r) for r in load_workbook(first)["Avvikelser"].values] == [
            list(r) for r in load_workbook(second)["Avvikelser"].values]


def test_the_board_documents_carry_the_units_comments(answered):
    """Every board's published document of the period: most of its deviations carry the
    unit's comment, cause and action in full, and none of the controller's working notes."""
    summary, answers, _ = answered
    with duckdb.connect(str(summary.warehouse), read_only=True) as con:
        boards = [b.code for b in content.boards(con, 2025, 8)] + [None]
        deviations = {b: content.read_package(con, "Exempelkommun", PERIOD, b).deviations
                      for b in boards}
    folder = summary.reports / "paket" / PERIOD
    file, cell = answers.bad_cells[0].split(": ")
    pasted = load_workbook(summary.config.landing_path / "returer" / file)["Avvikelser"][
        cell.rsplit(" ", 1)[1]].value
    commented, total = 0, 0
    for board, frame in deviations.items():
        [pdf] = folder.glob(f"uppfoljning_{PERIOD}_{board}_*.pdf") if board \
            else [folder / f"uppfoljning_{PERIOD}_kommunen.pdf"]
        reader = PdfReader(io.BytesIO(pdf.read_bytes()))
        text = "\n".join(page.extract_text() for page in reader.pages)
        printed = squeeze(text)
        rows = frame.to_dict("records")
        carried = [r for r in rows if all(isinstance(r[f], str) and squeeze(r[f]) in printed
                                          for f in ("comment", "cause", "action"))]
        assert len(carried) >= 0.75 * len(rows), (pdf.name, len(carried), len(rows))
        assert not [note for note in WORKING_NOTES if note in text], pdf.name
        assert pasted not in text  # nor the text pasted into a forecast cell
        commented, total = commented + len(carried), total + len(rows)
    assert commented >= 0.85 * total


def test_the_controllers_workbook_chases_the_late_and_the_missing(answered):
    summary, answers, _ = answered
    kommun = load_workbook(summary.reports / "paket" / PERIOD
                           / f"uppfoljning_{PERIOD}_kommunen.xlsx")
    chased = {r["Id"]: r for r in table(kommun["Saknas eller sent"])
              if r["Vad"].startswith("Avvikelser")}
    assert set(answers.missing) <= set(chased)
    assert all(chased[u]["Inlämnad"] is None for u in answers.missing)
    assert set(answers.late) <= set(chased)
    late = [chased[u] for u in answers.late if chased[u]["Inlämnad"] is not None]
    assert late and all(r["Läge"].startswith("sent, ") for r in late)
    watch = [r for r in table(kommun["Bevakning"]) if r["Vad"].startswith("Avvikelser")]
    assert sum(r["I tid"] for r in watch) > 2 * sum(r["Sent"] + r["Saknas"] for r in watch)
    # the unit whose forecast cell holds text has that row uncommented, and is chased for it
    file, cell = answers.bad_cells[0].split(": ")
    row = int(re.sub(r"\D", "", cell.rsplit(" ", 1)[1]))
    unit = load_workbook(summary.config.landing_path / "returer" / file)["Avvikelser"][
        f"B{row}"].value
    assert "kommentar till avvikelser" in chased[unit]["Läge"]


def test_the_bad_cell_is_named_and_the_rest_of_its_file_is_loaded(answered):
    summary, answers, _ = answered
    file, cell = answers.bad_cells[0].split(": ")
    [said] = [d for d in summary.deliveries if d.file == file]
    [(rule, count, lines)] = said.rules
    assert rule.startswith(f"{cell}: 'ca ") and "är inte ett tal" in rule and count == 1
    with duckdb.connect(str(summary.warehouse), read_only=True) as con:
        counts = read_returns(summary.config.landing_path / "returer", con).counts()
        [(loaded,)] = con.execute("select count(*) from raw.deviation_comments "
                                  "where source_file = ?", [file]).fetchall()
    assert (counts["rows_read"] == counts["rows_loaded"] + counts["rows_quarantined"]).all()
    assert counts["refusal"].isna().all()
    [bad] = counts[counts["file"] == file].to_dict("records")
    assert bad["rows_quarantined"] == 1 and bad["rows_loaded"] > 1 and loaded > 1
    # and the run's output says so: what of the file was loaded, what was not
    assert (said.read, said.loaded, said.quarantined) == (
        bad["rows_read"], bad["rows_loaded"], 1)
    assert counts["rows_quarantined"].sum() == 1
