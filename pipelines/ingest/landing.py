"""Landing: every delivered file kept as delivered, with a manifest row per delivery.

`raw.deliveries` holds one row per (source, period, file, content): its hash, where the copy
is kept, when it was received and rows read / loaded / quarantined. Delivering the same file
again adds nothing. A corrected file for a period (same source, period and file, other
content) becomes the current delivery and the earlier one is marked `replaced`, with its
landed copy kept: the history of what was loaded stays.

A file is named in the manifest by its path relative to the config's folder (absolute only
when it lies outside it), so a kommun's folder copied or moved elsewhere keeps its
deliveries: the copy's next load finds them as its own instead of adding a second current
delivery per month. Rows of older warehouses that name the same file by an absolute path
under another folder are taken as the same file, and renamed, when it is loaded next.

A delivery that was cut off (a SIE file ending inside a voucher, pipelines/ingest/
completeness.py) is refused whole: recorded with status `refused` and why, its rows
quarantined, and the earlier delivery of the file stays current (its kept copy is what the
load reads instead). The refusal is open (`replaced_at` empty) until the file is delivered
whole; the delivery rules (expectations/leveranser.yaml) block the boards' packages while it
is open.

HR exports are recorded in the manifest but not copied: they hold personnummer in clear
text, which must not pass the extraction step (the HR system keeps the originals).

A month extracted from an ERP database is a delivery too (`extracted`): named by the source
(`db:<host>:<table>`), its content hash that of the month's landed rows, nothing copied (the
rows are kept in `raw.erp_ledger_rows`). A month extracted again with other rows is
`corrected` like a file, so the delivery rules compare it with what it replaces.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import shutil
from dataclasses import dataclass
from pathlib import Path

import duckdb

MANIFEST_DDL = """
    delivery_id VARCHAR NOT NULL, source VARCHAR NOT NULL, period VARCHAR, file_name VARCHAR,
    delivered_path VARCHAR, landed_path VARCHAR, content_hash VARCHAR, size_bytes BIGINT,
    received_at TIMESTAMP, status VARCHAR, replaced_at TIMESTAMP, rows_read BIGINT,
    rows_loaded BIGINT, rows_quarantined BIGINT, refusal VARCHAR, refusal_line INTEGER"""
NOT_COPIED = {"hr", "account_balances"}  # personal data; the ledger's load keeps the SIE files


@dataclass
class Delivery:
    source: str
    period: str | None
    path: Path
    content_hash: str
    size_bytes: int | None  # None: extracted from a database, no file
    # how rows, quarantine and messages name the file: its name, or its path in the config's
    # folder where another file of the source has the same name (deliveries.file_names)
    shown_as: str | None = None

    @property
    def name(self) -> str:
        return self.shown_as or self.path.name

    @property
    def delivery_id(self) -> str:
        return f"{self.source}:{self.period or '-'}:{self.name}:{self.content_hash[:16]}"


def file_hash(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def delivery(source: str, period: str | None, path: Path, name: str | None = None) -> Delivery:
    """A delivered file; `name`: how its rows name it, where not its own name."""
    return Delivery(source, period, path, file_hash(path), path.stat().st_size,
                    name if name and name != path.name else None)


def extracted(source: str, period: str, name: str, content_hash: str) -> Delivery:
    """A month extracted from a database (`name`: the source's name in the warehouse)."""
    return Delivery(source, period, Path(name), content_hash, None, shown_as=name)


def ensure_manifest(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("CREATE SCHEMA IF NOT EXISTS raw")
    con.execute(f"CREATE TABLE IF NOT EXISTS raw.deliveries ({MANIFEST_DDL})")
    for column in ("refusal VARCHAR", "refusal_line INTEGER"):  # added to older manifests
        con.execute(f"ALTER TABLE raw.deliveries ADD COLUMN IF NOT EXISTS {column}")


def manifest_path(path: Path, base: Path | None) -> str:
    """How the manifest names a delivered file: relative to the config's folder `base`
    (posix), or absolute when it lies outside it."""
    if base is not None:
        try:
            return path.relative_to(base).as_posix()
        except ValueError:
            pass
    return str(path)


def same_file(recorded: str, named: str) -> bool:
    """Whether a manifest's `recorded` path names the file now named `named`: the same
    name, or an absolute path of an older warehouse (or of the folder this one was copied
    from) that ends in the relative one."""
    return recorded == named or (Path(recorded).is_absolute()
                                 and not Path(named).is_absolute()
                                 and recorded.endswith("/" + named))


def keep_copy(landing: Path, d: Delivery) -> Path | None:
    """Copy the file as delivered into the landing folder (once per content)."""
    if d.source in NOT_COPIED or d.size_bytes is None:
        return None
    target = landing / d.source / (d.period or "ar") / f"{d.content_hash[:16]}__{d.path.name}"
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_suffix(target.suffix + ".part")
        shutil.copyfile(d.path, tmp)
        tmp.replace(target)
    return target


def _open_rows(con: duckdb.DuckDBPyConnection, d: Delivery, named: str) -> list[tuple]:
    """(delivery_id, recorded path, content hash, status) of the file's current delivery
    and its open refusals."""
    rows = con.execute(
        "SELECT delivery_id, delivered_path, content_hash, status FROM raw.deliveries "
        "WHERE source = ? AND period IS NOT DISTINCT FROM ? AND file_name = ? AND "
        "(status = 'current' OR (status = 'refused' AND replaced_at IS NULL))",
        [d.source, d.period, d.name]).fetchall()
    return [r for r in rows if same_file(r[1], named)]


def _set(con: duckdb.DuckDBPyConnection, row: tuple, assignments: str, values: list) -> None:
    con.execute(f"UPDATE raw.deliveries SET {assignments} WHERE delivery_id = ? AND "
                "delivered_path = ? AND status = ?", [*values, row[0], row[1], row[3]])


def record(con: duckdb.DuckDBPyConnection, landing: Path, d: Delivery, read: int, loaded: int,
           quarantined: int, now: dt.datetime | None = None, base: Path | None = None) -> str:
    """Record a load of a delivery in the manifest (inside the caller's transaction); the
    file's open refusals are closed: it is delivered whole now.

    Returns 'new', 'unchanged' (the same content again) or 'corrected' (replaces an earlier
    delivery of the same file for the period)."""
    now = now or dt.datetime.now().replace(microsecond=0)
    named = manifest_path(d.path, base)
    rows = _open_rows(con, d, named)
    for row in rows:
        if row[3] == "refused":
            _set(con, row, "replaced_at = ?", [now])
    current = [r for r in rows if r[3] == "current"]
    same = [r for r in current if r[2] == d.content_hash]
    if same:
        _set(con, same[0], "rows_read = ?, rows_loaded = ?, rows_quarantined = ?, "
                           "delivered_path = ?", [read, loaded, quarantined, named])
        return "unchanged"
    landed = keep_copy(landing, d)
    for row in current:
        _set(con, row, "status = 'replaced', replaced_at = ?", [now])
    con.execute(
        "INSERT INTO raw.deliveries VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'current', NULL, ?, ?, ?, "
        "NULL, NULL)",
        [d.delivery_id, d.source, d.period, d.name, named,
         str(landed) if landed else None, d.content_hash, d.size_bytes, now, read, loaded,
         quarantined])
    return "corrected" if current else "new"


def record_refused(con: duckdb.DuckDBPyConnection, landing: Path, d: Delivery, read: int,
                   quarantined: int, reason: str, line: int | None = None,
                   now: dt.datetime | None = None, base: Path | None = None) -> None:
    """Record a delivery refused whole (`reason`, in Swedish; `line`, where the file shows
    it): kept as delivered like any other, status `refused`, open until the file is
    delivered whole; the earlier delivery of the file stays current."""
    now = now or dt.datetime.now().replace(microsecond=0)
    named = manifest_path(d.path, base)
    mine = [r for r in con.execute(
        "SELECT delivery_id, delivered_path, content_hash, status FROM raw.deliveries "
        "WHERE delivery_id = ? AND status = 'refused'", [d.delivery_id]).fetchall()
        if same_file(r[1], named)]
    if mine:
        _set(con, mine[0], "replaced_at = NULL, rows_read = ?, rows_loaded = 0, "
                           "rows_quarantined = ?, refusal = ?, refusal_line = ?, "
                           "delivered_path = ?", [read, quarantined, reason, line, named])
        return
    landed = keep_copy(landing, d)
    con.execute(
        "INSERT INTO raw.deliveries VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'refused', NULL, ?, 0, "
        "?, ?, ?)",
        [d.delivery_id, d.source, d.period, d.name, named,
         str(landed) if landed else None, d.content_hash, d.size_bytes, now, read,
         quarantined, reason, line])


def kept_copy(con: duckdb.DuckDBPyConnection, d: Delivery, base: Path | None,
              landing: Path) -> tuple[Delivery, Path] | None:
    """The file's current delivery whose copy the landing area keeps (the ledger's, which
    keeps the SIE files), as (that delivery, the copy): what a load reads in place of a
    refused delivery of the file. None when the file has none."""
    named = manifest_path(d.path, base)
    rows = con.execute(
        "SELECT delivered_path, landed_path, content_hash, size_bytes, period FROM "
        "raw.deliveries WHERE file_name = ? AND status = 'current' AND landed_path IS NOT "
        "NULL AND (source = ? OR source = 'ledger') ORDER BY received_at DESC",
        [d.name, d.source]).fetchall()
    for recorded, landed, content_hash, size, period in rows:
        if not same_file(recorded, named) or (d.source != "account_balances"
                                              and period != d.period):
            continue
        copy = landing / Path(*Path(landed).parts[-3:])  # the landing area may have moved
        if copy.is_file():
            return Delivery(d.source, d.period, d.path, content_hash, size, d.shown_as), copy
    return None
