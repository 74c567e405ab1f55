"""The voucher assembler of the SIE reader (pipelines.ingest.sie, the line classifier): a
#VER line opens a `VoucherBlock`, its rows are added to it, and the block's end gives the
voucher whole, or every line of it for quarantine, each with its rule (in Swedish). A
voucher is loaded whole or not at all.
"""

from __future__ import annotations

from pipelines.ingest.sie_fields import (
    fast_fields,
    looks_like_text,
    parse_account,
    parse_amount,
    parse_date,
    split_fields,
)
from pipelines.ingest.sie_records import Row, Voucher

# a line of a voucher for quarantine: (line, raw, rule, label)
Entry = tuple[int, str, str, str]


class VoucherBlock:
    """A #VER being read: its voucher, whether its `{` was seen, and what is wrong with it.
    `fault` is why the voucher cannot be loaded (None while it can); `ver_rule` is what the
    #VER line itself breaks, where that differs from the fault; `problems` are the rows that
    could not be read: (line, raw, rule); `skip_trans` the #RTRANS whose repeating #TRANS is
    passed over."""

    __slots__ = ("voucher", "opened", "fault", "ver_rule", "problems", "skip_trans")

    def __init__(self, voucher: Voucher, fault: str | None = None,
                 ver_rule: str | None = None):
        self.voucher = voucher
        self.opened = False
        self.fault = fault
        self.ver_rule = ver_rule
        self.problems: list[tuple[int, str, str]] = []
        self.skip_trans: tuple | None = None


def open_voucher(line_no: int, raw: str, line: str) -> VoucherBlock:
    """A #VER line: a block for its voucher, or for a voucher that cannot be loaded (the
    line's own rule is kept, and its rows are quarantined with it)."""
    try:
        fields = fast_fields(line)
        args = (fields if fields is not None else split_fields(line))[1:]
        if len(args) < 3:
            raise IndexError
        return VoucherBlock(Voucher(
            line_no, str(args[0]), str(args[1]), parse_date(str(args[2])),
            str(args[3]) if len(args) > 3 else "",
            parse_date(str(args[4])) if len(args) > 4 and args[4] else None, raw=raw))
    except (ValueError, IndexError, TypeError) as e:
        rule = "#VER har för få fält" if isinstance(e, IndexError) else str(e)
        words = line.split()
        return VoucherBlock(Voucher(line_no, words[1] if len(words) > 1 else "",
                                    words[2] if len(words) > 2 else "", None, "", None, raw=raw),
                            fault=f"#VER på rad {line_no} kan inte läsas ({rule})",
                            ver_rule=rule)


def add_row(block: VoucherBlock, line_no: int, raw: str, label: str, args: list) -> bool:
    """A #TRANS, #RTRANS or #BTRANS of the block (ValueError where it cannot be read); True
    for a removed row (#BTRANS), which the voucher keeps apart. A #TRANS that repeats the
    #RTRANS before it is the same row, passed over."""
    row = voucher_row(line_no, label[1:], args, raw)
    if block.skip_trans is not None or label == "#RTRANS":
        key = (row.account, tuple(sorted(row.objects.items())), row.amount_ore)
        if label == "#TRANS" and block.skip_trans == key:
            block.skip_trans = None  # the #TRANS that repeats an #RTRANS
            return False
        block.skip_trans = key if label == "#RTRANS" else None
    if label == "#BTRANS":
        block.voucher.removed_rows.append(row)
        return True
    block.voucher.rows.append(row)
    return False


def voucher_row(line_no: int, kind: str, args: list, raw: str) -> Row:
    """`#TRANS account {objects} amount [date] [text] [quantity]`; a text in the date's
    place is taken as the text."""
    if len(args) < 3 or not isinstance(args[1], dict):
        raise ValueError(f"#{kind} behöver konto, objektlista och belopp")
    fields = [str(a) for a in args[3:6]] + [""] * (3 - len(args[3:6]))
    if looks_like_text(fields[0], raw) and not fields[1]:  # the text in the date's place
        fields = ["", fields[0], fields[2]]
    date = parse_date(fields[0]) if fields[0] else None
    return Row(line_no, parse_account(str(args[0])), args[1], parse_amount(str(args[2])),
               date, fields[1], fields[2], kind, raw)


def close(block: VoucherBlock, fault: str | None = None) -> tuple[Voucher | None, list[Entry]]:
    """The end of a voucher block: the voucher (None for one without rows, counted apart
    by the reader), or no voucher and every line of it to quarantine, each with its rule,
    in line order."""
    v = block.voucher
    fault = block.fault or fault
    if fault is None and block.problems:
        first = block.problems[0][0]
        fault = (f"verifikationen har {len(block.problems)} rad(er) som inte kan läsas "
                 f"(första på rad {first}); hela verifikationen sätts i karantän")
    if fault is None:
        return v, []
    name = f"{v.series} {v.number}".strip() or "utan nummer"
    entries = [(v.line, v.raw, block.ver_rule or fault, "#VER")]
    entries += [(r.line, r.raw, f"rad i verifikation {name} (rad {v.line}) som inte läses "
                 f"in: {fault}", f"#{r.kind}") for r in v.rows]
    entries += [(line, raw, rule, "#TRANS") for line, raw, rule in block.problems]
    return None, sorted(entries, key=lambda e: e[0])


def unended(block: VoucherBlock, where: str) -> str:
    """Why a voucher block that a new #VER or the file's end cuts off is not loaded."""
    if block.opened:
        return f"verifikationsblocket avslutas inte med '}}' {where}"
    return no_brace(block)


def no_brace(block: VoucherBlock) -> str:
    """Why a #VER with no '{' after it is not loaded."""
    if not block.voucher.rows and not block.problems:
        return "#VER utan '{ }'-block"
    return rows_without_brace(block)


def rows_without_brace(block: VoucherBlock) -> str:
    return (f"'{{' saknas efter #VER på rad {block.voucher.line}: raderna kan inte säkert "
            "knytas till verifikationen")
