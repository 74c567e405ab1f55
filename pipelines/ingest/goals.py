"""Goals and their follow-up: the goals file (mål och styrtal, YAML), the statuses units and
boards report per tertial (CSV/Excel), styrtal outcomes in Kolada's shape (CSV/Excel), and
the tidplan's comment deadlines. The formats are in docs/source-files.md."""

from __future__ import annotations

import math
from pathlib import Path

from pipelines.domain import DEVIATION_LEVELS, GOAL_DEADLINES, STATUSES
from pipelines.ingest.batch import Batch
from pipelines.ingest.tables import parse_any_date, parse_number, table_rows
from pipelines.ingest.yaml_files import LineMapping, date_of, entries, read_yaml

DIRECTIONS = {"hogre_ar_battre": "higher", "högre är bättre": "higher",
              "lagre_ar_battre": "lower", "lägre är bättre": "lower"}
# the outcomes the marts compute (marts.goal_outcomes), by the goals file's `berakning`
COMPUTATIONS = ("resultat_andel_skatter", "namndernas_avvikelse", "namnder_over_budget",
                "sjalvfinansieringsgrad", "budgetavvikelse", "personalstatistik")
TERTIAL_MONTHS = ("04", "08", "12")
STATUS_COLUMNS = {"goal_id": "Id", "period": "Period", "status": "Status",
                  "comment": "Kommentar", "submitted_on": "Inlämnad",
                  "submitted_by": "Inlämnad av"}
KPI_COLUMNS = {"kpi": "kpi", "municipality": "municipality", "year": "period",
               "gender": "gender", "value": "value"}
# a goal kind -> the lists of children it holds in the goals file, and their kind
CHILDREN = {"strategic_area": (("styrtal", "kf_indicator"),),
            "board_goal": (("styrtal", "board_indicator"), ("delmal", "sub_goal")),
            "sub_goal": (("aktiviteter", "activity"),)}
KIND_SV = {"strategic_area": "strategiskt inriktningsområde", "kf_indicator": "KF:s styrtal",
           "financial_goal": "finansiellt mål", "board_goal": "nämndmål",
           "board_indicator": "styrtal", "sub_goal": "delmål", "activity": "aktivitet"}


def read_goals(path: Path) -> Batch:
    """Every goal of the file as a row, with its kind and its parent in the hierarchy. A goal
    that cannot be read is quarantined with its line, and so is everything under it."""
    data = read_yaml(path)
    batch = Batch()
    given = data.get("ar")
    year = int(given) if str(given).isdigit() and 2000 <= int(given) <= 2100 else None
    no_year = None if year else ("filens 'ar' saknas" if given is None else
                                 f"filens ar '{given}' är inte ett år (ÅÅÅÅ)")
    areas = {str(a["id"]) for a in entries(data, "strategiska_inriktningsomraden", path)
             if isinstance(a, dict) and a.get("id") is not None}
    seen: dict[str, int] = {}  # goal id -> line

    def goal(node: LineMapping, kind: str, parent: str | None, board: str | None,
             area: str | None, refused: str | None) -> None:
        """One goal and, recursively, the goals under it; `refused` says why they cannot be
        loaded (the file, the board or the parent could not be read)."""
        line = getattr(node, "line", 0)
        batch.read += 1
        goal_id = None
        try:
            if not isinstance(node, dict):
                raise ValueError(f"ska ha id och namn, inte '{node}'")
            if node.get("id") is None or node.get("namn") is None:
                raise ValueError(f"{'id' if node.get('id') is None else 'namn'} saknas")
            goal_id = str(node["id"])
            if refused:
                raise ValueError(refused)
            if goal_id in seen:
                raise ValueError(f"id '{goal_id}' finns redan på rad {seen[goal_id]}")
            seen[goal_id] = line
            batch.add({"fiscal_year": year, "goal_id": goal_id, "goal_kind": kind,
                       "parent_goal_id": parent, "board_code": board,
                       "strategic_area_id": area, **_goal_facts(node), "sort_order": len(seen),
                       "source_file": path.name, "source_line": line})
        except ValueError as e:
            what = f"{KIND_SV[kind]} {goal_id}" if goal_id else KIND_SV[kind]
            batch.reject("goals", path.name, line, str(node)[:500], f"{what}: {e}")
            refused = f"hör till {KIND_SV[kind]} på rad {line} som inte kunde läsas"
        for key, child_kind in CHILDREN.get(kind, ()):
            for child in entries(node, key, path) if isinstance(node, LineMapping) else []:
                goal(child, child_kind, goal_id, board, area, refused)

    for node in entries(data, "strategiska_inriktningsomraden", path):
        area = str(node.get("id")) if isinstance(node, dict) else None
        goal(node, "strategic_area", None, None, area, no_year)
    for node in entries(data, "finansiella_mal", path):
        goal(node, "financial_goal", None, None, None, no_year)
    for board in entries(data, "namnder", path):
        _board_goals(board, path, areas, no_year, goal)
    return batch


