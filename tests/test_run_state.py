"""A rerun on unchanged inputs does nothing; any change a run would see makes it work again."""

import os
from pathlib import Path

import pytest
import yaml

from pipelines import run_state
from pipelines.config import ConfigError, load_config
from pipelines.runner import run_pipeline

MONTHS = ["2025-01", "2025-02"]


def kommun(tmp_path: Path, **extra) -> Path:
    (tmp_path / "ekonomi").mkdir()
    (tmp_path / "org.csv").write_text("Kod;Namn;Nivå\n1;Kommunen;kommun\n", encoding="utf-8")
    for month in MONTHS:
        (tmp_path / "ekonomi" / f"huvudbok_{month}.se").write_bytes(
            b'#FLAGGA 0\n#SIETYP 4\n#RAR 0 20250101 20251231\n')
    config = {"municipality": "Provkommun", "fiscal_year": 2025, "sources": {
        "org_register": {"type": "csv", "path": "org.csv"},
        "ledger": [{"type": "sie", "path": "ekonomi/huvudbok_{period}.se"}]}, **extra}
    path = tmp_path / "uppfoljning.yaml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    return path


def print_of(path: Path, months=MONTHS, packages=True) -> str | None:
    return run_state.fingerprint(load_config(path), path, months, packages)


def test_the_fingerprint_changes_with_what_a_run_reads_and_only_with_that(tmp_path,
                                                                           monkeypatch):
    path = kommun(tmp_path)
    first = print_of(path)
    assert first == print_of(path)
    ledger = tmp_path / "ekonomi" / "huvudbok_2025-02.se"
    os.utime(ledger, (1, 1))  # a copy with another time, the same bytes: the same run
    assert print_of(path) == first
    ledger.write_bytes(ledger.read_bytes() + b'#KONTO 1930 "Bank"\n')  # a corrected file
    changed = print_of(path)
    assert changed != first
    returned = tmp_path / "landing" / "returer"
    returned.mkdir(parents=True)
    (returned / "paket.xlsx").write_bytes(b"a returned package")
    assert print_of(path) != changed
    with_return = print_of(path)
    monkeypatch.setenv("UPPFOLJNING_PSEUDONYM_KEY", "another key")  # other person keys
    assert print_of(path) != with_return
    assert print_of(path, months=["2025-02"]) != print_of(path)  # another range
    assert print_of(path, packages=False) != print_of(path)


def test_an_erp_database_source_is_never_taken_as_unchanged(tmp_path):
    path = kommun(tmp_path)
    config = yaml.safe_load(path.read_text(encoding="utf-8"))
    config["sources"]["ledger"].append({"type": "database", "url": "sqlite:///erp.db",
                                        "table": "huvudbok"})
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    assert print_of(path) is None


def test_engine_limits_are_checked(tmp_path):
    path = kommun(tmp_path, engine={"memory_limit": "1,5 GB", "threads": 2})
    with pytest.raises(ConfigError, match="engine.memory_limit"):
        load_config(path)
    good = kommun(tmp_path / "b", engine={"memory_limit": "512MB", "threads": 1}) \
        if (tmp_path / "b").mkdir() is None else None
    assert load_config(good).engine.duckdb_settings() == {"memory_limit": "512MB",
                                                          "threads": "1"}


@pytest.mark.slow  # a full run of the demo
def test_a_rerun_of_the_demo_on_unchanged_files_does_nothing(demo_run):
    warehouse = demo_run.warehouse
    before = warehouse.stat().st_mtime_ns
    again = run_pipeline(demo_run.config.base_dir / "uppfoljning.yaml")
    assert again.unchanged_since is not None and again.materialisations == 0
    assert warehouse.stat().st_mtime_ns == before  # not even opened for writing
