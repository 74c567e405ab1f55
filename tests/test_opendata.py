"""Öppna data: every published follow-up period of the demo as a Frictionless data package
with DCAT-AP-SE beside it, holding only what the published packages show."""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from frictionless import validate
from rdflib import RDF, BNode, Graph, Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF

from pipelines.config import load_config
from pipelines.opendata.content import CannotRelease
from pipelines.opendata.release import write_release
from pipelines.partitions import FOLLOW_UP_MONTHS

YEAR = 2025
PERIODS = [f"{YEAR}-{m:02d}" for m in FOLLOW_UP_MONTHS]
# a personnummer or samordningsnummer in any form: ÅÅMMDD-NNNN, ÅÅÅÅMMDDNNNN, ...
PERSONNUMMER = re.compile(r"(?<!\d)(\d{2})?\d{2}[01]\d[0-3]\d[-+]?\d{4}(?!\d)")
LAW_GROUPS = {"sick_leave_pct": "headcount", "sick_leave_women_pct": "headcount_women",
              "sick_leave_men_pct": "headcount_men", "sick_leave_age_29_pct": "headcount_age_29",
              "sick_leave_age_30_49_pct": "headcount_age_30_49",
              "sick_leave_age_50_pct": "headcount_age_50"}
pytestmark = pytest.mark.slow


def released(demo_run) -> list[Path]:
    """The run's releases: a folder per period with a published package."""
    root = demo_run.reports / "oppna_data"
    return [root / p for p in PERIODS if (root / p / "datapackage.json").exists()]


def published_periods(demo_run) -> set[str]:
    with duckdb.connect(str(demo_run.warehouse), read_only=True) as con:
        return {p for (p,) in con.execute(
            "select period from (select * from reports.issued_packages qualify "
            "row_number() over (partition by period, board order by issued_at desc) = 1) "
            "group by period having bool_or(published)").fetchall()}


def rows(folder: Path, file: str) -> list[dict[str, str]]:
    with (folder / file).open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def release_of(demo_run, tmp_path: Path, period: str, warehouse: Path | None = None,
               **open_data):
    config = load_config(demo_run.config.base_dir / "uppfoljning.yaml")
    config.reports_output = tmp_path / "out"
    config.open_data = config.open_data.model_copy(update=open_data)
    with duckdb.connect(str(warehouse or demo_run.warehouse), read_only=True) as con:
        return write_release(con, config, period)


def test_every_published_period_has_a_valid_release(demo_run):
    folders = released(demo_run)
    assert {f.name for f in folders} == published_periods(demo_run) and folders
    for folder in folders:
        report = validate(str(folder / "datapackage.json"))
        assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
        assert (folder / "dcat.rdf").exists()
    catalog = Graph().parse(demo_run.reports / "oppna_data" / "katalog.rdf", format="xml")
    datasets = set(catalog.subjects(RDF.type, DCAT.Dataset))
    assert {str(d).rstrip("/").rsplit("/", 1)[1] for d in datasets} == {
        f.name for f in folders}


