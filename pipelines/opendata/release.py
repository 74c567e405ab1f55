"""Write a follow-up period's open-data release:

    <reports_output>/oppna_data/<period>/datapackage.json   the Frictionless descriptor
    <reports_output>/oppna_data/<period>/*.csv              the published figures, UTF-8
    <reports_output>/oppna_data/<period>/dcat.rdf           DCAT-AP-SE (and DCAT-AP 3.0.1)
    <reports_output>/oppna_data/katalog.rdf                 every release, each year's series:
                                                            what to harvest

The period's folder is written beside its place and renamed into it, so a reader (or a
web server publishing the folder) sees the previous release or the new one, never half of
one. The same warehouse gives the same bytes.
"""

from __future__ import annotations

import csv
import hashlib
import json
import math
import os
import shutil
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import duckdb
import pandas as pd

from pipelines.opendata import content, dcat
from pipelines.opendata.descriptor import metadata, package_descriptor, resource_descriptor
from pipelines.packages.atomic import write_whole

FOLDER = "oppna_data"


@dataclass
class Written:
    release: content.Release
    folder: Path
    rows: dict[str, int]  # file -> rows


def release_folder(reports: Path) -> Path:
    return reports / FOLDER


def write_release(con: duckdb.DuckDBPyConnection, config, period_key: str) -> Written:
    """The period's release from the warehouse as it stands (`config`: the loaded Config)."""
    settings = config.open_data
    root = release_folder(config.reports_path)
    try:
        release = content.read_release(con, config.municipality, config.municipality_code or "",
                                period_key, settings.public_level)
    except content.NothingPublished:  # withdrawn, as a package of a board blocked again
        if (root / period_key).is_dir():
            shutil.rmtree(root / period_key)
            write_catalog(root)
        raise
    partial = root / f".{period_key}.part"
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    try:
        resources, files, rows = [], {}, {}
        for name, frame in release.tables.items():
            spec = metadata()["resources"][name]
            path = partial / spec["file"]
            rows[spec["file"]] = write_csv(frame, list(spec["fields"]), path)
            data = path.read_bytes()
            resources.append(resource_descriptor(name, rows[spec["file"]],
                                                 hashlib.sha256(data).hexdigest(), len(data)))
            files[spec["file"]] = "text/csv"
        descriptor = package_descriptor(release, resources, settings.licence,
                                        settings.homepage)
        (partial / "datapackage.json").write_text(
            json.dumps(descriptor, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        files["datapackage.json"] = "application/json"
        graph = dcat.release_graph(release, files, settings.base_address(root), settings.licence,
                                   settings.organisation_number, settings.contact_email,
                                   settings.homepage)
        (partial / "dcat.rdf").write_bytes(rdf_xml(graph))
        check(partial / "datapackage.json")
        target = root / period_key
        _replace(partial, target)
    finally:
        shutil.rmtree(partial, ignore_errors=True)
    write_catalog(root)
    return Written(release, target, rows)


def write_catalog(root: Path) -> Path:
    """katalog.rdf: every release under `root`, what a harvester is pointed at."""
    return write_whole(root / dcat.CATALOG_FILE,
                       lambda p: p.write_bytes(rdf_xml(dcat.catalog(root))))


class InvalidRelease(RuntimeError):
    """The release written does not validate: a fault of the program, never published."""


def check(descriptor: Path) -> None:
    """Validate the data package with the Frictionless library (descriptor, schemas, every
    row against its field types, primary keys, file sizes and hashes)."""
    from frictionless import validate

    report = validate(str(descriptor))
    if not report.valid:
        errors = [e.message for e in report.errors] + [
            f"{task.name}: {e.message}" for task in report.tasks for e in task.errors]
        raise InvalidRelease(f"{descriptor}: datapaketet är inte giltigt ({len(errors)} fel, "
                             f"första: {errors[0]})")


def write_csv(frame: pd.DataFrame, columns: list[str], path: Path) -> int:
    """The frame's `columns`, in that order, as UTF-8 CSV: money as its exact decimal, an
    empty cell for a missing value."""
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise KeyError(f"{path.name}: the marts have no column {', '.join(missing)} "
                       "(reports/opendata.yaml names it)")
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(columns)
        for row in frame[columns].itertuples(index=False):
            writer.writerow([_cell(v) for v in row])
    return len(frame)


def _cell(value) -> str:
    if value is None or value is pd.NA or value is pd.NaT:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        return str(int(value)) if value.is_integer() else repr(value)
    if hasattr(value, "item"):  # a numpy scalar
        return _cell(value.item())
    return str(value)


def rdf_xml(graph) -> bytes:
    """RDF/XML (what dataportal.se harvests), one rdf:Description per node, in a fixed
    order (nodes by address, properties by name and value): rdflib's own order follows
    Python's hashing, and the same release must give the same bytes."""
    root = ET.fromstring(graph.serialize(format="xml", encoding="utf-8"))
    for prefix, namespace in graph.namespaces():
        ET.register_namespace(prefix, str(namespace))

    def order(element: ET.Element) -> tuple:
        return element.tag, sorted(element.attrib.items()), element.text or ""

    for node in root:
        node[:] = sorted(node, key=order)
    root[:] = sorted(root, key=order)
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"


def _replace(new: Path, target: Path) -> None:
    """`new` in `target`'s place in one rename; the old release goes only after."""
    old = target.with_name(f".{target.name}.old")
    shutil.rmtree(old, ignore_errors=True)
    if target.exists():
        os.replace(target, old)
    os.replace(new, target)
    shutil.rmtree(old, ignore_errors=True)
