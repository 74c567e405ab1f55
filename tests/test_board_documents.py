"""The board documents (PDF) as a nämnd secretary and a controller read them: the numbers as a
board reads them, every figure rounded once (the same digits wherever it stands), the
driftredovisning equal to the marts,
comments in full, the year end's own words, and a tagged, archivable PDF that rebuilds
byte for byte."""

import datetime as dt
import io
import re

import duckdb
import pytest
from pypdf import PdfReader

from pipelines.domain import UNKNOWN_UNIT
from pipelines.packages import content, goal_checks, pdf
from pipelines.packages.figures import decimal, in_units, tkr
from pipelines.packages.sections import operating
from pipelines.packages.sections.operating import Line, round_lines

# --- figures on their own ----------------------------------------------------------------


def test_amounts_never_break_and_use_a_real_minus():
    assert tkr(-8_107_081.73) == "\u22128\u00a0107"
    assert tkr(1_036_600) == "1\u00a0037"
    assert " " not in tkr(123_456_789)
    assert decimal(86.84) == "86,8" and decimal(-0.05) == "\u22120,1"


def test_every_figure_is_rounded_once_from_its_own_amount():
    parts = [1_400.0, 1_400.0, 1_400.0]  # 1,4 tkr each: printed 1 + 1 + 1, their sum 4,2 as 4
    assert [in_units(v) for v in parts] == [1, 1, 1] and in_units(sum(parts)) == 4
    assert [in_units(v) for v in (2_500.0, -2_500.0, 499.99, -500.0)] == [3, -3, 0, -1]
    assert in_units(70_769_500.0) == 70_770  # half away from zero, never half to even
    assert in_units(float("nan")) is None and in_units(None) is None


def test_a_sum_and_its_parts_are_each_rounded_once():
    lines = [Line("a", {"x": 1_400.0}, parent=3), Line("b", {"x": 1_400.0}, parent=3),
             Line("c", {"x": 1_400.0}, parent=3), Line("sum", {"x": 4_200.0}, style="sum")]
    round_lines(lines, ["x"])
    assert [line.rounded["x"] for line in lines] == [1, 1, 1, 4]


# --- goal statuses that contradict ---------------------------------------------------------


def test_a_reported_status_that_contradicts_the_outcome_is_flagged():
    met = {"status": "ej påbörjad", "status_source": "rapporterad", "target_met": True,
           "outcome_value": 2.1, "unit": "%", "rolled_up_status": ""}
    assert "når målvärdet" in goal_checks.contradictions(met)[0]
    under = {"status": "ej påbörjad", "status_source": "rapporterad", "target_met": None,
             "rolled_up_status": "delvis uppnått"}
    assert "sammanvägt delvis uppnått" in goal_checks.contradictions(under)[0]
    fine = {"status": "uppnått", "status_source": "rapporterad", "target_met": True,
            "rolled_up_status": "uppnått"}
    assert goal_checks.contradictions(fine) == []


# --- on the demo ---------------------------------------------------------------------------


def build(summary, period, board):
    with duckdb.connect(str(summary.warehouse), read_only=True) as con:
        return content.read_package(con, "Exempelkommun", period, board), con.execute(
            "select org_unit_code, cost_category, budget_annual, budget_ytd, outcome_ytd, "
            "deviation_ytd, forecast_annual, forecast_deviation, outcome_prior_ytd from "
            "marts.budget_follow_up where fiscal_year = ? and period = ?",
            [int(period[:4]), int(period[5:])]).df()


def text_of(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() for page in reader.pages)


def squeeze(text: str) -> str:
    """The words without line breaks, hyphenation or spacing: what was printed, in order."""
    return re.sub(r"[\s\u00a0\u00ad]+", "", re.sub(r"-\n", "", text))


