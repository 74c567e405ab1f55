"""The package's PDF for the board meeting, typeset by Typst from reports/templates/
package.typ with the data of pipelines/packages/document.py.

The PDF is tagged and claims PDF/UA-1 (accessible, as the law on accessibility of public
services' documents asks) and PDF/A-2a (archivable as a public record). Fonts come from the
platform (DejaVu Sans, shipped with matplotlib) and reports/fonts/, never from the machine,
and the creation date is the day the warehouse's data last changed (publish.data_day), so the
same warehouse gives the same bytes on any day.

Row headers: Typst tags a table's header cells as column headers by itself, but cannot yet say
a body cell is a row header from the Python binding; `pdf_tags.tag_row_headers` finishes the
tagging on Typst's output (see there).
"""

from __future__ import annotations

import datetime as dt
from functools import cache
from pathlib import Path

import matplotlib
import typst

from pipelines.packages.atomic import write_whole
from pipelines.packages.content import Package
from pipelines.packages.document import as_json
from pipelines.packages.layout import REPORTS_DIR
from pipelines.packages.pdf_tags import tag_row_headers

TEMPLATES = REPORTS_DIR / "templates"
STANDARDS = ["a-2a", "ua-1"]


class DocumentError(RuntimeError):
    """The template could not be typeset (a kommun's restyled template with an error)."""


def font_paths() -> list[str]:
    paths = [str(Path(matplotlib.get_data_path()) / "fonts" / "ttf")]
    own = REPORTS_DIR / "fonts"
    if own.is_dir():
        paths.append(str(own))
    return paths


@cache
def _compiler() -> typst.Compiler:
    """One compiler per process: fonts are loaded once."""
    return typst.Compiler(str(TEMPLATES / "package.typ"), root=str(TEMPLATES),
                          font_paths=font_paths(), ignore_system_fonts=True)


def render(package: Package, generated: dt.date, fmt: str = "pdf", ppi: float | None = None
           ) -> bytes | list[bytes]:
    return typeset(as_json(package, generated), generated, fmt, ppi)


def typeset(data: str, generated: dt.date, fmt: str = "pdf", ppi: float | None = None
            ) -> bytes | list[bytes]:
    """The document of `data` (document.as_json), dated `generated`."""
    stamp = dt.datetime(generated.year, generated.month, generated.day, tzinfo=dt.UTC)
    try:
        out = _compiler().compile(
            format=fmt, ppi=ppi, sys_inputs={"data": data},
            pdf_standards=STANDARDS if fmt == "pdf" else [], timestamp=stamp)
    except typst.TypstError as error:
        raise DocumentError(f"{TEMPLATES / 'package.typ'}: {error.message}") from None
    return tag_row_headers(out) if fmt == "pdf" else out


def write_pdf(package: Package, path: Path, generated: dt.date | None = None) -> Path:
    document = render(package, generated or dt.date.today())
    return write_whole(path, lambda partial: partial.write_bytes(document))


__all__ = ["DocumentError", "render", "tag_row_headers", "typeset", "write_pdf"]
