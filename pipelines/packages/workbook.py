"""The package's Excel workbook (xlsxwriter, through pipelines.packages.xlsx): one function
per sheet, headings from reports/layout.yaml; the sheets a unit fills in are in
pipelines.packages.input_sheets.

Amounts are in whole tkr as a board reads them (costs and nettokostnad +, intäkter +, the
kommun's result + for a surplus; seeds/cost_categories.csv), rounded as shown. Headers and
the unit's name stay in view (frozen panes), every list has a filter, `Utfall mot budget` is
grouped by level (Data > Disposition), deviations are coloured. Every sheet is protected:
a sheet to read lets its reader filter, sort and widen columns, an input sheet opens only
its yellow cells. A very hidden, protected sheet `Utskick` says what the package was issued
for; the return reader checks it. Every text is written as text: a comment that starts with
`=` stays a comment, never a formula. Columns, row heights and print settings are settled
when the sheet is written (pipelines.packages.xlsx).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from pipelines.packages.content import Package
from pipelines.packages.figures import missing
from pipelines.packages.input_sheets import deviations_sheet, goals_sheet
from pipelines.packages.layout import columns, layout, summary_text
from pipelines.packages.readings import NET_COST, OPERATING_NET
from pipelines.packages.workbook_tables import (
    HEADER_ROW,
    NOTE,
    PCT_FIELDS,
    board_reading,
    header_cell,
    heading,
    nothing,
    table,
)
from pipelines.packages.xlsx import Sheet, write_book

SEVERITY_SV = {"error": "fel", "warn": "varning"}


def summary_sheet(ws: Sheet, package: Package) -> None:
    heading(ws, package, layout()["sheets"]["summary"])
    fields = [f for f in columns("follow_up") if f[0] not in ("level", "org_unit_code",
                                                               "org_unit_name")]
    last = table(ws, board_reading(package, package.summary), fields)
    top = package.summary["org_unit_code"].iloc[0] if not package.summary.empty else None
    net = {package.reading(0, "net", top)[0], NET_COST}  # the sums, in bold
    for r in range(HEADER_ROW + 1, last + 1):
        if ws.value(r, 1) in net:
            for c in range(1, len(fields) + 1):
                ws.style(r, c, bold=True)
    for row, line in enumerate(summary_text(package).splitlines(), start=last + 2):
        if line:
            ws.paragraph(row, 1, line)


def follow_up_sheet(ws: Sheet, package: Package) -> None:
    heading(ws, package, layout()["sheets"]["follow_up"])
    fields = columns("follow_up")
    frame = package.follow_up.assign(level=package.follow_up["org_level"])
    # each unit's net first (the group's summary row), its categories below it
    frame = board_reading(package, frame.assign(is_net=frame["cost_category"] != "net")
                          .sort_values(["tree_position", "is_net", "sort_order"]))
    last = table(ws, frame, fields)
    fills = layout()["colours"]["level_fill"]
    for r, record in enumerate(frame.to_dict("records"), start=HEADER_ROW + 1):
        net = record["cost_category"] == "net"
        ws.outline[r] = min(7, int(record["depth"]) + (0 if net else 1))
        if record["cost_category"] == OPERATING_NET:  # a sum of the categories above it
            for c in range(1, len(fields) + 1):
                ws.style(r, c, bold=True)
        if net:
            for c in range(1, len(fields) + 1):
                ws.style(r, c, bold=True, fill=fills[min(int(record["depth"]), len(fills) - 1)])
    ws.summary_above = True
    ws.filter = (HEADER_ROW, 1, last, len(fields))


def investments_sheet(ws: Sheet, package: Package) -> None:
    heading(ws, package, layout()["sheets"]["investments"])
    if package.investments.empty:
        nothing(ws, "Inga investeringsprojekt för perioden.")
        return
    table(ws, package.investments, columns("investments"))


def staff_sheet(ws: Sheet, package: Package) -> None:
    lay = layout()
    heading(ws, package, lay["sheets"]["staff"])
    frame = package.staff
    if frame.empty:
        nothing(ws, "Ingen personalstatistik för perioden.")
        return
    last = table(ws, frame, columns("staff"), suppressed=PCT_FIELDS)
    ws.paragraph(last + 2, 1, lay["suppressed_note"], **NOTE)
    ws.paragraph(last + 3, 1, "Antal anställda, årsarbetare och sjukfrånvaro januari till och "
                              "med periodens månad; årsarbetare som genomsnitt av månaderna.",
                 **NOTE)


def quality_sheet(ws: Sheet, package: Package) -> None:
    heading(ws, package, layout()["sheets"]["quality"])
    frame = package.quality
    if frame.empty:
        nothing(ws, "Inga öppna kvalitetsfel för perioden.")
        return
    frame = frame.assign(
        severity=frame["severity"].map(SEVERITY_SV),
        voucher=[f"{s} {n}" if isinstance(s, str) and isinstance(n, str) else None
                 for s, n in zip(frame.get("series"), frame.get("voucher_number"),
                                 strict=True)])
    table(ws, frame, columns("quality"))


def deadlines_sheet(ws: Sheet, package: Package) -> None:
    """Bevakning (the kommun total): per kind of comment or report, who has answered by the
    tidplan's deadlines."""
    heading(ws, package, layout()["sheets"]["deadlines"])
    frame = package.deadlines
    last = table(ws, frame, [(c, c) for c in frame.columns])
    for r in range(HEADER_ROW + 1, last + 1):
        if (ws.value(r, 6) or 0) > 0:
            ws.style(r, 6, fill=layout()["colours"]["unfavourable"])
    ws.fit(1, 12, 30)
    ws.fit(7, 20, 80)  # Saknas från: who has not answered


