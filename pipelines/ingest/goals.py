"""Goals and their follow-up: the goals file (mål och styrtal, YAML), the statuses units and
boards report per tertial (CSV/Excel), styrtal outcomes in Kolada's shape (CSV/Excel), and
the tidplan's comment deadlines. The formats are in docs/source-files.md."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import yaml

from pipelines.ingest.loaders import Batch, parse_any_date, table_rows

REPORTED_STATUSES = ("uppnått", "delvis uppnått", "ej uppnått", "ej påbörjad")  # the seeds'
# status as reported -> the status kept (the four of the seeds, and the short forms in use)
STATUSES = {"uppnått": "uppnått", "delvis uppnått": "delvis uppnått", "delvis": "delvis uppnått",
            "ej uppnått": "ej uppnått", "inte uppnått": "ej uppnått",
            "ej påbörjad": "ej påbörjad", "ej påbörjat": "ej påbörjad",
            "inte påbörjad": "ej påbörjad"}
DIRECTIONS = {"hogre_ar_battre": "higher", "högre är bättre": "higher",
              "lagre_ar_battre": "lower", "lägre är bättre": "lower"}
STATUS_COLUMNS = {"goal_id": "Id", "period": "Period", "status": "Status",
                  "comment": "Kommentar", "submitted_on": "Inlämnad",
                  "submitted_by": "Inlämnad av"}
KPI_COLUMNS = {"kpi": "kpi", "municipality": "municipality", "year": "period",
               "gender": "gender", "value": "value"}


def read_goals(path: Path) -> Batch:
    """Every goal of the file as a row, with its kind and its parent in the hierarchy."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    batch = Batch()
    year = data.get("ar")
    order = 0

    def add(node: dict, kind: str, parent: str | None, board: str | None,
            area: str | None) -> None:
        nonlocal order
        order += 1
        batch.read += 1
        try:
            goal_id, name = str(node["id"]), str(node["namn"])
            target = node.get("malvarde")
            direction = node.get("riktning")
            if direction is not None and direction not in DIRECTIONS:
                raise ValueError(f"riktning '{direction}' är inte hogre_ar_battre eller "
                                 "lagre_ar_battre")
            batch.add({
                "fiscal_year": year, "goal_id": goal_id, "goal_kind": kind,
                "parent_goal_id": parent, "board_code": board, "strategic_area_id": area,
                "name": name, "target_value": float(target) if target is not None else None,
                "unit": node.get("enhet"), "direction": DIRECTIONS.get(direction),
                "kolada_kpi": node.get("kolada_kpi"), "computation": node.get("berakning"),
                "responsible_unit": str(node["ansvarig"]) if node.get("ansvarig") else None,
                "sort_order": order, "source_file": path.name, "source_line": order})
        except (KeyError, TypeError, ValueError) as e:
            what = f"{e.args[0]} saknas" if isinstance(e, KeyError) else str(e)
            batch.reject("goals", path.name, order, str(node)[:500], f"mål {order}: {what}")

    for area in data.get("strategiska_inriktningsomraden") or []:
        add(area, "strategic_area", None, None, area.get("id"))
        for t in area.get("styrtal") or []:
            add(t, "kf_indicator", area.get("id"), None, area.get("id"))
    for goal in data.get("finansiella_mal") or []:
        add(goal, "financial_goal", None, None, None)
    for board in data.get("namnder") or []:
        code = str(board.get("namnd"))
        for goal in board.get("namndmal") or []:
            area = goal.get("strategiskt_omrade")
            add(goal, "board_goal", area, code, area)
            for t in goal.get("styrtal") or []:
                add(t, "board_indicator", goal.get("id"), code, area)
            for sub in goal.get("delmal") or []:
                add(sub, "sub_goal", goal.get("id"), code, area)
                for act in sub.get("aktiviteter") or []:
                    add(act, "activity", sub.get("id"), code, area)
    return batch


def read_goal_statuses(path: Path, kind: str = "csv", delimiter: str = ";",
                       encoding: str = "utf-8", sheet: str | int = 0,
                       columns: dict[str, str] | None = None) -> Batch:
    cols = {**STATUS_COLUMNS, **(columns or {})}
    batch = Batch()
    for line, rec in table_rows(path, kind, delimiter, encoding, sheet):
        batch.read += 1
        v = {k: (rec.get(h) or "").strip() for k, h in cols.items()}
        try:
            if not v["goal_id"]:
                raise ValueError("Id saknas")
            period = v["period"][:7]
            if len(period) != 7 or period[4] != "-":
                raise ValueError(f"perioden '{v['period']}' är inte ÅÅÅÅ-MM")
            status = STATUSES.get(v["status"].lower()) if v["status"] else None
            if v["status"] and status is None:
                raise ValueError(f"status '{v['status']}' är inte en av uppnått, delvis "
                                 "uppnått, ej uppnått, ej påbörjad")
            batch.add({"goal_id": v["goal_id"], "period": period, "status": status,
                       "comment": v["comment"] or None,
                       "submitted_on": parse_any_date(v["submitted_on"])
                       if v["submitted_on"] else None,
                       "submitted_by": v["submitted_by"] or None,
                       "source_file": path.name, "source_line": line})
        except ValueError as e:
            batch.reject("goal_statuses", path.name, line, ";".join(rec.values())[:500],
                         str(e))
    return batch


def read_kpi_outcomes(path: Path, kind: str = "csv", delimiter: str = ",",
                      encoding: str = "utf-8", decimal: str = ".", sheet: str | int = 0,
                      columns: dict[str, str] | None = None,
                      municipality_code: str | None = None) -> Batch:
    """Rows of a Kolada export (kpi, municipality, period = year, gender T/K/M, value); the
    kommun's own rows (`municipality_code`; all rows when it is not set) are marked, the
    others (riket, comparison kommuner) are kept beside them."""
    cols = {**KPI_COLUMNS, **(columns or {})}
    batch = Batch()
    for line, rec in table_rows(path, kind, delimiter, encoding, sheet):
        batch.read += 1
        v = {k: (rec.get(h) or "").strip() for k, h in cols.items()}
        try:
            if not v["kpi"]:
                raise ValueError("kpi saknas")
            value = v["value"].replace(" ", "").replace(decimal, ".") if v["value"] else ""
            batch.add({"kpi": v["kpi"], "municipality": v["municipality"] or None,
                       "year": int(v["year"][:4]), "gender": v["gender"] or "T",
                       "value": float(value) if value else None,
                       "is_own_municipality": municipality_code is None
                       or v["municipality"] == municipality_code,
                       "source_file": path.name, "source_line": line})
        except ValueError as e:
            batch.reject("kpi_outcomes", path.name, line, ";".join(rec.values())[:500],
                         f"{e}" if "saknas" in str(e) else f"inte ett tal eller år: {e}")
    return batch


def read_comment_deadlines(path: Path) -> Batch:
    """The tidplan's comment deadlines (kommentarer): per period and level or goal kind."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    batch = Batch()
    for n, period in enumerate(data.get("uppfoljningar") or [], start=1):
        for level, day in (period.get("kommentarer") or {}).items():
            batch.read += 1
            try:
                deadline = day if isinstance(day, dt.date) else dt.date.fromisoformat(str(day))
                batch.add({"period": str(period["period"]), "level": str(level),
                           "deadline": deadline, "source_file": path.name, "source_line": n})
            except (KeyError, ValueError) as e:
                batch.reject("tidplan", path.name, n, f"{level}: {day}",
                             f"uppföljning {n}, kommentarer.{level}: {e}")
    return batch
