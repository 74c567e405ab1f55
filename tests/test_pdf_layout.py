"""The board documents' layout as a board member reads them and as a screen reader reads them:
column titles never hyphenated or broken inside a word, landscape pages only for a table that
needs the width and has the lines to fill them, no page holding only a section that says
there is nothing to report, and tables whose row labels are row headers (TH, Scope Row) and
whose column titles are column headers (TH, Scope Column) in the PDF's structure tree.

What a cell says is read from the structure tree: each TH's marked content, page by page, so
a title hyphenated over two lines ("Progno-" "savvikelse") or broken inside a word ("jan–"
"aug") reads differently from the title the section gave it."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from collections import defaultdict

import duckdb
import pytest
from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

from pipelines.packages import content, pdf
from pipelines.packages.document import document
from pipelines.packages.sections import blocks

PERIODS = ["2025-04", "2025-08", "2025-12"]
SCOPES = [None, "12", "16"]  # the kommun, a board with many lines and a small one
DAY = dt.date(2025, 9, 15)
BODY_KINDS = ("table", "commented_table", "chart", "facts")

# --- reading a tagged PDF ----------------------------------------------------------------


def marked_texts(reader: PdfReader) -> dict[tuple[int, int], str]:
    """{(page object, MCID): the text shown in that marked-content sequence}."""
    out = {}
    for page in reader.pages:
        texts, stack = defaultdict(str), []

        def before(op, args, cm, tm, stack=stack):
            if op == b"BDC":
                props = args[1] if len(args) > 1 else None
                stack.append(props.get("/MCID") if isinstance(props, dict) else None)
            elif op == b"BMC":
                stack.append(None)
            elif op == b"EMC" and stack:
                stack.pop()

        def shown(text, cm, tm, font, size, stack=stack, texts=texts):
            mcid = next((m for m in reversed(stack) if m is not None), None)
            if mcid is not None:
                texts[mcid] += text

        page.extract_text(visitor_operand_before=before, visitor_text=shown)
        out.update({(page.indirect_reference.idnum, m): t for m, t in texts.items()})
    return out


def kids(element) -> list:
    k = element.get("/K", [])
    return list(k) if isinstance(k, ArrayObject) else [k]


def text_of(element, texts: dict, page=None) -> str:
    """What a structure element says, its words one space apart."""
    element = element.get_object()
    page = element.get("/Pg", page)
    out = []
    for kid in kids(element):
        if isinstance(kid, int):
            out.append(texts.get((page.idnum, kid), ""))
            continue
        kid = kid.get_object()
        if kid.get("/Type") == "/MCR":
            out.append(texts.get((kid["/Pg"].idnum, kid["/MCID"]), ""))
        elif "/S" in kid:
            out.append(text_of(kid, texts, page))
    return re.sub(r"\s+", " ", " ".join(out)).strip()


def elements(node, kind: str | None = None):
    node = node.get_object()
    if not isinstance(node, DictionaryObject):
        return
    if "/S" in node and (kind is None or node["/S"] == kind):
        yield node
    for kid in kids(node):
        if isinstance(kid, IndirectObject | DictionaryObject):
            yield from elements(kid, kind)


def table_attributes(cell) -> dict:
    a = cell.get("/A")
    listed = a if isinstance(a, ArrayObject) else [a]
    return next((d.get_object() for d in listed
                 if d is not None and d.get_object().get("/O") == "/Table"), {})


def rows_of(table) -> list[tuple[str, list]]:
    """(row group, cells) of each row of a table, in order."""
    out = []
    for child in (k.get_object() for k in kids(table)):
        if child.get("/S") == "/TR":
            out.append((None, [c.get_object() for c in kids(child)]))
        elif child.get("/S") in ("/THead", "/TBody", "/TFoot"):
            out += [(child["/S"], [c.get_object() for c in kids(row.get_object())])
                    for row in kids(child) if row.get_object().get("/S") == "/TR"]
    return out


def structure(data: bytes):
    reader = PdfReader(io.BytesIO(data))
    return reader, reader.trailer["/Root"]["/StructTreeRoot"], marked_texts(reader)


def column_titles(doc: dict) -> set[str]:
    return {re.sub(r"\s+", " ", c["title"]).strip() for s in doc["sections"]
            for b in s["blocks"] if b["kind"] in ("table", "commented_table")
            for c in b["columns"]}


def squeeze(text: str) -> str:
    return re.sub(r"[\s\u00a0\u00ad]+", "", re.sub(r"[-\u2010]\n", "", text))


def page_bodies(reader: PdfReader) -> list[str]:
    """Each page's text without its running header and footer, squeezed."""
    out = []
    for page in reader.pages:
        lines = [line for line in page.extract_text().splitlines()
                 if " · " not in line and not re.fullmatch(r"\s*Sida \d+ av \d+\s*", line)]
        out.append(squeeze("\n".join(lines)))
    return out


