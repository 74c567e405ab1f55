"""How the dbt project appears in Dagster: keys, groups, owners and tags from the dbt
project's own structure, and row counts, column types and column lineage
(column_lineage.py) on every materialisation.

- keys: `<layer>/<model>` (seeds/, staging/, intermediate/, marts/); dbt sources are the
  ingest assets' tables, `raw_<table>` (pipelines/defs/keys.py);
- groups: the layer, the model's folder under models/; the seeds, the kommun's reference
  tables, are in `ingest` with the deliveries;
- owners and tags: HR owns what HR's employee-months flow through up to the staff
  statistics, Ekonomi the rest (goals that read sick leave are Ekonomi's). Everything HR's rows flow
  through carries the tag personal_data: pseudonymised up to the staff statistics, where
  small groups are suppressed, aggregated from there on (goal outcomes read sick leave).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings

from pipelines.defs.column_lineage import column_lineage
from pipelines.defs.keys import raw_key
from pipelines.defs.ownership import AGGREGATED, EKONOMI, HR, PSEUDONYMISED
from pipelines.resources import Warehouse

HR_SOURCE = "source.uppfoljning.hr.hr_employee_months"
SUPPRESSED = "model.uppfoljning.staff_statistics"  # the first model with small groups hidden


def descendants(manifest: Mapping[str, Any], unique_id: str) -> set[str]:
    """Every node downstream of `unique_id` in the manifest's child map."""
    found: set[str] = set()
    stack = [unique_id]
    while stack:
        for child in manifest.get("child_map", {}).get(stack.pop(), []):
            if child not in found:
                found.add(child)
                stack.append(child)
    return found


def layer(props: Mapping[str, Any]) -> str:
    """The layer of a model or seed: its folder under models/ (staging, intermediate,
    marts), or seeds."""
    if props["resource_type"] == "seed":
        return "seeds"
    return props["fqn"][1] if len(props["fqn"]) > 2 else "models"


class Translator(DagsterDbtTranslator):
    """Keys, groups, owners and tags of the dbt assets (the module's docstring)."""

    def __init__(self, manifest: Path | Mapping[str, Any]):
        # each model's asset links to its SQL file (the UI's code references)
        super().__init__(settings=DagsterDbtTranslatorSettings(enable_code_references=True))
        if not isinstance(manifest, Mapping):
            manifest = json.loads(Path(manifest).read_text(encoding="utf-8"))
        # the warehouse relation of each model and seed: its schema and table name
        built = [n for n in manifest["nodes"].values() if n["resource_type"] in ("model", "seed")]
        self.relations = {self.get_asset_key(n): (n["schema"], n.get("alias") or n["name"])
                          for n in built}
        self.unique_ids = {self.get_asset_key(n): n["unique_id"] for n in built}
        self.personal = descendants(manifest, HR_SOURCE)
        self.aggregated = {SUPPRESSED} | descendants(manifest, SUPPRESSED)
        self.hr_owned = self.personal - descendants(manifest, SUPPRESSED)

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            return raw_key(dbt_resource_props["name"])
        return dg.AssetKey([layer(dbt_resource_props), dbt_resource_props["name"]])

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        group = layer(dbt_resource_props)
        return "ingest" if group == "seeds" else group

    def get_metadata(self, dbt_resource_props: Mapping[str, Any]) -> Mapping[str, Any]:
        """dbt's metadata, the table named as one queries it in the warehouse and its
        published copy (`marts.budget_follow_up`): the manifest is parsed once for every
        config, against a scratch database whose name is no warehouse's."""
        metadata = dict(super().get_metadata(dbt_resource_props))
        kind = dbt_resource_props["resource_type"]
        if kind in ("model", "seed", "source"):
            name = (dbt_resource_props.get("identifier") if kind == "source"
                    else dbt_resource_props.get("alias")) or dbt_resource_props["name"]
            metadata["dagster/table_name"] = f"{dbt_resource_props['schema']}.{name}"
        return metadata

    def get_owners(self, dbt_resource_props: Mapping[str, Any]) -> list[str]:
        return [HR if dbt_resource_props["unique_id"] in self.hr_owned else EKONOMI]

    def get_asset_check_spec(self, asset_spec, manifest, unique_id, project):
        """A generic test's check says what it tests (dbt gives it no description)."""
        spec = super().get_asset_check_spec(asset_spec, manifest, unique_id, project)
        if spec is None or (spec.description or "").strip():
            return spec
        test = manifest["nodes"][unique_id]
        meta = test.get("test_metadata") or {}
        column = (meta.get("kwargs") or {}).get("column_name")
        what = f"dbt test {meta.get('name') or test['name']}"
        return spec._replace(description=f"{what} on {column}" if column else what)

    def get_tags(self, dbt_resource_props: Mapping[str, Any]) -> Mapping[str, str]:
        tags = dict(super().get_tags(dbt_resource_props))
        node = dbt_resource_props["unique_id"]
        if node in self.personal:
            tags.update(AGGREGATED if node in self.aggregated else PSEUDONYMISED)
        return tags


