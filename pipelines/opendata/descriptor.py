"""The release's `datapackage.json`: a Frictionless (Tabular) Data Package whose resources
and fields are titled and described in Swedish and English from `reports/opendata.yaml`,
with the Fiscal Data Package's budget semantics for fiscal-data tools:

- version 0.3's `model` on the follow-up resource: measures with their budget phase
  (antagen = approved, reviderad = adjusted, utfall = executed) and currency, dimensions for
  the fiscal period, the administrative (the organisation), functional (verksamhet) and
  economic (cost category) classification;
- version 1.0's `columnType` on each field that has one, so a 1.0 reader needs no model;
- `countryCode`, `fiscalPeriod`, `granularity` and the municipality's kommunkod.
"""

from __future__ import annotations

from functools import cache

import yaml

from pipelines.opendata.content import Release
from pipelines.packages.content import MONTHS_SV
from pipelines.packages.layout import REPORTS_DIR

MONTHS_EN = ("January", "February", "March", "April", "May", "June", "July", "August",
             "September", "October", "November", "December")
# the SPDX id of each licence the config may choose, with its DCAT-AP-SE URI and title
LICENCES = {
    "CC0-1.0": ("http://creativecommons.org/publicdomain/zero/1.0/",
                "Creative Commons Zero v1.0 Universal"),
    "CC-BY-4.0": ("http://creativecommons.org/licenses/by/4.0/",
                  "Creative Commons Attribution 4.0"),
    "CC-BY-SA-4.0": ("http://creativecommons.org/licenses/by-sa/4.0/",
                     "Creative Commons Attribution Share-Alike 4.0"),
}
# what the package conforms to, and frictionless checks on every release: a Tabular Data
# Package (whose profile is also what the Fiscal Data Package's own schema requires; the
# budget semantics that schema adds, `model` and `columnType`, are carried, not claimed)
PROFILE = "tabular-data-package"
TDP_SPEC = "https://specs.frictionlessdata.io/tabular-data-package/"
FDP_SPEC = "https://specs.frictionlessdata.io/fiscal-data-package/"


@cache
def metadata() -> dict:
    """reports/opendata.yaml: the package's texts and every resource's fields."""
    return yaml.safe_load((REPORTS_DIR / "opendata.yaml").read_text(encoding="utf-8"))


def labels(release: Release) -> dict[str, str]:
    """The values the texts of opendata.yaml are filled in with."""
    return {"municipality": release.municipality,
            "period_label": f"januari–{MONTHS_SV[release.month - 1]} {release.year}",
            "period_label_en": f"January–{MONTHS_EN[release.month - 1]} {release.year}"}


def texts(entry: dict, key: str, values: dict[str, str] | None = None) -> dict[str, str]:
    """{'sv': ..., 'en': ...} of an entry's title or description, filled in."""
    found = entry.get(key) or {}
    return {lang: text.format(**(values or {})) for lang, text in found.items()}


def package_name(release: Release) -> str:
    return f"budgetuppfoljning-{release.municipality_code}-{release.period_key}"


def field_descriptor(name: str, spec: dict) -> dict:
    titles, descriptions = texts(spec, "title"), texts(spec, "description")
    field = {"name": name, "type": spec["type"], "title": titles["sv"]}
    if descriptions:
        field["description"] = descriptions["sv"]
    field["titles"] = titles
    if descriptions:
        field["descriptions"] = descriptions
    if spec["type"] == "number":
        field["decimalChar"] = "."
        field["groupChar"] = ""
    for key, out in (("unit", "unit"), ("column_type", "columnType"), ("phase", "phase"),
                     ("constraints", "constraints")):
        if key in spec:
            field[out] = spec[key]
    return field


