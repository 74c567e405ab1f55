"""DCAT metadata of a release (RDF/XML, what dataportal.se harvests), valid DCAT-AP-SE and
DCAT-AP 3.0.1 (its SHACL shapes and ranges, tests/test_dcat_shapes.py):

- a dcat:Catalog of the kommun, its dcat:Dataset of the period with one dcat:Distribution per
  file, in the dcat:DatasetSeries of the fiscal year's releases (which carries the
  bimonthly frequency: each release is a dataset of its own, the year's six make the series);
- the kommun as publisher (foaf:Agent at dataportal.se's organisation address, with its
  organisationsnummer) and as the place covered (dcterms:Location);
- every value from a vocabulary typed as DCAT-AP's ranges want it (the shapes check the
  class without reasoning): licence, media type and file type, standard, frequency,
  language, access rights, themes, availability. No blank nodes.

`catalog` joins every release's file into the one catalog a harvester is pointed at.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import NamedTuple

from rdflib import RDF, XSD, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, SKOS

from pipelines.opendata.content import Release
from pipelines.opendata.descriptor import (
    FDP_SPEC,
    LICENCES,
    TDP_SPEC,
    labels,
    metadata,
    package_name,
    texts,
)

VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
DCATAP = Namespace("http://data.europa.eu/r5r/")
# DCAT 3's, which rdflib's (closed) DCAT namespace does not define yet
DATASET_SERIES = URIRef(f"{DCAT}DatasetSeries")
IN_SERIES = URIRef(f"{DCAT}inSeries")
EU = "http://publications.europa.eu/resource/authority/"
IANA = "https://www.iana.org/assignments/media-types/"
THEMES = (f"{EU}data-theme/GOVE", f"{EU}data-theme/ECON")
LANGUAGES = (f"{EU}language/SWE", f"{EU}language/ENG")
PUBLIC = f"{EU}access-right/PUBLIC"
BIMONTHLY = f"{EU}frequency/BIMONTHLY"  # six follow-ups a year
STABLE = f"{EU}planned-availability/STABLE"  # a release stays at its address
LOCAL_AUTHORITY = "http://purl.org/adms/publishertype/LocalAuthority"
PUBLISHER_TYPES = "http://purl.org/adms/publishertype/1.0"
FILE_TYPES = {"text/csv": f"{EU}file-type/CSV", "application/json": f"{EU}file-type/JSON"}
CATALOG_FILE = "katalog.rdf"
# the concepts used, with their labels as their vocabularies give them: a skos:Concept
# needs its skos:prefLabel in DCAT-AP's shapes
CONCEPTS = {
    THEMES[0]: {"sv": "Regeringen och den offentliga sektorn",
                "en": "Government and public sector"},
    THEMES[1]: {"sv": "Ekonomi och finans", "en": "Economy and finance"},
    STABLE: {"sv": "Stabil", "en": "Stable"},
    LOCAL_AUTHORITY: {"sv": "Lokal myndighet/kommun", "en": "Local Authority"},
}
STANDARDS = {TDP_SPEC: "Frictionless Tabular Data Package"}
SCHEMES = {f"{EU}data-theme": {"sv": "Datatema", "en": "Data theme"},
           PUBLISHER_TYPES: {"en": "ADMS publisher type vocabulary"}}


class Kommun(NamedTuple):
    """The kommun in a release's graph: as publisher, as contact (if any), as place."""
    agent: URIRef
    contact: URIRef | None
    place: URIRef


def _bind(graph: Graph) -> Graph:
    for prefix, ns in (("dcat", DCAT), ("dcterms", DCTERMS), ("foaf", FOAF),
                       ("vcard", VCARD), ("skos", SKOS), ("dcatap", DCATAP)):
        graph.bind(prefix, ns)
    return graph


def _texts(graph: Graph, node: URIRef, predicate: URIRef, values: dict[str, str]) -> None:
    for lang, text in values.items():  # every free text with its language (DCAT-AP-SE)
        graph.add((node, predicate, Literal(" ".join(text.split()), lang=lang)))


def _date(day: dt.date) -> Literal:
    return Literal(day.isoformat(), datatype=XSD.date)


