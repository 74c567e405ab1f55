"""The SIE reader's lines outside the vouchers (pipelines.ingest.sie): the file's facts
(#FORMAT, #PROGRAM, #RAR, #KONTO, #DIM, #OBJEKT ...) into `SieInfo`, and the records they
hold (#PBUDGET/#PSALDO as PeriodAmount, #IB/#UB/#RES as YearBalance)."""

from __future__ import annotations

from pipelines.ingest.sie_fields import (
    is_amount,
    parse_account,
    parse_amount,
    parse_date,
    parse_period,
    parse_year_index,
)
from pipelines.ingest.sie_records import PeriodAmount, SieInfo, YearBalance

BALANCE_LABELS = ("#IB", "#UB", "#RES")
KTYP = ("T", "S", "K", "I")


def header_record(info: SieInfo, label: str, args: list, line_no: int
                  ) -> PeriodAmount | YearBalance | None:
    """A line outside the vouchers: its facts go to `info`; a #PBUDGET/#PSALDO or a
    year balance is returned as a record. Raises ValueError on a line it cannot read.
    A label this reader does not know is passed over (the format allows new ones)."""
    if label in ("#PBUDGET", "#PSALDO"):
        return period_amount(info, label, args, line_no)
    if label in BALANCE_LABELS:
        return year_balance(info, label, args, line_no)
    if label in ("#OIB", "#OUB"):
        object_balance(info, label, args)
    elif label in TEXT_FACTS:
        # empty fields are allowed on these labels
        setattr(info, TEXT_FACTS[label], str(args[0]) if args else "")
    elif label in FACTS:
        FACTS[label](info, args, line_no)
    return None


# labels whose first field is a fact of the file as it stands: label -> SieInfo attribute
TEXT_FACTS = {"#SIETYP": "sie_type", "#FNAMN": "company", "#ORGNR": "orgnr",
              "#GEN": "generated", "#KPTYP": "chart_type"}


def _format(info: SieInfo, args: list, line_no: int) -> None:
    info.declared_format = (str(args[0]) if args else "").upper()


def _program(info: SieInfo, args: list, line_no: int) -> None:
    info.program = " ".join(str(a) for a in args[:2])


def _fiscal_year(info: SieInfo, args: list, line_no: int) -> None:
    """`#RAR index start end`: a fiscal year, which cannot end before it starts."""
    start, end = parse_date(str(args[1])), parse_date(str(args[2]))
    if end < start:
        raise ValueError(f"räkenskapsårets slut {args[2]} ligger före dess start {args[1]}")
    info.fiscal_years[parse_year_index(str(args[0]))] = (start, end)


def _account(info: SieInfo, args: list, line_no: int) -> None:
    account = parse_account(str(args[0]))
    info.accounts[account] = str(args[1]) if len(args) > 1 else ""
    info.account_lines.setdefault(account, line_no)
    info.counts["accounts"] += 1


def _account_type(info: SieInfo, args: list, line_no: int) -> None:
    kind = str(args[1]).upper()
    if kind not in KTYP:
        raise ValueError(f"kontotypen '{args[1]}' är inte T, S, K eller I")
    info.account_types[parse_account(str(args[0]))] = kind


def _sru(info: SieInfo, args: list, line_no: int) -> None:
    info.sru_codes[parse_account(str(args[0]))] = str(args[1])
    info.counts["sru"] += 1


def _dimension(info: SieInfo, args: list, line_no: int) -> None:
    info.dimensions[str(args[0])] = str(args[1]) if len(args) > 1 else ""
    info.counts["dimensions"] += 1


def _underdimension(info: SieInfo, args: list, line_no: int) -> None:
    """A dimension of its own too, under its parent, counted apart."""
    info.dimensions[str(args[0])] = str(args[1]) if len(args) > 1 else ""
    if len(args) > 2:
        info.parent_dimensions[str(args[0])] = str(args[2])
    info.counts["underdimensions"] += 1


def _object(info: SieInfo, args: list, line_no: int) -> None:
    info.objects[(str(args[0]), str(args[1]))] = str(args[2]) if len(args) > 2 else ""
    info.counts["objects"] += 1


FACTS = {"#FORMAT": _format, "#PROGRAM": _program, "#RAR": _fiscal_year, "#KONTO": _account,
         "#KTYP": _account_type, "#SRU": _sru, "#DIM": _dimension,
         "#UNDERDIM": _underdimension, "#OBJEKT": _object}


def year_balance(info: SieInfo, label: str, args: list, line_no: int) -> YearBalance:
    """`#IB/#UB/#RES year account balance [quantity]`."""
    if len(args) < 3:
        raise ValueError(f"{label} behöver år, konto och saldo")
    record = YearBalance(line_no, label[1:], parse_year_index(str(args[0])),
                         parse_account(str(args[1])), parse_amount(str(args[2])))
    info.counts[label[1:].lower()] += 1
    return record


def object_balance(info: SieInfo, label: str, args: list) -> None:
    """`#OIB/#OUB year account {objects} balance [quantity]`: checked and counted, not
    returned as a record."""
    parse_year_index(str(args[0]))
    parse_account(str(args[1]))
    if not isinstance(args[2], dict):
        raise ValueError(f"{label} behöver år, konto, objektlista och saldo")
    parse_amount(str(args[3]))
    info.counts[label[1:].lower()] += 1


def period_amount(info: SieInfo, label: str, args: list, line_no: int) -> PeriodAmount:
    """`#PBUDGET year period account {objects} amount [quantity]`, the same for #PSALDO;
    the object list may be left out (Sie4j), the account and the period may not be
    swapped (a period is ÅÅÅÅMM, an account digits)."""
    if len(args) < 4:
        raise ValueError(f"{label} behöver år, period, konto, objektlista och belopp")
    year, period = parse_year_index(str(args[0])), parse_period(str(args[1]))
    account = parse_account(str(args[2]))
    if isinstance(args[3], dict):
        objects, rest = args[3], args[4:]
    elif is_amount(args[3]):
        objects, rest = {}, args[3:]
    else:
        raise ValueError(f"{label} behöver år, period, konto, objektlista och belopp")
    if not rest:
        raise ValueError(f"{label} saknar belopp")
    amount = parse_amount(str(rest[0]))
    info.counts["period_budgets" if label == "#PBUDGET" else "period_balances"] += 1
    return PeriodAmount(line_no, label[1:], year, period, account, objects, amount,
                        str(rest[1]) if len(rest) > 1 else "")