def resource_descriptor(name: str, rows: int, digest: str, size: int) -> dict:
    spec = metadata()["resources"][name]
    titles, descriptions = texts(spec, "title"), texts(spec, "description")
    return {
        "name": name.replace("_", "-"),
        "path": spec["file"],
        "profile": "tabular-data-resource",
        "format": "csv", "mediatype": "text/csv", "encoding": "utf-8",
        "title": titles["sv"], "description": descriptions["sv"],
        "titles": titles, "descriptions": descriptions,
        "bytes": size, "hash": f"sha256:{digest}", "rows": rows,
        "dialect": {"delimiter": ",", "header": True, "quoteChar": '"'},
        "schema": {"fields": [field_descriptor(f, s) for f, s in spec["fields"].items()],
                   "primaryKey": spec["primary_key"], "missingValues": [""]},
    }


def fiscal_model() -> dict:
    """Fiscal Data Package 0.3's model of the follow-up resource."""
    phases = {f: s["phase"] for f, s in
              metadata()["resources"]["budget_follow_up"]["fields"].items() if "phase" in s}
    measures = {f: {"source": f, "currency": "SEK", "factor": 1, "phase": p,
                    "resource": "budget-follow-up"} for f, p in phases.items()}

    def attributes(**pairs: tuple[str, dict]) -> dict:
        return {key: {"source": source, **extra} for key, (source, extra) in pairs.items()}

    return {
        "measures": measures,
        "dimensions": {
            "date": {"dimensionType": "datetime", "primaryKey": ["year", "period"],
                     "attributes": attributes(year=("fiscal_year", {}),
                                              period=("period", {}))},
            "administrative-classification": {
                "dimensionType": "classification", "classificationType": "administrative",
                "primaryKey": ["level", "code"],
                "attributes": attributes(
                    level=("org_level", {}), code=("org_unit_code", {}),
                    label=("org_unit_name", {"labelfor": "code"}),
                    parent=("parent_unit_code", {"parent": "code"}),
                    board=("board_code", {}))},
            "functional-classification": {
                "dimensionType": "classification", "classificationType": "functional",
                "primaryKey": ["code"],
                "attributes": attributes(code=("activity_code", {}),
                                         label=("activity_name", {"labelfor": "code"}))},
            "economic-classification": {
                "dimensionType": "classification", "classificationType": "economic",
                "primaryKey": ["code"],
                "attributes": attributes(code=("cost_category", {}),
                                         label=("cost_category_name", {"labelfor": "code"}),
                                         direction=("direction", {}))},
        },
    }


def package_descriptor(release: Release, resources: list[dict], licence: str,
                       homepage: str | None = None) -> dict:
    spec = metadata()["package"]
    values = labels(release)
    titles, descriptions = texts(spec, "title", values), texts(spec, "description", values)
    sign = texts(spec, "sign_convention")
    uri, licence_title = LICENCES[licence]
    descriptor = {
        "profile": PROFILE,
        "name": package_name(release),
        "title": titles["sv"],
        "description": f"{descriptions['sv']}\n\n{sign['sv']}",
        "titles": titles, "descriptions": descriptions, "signConvention": sign,
        "version": release.data_day.isoformat(),
        "created": f"{release.data_day.isoformat()}T00:00:00Z",
        "keywords": list(dict.fromkeys(spec["keywords"]["sv"] + spec["keywords"]["en"])),
        "licenses": [{"name": licence, "path": uri, "title": licence_title}],
        "contributors": [{"title": release.municipality, "role": "publisher"}],
        "countryCode": "SE",
        "municipalityCode": release.municipality_code,
        "fiscalPeriod": {"start": f"{release.year}-01-01", "end": f"{release.year}-12-31"},
        "followUpPeriod": {"start": f"{release.year}-01",
                           "end": release.period_key},
        "granularity": "aggregated",
        "publicLevel": release.public_level,
        "resources": resources,
        "sources": [{"title": f"{release.municipality}: ekonomisystemets huvudbok, budget, "
                              "HR-systemets personalstatistik och nämndernas "
                              "uppföljningspaket"}],
    }
    if any(r["name"] == "budget-follow-up" for r in resources):
        descriptor["model"] = fiscal_model()
        descriptor["specifications"] = [FDP_SPEC]
    if release.withheld:
        descriptor["withheld"] = release.withheld
    if homepage:
        descriptor["homepage"] = homepage
    return descriptor
