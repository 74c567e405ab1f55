"""DCAT-AP-SE metadata (the Swedish DCAT profile dataportal.se harvests, as RDF/XML) for a
release: a dcat:Catalog of the kommun with the release's dcat:Dataset and one
dcat:Distribution per file, the kommun as publisher (foaf:Agent of the publisher type
LocalAuthority), the licence, themes, period and access rights from the EU vocabularies.

`catalog` joins every release's file into the one catalog a harvester is pointed at.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from rdflib import RDF, XSD, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF

from pipelines.opendata.content import Release
from pipelines.opendata.descriptor import (
    FDP_SPEC,
    LICENCES,
    labels,
    metadata,
    package_name,
    texts,
)

VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
EU = "http://publications.europa.eu/resource/authority/"
THEMES = (f"{EU}data-theme/GOVE", f"{EU}data-theme/ECON")
LANGUAGES = (f"{EU}language/SWE", f"{EU}language/ENG")
LOCAL_AUTHORITY = "http://purl.org/adms/publishertype/LocalAuthority"
DATA_PACKAGE_SPEC = "https://specs.frictionlessdata.io/data-package/"
CATALOG_FILE = "katalog.rdf"


def _bind(graph: Graph) -> Graph:
    for prefix, ns in (("dcat", DCAT), ("dcterms", DCTERMS), ("foaf", FOAF),
                       ("vcard", VCARD)):
        graph.bind(prefix, ns)
    return graph


def _texts(graph: Graph, node: URIRef, predicate: URIRef, values: dict[str, str]) -> None:
    for lang, text in values.items():  # every free text with its language (DCAT-AP-SE)
        graph.add((node, predicate, Literal(" ".join(text.split()), lang=lang)))


def _date(day: dt.date) -> Literal:
    return Literal(day.isoformat(), datatype=XSD.date)


def publisher(graph: Graph, municipality: str, base: str, organisation_number: str | None
              ) -> URIRef:
    """The kommun as foaf:Agent: dataportal.se's organisation URI from the
    organisationsnummer where the config gives one, else one under the release's address."""
    node = URIRef(f"http://dataportal.se/organisation/SE{organisation_number}"
                  if organisation_number else f"{base}#utgivare")
    graph.add((node, RDF.type, FOAF.Agent))
    graph.add((node, FOAF.name, Literal(municipality, lang="sv")))
    graph.add((node, DCTERMS.type, URIRef(LOCAL_AUTHORITY)))
    if organisation_number:
        graph.add((node, DCTERMS.identifier, Literal(organisation_number)))
    return node


def catalog_node(graph: Graph, municipality: str, base: str, agent: URIRef,
                 homepage: str | None) -> URIRef:
    node = URIRef(f"{base}{CATALOG_FILE}")
    graph.add((node, RDF.type, DCAT.Catalog))
    _texts(graph, node, DCTERMS.title, {"sv": f"Öppna data från {municipality}: "
                                              "budgetuppföljning",
                                        "en": f"Open data from {municipality}: budget "
                                              "follow-up"})
    _texts(graph, node, DCTERMS.description, {
        "sv": f"{municipality}s budgetuppföljning per uppföljningsperiod, som nämnderna fått "
              "den.",
        "en": f"The budget follow-up of {municipality} per follow-up period, as its boards "
              "received it."})
    graph.add((node, DCTERMS.publisher, agent))
    graph.add((node, DCTERMS.license, URIRef(LICENCES["CC0-1.0"][0])))  # the metadata's
    graph.add((node, DCAT.themeTaxonomy, URIRef(f"{EU}data-theme")))
    for language in LANGUAGES:
        graph.add((node, DCTERMS.language, URIRef(language)))
    if homepage:
        graph.add((node, FOAF.homepage, URIRef(homepage)))
    return node


