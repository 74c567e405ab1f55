"""A quality issue's message: the rule's Swedish text (expectations/*.yaml, message_sv) with
the row's values as a person reads them."""

from __future__ import annotations

from collections import defaultdict

from pipelines.quality.suites import Rule
from pipelines.text import MISSING, display


def voucher_named(row: dict) -> str:
    """How a message names the row's voucher: "verifikation A 12"; a row without a voucher
    number (an export of supplier invoices has none) by its file and line instead."""
    series, number = (display(row.get(k), "") for k in ("series", "voucher_number"))
    if number:
        return " ".join(w for w in ("verifikation", series, number) if w)
    file, line = display(row.get("file"), ""), display(row.get("line"), "")
    if file and line:
        return f"raden {line} i {file}"
    return f"raden {line}" if line else "raden (utan verifikationsnummer)"


def message(rule: Rule, row: dict) -> str:
    """The rule's Swedish message with the row's values as a person reads them; {voucher}
    ({Voucher} at the start of a sentence) names the voucher, or the row where it has none."""
    values = defaultdict(lambda: MISSING, {k: display(v) for k, v in row.items()})
    named = voucher_named(row)
    values["voucher"], values["Voucher"] = named, named[:1].upper() + named[1:]
    return rule.message_sv.format_map(values)
