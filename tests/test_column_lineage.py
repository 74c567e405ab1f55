"""Column lineage of the dbt models (pipelines/defs/column_lineage.py), on a dbt target folder
of two parents and one model written here: each column traced to its parents' columns, kept
for a rerun, traced again when the model changes, and a query sqlglot cannot read costs the
model its lineage, not the run. The demo's lineage, as the UI reads it: test_dagster_ui."""

from __future__ import annotations

import json

import dagster as dg
import pytest

from pipelines.defs import column_lineage as lineage_module
from pipelines.defs.column_lineage import CACHE, column_lineage

MODEL = """with joined as (
    select a.unit_code, a.amount + t.correction as total
    from "w"."main"."a" as a
    join "w"."raw"."t" as t on a.unit_code = t.unit_code
)
select unit_code, total, upper(unit_code) as label, 1 as one from joined"""

COLUMNS = {("main", "a"): {"unit_code": "VARCHAR", "amount": "DECIMAL(18,2)"},
           ("raw", "t"): {"unit_code": "VARCHAR", "correction": "DECIMAL(18,2)"},
           ("main", "m"): {"unit_code": "VARCHAR", "total": "DECIMAL(18,2)",
                           "label": "VARCHAR", "one": "INTEGER"}}


def node(unique_id: str, schema: str, name: str, **extra) -> dict:
    return {"unique_id": unique_id, "schema": schema, "name": name,
            "relation_name": f'"w"."{schema}"."{name}"', **extra}


@pytest.fixture
def target(tmp_path):
    manifest = {"metadata": {"adapter_type": "duckdb"},
                "nodes": {"model.p.m": node("model.p.m", "main", "m", resource_type="model",
                                            package_name="p",
                                            original_file_path="models/m.sql",
                                            depends_on={"nodes": ["model.p.a",
                                                                  "source.p.raw.t"]}),
                          "model.p.a": node("model.p.a", "main", "a", resource_type="model")},
                "sources": {"source.p.raw.t": node("source.p.raw.t", "raw", "t",
                                                   resource_type="source")}}
    (tmp_path / "manifest.json").write_text(json.dumps(manifest))
    (tmp_path / "compiled/p/models").mkdir(parents=True)
    (tmp_path / "compiled/p/models/m.sql").write_text(MODEL)
    return tmp_path


def traced(target, log=print) -> dict[str, set[tuple[str, str]]]:
    found = column_lineage(target, ["model.p.m", "model.p.a"], COLUMNS,
                           lambda props: dg.AssetKey(props["name"]), log)
    return {column: {(d.asset_key.to_user_string(), d.column_name) for d in deps}
            for column, deps in found["model.p.m"].deps_by_column.items()}


def test_each_column_is_traced_to_the_parents_columns_it_is_computed_from(target):
    assert traced(target) == {"unit_code": {("a", "unit_code")},
                              "total": {("a", "amount"), ("t", "correction")},
                              "label": {("a", "unit_code")},
                              "one": set()}  # a constant reads no column


def test_a_rerun_of_an_unchanged_model_traces_nothing_and_a_changed_one_again(target,
                                                                            monkeypatch):
    first = traced(target)
    assert (target / CACHE).exists()

    def untouched(*args, **kwargs):
        raise AssertionError("traced again although nothing changed")

    monkeypatch.setattr(lineage_module, "traced_columns", untouched)
    assert traced(target) == first
    monkeypatch.undo()
    (target / "compiled/p/models/m.sql").write_text(MODEL.replace("a.amount + ", ""))
    assert traced(target)["total"] == {("t", "correction")}


def test_a_query_sqlglot_cannot_read_costs_the_model_its_lineage_not_the_run(target):
    (target / "compiled/p/models/m.sql").write_text("select from from where")
    said = []
    found = column_lineage(target, ["model.p.m"], COLUMNS,
                           lambda props: dg.AssetKey(props["name"]), said.append)
    assert found == {}
    assert len(said) == 1 and said[0].startswith("Ingen kolumnhärledning för m: ")
