"""The config file: a data engineer's mistakes get one clear line naming file and key."""

from pathlib import Path

import pytest
import yaml

from pipelines.config import ConfigError, load_config


def write(tmp_path: Path, data: dict | str) -> Path:
    (tmp_path / "ekonomi" / "2025").mkdir(parents=True)
    (tmp_path / "ekonomi" / "2025" / "huvudbok_2025-01.se").write_text("#FLAGGA 0\n")
    (tmp_path / "org.csv").write_text("kod;benamning\n")
    path = tmp_path / "uppfoljning.yaml"
    path.write_text(data if isinstance(data, str) else yaml.safe_dump(data), encoding="utf-8")
    return path


def base() -> dict:
    return {
        "municipality": "Testkommun",
        "fiscal_year": 2025,
        "sources": {
            "org_register": {"type": "csv", "path": "org.csv"},
            "ledger": [{"type": "sie", "path": "ekonomi/{year}/huvudbok_{period}.se"}],
        },
    }


def test_valid_config_resolves_paths_relative_to_the_file(tmp_path):
    config = load_config(write(tmp_path, base()))
    assert config.warehouse_path == tmp_path / "warehouse" / "uppfoljning.duckdb"
    assert config.files(config.sources.ledger[0].path, "2025-01") == [
        tmp_path / "ekonomi" / "2025" / "huvudbok_2025-01.se"]
    assert config.files(config.sources.ledger[0].path, "2025-02") == []
    assert config.years == [2025]


def test_unknown_key_is_named(tmp_path):
    data = base()
    data["warehous"] = "x.duckdb"
    with pytest.raises(ConfigError) as e:
        load_config(write(tmp_path, data))
    assert "uppfoljning.yaml: warehous: okänd nyckel" in str(e.value)


def test_path_that_matches_nothing_is_named(tmp_path):
    data = base()
    data["sources"]["ledger"].append({"type": "sie", "path": "saknas/*.se"})
    with pytest.raises(ConfigError) as e:
        load_config(write(tmp_path, data))
    message = str(e.value)
    assert "sources.ledger.1.path: ingen fil matchar 'saknas/*.se'" in message
    assert len(message.splitlines()) == 1


def test_unknown_source_type_is_named(tmp_path):
    data = base()
    data["sources"]["ledger"][0]["type"] = "sie5"
    with pytest.raises(ConfigError) as e:
        load_config(write(tmp_path, data))
    assert "sources.ledger.0" in str(e.value)


def test_budget_needs_a_version(tmp_path):
    data = base()
    data["sources"]["budget"] = [{"type": "sie", "path": "ekonomi/2025/huvudbok_2025-01.se"}]
    with pytest.raises(ConfigError, match="behöver 'version'"):
        load_config(write(tmp_path, data))


def test_broken_yaml_names_the_line(tmp_path):
    with pytest.raises(ConfigError, match=r"uppfoljning.yaml: rad 2 är inte giltig YAML"):
        load_config(write(tmp_path, "municipality: x\n  fiscal_year: [2025\n"))


def test_missing_file(tmp_path):
    with pytest.raises(ConfigError, match="konfigurationsfilen finns inte"):
        load_config(tmp_path / "nope.yaml")


def test_every_mistake_is_said_in_swedish(tmp_path):
    """pydantic's English ("Input should be a valid integer", "Field required") was what a
    kommun's data engineer read."""
    data = base()
    data["fiscal_year"] = "tjugo"
    data["sources"]["ledger"] = [{"type": "sie"}, {"type": "xml", "path": "a.xml"},
                                 {"type": "csv", "path": "a.csv", "decimal": ";"}]
    data["demo"] = "kanske"
    with pytest.raises(ConfigError) as e:
        load_config(write(tmp_path, data))
    lines = str(e.value).splitlines()
    assert any(line.endswith("fiscal_year: ska vara ett heltal, inte 'tjugo'") for line in lines)
    assert any(line.endswith("sources.ledger.0.sie.path: saknas: nyckeln måste anges")
               for line in lines)
    assert any("sources.ledger.1: type 'xml' finns inte; välj" in line for line in lines)
    assert any(line.endswith("decimal: ska vara ',' eller '.', inte ';'") for line in lines)
    assert any(line.endswith("demo: ska vara true eller false, inte 'kanske'") for line in lines)
    english = ("Input should", "Field required", "Extra inputs", "valid", "Value error")
    assert not [line for line in lines if any(w in line for w in english)]