def words_only(section: dict) -> bool:
    return not any(b["kind"] in BODY_KINDS for b in section["blocks"])


def said(section: dict) -> str:
    """The squeezed words of a section without a body."""
    parts = [section["heading"]]
    for b in section["blocks"]:
        parts += b.get("items", []) + ([b["text"]] if "text" in b else [])
    return squeeze(" ".join(parts))


def pages_of_words_only_sections(reader: PdfReader, doc: dict) -> list[int]:
    """Pages holding nothing but sections that say there is nothing to report."""
    told = [said(s) for s in doc["sections"] if words_only(s)]
    out = []
    for number, body in enumerate(page_bodies(reader), start=1):
        rest = body
        for words in told:
            rest = rest.replace(words, "")
        if rest == "" and body != "":
            out.append(number)
    return out


# --- a document of its own, for what the demo does not show --------------------------------

TITLES = ["Årsbudget", "Budget jan–aug", "Utfall jan–aug", "Avvikelse jan–aug",
          "Prognos helår", "Föregående prognos", "Avvikelse prognos", "Utfall jan–aug 2024"]


def operating_table(lines: int) -> dict:
    """A board's driftredovisning of `lines` lines, nine columns."""
    columns = [blocks.text_column("Tkr"), *[blocks.Column(t, width="2.15cm") for t in TITLES]]
    rows = []
    for i in range(lines):
        sector = i % 6 == 0
        rows.append(blocks.row(
            ["Sektor vård och omsorg" if sector else f"Hemtjänst distrikt {i}",
             *[f"{(i * 7919 + j * 104729) % 300_000:,}".replace(",", "\u00a0")
               for j in range(8)]], "sum" if sector else "unit", 0 if sector else 1))
    return blocks.table(columns, rows, "Driftredovisning per sektor och verksamhet",
                        "Belopp i tkr. Avvikelse = budget − utfall.")


def narrow_table() -> dict:
    """Titles that hyphenated in narrow columns: the bevakning's Saknas (1.3 cm), the
    deviations' and investments' Prognosavvikelse (2 cm), the goals' Sammanvägt."""
    columns = [blocks.text_column("Vad", "3.2cm"), blocks.text_column("Senast", "2cm"),
               blocks.Column("Antal", width="1.2cm"), blocks.Column("I tid", width="1.2cm"),
               blocks.Column("Sent", width="1.2cm"), blocks.Column("Saknas", width="1.3cm"),
               blocks.Column("Prognosavvikelse", width="2cm"),
               blocks.text_column("Sammanvägt", "1.6cm"), blocks.text_column("Saknas från")]
    rows = [blocks.row(["Kommentarer till avvikelser", "2025-09-05", "30", "20", "4", "6",
                        "\u22121\u00a0007", "delvis uppnått", "Förskolan Vitsippan"]),
            blocks.row(["Målrapporter", "2025-09-10", "12", "12", "0", "0", "5\u00a0330",
                        "uppnått", ""])]
    return blocks.table(columns, rows, "Bevakning av tidplanen", "Antal rapporter.")