def _scheme(iri: str) -> str | None:
    """The vocabulary `iri` is a term of: an EU authority list or ADMS's publisher types."""
    if iri.startswith(EU):
        return iri.rsplit("/", 1)[0]
    return PUBLISHER_TYPES if iri == LOCAL_AUTHORITY else None


def _typed(graph: Graph, iri: str, cls: URIRef) -> URIRef:
    """`iri` stated as a `cls` (and, a vocabulary's term, in its scheme), as DCAT-AP's
    ranges check it."""
    node = URIRef(iri)
    graph.add((node, RDF.type, cls))
    scheme = _scheme(iri)
    if scheme and cls != SKOS.ConceptScheme:
        graph.add((node, SKOS.inScheme, URIRef(scheme)))
        if scheme in SCHEMES:
            _texts(graph, _typed(graph, scheme, SKOS.ConceptScheme), DCTERMS.title,
                   SCHEMES[scheme])
    return node


def _link(graph: Graph, subject: URIRef, predicate: URIRef, iri: str, cls: URIRef) -> None:
    graph.add((subject, predicate, _typed(graph, iri, cls)))
    if cls == SKOS.Concept:
        _texts(graph, URIRef(iri), SKOS.prefLabel, CONCEPTS[iri])
    if cls == DCTERMS.Standard:
        graph.add((URIRef(iri), DCTERMS.title, Literal(STANDARDS[iri], lang="en")))


def publisher(graph: Graph, municipality: str, base: str, organisation_number: str | None
              ) -> URIRef:
    """The kommun as foaf:Agent: the address dataportal.se asks a Swedish organisation to
    use (http://dataportal.se/organisation/SE<organisationsnummer>) and the number as its
    identifier where the config gives one, else one under the release's address."""
    node = URIRef(f"http://dataportal.se/organisation/SE{organisation_number}"
                  if organisation_number else f"{base}#utgivare")
    graph.add((node, RDF.type, FOAF.Agent))
    graph.add((node, FOAF.name, Literal(municipality, lang="sv")))
    _link(graph, node, DCTERMS.type, LOCAL_AUTHORITY, SKOS.Concept)
    if organisation_number:
        graph.add((node, DCTERMS.identifier, Literal(organisation_number)))
    return node


def place(graph: Graph, release: Release, base: str) -> URIRef:
    """The kommun as dcterms:Location: its GeoNames address where reports/opendata.yaml
    gives one, else one under the release's address named by the kommunkod."""
    places = {str(code): iri for code, iri in (metadata()["dcat"].get("places") or {}).items()}
    node = _typed(graph, places.get(release.municipality_code)
                  or f"{base}#kommun-{release.municipality_code}", DCTERMS.Location)
    graph.add((node, SKOS.prefLabel, Literal(release.municipality, lang="sv")))
    graph.add((node, DCTERMS.identifier, Literal(release.municipality_code)))
    return node


def catalog_node(graph: Graph, release: Release, base: str, kommun: Kommun,
                 homepage: str | None) -> URIRef:
    """The catalog as this release sees it: issued and modified the day of its data
    (`catalog` keeps the first and the last of every release's)."""
    node = URIRef(f"{base}{CATALOG_FILE}")
    graph.add((node, RDF.type, DCAT.Catalog))
    spec = metadata()["dcat"]["catalog"]
    values = labels(release)
    _texts(graph, node, DCTERMS.title, texts(spec, "title", values))
    _texts(graph, node, DCTERMS.description, texts(spec, "description", values))
    graph.add((node, DCTERMS.publisher, kommun.agent))
    # DCAT-AP-SE: the catalog's own licence is CC0, at Creative Commons' address
    _link(graph, node, DCTERMS.license, LICENCES["CC0-1.0"][0], DCTERMS.LicenseDocument)
    graph.add((node, DCAT.themeTaxonomy, _typed(graph, f"{EU}data-theme", SKOS.ConceptScheme)))
    _texts(graph, URIRef(f"{EU}data-theme"), DCTERMS.title, SCHEMES[f"{EU}data-theme"])
    for language in LANGUAGES:
        _link(graph, node, DCTERMS.language, language, DCTERMS.LinguisticSystem)
    graph.add((node, DCTERMS.spatial, kommun.place))
    graph.add((node, DCTERMS.issued, _date(release.data_day)))
    graph.add((node, DCTERMS.modified, _date(release.data_day)))
    # the kommun's open-data page, else the folder the releases are published in
    _link(graph, node, FOAF.homepage, homepage or base, FOAF.Document)
    return node


