"""The sensor `new_delivery`: a ledger or HR file that lands or changes for a month loads that
month, once every changed file of the month has stopped changing and is whole
(pipelines/ingest/completeness.py); it says which files it waits for and why.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

import dagster as dg

from pipelines.config import Config, Source, config_path_from_env
from pipelines.ingest import completeness
from pipelines.schedules import _config, monthly_load_job

# a delivery cut off and unchanged this long is said to be so (it is not loaded until it is
# delivered whole), not waited for in silence
CUT_FOR_LONG = dt.timedelta(hours=1)
MAX_LINES = 10  # files named in the sensor's skip reason


def _monthly_files(config: Config) -> Iterator[tuple[Path, str, Source]]:
    """(file, month, its source) of every monthly ledger and HR file of the config's years."""
    for year in config.years:
        for m in range(1, 13):
            month = f"{year}-{m:02d}"
            for src in [*config.sources.ledger, *config.sources.hr]:
                pattern = getattr(src, "path", None)
                if not pattern or "{period}" not in pattern:
                    continue
                for path in config.files(pattern, month):
                    yield path, month, src


def _stamps(files: Iterable[tuple[Path, str, Source]]) -> dict[str, str]:
    out = {}
    for path, month, _ in files:
        with contextlib.suppress(FileNotFoundError):  # removed since it was listed
            stat = path.stat()
            out[str(path)] = f"{month}|{stat.st_mtime_ns}|{stat.st_size}"
    return out


def delivered_files(config: Config) -> dict[str, str]:
    """Every monthly ledger and HR file of the config's years -> 'month|mtime|size'."""
    return _stamps(_monthly_files(config))


def ready_files(state: dict, now: dict[str, str]) -> tuple[dict[str, str], list[str]]:
    """Of the files that changed since they were last loaded, those unchanged since the
    previous evaluation (ready: their copy into place has ended, or stalled), and those
    still changing (waiting)."""
    loaded, seen = state["loaded"], state["seen"]
    changed = {p: s for p, s in now.items() if loaded.get(p) != s}
    ready = {p: s for p, s in changed.items() if seen.get(p) == s}
    return ready, sorted(p for p in changed if p not in ready)


def changed_months(ready: dict[str, str]) -> list[str]:
    return sorted({stamp.split("|")[0] for stamp in ready.values()})


def cut_files(ready: dict[str, str], sources: dict[str, Source], known: dict[str, list]
              ) -> dict[str, list]:
    """Of the ready files, those that are not whole (completeness.cut_off: a SIE file that
    ends inside a voucher, a CSV or Excel export that does not read to its end) -> [stamp,
    line, reason]. `known`: the previous evaluation's, not read again while unchanged."""
    cut = {}
    for path, stamp in ready.items():
        if known.get(path, [None])[0] == stamp:
            cut[path] = known[path]
            continue
        try:
            found = completeness.cut_off(Path(path), sources[path])
        except OSError as e:
            found = completeness.CutOff(1, f"filen kan inte läsas ({e.strerror})")
        if found is not None:
            cut[path] = [stamp, found.line, found.reason]
    return cut


def _since(stamp: str) -> dt.datetime:
    return dt.datetime.fromtimestamp(int(stamp.split("|")[1]) / 1e9)


def waiting_for(changing: list[str], cut: dict[str, list], held: dict[str, str],
                clock: float) -> tuple[list[str], dict[str, str]]:
    """Why each file is not loaded yet, one line per file in Swedish; and the lines of the
    files cut and unchanged for more than CUT_FOR_LONG, by file (not waited for in silence:
    they are not loaded until delivered whole)."""
    lines = [f"{Path(p).name}: ändras fortfarande (ny storlek eller ändringstid sedan förra "
             "kontrollen) – väntar tills den är färdig" for p in changing]
    long_cut = {}
    for path, (stamp, _, reason, *_) in sorted(cut.items()):
        since = _since(stamp)
        if clock - since.timestamp() > CUT_FOR_LONG.total_seconds():
            long_cut[path] = (f"{Path(path).name}: {reason} – oförändrad sedan "
                              f"{since:%Y-%m-%d %H:%M}; läses inte in förrän den levereras "
                              "hel")
        else:
            lines.append(f"{Path(path).name}: {reason} – väntar på resten")
    lines += [f"{Path(p).name}: färdig, men månaden {s.split('|')[0]} väntar på sina andra "
              "filer" for p, s in sorted(held.items())]
    return [*long_cut.values(), *lines], long_cut