def meta() -> dict:
    return {"municipality": "Exempelkommun", "scope_name": "Socialnämnden",
            "title": "Delårsrapport", "period_label": "januari-augusti 2025",
            "document_title": "Delårsrapport – Socialnämnden", "keywords": ["uppföljning"],
            "generated": [2025, 9, 15], "published": True, "blockers": [],
            "cover_facts": [["Period", "januari-augusti 2025"]], "diarienummer": "",
            "convention": ""}


def typeset(sections: list[dict]) -> tuple[dict, bytes]:
    doc = {"meta": meta(), "sections": sections}
    return doc, pdf.typeset(json.dumps(doc, ensure_ascii=False), DAY)


NOTHING = blocks.section("Investeringar", [blocks.paragraphs(
    "Socialnämnden har inga investeringsprojekt med budget eller utfall för "
    "januari-augusti 2025.")])


def test_a_wide_table_is_set_landscape_only_with_the_lines_to_fill_the_page():
    def section(lines, columns=9, landscape=True):
        table = operating_table(lines)
        table["columns"] = table["columns"][:columns]
        for r in table["rows"]:
            r["cells"] = r["cells"][:columns]
        return blocks.section("Driftredovisning", [table], landscape=landscape)

    assert not section(8)["landscape"], "a board's few lines fit portrait"
    assert not section(blocks.LANDSCAPE_LINES - 1)["landscape"]
    assert section(blocks.LANDSCAPE_LINES)["landscape"]
    assert not section(40, columns=5)["landscape"], "five columns never need the width"
    assert not section(40, landscape=False)["landscape"], "only where the section allows"


def test_column_titles_break_only_between_words_even_in_narrow_columns():
    doc, data = typeset([blocks.section("Bevakning", [narrow_table()]),
                         blocks.section("Driftredovisning", [operating_table(6)])])
    _, root, texts = structure(data)
    titles = column_titles(doc)
    headers = [th for th in elements(root, "/TH")
               if table_attributes(th).get("/Scope") == "/Column"]
    assert len(headers) == 18
    for th in headers:
        assert text_of(th, texts) in titles, text_of(th, texts)


def test_row_labels_are_row_headers_and_titles_column_headers():
    _, data = typeset([blocks.section("Driftredovisning", [operating_table(6)])])
    _, root, texts = structure(data)
    ids = root["/IDTree"]["/Names"]
    ids = {str(ids[i]): ids[i + 1].get_object() for i in range(0, len(ids), 2)}
    [table] = list(elements(root, "/Table"))
    rows = rows_of(table)
    body = [cells for group, cells in rows if group == "/TBody"]
    assert len(body) == 6
    [(_, head)] = [r for r in rows if r[0] == "/THead"]
    assert all(c["/S"] == "/TH" and table_attributes(c)["/Scope"] == "/Column" for c in head)
    for cells in body:
        label, *figures = cells
        assert label["/S"] == "/TH" and table_attributes(label)["/Scope"] == "/Row"
        assert ids[str(label["/ID"])] == label, "the row header is found by its ID"
        assert text_of(label, texts).startswith(("Sektor", "Hemtjänst"))
        for cell, column in zip(figures, head[1:], strict=True):
            assert cell["/S"] == "/TD"
            named = [str(h) for h in table_attributes(cell)["/Headers"]]
            assert named == [str(column["/ID"]), str(label["/ID"])]
    assert [text_of(c, texts) for c in head] == ["Tkr", *TITLES]