def _described(graph: Graph, node: URIRef, kommun: Kommun) -> None:
    """What a release's dataset and its series say alike (DCAT-AP-SE recommendation 21)."""
    graph.add((node, DCTERMS.publisher, kommun.agent))
    for lang, keywords in metadata()["package"]["keywords"].items():
        for keyword in keywords:
            graph.add((node, DCAT.keyword, Literal(keyword, lang=lang)))
    for theme in THEMES:
        _link(graph, node, DCAT.theme, theme, SKOS.Concept)
    _link(graph, node, DCTERMS.conformsTo, TDP_SPEC, DCTERMS.Standard)
    graph.add((node, DCTERMS.relation, URIRef(FDP_SPEC)))  # its budget semantics
    graph.add((node, DCTERMS.spatial, kommun.place))
    if kommun.contact is not None:
        graph.add((node, DCAT.contactPoint, kommun.contact))


def _period(graph: Graph, node: URIRef, start: dt.date, end: dt.date) -> URIRef:
    graph.add((node, RDF.type, DCTERMS.PeriodOfTime))
    graph.add((node, DCAT.startDate, _date(start)))
    graph.add((node, DCAT.endDate, _date(end)))
    return node


def series_node(graph: Graph, release: Release, base: str, kommun: Kommun) -> URIRef:
    """The fiscal year's releases as a dcat:DatasetSeries (a series per year: DCAT-AP-SE
    recommends at most 50 datasets in one): the year as its period, the six follow-ups a
    year as its frequency."""
    node = URIRef(f"{base}#serie-{release.year}")
    graph.add((node, RDF.type, DATASET_SERIES))
    spec = metadata()["dcat"]["series"]
    values = {**labels(release), "year": str(release.year)}
    _texts(graph, node, DCTERMS.title, texts(spec, "title", values))
    _texts(graph, node, DCTERMS.description, texts(spec, "description", values))
    _described(graph, node, kommun)
    _link(graph, node, DCTERMS.accrualPeriodicity, BIMONTHLY, DCTERMS.Frequency)
    graph.add((node, DCTERMS.temporal, _period(
        graph, URIRef(f"{node}-period"), dt.date(release.year, 1, 1),
        dt.date(release.year, 12, 31))))
    graph.add((node, DCTERMS.issued, _date(release.data_day)))
    graph.add((node, DCTERMS.modified, _date(release.data_day)))
    return node


def contact_node(graph: Graph, municipality: str, base: str, email: str | None
                 ) -> URIRef | None:
    if not email:
        return None
    node = URIRef(f"{base}#kontakt")  # never the publisher's URI
    graph.add((node, RDF.type, VCARD.Organization))  # DCAT-AP-SE: the kind of contact
    graph.add((node, RDF.type, VCARD.Kind))  # DCAT-AP: the class, which that entails
    graph.add((node, VCARD.fn, Literal(municipality)))
    graph.add((node, VCARD.hasEmail, URIRef(f"mailto:{email}")))
    return node


def dataset_node(graph: Graph, release: Release, base: str, kommun: Kommun) -> URIRef:
    """The period's release, in its year's series; no frequency of its own (a release
    changes only when corrected: the series is what comes bimonthly)."""
    spec = metadata()["package"]
    values = labels(release)
    node = URIRef(f"{base}{release.period_key}/")
    graph.add((node, RDF.type, DCAT.Dataset))
    graph.add((node, DCTERMS.identifier, Literal(package_name(release))))
    _texts(graph, node, DCTERMS.title, texts(spec, "title", values))
    _texts(graph, node, DCTERMS.description, texts(spec, "description", values))
    _described(graph, node, kommun)
    for language in LANGUAGES:
        _link(graph, node, DCTERMS.language, language, DCTERMS.LinguisticSystem)
    graph.add((node, DCTERMS.issued, _date(release.data_day)))
    graph.add((node, DCTERMS.modified, _date(release.data_day)))
    _link(graph, node, DCTERMS.accessRights, PUBLIC, DCTERMS.RightsStatement)
    period = URIRef(f"{base}{release.period_key}/#period")  # no blank nodes: a harvester
    graph.add((node, DCTERMS.temporal, _period(             # keeps what it can name
        graph, period, dt.date(release.year, 1, 1), _month_end(release.year, release.month))))
    return node