def _state(cursor: str | None) -> dict | None:
    state = json.loads(cursor) if cursor else None
    if state is not None and "loaded" not in state:  # a cursor of the earliest form
        state = {"loaded": state, "seen": state}
    return state


def _load_new_deliveries(context: dg.SensorEvaluationContext):
    """Loads a month when its ledger or HR files land or change, once each changed file has
    kept its size and modification time for one interval and is whole (a copy that stalled
    half-way stays unchanged, but is not whole). The skip reason says which files it waits
    for and why. The first evaluation only takes note of what is there. The cursor: what was
    loaded, what was seen at the last evaluation, and the files found cut."""
    config = _config()
    if config is None:
        return dg.SkipReason(f"no config at {config_path_from_env()}")
    files = list(_monthly_files(config))
    now, sources = _stamps(files), {str(path): src for path, _, src in files}
    state = _state(context.cursor)
    if state is None:
        context.update_cursor(json.dumps({"loaded": now, "seen": now}))
        return dg.SkipReason(f"noted {len(now)} delivered files")
    ready, changing = ready_files(state, now)
    cut = cut_files(ready, sources, state.get("cut", {}))
    not_yet = set(changed_months({p: now[p] for p in [*changing, *cut]}))
    whole = {p: s for p, s in ready.items() if p not in cut}
    loading = {p: s for p, s in whole.items() if s.split("|")[0] not in not_yet}
    requests = []
    for month in changed_months(loading):
        stamps = sorted(s for s in now.values() if s.startswith(f"{month}|"))
        key = hashlib.sha1("".join(stamps).encode()).hexdigest()[:12]
        requests.append(dg.RunRequest(run_key=f"delivery-{month}-{key}", partition_key=month))
    lines, long_cut = waiting_for(changing, cut, {p: s for p, s in whole.items()
                                                   if p not in loading}, time.time())
    for path, line in long_cut.items():
        if len(cut[path]) == 3:  # in the log once per delivery, in the skip reason each time
            context.log.warning(f"avklippt leverans: {line}")
            cut[path].append("sagt")
    context.update_cursor(json.dumps(
        {"loaded": {**state["loaded"], **loading}, "seen": now, "cut": cut}))
    if lines and requests:
        context.log.info("väntar på: " + "; ".join(lines))
    if lines and not requests:
        return dg.SkipReason("väntar på leveranser som inte är färdiga:\n" + "\n".join(
            lines[:MAX_LINES]) + (f"\n… och {len(lines) - MAX_LINES} filer till"
                                  if len(lines) > MAX_LINES else ""))
    return requests


def new_delivery_sensor(status: dg.DefaultSensorStatus = dg.DefaultSensorStatus.STOPPED
                        ) -> dg.SensorDefinition:
    return dg.sensor(name="new_delivery", job=monthly_load_job, minimum_interval_seconds=300,
                     default_status=status,
                     description="Every 5 minutes: a month whose ledger or HR files landed "
                                 "or changed is loaded once every changed file of it has "
                                 "stayed unchanged since the previous evaluation and is whole "
                                 "(a SIE file's last voucher closed, a CSV or Excel export "
                                 "read to its end); the first evaluation only notes what is "
                                 "there.")(_load_new_deliveries)


new_delivery = new_delivery_sensor()