@pytest.mark.slow
@pytest.mark.parametrize("period", ["2025-04", "2025-12"])
def test_the_kommun_driftredovisning_equals_the_marts_and_adds_up(demo_run, period):
    package, marts = build(demo_run, period, None)
    lines = operating.lines_for(package)
    by_name = {line.label: line for line in lines}
    kommun = marts[marts["org_unit_code"] == "1"].set_index("cost_category")
    result = by_name["Årets resultat"]
    _, earlier = build(demo_run, f"2025-{int(period[5:]) - 2:02d}", None)
    kommun["forecast_previous"] = earlier[earlier["org_unit_code"] == "1"].set_index(
        "cost_category")["forecast_annual"]
    for column in operating.COLUMNS:
        assert result.values[column] == pytest.approx(float(kommun.loc["net", column]))
        financing = sum(float(kommun.loc[c, column]) for c in operating.FINANCING)
        assert by_name["Verksamhetens nettokostnad"].values[column] == pytest.approx(
            float(kommun.loc["net", column]) - financing)
    # each nämnd's line is its net less any financing it holds (KS holds the taxes)
    codes = set(package.follow_up.loc[package.follow_up["depth"] == 1, "org_unit_code"])
    boards = marts[marts["org_unit_code"].isin(codes - {UNKNOWN_UNIT})]
    for code, rows in boards.groupby("org_unit_code"):
        rows = rows.set_index("cost_category")
        name = package.follow_up.loc[package.follow_up["org_unit_code"] == code,
                                     "org_unit_name"].iloc[0]
        expected = float(rows.loc["net", "outcome_ytd"]) - sum(
            float(rows.loc[c, "outcome_ytd"]) for c in operating.FINANCING if c in rows.index)
        assert by_name[name].values["outcome_ytd"] == pytest.approx(expected)
    # printed: every line its own amount rounded once; a sum's parts within their roundings
    for column in operating._columns(package):
        for line in lines:
            assert line.rounded[column] == (in_units(line.values[column]) or 0)
        parts = [line for line in lines if line.parent == lines.index(result)]
        assert abs(sum(p.rounded[column] for p in parts) - result.rounded[column]) \
            <= (len(parts) + 1) / 2


@pytest.mark.slow
def test_the_nämnder_forecasts_add_up_to_the_kommun(demo_run):
    """Internal items' baseline forecasts net out across the nämnder as their budget does."""
    _, marts = build(demo_run, "2025-04", None)
    internal = marts[(marts["cost_category"] == "internal_items")
                     & marts["org_unit_code"].str.fullmatch(r"1\d")]
    assert float(internal["budget_annual"].sum()) == pytest.approx(0, abs=0.005)
    assert float(internal["forecast_annual"].sum()) == pytest.approx(0, abs=0.005)


@pytest.mark.slow
def test_a_board_driftredovisning_per_sektor_and_verksamhet_equals_the_marts(demo_run):
    package, marts = build(demo_run, "2025-08", "12")
    lines = operating.lines_for(package)
    net = marts[marts["cost_category"] == "net"].set_index("org_unit_code")
    sub = package.follow_up[(package.follow_up["depth"].isin([1, 2]))
                            & (package.follow_up["cost_category"] == "net")]
    assert len(lines) == len(sub) + 1
    for line, code in zip(lines, sub["org_unit_code"], strict=False):
        for column in [c for c in operating.COLUMNS if c != "forecast_previous"]:
            expected = net.loc[code, column]
            expected = expected.iloc[0] if hasattr(expected, "iloc") else expected
            assert line.values[column] == pytest.approx(float(expected), nan_ok=True)
    top = lines[-1]
    for column in operating.COLUMNS:
        parts = [line.rounded[column] for line in lines if line.parent == len(lines) - 1]
        assert abs(sum(parts) - top.rounded[column]) <= (len(parts) + 1) / 2
        assert top.rounded[column] == (in_units(top.values[column]) or 0)


@pytest.mark.slow
def test_the_pdf_is_tagged_archivable_and_rebuilds_byte_for_byte(demo_run):
    package, _ = build(demo_run, "2025-08", None)
    day = dt.date(2025, 9, 15)
    first, second = pdf.render(package, day), pdf.render(package, day)
    assert first == second
    reader = PdfReader(io.BytesIO(first))
    root = reader.trailer["/Root"]
    assert root["/MarkInfo"]["/Marked"] and "/StructTreeRoot" in root
    assert root["/Lang"] == "sv-SE" or str(root["/Lang"]).startswith("sv")
    xmp = root["/Metadata"].get_object().get_data().decode("utf-8")
    assert re.search(r"pdfuaid:part[^0-9]*1", xmp) and re.search(r"pdfaid:part[^0-9]*2", xmp)
    assert re.search(r"pdfaid:conformance[^A-Z]*A", xmp)
    assert reader.outline, "an outline (bookmarks) to find the sections"
    fonts = {f["/Subtype"] for page in reader.pages
             for f in page["/Resources"].get("/Font", {}).values()
             for f in [f.get_object()]}
    assert "/Type3" not in fonts