def test_the_figures_are_the_marts_exact_to_the_ore_as_a_board_reads_them(demo_run):
    # the latest period that publishes a unit holding the kommun's financing (in the demo's
    # first run, before Ekonomi's corrections, Kommunstyrelsen's later packages are drafts)
    folder = [f for f in released(demo_run) if any(
        r["cost_category"] == "operating_net" for r in rows(f, "budgetuppfoljning.csv"))][-1]
    year, month = int(folder.name[:4]), int(folder.name[5:])
    published = {(r["org_level"], r["org_unit_code"], r["cost_category"]): r
                 for r in rows(folder, "budgetuppfoljning.csv")}
    with duckdb.connect(str(demo_run.warehouse), read_only=True) as con:
        marts = con.execute(
            "select f.org_level, f.org_unit_code, f.cost_category, f.outcome_ytd, "
            "f.budget_annual, f.budget_annual_adopted, f.deviation_ytd, c.board_sign "
            "from marts.budget_follow_up f join seeds.cost_categories c using (cost_category) "
            "where fiscal_year = ? and period = ? and org_level in ('kommun', 'nämnd')",
            [year, month]).fetchall()
    seen = 0
    # a unit holding the kommun's financing (and the kommun) reads its net as a result, + for
    # a surplus, and has its nettokostnad without the financing beside it (operating_net)
    holding = {(level, unit) for level, unit, category in published
               if category == "operating_net"}
    assert holding  # KS holds the taxes; the kommun too where its package is published
    for level, unit, category, outcome, budget, adopted, deviation, sign in marts:
        row = published.get((level, unit, category))
        if row is None:  # a board withheld in this period
            continue
        seen += 1
        result = category == "net" and (level, unit) in holding
        sign = -1 if result else sign
        assert Decimal(row["outcome_ytd"]) == outcome * sign
        assert Decimal(row["budget_annual"]) == budget * sign
        assert Decimal(row["budget_annual_adopted"]) == adopted * sign
        assert Decimal(row["deviation_ytd"]) == deviation  # + is better, either reading
        assert row["direction"] == ("result" if result else "net" if category == "net" else
                                    {1: "expenditure", -1: "revenue"}[sign])
        if result:
            assert row["cost_category_name"] in ("Årets resultat", "Netto efter finansiering")
            financing = sum(Decimal(published[(level, unit, c)]["outcome_ytd"])
                            for c in ("taxes_and_grants", "financial_items")
                            if (level, unit, c) in published)
            assert Decimal(published[(level, unit, "operating_net")]["outcome_ytd"]) == \
                financing - Decimal(row["outcome_ytd"])  # nettokostnad = financing − result
    assert seen >= 5
    # the demo's reviderad budget changed a board's: the marts keep both, apart
    assert any(budget != adopted for _, _, _, _, budget, adopted, _, _ in marts)


def test_a_blocked_boards_figures_are_withheld(demo_run, tmp_path):
    # the board's latest package of the period a draft (its error found after publishing),
    # and so the kommun total's: neither reaches the open data
    period = "2025-08"
    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copy(demo_run.warehouse, warehouse)
    with duckdb.connect(str(warehouse)) as con:
        board, name = con.execute(
            "select org_unit_code, org_unit_name from marts.budget_follow_up where "
            "fiscal_year = 2025 and period = 8 and org_level = 'nämnd' and "
            "org_unit_code <> '(okänt)' order by org_unit_code limit 1").fetchone()
        con.execute("update reports.issued_packages set published = true where period = ?",
                    [period])  # every board corrected and published, then one blocked again
        con.execute("insert into reports.issued_packages select package_id || ':ny', period, "
                    "board, scope_name, false, 'kontering: 1 fel (första: huvudbok rad 7)', "
                    "workbook, pdf, issued_at + interval 1 hour from reports.issued_packages "
                    "where period = ? and (board = ? or board is null)", [period, board])
    written = release_of(demo_run, tmp_path, period, warehouse)
    follow_up = rows(written.folder, "budgetuppfoljning.csv")
    assert follow_up and not [r for r in follow_up if r["board_code"] == board]
    assert not [r for r in follow_up if r["org_level"] == "kommun"]
    assert not [r for r in rows(written.folder, "personal.csv") if r["board_code"] == board]
    investments = written.folder / "investeringar.csv"
    assert not investments.exists() or not [
        r for r in rows(written.folder, "investeringar.csv") if r["board_code"] == board]
    assert not (written.folder / "finansiella_mal.csv").exists()  # the kommun's own
    descriptor = json.loads((written.folder / "datapackage.json").read_text("utf-8"))
    assert any(name in line and "kontering" in line and "rad 7" not in line
               for line in descriptor["withheld"])  # the rule, not the ledger's lines
    assert validate(str(written.folder / "datapackage.json")).valid


def test_a_period_whose_packages_are_all_drafts_is_withdrawn(demo_run, tmp_path):
    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copy(demo_run.warehouse, warehouse)
    with duckdb.connect(str(warehouse)) as con:
        con.execute("update reports.issued_packages set published = true")
    release_of(demo_run, tmp_path, "2025-08", warehouse)
    folder = tmp_path / "out" / "oppna_data" / "2025-08"
    assert (folder / "datapackage.json").exists()
    with duckdb.connect(str(warehouse)) as con:  # every board blocked again
        con.execute("update reports.issued_packages set published = false")
    with pytest.raises(CannotRelease, match="utkast"):
        release_of(demo_run, tmp_path, "2025-08", warehouse)
    assert not folder.exists()
    catalog = Graph().parse(folder.parent / "katalog.rdf", format="xml")
    assert not set(catalog.subjects(RDF.type, DCAT.Dataset))


