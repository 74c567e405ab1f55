"""Documents are written whole or not at all: to a hidden temporary file beside the target,
then renamed into place. A run killed while writing (kill -9, a full disk) leaves no
half-written workbook or PDF under a name that looks published; the next run replaces the
leftover temporary file."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path


def write_whole(path: Path, write: Callable[[Path], object]) -> Path:
    """`write(temporary)` writes the file; it replaces `path` only once complete."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.part")
    try:
        write(partial)
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
    return path