def deadline_details_sheet(ws: Sheet, package: Package) -> None:
    """Every unit and goal that is missing or came after its deadline, with whoever answers
    for it: the list Ekonomi follows up from (filterable)."""
    heading(ws, package, layout()["sheets"]["deadline_details"])
    frame = package.deadline_details
    if frame.empty:
        nothing(ws, "Allt som tidplanen begär för perioden har kommit in i tid.")
        return
    last = table(ws, frame, [(c, c) for c in frame.columns])
    for r in range(HEADER_ROW + 1, last + 1):
        if ws.value(r, 6) is None:  # Inlämnad: not in at all
            ws.style(r, 7, fill=layout()["colours"]["unfavourable"])
    ws.filter = (HEADER_ROW, 1, last, 7)
    for c, bounds in enumerate(((12, 30), (10, 12), (6, 12), (16, 40), (16, 32), (10, 12),
                                (16, 45)), start=1):
        ws.fit(c, *bounds)


def balance_requirement_sheet(ws: Sheet, package: Package) -> None:
    """Balanskravsutredning (the kommun's årsredovisning), this year and the years before."""
    heading(ws, package, "Balanskravsutredning")
    frame = package.balance_requirement
    years = [c for c in frame.columns if c != "line_name"]
    header_cell(ws, HEADER_ROW, 1, "Mnkr")
    for c, year in enumerate(years, start=2):
        header_cell(ws, HEADER_ROW, c, str(year))
        ws.style(HEADER_ROW, c, align="right")  # over its figures
    for r, record in enumerate(frame.to_dict("records"), start=HEADER_ROW + 1):
        bold = record["line_name"].startswith(("Årets resultat efter", "Årets balanskrav"))
        ws.put(r, 1, record["line_name"], bold=bold)
        for c, year in enumerate(years, start=2):
            value = record[year]
            ws.put(r, c, None if missing(value) else float(value) / 1e6,
                   num_format="#,##0.0;[Red]-#,##0.0", bold=bold)
    ws.fit(1, 30, 60)
    for c in range(2, len(years) + 2):
        ws.fit(c, 8, 14)
    decisions = package.balance_requirement_decisions
    ws.paragraph(HEADER_ROW + len(frame) + 2, 1, "Kommunfullmäktiges beslut: "
                 + "; ".join(decisions) if decisions
                 else "Inga beslut om undantag eller om resultatutjämningsreserven för året.",
                 **NOTE)
    ws.freeze = (HEADER_ROW + 1, 2)


def issue_sheet(ws: Sheet, package: Package, package_id: str, day: dt.date) -> None:
    """What the package was issued for, read back from a returned workbook: very hidden
    (Excel's Unhide does not list it) and protected, so a unit neither sees nor changes it.
    The date is the data's (publish.data_day), so the same data makes the same workbook."""
    for r, (key, value) in enumerate((
            ("Period", package.period_key), ("Nämnd", package.scope.code or "kommunen"),
            ("Paket", package_id), ("Underlag per", day.isoformat())), start=1):
        ws.put(r, 1, key)
        ws.put(r, 2, value)
    ws.very_hidden = True
    ws.protected = True
    ws.protect_options = {}  # nothing but selecting a cell


def write_workbook(package: Package, path: Path, package_id: str, day: dt.date) -> Path:
    sheets = layout()["sheets"]
    writers = [("summary", summary_sheet), ("follow_up", follow_up_sheet),
               ("deviations", deviations_sheet), ("investments", investments_sheet),
               ("staff", staff_sheet)]
    if not package.goals.empty:  # tertial, delår and årsredovisning
        writers.append(("goals", goals_sheet))
    if not package.deadlines.empty:  # the kommun total
        writers += [("deadlines", deadlines_sheet), ("deadline_details", deadline_details_sheet)]
    if not package.balance_requirement.empty:  # the kommun's årsredovisning
        writers.append(("balance_requirement", balance_requirement_sheet))
    writers.append(("quality", quality_sheet))
    book = []
    for key, writer in writers:
        ws = Sheet(sheets[key])
        writer(ws, package)
        # read, not changed: the input sheets open their yellow cells themselves
        ws.protected = True
        # printed as a board secretary would: A4, one page wide (landscape where wide),
        # the header row on every page (xlsx.settle)
        ws.print_setup = {"title_row": HEADER_ROW,
                          "footer": f"{package.scope.name} - {package.title}"}
        book.append(ws)
    issue = Sheet(sheets["issue"])
    issue_sheet(issue, package, package_id, day)
    return write_book(book + [issue], path, f"{package.title} - {package.scope.name}", day)
