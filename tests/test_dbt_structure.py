"""The dbt project's structure, read from dbt's manifest: the rules of dbt Labs'
dbt-project-evaluator (1.3, "modeling", "testing", "documentation", "structure" and
"performance"), held by the project itself because the evaluator is a dbt-hub package that
a kommun's machine may not reach. Its naming prefixes are left out: the marts are named by
entity, as in jaffle-shop.

Each test names the models that break its rule, so that a newcomer sees what to change.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from functools import cache
from pathlib import Path

import pytest

from pipelines.defs.transform import DBT_DIR, prepare_manifest

LAYERS = ("staging", "intermediate", "marts")
TOO_MANY_JOINS = 7  # the evaluator's too_many_joins_threshold: as many direct parents
MAX_LEAF_CHILDREN = 3  # its models_fanout_threshold
CHAINED_VIEWS = 5  # its chained_views_threshold: a parent more than 5 steps up through views

# Where a rule does not hold, on purpose (the evaluator's own exceptions seed does the same):
# (rule, model) -> why
EXCEPTIONS = {
    ("rejoining", "int_staff_figures_aggregated"): (
        "it reads int_employee_months_apportioned beside int_employee_months_placed only "
        "for the periods with an HR export: a second reader of placed, millions of rows on a "
        "large kommun, would make DuckDB hold them in memory"),
}


@cache
def manifest() -> dict:
    return json.loads(prepare_manifest().read_text(encoding="utf-8"))


def models() -> dict[str, dict]:
    return {k: v for k, v in manifest()["nodes"].items() if v["resource_type"] == "model"}


def layer(node: dict) -> str:
    return node["fqn"][1]


def parents(node: dict, kind: str) -> list[str]:
    return [p for p in node["depends_on"]["nodes"] if p.startswith(kind + ".")]


def children() -> dict[str, set[str]]:
    out: dict[str, set[str]] = defaultdict(set)
    for key, node in models().items():
        for parent in node["depends_on"]["nodes"]:
            out[parent].add(key)
    return out


def broken(rule) -> list[str]:
    return sorted(node["name"] for key, node in models().items() if rule(key, node))


def test_every_model_is_in_a_layer_of_its_own_folder():
    assert broken(lambda _, n: layer(n) not in LAYERS) == []
    # staging/<source>/stg_<source>__<entity>s: the folder is the source it reads
    wrong = broken(lambda _, n: layer(n) == "staging" and not (
        n["name"].startswith(f"stg_{n['fqn'][2]}__")
        and all(manifest()["sources"][s]["source_name"] == n["fqn"][2]
                for s in parents(n, "source"))))
    assert wrong == []
    assert broken(lambda _, n: layer(n) == "intermediate" and not n["name"].startswith("int_")
                  ) == []


def test_only_staging_reads_sources_and_each_reads_one():
    """Direct join to source, marts or intermediate dependent on source, multiple sources
    joined."""
    assert broken(lambda _, n: layer(n) != "staging" and parents(n, "source")) == []
    assert broken(lambda _, n: len(parents(n, "source")) > 1) == []


def test_staging_reads_no_model():
    """Staging dependent on staging, on intermediate or on marts (seeds are allowed)."""
    assert broken(lambda _, n: layer(n) == "staging" and parents(n, "model")) == []


def test_no_intermediate_model_reads_a_mart():
    marts = {k for k, n in models().items() if layer(n) == "marts"}
    assert broken(lambda _, n: layer(n) == "intermediate" and set(parents(n, "model")) & marts
                  ) == []


def test_every_model_has_a_parent_and_every_source_a_model():
    """Root models; unused sources; source fanout (a source read by more than one model)."""
    assert broken(lambda _, n: not n["depends_on"]["nodes"]) == []
    readers = defaultdict(list)
    for node in models().values():
        for source in parents(node, "source"):
            readers[source].append(node["name"])
    sources = manifest()["sources"]
    assert sorted(s["name"] for k, s in sources.items() if k not in readers) == []
    assert {k: v for k, v in readers.items() if len(v) > 1} == {}


def test_no_model_rejoins_what_it_already_has():
    """Rejoining of upstream concepts: A → B → C and A → C, where B feeds nothing but C
    (exposures left out, as the evaluator does)."""
    kids = children()
    found = []
    for key, node in models().items():
        direct = set(node["depends_on"]["nodes"])
        for middle in direct & set(models()):
            if kids[middle] == {key} and set(models()[middle]["depends_on"]["nodes"]) & direct \
                    and ("rejoining", node["name"]) not in EXCEPTIONS:
                found.append((models()[middle]["name"], node["name"]))
    assert found == []


def test_no_model_fans_out_to_many_leaves():
    """Model fanout: more than three direct children that nothing reads further."""
    kids = children()
    leaves = {k for k in models() if not kids[k]}
    assert broken(lambda k, _: len(kids[k] & leaves) > MAX_LEAF_CHILDREN) == []


def test_no_model_stands_on_a_long_chain_of_views():
    """Chained views: a parent more than five steps up, every step between a view (DuckDB
    inlines each view into the query that reads it)."""
    views = {k for k, n in models().items() if n["config"]["materialized"] in
             ("view", "ephemeral")}

    @cache
    def views_above(key: str) -> int:
        """The longest run of views that ends in a direct parent of this node."""
        return max((1 + views_above(p) for p in parents(models()[key], "model") if p in views),
                   default=0)

    assert broken(lambda k, n: views_above(k) + 1 > CHAINED_VIEWS
                  and ("chained_views", n["name"]) not in EXCEPTIONS) == []


def test_no_hard_coded_reference_and_few_joins():
    """Hard-coded references (a schema.table past ref/source) and too many joins (as the
    evaluator counts them: direct parents)."""
    def sql(node: dict) -> str:
        text = (DBT_DIR / node["original_file_path"]).read_text(encoding="utf-8")
        return re.sub(r"--[^\n]*|\{#.*?#\}", "", text, flags=re.S)

    hard = re.compile(r"\b(from|join)\s+(raw|staging|marts|seeds|main)\.\w+", re.I)
    assert broken(lambda _, n: hard.search(sql(n))) == []
    assert broken(lambda _, n: len(set(n["depends_on"]["nodes"])) >= TOO_MANY_JOINS) == []


def test_every_model_and_source_is_documented():
    assert broken(lambda _, n: not n["description"].strip()) == []
    undocumented = sorted(f"{s['source_name']}.{s['name']}"
                          for s in manifest()["sources"].values()
                          if not s["description"].strip() or not s["source_description"].strip())
    assert undocumented == []


def test_every_model_has_a_primary_key_test():
    """Missing primary key tests (and so test coverage): the generic test `primary_key`
    (macros/test_primary_key.sql) on the columns that make a row, none of them NULL."""
    keyed = {t["attached_node"] for t in manifest()["nodes"].values()
             if t["resource_type"] == "test"
             and (t.get("test_metadata") or {}).get("name") == "primary_key"}
    assert broken(lambda k, _: k not in keyed) == []


def test_tests_are_declared_beside_their_model():
    """Test directories: a model's tests in the yml of its own folder."""
    wrong = []
    for test in manifest()["nodes"].values():
        if test["resource_type"] != "test" or not test.get("attached_node") \
                or test["original_file_path"].startswith("tests/"):
            continue
        model = manifest()["nodes"].get(test["attached_node"])
        if model and Path(model["original_file_path"]).parent != \
                Path(test["original_file_path"]).parent:
            wrong.append((test["name"], test["original_file_path"]))
    assert wrong == []


def test_exposures_read_tables_of_the_marts():
    """Exposures (the packages, the open data) read marts stored as tables, no view, no
    source."""
    exposures = manifest()["exposures"].values()
    assert {e["name"] for e in exposures} >= {"uppfoljningspaket", "oppna_data"}
    for exposure in exposures:
        read = [models()[k] for k in exposure["depends_on"]["nodes"]]
        assert read and all(layer(n) == "marts" and n["config"]["materialized"] in
                            ("table", "incremental") for n in read), exposure["name"]


@pytest.mark.parametrize("layer_name", LAYERS)
def test_each_folder_declares_its_models_in_one_file(layer_name):
    """One `_<dir>__models.yml` per folder, beside the models it declares."""
    for node in models().values():
        if layer(node) != layer_name:
            continue
        folder = Path(node["original_file_path"]).parent
        declared = Path(node.get("patch_path", "").split("://")[-1])
        assert declared.parent == folder and declared.name == f"_{folder.name}__models.yml", \
            (node["name"], str(declared))
