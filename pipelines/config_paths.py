"""The config's paths stay in its folder: a relative path whose `..` or symbolic links lead
out of the config file's folder is refused, naming the key; an absolute path is read as
written (on purpose, e.g. a share). Checked for every path when the config is loaded, before
anything is read, and again for the files a source names when they are read (a delivery that
arrives later as a link out of the folder)."""

from __future__ import annotations

import glob
import os
from pathlib import Path

from pipelines.errors import ConfigError

PATH_KEYS = ("warehouse", "read_copy", "landing", "reports_output")
OUTSIDE = ("pekar utanför konfigurationens mapp ({base}): en relativ sökväg ska ligga i den, "
           "en absolut sökväg läses som den är skriven")


def named_paths(config) -> list[tuple[str, str]]:
    """(key, path) of every path the config names, e.g. ('sources.ledger.0.path', ...)."""
    named = [(key, str(getattr(config, key))) for key in PATH_KEYS
             if getattr(config, key) is not None]
    for key in type(config.sources).model_fields:
        value = getattr(config.sources, key)
        listed = enumerate(value) if isinstance(value, list) else [(None, value)]
        named += [(f"sources.{key}{'' if i is None else f'.{i}'}.path", src.path)
                  for i, src in listed if getattr(src, "path", None)]
    return named


def _escape(base_dir: Path, path: str, candidate: Path) -> str | None:
    """How `candidate`, what the relative `path` names, leaves the folder `base_dir`."""
    base = base_dir.resolve()
    if not Path(os.path.normpath(base / candidate)).is_relative_to(base):
        return f"'{path}' {OUTSIDE.format(base=base)}"
    target = candidate.resolve()
    if not target.is_relative_to(base):
        return f"'{path}' leder genom en symbolisk länk till {target}, som " \
               f"{OUTSIDE.format(base=base)}"
    return None


def outside_folder(base_dir: Path, path: str) -> str | None:
    """Why a configured path may not be used, or None: a relative path must stay in the
    config's folder, by its `..` and by where its symbolic links lead (it is resolved, then
    checked); an absolute path is taken as written on purpose."""
    if Path(path).is_absolute():
        return None
    fill = path.replace("{period}", "*").replace("{year}", "*")
    candidates = [base_dir / fill, *map(Path, glob.glob(str(base_dir / fill)))]
    return next(filter(None, (_escape(base_dir, path, c) for c in candidates)), None)


def confine(config, path: str, found: list[Path], key: str | None = None) -> None:
    """ConfigError, naming the key, when a file the relative `path` names lies outside the
    config's folder."""
    reason = next(filter(None, (_escape(config.base_dir, path, p) for p in found)), None)
    if reason:
        key = key or next((k for k, named in named_paths(config) if named == path), "path")
        raise ConfigError(f"{key}: {reason}")