def test_no_unit_below_the_public_level_and_no_personal_data(demo_run, tmp_path):
    for folder in released(demo_run):
        levels = {r["org_level"] for r in rows(folder, "budgetuppfoljning.csv")}
        assert levels <= {"kommun", "nämnd", "sektor", "verksamhet"}, folder
        for row in rows(folder, "personal.csv"):
            assert row["org_level"] != "enhet"
            for figure, group in LAW_GROUPS.items():
                if row[figure]:  # a sick-leave figure is published only for more than ten
                    assert int(row[group]) > 10, (folder.name, row["org_unit_code"], figure)
                else:
                    assert row[f"{figure}_suppression"]
        for path in folder.glob("*.csv"):
            text = path.read_text("utf-8")
            assert not PERSONNUMMER.search(text), path
            assert "pseudonym" not in text.lower() and "sick_hours" not in text, path
    written = release_of(demo_run, tmp_path, released(demo_run)[-1].name, public_level="nämnd")
    levels = {r["org_level"] for r in rows(written.folder, "budgetuppfoljning.csv")}
    assert "nämnd" in levels and levels <= {"kommun", "nämnd"}


def test_the_descriptor_carries_the_fiscal_and_bilingual_semantics(demo_run):
    folder = released(demo_run)[-1]
    descriptor = json.loads((folder / "datapackage.json").read_text("utf-8"))
    assert descriptor["countryCode"] == "SE" and descriptor["municipalityCode"] == "9999"
    assert descriptor["licenses"][0]["path"] == (
        "http://creativecommons.org/publicdomain/zero/1.0/")
    assert descriptor["fiscalPeriod"] == {"start": "2025-01-01", "end": "2025-12-31"}
    resources = {r["name"]: r for r in descriptor["resources"]}
    for resource in resources.values():
        assert resource["titles"].keys() == {"sv", "en"}
        for field in resource["schema"]["fields"]:
            assert field["titles"].keys() == {"sv", "en"}, field["name"]
            if field["type"] == "number" and field.get("unit") == "SEK":
                assert field["decimalChar"] == "."
    follow_up = {f["name"] for f in resources["budget-follow-up"]["schema"]["fields"]}
    model = descriptor["model"]
    assert {m["phase"] for m in model["measures"].values()} == {
        "approved", "adjusted", "executed"}
    assert all(m["source"] in follow_up and m["currency"] == "SEK"
               for m in model["measures"].values())
    kinds = {d.get("classificationType") for d in model["dimensions"].values()}
    assert {"administrative", "functional", "economic"} <= kinds
    for dimension in model["dimensions"].values():
        assert all(a["source"] in follow_up for a in dimension["attributes"].values())
        assert set(dimension["primaryKey"]) <= set(dimension["attributes"])


