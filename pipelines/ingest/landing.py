"""Landing: every delivered file kept as delivered, with a manifest row per delivery.

`raw.deliveries` holds one row per (source, period, file, content): its hash, where the copy
is kept, when it was received and rows read / loaded / quarantined. Delivering the same file
again adds nothing. A corrected file for a period (same source, period and file name, other
content) becomes the current delivery and the earlier one is marked `replaced`, with its
landed copy kept: the history of what was loaded stays.

HR exports are recorded in the manifest but not copied: they hold personnummer in clear
text, which must not pass the extraction step (the HR system keeps the originals).
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
    rows_loaded BIGINT, rows_quarantined BIGINT"""
NOT_COPIED = {"hr", "account_balances"}  # personal data; the ledger's load keeps the SIE files


@dataclass
class Delivery:
    source: str
    period: str | None
    path: Path
    content_hash: str
    size_bytes: int

    @property
    def delivery_id(self) -> str:
        return f"{self.source}:{self.period or '-'}:{self.path.name}:{self.content_hash[:16]}"


def file_hash(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def delivery(source: str, period: str | None, path: Path) -> Delivery:
    return Delivery(source, period, path, file_hash(path), path.stat().st_size)


def ensure_manifest(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("CREATE SCHEMA IF NOT EXISTS raw")
    con.execute(f"CREATE TABLE IF NOT EXISTS raw.deliveries ({MANIFEST_DDL})")


def keep_copy(landing: Path, d: Delivery) -> Path | None:
    """Copy the file as delivered into the landing folder (once per content)."""
    if d.source in NOT_COPIED:
        return None
    target = landing / d.source / (d.period or "ar") / f"{d.content_hash[:16]}__{d.path.name}"
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_suffix(target.suffix + ".part")
        shutil.copyfile(d.path, tmp)
        tmp.replace(target)
    return target


def record(con: duckdb.DuckDBPyConnection, landing: Path, d: Delivery, read: int, loaded: int,
           quarantined: int, now: dt.datetime | None = None) -> str:
    """Record a load of a delivery in the manifest (inside the caller's transaction).

    Returns 'new', 'unchanged' (the same content again) or 'corrected' (replaces an earlier
    delivery of the same file for the period)."""
    now = now or dt.datetime.now().replace(microsecond=0)
    # the same file is the same path (two files of one name in two folders are two files)
    current = con.execute(
        "SELECT delivery_id, content_hash FROM raw.deliveries WHERE source = ? AND "
        "period IS NOT DISTINCT FROM ? AND delivered_path = ? AND status = 'current'",
        [d.source, d.period, str(d.path)]).fetchall()
    if any(h == d.content_hash for _, h in current):
        con.execute("UPDATE raw.deliveries SET rows_read = ?, rows_loaded = ?, "
                    "rows_quarantined = ? WHERE delivery_id = ? AND delivered_path = ?",
                    [read, loaded, quarantined, d.delivery_id, str(d.path)])
        return "unchanged"
    landed = keep_copy(landing, d)
    con.execute("UPDATE raw.deliveries SET status = 'replaced', replaced_at = ? WHERE "
                "source = ? AND period IS NOT DISTINCT FROM ? AND delivered_path = ? AND "
                "status = 'current'", [now, d.source, d.period, str(d.path)])
    con.execute(
        "INSERT INTO raw.deliveries VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'current', NULL, ?, ?, ?)",
        [d.delivery_id, d.source, d.period, d.path.name, str(d.path),
         str(landed) if landed else None, d.content_hash, d.size_bytes, now, read, loaded,
         quarantined])
    return "corrected" if current else "new"
