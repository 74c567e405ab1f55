"""The goals file, goal reports, Kolada exports and the tidplan as a kommun writes them, with
the mistakes people make: every row is loaded or quarantined with its line and rule, and a
file that cannot be read at all is one message naming the file and line."""

import textwrap

import pytest

from pipelines.config import ConfigError, load_config
from pipelines.ingest.goals import (
    read_comment_deadlines,
    read_goal_statuses,
    read_goals,
    read_kpi_outcomes,
)
from pipelines.ingest.loaders import read_tidplan

GOALS = """\
ar: 2025
strategiska_inriktningsomraden:
  - id: S1
    namn: Livslångt lärande
    ansvarig: "11"
    styrtal:
      - {id: S1.1, namn: Behörighet, malvarde: åttioåtta, enhet: "%"}
      - {id: S1.2, namn: Examen, malvarde: 80, riktning: hogre_ar_battre}
finansiella_mal:
  - {id: F1, namn: Resultat, malvarde: 2, berakning: resultat_i_procent}
namnder:
  - namnd: "12"
    namndmal:
      - id: N12.1
        namn: God kvalitet
        strategiskt_omrade: S1
        delmal:
          - namn: Delmål utan id
            aktiviteter:
              - {id: A12.1.1.1, namn: Kartlägga}
          - id: D12.1.2
            namn: Grundskola
            aktiviteter:
              - {id: A12.1.2.1, namn: Införa rutiner, ansvarig: "121201"}
              - {id: S1.2, namn: Samma id som ett styrtal}
      - id: N12.2
        namn: Okänt område
        strategiskt_omrade: S9
        delmal:
          - {id: D12.2.1, namn: Under ett avvisat nämndmål}
  - namndmal:
      - {id: N13.1, namn: Nämnd utan kod}
"""


def write(tmp_path, name, text, encoding="utf-8"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding=encoding)
    return path


def by_line(batch):
    return {q["line"]: q["rule"] for q in batch.quarantine}


def test_a_goal_that_cannot_be_read_is_quarantined_with_its_line_and_so_is_all_under_it(
        tmp_path):
    batch = read_goals(write(tmp_path, "mal_2025.yaml", GOALS))
    assert batch.read == batch.loaded + len(batch.quarantine) == 13
    loaded = {r["goal_id"]: r for r in batch.rows}
    assert set(loaded) == {"S1", "S1.2", "N12.1", "D12.1.2", "A12.1.2.1"}
    assert loaded["A12.1.2.1"]["source_line"] == 24  # the line it stands on in the file
    assert loaded["D12.1.2"]["parent_goal_id"] == "N12.1"
    assert by_line(batch) == {
        7: "KF:s styrtal S1.1: malvarde 'åttioåtta' är inte ett tal",
        10: "finansiellt mål F1: berakning 'resultat_i_procent' är inte en av "
            "resultat_andel_skatter, namndernas_avvikelse, namnder_over_budget, "
            "sjalvfinansieringsgrad, budgetavvikelse, personalstatistik",
        18: "delmål: id saknas",
        20: "aktivitet A12.1.1.1: hör till delmål på rad 18 som inte kunde läsas",
        25: "aktivitet S1.2: id 'S1.2' finns redan på rad 8",
        26: "nämndmål N12.2: strategiskt_omrade 'S9' finns inte bland "
            "strategiska_inriktningsomraden",
        30: "delmål D12.2.1: hör till nämndmål på rad 26 som inte kunde läsas",
        32: "nämndmål N13.1: nämnden på rad 31 saknar 'namnd' (nämndens kod)",
    }


def test_a_goals_file_without_its_year_loads_no_goal(tmp_path):
    batch = read_goals(write(tmp_path, "mal.yaml", GOALS.replace("ar: 2025\n", "")))
    assert batch.loaded == 0 and len(batch.quarantine) == batch.read == 13
    assert by_line(batch)[2] == "strategiskt inriktningsområde S1: filens 'ar' saknas"


@pytest.mark.parametrize(("text", "message"), [
    ("ar: 2025\nnamnder:\n  - namnd: '12'\n    namndmal: [{id: N1, namn: x}\n",
     r"mal.yaml: rad \d: inte giltig YAML"),
    ("ar: 2025\nnamnder: Barn- och utbildningsnämnden\n",
     r"mal.yaml: rad 2: 'namnder' ska vara en lista"),
    ("- ar: 2025\n", r"mal.yaml: rad 1: filen ska vara en YAML-mappning"),
])
def test_a_goals_file_yaml_cannot_read_names_the_file_and_line(tmp_path, text, message):
    with pytest.raises(ValueError, match=message):
        read_goals(write(tmp_path, "mal.yaml", text))


