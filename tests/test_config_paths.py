"""A config's paths stay in its folder, and what a command prints is printed literally
(issue 31, item 9): a relative path that leads out of the config's folder (by `..` or a
symbolic link) is refused with one line naming the key, before anything is read; an absolute
path is read as written; an error naming a file, a cell or a config value is never read as
rich markup or emoji codes."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from pipelines.config import ConfigError, load_config

PASSWD = "../../../../../../etc/passwd"


def write(folder: Path, **changes) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "org.csv").write_text("kod;benamning;niva;overordnad_kod\n1;K;kommun;\n",
                                    encoding="utf-8")
    config = {"municipality": "K", "fiscal_year": 2025, "warehouse": "lager/u.duckdb",
              "sources": {"org_register": {"type": "csv", "path": "org.csv"},
                          "ledger": [{"type": "csv", "path": "huvudbok.csv"}]}}
    for key, value in changes.items():
        if key == "ledger":
            config["sources"]["ledger"] = [{"type": "csv", "path": value}]
        else:
            config[key] = value
    path = folder / "uppfoljning.yaml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    return path


def uppfoljning(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pipelines.cli", *args], capture_output=True,
                          text=True, timeout=300, env={**os.environ, "COLUMNS": "200"})


def refusal(tmp_path: Path, **changes) -> str:
    with pytest.raises(ConfigError) as e:
        load_config(write(tmp_path / "a" / "b" / "kommun", **changes))
    return str(e.value)


def test_a_source_path_out_of_the_folder_is_refused_naming_the_key(tmp_path):
    message = refusal(tmp_path, ledger=PASSWD)
    assert message.splitlines() == [
        f"{tmp_path}/a/b/kommun/uppfoljning.yaml: sources.ledger.0.path: '{PASSWD}' pekar "
        f"utanför konfigurationens mapp ({tmp_path}/a/b/kommun): en relativ sökväg ska ligga "
        "i den, en absolut sökväg läses som den är skriven"]
    assert ":x:0:0:" not in message  # the first line of /etc/passwd: root:x:0:0:...


@pytest.mark.parametrize("key", ["warehouse", "landing", "reports_output", "read_copy"])
def test_every_path_the_config_names_is_confined(tmp_path, key):
    message = refusal(tmp_path, **{key: "../utanfor/x"})
    assert f"uppfoljning.yaml: {key}: '../utanfor/x' pekar utanför" in message
    assert len(message.splitlines()) == 1


def test_a_pattern_that_leaves_the_folder_through_year_is_refused(tmp_path):
    message = refusal(tmp_path, ledger="{year}/../../hb_{period}.csv")
    assert "sources.ledger.0.path: '{year}/../../hb_{period}.csv' pekar utanför" in message


def test_dots_that_stay_inside_and_absolute_paths_are_read(tmp_path):
    share = tmp_path / "share"
    share.mkdir()
    (share / "huvudbok.csv").write_text("Konto;Belopp\n", encoding="utf-8")
    folder = tmp_path / "kommun"
    (folder / "ekonomi").mkdir(parents=True)
    (folder / "huvudbok.csv").write_text("Konto;Belopp\n", encoding="utf-8")
    config = load_config(write(folder, ledger="ekonomi/../huvudbok.csv",
                               landing=str(tmp_path / "landning")))
    assert config.files(config.sources.ledger[0].path) == [folder / "ekonomi/../huvudbok.csv"]
    assert config.landing_path == tmp_path / "landning"
    config = load_config(write(folder, ledger=str(share / "*.csv")))  # a share, on purpose
    assert config.files(config.sources.ledger[0].path) == [share / "huvudbok.csv"]


def test_a_symbolic_link_out_of_the_folder_is_resolved_then_refused(tmp_path):
    share = tmp_path / "share"
    share.mkdir()
    (share / "huvudbok.csv").write_text("Konto;Belopp\n", encoding="utf-8")
    folder = tmp_path / "kommun"
    folder.mkdir()
    (folder / "ekonomi").symlink_to(share, target_is_directory=True)
    with pytest.raises(ConfigError) as e:
        load_config(write(folder, ledger="ekonomi/*.csv"))
    [message] = str(e.value).splitlines()
    assert (f"sources.ledger.0.path: 'ekonomi/*.csv' leder genom en symbolisk länk till "
            f"{share}") in message
    # written as the share's absolute path, the same file is read
    config = load_config(write(folder, ledger=str(share / "huvudbok.csv")))
    assert config.files(config.sources.ledger[0].path) == [share / "huvudbok.csv"]


def test_a_link_that_appears_after_the_config_was_read_is_refused_when_used(tmp_path):
    folder = tmp_path / "kommun"
    (folder / "ekonomi").mkdir(parents=True)
    (folder / "ekonomi" / "hb_2025-01.csv").write_text("Konto;Belopp\n", encoding="utf-8")
    config = load_config(write(folder, ledger="ekonomi/hb_{period}.csv"))
    (tmp_path / "secret.csv").write_text("hemligt\n", encoding="utf-8")
    (folder / "ekonomi" / "hb_2025-02.csv").symlink_to(tmp_path / "secret.csv")
    assert config.files(config.sources.ledger[0].path, "2025-01") == [
        folder / "ekonomi" / "hb_2025-01.csv"]
    with pytest.raises(ConfigError, match=r"^sources.ledger.0.path: 'ekonomi/hb_\{period\}"
                                          r".csv' leder genom en symbolisk länk till"):
        config.files(config.sources.ledger[0].path, "2025-02")


def test_the_cli_refuses_the_passwd_config_in_one_line_without_its_content(tmp_path):
    path = write(tmp_path / "a" / "b" / "kommun", ledger=PASSWD)
    for command in ("check", "run"):
        result = uppfoljning(command, "--config", str(path))
        assert result.returncode == 2
        [line] = result.stderr.splitlines()
        assert line.startswith(f"fel: {path}: sources.ledger.0.path: '{PASSWD}' pekar utanför")
        assert ":x:0:0:" not in result.stdout + result.stderr
        assert "\u274c" not in result.stdout + result.stderr  # :x: as an emoji


MARKUP = "[bold]:x:[/]"


def test_an_error_with_markup_and_emoji_codes_is_printed_literally(tmp_path):
    path = write(tmp_path / "kommun", ledger=f"{MARKUP}.csv")
    result = uppfoljning("run", "--config", str(path))
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        f"fel: {path}: sources.ledger.0.path: ingen fil matchar '{MARKUP}.csv' (räknat från "
        f"{path.parent})"]


def test_check_prints_what_a_file_holds_literally_and_short(tmp_path):
    folder = tmp_path / "kommun"
    path = write(folder)
    (folder / "huvudbok.csv").write_text(f"{MARKUP};" + "x" * 200 + "\n1;2\n", encoding="utf-8")
    result = uppfoljning("check", "--config", str(path))
    assert result.returncode == 2
    assert (f"huvudbok.csv: rad 1: kolumn saknas: Konto, Belopp (rubriker i filen: "
            f"{MARKUP}, {'x' * 16}…)") in result.stdout
    assert "\u274c" not in result.stdout and "x" * 17 not in result.stdout


def test_sie_inspect_prints_its_error_literally(tmp_path):
    path = tmp_path / "huvudbok.se"
    path.write_text(f"{MARKUP} inte SIE\n", encoding="utf-8")
    result = uppfoljning("sie", "inspect", str(path))
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        f"fel: huvudbok.se: ingen SIE-fil (ingen rad är en post; rad 1 börjar med '{MARKUP} "
        "inte SIE'; en SIE-fil består av poster som #FLAGGA, #VER och #TRANS)"]
    (tmp_path / "[bold]:x:[").mkdir()  # a path that holds [bold]:x:[/]
    missing = uppfoljning("sie", "inspect", str(tmp_path / "[bold]:x:[" / "]saknas.se"))
    assert missing.returncode == 2
    assert missing.stderr.splitlines() == [
        f"fel: {tmp_path}/{MARKUP}saknas.se: kan inte läsas (No such file or directory)"]


def test_a_run_parses_the_config_once_and_an_edited_config_anew(tmp_path):
    """Every asset of a run asks Settings for the config: parsed once, not per asset."""
    from pipelines.resources import Settings

    path = write(tmp_path / "kommun")
    (path.parent / "huvudbok.csv").write_text("Period;Konto;Belopp\n", encoding="utf-8")
    settings = Settings(config_path=str(path))
    first = settings.load()
    assert settings.load() is first
    text = path.read_text(encoding="utf-8").replace("municipality: K", "municipality: Kommun B")
    path.write_text(text, encoding="utf-8")
    assert settings.load().municipality == "Kommun B"