def test_a_section_with_nothing_to_report_never_stands_alone_on_a_page():
    long = blocks.section("Driftredovisning", [operating_table(40)], landscape=True)
    doc, data = typeset([long, NOTHING, blocks.section("Bevakning", [narrow_table()])])
    reader = PdfReader(io.BytesIO(data))
    assert long["landscape"]
    flipped = [p.mediabox.width > p.mediabox.height for p in reader.pages]
    assert flipped.count(True) >= 2, "forty lines fill landscape pages"
    assert pages_of_words_only_sections(reader, doc) == []
    last = max(i for i, f in enumerate(flipped) if f)
    assert said(NOTHING) in page_bodies(reader)[last + 1], "it follows the wide table"
    # the table's note stays with its rows on every page it runs over
    bodies = page_bodies(reader)
    assert all(squeeze("Belopp i tkr.") in bodies[i] for i, f in enumerate(flipped) if f)


def test_a_file_it_cannot_read_is_left_as_it_is():
    assert pdf.tag_row_headers(b"not a pdf") == b"not a pdf"
    _, data = typeset([blocks.section("Driftredovisning", [operating_table(3)])])
    assert pdf.tag_row_headers(data) == data, "tagged once: nothing left to tag"


# --- on the demo -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def documents(demo_run) -> dict:
    """(period, scope) -> (document JSON, PDF) for the kommun and two boards, three periods."""
    out = {}
    with duckdb.connect(str(demo_run.warehouse), read_only=True) as con:
        for period in PERIODS:
            for scope in SCOPES:
                package = content.read_package(con, "Exempelkommun", period, scope)
                out[(period, scope)] = (document(package, DAY), pdf.render(package, DAY))
    return out


@pytest.mark.slow
def test_no_column_title_of_the_demo_is_hyphenated_or_broken_inside_a_word(documents):
    checked = 0
    for key, (doc, data) in documents.items():
        _, root, texts = structure(data)
        titles = column_titles(doc)
        for th in elements(root, "/TH"):
            if table_attributes(th).get("/Scope") == "/Column":
                assert text_of(th, texts) in titles, (key, text_of(th, texts))
                checked += 1
    assert checked > 200


@pytest.mark.slow
def test_the_driftredovisning_has_row_headers_and_column_headers(documents):
    doc, data = documents[("2025-08", None)]
    _, root, texts = structure(data)
    [table] = [t for t in elements(root, "/Table")
               if any(text_of(c, texts).startswith("Tabell 2: Driftredovisning")
                      for c in elements(t, "/Caption"))]
    [section] = [s for s in doc["sections"] if s["heading"] == "Driftredovisning"]
    [block] = [b for b in section["blocks"] if b["kind"] == "table"]
    rows = rows_of(table)
    labels = [cells[0] for group, cells in rows if group == "/TBody"]
    for label in labels:
        assert label["/S"] == "/TH" and table_attributes(label)["/Scope"] == "/Row"
    assert [text_of(c, texts) for c in labels] == [r["cells"][0] for r in block["rows"]]
    assert "Kommunstyrelsen" in [text_of(c, texts) for c in labels]
    [(_, head)] = [r for r in rows if r[0] == "/THead"]
    assert all(table_attributes(c)["/Scope"] == "/Column" for c in head)
    assert [text_of(c, texts) for c in head] == [c["title"] for c in block["columns"]]


@pytest.mark.slow
def test_no_page_of_the_demo_holds_only_a_section_with_nothing_to_report(documents):
    empty = 0
    for key, (doc, data) in documents.items():
        empty += sum(words_only(s) for s in doc["sections"])
        assert pages_of_words_only_sections(PdfReader(io.BytesIO(data)), doc) == [], key
    assert empty >= 6, "the boards have no investment projects"


@pytest.mark.slow
def test_the_demo_has_no_landscape_page_for_a_table_of_few_lines(documents):
    for key, (doc, data) in documents.items():
        wide = [s for s in doc["sections"] if s["landscape"]]
        pages = PdfReader(io.BytesIO(data)).pages
        flipped = [i for i, p in enumerate(pages) if p.mediabox.width > p.mediabox.height]
        assert bool(flipped) == bool(wide), key
        assert not wide, f"{key}: the demo's wide tables are too short to fill a landscape page"