STATUSES = """\
Id;Period;Status;Kommentar;Inlämnad;Inlämnad av
N12.1;2025-04;delvis;Arbetet pågår;2025-05-08;Sektorchef
D12.1.2;2025-04;;;;
A12.1.2.1;2025-04;uppnått;Klart; före sommaren;2025-04-14;Rektor
A12.1.2.1;2025-05;uppnått;Klart;2025-05-30;Rektor
A12.1.2.1;2025-13;uppnått;Klart;2025-05-30;Rektor
XX9;2025-08;uppnått;Klart;2025-08-30;Någon
N12.1;2025-08;klart;;2025-08-30;Någon
N12.1;2025-12;;Bokslutskommentar;2026-02-30;Någon
"""


def test_goal_reports_that_are_no_report_or_name_no_goal_are_quarantined(tmp_path):
    known = {(2025, g) for g in ("N12.1", "D12.1.2", "A12.1.2.1")}
    batch = read_goal_statuses(write(tmp_path, "malstatus.csv", STATUSES), known_goals=known)
    assert batch.read == batch.loaded + len(batch.quarantine) == 8
    assert [(r["goal_id"], r["period"], r["status"]) for r in batch.rows] == [
        ("N12.1", "2025-04", "delvis uppnått")]
    assert by_line(batch) == {
        3: "varken status eller kommentar: raden är ingen rapport",
        4: "7 fält men 6 rubriker (ett ';' i en text utan citattecken?)",
        5: "perioden '2025-05' är ingen tertial (ÅÅÅÅ-04, ÅÅÅÅ-08 eller ÅÅÅÅ-12)",
        6: "perioden '2025-13' är inte ÅÅÅÅ-MM",
        7: "målet 'XX9' finns inte i målfilen för 2025",
        8: "status 'klart' är inte en av uppnått, delvis uppnått, ej uppnått, ej påbörjad",
        9: "Inlämnad: '2026-02-30' är inget datum (ÅÅÅÅ-MM-DD eller ÅÅÅÅMMDD)",
    }
    [bad] = [q for q in batch.quarantine if q["line"] == 4]
    assert bad["raw"] == "A12.1.2.1;2025-04;uppnått;Klart; före sommaren;2025-04-14;Rektor"


def test_a_goal_report_file_in_another_encoding_or_with_other_headings_is_refused(tmp_path):
    latin = write(tmp_path, "latin.csv", STATUSES, encoding="iso-8859-1")
    # the header (Inlämnad) is the first line not in UTF-8
    with pytest.raises(ValueError, match="latin.csv: rad 1: kan inte läsas som utf-8"):
        read_goal_statuses(latin)
    configured = read_goal_statuses(latin, encoding="iso-8859-1")  # as the config says
    assert configured.read == 8 and configured.rows[0]["comment"] == "Arbetet pågår"
    other = write(tmp_path, "annan.csv", "Mål;Tertial;Läge\nN12.1;2025-04;uppnått\n")
    with pytest.raises(ValueError, match=r"annan.csv: rad 1: kolumn saknas: Id, Period"):
        read_goal_statuses(other)


def test_kolada_rows_that_are_not_values_are_quarantined(tmp_path):
    path = write(tmp_path, "kolada.csv", """\
        kpi,municipality,period,gender,value
        N15428,1440,2025,T,80.9
        N15428,1440,2025,X,80.9
        N15428,1440,år 2025,T,80.9
        N15428,1440,2025,K,åttio
        N15428,0000,2025,T,84.7,extra
        """)
    batch = read_kpi_outcomes(path, municipality_code="1440")
    assert [(r["municipality"], r["value"], r["is_own_municipality"]) for r in batch.rows] == [
        ("1440", 80.9, True)]
    assert by_line(batch) == {
        3: "gender 'X' är inte T, K eller M",
        4: "period 'år 2025' är inte ett år (ÅÅÅÅ)",
        5: "value 'åttio' är inte ett tal",
        6: "6 fält men 5 rubriker (ett ',' i en text utan citattecken?)",
    }
    # exported with ';' where the config says ',': one message, not a row per line
    with pytest.raises(ValueError, match=r"rad 1: kolumn saknas: kpi, municipality"):
        read_kpi_outcomes(write(tmp_path, "semikolon.csv", "kpi;municipality;period;gender;"
                                "value\nN15428;1440;2025;T;80,9\n"))