def event_key(event: Any, context: Any) -> dg.AssetKey | None:
    """The asset a dbt materialisation event is for."""
    if isinstance(event, dg.AssetMaterialization):
        return event.asset_key
    if isinstance(event, dg.Output):
        return context.asset_key_for_output(event.output_name)
    return None


def table_metadata(warehouse: Warehouse, relations: Iterable[tuple[str, str]],
                   months: list[str] = ()) -> tuple[dict[tuple[str, str], dict[str, Any]],
                                                    dict[tuple[str, str], dict[str, str]]]:
    """Column names and types of each relation, the row count of each table (a view's
    count would run its query: it is left out) and, with `months`, each monthly table's
    rows per month (`months` key: {month: rows}); and every relation's columns and types."""
    relations = list(dict.fromkeys(relations))
    found: dict[tuple[str, str], dict[str, Any]] = {}
    everything: dict[tuple[str, str], dict[str, str]] = {}
    if not relations:
        return found, everything
    with warehouse.connect(read_only=True) as con:
        for s, n, c, t in con.execute(
                "select table_schema, table_name, column_name, data_type from "
                "information_schema.columns order by table_schema, table_name, ordinal_position"
        ).fetchall():
            everything.setdefault((s, n), {})[c] = t
        kinds = dict(((s, n), t) for s, n, t in con.execute(
            "select table_schema, table_name, table_type from information_schema.tables"
        ).fetchall())
        for relation in relations:
            cols = [dg.TableColumn(c, t) for c, t in everything.get(relation, {}).items()]
            if not cols:
                continue
            meta: dict[str, Any] = {"dagster/column_schema": dg.TableSchema(columns=cols)}
            if kinds.get(relation) == "BASE TABLE":
                schema, name = relation
                meta["dagster/row_count"] = con.execute(
                    f'select count(*) from "{schema}"."{name}"').fetchone()[0]
                month = month_expression({c.name for c in cols})
                if months and month is not None:
                    counts = dict(con.execute(
                        f'select {month} as m, count(*) from "{schema}"."{name}" '
                        f"where {month} in (select unnest(?)) group by 1", [months]).fetchall())
                    meta["months"] = {m: counts.get(m, 0) for m in months}
            found[relation] = meta
    return found, everything


def with_table_metadata(events: list[Any], warehouse: Warehouse, context: Any,
                        translator: Translator, target: Path,
                        months: list[str] = ()) -> Iterator[Any]:
    """dbt's events, each materialisation with its relation's row count, column types and
    column lineage (column_lineage.py), and each month of `months` with the monthly table's
    rows of it (the partition's row count): read once dbt has finished (it holds DuckDB's
    write lock while it runs)."""
    relations = translator.relations
    keys = [event_key(e, context) for e in events]
    found, columns = table_metadata(warehouse, [relations[k] for k in keys if k in relations],
                                    months)
    traced = column_lineage(target, [translator.unique_ids[k] for k in keys
                                     if k in translator.unique_ids],
                            columns, translator.get_asset_key, context.log.warning)
    for event, key in zip(events, keys, strict=True):
        if key in relations and relations[key] in found:
            meta = dict(found[relations[key]])
            for month, rows in meta.pop("months", {}).items():
                context.add_asset_metadata({"dagster/partition_row_count": rows},
                                           asset_key=key, partition_key=month)
            if translator.unique_ids.get(key) in traced:
                meta["dagster/column_lineage"] = traced[translator.unique_ids[key]]
            event = event.with_metadata({**(event.metadata or {}), **meta})
        yield event


def month_expression(columns: set[str]) -> str | None:
    """How a monthly model's rows name their month ('YYYY-MM'): fiscal_year and a month
    number (`period`), or a period written 'YYYY-MM'; None for a model without a month."""
    if {"fiscal_year", "period"} <= columns:
        return "cast(fiscal_year as varchar) || '-' || lpad(cast(period as varchar), 2, '0')"
    for name in ("period_month", "period"):
        if name in columns:
            return f"cast({name} as varchar)"
    return None