def distribution(graph: Graph, dataset: URIRef, name: str, media_type: str,
                 licence: str) -> URIRef:
    """A file of the release: its address, file type (EU vocabulary) and media type (IANA),
    licence, title and description (sv, en), planned availability."""
    node = URIRef(f"{dataset}{name}")
    graph.add((dataset, DCAT.distribution, node))
    graph.add((node, RDF.type, DCAT.Distribution))
    graph.add((node, DCAT.accessURL, node))
    graph.add((node, DCAT.downloadURL, node))
    _link(graph, node, DCTERMS.format, FILE_TYPES[media_type], DCTERMS.MediaTypeOrExtent)
    _link(graph, node, DCAT.mediaType, f"{IANA}{media_type}", DCTERMS.MediaType)
    _link(graph, node, DCTERMS.license, LICENCES[licence][0], DCTERMS.LicenseDocument)
    _link(graph, node, DCATAP.availability, STABLE, SKOS.Concept)
    spec = next((r for r in metadata()["resources"].values() if r["file"] == name),
                metadata()["dcat"]["descriptor"])
    _texts(graph, node, DCTERMS.title, texts(spec, "title"))
    _texts(graph, node, DCTERMS.description, texts(spec, "description"))
    if name == "datapackage.json":
        _link(graph, node, DCTERMS.conformsTo, TDP_SPEC, DCTERMS.Standard)
    return node


def release_graph(release: Release, files: dict[str, str], base: str, licence: str,
                  organisation_number: str | None = None, contact_email: str | None = None,
                  homepage: str | None = None) -> Graph:
    """The catalog with this release's dataset in its series; `files`: name -> media type."""
    graph = _bind(Graph())
    kommun = Kommun(publisher(graph, release.municipality, base, organisation_number),
                    contact_node(graph, release.municipality, base, contact_email),
                    place(graph, release, base))
    catalog = catalog_node(graph, release, base, kommun, homepage)
    dataset = dataset_node(graph, release, base, kommun)
    graph.add((catalog, DCAT.dataset, dataset))
    graph.add((dataset, IN_SERIES, series_node(graph, release, base, kommun)))
    for name, media_type in files.items():
        distribution(graph, dataset, name, media_type, licence)
    return graph


def catalog(folder: Path) -> Graph:
    """Every release's `dcat.rdf` under `folder` as one catalog. The catalog and each series
    as the latest period's release describes them (so a changed setting, a publisher's
    address say, is stated once), issued when their first release was, modified when
    their last one."""
    graph = _bind(Graph())
    latest: dict[URIRef, Graph] = {}
    for path in sorted(folder.glob("*/dcat.rdf")):
        part = Graph().parse(path, format="xml")
        graph += part
        for cls in (DCAT.Catalog, DATASET_SERIES):
            latest.update((node, part) for node in part.subjects(RDF.type, cls))
    for node, part in latest.items():
        issued = sorted(graph.objects(node, DCTERMS.issued), key=str)[:1]
        modified = sorted(graph.objects(node, DCTERMS.modified), key=str)[-1:]
        datasets = list(graph.objects(node, DCAT.dataset))
        graph.remove((node, None, None))
        for predicate, value in part.predicate_objects(node):
            if predicate not in (DCTERMS.issued, DCTERMS.modified):
                graph.add((node, predicate, value))
        for predicate, values in ((DCAT.dataset, datasets), (DCTERMS.issued, issued),
                                  (DCTERMS.modified, modified)):
            for value in values:
                graph.add((node, predicate, value))
    return graph


def _month_end(year: int, month: int) -> dt.date:
    first_next = dt.date(year + month // 12, month % 12 + 1, 1)
    return first_next - dt.timedelta(days=1)
