"""One figure, one set of digits: every nämnd's and the kommun's budget, outcome, deviation and
forecast as the board's PDF, the controller's workbook and the open data print them, each
rounded once from its öre; a label means one thing in all three (a board's nettokostnad never
holds the kommun's financing, the kommun's net is its årets resultat); and a sentence never
prints figures that would have to subtract.

Read as a nämnd secretary, a controller and an open-data user would, on the clean demo (every
package published) at tertial, delår and year end."""

from __future__ import annotations

import csv
import re
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from pipelines.domain import UNKNOWN_UNIT

pytestmark = pytest.mark.slow
PERIODS = ["2025-04", "2025-08", "2025-12"]
NUMBER = r"[−-]?\d{1,3}(?:\xa0\d{3})*"
ROW = re.compile(rf"^(?P<label>.+?) (?P<figures>{NUMBER}(?: {NUMBER})*)$")
HEADER_ROW = 5


def tkr(kr: str | Decimal | None) -> int | None:
    """An open-data amount (kronor, two decimals) in whole tkr, rounded once, half away from
    zero: what the documents must print."""
    if kr in (None, ""):
        return None
    return int((Decimal(kr) / 1000).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def number(text: str) -> int:
    return int(text.replace("\xa0", "").replace("−", "-"))


def pdf_rows(path: Path) -> dict[str, list[list[int]]]:
    """Every table row of the PDF whose cells after the label are all figures: label -> the
    rows' figures (a label may stand in several tables)."""
    rows: dict[str, list[list[int]]] = {}
    for page in PdfReader(path).pages:
        for line in page.extract_text().splitlines():
            m = ROW.match(line.strip())
            if m:
                rows.setdefault(m["label"], []).append(
                    [number(f) for f in m["figures"].split(" ")])
    return rows


def open_data(reports: Path, period: str) -> dict[tuple[str, str], dict]:
    path = reports / "oppna_data" / period / "budgetuppfoljning.csv"
    with path.open(encoding="utf-8") as f:
        return {(r["org_unit_code"], r["cost_category"]): r for r in csv.DictReader(f)}


def nettokostnad(published: dict, code: str) -> dict:
    """A unit's nettokostnad: beside the net of a unit holding the kommun's financing."""
    return published.get((code, "operating_net")) or published[(code, "net")]


def workbook_rows(path: Path) -> dict[tuple[str, str], dict]:
    sheet = load_workbook(path, read_only=True)["Utfall mot budget"]
    rows = list(sheet.iter_rows(min_row=HEADER_ROW, values_only=True))
    head = rows[0]
    code, name = head.index("Kod"), head.index("Kostnadsslag")
    return {(str(r[code]), r[name]): dict(zip(head, r, strict=False))
            for r in rows[1:] if r[code] is not None}


@pytest.fixture(scope="module")
def packages(clean_run):
    return clean_run.reports / "paket"


def boards(published: dict) -> list[str]:
    return sorted({code for (code, _), r in published.items() if r["org_level"] == "nämnd"
                   and code != UNKNOWN_UNIT})


@pytest.mark.parametrize("period", PERIODS)
def test_the_kommun_document_prints_each_board_as_the_open_data_has_it(clean_run, packages,
                                                                      period):
    published = open_data(clean_run.reports, period)
    rows = pdf_rows(next((packages / period).glob("*_kommunen.pdf")))
    year_end = period.endswith("-12")
    columns = ["budget_annual", "outcome_ytd", "deviation_ytd"] if year_end else \
        ["budget_annual", "budget_ytd", "outcome_ytd", "deviation_ytd", "forecast_annual"]
    positions = [0, 1, 2] if year_end else [0, 1, 2, 3, 4]  # the driftredovisning's order
    checked = 0
    for code in boards(published):
        row = nettokostnad(published, code)
        expected = [tkr(row[c]) for c in columns]
        found = [[r[i] for i in positions] for r in rows.get(row["org_unit_name"], [])
                 if len(r) > max(positions)]
        assert expected in found, (row["org_unit_name"], expected, found)
        checked += 1
    result = published[("1", "net")]
    assert result["cost_category_name"] == "Årets resultat"
    assert [tkr(result[c]) for c in columns] in [
        [r[i] for i in positions] for r in rows["Årets resultat"] if len(r) > max(positions)]
    assert checked >= 5


@pytest.mark.parametrize("period", PERIODS)
def test_each_board_document_and_workbook_print_the_open_datas_digits(clean_run, packages,
                                                                     period):
    published = open_data(clean_run.reports, period)
    year_end = period.endswith("-12")
    columns = ["outcome_ytd", "budget_ytd", "deviation_ytd"] + (
        [] if year_end else ["budget_annual", "forecast_annual", "forecast_deviation"])
    for code in boards(published):
        row = nettokostnad(published, code)
        pdf = next((packages / period).glob(f"*_{code}_*.pdf"))
        expected = [tkr(row[c]) for c in columns]
        # the board's own table per cost category: its nettokostnad, financing apart
        assert expected in pdf_rows(pdf)["Nettokostnad"], (code, expected)
        book = workbook_rows(pdf.with_suffix(".xlsx"))
        headings = {"outcome_ytd": "Utfall ack", "budget_ytd": "Budget ack",
                    "deviation_ytd": "Avvikelse ack", "budget_annual": "Årsbudget",
                    "forecast_annual": "Prognos helår", "forecast_deviation": "Prognosavvikelse"}
        cells = book[(code, "Nettokostnad")]
        assert [cells[headings[c]] for c in columns] == expected, code


def test_a_board_holding_the_financing_keeps_it_on_lines_of_its_own(clean_run, packages):
    published = open_data(clean_run.reports, "2025-08")
    holding = [code for (code, category) in published if category == "operating_net"
               and published[(code, category)]["org_level"] == "nämnd"]
    assert holding, "the demo's Kommunstyrelsen holds the kommun's taxes"
    for code in holding:
        result = published[(code, "net")]
        assert result["cost_category_name"] == "Netto efter finansiering"
        rows = pdf_rows(next((packages / "2025-08").glob(f"*_{code}_*.pdf")))
        assert tkr(result["outcome_ytd"]) == rows["Netto efter finansiering"][0][0]
        assert tkr(published[(code, "operating_net")]["outcome_ytd"]) == \
            rows["Nettokostnad"][0][0]
        book = workbook_rows(next((packages / "2025-08").glob(f"*_{code}_*.xlsx")))
        assert book[(code, "Netto efter finansiering")]["Utfall ack"] == \
            tkr(result["outcome_ytd"])


HEADLINE = re.compile(rf"nettokostnad på ({NUMBER}) tkr, ({NUMBER}) tkr (lägre|högre) än budget")


@pytest.mark.parametrize("period", PERIODS)
def test_a_headline_prints_what_the_table_prints_and_never_a_sum_to_check(clean_run, packages,
                                                                         period):
    published = open_data(clean_run.reports, period)
    for code in boards(published):
        row = nettokostnad(published, code)
        pdf = next((packages / period).glob(f"*_{code}_*.pdf"))
        text = " ".join(p.extract_text() for p in PdfReader(pdf).pages[:4])
        # as read: words hyphenated at a line's end joined, runs of spaces and breaks one space
        text = re.sub(r"[ \n]+", " ", re.sub(r"(\xad|-)\n", "", text).replace("\xad", ""))
        outcome, deviation, direction = HEADLINE.search(text).groups()
        assert number(outcome) == tkr(row["outcome_ytd"])
        assert number(deviation) == abs(tkr(row["deviation_ytd"]))
        assert (direction == "lägre") == (Decimal(row["deviation_ytd"]) >= 0)
        # no sentence puts an outcome "mot" a budget beside a deviation to subtract
        assert not re.search(rf"{NUMBER} tkr mot [^.]*?{NUMBER} tkr, [^.]*?{NUMBER} tkr", text)


def test_every_styrtal_says_which_unit_it_measures(clean_run, packages):
    """N12.1.1 stands under the goal of the sector förskola och grundskola, but its outcome
    is Förskola's alone: the document and the workbook say so beside the figure."""
    pdf = next((packages / "2025-08").glob("*_12_*.pdf"))
    text = " ".join(p.extract_text() for p in PdfReader(pdf).pages).replace("\n", " ")
    after = text[text.index("N12.1.1"):]
    assert "Avser: Förskola (1211)" in after[:600]
    sheet = load_workbook(pdf.with_suffix(".xlsx"), read_only=True)["Mål"]
    rows = list(sheet.iter_rows(min_row=HEADER_ROW, values_only=True))
    head = rows[0]
    [row] = [r for r in rows[1:] if r[head.index("Id")] == "N12.1.1"]
    assert row[head.index("Utfallet avser")] == "Förskola"
