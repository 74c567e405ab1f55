"""The follow-up packages of the demo year, read as a controller would, and the round trip of
a returned Avvikelser sheet."""

import shutil
from decimal import ROUND_HALF_UP, Decimal

import duckdb
import pytest
from openpyxl import load_workbook

from pipelines.runner import run_pipeline

pytestmark = pytest.mark.slow

PERIODS = ["2025-02", "2025-04", "2025-06", "2025-08", "2025-10", "2025-12"]
SHEETS = ["Sammanfattning", "Utfall mot budget", "Avvikelser", "Investeringar", "Personal",
          "Mål", "Datakvalitet", "Utskick"]  # a delårsrapport: with goal follow-up
HEADER = 5


def tkr(amount) -> int:
    """An amount in kr as every document prints it: whole tkr, rounded once, half away from
    zero (Swedish practice; Python's round() would round half to even)."""
    return int((Decimal(str(amount)) / 1000).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def query(summary, sql, params=None):
    with duckdb.connect(str(summary.warehouse), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def packages(summary, period):
    return sorted((summary.reports / "paket" / period).rglob("*.xlsx"))


def package(summary, period, stem):
    [path] = [p for p in packages(summary, period) if stem in p.name]
    return path


def table(ws):
    """The sheet's rows under its header row, as dicts by heading (notes below the table,
    after an empty row, are not rows)."""
    headings = [c.value for c in ws[HEADER]]
    rows = []
    for row in ws.iter_rows(min_row=HEADER + 1, values_only=True):
        if not any(v is not None for v in row):
            break
        rows.append(dict(zip(headings, row, strict=False)))
    return rows


def boards(summary):
    return query(summary, "SELECT DISTINCT org_unit_code FROM marts.budget_follow_up "
                          "WHERE org_level = 'nämnd' AND org_unit_code <> '(okänt)' ORDER BY 1")


def test_every_board_and_the_kommun_get_a_workbook_and_a_pdf_each_period(demo_run):
    count = len(boards(demo_run)) + 1
    for period in PERIODS:
        books = packages(demo_run, period)
        assert len(books) == count, period
        for book in books:
            pdf = book.with_suffix(".pdf")
            assert pdf.read_bytes()[:5] == b"%PDF-", pdf
    assert {p["period"] for p in demo_run.packages} == set(PERIODS)


def test_sheets_headings_and_numbers_equal_the_marts(demo_run):
    path = package(demo_run, "2025-08", "_12_")
    book = load_workbook(path)
    assert book.sheetnames == SHEETS
    assert book["Utskick"].sheet_state == "veryHidden"  # not even listed by Excel's Unhide
    assert book["Sammanfattning"]["A1"].value == "Exempelkommun - Barn- och utbildningsnämnden"
    follow_up = book["Utfall mot budget"]
    assert follow_up.freeze_panes == "D6"  # the unit's name stays in view
    rows = table(follow_up)
    assert list(rows[0])[:4] == ["Nivå", "Kod", "Benämning", "Kostnadsslag"]
    # as a board reads them: intäkter +, in whole tkr as shown
    mart = {(code, cat): (out, budget, fc) for code, cat, out, budget, fc in query(
        demo_run, "SELECT org_unit_code, c.board_name, outcome_ytd * c.board_sign, "
                  "budget_ytd * c.board_sign, forecast_annual * c.board_sign "
                  "FROM marts.budget_follow_up JOIN seeds.cost_categories c "
                  "USING (cost_category) WHERE fiscal_year = 2025 "
                  "AND period = 8 AND org_level <> 'kommun'")}
    for row in rows:
        out, budget, forecast = mart[(row["Kod"], row["Kostnadsslag"])]
        assert row["Utfall ack"] == tkr(out), row
        assert row["Budget ack"] == tkr(budget), row
        assert row["Prognos helår"] == tkr(forecast), row
    revenue = [r for r in rows if r["Kostnadsslag"] == "Verksamhetens intäkter"]
    assert revenue and all(r["Utfall ack"] >= 0 for r in revenue)
    # every level of the board down to enhet, grouped by level
    assert {r["Nivå"] for r in rows} == {"Nämnd", "Sektor", "Verksamhet", "Enhet"}
    assert max(d.outline_level for d in follow_up.row_dimensions.values()) >= 4
    assert follow_up.cell(row=HEADER + 1, column=5).number_format == "#,##0;-#,##0"
    assert follow_up.auto_filter.ref


def test_a_package_holds_only_its_own_board(demo_run):
    units = {code for (code,) in query(demo_run, """
        WITH RECURSIVE tree AS (
            SELECT org_unit_code, level_order FROM marts.budget_follow_up
            WHERE fiscal_year = 2025 AND period = 8 AND org_unit_code = '13'
            UNION
            SELECT f.org_unit_code, f.level_order FROM marts.budget_follow_up f
            JOIN tree ON f.parent_unit_code = tree.org_unit_code
                AND f.level_order = tree.level_order + 1
            WHERE f.fiscal_year = 2025 AND f.period = 8)
        SELECT org_unit_code FROM tree""")}
    book = load_workbook(package(demo_run, "2025-08", "_13_"))
    for sheet in ("Utfall mot budget", "Avvikelser", "Personal"):
        codes = {r["Kod"] for r in table(book[sheet])}
        assert codes and codes <= units, sheet
    kommun = load_workbook(package(demo_run, "2025-08", "kommunen"))
    levels = {r["Nivå"] for r in table(kommun["Utfall mot budget"])}
    assert levels == {"Kommun", "Nämnd"}  # the boards' summaries, not their units
    codes = {r["Kod"] for r in table(kommun["Utfall mot budget"])}
    assert {c for (c,) in boards(demo_run)} <= codes


def test_suppressed_staff_figures_are_shown_as_such(demo_run):
    book = load_workbook(package(demo_run, "2025-12", "kommunen"))
    rows = table(book["Personal"])
    hidden = {(code, value) for code, value in query(
        demo_run, "SELECT org_unit_code, sick_leave_pct FROM marts.staff_statistics "
                  "WHERE fiscal_year = 2025 AND period = 12 AND period_scope = 'ytd' "
                  "AND org_level IN ('kommun', 'nämnd')")}
    for row in rows:
        [value] = [v for c, v in hidden if c == row["Kod"]]
        if value is None:
            assert row["Sjukfrånvaro %"] == "*", row
        else:
            assert row["Sjukfrånvaro %"] == pytest.approx(value), row
    assert any(r["Sjukfrånvaro %"] == "*" for r in rows)


def test_a_board_with_an_error_gets_a_draft_that_says_why(demo_run):
    drafts = [p for p in demo_run.packages if not p["published"]]
    assert drafts and all(p["blockers"] for p in drafts)
    draft = drafts[0]
    book = load_workbook(draft["workbook"])
    assert book["Sammanfattning"]["A4"].value.startswith("UTKAST - EJ PUBLICERAD")
    assert "/utkast/" in draft["workbook"]


def test_the_clean_demo_publishes_every_package(clean_run):
    assert clean_run.packages and all(p["published"] for p in clean_run.packages)
    assert not list((clean_run.reports / "paket").rglob("utkast/*"))


# --- the round trip ----------------------------------------------------------------------

INJECTION = '=HYPERLINK("http://example.com","klicka")'


def fill(path, target, rows, sheet="Avvikelser"):
    """A unit's answers typed into the yellow columns, as Excel would keep them."""
    book = load_workbook(path)
    ws = book[sheet]
    column = {c.value: c.column for c in ws[HEADER]}
    for r, values in rows.items():
        for heading, value in values.items():
            ws.cell(row=HEADER + r, column=column[heading]).value = value
    target.parent.mkdir(parents=True, exist_ok=True)
    book.save(target)
    return table(ws)


@pytest.fixture(scope="module")
def returned(demo_run, tmp_path_factory):
    root = tmp_path_factory.mktemp("returer") / "demo"
    shutil.copytree(demo_run.config.base_dir, root)
    config = root / "uppfoljning.yaml"
    issued = package(demo_run, "2025-04", "_11_")
    returns = root / "landing" / "returer"
    # forecasts are given per cost category: answer rows that are not Netto
    first, second, third, fourth = [
        i for i, r in enumerate(table(load_workbook(issued)["Avvikelser"]), start=1)
        if r["Kostnadsslag (kod)"] != "net"][:4]
    answers = fill(issued, returns / "ks_svar.xlsx", {
        first: {"Kommentar": INJECTION, "Orsak": "Vakanser", "Åtgärd": "@Rekrytering",
                "Prognos helår (tkr)": 5000, "Ansvarig": "Eva Ek"},
        second: {"Kommentar": "-Lägre kostnader än väntat", "Prognos helår (tkr)": "1 234,5"},
    })
    rows = [answers[first - 1], answers[second - 1]]
    # and on two of the board's goals: a new status with a comment, and a comment alone
    goals = table(load_workbook(issued)["Mål"])
    new_status = "uppnått" if goals[0]["Status"] != "uppnått" else "ej uppnått"
    fill(returns / "ks_svar.xlsx", returns / "ks_svar.xlsx", {
        1: {"Ny status": new_status.capitalize(), "Ny kommentar": "Halvvägs"},
        2: {"Ny kommentar": "Ny uppgift från verksamheten"}}, sheet="Mål")
    rows.append({"goals": goals[:2], "new_status": new_status})
    # another unit's answers: one good row, and one with text pasted into its forecast
    answers = fill(issued, returns / "felaktig.xlsx", {
        third: {"Kommentar": "Engångskostnad för inventarier", "Prognos helår (tkr)": 800},
        fourth: {"Kommentar": "ska inte läsas in", "Prognos helår (tkr)": "ungefär hälften"}})
    rows += [answers[third - 1], answers[fourth - 1]]
    fill(issued, returns / "fel_i_mal.xlsx", {3: {"Ny status": "klart"}}, sheet="Mål")
    before = query(demo_run, "SELECT sum(forecast_annual) FROM marts.budget_follow_up WHERE "
                             "fiscal_year = 2025 AND period = 4 AND org_level = 'kommun'")
    summary = run_pipeline(config, from_month="2025-04", through="2025-04")
    return summary, rows, before


def test_returned_comments_and_forecasts_reach_the_marts(returned):
    summary, rows, _ = returned
    first, second = rows[0], rows[1]
    got = query(summary, "SELECT comment, cause, action, responsible FROM marts.deviations "
                         "WHERE fiscal_year = 2025 AND period = 4 AND org_unit_code = ? "
                         "AND cost_category = ?", [first["Kod"], first["Kostnadsslag (kod)"]])
    assert got == [(INJECTION, "Vakanser", "@Rekrytering", "Eva Ek")]
    forecasts = dict(query(summary, """
        SELECT org_unit_code || '/' || cost_category, forecast_submitted FROM marts.forecasts
        WHERE fiscal_year = 2025 AND period = 4 AND forecast_submitted IS NOT NULL"""))
    # typed as the board reads it (intäkter +), kept in ledger sign (intäkter −)
    sign = dict(query(summary, "SELECT cost_category, board_sign FROM seeds.cost_categories"))
    assert forecasts == {
        f"{first['Kod']}/{first['Kostnadsslag (kod)']}":
            5_000_000 * sign[first["Kostnadsslag (kod)"]],
        f"{second['Kod']}/{second['Kostnadsslag (kod)']}":
            1_234_500 * sign[second["Kostnadsslag (kod)"]],
        # the good row of the file whose other row has a bad cell
        f"{rows[3]['Kod']}/{rows[3]['Kostnadsslag (kod)']}":
            800_000 * sign[rows[3]["Kostnadsslag (kod)"]]}


def test_the_kommun_total_carries_the_submitted_forecasts(returned):
    summary, rows, before = returned
    after = query(summary, "SELECT sum(forecast_annual) FROM marts.budget_follow_up WHERE "
                           "fiscal_year = 2025 AND period = 4 AND org_level = 'kommun'")
    assert after != before
    book = load_workbook(package(summary, "2025-04", "kommunen"))
    [net] = [r for r in table(book["Sammanfattning"]) if r["Kostnadsslag"] == "Årets resultat"]
    [(forecast,)] = query(summary, "SELECT forecast_annual FROM marts.budget_follow_up WHERE "
                                   "fiscal_year = 2025 AND period = 4 AND org_level = 'kommun' "
                                   "AND cost_category = 'net'")
    assert net["Prognos helår"] == tkr(-forecast)  # a surplus reads +
    # a forecast typed for a verksamhet replaces its enheter's sum and moves its sektor, its
    # nämnd and the kommun with it: above it, every unit's forecast is the sum of its units'
    # (but the kommun's net, which eliminates the internal items)
    assert query(summary, """
        SELECT p.level_order, p.org_unit_code, p.cost_category, p.forecast_annual,
               sum(c.forecast_annual)
        FROM marts.budget_follow_up p JOIN marts.budget_follow_up c
          ON c.fiscal_year = p.fiscal_year AND c.period = p.period
         AND c.parent_unit_code = p.org_unit_code AND c.cost_category = p.cost_category
         AND c.level_order = p.level_order + 1
        WHERE p.fiscal_year = 2025 AND p.period = 4 AND p.cost_category <> 'internal_items'
          AND NOT (p.level_order = 1 AND p.cost_category = 'net')
          AND p.org_unit_code NOT IN (SELECT org_unit_code FROM raw.submitted_forecasts)
        GROUP BY ALL HAVING p.forecast_annual <> sum(c.forecast_annual)""") == []
    [(typed,)] = query(summary, "SELECT count(DISTINCT org_unit_code) FROM raw.submitted_forecasts"
                                " WHERE org_unit_code IN (SELECT org_unit_code FROM marts."
                                "budget_follow_up WHERE org_level = 'verksamhet')")
    assert typed  # the case above is tried


def test_a_comment_is_written_back_as_text_never_as_a_formula(returned):
    summary, rows, _ = returned
    ws = load_workbook(package(summary, "2025-04", "_11_"))["Avvikelser"]
    column = {c.value: c.column for c in ws[HEADER]}
    cells = [ws.cell(row=r, column=column["Kommentar"]) for r in range(HEADER + 1,
                                                                        ws.max_row + 1)]
    written = {c.value: c.data_type for c in cells if c.value}
    assert written[INJECTION] == "s"
    assert written["-Lägre kostnader än väntat"] == "s"
    actions = [ws.cell(row=r, column=column["Åtgärd"]) for r in range(HEADER + 1,
                                                                       ws.max_row + 1)]
    assert [(c.value, c.data_type) for c in actions if c.value] == [("@Rekrytering", "s")]


def test_a_return_with_a_bad_cell_loads_its_good_rows_and_names_the_bad_one(returned):
    """Text pasted into a forecast cell gets past Excel's validation: that row is
    quarantined whole (its comment too: it explains the forecast), naming the sheet, the
    cell and the rule, and every other row of the file is loaded."""
    summary, rows, _ = returned
    good, bad = rows[3], rows[4]
    got = query(summary, "SELECT comment FROM marts.deviations WHERE fiscal_year = 2025 AND "
                         "period = 4 AND org_unit_code = ? AND cost_category = ?",
                [good["Kod"], good["Kostnadsslag (kod)"]])
    assert got == [("Engångskostnad för inventarier",)]
    assert query(summary, "SELECT org_unit_code, cost_category FROM raw.deviation_comments "
                          "WHERE source_file = 'felaktig.xlsx'") == [
        (good["Kod"], good["Kostnadsslag (kod)"])]
    assert query(summary, "SELECT count(*) FROM raw.submitted_forecasts WHERE source_file = "
                          "'felaktig.xlsx' AND org_unit_code = ? AND cost_category = ?",
                 [bad["Kod"], bad["Kostnadsslag (kod)"]]) == [(0,)]
    [(line, rule)] = query(summary, "SELECT line, rule FROM raw.quarantine WHERE source = "
                                    "'returns' AND file = 'felaktig.xlsx'")
    sheet = load_workbook(summary.config.base_dir / "landing" / "returer" / "felaktig.xlsx")
    [letter] = [c.column_letter for c in sheet["Avvikelser"][HEADER]
                if c.value == "Prognos helår (tkr)"]
    assert sheet["Avvikelser"][f"B{line}"].value == bad["Kod"]
    assert rule == (f"bladet Avvikelser, cell {letter}{line}: 'ungefär hälften' är inte ett "
                    "tal (Prognos helår skrivs i tkr, utan formel)")
    # the run's output names the returned file with its quarantined row and the bad cell
    [said] = [d for d in summary.deliveries if d.file == "felaktig.xlsx"]
    assert said.quarantined == 1 and said.rules[0][0] == rule


def test_goal_reports_come_back_in_the_mal_sheet(returned):
    import datetime as dt

    summary, rows, _ = returned
    (changed, commented), new_status = rows[2]["goals"], rows[2]["new_status"]
    returned_on = dt.date.fromtimestamp(
        (summary.config.landing_path / "returer" / "ks_svar.xlsx").stat().st_mtime)
    got = {g: (status, source, comment, submitted) for g, status, source, comment, submitted
           in query(summary, "SELECT goal_id, status, status_source, comment, submitted_on "
                             "FROM marts.goal_follow_up WHERE fiscal_year = 2025 AND period = 4 "
                             "AND goal_id IN (?, ?)", [changed["Id"], commented["Id"]])}

    def first_day(goal):  # the first report's day is held against the deadline
        return goal["Inlämnad"].date() if goal["Inlämnad"] else returned_on

    assert got[changed["Id"]] == (new_status, "rapporterad", "Halvvägs", first_day(changed))
    # a comment alone keeps the status the goal had
    assert got[commented["Id"]][0] == commented["Status"]
    assert got[commented["Id"]][2:] == ("Ny uppgift från verksamheten", first_day(commented))
    # the package made after the return shows the report
    ws = load_workbook(package(summary, "2025-04", "_11_"))["Mål"]
    assert {r["Id"]: r["Status"] for r in table(ws)}[changed["Id"]] == new_status
    [(line, raw, rule)] = query(summary, "SELECT line, raw, rule FROM raw.quarantine WHERE "
                                         "source = 'returns' AND file = 'fel_i_mal.xlsx'")
    assert raw.startswith("bladet Mål: ")
    [letter] = [c.column_letter for c in ws[HEADER] if c.value == "Ny status"]
    assert rule.startswith(f"bladet Mål, cell {letter}{line}: status 'klart' är inte en av")


def test_tertial_packages_follow_up_goals_and_the_kommun_watches_the_deadlines(demo_run):
    board = load_workbook(package(demo_run, "2025-04", "_12_"))
    goals = table(board["Mål"])
    assert goals and {g["Id"][:4] for g in goals} <= {"N12.", "D12.", "A12."}
    assert "Mål" not in load_workbook(package(demo_run, "2025-06", "_12_")).sheetnames
    kommun = load_workbook(package(demo_run, "2025-08", "kommunen"))
    watch = {r["Vad"]: r for r in table(kommun["Bevakning"])}
    assert {"Avvikelser, enhet", "Aktiviteter", "Delmål", "Nämndmål"} <= set(watch)
    assert all(r["Antal"] == r["I tid"] + r["Sent"] + r["Saknas"] for r in watch.values())
    # and, unit by unit and goal by goal, what is missing or late, with who answers for it
    details = table(kommun["Saknas eller sent"])
    for what, row in watch.items():
        listed = [d for d in details if d["Vad"] == what]
        assert len(listed) == row["Sent"] + row["Saknas"], what
        assert sum(d["Inlämnad"] is None for d in listed) == row["Saknas"], what
    late = [d for d in details if d["Inlämnad"] is not None]
    assert late and all(d["Inlämnad"] > d["Senast"] and d["Läge"].startswith("sent, ")
                        for d in late)
    goal = next(d for d in late if not d["Vad"].startswith("Avvikelser"))
    [(name, unit_code, unit_name)] = query(demo_run, """
        SELECT goal_name, responsible_unit_code, responsible_unit_name
        FROM marts.goal_follow_up WHERE fiscal_year = 2025 AND period = 8 AND goal_id = ?""",
        [goal["Id"]])
    assert (goal["Benämning"], goal["Ansvarig"]) == (name, f"{unit_code} {unit_name}")
    # a goal measured in kronor is shown in tkr, as every amount in the package
    goals = {g["Id"]: g for g in table(kommun["Mål"])}
    [(f2,)] = query(demo_run, "SELECT outcome_value FROM marts.goal_follow_up WHERE "
                              "fiscal_year = 2025 AND period = 8 AND goal_id = 'F2'")
    assert (goals["F2"]["Enhet"], goals["F2"]["Utfall"]) == ("tkr", float(f2) / 1000)
    assert goals["S1.1"]["Enhet"] == "%"


def test_reminders_name_whoever_has_not_commented_or_reported(returned):
    """The reminder run after the tertial's last deadline: every unit with an uncommented
    deviation and every goal without a report, and not the row a unit answered."""
    import datetime as dt

    from pipelines.runner import run_reminders

    summary, rows, _ = returned
    out, reminded = run_reminders(summary.config.base_dir / "uppfoljning.yaml", "2025-04",
                                  dt.date(2025, 5, 28))
    uncommented = query(summary, """
        SELECT org_level, org_unit_code, list(cost_category_name ORDER BY deviation_rank)
        FROM marts.deviations WHERE fiscal_year = 2025 AND period = 4 AND NOT is_commented
        AND org_level IN ('enhet', 'verksamhet', 'sektor') GROUP BY ALL""")
    deviations = reminded[reminded["what"].str.startswith("Avvikelser")]
    assert sorted(zip(deviations["what"], deviations["unit_code"], strict=True)) == sorted(
        (f"Avvikelser, {level}", unit) for level, unit, _ in uncommented)
    for level, unit, names in uncommented:
        [text] = deviations.loc[(deviations["unit_code"] == unit)
                                & (deviations["what"] == f"Avvikelser, {level}"), "outstanding"]
        assert text == "kommentar till avvikelser: " + ", ".join(names)
    answered = rows[0]
    assert not any(answered["Kostnadsslag"] in text for text in deviations.loc[
        deviations["unit_code"] == answered["Kod"], "outstanding"])
    unreported = query(summary, """
        SELECT goal_id FROM marts.goal_follow_up g WHERE fiscal_year = 2025 AND period = 4
        AND goal_kind <> 'financial_goal' AND NOT EXISTS (
            SELECT 1 FROM (SELECT goal_id, period FROM raw.goal_statuses UNION ALL
                           SELECT goal_id, period FROM raw.returned_goal_statuses) s
            WHERE s.goal_id = g.goal_id AND s.period = '2025-04')""")
    goals = reminded[~reminded["what"].str.startswith("Avvikelser")]
    assert unreported and sorted(
        goal.split(" ")[0] for text in goals["outstanding"] for goal in text.split("; ")
    ) == sorted(g for (g,) in unreported)
    # a message per unit for its own things, and the list for Ekonomi
    assert out.exists()
    letters = sorted((out.parent / "2025-05-28").glob("*.txt"))
    assert [p.stem for p in letters] == sorted(reminded["unit_code"].unique())
    letter = (out.parent / "2025-05-28" / f"{uncommented[0][1]}.txt").read_text("utf-8")
    assert "försenad" in letter and "kommentar till avvikelser" in letter


def test_a_comment_sent_back_again_keeps_the_day_it_first_came(demo_run, tmp_path):
    import datetime as dt
    import os

    from pipelines.packages.returns import read_returns

    issued = package(demo_run, "2025-04", "_11_")
    row = next(i for i, r in enumerate(table(load_workbook(issued)["Avvikelser"]), start=1)
               if r["Kostnadsslag (kod)"] != "net")
    in_time, again = tmp_path / "svar.xlsx", tmp_path / "svar_igen.xlsx"
    fill(issued, in_time, {row: {"Kommentar": "Vakanser under våren"}})
    shutil.copy(in_time, again)
    first, later = dt.datetime(2025, 5, 7, 9), dt.datetime(2025, 5, 20, 9)
    os.utime(in_time, (first.timestamp(), first.timestamp()))
    os.utime(again, (later.timestamp(), later.timestamp()))
    with duckdb.connect(str(demo_run.warehouse), read_only=True) as con:
        comments = read_returns(tmp_path, con).comments
        assert comments["submitted_at"].tolist() == [first]
        fill(again, again, {row: {"Kommentar": "Vakanser under våren, nu tillsatta"}})
        os.utime(again, (later.timestamp(), later.timestamp()))
        comments = read_returns(tmp_path, con).comments
    # a comment corrected after the deadline: the new text, on the day the unit first
    # commented (it did comment in time)
    assert comments[["comment", "submitted_at"]].values.tolist() == [
        ["Vakanser under våren, nu tillsatta", first]]


def test_every_goal_report_of_returned_packages_is_kept(demo_run, tmp_path):
    """A status in the first return and a comment alone in the second: both reports reach
    the mart, which keeps the status (field by field) and the first day."""
    import datetime as dt
    import os

    from pipelines.packages.returns import read_returns

    issued = package(demo_run, "2025-04", "_11_")
    goal = table(load_workbook(issued)["Mål"])[0]["Id"]
    status, comment = tmp_path / "status.xlsx", tmp_path / "kommentar.xlsx"
    fill(issued, status, {1: {"Ny status": "delvis uppnått"}}, sheet="Mål")
    fill(issued, comment, {1: {"Ny kommentar": "Arbetet fortsätter"}}, sheet="Mål")
    shutil.copy(status, tmp_path / "status_igen.xlsx")
    for path, day in ((status, 5), (tmp_path / "status_igen.xlsx", 6), (comment, 20)):
        stamp = dt.datetime(2025, 5, day, 9).timestamp()
        os.utime(path, (stamp, stamp))
    with duckdb.connect(str(demo_run.warehouse), read_only=True) as con:
        reports = read_returns(tmp_path, con).goal_statuses
    reports = reports.astype(object).where(reports.notna(), None)
    assert reports[["goal_id", "status", "comment", "submitted_on"]].values.tolist() == [
        [goal, "delvis uppnått", None, dt.date(2025, 5, 5)],  # sent twice: its first day
        [goal, None, "Arbetet fortsätter", dt.date(2025, 5, 20)]]


def test_the_avvikelser_sheet_refuses_bad_input_and_prints_readably(demo_run):
    book = load_workbook(package(demo_run, "2025-08", "_12_"))
    ws = book["Avvikelser"]
    headings = {c.value: c.column_letter for c in ws[HEADER]}
    assert {"Utfall ack", "Budget ack", "Avvikelse ack"} <= set(headings)
    assert ws.column_dimensions[headings["Kostnadsslag (kod)"]].hidden
    assert not {r["Kostnadsslag"] for r in table(ws)} & {"personnel", "internal_items"}
    [check] = [v for v in ws.data_validations.dataValidation
               if headings["Prognos helår (tkr)"] in str(v.sqref)]
    assert check.showErrorMessage and check.errorStyle in (None, "stop")
    assert check.showInputMessage and check.prompt
    assert ws.auto_filter.ref and ws.freeze_panes == "D6"
    # one page wide in landscape, at a scale a person can read (>= 70 %): a column of
    # stored width w (xlsxwriter adds its padding to the width it is given) is Excel's
    # trunc((256w + 18) / 256 * 7) pixels at 96 dpi, one of the default width 64; A4
    # landscape less the margins is what is printable
    # (a <col> element may span several columns: each column of it has its width)
    dims = {column: d for d in ws.column_dimensions.values()
            for column in range(d.min or 1, (d.max or d.min or 1) + 1)}
    shown = [dims.get(c.column) for c in ws[HEADER]]
    width_cm = sum((int((256 * d.width + 18) / 256 * 7) if d and d.width else 64) / 96 * 2.54
                   for d in shown if not (d and d.hidden))
    printable_cm = 29.7 - 2.54 * (ws.page_margins.left + ws.page_margins.right)
    assert ws.page_setup.orientation == "landscape" and ws.sheet_properties.pageSetUpPr.fitToPage
    assert (ws.page_setup.fitToWidth or 1) == 1  # absent: OOXML's default, one page wide
    assert printable_cm / width_cm >= 0.7, f"{width_cm:.0f} cm of columns"
    for r in table(ws):
        for heading in ("Utfall ack", "Avvikelse ack", "Årsbudget"):
            assert isinstance(r[heading], int), r  # whole tkr, as shown: no float noise


def test_a_unit_flagged_on_its_net_gets_a_forecast_cell_per_category(demo_run):
    book = load_workbook(package(demo_run, "2025-08", "_12_"))
    ws = book["Avvikelser"]
    rows = table(ws)
    column = {c.value: c.column for c in ws[HEADER]}
    flagged = {r["Kod"] for r in rows if r["Kostnadsslag (kod)"] == "net"}
    deviations = {(code, cat) for code, cat in query(
        demo_run, "SELECT org_unit_code, cost_category FROM marts.deviations WHERE "
                  "fiscal_year = 2025 AND period = 8")}
    categories = {(code, cat) for code, cat in query(
        demo_run, "SELECT org_unit_code, cost_category FROM marts.budget_follow_up WHERE "
                  "fiscal_year = 2025 AND period = 8 AND cost_category <> 'net' AND "
                  "(outcome_ytd <> 0 OR budget_annual <> 0)")}
    listed = {(r["Kod"], r["Kostnadsslag (kod)"]) for r in rows}
    for code in flagged:
        wanted = {(c, cat) for c, cat in categories if c == code}
        assert wanted <= listed, code  # every category of the unit can be forecast
    basis = [i for i, r in enumerate(rows, start=HEADER + 1)
             if (r["Kod"], r["Kostnadsslag (kod)"]) not in deviations]
    assert basis, "the demo has a unit flagged on its net alone"
    cell = ws.cell(row=basis[0], column=column["Prognos helår (tkr)"])
    assert cell.protection.locked is False