def _board_goals(board: LineMapping, path: Path, areas: set[str], no_year: str | None,
                 goal) -> None:
    """A nämnd's goals (`namndmal`), each under its strategic area; refused where the year,
    the nämnd's code or the area named cannot be read."""
    code = board.get("namnd") if isinstance(board, dict) else None
    no_board = None if code is not None else (
        f"nämnden på rad {getattr(board, 'line', 0)} saknar 'namnd' (nämndens kod)")
    for node in entries(board, "namndmal", path) if isinstance(board, LineMapping) else []:
        area = node.get("strategiskt_omrade") if isinstance(node, dict) else None
        unknown = None if area is None or str(area) in areas else (
            f"strategiskt_omrade '{area}' finns inte bland strategiska_inriktningsomraden")
        goal(node, "board_goal", None if area is None else str(area),
             None if code is None else str(code), None if area is None else str(area),
             no_year or no_board or unknown)


def _goal_facts(node: dict) -> dict:
    """What a goal says of itself: name, target, unit, direction, Kolada KPI, computation
    and responsible unit (ValueError where one cannot be read)."""
    return {"name": str(node["namn"]), "target_value": _number(node.get("malvarde")),
            "unit": node.get("enhet"), "direction": _direction(node.get("riktning")),
            "kolada_kpi": node.get("kolada_kpi"),
            "computation": _computation(node.get("berakning")),
            "responsible_unit": str(node["ansvarig"]) if node.get("ansvarig") else None}


def _number(value) -> float | None:
    """A target value: a YAML number as YAML reads it, a text as a Swedish number
    (tables.parse_number, decimal comma: '1 500,5')."""
    if value is None:
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        if not math.isfinite(value):  # .nan, .inf
            raise ValueError(f"malvarde '{value}' är inte ett tal")
        return float(value)
    try:
        return float(parse_number(str(value), ","))
    except ValueError as e:
        raise ValueError(f"malvarde {e}") from None


def _direction(value) -> str | None:
    if value is not None and value not in DIRECTIONS:
        raise ValueError(f"riktning '{value}' är inte hogre_ar_battre eller lagre_ar_battre")
    return DIRECTIONS.get(value)


def _computation(value) -> str | None:
    if value is not None and value not in COMPUTATIONS:
        raise ValueError(f"berakning '{value}' är inte en av {', '.join(COMPUTATIONS)}")
    return value


def _period(text: str) -> str:
    """'2025-04' (or a date in it) -> '2025-04'; ValueError when it is not a month."""
    period = text.strip()[:7]
    if not period:
        raise ValueError("perioden saknas")
    if len(period) != 7 or period[4] != "-" or not (period[:4] + period[5:]).isdigit() \
            or not 1 <= int(period[5:]) <= 12:
        raise ValueError(f"perioden '{text}' är inte ÅÅÅÅ-MM")
    return period


def read_goal_statuses(path: Path, kind: str = "csv", delimiter: str = ";",
                       encoding: str = "utf-8", sheet: str | int = 0,
                       columns: dict[str, str] | None = None,
                       known_goals: set[tuple[int, str]] | None = None) -> Batch:
    """Status and comment per goal and tertial. A report must be for a tertial (April, August
    or December), for a goal of that year's goals file (`known_goals`, (year, id), when the
    goals are loaded) and say something: a status, a comment or both."""
    cols = {**STATUS_COLUMNS, **(columns or {})}
    batch = Batch()
    required = [cols[k] for k in ("goal_id", "period", "status", "comment")]
    for line, rec in table_rows(path, kind, delimiter, encoding, sheet, required):
        batch.read += 1
        v = {k: (rec.get(h) or "").strip() for k, h in cols.items()}
        try:
            rec.check()
            if not v["goal_id"]:
                raise ValueError("Id saknas")
            period = _period(v["period"])
            if period[5:] not in TERTIAL_MONTHS:
                raise ValueError(f"perioden '{period}' är ingen tertial (ÅÅÅÅ-04, ÅÅÅÅ-08 "
                                 "eller ÅÅÅÅ-12)")
            if known_goals is not None and (int(period[:4]), v["goal_id"]) not in known_goals:
                raise ValueError(f"målet '{v['goal_id']}' finns inte i målfilen för "
                                 f"{period[:4]}")
            status = STATUSES.get(v["status"].lower()) if v["status"] else None
            if v["status"] and status is None:
                raise ValueError(f"status '{v['status']}' är inte en av uppnått, delvis "
                                 "uppnått, ej uppnått, ej påbörjad")
            if status is None and not v["comment"]:
                raise ValueError("varken status eller kommentar: raden är ingen rapport")
            try:
                submitted = parse_any_date(v["submitted_on"]) if v["submitted_on"] else None
            except ValueError as e:
                raise ValueError(f"Inlämnad: {e}") from None
            batch.add({"goal_id": v["goal_id"], "period": period, "status": status,
                       "comment": v["comment"] or None, "submitted_on": submitted,
                       "submitted_by": v["submitted_by"] or None,
                       "source_file": path.name, "source_line": line})
        except ValueError as e:
            batch.reject("goal_statuses", path.name, line, rec.raw[:500], str(e))
    return batch