@pytest.mark.slow
def test_the_kommun_pdf_reads_as_a_kommun_report(demo_run):
    package, marts = build(demo_run, "2025-08", None)
    text = text_of(pdf.render(package, dt.date(2025, 9, 15)))
    assert "Driftredovisning per nämnd" in text
    assert re.search(r"Sida 2 av \d+", text)
    assert "Innehåll" in text
    result = -float(marts[(marts["org_unit_code"] == "1")
                          & (marts["cost_category"] == "net")]["outcome_ytd"].iloc[0])
    # the surplus reads positive
    assert f"resultat för januari-augusti 2025 är {tkr(result)} tkr" in text.replace("\n", " ")
    assert "Balanskravet bedömt utifrån helårsprognosen" in text
    assert not re.search(r"\d\n\d{3} tkr", text), "no number broken across lines"
    assert "kontering." not in text and "periodisering." not in text  # no rule ids


@pytest.mark.slow
def test_every_deviation_is_in_the_pdf_with_its_comment(demo_run):
    package, _ = build(demo_run, "2025-08", "13")
    text = squeeze(text_of(pdf.render(package, dt.date(2025, 9, 15))))
    for r in package.deviations.to_dict("records"):
        assert squeeze(f"{r['org_unit_code']} {r['org_unit_name']}") in text
        for field in ("comment", "cause", "action"):
            if isinstance(r[field], str) and r[field]:
                assert squeeze(r[field]) in text, r[field]


@pytest.mark.slow
def test_the_year_end_speaks_of_the_year_not_of_a_forecast(demo_run):
    package, _ = build(demo_run, "2025-12", "12")
    text = text_of(pdf.render(package, dt.date(2026, 2, 15))).replace("\n", " ")
    assert "hittills i år" not in text and "Prognos helår" not in text
    assert "periodiserad budget" not in text
    assert "hade 2025 en nettokostnad" in text


@pytest.mark.slow
def test_no_suppressed_sick_leave_figure_is_printed_in_any_pdf(demo_run):
    """The staff section of every package of a tertial: where the mart hides a figure (a group
    of ten or fewer, derivable, or a long-term share traceable to a person) the PDF shows the
    mark; a hidden unit is left out of the chart and counted in words."""
    from pipelines.packages.document import document
    from pipelines.packages.figures import decimal
    from pipelines.packages.sections.staff import LONG_SHARE, WORKING_TIME

    with duckdb.connect(str(demo_run.warehouse), read_only=True) as con:
        scopes = [s.code for s in content.boards(con, 2025, 8)] + [None]
        for code in scopes:
            package = content.read_package(con, "Exempelkommun", "2025-08", code)
            [staff] = [s for s in document(package, dt.date(2025, 9, 15))["sections"]
                       if s["heading"] == "Personal"]
            tables = [b for b in staff["blocks"] if b["kind"] == "table"]
            printed = {r["cells"][0]: r["cells"][1] for t in tables for r in t["rows"]}
            top = package.staff.iloc[0]
            for field, label in [*WORKING_TIME, LONG_SHARE]:
                if top[field] != top[field]:
                    assert printed[label] == "*", (code, label)
                else:
                    assert printed[label] == decimal(top[field]), (code, label)
            hidden = package.staff[(package.staff["level_order"]
                                    == package.staff["level_order"].min() + 1)
                                   & package.staff["sick_leave_pct"].isna()]
            charts = [b for b in staff["blocks"] if b["kind"] == "chart"]
            for name in hidden["org_unit_name"]:
                assert all(f"{name} " not in c["alt"] for c in charts), (code, name)


@pytest.mark.slow
def test_a_package_pdf_carries_the_day_of_its_data_not_of_its_making(demo_run):
    """Made again tomorrow from the same warehouse, the PDF is the same bytes: its date is
    the day the warehouse's data last changed."""
    from pipelines.packages.publish import data_day

    [path] = list((demo_run.reports / "paket" / "2025-08").rglob("*_kommunen.pdf"))
    with duckdb.connect(str(demo_run.warehouse), read_only=True) as con:
        day = data_day(con)
        [(loaded,)] = con.execute("select max(received_at) from raw.deliveries "
                                  "where status = 'current'").fetchall()
    assert day == loaded.date()
    created = PdfReader(path).metadata.creation_date
    assert created.date() == day
    # "Underlag per" is the tidplan's data cut-off for the period, never a machine's day
    with duckdb.connect(str(demo_run.warehouse), read_only=True) as con:
        [(cutoff,)] = con.execute("select data_cutoff from raw.follow_up_calendar "
                                  "where period = '2025-08'").fetchall()
    text = text_of(path.read_bytes()).replace("\n", " ")
    assert f"Underlag per {cutoff.isoformat()} (datauttaget för januari" in text
    assert "Diarienummer" not in text and "____" not in text
