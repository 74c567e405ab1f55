"""Rebuild from the landing area: the disaster-recovery path, and a check that the warehouse
is what its deliveries make.

`uppfoljning rebuild --config FILE` deletes and changes nothing. It builds a new warehouse in
`ombyggnad/<time>/` beside the current one, from the files as they were delivered: every
current delivery's kept copy in the landing area, put back at the path it was delivered to,
and the returned packages of the landing area. What the landing area does not keep is read
again from the configured sources: HR's exports (personal data is not copied), an ERP
database, and any file no load has recorded yet. Then it compares every mart of the new
warehouse with the current one, row for row, and says which differ.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import yaml

from pipelines.config import Config, load_config
from pipelines.read_copy import connect_waiting

FOLDER = "ombyggnad"


@dataclass
class Rebuilt:
    folder: Path  # the rebuild's own config, sources, warehouse and run history
    warehouse: Path
    from_landing: int  # files taken from the landing area
    from_sources: list[str] = field(default_factory=list)  # source paths read again
    differences: dict[str, tuple[int, int]] = field(default_factory=dict)  # mart → only
    # in the current warehouse, only in the rebuilt one

    @property
    def identical(self) -> bool:
        return not any(a or b for a, b in self.differences.values())


def landed_files(config: Config) -> list[tuple[Path, Path]]:
    """(kept copy, path it was delivered to) of every current delivery with a copy, the
    oldest first: where two name the same file (a folder copied with a warehouse older
    than relative paths in the manifest, before its first run), the latest is put back
    last and so is the one the rebuild reads."""
    with connect_waiting(str(config.warehouse_path), True, config.lock_wait_seconds,
                         settings=config.engine.duckdb_settings()) as con:
        return [(Path(landed), Path(delivered)) for landed, delivered in con.execute(
            "select landed_path, delivered_path from raw.deliveries where status = "
            "'current' and landed_path is not null order by received_at, landed_path"
        ).fetchall()]


def placed(config: Config, landed: Path, delivered: Path) -> tuple[Path, Path | None]:
    """Where a delivery's kept copy is now, and the path it was delivered to relative to
    the config's folder. The manifest names a file inside the config's folder relative to
    it; an older warehouse recorded the paths of the machine and folder the load ran in,
    and a kommun restoring elsewhere has moved both, so the copy is found by its place in
    the landing area (<source>/<period>/<file>), and the delivered path relative to the
    folder the landing area was in then (or the config's folder)."""
    copy = config.landing_path / Path(*landed.parts[-3:])
    if not delivered.is_absolute():
        return copy, delivered
    bases = [config.base_dir]
    if not Path(config.landing).is_absolute():  # the landing area was inside the folder
        bases.append(landed.parents[2].parents[len(Path(config.landing).parts) - 1])
    for base in bases:
        try:
            return copy, delivered.relative_to(base)
        except ValueError:
            continue
    return copy, None


def _point_sources(raw: dict, config: Config, tree: Path, read_again: list[str]) -> None:
    """Each file source of the config dict: the tree's files where the landing area put
    them back, else the configured path itself (absolute), noted in `read_again`. HR is
    always read again: the landing area keeps no personal data."""
    for kind, value in raw["sources"].items():
        for source in value if isinstance(value, list) else [value]:
            if not isinstance(source, dict):
                continue
            pattern = source.get("path")
            if not pattern:  # an ERP database: read again
                if source.get("url"):
                    read_again.append(str(source["url"]).split("@")[-1])
                continue
            fill = pattern.replace("{period}", "*").replace("{year}", "*")
            if kind == "hr" or not list(tree.glob(fill)):
                source["path"] = str(config.base_dir / pattern)
                read_again.append(pattern)


def rebuild(config_path: Path, now: dt.datetime | None = None) -> Rebuilt:
    """Build the new warehouse beside the current one and compare their marts."""
    from pipelines.runner import run_pipeline

    config = load_config(config_path, require_files=False)  # the sources may be lost
    stamp = (now or dt.datetime.now()).strftime("%Y%m%d-%H%M%S")
    folder = config.warehouse_path.parent / FOLDER / stamp
    tree = folder / "kallor"
    copied = 0
    for landed, delivered in landed_files(config):
        copy, relative = placed(config, landed, delivered)
        if relative is None or not copy.is_file():  # read from the source instead
            continue
        place = tree / relative
        place.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(copy, place)
        copied += 1
    returns = config.landing_path / "returer"
    if returns.is_dir():
        shutil.copytree(returns, folder / "landning" / "returer")
    raw = yaml.safe_load(Path(config_path).read_text(encoding="utf-8"))
    raw.update(warehouse=str(folder / "lager" / config.warehouse_path.name),
               landing=str(folder / "landning"), reports_output=str(folder / "rapporter"),
               read_copy=str(folder / "publicerad" / config.warehouse_path.name))
    read_again: list[str] = []
    _point_sources(raw, config, tree, read_again)
    rebuilt_config = tree / "uppfoljning.yaml"
    tree.mkdir(parents=True, exist_ok=True)
    rebuilt_config.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    home = os.environ.pop("DAGSTER_HOME", None)  # its run history stays in the folder
    try:
        summary = run_pipeline(rebuilt_config, packages=False)
    finally:
        if home is not None:
            os.environ["DAGSTER_HOME"] = home
    out = Rebuilt(folder, summary.warehouse, copied, sorted(set(read_again)))
    with connect_waiting(str(config.warehouse_path), True, config.lock_wait_seconds,
                         settings=config.engine.duckdb_settings()):
        pass  # the current warehouse is free to be read
    out.differences = mart_differences(config.warehouse_path, summary.warehouse)
    return out


def mart_differences(current: Path, rebuilt: Path) -> dict[str, tuple[int, int]]:
    """Per mart: (rows only in the `current` warehouse, rows only in the `rebuilt` one)."""
    con = duckdb.connect()
    try:
        con.execute("ATTACH ? AS current (READ_ONLY)", [str(current)])
        con.execute("ATTACH ? AS rebuilt (READ_ONLY)", [str(rebuilt)])
        marts = [t for (t,) in con.execute(
            "select table_name from information_schema.tables where table_catalog = "
            "'current' and table_schema = 'marts' order by 1").fetchall()]
        found = {}
        for t in marts:
            found[t] = tuple(con.execute(
                f"select (select count(*) from (select * from current.marts.{t} except all "
                f"select * from rebuilt.marts.{t})), (select count(*) from (select * from "
                f"rebuilt.marts.{t} except all select * from current.marts.{t}))"
            ).fetchone())
        return found
    finally:
        con.close()