TIDPLAN = """\
ar: 2025
uppfoljningar:
  - period: 2025-04
    datauttag: 2025-05-06
    kommentarer:
      aktiviteter: 2025-04-15
      delmål: 2025-04-25
      enhet: 2025-05-32
  - period: april 2025
    datauttag: 2025-05-06
    kommentarer:
      sektor: 2025-05-15
  - period: 2025-08
    kommentarer:
      sektor: 2025-09-15
"""


def test_tidplan_entries_that_cannot_be_used_are_quarantined_with_their_line(tmp_path):
    path = write(tmp_path, "tidplan_2025.yaml", TIDPLAN)
    deadlines = read_comment_deadlines(path)
    assert [(r["period"], r["level"], r["source_line"]) for r in deadlines.rows] == [
        ("2025-04", "aktiviteter", 6), ("2025-08", "sektor", 15)]
    assert by_line(deadlines) == {
        7: "kommentarer.delmål: 'delmål' är inte en av enhet, verksamhet, sektor, "
           "aktiviteter, delmal, namndmal, styrtal, strategiska_omraden",
        8: "kommentarer.enhet: enhet '2025-05-32' är inte ett datum (ÅÅÅÅ-MM-DD)",
        12: "kommentarer.sektor: perioden 'april 2025' är inte ÅÅÅÅ-MM",
    }
    calendar = read_tidplan(path)
    assert [r["period"] for r in calendar.rows] == ["2025-04"]
    assert by_line(calendar) == {
        9: "uppföljning: perioden 'april 2025' är inte ÅÅÅÅ-MM med en jämn månad",
        13: "uppföljning: datauttag saknas",
    }
    with pytest.raises(ValueError, match=r"tidplan_2025.yaml: rad \d+: inte giltig YAML"):
        read_tidplan(write(tmp_path, "tidplan_2025.yaml", TIDPLAN + "  - period: [\n"))


def test_kolada_outcomes_need_the_kommuns_code(tmp_path):
    (tmp_path / "org.csv").write_text("x\n", encoding="utf-8")
    (tmp_path / "kolada.csv").write_text("x\n", encoding="utf-8")
    path = write(tmp_path, "uppfoljning.yaml", """\
        municipality: Exempelkommun
        fiscal_year: 2025
        sources:
          org_register: {type: csv, path: org.csv}
          kpi_outcomes: [{type: csv, path: kolada.csv}]
        """)
    with pytest.raises(ConfigError, match="municipality_code .* behövs med "
                                          "sources.kpi_outcomes"):
        load_config(path)


def test_the_tidplans_two_loads_keep_each_its_quarantine(tmp_path):
    """The calendar and the comment deadlines both read the tidplan: neither load may drop
    what the other quarantined."""
    import dagster as dg
    import duckdb

    from pipelines.defs.ingest import comment_deadlines, follow_up_calendar
    from pipelines.resources import Settings, Warehouse

    (tmp_path / "org.csv").write_text("x\n", encoding="utf-8")
    write(tmp_path, "tidplan_2025.yaml", TIDPLAN)
    config = write(tmp_path, "uppfoljning.yaml", """\
        municipality: Exempelkommun
        fiscal_year: 2025
        warehouse: lager.duckdb
        sources:
          org_register: {type: csv, path: org.csv}
          tidplan: {path: tidplan_2025.yaml}
        """)
    for order in ([follow_up_calendar, comment_deadlines],
                  [comment_deadlines, follow_up_calendar]):
        assert dg.materialize(order, resources={
            "settings": Settings(config_path=str(config)),
            "warehouse": Warehouse(path=str(tmp_path / "lager.duckdb"))}).success
        with duckdb.connect(str(tmp_path / "lager.duckdb"), read_only=True) as con:
            got = con.execute("select source, line from raw.quarantine order by 1, 2").fetchall()
        assert got == [("comment_deadlines", 7), ("comment_deadlines", 8),
                       ("comment_deadlines", 12), ("tidplan", 9), ("tidplan", 13)]