def test_dcat_ap_se_has_what_dataportal_se_requires(demo_run):
    folder = released(demo_run)[-1]
    graph = Graph().parse(folder / "dcat.rdf", format="xml")
    assert not [t for triple in graph for t in triple if isinstance(t, BNode)]
    (catalog,) = graph.subjects(RDF.type, DCAT.Catalog)
    (dataset,) = graph.subjects(RDF.type, DCAT.Dataset)
    for node in (catalog, dataset):
        for predicate in (DCTERMS.title, DCTERMS.description):
            langs = {o.language for o in graph.objects(node, predicate)}
            assert langs == {"sv", "en"}, (node, predicate)
        (agent,) = graph.objects(node, DCTERMS.publisher)
    assert graph.value(catalog, DCTERMS.license) == URIRef(
        "http://creativecommons.org/publicdomain/zero/1.0/")
    assert graph.value(agent, FOAF.name) == Literal("Exempelkommun", lang="sv")
    assert graph.value(agent, DCTERMS.type) == URIRef(
        "http://purl.org/adms/publishertype/LocalAuthority")
    distributions = set(graph.objects(dataset, DCAT.distribution))
    files = {p.name for p in folder.iterdir() if p.name != "dcat.rdf"}
    assert {str(d).rsplit("/", 1)[1] for d in distributions} == files
    for distribution in distributions:
        assert str(graph.value(distribution, DCAT.accessURL)).startswith(
            "https://exempelkommun.example/oppnadata/")
        # the media type from IANA, the file type from the EU's list (DCAT-AP 3.0.1, which
        # DCAT-AP-SE 3 harvests), each typed as DCAT-AP's ranges want
        media_type = graph.value(distribution, DCAT.mediaType)
        assert str(media_type).split("/media-types/")[1] in {"text/csv", "application/json"}
        assert (media_type, RDF.type, DCTERMS.MediaType) in graph
        file_type = graph.value(distribution, DCTERMS.format)
        assert str(file_type).rsplit("/", 1)[1] in {"CSV", "JSON"}
        assert (file_type, RDF.type, DCTERMS.MediaTypeOrExtent) in graph
        langs = {o.language for o in graph.objects(distribution, DCTERMS.description)}
        assert langs == {"sv", "en"}, distribution
        assert str(graph.value(distribution, URIRef("http://data.europa.eu/r5r/availability"))
                   ).endswith("/planned-availability/STABLE")
    contact = graph.value(dataset, DCAT.contactPoint)
    assert contact != agent and str(graph.value(contact, URIRef(
        "http://www.w3.org/2006/vcard/ns#hasEmail"))).startswith("mailto:")


def test_the_release_reads_with_pandas_and_duckdb(demo_run):
    # as docs/opendata.md shows it
    folder = released(demo_run)[-1]
    descriptor = json.loads((folder / "datapackage.json").read_text("utf-8"))
    resource = next(r for r in descriptor["resources"] if r["name"] == "budget-follow-up")
    frame = pd.read_csv(folder / resource["path"], dtype={"org_unit_code": str,
                                                          "municipality_code": str})
    boards = frame[(frame.org_level == "nämnd") & (frame.cost_category == "net")]
    via_duckdb = duckdb.sql(
        f"select sum(outcome_ytd) from read_csv('{folder / resource['path']}') "
        "where org_level = 'nämnd' and cost_category = 'net'").fetchall()[0][0]
    assert round(boards.outcome_ytd.sum(), 2) == round(float(via_duckdb), 2)
    assert len(frame) == resource["rows"]


def test_the_same_warehouse_gives_the_same_bytes(demo_run, tmp_path):
    folder = released(demo_run)[-1]
    code = ("import duckdb, sys; from pathlib import Path; "
            "from pipelines.config import load_config; "
            "from pipelines.opendata.release import write_release; "
            f"c = load_config({str(demo_run.config.base_dir / 'uppfoljning.yaml')!r}); "
            f"c.reports_output = Path({str(tmp_path)!r}); "
            f"con = duckdb.connect({str(demo_run.warehouse)!r}, read_only=True); "
            f"write_release(con, c, {folder.name!r})")
    subprocess.run([sys.executable, "-c", code], check=True,
                   env={**os.environ, "PYTHONHASHSEED": "4711"})  # another order of sets
    again = tmp_path / "oppna_data" / folder.name
    assert {p.name: p.read_bytes() for p in again.iterdir()} == {
        p.name: p.read_bytes() for p in folder.iterdir()}


def test_the_command_says_in_one_line_what_is_wrong(demo_run, tmp_path):
    config = demo_run.config.base_dir / "uppfoljning.yaml"

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "pipelines.cli", "opendata", *args],
                              capture_output=True, text=True)

    wrong = run("--period", "2025-03", "--config", str(config))
    assert wrong.returncode == 2 and len(wrong.stderr.strip().splitlines()) == 1
    assert "ingen uppföljningsperiod" in wrong.stderr and "Traceback" not in wrong.stderr
    done = run("--period", released(demo_run)[-1].name, "--config", str(config))
    assert done.returncode == 0, done.stderr
    assert "giltigt datapaket" in done.stdout


def test_a_release_states_the_kommunkod(demo_run, tmp_path):
    config = load_config(demo_run.config.base_dir / "uppfoljning.yaml")
    config.municipality_code = None
    config.reports_output = tmp_path
    with duckdb.connect(str(demo_run.warehouse), read_only=True) as con, \
            pytest.raises(CannotRelease, match="municipality_code"):
        write_release(con, config, "2025-08")