def read_kpi_outcomes(path: Path, kind: str = "csv", delimiter: str = ",",
                      encoding: str = "utf-8", decimal: str = ".", sheet: str | int = 0,
                      columns: dict[str, str] | None = None,
                      municipality_code: str | None = None) -> Batch:
    """Rows of a Kolada export (kpi, municipality, period = year, gender T/K/M, value); the
    kommun's own rows (`municipality_code`; all rows when it is not set) are marked, the
    others (riket, comparison kommuner) are kept beside them."""
    cols = {**KPI_COLUMNS, **(columns or {})}
    decimal = "," if kind == "excel" else decimal  # an Excel number is read as its cell_text
    batch = Batch()
    required = [cols[k] for k in ("kpi", "municipality", "year", "value")]
    for line, rec in table_rows(path, kind, delimiter, encoding, sheet, required):
        batch.read += 1
        v = {k: (rec.get(h) or "").strip() for k, h in cols.items()}
        try:
            rec.check()
            if not v["kpi"]:
                raise ValueError("kpi saknas")
            if not v["year"][:4].isdigit():
                raise ValueError(f"{cols['year']} '{v['year']}' är inte ett år (ÅÅÅÅ)")
            gender = v["gender"].upper() or "T"
            if gender not in ("T", "K", "M"):
                raise ValueError(f"{cols['gender']} '{v['gender']}' är inte T, K eller M")
            try:
                value = float(parse_number(v["value"], decimal)) if v["value"] else None
            except ValueError as e:
                raise ValueError(f"{cols['value']} {e}") from None
            batch.add({"kpi": v["kpi"], "municipality": v["municipality"] or None,
                       "year": int(v["year"][:4]), "gender": gender, "value": value,
                       "is_own_municipality": municipality_code is None
                       or v["municipality"] == municipality_code,
                       "source_file": path.name, "source_line": line})
        except ValueError as e:
            batch.reject("kpi_outcomes", path.name, line, rec.raw[:500], str(e))
    return batch




def read_comment_deadlines(path: Path) -> Batch:
    """The tidplan's comment deadlines (kommentarer): per period and level or goal kind."""
    data = read_yaml(path)
    batch = Batch()
    allowed = (*DEVIATION_LEVELS, *GOAL_DEADLINES)
    for period in entries(data, "uppfoljningar", path):
        if not isinstance(period, LineMapping):
            continue  # not a follow-up period at all: the calendar (read_tidplan) rejects it
        comments = period.get("kommentarer") or {}
        if not isinstance(comments, LineMapping):
            raise ValueError(f"{path.name}: rad {period.line_of('kommentarer')}: "
                             "'kommentarer' ska vara nivå: datum, en per rad")
        for level, day in comments.items():
            line = comments.line_of(level)
            batch.read += 1
            try:
                key = _period(str(period.get("period") or ""))
                if int(key[5:]) % 2:
                    raise ValueError(f"perioden '{key}' är ingen uppföljning (jämn månad)")
                if level not in allowed:
                    raise ValueError(f"'{level}' är inte en av {', '.join(allowed)}")
                deadline = date_of(day, level)
                if deadline is None:
                    raise ValueError("datum saknas")
                batch.add({"period": key, "level": str(level), "deadline": deadline,
                           "source_file": path.name, "source_line": line})
            except ValueError as e:
                batch.reject("comment_deadlines", path.name, line, f"{level}: {day}",
                             f"kommentarer.{level}: {e}")
    return batch