def release_graph(release: Release, files: dict[str, str], base: str, licence: str,
                  organisation_number: str | None = None, contact_email: str | None = None,
                  homepage: str | None = None) -> Graph:
    """The catalog with this release's dataset; `files`: file name -> media type."""
    graph = _bind(Graph())
    agent = publisher(graph, release.municipality, base, organisation_number)
    catalog = catalog_node(graph, release.municipality, base, agent, homepage)
    spec = metadata()["package"]
    values = labels(release)
    dataset = URIRef(f"{base}{release.period_key}/")
    graph.add((catalog, DCAT.dataset, dataset))
    graph.add((catalog, DCTERMS.modified, _date(release.data_day)))
    graph.add((dataset, RDF.type, DCAT.Dataset))
    graph.add((dataset, DCTERMS.identifier, Literal(package_name(release))))
    _texts(graph, dataset, DCTERMS.title, texts(spec, "title", values))
    _texts(graph, dataset, DCTERMS.description, texts(spec, "description", values))
    graph.add((dataset, DCTERMS.publisher, agent))
    for lang, keywords in spec["keywords"].items():
        for keyword in keywords:
            graph.add((dataset, DCAT.keyword, Literal(keyword, lang=lang)))
    for theme in THEMES:
        graph.add((dataset, DCAT.theme, URIRef(theme)))
    for language in LANGUAGES:
        graph.add((dataset, DCTERMS.language, URIRef(language)))
    graph.add((dataset, DCTERMS.issued, _date(release.data_day)))
    graph.add((dataset, DCTERMS.modified, _date(release.data_day)))
    graph.add((dataset, DCTERMS.accessRights, URIRef(f"{EU}access-right/PUBLIC")))
    graph.add((dataset, DCTERMS.accrualPeriodicity, URIRef(f"{EU}frequency/BIMONTHLY")))
    graph.add((dataset, DCTERMS.spatial, URIRef(f"{EU}country/SWE")))
    graph.add((dataset, DCTERMS.conformsTo, URIRef(FDP_SPEC)))
    period = URIRef(f"{base}{release.period_key}/#period")  # no blank nodes: a harvester
    graph.add((dataset, DCTERMS.temporal, period))          # keeps what it can name
    graph.add((period, RDF.type, DCTERMS.PeriodOfTime))
    graph.add((period, DCAT.startDate, _date(dt.date(release.year, 1, 1))))
    graph.add((period, DCAT.endDate, _date(_month_end(release.year, release.month))))
    if contact_email:
        contact = URIRef(f"{base}#kontakt")  # never the publisher's URI
        graph.add((dataset, DCAT.contactPoint, contact))
        graph.add((contact, RDF.type, VCARD.Organization))
        graph.add((contact, VCARD.fn, Literal(release.municipality)))
        graph.add((contact, VCARD.hasEmail, URIRef(f"mailto:{contact_email}")))
    resources = metadata()["resources"]
    titles = {r["file"]: texts(r, "title") for r in resources.values()}
    licence_uri = URIRef(LICENCES[licence][0])
    for name, media_type in files.items():
        distribution = URIRef(f"{base}{release.period_key}/{name}")
        graph.add((dataset, DCAT.distribution, distribution))
        graph.add((distribution, RDF.type, DCAT.Distribution))
        graph.add((distribution, DCAT.accessURL, distribution))
        graph.add((distribution, DCAT.downloadURL, distribution))
        graph.add((distribution, DCTERMS.format, Literal(media_type)))
        graph.add((distribution, DCTERMS.license, licence_uri))
        _texts(graph, distribution, DCTERMS.title, titles.get(name) or {
            "sv": "Datapaketets beskrivning (Frictionless Data Package)",
            "en": "The data package's descriptor (Frictionless Data Package)"})
        if name == "datapackage.json":
            graph.add((distribution, DCTERMS.conformsTo, URIRef(DATA_PACKAGE_SPEC)))
    return graph


def catalog(folder: Path) -> Graph:
    """Every release's `dcat.rdf` under `folder` as one catalog, modified when the newest."""
    graph = _bind(Graph())
    for path in sorted(folder.glob("*/dcat.rdf")):
        graph.parse(path, format="xml")
    for node in set(graph.subjects(RDF.type, DCAT.Catalog)):
        days = sorted(graph.objects(node, DCTERMS.modified), key=str)
        graph.remove((node, DCTERMS.modified, None))
        if days:
            graph.add((node, DCTERMS.modified, days[-1]))
    return graph


def _month_end(year: int, month: int) -> dt.date:
    first_next = dt.date(year + month // 12, month % 12 + 1, 1)
    return first_next - dt.timedelta(days=1)
