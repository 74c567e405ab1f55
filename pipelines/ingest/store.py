"""The load protocol: every delivery of a source into its raw table, in one transaction, and
each recorded in the manifest (raw.deliveries). The Dagster assets (pipelines/defs) call
`store_deliveries` and show what it returns; `uppfoljning check` uses the same readings
without storing anything.

The rows read are staged first, committed chunk by chunk, so the one transaction moves rows
already on disk; rows read = rows loaded + rows quarantined is asserted per delivery.
"""

from __future__ import annotations

import duckdb

from pipelines.config import Config, DatabaseSource
from pipelines.ingest import completeness, database, landing
from pipelines.ingest.batch import Batch
from pipelines.ingest.deliveries import Reading
from pipelines.ingest.raw_tables import Replacement, replacing, staged


def _read(con, config: Config, reading: Reading, sink
          ) -> list[tuple[landing.Delivery | None, Batch, completeness.CutOff | None]]:
    """What a delivery gives: (delivery, rows read, None), or for a ledger file that was cut
    off, the kept copy of its earlier delivery read in its place (when the landing area has
    one) and the cut delivery with every row quarantined, and where it was cut."""
    delivery = reading.delivery
    cut = reading.cut_off() if reading.cut_off is not None else None
    if cut is None:
        return [(delivery, reading.read(sink), None)]
    out = []
    kept = landing.kept_copy(con, delivery, config.base_dir, config.landing_path)
    if kept is not None:
        out.append((kept[0], reading.reread(kept[1], sink), None))
    out.append((delivery, reading.refuse(cut.reason), cut))
    return out


def _record(con, config: Config, delivery: landing.Delivery, part: Batch,
            cut: completeness.CutOff | None) -> str:
    if cut is not None:
        landing.record_refused(con, config.landing_path, delivery, part.read,
                               len(part.quarantine), cut.reason, cut.line,
                               base=config.base_dir)
        return "refused"
    return landing.record(con, config.landing_path, delivery, part.read, part.loaded,
                          len(part.quarantine), base=config.base_dir)


def _load_database(con, config: Config, db: DatabaseSource, months: list[str],
                   load: Replacement, total: Batch, outcome: dict[str, int], extra: dict) -> None:
    """Extract an ERP database (incrementally for one month, in full for a range), load its
    landed rows of `months` and record each month as a delivery in the manifest."""
    name = database.source_name(db)
    extracted = database.extract(db, con, full=len(months) != 1)
    extracted.check_accounting()
    load.quarantine(extracted.quarantine_frame())
    loaded = database.load_landed(db, con, months, load.insert)
    for month, rows, content in database.month_contents(db, con, months):
        status = landing.record(con, config.landing_path, landing.extracted(
            "ledger", month, name, content), rows, rows, 0, base=config.base_dir)
        outcome[status] = outcome.get(status, 0) + 1
    extra[f"{name} extracted"] = extracted.read
    extra[f"{name} loaded"] = loaded
    total.quarantine += extracted.quarantine
    total.flushed += loaded
    total.read += loaded + len(extracted.quarantine)


def store_deliveries(con: duckdb.DuckDBPyConnection, config: Config, table: str, source: str,
                     readings: list[Reading], months: list[str] | None = None,
                     databases: list[DatabaseSource] = (), **extra) -> dict:
    """Load every delivery into `table`, replacing the load's scope, and record the
    deliveries in the manifest: one transaction, all or nothing (the rows read are staged,
    committed chunk by chunk, before it; the transaction moves them in). With `months`, a monthly
    load: those months, and every file read whole (a delivery without a period). ERP
    databases are extracted first (incrementally for one month, in full for a range) and
    their landed rows of the months loaded like a delivery. A SIE file that was cut off is
    refused whole and the earlier delivery of it loaded in its place (`_read`). Returns
    what the load did: rows read, loaded and quarantined, the deliveries by outcome, the
    refusals, the months."""
    total = Batch()
    outcome: dict[str, int] = {}
    readings = [Reading(*r) for r in readings]
    whole = [r.delivery.name for r in readings if r.delivery and r.delivery.period is None] \
        if months is not None else []
    changed_whole: list[str] = []
    refused: list[str] = []
    with staged(con, table) as staging:
        landing.ensure_manifest(con)
        parts = []
        for reading in readings:  # read and staged before the load's transaction
            for delivery, part, cut in _read(con, config, reading, staging.insert):
                part.sink = staging.insert  # small readers keep their rows until here
                part.flush()
                part.check_accounting()
                parts.append((delivery, part, cut))
        with replacing(con, table, source, months, whole) as load:
            for db in databases:
                _load_database(con, config, db, months or [], load, total, outcome, extra)
            load.insert_staged(staging)
            for delivery, part, cut in parts:
                load.quarantine(part.quarantine_frame())
                if delivery is not None:
                    status = _record(con, config, delivery, part, cut)
                    outcome[status] = outcome.get(status, 0) + 1
                    if delivery.period is None and status not in ("unchanged", "refused"):
                        changed_whole.append(delivery.name)
                    if cut is not None:
                        refused.append(f"{delivery.name}: {cut.reason}")
                total.extend(part)
            if months is not None and changed_whole:
                extra["also_rebuilt"] = ", ".join(load.rebuild_beyond(months, changed_whole))
    return {
        "rows_read": total.read, "rows_loaded": total.loaded,
        "rows_quarantined": len(total.quarantine),
        "deliveries": ", ".join(f"{n} {s}" for s, n in sorted(outcome.items())) or "none",
        **({"refused": "\n".join(refused)} if refused else {}),
        **({"months": ", ".join(months)} if months else {}), **extra}


