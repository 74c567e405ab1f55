"""The municipality's YAML files (goals, tidplan): read with the line of every mapping, so a
bad entry is quarantined with the line it stands on, and a file YAML cannot read is one
clear error naming the file and line."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import yaml


class LineMapping(dict):
    """A YAML mapping that knows the line (1-based) it starts on, and each key's line."""

    line: int = 0
    key_lines: dict = {}

    def line_of(self, key) -> int:
        return self.key_lines.get(key, self.line)


class _Loader(yaml.SafeLoader):
    """SafeLoader that leaves dates as text, so a wrong date is a row's problem (date_of),
    not a file YAML cannot read."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()}


def _mapping(loader: _Loader, node: yaml.MappingNode) -> LineMapping:
    mapping = LineMapping(loader.construct_mapping(node, deep=True))
    mapping.line = node.start_mark.line + 1
    mapping.key_lines = {loader.construct_object(key, deep=True): key.start_mark.line + 1
                         for key, _ in node.value}
    return mapping


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)


def read_yaml(path: Path) -> LineMapping:
    """The file's top-level mapping; ValueError with file, line and what is wrong."""
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader)
    except UnicodeDecodeError:
        raise ValueError(f"{path.name}: rad 1: filen är inte UTF-8") from None
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        line = mark.line + 1 if mark else 1
        raise ValueError(f"{path.name}: rad {line}: inte giltig YAML ({e.problem or e.context})"
                         ) from None
    if data is None:
        return LineMapping()
    if not isinstance(data, LineMapping):
        raise ValueError(f"{path.name}: rad 1: filen ska vara en YAML-mappning (nyckel: värde)")
    return data


def entries(data: LineMapping, key: str, path: Path) -> list:
    """The list under `key` (none: empty); ValueError naming the line where it is not a list."""
    value = data.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise ValueError(f"{path.name}: rad {data.line_of(key)}: '{key}' ska vara en lista "
                         "(rader som börjar med '-')")
    return value


def date_of(value, what: str) -> dt.date | None:
    """A date in the file: YAML gives a date, or text as YYYY-MM-DD; empty is None."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise ValueError(f"{what} '{value}' är inte ett datum (ÅÅÅÅ-MM-DD)") from None
