"""docs/process.md, the map from the kommun's process to the platform, cannot rot: every
name it gives in the column Plattformen exists (asset, check, mart and column, schedule,
sensor, job, command), and every step the two seeds name is in it."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import duckdb
import pytest
import typer

from pipelines.cli import app
from pipelines.definitions import build_definitions

ROOT = Path(__file__).resolve().parents[1]
PROCESS = ROOT / "docs" / "process.md"
SEEDS = ROOT.parent / "shared" / "seeds"
# the seed's own typo for delmålen (tertial 1); a definite form matches its stem
ALIASES = {"deltmålen": "delmålen"}
# the steps of "Regler för budgetuppföljningsprocess" (no bold there), and its deadlines
RULES = ["Ta ut data och sammanställa", "Analysera", "konstatera", "prognos",
         "dialog med överordnad chef", "vidta åtgärder", "Rapportera", "Besluta",
         "Åtgärdsplan", "Forum för uppföljningsdialog", "APT", "Enhetschef/verksamhetschef",
         "sektorchef", "kommundirektör", "Bokslutsdag", "Kontinuerlig uppföljning",
         "Periodisk rapportering", "Tidplan och anvisningar", "v. 22–26", "v. 40–42",
         "v. 14–18"]
DEADLINES = ["15 april", "25 april", "10 maj", "15 augusti", "25 augusti", "10 september",
             "10 december", "20 december", "15 januari"]


def table_rows() -> list[list[str]]:
    """The cells of every step row (the tables whose header starts `| # | Steg |`)."""
    rows, inside = [], False
    for line in PROCESS.read_text(encoding="utf-8").splitlines():
        if line.startswith("| # | Steg |"):
            inside = True
            continue
        if not line.startswith("|"):
            inside = False
        elif inside and not line.startswith("|---"):
            rows.append([cell.strip() for cell in line.strip("|").split(" | ")])
    return rows


def named(rows: list[list[str]]) -> set[str]:
    return {name for row in rows for name in re.findall(r"`([^`]+)`", row[3])}


def known_names() -> set[str]:
    defs = build_definitions()
    graph = defs.resolve_asset_graph()
    names = {"/".join(key.path) for key in graph.get_all_asset_keys()}
    names |= {key.name for key in graph.asset_check_keys}
    names |= {a.node_def.name for a in defs.assets if hasattr(a, "node_def")}
    names |= {s.name for s in defs.schedules} | {s.name for s in defs.sensors}
    names |= {job.name for job in defs.jobs}
    return names


def command_exists(words: list[str]) -> bool:
    command = typer.main.get_command(app)
    for word in words:
        commands = getattr(command, "commands", {})
        if word not in commands:
            return False
        command = commands[word]
    return True


def test_every_row_has_its_parts():
    rows = table_rows()
    assert len(rows) > 70
    for row in rows:
        assert len(row) == 6, row[:2]
        number, step, who, platform, _, _ = row
        assert step and who and platform, number
        # a human step says so, and what the platform prepares for it
        if platform.startswith("—"):
            assert len(platform) > 20, number
    numbers = [row[0] for row in rows]
    assert len(numbers) == len(set(numbers))


@pytest.mark.slow
def test_every_name_in_the_map_exists(demo_run):
    known = known_names()
    with duckdb.connect(str(demo_run.warehouse), read_only=True) as con:
        columns = {(t, c) for t, c in con.execute(
            "select table_name, column_name from information_schema.columns "
            "where table_schema = 'marts'").fetchall()}
    marts = {t for t, _ in columns}
    missing = []
    for name in sorted(named(table_rows())):
        if name.startswith("uppfoljning "):
            words = [w for w in name.split()[1:] if not w.startswith("--")]
            found = command_exists(words)
        elif name.startswith("marts."):
            parts = name.split(".")
            found = (parts[1] in marts if len(parts) == 2
                     else (parts[1], parts[2]) in columns)
        else:
            found = name in known
        if not found:
            missing.append(name)
    assert not missing, f"docs/process.md names what does not exist: {missing}"


@pytest.mark.skipif(not SEEDS.is_dir(), reason=f"{SEEDS} (the seeds) not found")
def test_every_step_of_the_seeds_is_in_the_map():
    steps = [row[1].lower() for row in table_rows()]
    (arshjul,) = SEEDS.glob("000_*.txt")
    terms = Counter(ALIASES.get(t.lower(), t.lower())
                    for t in re.findall(r"\*\*([^*]+)\*\*", arshjul.read_text("utf-8")))
    for term, times in terms.items():
        stem = term if any(term in s for s in steps) else term.rstrip("na")
        rows = sum(stem in s for s in steps)
        assert rows >= times, f"'{term}' is a step {times} times in the årshjul, {rows} in the map"
    text = PROCESS.read_text(encoding="utf-8").lower()
    for phrase in RULES + DEADLINES:
        assert phrase.lower() in text, phrase


def test_the_readme_links_the_map():
    assert "docs/process.md" in (ROOT / "README.md").read_text(encoding="utf-8")
