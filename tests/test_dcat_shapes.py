"""The open data's DCAT against DCAT-AP 3.0.1's own SHACL shapes (a harvester beyond
dataportal.se): every release's dcat.rdf and katalog.rdf without a violation of the shapes
or of the ranges, and the releases of a year as one dataset series."""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

import duckdb
import pytest
from pyshacl import validate
from rdflib import RDF, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, XSD

from pipelines.config import load_config
from pipelines.opendata import dcat
from pipelines.opendata.content import Release
from pipelines.opendata.release import rdf_xml, write_release

SH = Namespace("http://www.w3.org/ns/shacl#")
# ../shared/data/dcat-ap (README there): SEMICeu/DCAT-AP releases/3.0.1/shacl at 7c531da
SHAPES = Path(os.environ.get("DCAT_AP_SHAPES",
                             Path(__file__).resolve().parents[2] / "shared/data/dcat-ap"))
SHAPE_FILES = ("dcat-ap-SHACL.ttl", "dcat-ap-ranges.ttl")
SERIES = URIRef("http://www.w3.org/ns/dcat#DatasetSeries")  # DCAT 3
IN_SERIES = URIRef("http://www.w3.org/ns/dcat#inSeries")
TABULAR_DATA_PACKAGE = URIRef("https://specs.frictionlessdata.io/tabular-data-package/")


def shapes(name: str) -> Graph:
    """A shape file as released, less its references to property shapes it defines nowhere
    (ranges.ttl lists every property shape of the profile but defines only the ranges):
    such a reference constrains nothing, and pyshacl refuses a shape without sh:path."""
    path = SHAPES / name
    if not path.exists():
        pytest.skip(f"DCAT-AP 3.0.1's shapes are not at {SHAPES} (set DCAT_AP_SHAPES)")
    graph = Graph().parse(path)
    for shape, reference in list(graph.subject_objects(SH.property)):
        if graph.value(reference, SH.path) is None:
            graph.remove((shape, SH.property, reference))
    return graph


@pytest.fixture(scope="module")
def shape_graphs() -> dict[str, Graph]:
    return {name: shapes(name) for name in SHAPE_FILES}


def violations(data: Graph, shape_graphs: dict[str, Graph]) -> list[str]:
    """Every sh:Violation of either shape file, one line each (no reasoning: the graph must
    state the classes the ranges ask for)."""
    found = []
    for name, shape_graph in shape_graphs.items():
        _, report, _ = validate(data, shacl_graph=shape_graph, inference="none")
        for result in report.subjects(SH.resultSeverity, SH.Violation):
            found.append(f"{name}: {report.value(result, SH.focusNode)} "
                         f"{report.value(result, SH.resultPath)} "
                         f"{report.value(result, SH.value)}: "
                         f"{report.value(result, SH.resultMessage)}")
    return found


def release(year: int, month: int, day: dt.date) -> Release:
    return Release(municipality="Exempelkommun", municipality_code="9999", year=year,
                   month=month, public_level="verksamhet", data_day=day, tables={})


def write(folder: Path, written: Release, **settings) -> None:
    files = {"budgetuppfoljning.csv": "text/csv", "datapackage.json": "application/json"}
    graph = dcat.release_graph(written, files, "https://exempel.se/oppnadata/", "CC-BY-4.0",
                               **settings)
    (folder / written.period_key).mkdir(parents=True)
    (folder / written.period_key / "dcat.rdf").write_bytes(rdf_xml(graph))


def test_releases_of_two_years_make_a_catalog_without_violations(tmp_path, shape_graphs):
    write(tmp_path, release(2024, 12, dt.date(2025, 2, 20)), organisation_number="2120001234",
          contact_email="ekonomi@exempel.se", homepage="https://exempel.se/oppnadata")
    write(tmp_path, release(2025, 2, dt.date(2025, 3, 14)), organisation_number="2120001234")
    write(tmp_path, release(2025, 4, dt.date(2025, 5, 16)), organisation_number="2120001234")
    for path in sorted(tmp_path.glob("*/dcat.rdf")):
        assert not violations(Graph().parse(path, format="xml"), shape_graphs), path
    graph = Graph().parse(data=rdf_xml(dcat.catalog(tmp_path)), format="xml")
    assert not violations(graph, shape_graphs)
    (catalog,) = graph.subjects(RDF.type, DCAT.Catalog)
    assert list(graph.objects(catalog, DCTERMS.issued)) == [
        Literal("2025-02-20", datatype=XSD.date)]  # its first release
    assert list(graph.objects(catalog, DCTERMS.modified)) == [
        Literal("2025-05-16", datatype=XSD.date)]  # its last
    series = {str(s).rsplit("-", 1)[1]: s for s in graph.subjects(RDF.type, SERIES)}
    assert series.keys() == {"2024", "2025"}
    assert {str(d) for d in graph.subjects(IN_SERIES, series["2025"])} == {
        "https://exempel.se/oppnadata/2025-02/", "https://exempel.se/oppnadata/2025-04/"}
    assert [str(d) for d in graph.objects(series["2025"], DCTERMS.issued)] == ["2025-03-14"]
    assert [str(d) for d in graph.objects(series["2025"], DCTERMS.modified)] == ["2025-05-16"]
    # the publisher as dataportal.se asks a Swedish organisation to name itself
    (agent,) = set(graph.objects(None, DCTERMS.publisher))
    assert agent == URIRef("http://dataportal.se/organisation/SE2120001234")
    assert graph.value(agent, DCTERMS.identifier) == Literal("2120001234")



@pytest.mark.slow
def test_every_release_and_the_catalog_meet_dcat_ap_3(demo_run, shape_graphs):
    root = demo_run.reports / "oppna_data"
    paths = [*sorted(root.glob("*/dcat.rdf")), root / dcat.CATALOG_FILE]
    assert len(paths) > 2
    for path in paths:
        found = violations(Graph().parse(path, format="xml"), shape_graphs)
        assert not found, f"{path}: {len(found)} violations, e.g.\n" + "\n".join(found[:10])


@pytest.mark.slow
def test_the_years_releases_are_one_dataset_series(demo_run):
    root = demo_run.reports / "oppna_data"
    graph = Graph().parse(root / dcat.CATALOG_FILE, format="xml")
    (catalog,) = graph.subjects(RDF.type, DCAT.Catalog)
    datasets = set(graph.objects(catalog, DCAT.dataset))
    assert datasets == set(graph.subjects(RDF.type, DCAT.Dataset)) and len(datasets) > 1
    (series,) = graph.subjects(RDF.type, SERIES)  # the demo's one year
    assert {graph.value(d, IN_SERIES) for d in datasets} == {series}
    assert str(graph.value(series, DCTERMS.accrualPeriodicity)).endswith("/BIMONTHLY")
    assert not [d for d in datasets if graph.value(d, DCTERMS.accrualPeriodicity)]
    period = graph.value(series, DCTERMS.temporal)
    assert (str(graph.value(period, DCAT.startDate)), str(graph.value(period, DCAT.endDate))
            ) == ("2025-01-01", "2025-12-31")
    for node in (catalog, series, *datasets):
        assert {o.language for o in graph.objects(node, DCTERMS.title)} == {"sv", "en"}
        assert isinstance(graph.value(node, DCTERMS.spatial), URIRef), node
    for dataset in datasets:  # each period's dcat.rdf says the same of its own release
        own = Graph().parse(root / str(dataset).rstrip("/").rsplit("/", 1)[1] / "dcat.rdf",
                            format="xml")
        assert own.value(dataset, IN_SERIES) == series
        assert (series, RDF.type, SERIES) in own


@pytest.mark.slow
def test_what_a_release_conforms_to_is_its_packages_profile(demo_run):
    root = demo_run.reports / "oppna_data"
    for folder in sorted(p.parent for p in root.glob("*/datapackage.json")):
        descriptor = json.loads((folder / "datapackage.json").read_text("utf-8"))
        graph = Graph().parse(folder / "dcat.rdf", format="xml")
        (dataset,) = graph.subjects(RDF.type, DCAT.Dataset)
        assert descriptor["profile"] == "tabular-data-package"
        assert set(graph.objects(dataset, DCTERMS.conformsTo)) == {TABULAR_DATA_PACKAGE}
        (package,) = [d for d in graph.objects(dataset, DCAT.distribution)
                      if str(d).endswith("/datapackage.json")]
        assert set(graph.objects(package, DCTERMS.conformsTo)) == {TABULAR_DATA_PACKAGE}


@pytest.mark.slow
def test_a_configured_publisher_and_homepage_also_validate(demo_run, tmp_path, shape_graphs):
    config = load_config(demo_run.config.base_dir / "uppfoljning.yaml")
    config.reports_output = tmp_path
    config.open_data = config.open_data.model_copy(update={
        "organisation_number": "2120001234", "homepage": "https://exempelkommun.example/"})
    with duckdb.connect(str(demo_run.warehouse), read_only=True) as con:
        written = write_release(con, config, "2025-08")
    graph = Graph().parse(written.folder / "dcat.rdf", format="xml")
    assert not violations(graph, shape_graphs)
    (catalog,) = graph.subjects(RDF.type, DCAT.Catalog)
    assert graph.value(catalog, FOAF.homepage) == URIRef("https://exempelkommun.example/")
    assert graph.value(catalog, DCTERMS.publisher) == URIRef(
        "http://dataportal.se/organisation/SE2120001234")
